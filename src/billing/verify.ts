import Stripe from 'stripe';
import { GazetteError } from '../errors.ts';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Checks Stripe-Signature against the raw body; forged, stale or unparseable events are refused. */
export async function verifyStripeEvent(
  stripe: Stripe,
  rawBody: string,
  signature: string | undefined,
  secret: string,
  nowMs: number,
): Promise<Stripe.Event> {
  if (!signature) throw new GazetteError('bad_signature', 'missing Stripe-Signature header');
  if (!rawBody) throw new GazetteError('invalid_input', 'empty body');
  // The SDK only refuses old timestamps; one from the future is as suspect (a replay prepared ahead).
  // Read every t= the way the SDK does (split on commas, then parseInt), so no spelling slips past.
  const timestamps = signature
    .split(',')
    .map((item) => item.split('='))
    .filter(([key]) => key?.trim() === 't')
    .map(([, value]) => parseInt(value ?? '', 10));
  if (timestamps.some((t) => !Number.isFinite(t) || t * 1000 > nowMs + SIGNATURE_TOLERANCE_SECONDS * 1000)) {
    throw new GazetteError('bad_signature', 'signature timestamp is in the future or unreadable');
  }
  let event: Stripe.Event;
  try {
    // No crypto provider given: the SDK uses its platform's own (Node's crypto here, SubtleCrypto on Workers).
    event = await stripe.webhooks.constructEventAsync(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowMs);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new GazetteError('bad_signature', 'signature verification failed');
    }
    throw new GazetteError('invalid_input', 'body is not a JSON Stripe event');
  }
  if (!event || typeof event.id !== 'string' || typeof event.type !== 'string' || !event.data || typeof event.created !== 'number') {
    throw new GazetteError('invalid_input', 'body is not a Stripe event');
  }
  return event;
}
