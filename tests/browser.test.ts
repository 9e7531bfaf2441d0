import { mkdirSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { accountUrl, readerLinks } from '../src/links.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';

// Debian's Chromium (installed by .ci/run); screenshots land in .tmp/screens for a person to look at.
const SCREENS = new URL('../.tmp/screens/', import.meta.url).pathname;
let browser: Browser;
let h: Harness;
/** The HTML part of the copy the fast path sent to a reader, as a mail client decodes it. */
let mailedHtml: string;

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  h = await makeHarness();
  const long = 'The council met late into the night to settle the harbour budget, with every member speaking at length about ferries, tolls and the fish market.';
  // Titles of many lengths, so the markup around them lands at every position of a long line.
  const title = (i: number) => (i === 0 ? 'An unusually long headline about the harbour, the council, the budget and everything that the mayor said afterwards' : `Story number ${i} about the harbour${' and the tram'.repeat(i % 7)}`);
  await upsertArticles(
    h.deps,
    Array.from({ length: 20 }, (_, i) => article(i, h.clock.now(), { summary: long, title: title(i), author: `Reporter ${'N'.repeat(i)}` })),
    'api',
    h.clock.now(),
  );
  await seedReaders(h.deps.db, 1);
  await runDigest(h.deps, { retryDelaysMs: [] });
  const [copy] = (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
  mailedHtml = (await simpleParser(Buffer.from(copy!.raw))).html as string;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function render(html: string, width: number, name: string) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  // No network here: images from the feed's CDN are not fetched.
  await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  await page.setContent(html, { waitUntil: 'domcontentloaded' });
  const metrics = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    bodyText: document.body.innerText,
    // Visible text only: MJML's preheader is hidden on purpose.
    smallestFont: Math.min(
      ...[...document.querySelectorAll('p, td, div, a, span')]
        .filter((e) => (e as HTMLElement).offsetHeight > 0 && getComputedStyle(e).opacity !== '0')
        // Elements that hold text themselves (MJML wraps columns in font-size:0 containers).
        .filter((e) => [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== ''))
        .map((e) => parseFloat(getComputedStyle(e).fontSize)),
    ),
    // The template's hooks (css-class on each mj-text): MJML puts the class on a font-size:0 cell and
    // the text in the div inside it, so a style the client cannot read leaves that text 0 px tall.
    hooks: Object.fromEntries(
      ['headline', 'section-label', 'summary', 'byline', 'footer'].map((hook) => [
        hook,
        [...document.querySelectorAll(`td.${hook} > div`)].map((e) => {
          const box = e.getBoundingClientRect();
          return { text: (e as HTMLElement).innerText.trim(), fontSize: parseFloat(getComputedStyle(e).fontSize), width: box.width, height: box.height };
        }),
      ]),
    ),
  }));
  await page.screenshot({ path: `${SCREENS}${name}-${width}.png`, fullPage: !name.startsWith('digest') });
  await page.close();
  return metrics;
}

const digestHtml = {
  preview: async () => (await h.app.request('/admin/editions/preview', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text(),
  mail: async () => mailedHtml,
};

describe('the digest as a reader sees it', () => {
  it.each([
    ['mail', 375],
    ['mail', 1200],
    ['preview', 375],
    ['preview', 1200],
  ] as const)('%s copy reads well %d px wide: no sideways scrolling, every headline, byline, summary and footer line visible and legible', async (source, width) => {
    const m = await render(await digestHtml[source](), width, `digest-${source}`);
    expect(m.scrollWidth).toBeLessThanOrEqual(width);
    expect(m.smallestFont).toBeGreaterThanOrEqual(12);
    expect(m.bodyText).toContain('An unusually long headline about the harbour');
    expect(m.bodyText).toContain('Story number 19 about the harbour');
    expect(m.bodyText).toContain('Unsubscribe from the digest');
    expect(m.bodyText).toContain('Manage subscription');
    expect(m.hooks['headline']).toHaveLength(20);
    expect(m.hooks['section-label']).toHaveLength(20);
    expect(m.hooks['summary']).toHaveLength(20);
    expect(m.hooks['byline']).toHaveLength(20);
    expect(m.hooks['footer']).toHaveLength(1);
    const unreadable = Object.entries(m.hooks).flatMap(([hook, elements]) =>
      elements.filter((e) => !(e.fontSize >= 12 && e.width > 0 && e.height > 0 && e.text !== '')).map((e) => `${hook} "${e.text.slice(0, 40)}": ${e.fontSize}px, ${e.width}x${e.height}`),
    );
    expect(unreadable).toEqual([]);
  });
});

describe('reader pages on a phone', () => {
  it.each(['/', '/checkout/success', '/checkout/cancel'])('%s fits 375 px', async (path) => {
    const res = await h.app.request(path);
    const m = await render(await res.text(), 375, path === '/' ? 'offer' : path.slice(1).replace('/', '-'));
    expect(m.scrollWidth).toBeLessThanOrEqual(375);
    expect(m.smallestFont).toBeGreaterThanOrEqual(12);
  });
});

describe('reader forms in a real browser (same-origin posts pass our own guards)', () => {
  let base: string;
  let server: ReturnType<typeof serve>;
  let readerId: string;
  beforeAll(async () => {
    server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    readerId = (await h.deps.db.selectFrom('readers').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const unsubscribed = async () => (await h.deps.db.selectFrom('readers').select('unsubscribed_at').where('id', '=', readerId).executeTakeFirstOrThrow()).unsubscribed_at !== null;

  it('asks for a link, then stops and resumes the digest from the reader’s page and the unsubscribe page', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    try {
      await page.goto(`${base}/account`);
      await page.fill('#email', 'reader0@example.com');
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('Check your email');

      await page.goto(`${base}${new URL(await accountUrl(h.deps.config, readerId, h.clock.now())).pathname}`);
      await page.click('text=Stop the daily digest');
      expect(await page.textContent('[role=status]')).toContain('the daily digest is stopped');
      expect(await unsubscribed()).toBe(true);
      await page.screenshot({ path: `${SCREENS}account-stopped-375.png`, fullPage: true });
      await page.click('text=Resume the daily digest');
      expect(await unsubscribed()).toBe(false);

      await page.goto(`${base}${new URL((await readerLinks(h.deps.config, readerId, h.clock.now())).unsubscribe_url).pathname}`);
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('You are unsubscribed');
      expect(await unsubscribed()).toBe(true);
      await page.click('text=Resume the daily digest');
      expect(await page.textContent('h1')).toBe('The digest is back on');
      expect(await unsubscribed()).toBe(false);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    } finally {
      await page.close();
    }
  });
});
