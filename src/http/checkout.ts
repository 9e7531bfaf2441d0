import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { hitLimit } from '../abuse/rate-limits.ts';
import { checkoutCompleted, startCheckout } from '../billing/checkout.ts';
import { nextDigestAt } from '../editions/dates.ts';
import { mailAccountLink } from '../readers/account-link.ts';
import { normalizeEmail } from '../readers/email.ts';
import { clientAddress, enforceLimits, LIMITS, sameOriginPosts } from './guards.ts';
import { offerPage } from './offer.ts';
import { homeLink, messagePage, siteOf } from './pages.ts';
import { limitBody } from './body-limit.ts';

export function checkoutRoutes(deps: Deps) {
  const app = new Hono();
  const site = siteOf(deps.config);
  const { t } = site;
  const offer = offerPage(deps);

  app.get('/', async (c) => c.html(await offer()));

  app.post(
    '/checkout',
    sameOriginPosts(deps.config.publicUrl),
    limitBody(16 * 1024, 'The form is too large.'),
    async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const email = typeof form['email'] === 'string' ? form['email'] : '';
      const normalized = normalizeEmail(email);
      await enforceLimits(deps, [[LIMITS.checkoutByClient, clientAddress(deps, c)], ...(normalized ? [[LIMITS.checkoutByEmail, normalized] as const] : [])]);
      const outcome = await startCheckout(deps, email);
      switch (outcome.kind) {
        case 'invalid_email':
          return c.html(await offer({ email, error: t.t('site.offer.invalid_email') }), 400);
        case 'already_entitled':
          deps.defer(() => mailAccountLink(deps, outcome.email));
          return c.html(messagePage(site, { heading: t.t('site.already.title'), paragraphs: [t.t('site.already.message')], link: homeLink(site) }));
        case 'redirect':
          return c.redirect(outcome.url, 303);
      }
    },
  );

  // Stripe sends the reader here with the session's id. Each visit may ask Stripe about it, so a
  // client that reloads it in a loop soon just reads "we are confirming your payment".
  app.get('/checkout/success', async (c) => {
    const sessionId = c.req.query('session_id');
    const done = Boolean(sessionId && deps.stripe) && (await hitLimit(deps.db, LIMITS.successByClient, clientAddress(deps, c), deps.clock.now())).allowed && (await checkoutCompleted(deps, sessionId));
    if (done) {
      const first = nextDigestAt(deps.config, deps.clock.now());
      const date = first ? t.longDate(first, deps.config.digestTimezone) : '';
      return c.html(messagePage(site, { heading: t.t('site.success.title'), paragraphs: [t.t('site.success.message', { publication: site.name, date })], link: homeLink(site) }));
    }
    return c.html(messagePage(site, { heading: t.t('site.success.pending_title'), paragraphs: [t.t('site.success.pending_message')], link: homeLink(site) }));
  });

  app.get('/checkout/cancel', (c) =>
    c.html(messagePage(site, { heading: t.t('site.cancel.title'), paragraphs: [t.t('site.cancel.message')], link: { href: '/', label: t.t('site.cancel.back') } })),
  );
  return app;
}
