import type { Config } from '../config.ts';

/** A customer's page in Stripe's dashboard (staff sign in to Stripe there); test-mode keys open the test data. */
export function stripeCustomerUrl(config: Pick<Config, 'stripe'>, customerId: string): string {
  const test = /^(sk|rk)_test_/.test(config.stripe?.secretKey ?? '');
  return `https://dashboard.stripe.com/${test ? 'test/' : ''}customers/${encodeURIComponent(customerId)}`;
}
