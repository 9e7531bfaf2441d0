import type { Language, Publication } from './config.ts';
import { catalogues } from './mail/templates.generated.ts';

/**
 * Every string a reader sees comes from the catalogue of the publication's language
 * (templates/locales/LANG/*.json, compiled into the templates module); prices and dates are
 * formatted with Intl in the publication's locale. Texts hold {name} placeholders; a key with
 * `_one` / `_other` (and the other CLDR categories) variants is chosen by count.
 */
export interface Translator {
  language: Language;
  locale: string;
  /** The text of `key` with {placeholders} filled; an unknown key is a bug, and says so. */
  t(key: string, params?: Record<string, string | number>): string;
  /** The plural form of `key` for `count` ({count} is filled too). */
  plural(key: string, count: number, params?: Record<string, string | number>): string;
  /** An amount in the currency's smallest unit, as Stripe stores it: "4,99 €" in de, "€4.99" in en. */
  price(amount: number, currency: string): string;
  /** A day as readers write it: "Friday, 27 November 2026" / "Freitag, 27. November 2026". */
  longDate(date: Date | number, timeZone: string): string;
  /** A date without the weekday: "27 November 2026". */
  date(date: Date | number, timeZone: string): string;
}

export type Catalogue = Readonly<Record<string, string>>;

export const CATALOGUES = catalogues as unknown as Readonly<Record<Language, Catalogue>>;

function fill(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translator(publication: Pick<Publication, 'language' | 'locale'>): Translator {
  const messages = CATALOGUES[publication.language];
  const rules = new Intl.PluralRules(publication.locale);
  const text = (key: string): string => {
    const found = messages[key];
    if (found === undefined) throw new Error(`no text for "${key}" in the ${publication.language} catalogue`);
    return found;
  };
  return {
    language: publication.language,
    locale: publication.locale,
    t: (key, params) => fill(text(key), params),
    plural(key, count, params) {
      const form = `${key}_${rules.select(count)}`;
      return fill(messages[form] ?? text(`${key}_other`), { count: new Intl.NumberFormat(publication.locale).format(count), ...params });
    },
    price(amount, currency) {
      const format = new Intl.NumberFormat(publication.locale, { style: 'currency', currency: currency.toUpperCase() });
      const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
      return format.format(amount / 10 ** digits);
    },
    longDate: (date, timeZone) => new Intl.DateTimeFormat(publication.locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(date),
    date: (date, timeZone) => new Intl.DateTimeFormat(publication.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(date),
  };
}

/**
 * A text with a per-reader slot inside it ("… at {email} as a subscriber …"): the pieces either side,
 * each filled, so the template puts its own [[slot]] between them and no value can form one.
 */
export function around(t: Translator, key: string, slot: string, params: Record<string, string | number> = {}): { before: string; after: string } {
  const [before = '', ...rest] = t.t(key).split(`{${slot}}`);
  return { before: fill(before, params), after: fill(rest.join(''), params) };
}
