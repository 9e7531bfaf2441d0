import type { Config } from '../config.ts';
import { messageIdDomain, readerLinks, viewUrl } from '../links.ts';
import type { OutgoingMessage, RawMessage } from '../mail/mailer.ts';
import { addressOf, encodePhrase } from '../mail/headers.ts';
import { compileMime, fillMime, type MimeTemplate } from '../mail/mime.ts';
import { splitSlots } from '../mail/slots.ts';
import { fillTemplate } from '../mail/template.ts';
import type { Edition } from './edition.ts';

type MessageConfig = Pick<Config, 'publicUrl' | 'mailFrom' | 'publication'> & { appSecret: string };
type EditionContent = Pick<Edition, 'date' | 'subject' | 'html' | 'text' | 'slot_marker'>;

/** The same id for the same (edition, reader), so a copy resent after a crash can be recognised and dropped. */
export function digestMessageId(config: Pick<Config, 'publicUrl'>, date: string, readerId: string): string {
  return `edition.${date}.${readerId}@${messageIdDomain(config.publicUrl)}`;
}

/** Headers every copy of an edition carries. */
function editionHeaders(config: MessageConfig, date: string): Record<string, string> {
  return {
    // Only the phrase may be an encoded-word; the <id> part must stay as it is (RFC 2919).
    'List-Id': `${encodePhrase(config.publication.name)} <digest.${messageIdDomain(config.publicUrl)}>`,
    'X-Gazette-Edition': date,
    // Gmail's feedback loop reports complaints per campaign (the edition) and sender (the publication).
    'Feedback-ID': `${date}:${feedbackSender(config.publication.name)}`,
    Precedence: 'bulk',
  };
}

/** The publication as a Feedback-ID field: lower-case letters, digits and dashes (colons separate fields). */
function feedbackSender(name: string): string {
  return name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'gazette';
}

/** What fills one reader's copy of an edition: their address and their own links (this edition's view link among them). */
function readerValues(config: MessageConfig, date: string, reader: { id: string; email: string }, now: number) {
  return { email: reader.email, ...readerLinks(config, reader.id, now), view_url: viewUrl(config, reader.id, date) };
}

/** One reader's copy as a structured message: the staff preview, and the reference the fast path is checked against. */
export function personalise(config: MessageConfig, edition: EditionContent, reader: { id: string; email: string }, now: number): OutgoingMessage {
  const values = readerValues(config, edition.date, reader, now);
  return {
    from: config.mailFrom,
    to: reader.email,
    subject: edition.subject,
    ...fillTemplate(edition, values),
    messageId: digestMessageId(config, edition.date, reader.id),
    headers: {
      'List-Unsubscribe': `<${values.unsubscribe_url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      ...editionHeaders(config, edition.date),
    },
  };
}

/** The edition as MIME bytes with holes: built once per run, then each reader's copy is byte copying. */
export function digestMime(config: MessageConfig, edition: EditionContent, sentAt: number): MimeTemplate {
  return compileMime({
    from: config.mailFrom,
    subject: edition.subject,
    date: new Date(sentAt),
    recipientHeaders: { 'List-Unsubscribe': ['<', { slot: 'unsubscribe_url' }, '>'], 'List-Unsubscribe-Post': ['List-Unsubscribe=One-Click'] },
    headers: editionHeaders(config, edition.date),
    html: splitSlots(edition.html, edition.slot_marker),
    text: splitSlots(edition.text, edition.slot_marker),
  });
}

/** One reader's copy from the MIME template: the same content `personalise` describes, already encoded. */
export function rawDigest(config: MessageConfig, mime: MimeTemplate, date: string, reader: { id: string; email: string }, now: number, reuse?: Uint8Array): RawMessage {
  const messageId = digestMessageId(config, date, reader.id);
  return {
    from: addressOf(config.mailFrom),
    to: reader.email,
    messageId,
    raw: fillMime(mime, { to: reader.email, message_id: messageId, ...readerValues(config, date, reader, now) }, reuse),
  };
}
