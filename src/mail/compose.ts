import type Mail from 'nodemailer/lib/mailer/index.js';
import type { OutgoingMessage } from './mailer.ts';

/** The nodemailer view of an OutgoingMessage, shared by the SMTP and outbox mailers. */
export function toNodemailer(message: OutgoingMessage): Mail.Options {
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
