import { mkdirSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { freezeEdition } from '../src/editions/edition.ts';
import { digestMime, rawDigest } from '../src/editions/message.ts';
import { runDigest } from '../src/editions/run.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { accountUrl, readerLinks } from '../src/links.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { declaredImages, holdImages, legibility, openPage } from './support/visual.ts';

// Debian's Chromium (installed by .ci/run); screenshots land in .tmp/screens for a person to look at.
const SCREENS = new URL('../.tmp/screens/', import.meta.url).pathname;
let browser: Browser;
let h: Harness;
/** The HTML part of the copy the fast path sent to a reader, as a mail client decodes it. */
let mailedHtml: string;
/** The same for another publication's five-story edition. */
let fiveStoriesHtml: string;

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
    // Story 3 (with an image) is the one the CMS marks as the lead; odd stories have images.
    Array.from({ length: 20 }, (_, i) => ({ ...article(i, h.clock.now(), { summary: long, title: title(i), author: `Reporter ${'N'.repeat(i)}` }), lead: i === 3 })),
    'api',
    h.clock.now(),
  );
  await seedReaders(h.deps.db, 1);
  await runDigest(h.deps, { retryDelaysMs: [] });
  const [copy] = (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
  mailedHtml = (await simpleParser(Buffer.from(copy!.raw))).html as string;

  // Another publication: a logo, a tagline, a light accent (too light to read as it is on the page), five stories.
  const other = await makeHarness({ env: { PUBLICATION_ACCENT: '#ffd21f', PUBLICATION_LOGO_URL: 'https://cdn.example.com/logo.png', PUBLICATION_TAGLINE: 'News from the harbour, every morning' } });
  try {
    await upsertArticles(other.deps, Array.from({ length: 5 }, (_, i) => article(i, other.clock.now(), { image_url: i === 2 ? null : `https://cdn.example.com/img/${i}.jpg` })), 'api', other.clock.now());
    const edition = (await freezeEdition(other.deps, '2026-11-27'))!;
    const raw = rawDigest(other.deps.config, digestMime(other.deps.config, edition, other.clock.now()), edition.date, { id: 'reader-1', email: 'reader1@example.com' }, other.clock.now());
    fiveStoriesHtml = (await simpleParser(Buffer.from(raw.raw))).html as string;
  } finally {
    await other.close();
  }
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

/** Every <img> of a mail with the size its markup declares, so a placeholder of that size can answer it. */
/** What the digest's readers need to see: each story's parts (by their class in the template), and its images. */
async function digestParts(page: Page) {
  return page.evaluate(() => {
    const parts = { headline: '.headline', 'section-label': '.section-label', summary: '.summary', byline: '.byline', footer: '.footer > div', contents: '.contents a' };
    return {
      parts: Object.fromEntries(
        Object.entries(parts).map(([part, selector]) => [
          part,
          [...document.querySelectorAll(selector)].map((e) => {
            const box = e.getBoundingClientRect();
            return { text: (e as HTMLElement).innerText.trim(), fontSize: parseFloat(getComputedStyle(e).fontSize), width: box.width, height: box.height };
          }),
        ]),
      ),
      images: [...document.images].map((img) => ({ src: img.getAttribute('src'), alt: img.alt, width: img.getAttribute('width'), height: img.getAttribute('height'), box: img.getBoundingClientRect().height })),
      height: document.documentElement.scrollHeight,
    };
  });
}

const unreadable = (parts: Record<string, { text: string; fontSize: number; width: number; height: number }[]>) =>
  Object.entries(parts).flatMap(([part, elements]) =>
    elements.filter((e) => !(e.fontSize >= 12 && e.width > 0 && e.height > 0 && e.text !== '')).map((e) => `${part} "${e.text.slice(0, 40)}": ${e.fontSize}px, ${e.width}x${e.height}`),
  );

describe('the digest as a reader sees it', () => {
  const cases = [375, 1280].flatMap((width) => (['light', 'dark'] as const).map((scheme) => [width, scheme] as const));

  it.each(cases)('the mailed copy at %d px, %s: no sideways scrolling, no text under 12 px, contrast at least 4.5:1, every headline, byline, summary and footer line visible', async (width, scheme) => {
    const page = await openPage(browser, width, scheme);
    try {
      const images = await holdImages(page, declaredImages(mailedHtml));
      await page.setContent(mailedHtml, { waitUntil: 'domcontentloaded' });
      const before = await digestParts(page);
      images.release();
      await page.waitForFunction(() => [...document.images].every((i) => i.complete));
      const seen = await legibility(page);
      const after = await digestParts(page);
      await page.screenshot({ path: `${SCREENS}digest-mail-${width}-${scheme}.png`, fullPage: true });

      expect(seen.scrollWidth).toBeLessThanOrEqual(width);
      expect(seen.smallestFont).toBeGreaterThanOrEqual(12);
      expect(seen.lowestContrast.ratio, JSON.stringify(seen.lowestContrast)).toBeGreaterThanOrEqual(4.5);
      expect(seen.text).toContain('An unusually long headline about the harbour');
      expect(seen.text).toContain('Story number 19 about the harbour');
      // Labels are set in capitals by CSS, which innerText reports.
      for (const line of ['Unsubscribe from the digest', 'Manage subscription', 'View in your browser', 'In today’s edition', '1 Harbour Street']) expect(seen.text.toLowerCase()).toContain(line.toLowerCase());
      // The lead (the story the CMS marked) opens the edition; "In today's edition" lists the first six headlines.
      const headlines = after.parts['headline']!.map((p) => p.text);
      expect(headlines[0]).toBe('Story number 3 about the harbour and the tram and the tram and the tram');
      expect(after.parts['contents']!.map((p) => p.text)).toEqual(headlines.slice(0, 6));
      expect(seen.text).toContain('+ 14 more stories below');
      for (const part of ['headline', 'section-label', 'summary', 'byline']) expect(after.parts[part], part).toHaveLength(20);
      expect(after.parts['footer']).toHaveLength(1);
      expect(unreadable(after.parts)).toEqual([]);
      // Each image says what it shows (its headline) and has its size before it loads: nothing moves when it arrives.
      expect(after.images).toHaveLength(10);
      for (const image of after.images) {
        expect(image.width && image.height, image.src!).toBeTruthy();
        expect(after.parts['headline']!.map((p) => p.text)).toContain(image.alt);
      }
      expect(before.images.map((i) => Math.round(i.box))).toEqual(after.images.map((i) => Math.round(i.box)));
      expect(before.height).toBe(after.height);
    } finally {
      await page.close();
    }
  });

  it.each([375, 1280])('the staff preview at %d px is the same digest', async (width) => {
    const page = await openPage(browser, width, 'light');
    try {
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(await digestHtml.preview(), { waitUntil: 'domcontentloaded' });
      const seen = await legibility(page);
      const { parts } = await digestParts(page);
      expect(seen.scrollWidth).toBeLessThanOrEqual(width);
      expect(seen.smallestFont).toBeGreaterThanOrEqual(12);
      expect(parts['headline']).toHaveLength(20);
      expect(unreadable(parts)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.each(cases)('a five-story edition with a logo and a light accent at %d px, %s: readable, and short on a phone', async (width, scheme) => {
    const page = await openPage(browser, width, scheme);
    try {
      const images = await holdImages(page, declaredImages(fiveStoriesHtml));
      images.release();
      await page.setContent(fiveStoriesHtml, { waitUntil: 'load' });
      const seen = await legibility(page);
      const { parts, height, images: shown } = await digestParts(page);
      await page.screenshot({ path: `${SCREENS}digest-five-${width}-${scheme}.png`, fullPage: true });
      expect(seen.scrollWidth).toBeLessThanOrEqual(width);
      expect(seen.smallestFont).toBeGreaterThanOrEqual(12);
      expect(seen.lowestContrast.ratio, JSON.stringify(seen.lowestContrast)).toBeGreaterThanOrEqual(4.5);
      expect(parts['headline']).toHaveLength(5);
      expect(unreadable(parts)).toEqual([]);
      expect(shown.find((i) => i.src === 'https://cdn.example.com/logo.png')?.alt).toBe('The Morning Gazette');
      // Five stories, each with a summary, one with a large picture: a morning read, not a long scroll.
      if (width === 375) expect(height).toBeLessThan(1800);
    } finally {
      await page.close();
    }
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

      await page.goto(`${base}${new URL(accountUrl(h.deps.config, readerId, h.clock.now())).pathname}`);
      await page.click('text=Stop the daily digest');
      expect(await page.textContent('[role=status]')).toContain('the daily digest is stopped');
      expect(await unsubscribed()).toBe(true);
      await page.screenshot({ path: `${SCREENS}account-stopped-375.png`, fullPage: true });
      await page.click('text=Resume the daily digest');
      expect(await unsubscribed()).toBe(false);

      await page.goto(`${base}${new URL((readerLinks(h.deps.config, readerId, h.clock.now())).unsubscribe_url).pathname}`);
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
