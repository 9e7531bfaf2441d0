import type Mail from 'nodemailer/lib/mailer/index.js';
import type { OutgoingMessage, RawMessage } from './mailer.ts';

/** The nodemailer view of a message, shared by the SMTP and outbox mailers. */
export function toNodemailer(message: OutgoingMessage | RawMessage): Mail.Options {
  // A Buffer view, no copy: nodemailer writes it to the socket as it is.
  if ('raw' in message) return { envelope: { from: message.from, to: [message.to] }, raw: Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength) };
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: `<${message.messageId}>`,
    headers: message.headers,
    // Long unbroken URLs must not be folded in a way some clients mangle.
    textEncoding: 'quoted-printable',
  };
}
