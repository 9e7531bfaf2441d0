import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { simpleParser } from 'mailparser';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { story } from './support/editions.ts';
import { startFakeStripe } from './support/fake-stripe.ts';
import { makeHarness, seedCatalog } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';
import { declaredImages, holdImages, launchBrowser, openPage, type Scheme } from './support/visual.ts';

// npm run screenshots: what readers will see, in docs/screenshots/ — the offer page and a digest, at a
// phone's and a desktop's width, light and dark — from a demo publication on this machine.
const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });

const stripe = await startFakeStripe();
seedCatalog(stripe, { name: 'The daily digest', amount: 499, currency: 'eur' });
const h = await makeHarness({
  stripe,
  env: {
    MAIL_FROM: 'The Harbour Herald <digest@news.example.com>',
    PUBLICATION_TAGLINE: 'The city, every morning, in five minutes',
    PUBLICATION_SITE_URL: 'https://news.example.com',
    PUBLICATION_TERMS_URL: 'https://news.example.com/terms',
    PUBLICATION_PRIVACY_URL: 'https://news.example.com/privacy',
    PUBLICATION_CONTACT_EMAIL: 'readers@news.example.com',
    PUBLICATION_ACCENT: '#0e4d6b',
    PUBLISHER_ADDRESS: 'Harbour Herald Ltd, 1 Quay Street, Bristol BS1 4DJ',
    STRIPE_TRIAL_DAYS: '14',
    PUBLICATION_LOCALE: 'en-GB',
  },
});
try {
  const now = h.clock.now();
  await upsertArticles(
    h.deps,
    Array.from({ length: 7 }, (_, i) => ({ ...story(0, i, now - (i + 1) * 600_000), image_url: i < 5 ? `https://cdn.example.com/images/story-${i}.jpg` : null })),
    'api',
    now,
  );
  await seedReaders(h.deps.db, 1);
  await runDigest(h.deps, { retryDelaysMs: [] });
  const [copy] = (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
  const digest = (await simpleParser(Buffer.from(copy!.raw))).html as string;

  const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  try {
    for (const width of [375, 1280]) {
      for (const scheme of ['light', 'dark'] as Scheme[]) {
        const offer = await openPage(browser, width, scheme);
        await offer.goto(`${base}/`);
        await offer.screenshot({ path: `${OUT}offer-${width}-${scheme}.png`, fullPage: true });
        await offer.close();
        const mail = await openPage(browser, width, scheme);
        (await holdImages(mail, declaredImages(digest))).release();
        await mail.setContent(digest, { waitUntil: 'load' });
        await mail.screenshot({ path: `${OUT}digest-${width}-${scheme}.png`, fullPage: true });
        await mail.close();
        process.stdout.write(`docs/screenshots/{offer,digest}-${width}-${scheme}.png\n`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  await h.close();
  await stripe.close();
}
