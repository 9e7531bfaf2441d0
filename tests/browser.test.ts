import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article } from './support/seed.ts';

// Debian's Chromium (installed by .ci/run); screenshots land in .tmp/screens for a person to look at.
const SCREENS = new URL('../.tmp/screens/', import.meta.url).pathname;
let browser: Browser;
let h: Harness;

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  h = await makeHarness();
  const long = 'The council met late into the night to settle the harbour budget, with every member speaking at length about ferries, tolls and the fish market.';
  await upsertArticles(
    h.deps.db,
    Array.from({ length: 20 }, (_, i) => article(i, h.clock.now(), { summary: long, title: i === 0 ? 'An unusually long headline about the harbour, the council, the budget and everything that the mayor said afterwards' : undefined })),
    'api',
    h.clock.now(),
  );
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
  }));
  await page.screenshot({ path: `${SCREENS}${name}-${width}.png`, fullPage: name !== 'digest' });
  await page.close();
  return metrics;
}

describe('the digest as a reader sees it', () => {
  it.each([375, 1200])('reads well %d px wide: no sideways scrolling, legible text, every story and the footer links', async (width) => {
    const res = await h.app.request('/admin/editions/preview', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const m = await render(await res.text(), width, 'digest');
    expect(m.scrollWidth).toBeLessThanOrEqual(width);
    expect(m.smallestFont).toBeGreaterThanOrEqual(12);
    expect(m.bodyText).toContain('An unusually long headline about the harbour');
    expect(m.bodyText).toContain('Story number 19 about the harbour');
    expect(m.bodyText).toContain('Unsubscribe from the digest');
    expect(m.bodyText).toContain('Manage subscription');
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
