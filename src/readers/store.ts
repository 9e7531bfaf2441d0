import type { Db } from '../db/schema.ts';
import { entitledSql, receivesDigestSql } from '../billing/entitlement.ts';
import { sql } from 'kysely';
import { containsSql } from '../db/like.ts';
import { recallSuppressedAddress, suppressedSql } from './suppressions.ts';

export interface Reader {
  id: string;
  email: string;
  unsubscribed_at: number | null;
  created_at: number;
}

export async function findReaderByEmail(db: Db, email: string): Promise<Reader | undefined> {
  return db.selectFrom('readers').select(['id', 'email', 'unsubscribed_at', 'created_at']).where('email', '=', email).executeTakeFirst();
}

export async function findReaderById(db: Db, id: string): Promise<Reader | undefined> {
  return db.selectFrom('readers').select(['id', 'email', 'unsubscribed_at', 'created_at']).where('id', '=', id).executeTakeFirst();
}

/** The reader with this email, created if new; safe when two requests race for the same address. */
export async function ensureReader(db: Db, email: string, now: number): Promise<{ reader: Reader; created: boolean }> {
  const id = crypto.randomUUID();
  const inserted = await db
    .insertInto('readers')
    .values({ id, email, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  const reader = await findReaderByEmail(db, email);
  if (!reader) throw new Error(`reader ${id} vanished right after insert`);
  // An address suppressed while it belonged to an erased reader is suppressed again for this one.
  if (inserted) await recallSuppressedAddress(db, email);
  return { reader, created: inserted !== undefined };
}

/** Removes a reader that a failed checkout created, if nothing has attached to it since. */
export async function deleteUnusedReader(db: Db, id: string): Promise<void> {
  await db
    .deleteFrom('readers')
    .where('id', '=', id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('customers').select('id').where('customers.reader_id', '=', id))))
    .execute();
}

/** One row of the staff listing. */
export interface SubscriberRow {
  id: string;
  email: string;
  status: string | null;
  entitled: boolean;
  unsubscribed: boolean;
  suppressed: boolean;
  created_at: number;
}

/**
 * The subscription that speaks for a reader: an entitled one first, then the most recently created.
 * Chosen at query time so concurrent syncs of two subscriptions can't leave a stale pointer behind.
 */
export function currentSubscriptionId(now: number) {
  return sql<string | null>`(SELECT s.id FROM subscriptions s WHERE s.reader_id = readers.id
    ORDER BY CASE WHEN ${entitledSql('s', now)} THEN 1 ELSE 0 END DESC, s.stripe_created_at DESC, s.id DESC LIMIT 1)`;
}

/** Readers in one state, whatever their subscription's status: what the console's filters and dashboard count. */
export type ReaderState = 'receiving' | 'unsubscribed' | 'suppressed';

export async function listSubscribers(
  db: Db,
  opts: { now: number; limit: number; after?: { created_at: number; id: string }; status?: string | null; q?: string; state?: ReaderState },
): Promise<SubscriberRow[]> {
  let q = db
    .selectFrom('readers')
    .leftJoin('subscriptions as cur', (join) => join.on('cur.id', '=', currentSubscriptionId(opts.now)))
    .select([
      'readers.id',
      'readers.email',
      'readers.created_at',
      'readers.unsubscribed_at',
      sql<number>`CASE WHEN ${suppressedSql('readers.email')} THEN 1 ELSE 0 END`.as('suppressed'),
      'cur.status',
      sql<number>`CASE WHEN cur.id IS NOT NULL AND ${entitledSql('cur', opts.now)} THEN 1 ELSE 0 END`.as('entitled'),
    ])
    .orderBy('readers.created_at', 'desc')
    .orderBy('readers.id', 'desc')
    .limit(opts.limit);
  if (opts.after) {
    const { created_at, id } = opts.after;
    q = q.where((eb) =>
      eb.or([eb('readers.created_at', '<', created_at), eb.and([eb('readers.created_at', '=', created_at), eb('readers.id', '<', id)])]),
    );
  }
  if (opts.status === null) q = q.where('cur.status', 'is', null);
  else if (opts.status !== undefined) q = q.where('cur.status', '=', opts.status);
  if (opts.q) q = q.where(containsSql('readers.email', opts.q));
  if (opts.state === 'receiving') q = q.where(receivesDigestSql('readers', opts.now));
  else if (opts.state === 'unsubscribed') q = q.where('readers.unsubscribed_at', 'is not', null);
  else if (opts.state === 'suppressed') q = q.where(suppressedSql('readers.email'));
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    status: r.status ?? null,
    entitled: Number(r.entitled) === 1,
    unsubscribed: r.unsubscribed_at !== null,
    suppressed: Number(r.suppressed) === 1,
    created_at: r.created_at,
  }));
}
