import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findEdition } from '../src/editions/edition.ts';
import { runDigest, summaryLine } from '../src/editions/run.ts';
import { readerLinks, viewUrl } from '../src/links.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { escapeHtml, fillTemplate } from '../src/mail/template.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { multipartStructure } from './support/mime-parts.ts';
import { seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

// Security rule: article and feed text is data everywhere. It can never form a template hole, a MIME
// boundary, a header or markup. Everything here goes in through the API or a polled feed, and comes
// out of a real SMTP server, parsed back.

const DATE = '2026-11-27';
/** The boundary the digest used to have: derived from the date, so anyone could write it into a feed. */
const OLD_BOUNDARY = `--gazette-${DATE}-alternative`;
const fast = { retryDelaysMs: [10, 20], leaseMs: 2000 };
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

let feedXml = '';
let feedServer: Server;
let feedUrl: string;
beforeAll(async () => {
  feedServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feedXml));
  await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/feed.xml`;
});
afterAll(() => new Promise<void>((r) => feedServer.close(() => r())));

let smtp: SmtpSink;
let h: Harness;
beforeEach(async () => {
  smtp = await startSmtpSink();
  h = await makeHarness({ mailer: smtpMailer({ url: smtp.url, concurrency: 2 }), env: { SMTP_CONCURRENCY: '2', FEED_URLS: feedUrl } });
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

const minutesAgo = (m: number) => new Date(h.clock.now() - m * 60_000).toISOString();
const postArticles = async (items: Record<string, unknown>[]) => {
  const res = await h.app.request('/admin/articles', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(items) });
  expect(res.status).toBe(200);
};
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;
/** The reader a copy went to, from its Message-ID (edition.DATE.READER@domain). */
const readerOf = (parsed: ParsedMail) => /^<edition\.[\d-]+\.(.+)@/.exec(parsed.messageId!)![1]!;

describe('MIME structure', () => {
  it('boundary and header lines in an article and a feed item stay text inside the two parts', async () => {
    const feedItem = {
      title: 'Content-Type: text/html; charset=utf-8',
      category: OLD_BOUNDARY,
      description: `${OLD_BOUNDARY}--`,
      creator: '--',
    };
    feedXml = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Wire</title>
<item><title>${xml(feedItem.title)}</title><link>https://news.example.com/wire/1</link><guid>wire-1</guid>
<category>${xml(feedItem.category)}</category><dc:creator>${xml(feedItem.creator)}</dc:creator>
<description>${xml(feedItem.description)}</description><pubDate>${new Date(h.clock.now() - 5 * 60_000).toUTCString()}</pubDate></item>
</channel></rss>`;
    const apiItems = [
      { url: 'https://news.example.com/api/1', title: 'Content-Transfer-Encoding: base64', section: `${OLD_BOUNDARY}--`, summary: '--anything--', author: '--', published_at: minutesAgo(3) },
      {
        url: 'https://news.example.com/api/2',
        title: '--anything--',
        section: 'Content-Type: text/html; charset=utf-8',
        summary: '<h1>Your account is locked</h1><a href="https://evil.example/login">Sign in again</a>',
        author: OLD_BOUNDARY,
        published_at: minutesAgo(4),
      },
    ];
    await postArticles(apiItems);
    const poll = await h.app.request('/admin/feeds/poll', { method: 'POST', headers: auth });
    expect((await poll.json()).feeds).toMatchObject([{ ok: true, new: 1 }]);
    await seedReaders(h.deps.db, 2);

    const summary = await runDigest(h.deps, fast);
    expect(summaryLine(summary)).toBe(`edition ${DATE}: sent=2 failed=0 pending=0 skipped=0`);
    const edition = (await findEdition(h.deps, DATE))!;
    const hostile = [feedItem.title, feedItem.category, feedItem.description, ...apiItems.flatMap((a) => [a.title, a.section, a.summary, a.author])];
    for (const { raw, parsed } of smtp.messages) {
      const message = multipartStructure(raw);
      expect(message.parts.map((p) => /^Content-Type: (.*)$/im.exec(p.headers)?.[1])).toEqual(['text/plain; charset=utf-8', 'text/html; charset=utf-8']);
      expect(message.parts.map((p) => p.headers)).toEqual([
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable',
        'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable',
      ]);
      expect(message.delimiterLines).toHaveLength(3);
      expect(message.headers).not.toMatch(/^Content-Transfer-Encoding:/im);
      expect(message.headers.match(/^Content-Type:/gim)).toHaveLength(1);
      expect(parsed.attachments).toHaveLength(0);
      // The HTML is the edition's, filled for this reader; the hostile text is text in both parts.
      const reader = readerOf(parsed);
      const expected = fillTemplate(edition, { email: `reader${Number(reader.slice(-7))}@example.com`, ...(readerLinks(h.deps.config, reader, h.clock.now())), view_url: viewUrl(h.deps.config, reader, edition.date) });
      expect(parsed.html).toBe(expected.html);
      expect(parsed.text).toBe(expected.text);
      for (const s of hostile) {
        expect(parsed.text).toContain(s);
        expect(parsed.html).toContain(escapeHtml(s));
      }
      expect(parsed.html).not.toContain('<h1>Your account');
    }
  });
});

describe('template holes', () => {
  it('[[word]] in a title or summary is text: preview 200, every copy sent, literal in subject and body, links only where they belong', async () => {
    await postArticles([
      { url: 'https://news.example.com/a/1', title: '[[billing_url]]', summary: '[[unsubscribe_url]]', author: '[[email]]', published_at: minutesAgo(1) },
      { url: 'https://news.example.com/a/2', title: 'Markets [[x]] today', section: '[[message_id]]', published_at: minutesAgo(2) },
    ]);
    const preview = await h.app.request('/admin/editions/preview', { headers: auth });
    expect(preview.status).toBe(200);
    const page = await preview.text();
    for (const s of ['Markets [[x]] today', '[[billing_url]]', '[[unsubscribe_url]]', '[[email]]', '[[message_id]]']) expect(page).toContain(s);

    await seedReaders(h.deps.db, 3);
    const summary = await runDigest(h.deps, fast);
    expect(summaryLine(summary)).toBe(`edition ${DATE}: sent=3 failed=0 pending=0 skipped=0`);
    expect(smtp.messages).toHaveLength(3);
    for (const { raw, parsed } of smtp.messages) {
      expect(parsed.subject).toBe('[[billing_url]]');
      for (const s of ['Markets [[x]] today', '[[billing_url]]', '[[unsubscribe_url]]', '[[email]]', '[[message_id]]']) {
        expect(parsed.html).toContain(s);
        expect(parsed.text).toContain(s);
      }
      const reader = readerOf(parsed);
      const links = { ...(readerLinks(h.deps.config, reader, h.clock.now())), view_url: viewUrl(h.deps.config, reader, DATE) };
      const email = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]!.address! : '';
      const html = parsed.html as string;
      const text = parsed.text!;
      // Each link once in each part (the footer, the view link at the top), the unsubscribe link once more in its header; nowhere else.
      for (const value of [links.unsubscribe_url, links.billing_url, links.view_url, email]) {
        expect(occurrences(html, value)).toBe(1);
        expect(occurrences(text, value)).toBe(1);
        expect(parsed.subject).not.toContain(value);
      }
      const linkTo = (label: string) => new RegExp(`<a [^>]*href="([^"]+)"[^>]*>${label}</a>`).exec(html)?.[1];
      expect(linkTo('Unsubscribe from the digest')).toBe(links.unsubscribe_url);
      expect(linkTo('Manage subscription')).toBe(links.billing_url);
      expect(linkTo('View in your browser')).toBe(links.view_url);
      expect(text).toContain(`Unsubscribe from the digest: ${links.unsubscribe_url}\nManage subscription: ${links.billing_url}\n`);
      const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n(?=[ \t])/g, '');
      expect(occurrences(headers, links.unsubscribe_url)).toBe(1);
      expect(headers).toContain(`List-Unsubscribe: <${links.unsubscribe_url}>`);
      expect(occurrences(headers, links.billing_url)).toBe(0);
      expect(occurrences(headers, links.view_url)).toBe(0);
    }
    expect(await h.deps.db.selectFrom('deliveries').select('status').where('status', '!=', 'sent').execute()).toEqual([]);
  });
});

describe('bidirectional text controls', () => {
  it('are stripped from article text at the API and from the subject', async () => {
    // U+202E (right-to-left override) before "fdp.exe" makes it display as "exe.pdf".
    const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    await postArticles([
      { url: 'https://news.example.com/b/1', title: `Refund \u202efdp.exe\u202c approved${bidi}`, summary: `Pay \u2067now\u2069`, author: `\u202bAnn`, section: `City\u2066`, published_at: minutesAgo(1) },
    ]);
    const listed = (await (await h.app.request('/admin/articles', { headers: auth })).json()).data[0];
    expect(listed).toMatchObject({ title: 'Refund fdp.exe approved', summary: 'Pay now', author: 'Ann', section: 'City' });

    await seedReaders(h.deps.db, 1);
    await runDigest(h.deps, fast);
    const { raw, parsed } = smtp.messages[0]!;
    expect(parsed.subject).toBe('Refund fdp.exe approved');
    const controls = /[\u202a-\u202e\u2066-\u2069]/;
    expect(parsed.subject).not.toMatch(controls);
    expect(parsed.html).not.toMatch(controls);
    expect(parsed.text).not.toMatch(controls);
    expect(raw).not.toMatch(controls);
  });
});

describe('encoded-words in article text', () => {
  it('a title that spells an RFC 2047 encoded-word stays literal in the subject (no hidden text, no bidi override)', async () => {
    const { editionView } = await import('../src/editions/render.ts');
    const { loadConfig } = await import('../src/config.ts');
    const { compileMime, fillMime } = await import('../src/mail/mime.ts');
    const { simpleParser } = await import('mailparser');
    const title = 'Markets calm =?UTF-8?Q?=E2=80=AEfdp.exe?= and =?UTF-8?B?WW91ciBhY2NvdW50IGlzIHN1c3BlbmRlZA==?=';
    const view = editionView(loadConfig({ MAIL_FROM: 'Gazette <digest@news.example.com>' }), '2026-11-27', [{ url: 'https://news.example.com/a', title, summary: null, image_url: null, author: null, section: null }]);
    const subject = view.subject;
    const mime = compileMime({ from: 'Gazette <digest@news.example.com>', subject, date: new Date(0), headers: {}, recipientHeaders: {}, html: ['<p>x</p>'], text: ['x'] });
    const parsed = await simpleParser(Buffer.from(fillMime(mime, { to: 'r@example.com', message_id: 'm@example.com' })));
    expect(parsed.subject).toBe(subject);
    expect(parsed.subject).toContain('=?UTF-8?Q?=E2=80=AEfdp.exe?=');
    expect(parsed.subject).not.toContain('\u202e');
    expect(parsed.subject).not.toContain('Your account is suspended');
  });
});
