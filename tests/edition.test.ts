import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { freezeEdition } from '../src/editions/edition.ts';
import { digestMime, personalise, rawDigest } from '../src/editions/message.ts';
import type { EditionView } from '../src/editions/render.ts';
import { digestSubject, SUBJECT_MAX } from '../src/editions/subject.ts';
import { drawSlotMarker, splitSlots } from '../src/mail/slots.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article } from './support/seed.ts';

let h: Harness;
let renders: EditionView[];
beforeEach(async () => {
  h = await makeHarness();
  renders = [];
  const render = h.deps.templates.digest;
  h.deps.templates.digest = (view) => {
    renders.push(view);
    return render(view);
  };
});
afterEach(() => h.close());

const store = (items: ReturnType<typeof article>[]) => upsertArticles(h.deps, items, 'api', h.clock.now());

describe('freezing an edition', () => {
  it('holds the articles of the last 48 hours no edition holds yet, newest first, capped at DIGEST_MAX_ARTICLES', async () => {
    const now = h.clock.now();
    await store(Array.from({ length: 25 }, (_, i) => article(i, now)));
    await store([article(100, now, { minutesAgo: 49 * 60 }), article(101, now, { minutesAgo: -30 })]);
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect(edition.article_count).toBe(20);
    const held = await h.deps.db.selectFrom('edition_articles').innerJoin('articles', 'articles.id', 'edition_articles.article_id').select(['articles.guid', 'position']).orderBy('position').execute();
    expect(held.map((a) => a.guid)).toEqual(Array.from({ length: 20 }, (_, i) => `urn:article:${i}`));
  });

  it('is frozen once: building it again reuses it, and MJML ran once', async () => {
    await store([article(1, h.clock.now())]);
    const first = (await freezeEdition(h.deps, '2026-11-27'))!;
    await store([article(2, h.clock.now())]);
    const again = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect(again).toEqual(first);
    expect(renders).toHaveLength(1);
  });

  it('two processes freezing the same date at once: one edition, and only its articles are recorded', async () => {
    await store([article(1, h.clock.now()), article(2, h.clock.now()), article(3, h.clock.now())]);
    // A second process: same database, its own renderer (its own slot marker).
    const other = { ...h.deps };
    const [a, b] = await Promise.all([freezeEdition(h.deps, '2026-11-27'), freezeEdition(other, '2026-11-27')]);
    expect(a).toEqual(b);
    const rows = await h.deps.db.selectFrom('edition_articles').select(['edition_date', 'position']).orderBy('position').execute();
    expect(rows.map((r) => r.position)).toEqual([0, 1, 2]);
    expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(1);
  });

  it('the next edition holds only articles no earlier edition holds (a late item still goes out once)', async () => {
    await store([article(1, h.clock.now()), article(2, h.clock.now())]);
    await freezeEdition(h.deps, '2026-11-27');
    h.clock.advance(24 * 3600_000);
    // Back-dated: published before yesterday's edition was frozen, but arrived after it.
    await store([article(3, h.clock.now(), { minutesAgo: 25 * 60 }), article(4, h.clock.now())]);
    const next = (await freezeEdition(h.deps, '2026-11-28'))!;
    expect(next.article_count).toBe(2);
    expect(renders[1]!.articles.map((a) => a.url)).toEqual(['https://news.example.com/2026/11/story-4', 'https://news.example.com/2026/11/story-3']);
  });

  it('no new articles: no edition, and a log line says so', async () => {
    expect(await freezeEdition(h.deps, '2026-11-27')).toBeNull();
    expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(0);
    expect(h.logs.some((l) => l.includes('no new articles: no edition for 2026-11-27'))).toBe(true);
  });
});

describe('rendering', () => {
  it('escapes every value from a feed in the HTML and keeps the subject on one header-safe line', async () => {
    await store([
      article(1, h.clock.now(), {
        title: 'Evil <script>alert(1)</script> & "quotes"\r\nBcc: victim@example.com',
        summary: '<img src=x onerror=alert(1)> summary',
        author: '<b>Mallory</b>',
        section: 'News</td><td>',
      }),
    ]);
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect(edition.html).not.toMatch(/<script>alert|<img src=x|<b>Mallory|News<\/td><td>/);
    expect(edition.html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; Bcc: victim@example.com');
    expect(edition.subject).toBe('Evil <script>alert(1)</script> & "quotes" Bcc: victim@example.com');
  });

  it('a 20-article edition with images and full summaries stays under 100 KB of HTML, decoded and as sent', async () => {
    const long = 'The council met late into the night to settle the harbour budget, with every member speaking at length about ferries, tolls, the fish market and the new tram line, before a vote that surprised everyone in the public gallery and the press benches alike. More to follow.';
    await store(Array.from({ length: 20 }, (_, i) => article(i, h.clock.now(), { image_url: `https://cdn.example.com/img/${i}-a-fairly-long-file-name-for-realism.jpg`, summary: long, title: `A headline of realistic length for story ${i}, with a subordinate clause` })));
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const reader = { id: '0f8a4b9e-1111-4222-8333-944455556666', email: 'a.long.address.for.testing@example.com' };
    const message = personalise(h.deps.config, edition, reader, h.clock.now());
    const bytes = new TextEncoder().encode(message.html).length;
    expect(bytes).toBeLessThan(100_000);
    expect(bytes).toBeGreaterThan(20_000);
    // The copy the fast path sends: its HTML part as a client decodes it, and the whole message as
    // encoded (quoted-printable makes it larger than what it decodes to).
    const copy = rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, reader, h.clock.now());
    const decoded = new TextEncoder().encode((await simpleParser(Buffer.from(copy.raw))).html as string).length;
    expect(decoded).toBe(bytes);
    expect(copy.raw.byteLength).toBeLessThan(100_000);
  });

  it('at the edge, 20 articles with every field as long as the API takes it, images and long links: still under 100 KB decoded and as sent', async () => {
    const edge = await makeHarness({ env: { PUBLICATION_LOGO_URL: `https://cdn.example.com/${'logo-'.repeat(40)}.png`, PUBLICATION_TAGLINE: 'News from the harbour and the city, every morning at seven, read in five minutes' } });
    try {
      // Words of seven letters, at the longest each field is stored (title 300, summary 320, author 120, section 80).
      const text = (n: number) => Array.from({ length: n }, (_, i) => (i % 8 === 7 ? ' ' : 'abcdefg'[i % 8])).join('');
      const res = await edge.app.request('/admin/articles', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          Array.from({ length: 20 }, (_, i) => ({
            url: `https://news.example.com/2026/11/27/city/harbour/${'a-long-slug-for-the-story-'.repeat(6)}${i}?utm_source=digest&utm_medium=email`,
            title: text(300),
            summary: text(320),
            author: text(120),
            section: text(80),
            image_url: `https://cdn.example.com/images/2026/11/27/${'x'.repeat(120)}-${i}.jpg?w=1200&h=675&fit=crop`,
            published_at: new Date(edge.clock.now() - (i + 1) * 60_000).toISOString(),
          })),
        ),
      });
      expect(res.status).toBe(200);
      const edition = (await freezeEdition(edge.deps, '2026-11-27'))!;
      expect(edition.article_count).toBe(20);
      const reader = { id: '0f8a4b9e-1111-4222-8333-944455556666', email: 'a.long.address.for.testing@example.com' };
      const copy = rawDigest(edge.deps.config, digestMime(edge.deps.config, edition, edge.clock.now()), edition.date, reader, edge.clock.now());
      const parsed = await simpleParser(Buffer.from(copy.raw));
      expect(parsed.html).toContain(text(300));
      expect(new TextEncoder().encode(parsed.html as string).length).toBeLessThan(100_000);
      expect(copy.raw.byteLength).toBeLessThan(100_000);
    } finally {
      await edge.close();
    }
  });

  it('slots carry a marker drawn for each edition, one its articles do not hold', async () => {
    await store([article(1, h.clock.now(), { title: 'Markets [[x]] today [[email]] [[unsubscribe_url]]' })]);
    const first = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect(first.slot_marker).toMatch(/^[0-9a-f]{24}$/);
    const slots = (body: string) => splitSlots(body, first.slot_marker).flatMap((p) => (typeof p === 'string' ? [] : [p.slot]));
    expect(slots(first.html)).toEqual(['view_url', 'email', 'unsubscribe_url', 'billing_url']);
    expect(slots(first.text)).toEqual(['view_url', 'email', 'unsubscribe_url', 'billing_url']);
    h.clock.advance(24 * 3600_000);
    await store([article(2, h.clock.now())]);
    expect((await freezeEdition(h.deps, '2026-11-28'))!.slot_marker).not.toBe(first.slot_marker);
    // Drawn again when the content holds the marker drawn.
    let draws = 0;
    expect(drawSlotMarker(`a title with ${'ab'.repeat(12)} in it`, (bytes) => bytes.fill(draws++ === 0 ? 0xab : 0xcd))).toBe('cd'.repeat(12));
  });

  it('the text part carries the same articles and links', async () => {
    await store([article(1, h.clock.now()), article(2, h.clock.now())]);
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const msg = personalise(h.deps.config, edition, { id: 'r1', email: 'r1@example.com' }, h.clock.now());
    for (const i of [1, 2]) {
      expect(msg.text).toContain(`Story number ${i} about the harbour`);
      expect(msg.text).toContain(`https://news.example.com/2026/11/story-${i}`);
      expect(msg.html).toContain(`href="https://news.example.com/2026/11/story-${i}"`);
    }
    expect(msg.text).toMatch(/Unsubscribe from the digest: https:\/\/news\.example\.com\/unsubscribe\/\S+/);
    expect(msg.text).toContain('1 Harbour Street');
    expect(msg.html).not.toContain('[[');
  });
});

describe('the lead story', () => {
  const postArticles = (body: unknown) => h.app.request('/admin/articles', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const at = (minutesAgo: number) => new Date(h.clock.now() - minutesAgo * 60_000).toISOString();
  const held = () => h.deps.db.selectFrom('edition_articles').innerJoin('articles', 'articles.id', 'edition_articles.article_id').select(['articles.guid', 'position']).orderBy('position').execute();

  it('is the newest article the CMS marked "lead": the edition opens with it, its headline is the subject, the preheader goes on with the others', async () => {
    const res = await postArticles([
      { guid: 'a', url: 'https://news.example.com/a', title: 'Newest, not marked', published_at: at(1) },
      { guid: 'b', url: 'https://news.example.com/b', title: 'Marked, newer', lead: true, published_at: at(20) },
      { guid: 'c', url: 'https://news.example.com/c', title: 'Marked, older', lead: true, published_at: at(30) },
      { guid: 'd', url: 'https://news.example.com/d', title: 'Oldest', lead: false, published_at: at(40) },
    ]);
    expect(res.status).toBe(200);
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect((await held()).map((a) => a.guid)).toEqual(['b', 'a', 'c', 'd']);
    expect(edition.subject).toBe('Marked, newer');
    expect(renders[0]!.lead.title).toBe('Marked, newer');
    expect(renders[0]!.preview).toBe('Newest, not marked · Marked, older · Oldest');
  });

  it('is the newest article when none is marked', async () => {
    await store([article(1, h.clock.now()), article(2, h.clock.now())]);
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    expect(edition.subject).toBe('Story number 1 about the harbour');
    expect((await held()).map((a) => a.guid)).toEqual(['urn:article:1', 'urn:article:2']);
  });

  it('a feed never changes the mark; the CMS does (an article sent again without "lead" is no longer the lead)', async () => {
    await postArticles({ guid: 'x', url: 'https://news.example.com/x', title: 'Harbour', lead: true, published_at: at(5) });
    const stored = async () => (await h.deps.db.selectFrom('articles').select(['lead', 'title']).where('guid', '=', 'x').executeTakeFirstOrThrow());
    // The same item from a feed (no "lead" at all): unchanged, and still the lead after an update of its title.
    const fromFeed = { guid: 'x', url: 'https://news.example.com/x', title: 'Harbour', summary: null, image_url: null, author: null, section: null, published_at: h.clock.now() - 5 * 60_000 };
    expect(await upsertArticles(h.deps, [fromFeed], 'https://news.example.com/feed.xml', h.clock.now())).toEqual(['unchanged']);
    expect(await upsertArticles(h.deps, [{ ...fromFeed, title: 'Harbour (updated)' }], 'https://news.example.com/feed.xml', h.clock.now())).toEqual(['updated']);
    expect(await stored()).toEqual({ lead: 1, title: 'Harbour (updated)' });
    // The CMS sends it again, the mark alone differing: an update.
    expect(await (await postArticles({ guid: 'x', url: 'https://news.example.com/x', title: 'Harbour (updated)', published_at: at(5) })).json()).toMatchObject({ updated: 1 });
    expect(await stored()).toEqual({ lead: 0, title: 'Harbour (updated)' });
    expect(await (await postArticles({ guid: 'x', url: 'https://news.example.com/x', title: 'Harbour (updated)', published_at: at(5) })).json()).toMatchObject({ updated: 0 });
  });
});

describe('the subject', () => {
  const values = { date: '27 November 2026', publication: 'The Morning Gazette', count: '12' };
  const long = 'Council approves the harbour budget after a night of debate about ferries, tolls and the fish market';

  it('is the lead headline, at most 78 characters, cut on a word with "…"', () => {
    expect(digestSubject(undefined, { ...values, lead: 'Harbour reopens' })).toBe('Harbour reopens');
    const cut = digestSubject(undefined, { ...values, lead: long });
    expect(cut).toBe('Council approves the harbour budget after a night of debate about ferries…');
    expect(cut.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('DIGEST_SUBJECT: {{lead}}, {{date}}, {{publication}}, {{count}} filled once (a headline cannot add any), the lead cut to leave room, one line', () => {
    expect(digestSubject('{{lead}} · {{date}}', { ...values, lead: 'Harbour reopens' })).toBe('Harbour reopens · 27 November 2026');
    const subject = digestSubject('{{publication}}: {{lead}} (+{{count}} more, {{ date }})', { ...values, lead: long });
    expect(subject).toBe('The Morning Gazette: Council approves the… (+12 more, 27 November 2026)');
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(digestSubject('{{lead}} · {{date}}', { ...values, lead: 'Markets {{date}} and {{publication}}\r\nBcc: x@example.com' })).toBe('Markets {{date}} and {{publication}} Bcc: x@example.com · 27 November 2026');
    // However long the rest, the subject stays within 78 characters.
    expect(digestSubject(`{{lead}} ${'x'.repeat(150)}`, { ...values, lead: long }).length).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it('DIGEST_SUBJECT is what the edition is sent with', async () => {
    const local = await makeHarness({ env: { DIGEST_SUBJECT: '{{lead}} · {{date}}' } });
    try {
      await upsertArticles(local.deps, [article(1, local.clock.now())], 'api', local.clock.now());
      expect((await freezeEdition(local.deps, '2026-11-27'))!.subject).toBe('Story number 1 about the harbour · November 27, 2026');
    } finally {
      await local.close();
    }
  });
});

describe('GET /admin/editions/preview', () => {
  it("shows today's edition as a reader would see it, without freezing or sending it", async () => {
    await store([article(1, h.clock.now())]);
    const res = await h.app.request('/admin/editions/preview', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Story number 1 about the harbour');
    expect(page).toContain('Unsubscribe from the digest');
    expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(0);
  });

  it('404 with a reason when there is nothing new', async () => {
    const res = await h.app.request('/admin/editions/preview', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toContain('no new articles');
  });
});
