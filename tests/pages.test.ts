import Mustache from 'mustache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/config.ts';
import type { ErrorCode } from '../src/errors.ts';
import { contrastRatio } from '../src/http/colour.ts';
import { CATALOGUES } from '../src/i18n.ts';
import { accountUrl, readerLinks } from '../src/links.ts';
import { pageTemplates } from '../src/mail/templates.generated.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { publishEditions } from './support/editions.ts';
import { makeHarness, PRICE_ID, seedCatalog, type Harness } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';

let fake: FakeStripe;
beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() }) as const;

/** A harness on a fresh fake Stripe account, closed after `use`. */
async function withSite(env: Record<string, string>, use: (h: Harness) => Promise<void>, opts: { stripe?: boolean; product?: string } = {}) {
  fake.reset();
  seedCatalog(fake, opts.product ? { name: opts.product } : {});
  const h = await makeHarness({ ...(opts.stripe === false ? {} : { stripe: fake }), env });
  try {
    await use(h);
  } finally {
    await h.close();
  }
}

const text = async (h: Harness, path: string, init?: RequestInit) => (await h.app.request(path, init)).text();

const PUBLISHER = {
  PUBLICATION_NAME: 'The Harbour Herald',
  PUBLICATION_TAGLINE: 'The city, every morning',
  PUBLICATION_LOGO_URL: 'https://cdn.example.com/herald.png',
  PUBLICATION_SITE_URL: 'https://herald.example.com/',
  PUBLICATION_TERMS_URL: 'https://herald.example.com/terms',
  PUBLICATION_PRIVACY_URL: 'https://herald.example.com/privacy',
  PUBLICATION_CONTACT_EMAIL: 'desk@herald.example.com',
  PUBLISHER_ADDRESS: 'Harbour Herald Ltd, 1 Quay Street, Bristol',
};

describe('the offer page holds up next to a real publication’s', () => {
  it('masthead with logo, tagline and description; the benefits; the footer’s links and address; a way in for subscribers', () =>
    withSite(PUBLISHER, async (h) => {
      const html = await text(h, '/');
      expect(html).toContain('<img class="logo" src="https://cdn.example.com/herald.png" alt="">');
      expect(html).toContain('<h1>The Harbour Herald</h1>');
      expect(html).toContain('<p class="tagline">The city, every morning</p>');
      expect(html).toContain("Every morning, one email with the stories that matter from our newsroom");
      expect(html).toContain('<li>No advertising and no tracking in the email</li>');
      expect(html).not.toContain('Full digital access');
      for (const link of ['https://herald.example.com/', 'https://herald.example.com/terms', 'https://herald.example.com/privacy', 'mailto:desk@herald.example.com', '/archive', '/account']) {
        expect(html).toContain(`<li><a href="${link}">`);
      }
      expect(html).toContain('<address>Harbour Herald Ltd, 1 Quay Street, Bristol</address>');
      expect(html).toMatch(/Already a subscriber\?\s*<a href="\/account">Manage your subscription<\/a>/);
    }));

  it('for the browser and for link previews: lang, description, Open Graph and Twitter tags with the logo, favicon, color-scheme and a dark palette, canonical URL', () =>
    withSite(PUBLISHER, async (h) => {
      const html = await text(h, '/');
      expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
      expect(html).toContain('<title>The Harbour Herald</title>');
      const description = 'Every morning, one email with the stories that matter from our newsroom';
      for (const tag of [
        `<meta name="description" content="${description}`,
        '<meta property="og:title" content="The Harbour Herald">',
        `<meta property="og:description" content="${description}`,
        '<meta property="og:image" content="https://cdn.example.com/herald.png">',
        '<meta property="og:url" content="https://news.example.com/">',
        '<meta property="og:site_name" content="The Harbour Herald">',
        '<meta name="twitter:card" content="summary">',
        '<meta name="twitter:image" content="https://cdn.example.com/herald.png">',
        '<link rel="canonical" href="https://news.example.com/">',
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">',
        '<meta name="color-scheme" content="light dark">',
        '@media (prefers-color-scheme:dark)',
      ]) {
        expect(html).toContain(tag);
      }
      expect(html).not.toContain('noindex');
      // Other pages name themselves before the publication.
      expect(await text(h, '/archive')).toContain('<title>Past editions · The Harbour Herald</title>');
    }));

  it('pages behind signed links, and error pages, are never indexed and name no canonical URL (it would hold the token)', () =>
    withSite({}, async (h) => {
      const [id] = await seedReaders(h.deps.db, 1);
      const account = new URL(accountUrl(h.deps.config, id!, h.clock.now())).pathname;
      const unsubscribe = new URL((readerLinks(h.deps.config, id!, h.clock.now())).unsubscribe_url).pathname;
      for (const path of [account, unsubscribe, '/no-such-page', '/checkout/cancel', '/account/bad-token']) {
        const html = await text(h, path);
        expect(html, path).toContain('<meta name="robots" content="noindex">');
        expect(html, path).not.toContain('rel="canonical"');
        expect(html, path).not.toContain('og:url');
      }
    }));

  it('the publisher’s settings are data: markup in the name, tagline, logo URL or address is escaped everywhere', () =>
    withSite(
      {
        PUBLICATION_NAME: '<script>alert(1)</script> & "Co"',
        PUBLICATION_TAGLINE: '"><img src=x onerror=alert(2)>',
        PUBLICATION_LOGO_URL: 'https://cdn.example.com/a.png?"><script>alert(3)</script>',
        PUBLISHER_ADDRESS: '</address><script>alert(4)</script>',
      },
      async (h) => {
        for (const path of ['/', '/archive', '/no-such-page']) {
          const html = await text(h, path);
          expect(html, path).not.toMatch(/<script>alert|<img src=x/);
          expect(html, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
        }
        const svg = await text(h, '/favicon.svg');
        expect(svg).toContain('>S</text>');
      },
    ));

  it('a logo on plain http is let in by the CSP, and only its origin; scripts stay out and frames too', () =>
    withSite({ PUBLICATION_LOGO_URL: 'http://media.example.org:8080/logo.png' }, async (h) => {
      const csp = (await h.app.request('/')).headers.get('content-security-policy')!;
      expect(csp).toMatch(/img-src 'self' https: data: http:\/\/media\.example\.org:8080(;|$)/);
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/form-action 'self' https:\/\/checkout\.stripe\.com https:\/\/billing\.stripe\.com/);
    }));
});

describe('/favicon.svg', () => {
  it.each([
    ['#a4321e', '#ffffff'],
    ['#f2c14e', '#000000'],
    // Either side of the point where black and white contrast alike.
    ['#757575', '#ffffff'],
    ['#777777', '#000000'],
    ['#0b4f6c', '#ffffff'],
  ])('the initial on %s is %s, at 4.5:1 or more', (accent, ink) =>
    withSite({ PUBLICATION_NAME: 'harbour herald', PUBLICATION_ACCENT: accent }, async (h) => {
      const res = await h.app.request('/favicon.svg');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const svg = await res.text();
      expect(svg).toContain(`fill="${accent}"`);
      expect(svg).toContain(`fill="${ink}">H</text>`);
      expect(contrastRatio(accent, ink)).toBeGreaterThanOrEqual(4.5);
      // The buttons use the same pair.
      expect(await text(h, '/')).toContain(`--accent:${accent};--on-accent:${ink};`);
    }));
});

/** What a reader reads on a page: its text, its title, and the attributes a screen reader or a preview speaks. */
function readable(html: string): string {
  const attributes = [...html.matchAll(/\s(?:alt|aria-label|title|placeholder|content)="([^"]*)"/g)].map((m) => m[1]);
  const body = html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return `${body} ${attributes.join(' ')}`.replace(/\s+/g, ' ');
}

/** English the German pages must not carry: every English text of the site (a few words or more), and common words. */
const englishTexts = Object.entries(CATALOGUES.en)
  .filter(([key, text]) => key.startsWith('site.') && text !== CATALOGUES.de[key] && text.split(' ').length >= 2)
  .map(([, text]) => text.split('{')[0]!.trim())
  .filter((text) => text.split(' ').length >= 2);
// Letters on both sides count as the same word (\b would split "Frühere" at the ü and find "here").
const ENGLISH_WORDS = /(?<!\p{L})(the|and|your|you|with|this|of|for|is|are|page|subscribe|subscription|month|back|please|here|email)(?!\p{L})/iu;

describe('a German publication', () => {
  it('every page, form answer and error is in German, lang="de-DE", prices and dates formatted in German', () =>
    withSite(
      { PUBLICATION_NAME: 'Der Hafenkurier', PUBLICATION_TAGLINE: 'Die Stadt, jeden Morgen', PUBLICATION_LOCALE: 'de-DE', PUBLISHER_ADDRESS: 'Hafenkurier GmbH, Hafenstraße 1, 20457 Hamburg', PUBLICATION_TERMS_URL: 'https://hafenkurier.example/agb', PUBLICATION_PRIVACY_URL: 'https://hafenkurier.example/datenschutz', PUBLICATION_CONTACT_EMAIL: 'redaktion@hafenkurier.example', STRIPE_TRIAL_DAYS: '30', STRIPE_ALLOW_PROMOTION_CODES: '1', STRIPE_AUTOMATIC_TAX: '1' },
      async (h) => {
        const dates = await publishEditions(h, 2, 4, (day, i) => ({ title: `Der Rat beschließt neue Fähren für den Hafen (${day}.${i})`, summary: 'Was geschah, wer was sagte und wie es weitergeht.', section: 'Stadt', author: 'Maria Keller' }));
        const [id] = await seedReaders(h.deps.db, 1);
        await h.deps.db.updateTable('subscriptions').set({ current_period_end: Date.parse('2026-12-27T06:00:00Z'), price_id: PRICE_ID }).execute();
        const account = new URL(accountUrl(h.deps.config, id!, h.clock.now())).pathname;
        const unsubscribe = new URL((readerLinks(h.deps.config, id!, h.clock.now())).unsubscribe_url).pathname;
        const session = /cs_test_\w+/.exec((await h.app.request('/checkout', form({ email: 'neu@example.com' }))).headers.get('location')!)![0];
        fake.completeCheckout(session);

        const pages: [string, Promise<Response>, number][] = [
          ['offer', Promise.resolve(h.app.request('/')), 200],
          ['archive', Promise.resolve(h.app.request('/archive')), 200],
          ['edition', Promise.resolve(h.app.request(`/archive/${dates[1]}`)), 200],
          ['account form', Promise.resolve(h.app.request('/account')), 200],
          ['reader page', Promise.resolve(h.app.request(`${account}?done=stopped`)), 200],
          ['unsubscribe', Promise.resolve(h.app.request(unsubscribe)), 200],
          ['success', Promise.resolve(h.app.request(`/checkout/success?session_id=${session}`)), 200],
          ['success, pending', Promise.resolve(h.app.request('/checkout/success?session_id=cs_test_unknown')), 200],
          ['cancel', Promise.resolve(h.app.request('/checkout/cancel')), 200],
          ['not found', Promise.resolve(h.app.request('/nirgends')), 404],
          ['bad link', Promise.resolve(h.app.request('/account/kaputt')), 400],
          ['invalid email', Promise.resolve(h.app.request('/checkout', form({ email: 'a@b' }))), 400],
          ['already subscribed', Promise.resolve(h.app.request('/checkout', form({ email: 'reader0@example.com' }))), 200],
          ['account asked', Promise.resolve(h.app.request('/account', form({ email: 'reader0@example.com' }))), 200],
          ['cross-site form', Promise.resolve(h.app.request('/account', form({ email: 'x@example.com' }, { 'sec-fetch-site': 'cross-site' }))), 403],
        ];
        const seen: Record<string, string> = {};
        for (const [name, response, status] of pages) {
          const res = await response;
          expect(res.status, name).toBe(status);
          const html = await res.text();
          seen[name] = html;
          expect(html, name).toContain('<html lang="de-DE">');
          const words = readable(html);
          expect(englishTexts.filter((english) => words.includes(english)), name).toEqual([]);
          expect(words.match(ENGLISH_WORDS), `${name}: ${words}`).toBeNull();
        }
        expect(seen['offer']).toMatch(/4,99\s€/);
        expect(seen['offer']).toContain('im Monat');
        expect(seen['offer']).toContain('30 Tage kostenlos, danach');
        expect(seen['offer']).toContain('<meta property="og:locale" content="de_DE">');
        expect(seen['edition']).toContain('Der Überblick vom Freitag, 27. November 2026');
        expect(seen['reader page']).toContain('Verlängert sich am 27. Dezember 2026');
        expect(seen['success']).toContain('Ihr erster Überblick kommt am Freitag, 27. November 2026');

        // Over a limit, and a link that has expired: in German too.
        for (let i = 0; i < 10; i++) await h.app.request('/account', form({ email: `leser${i}@example.com` }));
        const limited = await h.app.request('/account', form({ email: 'leser@example.com' }));
        expect(limited.status).toBe(429);
        expect(await limited.text()).toContain('Zu viele Versuche. Bitte versuchen Sie es in 10 Minuten noch einmal.');
        h.clock.advance(25 * 3600_000);
        const expired = await text(h, account);
        expect(expired).toContain('Links zu Ihrem Abonnement gelten 24 Stunden');
        expect(expired).toContain('<a class="button" href="/account">Neuen Link per E-Mail schicken</a>');
        expect(readable(expired).match(ENGLISH_WORDS)).toBeNull();
      },
      { product: 'Digitaler Überblick' },
    ));

  it('without Stripe: the offer says subscriptions are not open yet, and checkout answers 503, in German', () =>
    withSite(
      { PUBLICATION_NAME: 'Der Hafenkurier', PUBLICATION_LOCALE: 'de', PUBLISHER_ADDRESS: 'Hafenstraße 1, Hamburg' },
      async (h) => {
        expect(await text(h, '/')).toContain('Abonnements sind noch nicht geöffnet.');
        const res = await h.app.request('/checkout', form({ email: 'frueh@example.com' }));
        expect(res.status).toBe(503);
        const html = await res.text();
        expect(html).toContain('<h1>Noch nicht verfügbar</h1>');
        expect(readable(html).match(ENGLISH_WORDS)).toBeNull();
      },
      { stripe: false },
    ));
});

describe('the catalogues cover the pages', () => {
  /** Every {{t.…}} a page template reads. */
  const references = Object.entries(pageTemplates).flatMap(([file, source]) => {
    const names: string[] = [];
    const walk = (tokens: unknown[]) => {
      for (const token of tokens as [string, string, number, number, unknown[]?][]) {
        if (['name', '&', '#', '^'].includes(token[0]) && token[1].startsWith('t.')) names.push(token[1].slice(2));
        if (token[4]) walk(token[4]);
      }
    };
    walk(Mustache.parse(source));
    return names.map((key) => [file, key] as const);
  });

  it('every text a page template reads exists in every language, as a text without {placeholders}', () => {
    expect(references.length).toBeGreaterThan(30);
    for (const language of LANGUAGES) {
      for (const [file, key] of references) {
        const found = CATALOGUES[language][key];
        expect(found, `${language}: ${key} in templates/pages/${file}.html`).toBeTypeOf('string');
        expect(found, `${language}: ${key}`).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('every error code has a title and a message in every language, and so has every reason the code gives', () => {
    const codes: ErrorCode[] = ['invalid_input', 'unauthorized', 'forbidden', 'rate_limited', 'not_found', 'payload_too_large', 'bad_signature', 'invalid_token', 'expired_token', 'not_configured', 'upstream_unavailable', 'retry_later'];
    const reasons = ['not_found.no_billing_account', 'invalid_token.reader_gone', 'expired_token.account_link', 'not_configured.checkout', 'not_configured.billing'];
    for (const language of LANGUAGES) {
      const catalogue = CATALOGUES[language];
      for (const code of [...codes, 'internal']) {
        expect(catalogue[`site.error.${code}.title`], `${language} ${code}`).toBeTruthy();
        expect(catalogue[`site.error.${code}.message`] ?? catalogue[`site.error.${code}.message_other`], `${language} ${code}`).toBeTruthy();
      }
      for (const reason of reasons) expect(catalogue[`site.error.${reason}`], `${language} ${reason}`).toBeTruthy();
    }
  });
});
