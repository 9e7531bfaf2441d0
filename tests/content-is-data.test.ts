import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findEdition } from '../src/editions/edition.ts';
import { runDigest, summaryLine } from '../src/editions/run.ts';
import { readerLinks } from '../src/links.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { escapeHtml, fillTemplate } from '../src/mail/template.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
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
    expect(parsed.subject).toBe('The Morning Gazette · Friday, 27 November 2026: Refund fdp.exe approved');
    const controls = /[\u202a-\u202e\u2066-\u2069]/;
    expect(parsed.subject).not.toMatch(controls);
    expect(parsed.html).not.toMatch(controls);
    expect(parsed.text).not.toMatch(controls);
    expect(raw).not.toMatch(controls);
  });
});
