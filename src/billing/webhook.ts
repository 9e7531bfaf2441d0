import type Stripe from 'stripe';
import { ZodError } from 'zod';
import type { Deps } from '../deps.ts';
import { syncCustomer, readerForCustomer } from './customers.ts';
import { EventRejected } from './rejected.ts';
import { checkoutSessionState, invoiceSubscriptionId, objectWithId } from './stripe-objects.ts';
import { syncSubscription } from './subscriptions.ts';

export type EventOutcome = 'processed' | 'duplicate' | 'ignored' | 'rejected';

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'customer.updated',
] as const;

async function apply(deps: Deps, event: Stripe.Event): Promise<'processed' | 'ignored'> {
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(event.type)) return 'ignored';
  const object: unknown = event.data.object;
  if (!object || typeof object !== 'object' || Array.isArray(object)) throw new EventRejected('the event carries no object');
  const eventCreatedAt = event.created * 1000;
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = checkoutSessionState(object);
      if (session.mode !== 'subscription' || !session.customer_id) return 'ignored';
      await readerForCustomer(deps, session.customer_id, { readerId: session.reader_id });
      if (session.subscription_id) await syncSubscription(deps, session.subscription_id, { readerId: session.reader_id, startedAt: session.created_at });
      return 'processed';
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      await syncSubscription(deps, objectWithId.parse(object).id, { payload: object, eventCreatedAt });
      return 'processed';
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const subscriptionId = invoiceSubscriptionId(object);
      if (!subscriptionId) return 'ignored';
      await syncSubscription(deps, subscriptionId);
      return 'processed';
    }
    case 'customer.updated':
      await syncCustomer(deps, objectWithId.parse(object).id);
      return 'processed';
    default:
      return 'ignored';
  }
}

/** Why an event can never be applied, or undefined when the failure may pass (Stripe should retry). */
function rejection(err: unknown): string | undefined {
  if (err instanceof EventRejected) return err.message;
  if (err instanceof ZodError) return `malformed object: ${err.issues[0]?.path.join('.') || '(root)'}: ${err.issues[0]?.message ?? 'invalid'}`;
  return undefined;
}

/**
 * Event ids this process has seen recorded, per database. Stripe delivers at least once and retries
 * on any doubt; a duplicate it remembers is answered without a database read. Gazette never deletes
 * a recorded event, so a remembered id stays true; the oldest are forgotten past the bound.
 */
const recorded = new WeakMap<object, Set<string>>();
const REMEMBERED_EVENTS = 10_000;

function remember(db: object, id: string): void {
  let ids = recorded.get(db);
  if (!ids) recorded.set(db, (ids = new Set()));
  if (ids.size >= REMEMBERED_EVENTS) ids.delete(ids.values().next().value!);
  ids.add(id);
}

/**
 * Applies one verified Stripe event. Every effect is an idempotent, freshness-guarded upsert, so two
 * copies processed at once converge to one effect; the id is recorded only after success (or a
 * rejection that no retry can change), so a passing failure leaves the event for Stripe's retry.
 */
export async function handleStripeEvent(deps: Deps, event: Stripe.Event): Promise<EventOutcome> {
  if (recorded.get(deps.db)?.has(event.id)) return 'duplicate';
  const seen = await deps.db.selectFrom('stripe_events').select('id').where('id', '=', event.id).executeTakeFirst();
  if (seen) {
    remember(deps.db, event.id);
    return 'duplicate';
  }
  let outcome: EventOutcome;
  let reason: string | null = null;
  try {
    outcome = await apply(deps, event);
  } catch (err) {
    reason = rejection(err) ?? null;
    if (reason === null) throw err;
    outcome = 'rejected';
    deps.log.warn('stripe event rejected: it can never be applied', { event_id: event.id, type: event.type, reason });
  }
  await deps.db
    .insertInto('stripe_events')
    .values({ id: event.id, type: event.type, stripe_created_at: event.created * 1000, processed_at: deps.clock.now(), outcome, reason })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  remember(deps.db, event.id);
  deps.log.info('stripe event', { event_id: event.id, type: event.type, outcome });
  return outcome;
}
