// Stripe objects as Stripe sends them, for tests in Node and in workerd alike (no Node APIs here).

export const PRICE_ID = 'price_digest_monthly';

/** A Stripe event envelope around an object, as Stripe would deliver it. */
export function stripeEvent(type: string, object: Record<string, unknown>, opts: { id?: string; created?: number } = {}) {
  return {
    id: opts.id ?? `evt_${Math.random().toString(36).slice(2, 14)}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  };
}

/** What a subscription's item costs: amount in the minor unit per `intervalCount` intervals, times `quantity`. */
export interface ItemPrice {
  amount?: number;
  currency?: string;
  interval?: 'day' | 'week' | 'month' | 'year';
  intervalCount?: number;
  quantity?: number;
}

/**
 * A subscription object in the current API shape (period end on the items, the item's Price expanded
 * as Stripe sends it) unless `legacy` is set: then the period end is on the subscription, the amount
 * on the item's legacy `plan` and the quantity on the subscription.
 */
export function subscriptionObject(
  id: string,
  customer: string,
  status: string,
  opts: { created?: number; periodEnd?: number; cancelAtPeriodEnd?: boolean; legacy?: boolean; endedAt?: number; price?: ItemPrice } = {},
): Record<string, unknown> & { id: string } {
  const periodEnd = opts.periodEnd ?? Math.floor(Date.parse('2026-12-27T06:00:00Z') / 1000);
  const { amount = 499, currency = 'eur', interval = 'month', intervalCount = 1, quantity = 1 } = opts.price ?? {};
  const base = {
    id,
    object: 'subscription',
    customer,
    status,
    created: opts.created ?? Math.floor(Date.parse('2026-11-27T05:00:00Z') / 1000),
    cancel_at_period_end: opts.cancelAtPeriodEnd ?? false,
    cancel_at: opts.cancelAtPeriodEnd && !opts.legacy ? periodEnd : null,
    ended_at: opts.endedAt ?? null,
  };
  const price = { id: PRICE_ID, object: 'price', currency, unit_amount: amount, unit_amount_decimal: String(amount), recurring: { interval, interval_count: intervalCount }, type: 'recurring' };
  const item = { id: `si_${id}`, object: 'subscription_item' };
  return opts.legacy
    ? {
        ...base,
        current_period_end: periodEnd,
        quantity,
        items: { object: 'list', data: [{ ...item, price: { id: PRICE_ID, object: 'price' }, plan: { id: PRICE_ID, object: 'plan', amount, currency, interval, interval_count: intervalCount } }] },
      }
    : { ...base, items: { object: 'list', data: [{ ...item, price, quantity, current_period_end: periodEnd }] } };
}
