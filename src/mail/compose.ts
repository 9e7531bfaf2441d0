import { addressOf } from './headers.ts';
import type { OutgoingMessage, RawMessage } from './mailer.ts';
import { compileMime, fillMime } from './mime.ts';

/**
 * A structured message (welcome, account link) as the bytes every mail port sends: the same MIME
 * builder as the digest's, so SMTP, Amazon SES and the outbox all carry exactly the same message.
 */
export function composeMessage(message: OutgoingMessage, now: number): RawMessage {
  const mime = compileMime({
    from: message.from,
    subject: message.subject,
    date: new Date(now),
    headers: message.headers,
    recipientHeaders: {},
    html: [message.html],
    text: [message.text],
  });
  return { from: addressOf(message.from), to: message.to, messageId: message.messageId, raw: fillMime(mime, { to: message.to, message_id: message.messageId }) };
}
