import { convert } from 'html-to-text';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { queueWelcome, sendDueWelcomes } from '../src/billing/welcome.ts';
import { runDigest } from '../src/editions/run.ts';
import { CATALOGUES } from '../src/i18n.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { mailAccountLink } from '../src/readers/account-link.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';

// PUBLICATION_LOCALE=de: every word of every mail a reader gets is German, from the catalogue, the
// publisher or the articles; none is left in English.

const PUBLISHER = { PUBLICATION_NAME: 'Der Hafenbote', MAIL_FROM: 'Der Hafenbote <digest@news.example.com>', PUBLISHER_ADDRESS: 'Der Hafenbote GmbH, Hafenstraße 1, 20457 Hamburg' };
const STORIES = [
  ['Stadtrat beschließt den Hafenhaushalt nach langer Nacht', 'Nach stundenlanger Debatte über Fähren, Gebühren und den Fischmarkt stimmte der Rat zu.', 'Anna Müller', 'Stadt'],
  ['Neue Straßenbahnlinie fährt ab Montag bis zum Hafen', 'Die Verkehrsbetriebe erwarten täglich zwölftausend Fahrgäste auf der neuen Strecke.', 'Jörg Weiß', 'Verkehr'],
  ['Fischmarkt öffnet nach dem Umbau wieder', 'Händler und Besucher loben die hellen Hallen.', 'Lena Schmidt', 'Stadt'],
  ['Sturmwarnung für die Küste', 'Der Wetterdienst rechnet mit Böen bis hundert Kilometer pro Stunde.', 'Anna Müller', 'Wetter'],
  ['Theater zeigt Hafenstück zum Jubiläum', 'Die Premiere ist schon ausverkauft.', 'Paul Becker', 'Kultur'],
  ['Werft stellt vierzig Auszubildende ein', 'So viele wie seit zehn Jahren nicht mehr.', 'Jörg Weiß', 'Wirtschaft'],
  ['Hafenfähre fährt künftig elektrisch', 'Die erste von drei neuen Fähren ist angekommen.', 'Lena Schmidt', 'Verkehr'],
  ['Bibliothek verlängert die Öffnungszeiten', 'Ab Dezember auch sonntags geöffnet.', 'Paul Becker', 'Kultur'],
] as const;

const words = (text: string) => new Set((text.match(/\p{L}+/gu) ?? []).map((w) => w.toLowerCase()));

/** Every word a German reader may see: the German catalogue's, the publisher's, the articles', and dates. */
const allowed = new Set([
  ...words(Object.values(CATALOGUES.de).join(' ')),
  ...words(Object.values(PUBLISHER).join(' ')),
  ...words(STORIES.flat().join(' ')),
  ...words('Freitag November'),
]);

/** English words our templates and catalogue would show: anything in the English catalogue German does not share, and English dates. */
const english = new Set(
  [...words(Object.values(CATALOGUES.en).join(' ')), ...words('Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March May June July October December')].filter(
    (w) => !allowed.has(w),
  ),
);

/** What a reader sees of a message: the subject, the text part, and the HTML's text, its title and its images' alt texts. */
function seen(mail: ParsedMail): string {
  const html = mail.html as string;
  const alts = [...html.matchAll(/\salt="([^"]*)"/g)].map((m) => m[1]).join(' ');
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
  const all = [mail.subject, mail.text, convert(html, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }, ...['h1', 'h2', 'h3'].map((selector) => ({ selector, options: { uppercase: false } }))] }), alts, title].join('\n');
  // Links and the reader's address are not words.
  return all.replace(/https?:\/\/\S+|[\w.+-]+@[\w.-]+/g, ' ');
}

function expectGerman(mail: ParsedMail) {
  expect(mail.html).toMatch(/^<!doctype html><html lang="de"/);
  const text = seen(mail);
  expect([...words(text)].filter((w) => english.has(w))).toEqual([]);
  // Nothing hard-coded in a template either: every word comes from somewhere German.
  expect([...words(text)].filter((w) => !allowed.has(w))).toEqual([]);
}

let h: Harness;
const sent = () => (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
const parse = (message: RawMessage) => simpleParser(Buffer.from(message.raw));

beforeEach(async () => {
  h = await makeHarness({ env: { PUBLICATION_LOCALE: 'de-DE', ...PUBLISHER } });
});
afterEach(() => h.close());

describe('mails in German (PUBLICATION_LOCALE=de-DE)', () => {
  it('the digest: German words, dates and counts, lang="de", no English left', async () => {
    const now = h.clock.now();
    await upsertArticles(
      h.deps,
      STORIES.map(([title, summary, author, section], i) => ({ guid: `g${i}`, url: `https://news.example.com/artikel/${i}`, title, summary, author, section, image_url: i % 2 ? `https://cdn.example.com/${i}.jpg` : null, published_at: now - (i + 1) * 60_000 })),
      'api',
      now,
    );
    await seedReaders(h.deps.db, 1);
    await runDigest(h.deps, { retryDelaysMs: [] });
    const mail = await parse(sent()[0]!);
    expectGerman(mail);
    expect(mail.subject).toBe('Stadtrat beschließt den Hafenhaushalt nach langer Nacht');
    for (const part of [mail.html as string, mail.text!]) {
      for (const german of ['Freitag, 27. November 2026', '8 Artikel', 'Im Browser ansehen', 'Von Anna Müller', 'Newsletter abbestellen', 'Abo verwalten', 'weil Sie Der Hafenbote abonniert haben']) expect(part).toContain(german);
    }
    expect(mail.html).toContain('In dieser Ausgabe');
    expect(mail.html).toContain('+ 2 weitere Artikel');
  });

  it('the welcome mail: German, with the publication and its address', async () => {
    const [id] = await seedReaders(h.deps.db, 1);
    await queueWelcome(h.deps.db, id!, h.clock.now());
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 1 });
    const mail = await parse(sent()[0]!);
    expectGerman(mail);
    expect(mail.subject).toBe('Willkommen bei Der Hafenbote');
    expect(mail.text).toContain('jeden Morgen erhalten Sie an reader0@example.com einen Überblick');
    expect(mail.html).toContain('Hafenstraße 1, 20457 Hamburg');
    expect(mail.html).toContain('Täglichen Newsletter abbestellen');
  });

  it('the account-link mail: German', async () => {
    await seedReaders(h.deps.db, 1);
    expect(await mailAccountLink(h.deps, 'reader0@example.com')).toBe('sent');
    const mail = await parse(sent()[0]!);
    expectGerman(mail);
    expect(mail.subject).toBe('Ihr Abo bei Der Hafenbote verwalten');
    expect(mail.html).toContain('das Abo von reader0@example.com verwalten');
    expect(mail.html).toContain('Mein Abo öffnen');
  });
});
