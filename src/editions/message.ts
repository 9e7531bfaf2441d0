import type { Config } from '../config.ts';
import { messageIdDomain, publicationName, readerLinks } from '../links.ts';
import type { OutgoingMessage } from '../mail/mailer.ts';
import { fillTemplate } from '../mail/template.ts';
import type { Edition } from './edition.ts';

/** The same id for the same (edition, reader), so a copy resent after a crash can be recognised and dropped. */
export function digestMessageId(config: Pick<Config, 'publicUrl'>, date: string, readerId: string): string {
  return `edition.${date}.${readerId}@${messageIdDomain(config.publicUrl)}`;
}

/** One reader's copy: the frozen edition with that reader's links filled in — string work only. */
export async function personalise(
  config: Pick<Config, 'publicUrl' | 'mailFrom'> & { appSecret: string },
  edition: Pick<Edition, 'date' | 'subject' | 'html' | 'text'>,
  reader: { id: string; email: string },
  now: number,
): Promise<OutgoingMessage> {
  const links = await readerLinks(config, reader.id, now);
  const domain = messageIdDomain(config.publicUrl);
  const body = fillTemplate(edition, { email: reader.email, ...links });
  return {
    from: config.mailFrom,
    to: reader.email,
    subject: edition.subject,
    ...body,
    messageId: digestMessageId(config, edition.date, reader.id),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe_url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${publicationName(config.mailFrom).replace(/["\\]/g, '')} <digest.${domain}>`,
      'X-Gazette-Edition': edition.date,
      Precedence: 'bulk',
    },
  };
}
