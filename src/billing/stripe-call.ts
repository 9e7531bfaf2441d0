import { GazetteError } from '../errors.ts';
import { isStripeUnavailable } from './stripe-client.ts';

/** Runs a Stripe request; Stripe being down becomes upstream_unavailable, other errors pass through. */
export async function stripeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isStripeUnavailable(err)) throw new GazetteError('upstream_unavailable', 'Stripe could not be reached', {}, { cause: err });
    throw err;
  }
}
