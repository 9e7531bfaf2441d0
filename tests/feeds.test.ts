import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseFeedDate } from '../src/articles/feed-parse.ts';
import { loggableUrl } from '../src/articles/loggable-url.ts';
import { pollFeeds } from '../src/articles/poll.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/feeds/${name}`, import.meta.url));

interface Route {
  body: Buffer;
  type?: string;
  etag?: string;
  lastModified?: string;
  delayMs?: number;
  encoding?: string;
}

const routes = new Map<string, Route>();
const seen: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
let server: Server;
let base: string;

const RSS_ISO = `<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Latin</title>
<item><title>Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e</title><link>https://news.example.com/latin</link><guid>latin-1</guid><description>\u00c0 la fran\u00e7aise</description></item>
</channel></rss>`;
// "Привет" in windows-1251, declared only in the HTTP header.
const CP1251 = Buffer.concat([
  Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel><title>Ru</title><item><title>', 'ascii'),
  Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]),
  Buffer.from('</title><link>https://news.example.com/ru</link><guid>ru-1</guid></item></channel></rss>', 'ascii'),
]);
// 20 MB of spaces, about 20 KB on the wire: the cap counts what decompression produces.
const gzipBomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
const UTF16 = Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>U16</title><item><title>\u65e5\u672c\u8a9e \u2014 UTF-16</title><link>https://news.example.com/u16</link><guid>u16-1</guid></item></channel></rss>`, 'utf16le');

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const route = routes.get(req.url ?? '');
    if (!route) return res.writeHead(404).end();
    if (route.delayMs) await new Promise((r) => setTimeout(r, route.delayMs));
    if (route.etag && req.headers['if-none-match'] === route.etag) return res.writeHead(304).end();
    if (route.lastModified && req.headers['if-modified-since'] === route.lastModified) return res.writeHead(304).end();
    res.writeHead(200, {
      'content-type': route.type ?? 'application/rss+xml',
      ...(route.etag ? { etag: route.etag } : {}),
      ...(route.lastModified ? { 'last-modified': route.lastModified } : {}),
      ...(route.encoding ? { 'content-encoding': route.encoding } : {}),
    });
    res.end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let h: Harness;
beforeEach(async () => {
  routes.clear();
  seen.length = 0;
  routes.set('/rss2.xml', { body: fixture('rss2.xml'), etag: '"v1"' });
  routes.set('/rss1.xml', { body: fixture('rss1.xml'), type: 'application/rdf+xml' });
  routes.set('/atom.xml', { body: fixture('atom.xml'), type: 'application/atom+xml', lastModified: 'Fri, 27 Nov 2026 06:00:00 GMT' });
  routes.set('/latin1.xml', { body: Buffer.from(RSS_ISO, 'latin1'), type: 'application/xml' });
  routes.set('/cp1251.xml', { body: CP1251, type: 'application/rss+xml; charset=windows-1251' });
  routes.set('/utf16.xml', { body: UTF16, type: 'application/xml' });
  routes.set('/billion-laughs.xml', { body: fixture('billion-laughs.xml') });
  routes.set('/xxe.xml', { body: fixture('xxe.xml') });
  routes.set('/truncated.xml', { body: fixture('truncated.xml') });
  routes.set('/page.html', { body: fixture('page.html'), type: 'text/html' });
  routes.set('/gzip.xml', { body: gzipSync(fixture('rss2.xml')), type: 'application/xml' });
  routes.set('/slow.xml', { body: fixture('rss1.xml'), delayMs: 2000 });
  routes.set('/huge.xml', { body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
  routes.set('/bomb.xml', { body: gzipBomb, encoding: 'gzip' });
  h = await makeHarness({ env: { FEED_URLS: `${base}/rss2.xml,${base}/billion-laughs.xml,${base}/atom.xml` } });
});
afterEach(() => h.close());

const limits = { timeoutMs: 500, maxBytes: 1024 * 1024 };
const articles = () => h.deps.db.selectFrom('articles').selectAll().orderBy('url').execute();
const byUrl = async (url: string) => (await articles()).find((a) => a.url === url);

describe('feed formats', () => {
  it('RSS 2.0: content, media:content, enclosures, media:thumbnail, relative links, authors, categories, duplicate guids', async () => {
    const [report] = await pollFeeds(h.deps, [`${base}/rss2.xml`], limits);
    expect(report).toEqual({ url: `${base}/rss2.xml`, ok: true, new: 3, updated: 0, error: null });
    const harbour = (await byUrl(`${base}/2026/11/harbour-reopens`))!;
    expect(harbour).toMatchObject({
      guid: 'city-1001',
      title: 'Harbour reopens after storm & repairs',
      image_url: 'https://cdn.example.com/harbour.jpg',
      author: 'Ann Writer',
      section: 'City',
      published_at: Date.parse('2026-11-27T05:00:00Z'),
    });
    // Clean plain text: no markup, no script or style, entities decoded.
    expect(harbour.summary).toBe('Ships are back in port. Fish & chips été — read');
    const budget = (await byUrl('https://news.example.com/2026/11/budget'))!;
    expect(budget).toMatchObject({ image_url: `${base}/img/budget.png`, summary: 'The council approved the budget.', published_at: Date.parse('2026-11-27T05:15:00Z') });
    const tram = (await byUrl('https://news.example.com/2026/11/tram'))!;
    expect(tram).toMatchObject({ image_url: 'https://cdn.example.com/tram-thumb.jpg', summary: 'Plain escaped summary', published_at: Date.parse('2026-11-27T03:10:00Z') });
    expect((await articles()).filter((a) => a.guid === 'tram-77')).toHaveLength(1);
  });

  it('RSS 1.0 (RDF)', async () => {
    await pollFeeds(h.deps, [`${base}/rss1.xml`], limits);
    expect(await byUrl('https://news.example.com/rdf/1')).toMatchObject({
      guid: 'https://news.example.com/rdf/1',
      title: 'Library opens late on Fridays',
      author: 'Cleo Clerk',
      section: 'Culture',
      published_at: Date.parse('2026-11-27T04:30:00Z'),
    });
  });

  it('Atom 1.0: xml:base on feed and entry, html titles, enclosure links, zone-less dates', async () => {
    await pollFeeds(h.deps, [`${base}/atom.xml`], limits);
    expect(await byUrl('https://news.example.com/atom/market-booms')).toMatchObject({
      guid: 'urn:uuid:entry-1',
      title: 'Market booms on Friday',
      summary: 'Stalls & shoppers everywhere.',
      image_url: 'https://news.example.com/img/market.jpg',
      author: 'Dana Trader',
      section: 'Business',
      published_at: Date.parse('2026-11-27T04:45:00Z'),
    });
    expect(await byUrl('https://other.example.com/section/page.html')).toMatchObject({ author: 'Desk', published_at: Date.parse('2026-11-27T03:00:00Z'), summary: 'Text content only.' });
  });

  it.each([
    ['/latin1.xml', 'Café crème brûlée', 'ISO-8859-1 from the XML declaration'],
    ['/cp1251.xml', 'Привет', 'windows-1251 from the HTTP header'],
    ['/utf16.xml', '日本語 — UTF-16', 'UTF-16 with a byte-order mark'],
  ])('honours the charset: %s (%s)', async (path, title) => {
    const [report] = await pollFeeds(h.deps, [`${base}${path}`], limits);
    expect(report!.ok).toBe(true);
    expect((await articles())[0]!.title).toBe(title);
  });

  it('dates in the forms real feeds use', () => {
    expect(parseFeedDate('Fri, 27 Nov 2026 05:00:00 GMT')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('Fri, 27 Nov 2026 07:00:00 +0200')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('27 Nov 2026 06:00:00 CET')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('Friday, 27 Nov 2026 07:00:00 CEST')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('2026-11-27T05:00:00Z')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('2026-11-27T06:00:00.000+01:00')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('2026-11-27 05:00:00')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(parseFeedDate('not a date')).toBeUndefined();
  });
});

describe('conditional GET', () => {
  it('sends If-None-Match / If-Modified-Since and a 304 stores nothing new', async () => {
    await pollFeeds(h.deps, [`${base}/rss2.xml`, `${base}/atom.xml`], limits);
    seen.length = 0;
    const again = await pollFeeds(h.deps, [`${base}/rss2.xml`, `${base}/atom.xml`], limits);
    expect(again.map((r) => [r.ok, r.new])).toEqual([[true, 0], [true, 0]]);
    expect(seen[0]!.headers['if-none-match']).toBe('"v1"');
    expect(seen[1]!.headers['if-modified-since']).toBe('Fri, 27 Nov 2026 06:00:00 GMT');
  });
});

describe('hostile or broken feeds are refused, one at a time', () => {
  it.each([
    ['/billion-laughs.xml', /entit/i],
    ['/xxe.xml', /entit/i],
    ['/truncated.xml', /malformed XML/],
    ['/page.html', /HTML page/],
    ['/gzip.xml', /gzip/],
    ['/slow.xml', /timed out/],
    ['/huge.xml', /larger than/],
    ['/bomb.xml', /larger than/],
    ['/missing.xml', /HTTP 404/],
  ])('%s: ok=false with the reason, logged with its URL', async (path, reason) => {
    const [report] = await pollFeeds(h.deps, [`${base}${path}`], limits);
    expect(report).toMatchObject({ ok: false, new: 0, updated: 0 });
    expect(report!.error).toMatch(reason);
    expect(h.logs.some((l) => l.includes('feed refused') && l.includes(`${base}${path}`))).toBe(true);
    expect(await articles()).toHaveLength(0);
  });

  it('never reads a local file through an external entity', async () => {
    await pollFeeds(h.deps, [`${base}/xxe.xml`], limits);
    const all = JSON.stringify(await articles()) + h.logs.join('\n');
    expect(all).not.toContain('root:');
  });

  it('the other feeds still load, and nothing already stored is lost when a feed turns hostile', async () => {
    const res = await h.app.request('/admin/feeds/poll', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const { feeds } = await res.json();
    expect(feeds.map((f: { ok: boolean }) => f.ok)).toEqual([true, false, true]);
    expect(feeds[1].error).toMatch(/entit/i);
    const before = (await articles()).length;
    expect(before).toBe(5);
    routes.set('/rss2.xml', { body: fixture('xxe.xml') });
    await pollFeeds(h.deps, [`${base}/rss2.xml`], limits);
    expect((await articles()).length).toBe(before);
  });
});

const rssWith = (prolog: string, items = '<item><title>&a;</title><link>https://news.example.com/dtd</link><description>&a;</description></item>') =>
  Buffer.from(`${prolog}<rss version="2.0"><channel><title>t</title>${items}</channel></rss>`);

describe('a document type declaration is refused wherever it stands', () => {
  it.each([
    ['a comment holding "<x" before the DOCTYPE', '<?xml version="1.0" encoding="utf-8" ?><!-- <x --><!DOCTYPE r [<!ENTITY a "EXPANDED-ENTITY">]>'],
    ['a processing instruction holding "<"', '<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="a.xsl?x=<x"?><!DOCTYPE rss [<!ENTITY a "EXPANDED-ENTITY">]>'],
    ['a DOCTYPE after a comment', '<?xml version="1.0"?>\n<!-- generated -->\n<!DOCTYPE rss [<!ENTITY a "EXPANDED-ENTITY">]>'],
    ['an external entity behind a comment holding "<x"', '<?xml version="1.0"?><!--<x--><!DOCTYPE rss [<!ENTITY a SYSTEM "file:///etc/passwd">]>'],
  ])('%s', async (_, prolog) => {
    routes.set('/dtd.xml', { body: rssWith(prolog) });
    const [report] = await pollFeeds(h.deps, [`${base}/dtd.xml`], limits);
    expect(report).toMatchObject({ ok: false, new: 0, updated: 0, error: expect.stringMatching(/document type declaration/) });
    expect(await articles()).toHaveLength(0);
    expect(h.logs.join('\n')).not.toContain('EXPANDED-ENTITY');
  });

  it('a plain DOCTYPE without entities is refused too', async () => {
    routes.set('/dtd.xml', { body: rssWith('<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd">', '<item><title>t</title><link>https://news.example.com/t</link></item>') });
    const [report] = await pollFeeds(h.deps, [`${base}/dtd.xml`], limits);
    expect(report).toMatchObject({ ok: false, error: expect.stringMatching(/document type declaration/) });
    expect(await articles()).toHaveLength(0);
  });
});

describe('HTML entities that XML does not define', () => {
  it('do not make a real-world feed fail: the text keeps them, decoded in titles and summaries', async () => {
    routes.set('/nbsp.xml', {
      body: rssWith('<?xml version="1.0"?>', '<item><title>Caf&eacute;&nbsp;cr&egrave;me &amp; more</title><link>https://news.example.com/nbsp?a=1&amp;b=2</link><description>Prices&nbsp;rise &hellip; again &lt;b&gt;today&lt;/b&gt;</description></item>'),
    });
    const [report] = await pollFeeds(h.deps, [`${base}/nbsp.xml`], limits);
    expect(report).toMatchObject({ ok: true, new: 1 });
    expect(await byUrl('https://news.example.com/nbsp?a=1&b=2')).toMatchObject({ title: 'Café\u00a0crème & more', summary: 'Prices\u00a0rise … again today' });
  });

  it('a bare "&" is still malformed XML', async () => {
    routes.set('/amp.xml', { body: rssWith('', '<item><title>AT&T</title><link>https://news.example.com/att</link></item>') });
    const [report] = await pollFeeds(h.deps, [`${base}/amp.xml`], limits);
    expect(report).toMatchObject({ ok: false, error: expect.stringMatching(/malformed XML/) });
  });
});

const item = (n: number, date?: string) =>
  `<item><title>Item ${n}</title><link>https://news.example.com/items/${n}</link><guid>item-${n}</guid>${date ? `<pubDate>${date}</pubDate>` : ''}</item>`;

describe('hostile HTML in items costs bounded work, and never stops the other feeds', () => {
  const escapeXml = (html: string) => html.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  it('tables with huge spans are read as text, 20,000 nested tags are not walked, and every feed still loads', async () => {
    // Laid out as a table, each span cost seconds and hundreds of MB; nesting overflowed the stack and aborted the poll.
    const spans = '<table><tr><td colspan="6000" rowspan="6000">cell</td></tr></table>'.repeat(250);
    const nested = `${'<b>'.repeat(20_000)}deep`;
    const hostile = (n: number, title: string, summary: string) => `<item><title>${escapeXml(title)}</title><link>https://news.example.com/h/${n}</link><guid>h-${n}</guid><description>${escapeXml(summary)}</description></item>`;
    routes.set('/spans.xml', { body: rssWith('', hostile(1, 'Results table', spans)) });
    routes.set('/nested.xml', { body: rssWith('', hostile(2, `<b>${'<i>'.repeat(3000)}Nested title`, nested)) });
    const reports = await pollFeeds(h.deps, [`${base}/spans.xml`, `${base}/nested.xml`, `${base}/rss2.xml`], limits);
    expect(reports.map((r) => [r.ok, r.error])).toEqual([[true, null], [true, null], [true, null]]);
    expect((await byUrl('https://news.example.com/h/1'))?.summary).toMatch(/^cell cell cell/);
    expect((await byUrl('https://news.example.com/h/2'))?.title).toBeTruthy();
    expect((await articles()).length).toBeGreaterThan(2);
  });

  it('an element with thousands of attributes is refused at once (one tag cannot be read in slices)', async () => {
    const attrs = Array.from({ length: 100_000 }, (_, i) => `a${i}="v"`).join(' ');
    routes.set('/attrs.xml', { body: rssWith('', `<x ${attrs}/>${item(9)}`) });
    const [report] = await pollFeeds(h.deps, [`${base}/attrs.xml`], { ...limits, maxBytes: 5 * 1024 * 1024 });
    expect(report).toMatchObject({ ok: false, error: 'an element with more than 64 attributes (refused: not a feed)' });
  });
});

describe('items without a date keep the time they were first seen', () => {
  it('a second poll leaves them as they are: same published_at, not "updated"', async () => {
    routes.set('/undated.xml', { body: rssWith('', item(1) + item(2) + item(3, 'Fri, 27 Nov 2026 05:00:00 GMT')) });
    const first = h.clock.now();
    expect((await pollFeeds(h.deps, [`${base}/undated.xml`], limits))[0]).toMatchObject({ ok: true, new: 3, updated: 0 });
    h.clock.advance(60 * 60 * 1000);
    routes.set('/undated.xml', { body: rssWith('', item(4) + item(1) + item(2) + item(3, 'Fri, 27 Nov 2026 05:00:00 GMT')) });
    expect((await pollFeeds(h.deps, [`${base}/undated.xml`], limits))[0]).toMatchObject({ ok: true, new: 1, updated: 0 });
    const dates = Object.fromEntries((await articles()).map((a) => [a.guid, a.published_at]));
    expect(dates).toEqual({ 'item-1': first, 'item-2': first, 'item-3': Date.parse('2026-11-27T05:00:00Z'), 'item-4': first + 60 * 60 * 1000 });
  });
});

describe('a feed with many items', () => {
  it('keeps only the newest 200 per poll; undated items count as seen now', async () => {
    const t0 = Date.parse('2026-11-26T00:00:00Z');
    // Oldest first, so the newest come last: the cap must rank by date, not keep the first 200.
    const items = Array.from({ length: 500 }, (_, n) => item(n, new Date(t0 + n * 60_000).toUTCString()));
    items.splice(100, 0, item(9000)); // undated
    routes.set('/many.xml', { body: rssWith('', items.join('')) });
    const [report] = await pollFeeds(h.deps, [`${base}/many.xml`], limits);
    expect(report).toMatchObject({ ok: true, new: 200 });
    const guids = (await articles()).map((a) => a.guid).sort();
    expect(guids).toEqual(['item-9000', ...Array.from({ length: 199 }, (_, k) => `item-${499 - k}`)].sort());
  });
});

describe('logs', () => {
  it('loggableUrl keeps origin and path, drops query strings, fragments and credentials', () => {
    expect(loggableUrl('https://user:pa55@feeds.example.com:8443/a/feed.xml?key=s3cret&x=1#top')).toBe('https://feeds.example.com:8443/a/feed.xml');
    expect(loggableUrl('http://127.0.0.1:9/feed.xml')).toBe('http://127.0.0.1:9/feed.xml');
    expect(loggableUrl('not a url ?key=s3cret')).not.toContain('s3cret');
  });

  it('name a feed by origin and path: no query string, no credentials', async () => {
    await pollFeeds(h.deps, [`${base}/missing.xml?token=s3cret-token-value`], limits);
    const refused = h.logs.find((l) => l.includes('feed refused'))!;
    expect(refused).toContain(`${base}/missing.xml`);
    expect(refused).not.toContain('s3cret');
  });
});
