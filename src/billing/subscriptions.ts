import type { Deps } from '../deps.ts';
import { resumeIfStartedSince } from '../readers/unsubscribe.ts';
import { isEntitled } from './entitlement.ts';
import { readerForCustomer } from './customers.ts';
import { EventRejected } from './rejected.ts';
import { isStripeMissing } from './stripe-client.ts';
import { stripeCall } from './stripe-call.ts';
import { subscriptionState, type SubscriptionState } from './stripe-objects.ts';
import { queueWelcome } from './welcome.ts';

export interface SyncOptions {
  /** The event's own copy of the subscription, used only when Stripe no longer has it. */
  payload?: unknown;
  /** When the event was created (epoch ms): how fresh the payload is. */
  eventCreatedAt?: number;
  readerId?: string | null;
  /** When the checkout that started this subscription began, if that is what we are handling. */
  startedAt?: number | null;
}

/**
 * Brings one subscription in line with Stripe by re-fetching it, so events that arrive late, twice or
 * out of order all converge on Stripe's latest state. The write only lands if what we read is at
 * least as fresh as what is stored.
 */
export async function syncSubscription(deps: Deps, subscriptionId: string, opts: SyncOptions = {}): Promise<SubscriptionState> {
  let freshAt = deps.clock.now();
  let raw: unknown;
  try {
    raw = await stripeCall(() => deps.stripe!.subscriptions.retrieve(subscriptionId));
  } catch (err) {
    if (!isStripeMissing(err)) throw err;
    // Stripe no longer knows it (purged test data): the event's own copy is the last word we'll get,
    // as fresh as the event, so a late copy never overwrites a state read after it.
    if (opts.payload === undefined || opts.eventCreatedAt === undefined) throw new EventRejected(`subscription ${subscriptionId} is unknown to Stripe`);
    raw = opts.payload;
    freshAt = opts.eventCreatedAt;
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
    ended_at: state.ended_at,
    ...state.pricing,
    synced_at: freshAt,
    updated_at: deps.clock.now(),
  };
  await deps.db
    .insertInto('subscriptions')
    .values({ id: state.id, ...row })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet(row)
        .where('subscriptions.synced_at', '<=', freshAt),
    )
    .execute();
  const now = deps.clock.now();
  if (isEntitled(state, now)) {
    await queueWelcome(deps.db, readerId, now);
    const startedAt = Math.max(state.stripe_created_at, opts.startedAt ?? 0);
    if (await resumeIfStartedSince(deps.db, readerId, startedAt, now)) {
      deps.log.info('digest resumed: the reader subscribed again after unsubscribing', { reader_id: readerId, subscription_id: state.id });
    }
  }
  return state;
}
