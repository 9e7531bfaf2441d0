/** A message to compose (composeMessage): bodies are final, headers already header-safe. */
export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Without angle brackets, e.g. "welcome.r123@example.com". Stable, so a resend can be recognised. */
  messageId: string;
  headers: Record<string, string>;
}

/** A message already rendered to MIME bytes (the digest fast path): sent as is. */
export interface RawMessage {
  /** Envelope sender and recipient: bare addresses. */
  from: string;
  to: string;
  messageId: string;
  /** The complete message, CRLF line ends. */
  raw: Uint8Array;
}

export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };

/** The port every way of sending mail implements (SMTP, Amazon SES, the outbox folder, memory in tests): MIME bytes in. */
export interface Mailer {
  send(message: RawMessage): Promise<SendResult>;
  close?(): Promise<void>;
}
