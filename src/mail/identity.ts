import type { Language, Publication } from '../config.ts';
import { mailColours, type MailColours } from './palette.ts';

/** The publication as every mail to a reader shows it: its language, name or logo, colours and address. */
export interface MailIdentity {
  /** The html lang of the mail. */
  lang: Language;
  publication: string;
  tagline: string | null;
  logo_url: string | null;
  publisher_address: string | null;
  colours: MailColours;
}

export function mailIdentity(publication: Publication): MailIdentity {
  return {
    lang: publication.language,
    publication: publication.name,
    tagline: publication.tagline ?? null,
    logo_url: publication.logoUrl ?? null,
    publisher_address: publication.address ?? null,
    colours: mailColours(publication.accent),
  };
}
