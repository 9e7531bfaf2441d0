import { z } from 'zod';

// Stripe objects are read through these loose schemas so that payloads from before and after the
// 2025-03-31 API change (period end moved from the subscription onto its items; invoice.subscription
// moved under invoice.parent.subscription_details) both land in the same shape.

const idOrObject = z.union([z.string(), z.object({ id: z.string() }).loose()]).transform((v) => (typeof v === 'string' ? v : v.id));

// A Price (unit_amount, recurring.interval) or a legacy Plan (amount, interval): what one unit costs
// per period. Amounts come as numbers, as decimal strings, or (the SDK's *_decimal fields) as Decimal
// objects: anything that reads as a finite number counts, anything else is no amount. A price Gazette
// can't read never stops the subscription itself from being mirrored.
const amount = z
  .unknown()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const n = typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'object' ? Number(String(v)) : NaN;
    return Number.isFinite(n) ? n : null;
  })
  .optional();
const planObject = z
  .object({
    amount: amount,
    amount_decimal: amount,
    currency: z.string().nullish(),
    interval: z.string().nullish(),
    interval_count: z.number().nullish(),
  })
  .loose();
const priceObject = z
  .object({
    id: z.string(),
    unit_amount: amount,
    unit_amount_decimal: amount,
    currency: z.string().nullish(),
    recurring: z.object({ interval: z.string().nullish(), interval_count: z.number().nullish() }).loose().nullish(),
  })
  .loose();

const subscriptionObject = z
  .object({
    id: z.string(),
    customer: idOrObject,
    status: z.string(),
    created: z.number(),
    cancel_at_period_end: z.boolean().nullish(),
    cancel_at: z.number().nullish(),
    current_period_end: z.number().nullish(),
    ended_at: z.number().nullish(),
    // Before prices, a subscription had one plan and its quantity on itself.
    plan: planObject.nullish().catch(null),
    quantity: z.number().nullish().catch(null),
    items: z
      .object({
        data: z.array(
          z
            .object({
              current_period_end: z.number().nullish(),
              quantity: z.number().nullish().catch(null),
              price: priceObject.nullish().catch(null),
              plan: planObject.nullish().catch(null),
            })
            .loose(),
        ),
      })
      .loose()
      .nullish(),
  })
  .loose();

export interface Pricing {
  /** Per unit and period, in the currency's minor unit; null for prices without one amount (tiers, metered). */
  unit_amount: number | null;
  currency: string | null;
  quantity: number;
  interval: string | null;
  interval_count: number;
}

/** The price of the subscription's first item: its Price (items.data[0].price), else the legacy plan. */
function pricing(s: z.infer<typeof subscriptionObject>): Pricing {
  const item = s.items?.data[0];
  const price = item?.price ?? null;
  const plan = item?.plan ?? s.plan ?? null;
  const unit = price?.unit_amount ?? price?.unit_amount_decimal ?? plan?.amount ?? plan?.amount_decimal ?? null;
  return {
    unit_amount: unit === null ? null : Math.round(unit),
    currency: (price?.currency ?? plan?.currency ?? null)?.toLowerCase() ?? null,
    quantity: Math.max(0, Math.round(item?.quantity ?? s.quantity ?? 1)),
    interval: price?.recurring?.interval ?? plan?.interval ?? null,
    interval_count: Math.max(1, Math.round(price?.recurring?.interval_count ?? plan?.interval_count ?? 1)),
  };
}

export interface SubscriptionState {
  id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  current_period_end: number | null;
  cancel_at_period_end: boolean;
  /** When a scheduled cancellation takes effect, epoch ms. */
  ends_at: number | null;
  stripe_created_at: number;
  /** When Stripe ended it (canceled or expired), epoch ms. */
  ended_at: number | null;
  pricing: Pricing;
}

const ms = (seconds: number | null | undefined) => (seconds == null ? null : seconds * 1000);

export function subscriptionState(raw: unknown): SubscriptionState {
  const s = subscriptionObject.parse(raw);
  const items = s.items?.data ?? [];
  const itemEnds = items.map((i) => i.current_period_end).filter((v): v is number => typeof v === 'number');
  const periodEnd = s.current_period_end ?? (itemEnds.length ? Math.max(...itemEnds) : null);
  const cancelAtPeriodEnd = s.cancel_at_period_end ?? false;
  return {
    id: s.id,
    customer_id: s.customer,
    status: s.status,
    price_id: items[0]?.price?.id ?? null,
    current_period_end: ms(periodEnd),
    cancel_at_period_end: cancelAtPeriodEnd,
    ends_at: ms(s.cancel_at ?? (cancelAtPeriodEnd ? periodEnd : null)),
    stripe_created_at: s.created * 1000,
    ended_at: ms(s.ended_at),
    pricing: pricing(s),
  };
}

const invoiceObject = z
  .object({
    subscription: idOrObject.nullish(),
    parent: z
      .object({ subscription_details: z.object({ subscription: idOrObject.nullish() }).loose().nullish() })
      .loose()
      .nullish(),
  })
  .loose();

/** The subscription an invoice bills, in either API shape; null for one-off invoices. */
export function invoiceSubscriptionId(raw: unknown): string | null {
  const inv = invoiceObject.parse(raw);
  return inv.subscription ?? inv.parent?.subscription_details?.subscription ?? null;
}

const checkoutSessionObject = z
  .object({
    id: z.string(),
    created: z.number().nullish(),
    mode: z.string().nullish(),
    client_reference_id: z.string().nullish(),
    customer: idOrObject.nullish(),
    subscription: idOrObject.nullish(),
    customer_details: z.object({ email: z.string().nullish() }).loose().nullish(),
  })
  .loose();

export function checkoutSessionState(raw: unknown) {
  const s = checkoutSessionObject.parse(raw);
  return {
    id: s.id,
    created_at: s.created == null ? null : s.created * 1000,
    mode: s.mode ?? null,
    reader_id: s.client_reference_id ?? null,
    customer_id: s.customer ?? null,
    subscription_id: s.subscription ?? null,
    email: s.customer_details?.email ?? null,
  };
}

const customerObject = z.object({ id: z.string(), email: z.string().nullish(), deleted: z.boolean().nullish() }).loose();

export function customerState(raw: unknown) {
  const c = customerObject.parse(raw);
  return { id: c.id, email: c.email ?? null, deleted: c.deleted ?? false };
}

export const objectWithId = z.object({ id: z.string() }).loose();
