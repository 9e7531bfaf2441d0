import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { startCheckout } from '../billing/checkout.ts';
import { formatPrice, offerReader, preferredLocale } from '../billing/offer.ts';
import { mailAccountLink } from '../readers/account-link.ts';
import { normalizeEmail } from '../readers/email.ts';
import { clientAddress, enforceLimits, LIMITS, sameOriginPosts } from './guards.ts';
import { messagePage, offerPage, type OfferView } from './pages.ts';

export function checkoutRoutes(deps: Deps) {
  const app = new Hono();
  const publication = deps.config.publication.name;
  const readOffer = offerReader(deps);

  async function offerView(acceptLanguage: string | undefined): Promise<OfferView | null> {
    if (!readOffer) return null;
    try {
      const offer = await readOffer();
      return { planName: offer.planName, price: formatPrice(offer, preferredLocale(acceptLanguage)), interval: offer.interval };
    } catch (err) {
      deps.log.warn('could not read the Stripe price for the offer page', { error: (err as Error).message });
      return null;
    }
  }

  app.get('/', async (c) => {
    const offer = await offerView(c.req.header('accept-language'));
    const notice = readOffer ? (offer ? undefined : 'Subscriptions are briefly unavailable. Please try again in a few minutes.') : 'Subscriptions are not open yet.';
    return c.html(offerPage({ offer, publication, ...(notice ? { notice } : {}) }));
  });

  app.post(
    '/checkout',
    sameOriginPosts(deps.config.publicUrl),
    bodyLimit({ maxSize: 16 * 1024, onError: () => { throw new GazetteError('payload_too_large', 'The form is too large.'); } }),
    async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const email = typeof form['email'] === 'string' ? form['email'] : '';
      const normalized = normalizeEmail(email);
      await enforceLimits(deps, [[LIMITS.checkoutByClient, clientAddress(deps, c)], ...(normalized ? [[LIMITS.checkoutByEmail, normalized] as const] : [])]);
      const outcome = await startCheckout(deps, email);
      switch (outcome.kind) {
        case 'invalid_email': {
          const offer = await offerView(c.req.header('accept-language'));
          return c.html(offerPage({ offer, publication, email, error: 'Please enter a valid email address, like name@example.com.' }), 400);
        }
        case 'already_entitled':
          deps.defer(() => mailAccountLink(deps, outcome.email));
          return c.html(
            messagePage(
              'You are already subscribed',
              'This address already has an active subscription, so there is nothing more to pay. We have sent a link to manage the subscription to that address: open it to change your card, see invoices or stop the digest.',
              publication,
              { href: '/', label: 'Back to the front page' },
            ),
          );
        case 'redirect':
          return c.redirect(outcome.url, 303);
      }
    },
  );

  app.get('/checkout/success', (c) =>
    c.html(
      messagePage('Thank you for subscribing', 'Your payment went through. A welcome email is on its way, and your first digest arrives tomorrow morning.', publication, {
        href: '/',
        label: 'Back to the front page',
      }),
    ),
  );

  app.get('/checkout/cancel', (c) =>
    c.html(
      messagePage('No payment was taken', 'You left the checkout before paying. You can subscribe whenever you like.', publication, {
        href: '/',
        label: 'Back to the offer',
      }),
    ),
  );
  return app;
}
