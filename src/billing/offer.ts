import type { StripeClient } from './stripe-client.ts';
import { stripeCall } from './stripe-call.ts';
import type { Clock } from '../clock.ts';
import type { Deps } from '../deps.ts';

export interface Offer {
  planName: string;
  /** Smallest currency unit, as Stripe stores it. */
  unitAmount: number;
  currency: string;
  /** day, week, month or year, every `intervalCount` of them. */
  interval: string;
  intervalCount: number;
  /** Whether the amount includes tax (Stripe Tax reads it too): inclusive, exclusive or unspecified. */
  taxBehavior: string;
}

const TTL_MS = 10 * 60_000;

/** Reads the plan's name and price from the Stripe Price once, then serves it from memory for a while. */
export function createOfferReader(stripe: StripeClient, priceId: string, clock: Clock): () => Promise<Offer> {
  let cached: { offer: Offer; until: number } | undefined;
  let inflight: Promise<Offer> | undefined;
  return async () => {
    if (cached && cached.until > clock.now()) return cached.offer;
    inflight ??= stripeCall(() => stripe.prices.retrieve(priceId, { expand: ['product'] }))
      .then((price) => {
        const product = price.product;
        const offer: Offer = {
          planName: typeof product === 'object' && product && 'name' in product ? product.name : price.nickname ?? 'Subscription',
          unitAmount: price.unit_amount ?? 0,
          currency: price.currency,
          interval: price.recurring?.interval ?? 'month',
          intervalCount: price.recurring?.interval_count ?? 1,
          taxBehavior: price.tax_behavior ?? 'unspecified',
        };
        cached = { offer, until: clock.now() + TTL_MS };
        return offer;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

const readers = new WeakMap<Deps, () => Promise<Offer>>();

/** The one cached offer reader of an app (every page that shows the plan shares it); undefined without Stripe. */
export function offerReader(deps: Deps): (() => Promise<Offer>) | undefined {
  const { stripe, config, clock } = deps;
  if (!stripe || !config.stripe) return undefined;
  let reader = readers.get(deps);
  if (!reader) {
    reader = createOfferReader(stripe, config.stripe.priceId, clock);
    readers.set(deps, reader);
  }
  return reader;
}
