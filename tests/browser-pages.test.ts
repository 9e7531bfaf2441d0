import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountUrl } from '../src/links.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { publishEditions } from './support/editions.ts';
import { makeHarness, seedCatalog, type Harness } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';
import { boxes, launchBrowser, legibility, openPage, SCREENS, type Scheme } from './support/visual.ts';

// The publication's web pages as a reader sees them in Chromium, served over real HTTP (forms post,
// redirects are followed, the CSP applies), on a phone and a desktop, light and dark.

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64"><rect width="64" height="64" rx="10" fill="#0b4f6c"/><text x="32" y="46" text-anchor="middle" font-family="Georgia,serif" font-size="40" font-weight="700" fill="#fff">H</text><text x="78" y="42" font-family="Georgia,serif" font-size="26" fill="#0b4f6c">Herald</text></svg>`;

interface Site {
  h: Harness;
  base: string;
  server: ReturnType<typeof serve>;
}

let browser: Browser;
let fake: FakeStripe;
let logoServer: Server;
let en: Site;
let de: Site;
let dates: string[];
let readerPath: string;

async function site(env: Record<string, string>): Promise<Site> {
  const h = await makeHarness({ stripe: fake, env });
  const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return { h, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  browser = await launchBrowser();
  fake = await startFakeStripe();
  seedCatalog(fake, { name: 'The daily digest' });
  fake.checkoutPageBase = fake.url;
  // The publisher's logo on a host of its own, over plain http: the CSP must let exactly it in.
  logoServer = createServer((_, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO));
  await new Promise<void>((r) => logoServer.listen(0, '127.0.0.1', r));
  en = await site({
    PUBLICATION_NAME: 'The Harbour Herald',
    PUBLICATION_TAGLINE: 'The city, every morning, in five minutes',
    PUBLICATION_LOGO_URL: `http://127.0.0.1:${(logoServer.address() as AddressInfo).port}/logo.svg`,
    PUBLICATION_ACCENT: '#0b4f6c',
    PUBLICATION_SITE_URL: 'https://news.example.com/',
    PUBLICATION_TERMS_URL: 'https://news.example.com/terms',
    PUBLICATION_PRIVACY_URL: 'https://news.example.com/privacy',
    PUBLICATION_CONTACT_EMAIL: 'desk@news.example.com',
    PUBLICATION_LOCALE: 'en-GB',
    PUBLISHER_ADDRESS: 'Harbour Herald Ltd, 1 Quay Street, Bristol BS1 4DJ',
    STRIPE_TRIAL_DAYS: '14',
    STRIPE_ALLOW_PROMOTION_CODES: '1',
    STRIPE_AUTOMATIC_TAX: '1',
  });
  // German, no logo (the monogram stands in), a light accent (so black text on the buttons).
  de = await site({ PUBLICATION_NAME: 'Der Hafenkurier', PUBLICATION_LOCALE: 'de-DE', PUBLICATION_ACCENT: '#f2c14e', PUBLISHER_ADDRESS: 'Hafenkurier GmbH, Hafenstraße 1, 20457 Hamburg' });
  // Twenty mornings: more than one archive page.
  dates = await publishEditions(en.h, 20, 6);
  await publishEditions(de.h, 3, 6, (day, i) => ({ title: `Neue Fähren für den Hafen: Der Rat stimmt am Abend zu (${day}.${i})`, summary: 'Was geschah, wer was sagte und wie es weitergeht.', section: 'Stadt', author: 'Maria Keller' }));
  const [readerId] = await seedReaders(en.h.deps.db, 1);
  await en.h.deps.db.updateTable('subscriptions').set({ current_period_end: Date.parse('2026-12-27T06:00:00Z'), price_id: 'price_digest_monthly' }).execute();
  readerPath = new URL(accountUrl(en.h.deps.config, readerId!, en.h.clock.now())).pathname;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const s of [en, de]) {
    if (!s) continue;
    await new Promise<void>((r) => s.server.close(() => r()));
    await s.h.close();
  }
  await new Promise<void>((r) => logoServer?.close(() => r()));
  await fake?.close();
});

const PAGES: [name: string, site: () => Site, path: () => string, headlines: string | null][] = [
  ['offer', () => en, () => '/', '.headlines a'],
  ['account', () => en, () => '/account', null],
  ['reader', () => en, () => readerPath, null],
  ['archive', () => en, () => '/archive', '.headlines a'],
  ['edition', () => en, () => `/archive/${dates[dates.length - 1]}`, '.story h2 a'],
  ['notfound', () => en, () => '/no-such-page', null],
  ['de-offer', () => de, () => '/', '.headlines a'],
  ['de-archive', () => de, () => '/archive', '.headlines a'],
];
const WIDTHS = [375, 1280];
const SCHEMES: Scheme[] = ['light', 'dark'];

describe('every page reads well: no sideways scroll, nothing under 12 px, body text at 4.5:1 or more, every headline visible', () => {
  it.each(PAGES.flatMap(([name, s, path, headlines]) => WIDTHS.flatMap((width) => SCHEMES.map((scheme) => [name, width, scheme, s, path, headlines] as const))))(
    '%s at %d px, %s',
    async (name, width, scheme, s, path, headlines) => {
      const page = await openPage(browser, width, scheme);
      try {
        const res = await page.goto(`${s().base}${path()}`);
        expect(res!.status()).toBe(name === 'notfound' ? 404 : 200);
        await page.screenshot({ path: `${SCREENS}pages-${name}-${width}-${scheme}.png`, fullPage: true });
        // What shows before any scrolling: where a reader decides.
        await page.screenshot({ path: `${SCREENS}pages-${name}-${width}-${scheme}-first-screen.png` });
        const m = await legibility(page);
        expect(m.scrollWidth).toBeLessThanOrEqual(width);
        expect(m.smallestFont).toBeGreaterThanOrEqual(12);
        expect(m.lowestContrast.ratio, JSON.stringify(m.lowestContrast)).toBeGreaterThanOrEqual(4.5);
        // The palette follows the reader's setting.
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r] = /\d+/.exec(background)!.map(Number);
        expect(scheme === 'dark' ? r! < 60 : r! > 200, background).toBe(true);
        if (headlines) {
          const found = await boxes(page, headlines);
          expect(found.length).toBeGreaterThan(0);
          expect(found.filter((b) => !(b.visible && b.fontSize >= 12 && b.text !== ''))).toEqual([]);
        }
      } finally {
        await page.close();
      }
    },
  );

  it('the offer page is two columns from 900 px (the form beside the copy) and one below', async () => {
    for (const [width, columns] of [[1280, 2], [899, 1], [375, 1]] as const) {
      const page = await openPage(browser, width, 'light');
      try {
        await page.goto(`${en.base}/`);
        const [hero] = await boxes(page, '.hero');
        const [form] = await boxes(page, '.subscribe');
        expect(form!.left > hero!.left + hero!.width ? 2 : 1, `${width} px`).toBe(columns);
        // On a phone the form comes right after the masthead, before the benefits and the sample.
        if (columns === 1) expect(form!.top).toBeLessThan((await boxes(page, '.benefits'))[0]!.top);
      } finally {
        await page.close();
      }
    }
  });

  it('the logo loads under the CSP; the favicon is the initial on the accent colour', async () => {
    const page = await openPage(browser, 1280, 'light');
    try {
      await page.goto(`${en.base}/`);
      expect(await page.$eval('img.logo', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      expect(await page.getAttribute('link[rel=icon]', 'href')).toBe('/favicon.svg');
      await page.goto(`${en.base}/favicon.svg`);
      expect(await page.textContent('text')).toBe('T');
      expect(await page.getAttribute('rect', 'fill')).toBe('#0b4f6c');
    } finally {
      await page.close();
    }
  });
});

describe('the forms, clicked through', () => {
  it('subscribe: the email goes to Stripe Checkout, and back on the success page the welcome waits for Stripe to say complete', async () => {
    const page = await openPage(browser, 375, 'light');
    try {
      await page.goto(`${en.base}/`);
      // Passes the browser's own check, not ours: the form comes back with the message, and what was typed.
      await page.fill('#email', 'x@y');
      await page.click('button[type=submit]');
      expect(await page.textContent('#email-error')).toContain('Please enter a valid email address');
      expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
      expect(await page.inputValue('#email')).toBe('x@y');

      await page.fill('#email', 'new.reader@example.com');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/c\/pay\/cs_test_/);
      expect(await page.textContent('h1')).toContain('Pay with Stripe');
      const session = [...fake.checkoutSessions.values()].find((s) => s['customer_email'] === 'new.reader@example.com')!;
      expect(session).toBeDefined();
      const call = fake.requests.find((r) => r.path === '/v1/checkout/sessions' && r.params['customer_email'] === 'new.reader@example.com')!;
      expect(call.params).toMatchObject({ 'subscription_data[trial_period_days]': '14', allow_promotion_codes: 'true', 'automatic_tax[enabled]': 'true' });

      const back = `${en.base}/checkout/success?session_id=${session.id}`;
      await page.goto(back);
      expect(await page.textContent('h1')).toBe('We are confirming your payment');
      fake.completeCheckout(session.id, 'no_payment_required');
      await page.goto(back);
      expect(await page.textContent('h1')).toBe('Thank you for subscribing');
      expect(await page.textContent('main')).toContain('Your first digest arrives on Friday, 27 November 2026');
      await page.screenshot({ path: `${SCREENS}pages-success-375-light.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('a subscriber’s address on the offer form: told a link was mailed, and the page holds none', async () => {
    const page = await openPage(browser, 375, 'dark');
    try {
      await page.goto(`${en.base}/`);
      await page.fill('#email', 'reader0@example.com');
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('You are already subscribed');
      expect(await page.content()).not.toMatch(/\/(billing|account)\/[\w.-]{20,}/);
      await page.screenshot({ path: `${SCREENS}pages-already-375-dark.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('account: ask for a link, then stop and resume the digest on the reader’s page', async () => {
    const page = await openPage(browser, 1280, 'dark');
    try {
      await page.goto(`${en.base}/`);
      await page.click('text=Manage your subscription');
      expect(new URL(page.url()).pathname).toBe('/account');
      await page.fill('#email', 'reader0@example.com');
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe('Check your email');

      await page.goto(`${en.base}${readerPath}`);
      expect(await page.textContent('main')).toContain('Renews on 27 December 2026');
      await page.click('text=Stop the daily digest');
      expect(await page.textContent('[role=status]')).toContain('the daily digest is stopped');
      await page.screenshot({ path: `${SCREENS}pages-reader-stopped-1280-dark.png`, fullPage: true });
      await page.click('text=Resume the daily digest');
      expect(await page.textContent('[role=status]')).toContain('the daily digest is back on');
    } finally {
      await page.close();
    }
  });

  it('archive: the offer’s sample leads to the archive, which pages back in time, and each edition opens', async () => {
    const page = await openPage(browser, 375, 'light');
    try {
      await page.goto(`${en.base}/`);
      await page.click('text=See all past editions');
      expect(new URL(page.url()).pathname).toBe('/archive');
      const firstPage = await page.$$eval('.editions > li h2', (hs) => hs.map((h) => h.textContent));
      expect(firstPage).toHaveLength(14);
      await page.click('text=Older editions');
      expect(new URL(page.url()).search).toBe(`?before=${dates[6]}`);
      expect(await page.$$eval('.editions > li', (li) => li.length)).toBe(6);
      await page.click(`a[href="/archive/${dates[0]}"] >> nth=0`);
      expect(await page.textContent('h1')).toContain('The digest of');
      expect(await page.$$eval('.story', (s) => s.length)).toBe(6);
    } finally {
      await page.close();
    }
  });
});
