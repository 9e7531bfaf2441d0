import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDigest } from '../src/editions/run.ts';
import { readerLinks, viewUrl } from '../src/links.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { signToken } from '../src/tokens.ts';
import { publishEditions, story } from './support/editions.ts';
import { APP_SECRET, makeHarness, type Harness } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';
import { upsertArticles } from '../src/articles/store.ts';
import { freezeEdition } from '../src/editions/edition.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

const page = async (path: string) => {
  const res = await h.app.request(path);
  return { status: res.status, headers: res.headers, html: await res.text() };
};
/** The dates of the editions an archive page lists, in its order. */
const listed = (html: string) => [...html.matchAll(/<h2><a href="\/archive\/(\d{4}-\d{2}-\d{2})">/g)].map((m) => m[1]);

describe('/archive', () => {
  it('lists past editions newest first, each with its date and its headlines leading to the articles', async () => {
    const dates = await publishEditions(h, 3, 4);
    const { status, html } = await page('/archive');
    expect(status).toBe(200);
    expect(listed(html)).toEqual([...dates].reverse());
    expect(html).toContain('Friday, November 27, 2026');
    expect(html).toContain('<a href="https://news.example.com/2/story-0">Council agrees harbour budget after a night of debate over ferries and tolls</a>');
    expect(html).toContain('4 stories');
    // Headlines are public; the summaries are the digest's, and stay on the edition's own page.
    expect(html).not.toContain('What happened, who said what');
    expect(html).toContain('<link rel="canonical" href="https://news.example.com/archive">');
  });

  it('pages back fourteen editions at a time; a malformed ?before= is the styled 404', async () => {
    const dates = await publishEditions(h, 30, 1);
    const first = await page('/archive');
    expect(listed(first.html)).toEqual(dates.slice(16).reverse());
    expect(first.html).toContain(`<a href="/archive?before=${dates[16]}" rel="next">Older editions</a>`);
    const second = await page(`/archive?before=${dates[16]}`);
    expect(listed(second.html)).toEqual(dates.slice(2, 16).reverse());
    const last = await page(`/archive?before=${dates[2]}`);
    expect(listed(last.html)).toEqual([dates[1], dates[0]]);
    expect(last.html).not.toContain('Older editions');
    expect(last.html).toContain('<a href="/archive">Back to the newest editions</a>');
    for (const bad of ['yesterday', '2026-13-01', '<script>']) {
      const res = await page(`/archive?before=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(404);
      expect(res.html).toContain('<h1>Page not found</h1>');
    }
  });

  it('an edition frozen ahead of its day (npm run digest --date tomorrow) is not shown before that day', async () => {
    const [today] = await publishEditions(h, 1, 2);
    h.clock.advance(3600_000);
    await upsertArticles(h.deps, [story(9, 0, h.clock.now() - 60_000)], 'api', h.clock.now());
    await freezeEdition(h.deps, '2026-11-28');
    expect(listed((await page('/archive')).html)).toEqual([today]);
    expect((await page('/archive/2026-11-28')).status).toBe(404);
    h.clock.set(Date.parse('2026-11-28T00:30:00Z'));
    expect(listed((await page('/archive')).html)).toEqual(['2026-11-28', today]);
  });

  it('with no edition yet, says so', async () => {
    const { status, html } = await page('/archive');
    expect(status).toBe(200);
    expect(html).toContain('No edition has gone out yet');
  });
});

describe('/archive/:date', () => {
  it('shows the edition as a web page: headlines, sections, bylines and summaries, and the editions either side', async () => {
    const dates = await publishEditions(h, 3, 3);
    const { status, html } = await page(`/archive/${dates[1]}`);
    expect(status).toBe(200);
    expect(html).toContain('<h1>The digest of Thursday, November 26, 2026</h1>');
    expect(html).toContain('<h2><a href="https://news.example.com/1/story-1">Mayor promises a tram line to the eastern districts by 2030</a></h2>');
    expect(html).toContain('By Tom O&#39;Neill');
    expect(html).toContain('<p>What happened, who said what, and what comes next: mayor promises a tram line to the eastern districts by 2030.</p>');
    expect(html).toContain(`<a href="/archive/${dates[0]}" rel="prev">`);
    expect(html).toContain(`<a href="/archive/${dates[2]}" rel="next">`);
    expect(html).toContain(`<link rel="canonical" href="https://news.example.com/archive/${dates[1]}">`);
    // The stories' order is the edition's.
    expect(html.indexOf('story-0')).toBeLessThan(html.indexOf('story-1'));
  });

  it('article text is data: markup in a title or summary shows as text', async () => {
    const now = h.clock.now();
    await upsertArticles(h.deps, [{ ...story(0, 0, now - 60_000), title: '<img src=x onerror=alert(1)> & "quotes"', summary: '</p><script>alert(1)</script>' }], 'api', now);
    await freezeEdition(h.deps, '2026-11-27');
    const { html } = await page('/archive/2026-11-27');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
  });

  it.each(['2026-11-20', '2026-02-30', 'latest', '2026-11-27x'])('%s: the styled 404', async (date) => {
    await publishEditions(h, 1, 1);
    const { status, html } = await page(`/archive/${date}`);
    expect(status).toBe(404);
    expect(html).toContain('<h1>Page not found</h1>');
  });
});

describe('view in your browser (/view/:token)', () => {
  async function mailedEdition() {
    await upsertArticles(h.deps, Array.from({ length: 5 }, (_, i) => story(0, i, h.clock.now() - (i + 1) * 60_000)), 'api', h.clock.now());
    const [readerId] = await seedReaders(h.deps.db, 1);
    await runDigest(h.deps, { retryDelaysMs: [] });
    const [copy] = (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
    const mailed = (await simpleParser(Buffer.from(copy!.raw))).html as string;
    return { readerId: readerId!, mailed };
  }

  it('shows the edition exactly as the reader received it, their own links included, never indexed or cached', async () => {
    const { readerId, mailed } = await mailedEdition();
    const links = readerLinks(h.deps.config, readerId, h.clock.now());
    // Opened much later, it is still the copy that was mailed.
    h.clock.advance(40 * 24 * 3600_000);
    const res = await h.app.request(new URL(viewUrl(h.deps.config, readerId, '2026-11-27')).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html.replace('<meta name="robots" content="noindex">', '')).toBe(mailed);
    expect(html).toContain(links.unsubscribe_url);
    expect(html).toContain('reader0@example.com');
  });

  it('a link for another purpose, a tampered one, one without an edition or for a reader who is gone: the styled 400; an edition that does not exist: 404', async () => {
    const { readerId } = await mailedEdition();
    const good = new URL(viewUrl(h.deps.config, readerId, '2026-11-27')).pathname.split('/').pop()!;
    const unsubscribe = new URL((readerLinks(h.deps.config, readerId, h.clock.now())).unsubscribe_url).pathname.split('/').pop()!;
    const cases: [string, number][] = [
      [unsubscribe, 400],
      [`${good.slice(0, -2)}xx`, 400],
      [signToken(APP_SECRET, 'view', readerId), 400],
      [signToken(APP_SECRET, 'view', 'no-such-reader', undefined, '2026-11-27'), 400],
      [signToken(APP_SECRET, 'view', readerId, undefined, '2026-11-01'), 404],
      [signToken('another-secret-0123456789abcdefghijklmnop', 'view', readerId, undefined, '2026-11-27'), 400],
    ];
    for (const [token, status] of cases) {
      const res = await h.app.request(`/view/${token}`);
      expect(res.status, token).toBe(status);
      const html = await res.text();
      expect(html).toContain('<meta name="robots" content="noindex">');
      expect(html).not.toContain('reader0@example.com');
    }
  });
});

describe('the sample on the offer page', () => {
  it('is the latest edition’s first headlines, leading to the articles and to the archive', async () => {
    await publishEditions(h, 2, 8);
    const html = (await page('/')).html;
    const sample = html.slice(html.indexOf('From the latest edition'));
    expect(sample).toContain('Friday, November 27, 2026');
    expect([...sample.matchAll(/<a href="(https:\/\/news\.example\.com\/[^"]+)">/g)].map((m) => m[1])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => `https://news.example.com/1/story-${i}`),
    );
    expect(sample).toContain('<a href="/archive">See all past editions</a>');
  });

  it('no edition yet: no sample, and the page still stands', async () => {
    const { status, html } = await page('/');
    expect(status).toBe(200);
    expect(html).not.toContain('From the latest edition');
  });
});
