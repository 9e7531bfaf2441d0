import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { normalizeEmail } from '../readers/email.ts';
import { currentSubscriptionId, deleteUnusedReader, ensureReader } from '../readers/store.ts';
import { isEntitled } from './entitlement.ts';
import { stripeCall } from './stripe-call.ts';

export type CheckoutOutcome =
  | { kind: 'invalid_email' }
  | { kind: 'redirect'; url: string }
  /** The manage link goes by mail to the address, never into the answer: whoever typed it may not own it. */
  | { kind: 'already_entitled'; email: string };

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Same reader, same price, same UTC day → same key, so a double-submitted form reuses one session. */
export function checkoutIdempotencyKey(readerId: string, priceId: string, now: number): Promise<string> {
  const day = new Date(now).toISOString().slice(0, 10);
  return sha256Hex(`checkout|${readerId}|${priceId}|${day}`).then((h) => `gazette-checkout-${h.slice(0, 40)}`);
}

async function currentSubscription(deps: Deps, readerId: string) {
  const now = deps.clock.now();
  return deps.db
    .selectFrom('readers')
    .innerJoin('subscriptions as cur', (j) => j.on('cur.id', '=', currentSubscriptionId(now)))
    .select(['cur.status', 'cur.ends_at'])
    .where('readers.id', '=', readerId)
    .executeTakeFirst();
}

/** POST /checkout: a Stripe Checkout Session for this email, or the news that it is already paid up. */
export async function startCheckout(deps: Deps, rawEmail: string): Promise<CheckoutOutcome> {
  const email = normalizeEmail(rawEmail);
  if (!email) return { kind: 'invalid_email' };
  const { stripe, config } = deps;
  if (!stripe || !config.stripe) throw new GazetteError('not_configured', 'Subscriptions are not open yet: Stripe is not configured.', {}, { reason: 'checkout' });
  const { priceId, trialDays, allowPromotionCodes, automaticTax } = config.stripe;

  const now = deps.clock.now();
  const { reader, created } = await ensureReader(deps.db, email, now);
  const current = await currentSubscription(deps, reader.id);
  if (isEntitled(current, now)) return { kind: 'already_entitled', email };

  const idempotencyKey = await checkoutIdempotencyKey(reader.id, priceId, now);
  try {
    const session = await stripeCall(() =>
      stripe.checkout.sessions.create(
        {
          mode: 'subscription',
          line_items: [{ price: priceId, quantity: 1 }],
          client_reference_id: reader.id,
          // Never an existing customer: whoever typed this address may not own it, and a session on
          // someone's customer would show their details. Stripe makes a new customer; the webhook
          // links it to the same reader (a reader may have several).
          customer_email: email,
          success_url: `${config.publicUrl}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${config.publicUrl}/checkout/cancel`,
          metadata: { reader_id: reader.id },
          subscription_data: { metadata: { reader_id: reader.id }, ...(trialDays ? { trial_period_days: trialDays } : {}) },
          ...(allowPromotionCodes ? { allow_promotion_codes: true } : {}),
          // Stripe Tax needs the buyer's location. With a new customer (customer_email, never an
          // existing one) Checkout asks for what the calculation needs; requiring the full billing
          // address also puts it on every invoice, which tax rules in many countries ask for.
          ...(automaticTax ? { automatic_tax: { enabled: true }, billing_address_collection: 'required' as const } : {}),
        },
        { idempotencyKey },
      ),
    );
    if (!session.url) throw new GazetteError('upstream_unavailable', 'Stripe returned a session without a URL');
    return { kind: 'redirect', url: session.url };
  } catch (err) {
    // Leave no trace of a checkout that never reached Stripe.
    if (created) await deleteUnusedReader(deps.db, reader.id).catch(() => {});
    if (err instanceof GazetteError) throw err;
    deps.log.error('checkout session refused by Stripe', { error: (err as Error).message });
    throw new GazetteError('upstream_unavailable', 'Stripe refused to open a checkout session', {}, { cause: err });
  }
}

/** A Checkout Session id as Stripe issues them; anything else is never sent to Stripe. */
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

/**
 * Whether the Checkout Session named on the success page is one of ours and done: complete, and paid
 * (or nothing to pay yet, as with a trial). Only this yes or no reaches the page: the session holds
 * the reader's address, and its id sits in a URL that may be shared. Unknown, foreign, unreadable or
 * Stripe down: no (the page then says the payment is being confirmed).
 */
export async function checkoutCompleted(deps: Pick<Deps, 'stripe' | 'log'>, sessionId: string | undefined): Promise<boolean> {
  if (!deps.stripe || !sessionId || !SESSION_ID.test(sessionId)) return false;
  try {
    const session = await stripeCall(() => deps.stripe!.checkout.sessions.retrieve(sessionId));
    return session.mode === 'subscription' && typeof session.metadata?.['reader_id'] === 'string' && session.status === 'complete' && session.payment_status !== 'unpaid';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) deps.log.warn('could not read a checkout session for the success page', { error: (err as Error).message });
    return false;
  }
}
