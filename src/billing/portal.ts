import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { verifyToken } from '../tokens.ts';
import { latestCustomerId } from './customers.ts';
import { stripeCall } from './stripe-call.ts';

/** GET /billing/:token → the URL of a Stripe billing-portal session for the reader the token names. */
export async function openBillingPortal(deps: Deps, token: string): Promise<string> {
  const readerId = await verifyToken(deps.config.appSecret, 'billing', token, deps.clock.now());
  if (!deps.stripe) throw new GazetteError('not_configured', 'Billing is not available right now.');
  const customer = await latestCustomerId(deps, readerId);
  if (!customer) throw new GazetteError('not_found', 'There is no billing account for this subscription yet.');
  const session = await stripeCall(() =>
    deps.stripe!.billingPortal.sessions.create({ customer, return_url: `${deps.config.publicUrl}/` }),
  );
  return session.url;
}
