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

/** A subscription object in the current API shape (period end on the items) unless `legacy` is set. */
export function subscriptionObject(
  id: string,
  customer: string,
  status: string,
  opts: { created?: number; periodEnd?: number; cancelAtPeriodEnd?: boolean; legacy?: boolean } = {},
): Record<string, unknown> & { id: string } {
  const periodEnd = opts.periodEnd ?? Math.floor(Date.parse('2026-12-27T06:00:00Z') / 1000);
  const base = {
    id,
    object: 'subscription',
    customer,
    status,
    created: opts.created ?? Math.floor(Date.parse('2026-11-27T05:00:00Z') / 1000),
    cancel_at_period_end: opts.cancelAtPeriodEnd ?? false,
    cancel_at: opts.cancelAtPeriodEnd && !opts.legacy ? periodEnd : null,
  };
  const item = { id: `si_${id}`, object: 'subscription_item', price: { id: PRICE_ID, object: 'price' } };
  return opts.legacy
    ? { ...base, current_period_end: periodEnd, items: { object: 'list', data: [item] } }
    : { ...base, items: { object: 'list', data: [{ ...item, current_period_end: periodEnd }] } };
}
