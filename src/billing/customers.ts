import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { normalizeEmail } from '../readers/email.ts';
import { ensureReader, findReaderByEmail, findReaderById } from '../readers/store.ts';
import { recallSuppressedAddress } from '../readers/suppressions.ts';
import { customerState } from './stripe-objects.ts';
import { EventRejected } from './rejected.ts';
import { isStripeMissing } from './stripe-client.ts';
import { stripeCall } from './stripe-call.ts';

/** The Stripe customer a reader last checked out as, if any. */
export async function latestCustomerId(deps: Pick<Deps, 'db'>, readerId: string): Promise<string | undefined> {
  const row = await deps.db.selectFrom('customers').select('id').where('reader_id', '=', readerId).orderBy('created_at', 'desc').executeTakeFirst();
  return row?.id;
}

/** The customer as Stripe has it now; one Stripe no longer knows can never be applied. */
async function retrieveCustomer(deps: Deps, customerId: string): Promise<unknown> {
  try {
    return await stripeCall(() => deps.stripe!.customers.retrieve(customerId));
  } catch (err) {
    if (isStripeMissing(err)) throw new EventRejected(`customer ${customerId} is unknown to Stripe`);
    throw err;
  }
}

async function linkedReader(deps: Deps, customerId: string): Promise<string | undefined> {
  const row = await deps.db.selectFrom('customers').select('reader_id').where('id', '=', customerId).executeTakeFirst();
  return row?.reader_id;
}

async function linkCustomer(deps: Deps, customerId: string, readerId: string, email: string | null, syncedAt: number): Promise<string> {
  await deps.db
    .insertInto('customers')
    .values({ id: customerId, reader_id: readerId, email, synced_at: syncedAt, created_at: deps.clock.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  // Another process may have linked it first; the stored link wins so both agree.
  const readerIdNow = await linkedReader(deps, customerId);
  if (!readerIdNow) throw new Error(`customer ${customerId} vanished right after insert`);
  return readerIdNow;
}

/**
 * The reader a Stripe customer belongs to. A customer we have never seen (its checkout event not
 * arrived yet, or created by staff in the dashboard) is fetched from Stripe, never dropped.
 */
export async function readerForCustomer(deps: Deps, customerId: string, hint?: { readerId?: string | null }): Promise<string> {
  const known = await linkedReader(deps, customerId);
  if (known) return known;
  if (hint?.readerId && (await findReaderById(deps.db, hint.readerId))) {
    return linkCustomer(deps, customerId, hint.readerId, null, 0);
  }
  const fetchedAt = deps.clock.now();
  const customer = customerState(await retrieveCustomer(deps, customerId));
  if (customer.deleted) throw new EventRejected(`customer ${customerId} was deleted in Stripe`);
  const email = customer.email ? normalizeEmail(customer.email) : null;
  if (!email) {
    // Nothing to attach the subscription to yet; a 500 makes Stripe retry after the checkout event links it.
    throw new GazetteError('retry_later', `Stripe customer ${customerId} has no usable email yet`);
  }
  const { reader } = await ensureReader(deps.db, email, fetchedAt);
  return linkCustomer(deps, customerId, reader.id, email, fetchedAt);
}

/**
 * customer.updated: follows an email change made in Stripe. An address another reader already holds
 * is refused and logged; the older reader keeps it and nothing is merged.
 */
export async function syncCustomer(deps: Deps, customerId: string): Promise<'updated' | 'unchanged' | 'unknown' | 'conflict'> {
  const readerId = await linkedReader(deps, customerId);
  if (!readerId) return 'unknown';
  const fetchedAt = deps.clock.now();
  const customer = customerState(await retrieveCustomer(deps, customerId));
  const email = customer.email ? normalizeEmail(customer.email) : null;
  const fresher = await deps.db
    .updateTable('customers')
    .set({ email, synced_at: fetchedAt })
    .where('id', '=', customerId)
    .where('synced_at', '<=', fetchedAt)
    .executeTakeFirst();
  if (Number(fresher.numUpdatedRows) === 0 || customer.deleted || !email) return 'unchanged';

  const reader = await findReaderById(deps.db, readerId);
  if (!reader || reader.email === email) return 'unchanged';
  const holder = await findReaderByEmail(deps.db, email);
  if (holder && holder.id !== readerId) {
    deps.log.warn('email change in Stripe refused: address belongs to another reader', { customer_id: customerId, reader_id: readerId, other_reader_id: holder.id });
    return 'conflict';
  }
  try {
    await deps.db.updateTable('readers').set({ email, updated_at: fetchedAt }).where('id', '=', readerId).execute();
    await recallSuppressedAddress(deps.db, email);
  } catch (err) {
    // Lost a race against a new reader taking the same address: same rule, the other keeps it.
    deps.log.warn('email change in Stripe refused: address taken meanwhile', { customer_id: customerId, reader_id: readerId, error: (err as Error).message });
    return 'conflict';
  }
  deps.log.info('reader email changed from Stripe', { reader_id: readerId, customer_id: customerId });
  return 'updated';
}
