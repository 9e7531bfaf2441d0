import Stripe from 'stripe';
import type { StripeConfig } from '../config.ts';

export type StripeClient = Stripe;

/** The real Stripe SDK, pointed at STRIPE_API_BASE when set (a local Stripe-compatible server). */
export function createStripeClient(config: StripeConfig, opts: { maxNetworkRetries?: number; timeoutMs?: number } = {}): Stripe {
  const base = config.apiBase ? new URL(config.apiBase) : undefined;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    timeout: opts.timeoutMs ?? 10_000,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** True for failures worth retrying later: network trouble, Stripe's 5xx, rate limits. */
export function isStripeUnavailable(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  return (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    (err.statusCode ?? 0) >= 500
  );
}

export function isStripeMissing(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeError && (err.code === 'resource_missing' || err.statusCode === 404);
}
