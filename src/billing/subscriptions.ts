import type { Deps } from '../deps.ts';
import { isEntitled } from './entitlement.ts';
import { readerForCustomer } from './customers.ts';
import { isStripeMissing } from './stripe-client.ts';
import { stripeCall } from './stripe-call.ts';
import { subscriptionState, type SubscriptionState } from './stripe-objects.ts';
import { queueWelcome } from './welcome.ts';

/**
 * Brings one subscription in line with Stripe by re-fetching it, so events that arrive late, twice or
 * out of order all converge on Stripe's latest state. The write only lands if what we read is at
 * least as fresh as what is stored.
 */
export async function syncSubscription(
  deps: Deps,
  subscriptionId: string,
  opts: { payload?: unknown; readerId?: string | null } = {},
): Promise<SubscriptionState | null> {
  const fetchedAt = deps.clock.now();
  let raw: unknown;
  try {
    raw = await stripeCall(() => deps.stripe!.subscriptions.retrieve(subscriptionId));
  } catch (err) {
    if (!isStripeMissing(err)) throw err;
    // Stripe no longer knows it (purged test data): the event's own copy is the last word we'll get.
    if (opts.payload === undefined) return null;
    raw = opts.payload;
  }
  const state = subscriptionState(raw);
  const readerId = await readerForCustomer(deps, state.customer_id, { readerId: opts.readerId ?? null });
  const row = {
    reader_id: readerId,
    customer_id: state.customer_id,
    status: state.status,
    price_id: state.price_id,
    current_period_end: state.current_period_end,
    cancel_at_period_end: state.cancel_at_period_end ? 1 : 0,
    ends_at: state.ends_at,
    stripe_created_at: state.stripe_created_at,
    synced_at: fetchedAt,
    updated_at: deps.clock.now(),
  };
  await deps.db
    .insertInto('subscriptions')
    .values({ id: state.id, ...row })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet(row)
        .where('subscriptions.synced_at', '<=', fetchedAt),
    )
    .execute();
  if (isEntitled(state, deps.clock.now())) await queueWelcome(deps.db, readerId, deps.clock.now());
  return state;
}
