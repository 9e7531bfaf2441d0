import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { latestCustomerId } from './customers.ts';
import { stripeCall } from './stripe-call.ts';

/** The URL of a Stripe billing-portal session for a reader whose signed link was checked by the caller. */
export async function openBillingPortal(deps: Deps, readerId: string, returnUrl = `${deps.config.publicUrl}/`): Promise<string> {
  if (!deps.stripe) throw new GazetteError('not_configured', 'Billing is not available right now.', {}, { reason: 'billing' });
  const customer = await latestCustomerId(deps, readerId);
  if (!customer) throw new GazetteError('not_found', 'There is no billing account for this subscription yet.', {}, { reason: 'no_billing_account' });
  const session = await stripeCall(() => deps.stripe!.billingPortal.sessions.create({ customer, return_url: returnUrl }));
  return session.url;
}
