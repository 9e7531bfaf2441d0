import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { freezeEdition } from '../src/editions/edition.ts';
import { digestMime, personalise, rawDigest } from '../src/editions/message.ts';
import { toNodemailer } from '../src/mail/compose.ts';
import { compileMime, fillMime, wrapHtmlLines } from '../src/mail/mime.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { article } from './support/seed.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness({ env: { MAIL_FROM: 'Le Café du Matin <digest@news.example.com>' } });
});
afterEach(() => h.close());

describe('the fast path (MIME built once per edition, filled per reader)', () => {
  it('parses to the same message as the one nodemailer builds from scratch', async () => {
    await upsertArticles(h.deps.db, [article(1, h.clock.now(), { title: 'Crème brûlée & <tags> — ünïcödé "quotes"' }), article(2, h.clock.now())], 'api', h.clock.now());
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const reader = { id: 'r-42', email: 'o.brien+news@example.com' };
    const fast = await rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, reader, h.clock.now());
    const slow = await personalise(h.deps.config, edition, reader, h.clock.now());
    const built = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(toNodemailer(slow));
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

  it('keeps every line within the 998-octet limit of 8bit MIME', async () => {
    await upsertArticles(h.deps.db, Array.from({ length: 20 }, (_, i) => article(i, h.clock.now())), 'api', h.clock.now());
    const edition = (await freezeEdition(h.deps, '2026-11-27'))!;
    const { raw: bytes } = await rawDigest(h.deps.config, digestMime(h.deps.config, edition, h.clock.now()), edition.date, { id: 'r', email: 'r@example.com' }, h.clock.now());
    const raw = Buffer.from(bytes).toString('utf8');
    const longest = Math.max(...raw.split('\r\n').map((l) => Buffer.byteLength(l)));
    expect(longest).toBeLessThanOrEqual(998);
    expect(raw).not.toMatch(/[^\r]\n/);
  });

  it('fills ASCII and non-ASCII values alike, escaped in the HTML part, as UTF-8', async () => {
    const mime = compileMime({
      from: 'Gazette <digest@news.example.com>',
      subject: 'Today',
      date: new Date(0),
      boundary: 'b',
      headers: {},
      recipientHeaders: {},
      html: '<p>For [[name]] at [[email]]</p>',
      text: 'For [[name]] at [[email]]',
    });
    const fill = (name: string) => simpleParser(Buffer.from(fillMime(mime, { to: 'r@example.com', message_id: 'm@example.com', name, email: 'r@example.com' })));
    const [ascii, unicode] = await Promise.all([fill('O\'Brien <b>'), fill('Zoë <b> 日本')]);
    expect(ascii.html).toContain('For O&#39;Brien &lt;b&gt; at r@example.com');
    expect(ascii.text?.trim()).toBe("For O'Brien <b> at r@example.com");
    expect(unicode.html).toContain('For Zoë &lt;b&gt; 日本 at r@example.com');
    expect(unicode.text?.trim()).toBe('For Zoë <b> 日本 at r@example.com');
    expect(() => fillMime(mime, { to: 'r@example.com', message_id: 'm' })).toThrow(/\[\[name\]\] has no value/);
  });

  it('wraps long HTML lines only between tags', () => {
    const html = `<table>${'<tr><td>cell</td></tr>'.repeat(100)}</table>`;
    const wrapped = wrapHtmlLines(html, 100);
    expect(wrapped.replace(/\n/g, '')).toBe(html);
    expect(Math.max(...wrapped.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });
});
