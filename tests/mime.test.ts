import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { freezeEdition } from '../src/editions/edition.ts';
import { digestMime, personalise, rawDigest } from '../src/editions/message.ts';
import { editionView, type EditionArticle } from '../src/editions/render.ts';
import { runDigest } from '../src/editions/run.ts';
import { readerLinks, viewUrl } from '../src/links.ts';
import { composeMessage } from '../src/mail/compose.ts';
import { compileMime, fillMime, randomBoundary } from '../src/mail/mime.ts';
import { splitSlots } from '../src/mail/slots.ts';
import { escapeHtml, fillTemplate } from '../src/mail/template.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { multipartStructure } from './support/mime-parts.ts';
import { article, seedReaders } from './support/seed.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ env: { MAIL_FROM: 'Le Café du Matin <digest@news.example.com>' } });
});
afterEach(() => h.close());

describe('the fast path (MIME built once per edition, filled per reader)', () => {
  it('parses to the same message as the one nodemailer builds from scratch', async () => {
    await upsertArticles(h.deps, [article(1, h.clock.now(), { title: 'Crème brûlée & <tags> — ünïcödé "quotes"' }), article(2, h.clock.now())], 'api', h.clock.now());
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const reader = { id: 'r-42', email: 'o.brien+news@example.com' };
    const fast = rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, reader, h.clock.now());
    const slow = personalise(h.deps.config, edition, reader, h.clock.now());
    const built = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({ from: slow.from, to: slow.to, subject: slow.subject, html: slow.html, text: slow.text, messageId: `<${slow.messageId}>`, headers: slow.headers });
    const [a, b] = await Promise.all([simpleParser(Buffer.from(fast.raw)), simpleParser(built.message as Buffer)]);

    expect(a.subject).toBe(b.subject);
    expect(a.subject).toContain('Crème brûlée & <tags>');
    expect(a.from?.text).toBe(b.from?.text);
    expect(a.from?.value[0]?.name).toBe('Le Café du Matin');
    expect(JSON.stringify(a.to)).toBe(JSON.stringify(b.to));
    expect(a.messageId).toBe(b.messageId);
    expect(a.html).toBe(b.html);
    expect(a.text).toBe(b.text);
    for (const name of ['list-unsubscribe-post', 'x-gazette-edition', 'precedence']) expect(a.headers.get(name)).toEqual(b.headers.get(name));
    expect(a.headers.get('list')).toEqual(b.headers.get('list'));
    expect((a.headers.get('list') as { id: { id: string } }).id.id).toBe('digest.news.example.com');
    expect(fast.from).toBe('digest@news.example.com');
  });

  it('both parts are quoted-printable: ASCII lines of at most 76 characters, CRLF only', async () => {
    await upsertArticles(h.deps, Array.from({ length: 20 }, (_, i) => article(i, h.clock.now(), { title: `Zürich — ${'x'.repeat(i * 7)} = 'Times New Roman' ` })), 'api', h.clock.now());
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const { raw: bytes } = rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, { id: 'r', email: 'r@example.com' }, h.clock.now());
    const raw = Buffer.from(bytes).toString('utf8');
    expect(raw).not.toMatch(/[^\r]\n|\r[^\n]/);
    const { parts } = multipartStructure(raw);
    expect(parts).toHaveLength(2);
    for (const part of parts) {
      expect(part.headers).toMatch(/^Content-Transfer-Encoding: quoted-printable$/m);
      for (const line of part.body.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        expect(line).not.toMatch(/[ \t]$/);
      }
    }
  });

  it('fills ASCII and non-ASCII values alike, escaped in the HTML part, as UTF-8', async () => {
    const mime = compileMime({
      from: 'Gazette <digest@news.example.com>',
      subject: 'Today',
      date: new Date(0),
      headers: {},
      recipientHeaders: {},
      html: splitSlots('<p>For [[name]] at [[email]]</p>', null),
      text: splitSlots('For [[name]] at [[email]]', null),
    });
    const fill = (name: string) => simpleParser(Buffer.from(fillMime(mime, { to: 'r@example.com', message_id: 'm@example.com', name, email: 'r@example.com' })));
    const [ascii, unicode, long] = await Promise.all([fill("O'Brien <b>"), fill('Zoë <b> 日本'), fill(`${'é'.repeat(100)} = ${'x'.repeat(100)} `)]);
    expect(ascii.html).toBe('<p>For O&#39;Brien &lt;b&gt; at r@example.com</p>');
    expect(ascii.text).toBe("For O'Brien <b> at r@example.com");
    expect(unicode.html).toBe('<p>For Zoë &lt;b&gt; 日本 at r@example.com</p>');
    expect(unicode.text).toBe('For Zoë <b> 日本 at r@example.com');
    expect(long.text).toBe(`For ${'é'.repeat(100)} = ${'x'.repeat(100)}  at r@example.com`);
    expect(() => fillMime(mime, { to: 'r@example.com', message_id: 'm' })).toThrow(/\[\[name\]\] has no value/);
  });

  it('draws a new random boundary for every run, and again when the content holds the one drawn', async () => {
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const [a, b] = [digestMime(h.deps.config, edition, h.clock.now()), digestMime(h.deps.config, edition, h.clock.now())];
    expect(a.boundary).not.toBe(b.boundary);
    expect(a.boundary).not.toContain('2026');
    expect(a.boundary).toMatch(/^=_gazette_[0-9a-f]{36}$/);

    // A boundary is never one the message's content holds, however it was drawn.
    const drawn = ['in-the-subject', 'in-the-text', 'fresh-boundary'];
    const mime = compileMime(
      { from: 'G <g@example.com>', subject: 'Look: in-the-subject', date: new Date(0), headers: {}, recipientHeaders: {}, html: ['<p>x</p>'], text: ['--in-the-text'] },
      () => drawn.shift()!,
    );
    expect(mime.boundary).toBe('fresh-boundary');
    const parsed = await simpleParser(Buffer.from(fillMime(mime, { to: 'r@example.com', message_id: 'm@example.com' })));
    expect(parsed.text).toBe('--in-the-text');
    expect(randomBoundary()).not.toBe(randomBoundary());
  });

  it('an edition stored before slot markers (NULL marker, plain [[name]] slots) still goes out filled', async () => {
    const [id] = await seedReaders(h.deps.db, 1);
    await h.deps.db
      .insertInto('editions')
      .values({ date: '2026-11-27', subject: 'Old edition', html: '<p>For [[email]]: <a href="[[unsubscribe_url]]">stop</a> <a href="[[billing_url]]">billing</a></p>', text: 'For [[email]]: [[unsubscribe_url]] [[billing_url]]', article_count: 1, frozen_at: h.clock.now() })
      .execute();
    const summary = await runDigest(h.deps, { date: '2026-11-27', retryDelaysMs: [] });
    expect(summary.deliveries.sent).toBe(1);
    const [copy] = (h.deps.mailer as unknown as { sent: { raw: Uint8Array }[] }).sent;
    const parsed = await simpleParser(Buffer.from(copy!.raw));
    const links = readerLinks(h.deps.config, id!, h.clock.now());
    expect(parsed.html).toBe(`<p>For reader0@example.com: <a href="${links.unsubscribe_url}">stop</a> <a href="${links.billing_url}">billing</a></p>`);
    expect(parsed.text).toBe(`For reader0@example.com: ${links.unsubscribe_url} ${links.billing_url}`);
  });
});

/** A small seeded PRNG (mulberry32), so a failing edition can be reproduced from its number. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// What titles are made of: quotes and apostrophes (the CSS font list is 'Times New Roman'), long words,
// non-ASCII, "=" and things that look like quoted-printable, slots and boundaries, markup.
const WORDS = [
  'harbour', 'council', 'budget', 'the', 'a', 'of', "'Times New Roman'", "Georgia, 'Times New Roman', serif", "O'Brien's", '"quoted"', "l'été",
  'font-family:Georgia,', 'a=b', '=3D', '=', '==', '=\r\n', '=20', 'Zürich', 'façade', 'Ελληνικά', '日本語の見出し', '🙂', 'naïve—café', '·',
  '<b>bold</b>', '&amp;', '&', '[[x]]', '[[billing_url]]', '--boundary--', 'Content-Type:', '.', 'x'.repeat(90), 'Donaudampfschifffahrtsgesellschaftskapitän',
  'https://example.com/a?b=c&d=e', '\t', '  ',
];

function randomText(rand: () => number, maxWords: number): string {
  const n = 1 + Math.floor(rand() * maxWords);
  let s = '';
  for (let i = 0; i < n; i++) s += WORDS[Math.floor(rand() * WORDS.length)]! + ' '.repeat(1 + Math.floor(rand() * 2));
  // Some end in spaces (folded away on the way in, but then they sit at the end of a line for a while).
  // At most 300 characters, as the API stores them (cut between code points, not inside one).
  return [...(rand() < 0.3 ? s : s.trimEnd())].slice(0, 300).join('');
}

describe('random editions (property)', () => {
  it('every title survives, and the HTML a mail client decodes is the edition HTML with the reader values, byte for byte', async () => {
    const EDITIONS = 200;
    const rand = prng(20261127);
    const problems: string[] = [];
    for (let e = 0; e < EDITIONS; e++) {
      const articles: EditionArticle[] = Array.from({ length: 3 + Math.floor(rand() * 10) }, (_, k) => ({
        url: `https://news.example.com/e${e}/story-${k}`,
        title: randomText(rand, 20),
        summary: rand() < 0.8 ? randomText(rand, 40) : null,
        image_url: rand() < 0.5 ? `https://cdn.example.com/img/${e}-${k}.jpg` : null,
        author: rand() < 0.7 ? randomText(rand, 3) : null,
        section: rand() < 0.7 ? randomText(rand, 2) : null,
      }));
      const view = editionView(h.deps.config, '2026-11-27', articles);
      const edition = { date: '2026-11-27', subject: view.subject, ...(await h.deps.templates.digest(view)) };
      const reader = { id: `reader-${e}`, email: `reader.${e}@example.com` };
      const copy = rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, reader, h.clock.now());
      const parsed = await simpleParser(Buffer.from(copy.raw));
      const expected = fillTemplate(edition, { email: reader.email, ...(readerLinks(h.deps.config, reader.id, h.clock.now())), view_url: viewUrl(h.deps.config, reader.id, edition.date) });
      const html = parsed.html as string;
      for (const a of view.articles) if (!html.includes(escapeHtml(a.title))) problems.push(`edition ${e}: title missing: ${JSON.stringify(a.title)}`);
      if (html !== expected.html) {
        const at = [...html].findIndex((c, i) => c !== expected.html[i]);
        problems.push(`edition ${e}: decoded HTML differs from the edition's at ${at}: ${JSON.stringify(html.slice(at - 40, at + 40))} vs ${JSON.stringify(expected.html.slice(at - 40, at + 40))}`);
      }
      if (parsed.text !== expected.text) problems.push(`edition ${e}: decoded text differs from the edition's`);
      if (parsed.subject !== edition.subject) problems.push(`edition ${e}: subject differs`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('structured messages (welcome, account link) go through the same MIME builder', () => {
  it('compose to the message nodemailer would build, for every mail port alike', async () => {
    const message = {
      from: '"Gazette, Morning Edition" <digest@news.example.com>',
      to: 'zoe@example.com',
      subject: `Bienvenue à la Gazette — ${'très '.repeat(30)}longue`,
      html: '<p>Hello <b>Zoë</b> = welcome</p>',
      text: 'Hello Zoë = welcome\nline two',
      messageId: 'welcome.r1@news.example.com',
      headers: { 'X-Gazette-Kind': 'welcome', 'List-Unsubscribe': '<https://news.example.com/unsubscribe/abc.def>' },
    };
    const raw = composeMessage(message, Date.parse('2026-11-27T06:00:00Z'));
    const built = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({ ...message, messageId: `<${message.messageId}>` });
    const [a, b] = await Promise.all([simpleParser(Buffer.from(raw.raw)), simpleParser(built.message as Buffer)]);
    expect(a.subject).toBe(message.subject);
    expect(a.subject).toBe(b.subject);
    expect(a.from?.value).toEqual(b.from?.value);
    expect(a.from?.value[0]).toEqual({ name: 'Gazette, Morning Edition', address: 'digest@news.example.com' });
    expect(a.html).toBe(b.html);
    expect(a.text).toBe(b.text);
    expect(a.messageId).toBe(b.messageId);
    expect(a.headers.get('x-gazette-kind')).toBe('welcome');
    expect(raw.from).toBe('digest@news.example.com');
    const text = Buffer.from(raw.raw).toString('latin1');
    // 7-bit on the wire, every line within RFC 5322's 78 where it has a space to fold at.
    expect(text).toMatch(/^[\x00-\x7f]*$/);
    const head = text.split('\r\n\r\n')[0]!;
    expect(Math.max(...head.split('\r\n').filter((l) => !l.startsWith('List-Unsubscribe')).map((l) => l.length))).toBeLessThanOrEqual(78);
  });
});
