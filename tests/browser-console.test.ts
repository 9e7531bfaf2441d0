import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryCounts } from '../src/editions/ledger.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { suppress } from '../src/readers/suppressions.ts';
import { publishEditions, story } from './support/editions.ts';
import { upsertArticles } from '../src/articles/store.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';
import { launchBrowser, legibility, openPage, SCREENS, type Scheme } from './support/visual.ts';

// The staff console in Chromium over real HTTP: sign in with the token, find a reader, lift their
// suppression, send today's edition and watch its counts move to the end without reloading. Real
// SMTP underneath (a sink that takes its time, so the send is watchable), real forms, the real CSP.

const DAY = 24 * 3600_000;

let browser: Browser;
let h: Harness;
let smtp: SmtpSink;
let server: ReturnType<typeof serve>;
let base: string;

/** Readers with subscriptions over the last 90 days, two currencies, a yearly plan, some ended, one suppressed. */
async function seedShop(harness: Harness) {
  const now = harness.clock.now();
  const { db } = harness.deps;
  const statuses = ['active', 'active', 'active', 'trialing', 'active', 'past_due', 'active', 'canceled', 'active', 'unpaid'];
  for (let i = 0; i < 60; i++) {
    const id = `r-${String(i).padStart(3, '0')}`;
    const email = i === 7 ? 'bounced.reader@example.org' : `reader${i}@example.com`;
    const created = now - Math.round(((60 - i) / 60) * 88 * DAY) - 3 * 3600_000;
    await db.insertInto('readers').values({ id, email, created_at: created, updated_at: created, unsubscribed_at: i % 13 === 5 ? now - DAY : null }).execute();
    if (i % 11 === 10) continue; // started a checkout, never paid
    const status = i === 7 ? 'active' : statuses[i % statuses.length]!;
    const yearly = i % 9 === 4;
    const usd = i % 6 === 1;
    await db.insertInto('customers').values({ id: `cus_${id}`, reader_id: id, email: null, synced_at: created, created_at: created }).execute();
    await db
      .insertInto('subscriptions')
      .values({
        id: `sub_${id}`,
        reader_id: id,
        customer_id: `cus_${id}`,
        status,
        price_id: 'price_digest_monthly',
        current_period_end: now + 20 * DAY,
        cancel_at_period_end: 0,
        ends_at: null,
        stripe_created_at: created,
        synced_at: now,
        updated_at: now,
        unit_amount: yearly ? 4900 : usd ? 599 : 499,
        currency: usd ? 'usd' : 'eur',
        quantity: 1,
        interval: yearly ? 'year' : 'month',
        interval_count: 1,
        ended_at: status === 'canceled' ? created + 30 * DAY : null,
      })
      .execute();
  }
  await suppress(db, 'bounced.reader@example.org', { reason: 'bounce', source: 'send', detail: '550 5.1.1 mailbox unavailable' }, now - 2 * DAY);
  await suppress(db, 'complainer@example.net', { reason: 'complaint', source: 'notification' }, now - 5 * DAY);
}

beforeAll(async () => {
  browser = await launchBrowser();
  smtp = await startSmtpSink();
  h = await makeHarness({
    mailer: smtpMailer({ url: smtp.url, concurrency: 2 }),
    env: { PUBLICATION_NAME: 'The Harbour Herald', PUBLICATION_ACCENT: '#0b4f6c', STRIPE_SECRET_KEY: 'sk_test_console', STRIPE_PRICE_ID: 'price_digest_monthly', FEED_URLS: 'https://feeds.example.com/city.xml' },
  });
  await seedShop(h);
  // Yesterday's edition went out; today's articles wait in the candidates.
  h.clock.advance(-DAY);
  await publishEditions(h, 3, 5);
  h.clock.advance(DAY);
  await upsertArticles(h.deps, Array.from({ length: 7 }, (_, i) => story(99, i, h.clock.now() - (i + 1) * 20 * 60_000)), 'api', h.clock.now());
  await h.deps.db.insertInto('feeds').values({ url: 'https://feeds.example.com/city.xml', etag: null, last_modified: null, last_polled_at: h.clock.now() - 600_000, last_error: null, last_item_count: 24 }).execute();
  server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise<void>((r) => server.close(() => r()));
  await h?.close();
  await smtp?.close();
});

async function signIn(page: Page) {
  await page.goto(`${base}/admin`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('button:has-text("Sign in")');
  expect(new URL(page.url()).pathname).toBe('/admin');
}

/** A page in a browser that signed in already (the sign-in form allows ten tries per ten minutes). */
let session: Awaited<ReturnType<ReturnType<Page['context']>['cookies']>>;
async function signedIn(width: number, scheme: Scheme): Promise<Page> {
  const page = await openPage(browser, width, scheme);
  if (!session) {
    await signIn(page);
    session = await page.context().cookies();
  } else {
    await page.context().addCookies(session);
    await page.goto(`${base}/admin`);
  }
  return page;
}

async function readable(page: Page, width: number) {
  const m = await legibility(page);
  expect(m.scrollWidth, 'no sideways scroll').toBeLessThanOrEqual(width);
  expect(m.smallestFont).toBeGreaterThanOrEqual(12);
  expect(m.lowestContrast.ratio, JSON.stringify(m.lowestContrast)).toBeGreaterThanOrEqual(4.5);
}

describe('the staff console in Chromium at 1280 px', () => {
  it('signs in with the token and shows the dashboard: readers, revenue per currency, a 90-day chart, the last edition', async () => {
    const page = await openPage(browser, 1280, 'light');
    try {
      await page.goto(`${base}/admin/login`);
      await page.screenshot({ path: `${SCREENS}console-login-1280-light.png`, fullPage: true });
      await page.fill('#token', 'not-the-token-at-all');
      await page.click('button:has-text("Sign in")');
      expect(await page.textContent('#token-error')).toContain('not the admin token');
      await signIn(page);
      session = await page.context().cookies();
      const stats = await page.$$eval('.stat', (els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
      expect(stats[0]).toMatch(/^Receiving the digest \d+$/);
      expect(await page.textContent('.figures')).toMatch(/€/);
      expect(await page.textContent('.figures')).toMatch(/US\$|\$/);
      expect(await page.$$eval('svg.chart path.line', (p) => p.length)).toBe(1);
      await readable(page, 1280);
      await page.screenshot({ path: `${SCREENS}console-dashboard-1280-light.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('searches a reader, opens them, and lifts their suppression', async () => {
    const page = await signedIn(1280, 'light');
    try {
      await page.click('nav >> text=Readers');
      await page.fill('#q', 'bounced');
      await page.click('button:has-text("Search")');
      expect(new URL(page.url()).search).toContain('q=bounced');
      const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('Suppressed');
      await page.screenshot({ path: `${SCREENS}console-readers-search-1280-light.png`, fullPage: true });
      await page.click('text=bounced.reader@example.org');
      expect(await page.textContent('h1')).toBe('bounced.reader@example.org');
      expect(await page.textContent('main')).toContain('550 5.1.1 mailbox unavailable');
      expect(await page.getAttribute('a:has-text("in Stripe")', 'href')).toBe('https://dashboard.stripe.com/test/customers/cus_r-007');
      await readable(page, 1280);
      await page.screenshot({ path: `${SCREENS}console-reader-suppressed-1280-light.png`, fullPage: true });
      await page.click('button:has-text("Lift the suppression")');
      expect(await page.textContent('[role=status]')).toContain('suppression is lifted');
      expect(await page.textContent('.page-head .pill')).toBe('Receiving');
      expect(await page.textContent('main')).not.toContain('Lift the suppression');
    } finally {
      await page.close();
    }
  });

  it("sends today's edition and the page follows the counts to the end without a reload", async () => {
    // Slow enough to watch: two connections, a tenth of a second per message.
    smtp.delayMs = 100;
    const page = await signedIn(1280, 'light');
    try {
      await page.click('nav >> text=Editions');
      await page.screenshot({ path: `${SCREENS}console-editions-1280-light.png`, fullPage: true });
      await page.click('button:has-text("Send today’s edition now")');
      expect(new URL(page.url()).pathname).toBe('/admin/editions/2026-11-27');
      expect(await page.textContent('[role=status].notice')).toContain('sending in the background');
      const first = Number((await page.textContent('[data-field=remaining]'))!.replace(/\D/g, ''));
      expect(first).toBeGreaterThan(0);
      const loads: string[] = [];
      page.on('framenavigated', (f) => loads.push(f.url()));
      // Part way: the script has moved the counts (the page was not loaded again).
      await page.waitForFunction(() => Number(document.querySelector('[data-field=sent]')!.textContent!.replace(/\D/g, '')) > 0, undefined, { timeout: 15_000 });
      await page.screenshot({ path: `${SCREENS}console-edition-sending-1280-light.png`, fullPage: true });
      await page.waitForFunction(() => document.querySelector('[data-field=state]')!.textContent === 'Finished', undefined, { timeout: 30_000 });
      expect(loads).toEqual([]);
      expect(await page.isVisible('button:has-text("Send the rest now")')).toBe(false);
      const counts = await page.$$eval('[data-field]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset['field'], e.textContent])));
      expect(counts['remaining']).toBe('0');
      expect(Number(counts['sent'])).toBe(smtp.messages.length);
      expect(Number(counts['sent'])).toBe((await deliveryCounts(h.deps.db, '2026-11-27')).sent);
      expect(await page.$eval('[data-bar=sent]', (e) => (e as HTMLElement).style.width)).not.toBe('0%');
      await readable(page, 1280);
      await page.screenshot({ path: `${SCREENS}console-edition-finished-1280-light.png`, fullPage: true });
    } finally {
      smtp.delayMs = 0;
      await page.close();
    }
  });

  it('articles: leaves one out of the next edition and puts it back; suppressions: adds, lists and exports', async () => {
    // Today's edition went out in the test before: these arrived since, for tomorrow's.
    await upsertArticles(h.deps, Array.from({ length: 4 }, (_, i) => story(100, i + 2, h.clock.now() - (i + 1) * 60_000)), 'api', h.clock.now());
    const page = await signedIn(1280, 'dark');
    try {
      await page.click('nav >> text=Articles');
      await page.screenshot({ path: `${SCREENS}console-articles-1280-dark.png`, fullPage: true });
      const row = page.locator('tbody tr', { hasText: 'The opera reopens' }).first();
      await row.locator('button:has-text("Leave out")').click();
      expect(await page.textContent('[role=status]')).toContain('left out of the next edition');
      expect(await page.locator('tbody tr', { hasText: 'The opera reopens' }).first().innerText()).toContain('Left out');
      await page.locator('tbody tr', { hasText: 'The opera reopens' }).first().locator('button:has-text("Put back")').click();
      expect(await page.textContent('[role=status]')).toContain('back among');
      await readable(page, 1280);

      await page.click('nav >> text=Suppressions');
      await page.fill('#address', 'Someone.Else@Example.com');
      await page.fill('#note', 'asked by phone');
      await page.click('button:has-text("Suppress")');
      expect(await page.textContent('[role=status]')).toContain('on the suppression list');
      expect(await page.textContent('tbody')).toContain('someone.else@example.com');
      await readable(page, 1280);
      await page.screenshot({ path: `${SCREENS}console-suppressions-1280-dark.png`, fullPage: true });
      const download = await Promise.all([page.waitForEvent('download'), page.click('text=Export as CSV')]).then(([d]) => d);
      const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
      expect(csv.split('\r\n')[0]).toBe('"address","reason","source","since","detail"');
      expect(csv).toContain('"someone.else@example.com","staff","staff"');
    } finally {
      await page.close();
    }
  });
});

describe('on a phone (375 px) nothing scrolls sideways', () => {
  const PAGES = ['/admin', '/admin/readers', '/admin/readers/r-001', '/admin/editions', '/admin/editions/2026-11-27', '/admin/articles', '/admin/suppressions'];
  it.each(PAGES.flatMap((path) => (['light', 'dark'] as Scheme[]).map((scheme) => [path, scheme] as const)))('%s, %s', async (path, scheme) => {
    const page = await signedIn(375, scheme);
    try {
      await page.goto(`${base}${path}`);
      await readable(page, 375);
      await page.screenshot({ path: `${SCREENS}console${path.replace(/\//g, '-').replace(/-admin/, '') || '-dashboard'}-375-${scheme}.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
