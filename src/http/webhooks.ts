import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { verifyStripeEvent } from '../billing/verify.ts';
import { handleStripeEvent } from '../billing/webhook.ts';
import { sendDueWelcomes } from '../billing/welcome.ts';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export function webhookRoutes(deps: Deps) {
  const app = new Hono();
  app.post(
    '/webhooks/stripe',
    bodyLimit({ maxSize: WEBHOOK_BODY_LIMIT, onError: () => { throw new GazetteError('payload_too_large', 'body over 1 MB'); } }),
    async (c) => {
      const secret = deps.config.stripe?.webhookSecret;
      if (!deps.stripe || !secret) throw new GazetteError('not_configured', 'Stripe webhooks are not configured');
      const event = await verifyStripeEvent(deps.stripe, await c.req.text(), c.req.header('stripe-signature'), secret, deps.clock.now());
      const outcome = await handleStripeEvent(deps, event).catch((err: unknown) => {
        // Whatever stopped us (Stripe or the database down), a 500 makes Stripe deliver the event again.
        if (err instanceof GazetteError && err.code === 'upstream_unavailable') throw new GazetteError('retry_later', err.message);
        throw err;
      });
      // The welcome email goes out after the answer: a slow or failing mail server never delays Stripe.
      if (outcome === 'processed') deps.defer(() => sendDueWelcomes(deps));
      return c.json({ received: true, outcome });
    },
  );
  return app;
}
