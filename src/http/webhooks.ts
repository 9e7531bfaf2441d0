import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { verifyStripeEvent } from '../billing/verify.ts';
import { handleStripeEvent } from '../billing/webhook.ts';
import { sendDueWelcomes } from '../billing/welcome.ts';
import { isSnsUrl, snsVerifier } from '../mail/sns.ts';
import { applySesNotification } from '../readers/bounces.ts';
import { limitBody } from './body-limit.ts';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export function webhookRoutes(deps: Deps) {
  const app = new Hono();
  app.post(
    '/webhooks/stripe',
    limitBody(WEBHOOK_BODY_LIMIT, 'body over 1 MB'),
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

  // SES bounce and complaint events, through SNS (event publishing to an SNS topic, HTTPS subscription).
  const verifySns = snsVerifier(deps.snsHttp);
  app.post(
    '/webhooks/ses',
    limitBody(512 * 1024, 'body over 512 KB'),
    async (c) => {
      const topics = deps.config.sesNotificationTopics;
      if (!topics.length) throw new GazetteError('not_configured', 'SES notifications are not configured: set SES_SNS_TOPIC_ARN');
      let body: unknown;
      try {
        // SNS posts JSON as text/plain.
        body = JSON.parse(await c.req.text());
      } catch {
        throw new GazetteError('invalid_input', 'body is not JSON');
      }
      const message = await verifySns(body);
      // Anyone can have AWS sign messages for their own topic: only ours count.
      if (!topics.includes(message.TopicArn)) throw new GazetteError('forbidden', 'this SNS topic is not one Gazette listens to');
      if (message.Type === 'SubscriptionConfirmation') {
        if (!isSnsUrl(message.SubscribeURL)) throw new GazetteError('invalid_input', 'SubscribeURL is not on an SNS host');
        const res = await deps.snsHttp(message.SubscribeURL!).catch(() => undefined);
        if (!res?.ok) throw new GazetteError('upstream_unavailable', 'the SNS subscription could not be confirmed; SNS will send the confirmation again');
        deps.log.info('SNS subscription confirmed', { topic: message.TopicArn });
        return c.json({ confirmed: true });
      }
      if (message.Type === 'UnsubscribeConfirmation') return c.json({ ignored: true });
      let event: unknown;
      try {
        event = JSON.parse(message.Message);
      } catch {
        event = null;
      }
      return c.json(await applySesNotification(deps, message.MessageId, event, deps.clock.now()));
    },
  );
  return app;
}
