import type { Mailer, OutgoingMessage, RawMessage } from './mailer.ts';

/** Keeps messages in an array: for previews and for tests that only look at what would be sent. */
export function memoryMailer(): Mailer & { sent: (OutgoingMessage | RawMessage)[] } {
  const sent: (OutgoingMessage | RawMessage)[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { ok: true };
    },
  };
}
