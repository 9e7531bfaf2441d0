import { sql } from 'kysely';
import { isEntitled, receivesDigestSql } from '../billing/entitlement.ts';
import type { Db, DeliveryStatus } from '../db/schema.ts';
import { findReaderById, type Reader } from './store.ts';

/** One reader as staff see them: their subscriptions over time, their last deliveries, and why they get mail or not. */
export interface ReaderProfile {
  reader: Reader;
  receives: boolean;
  suppression: { reason: string; source: string; detail: string | null; created_at: number } | null;
  /** Soft bounces SES reported for the address (they do not suppress it). */
  transientBounces: { count: number; last_at: number } | null;
  customers: { id: string; created_at: number }[];
  subscriptions: {
    id: string;
    status: string;
    entitled: boolean;
    unit_amount: number | null;
    currency: string | null;
    quantity: number;
    interval: string | null;
    interval_count: number;
    current_period_end: number | null;
    ends_at: number | null;
    ended_at: number | null;
    stripe_created_at: number;
  }[];
  deliveries: { edition_date: string; status: DeliveryStatus; attempts: number; sent_at: number | null; last_error: string | null }[];
}

/** How many deliveries the reader's page lists, newest edition first. */
export const PROFILE_DELIVERIES = 10;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function readerProfile(db: Db, readerId: string, now: number): Promise<ReaderProfile | undefined> {
  const reader = await findReaderById(db, readerId);
  if (!reader) return undefined;
  const [receives, suppression, transient, customers, subscriptions, deliveries] = await Promise.all([
    db.selectFrom('readers as r').select(sql<number>`CASE WHEN ${receivesDigestSql('r', now)} THEN 1 ELSE 0 END`.as('yes')).where('r.id', '=', readerId).executeTakeFirst(),
    db.selectFrom('suppressions').select(['reason', 'source', 'detail', 'created_at']).where('address', '=', reader.email).executeTakeFirst(),
    db.selectFrom('transient_bounces').select(['count', 'last_at']).where('address', '=', reader.email).executeTakeFirst(),
    db.selectFrom('customers').select(['id', 'created_at']).where('reader_id', '=', readerId).orderBy('created_at', 'desc').execute(),
    db.selectFrom('subscriptions').selectAll().where('reader_id', '=', readerId).orderBy('stripe_created_at', 'desc').orderBy('id', 'desc').execute(),
    db
      .selectFrom('deliveries')
      .select(['edition_date', 'status', 'attempts', 'sent_at', 'last_error'])
      .where('reader_id', '=', readerId)
      .orderBy('edition_date', 'desc')
      .limit(PROFILE_DELIVERIES)
      .execute(),
  ]);
  return {
    reader,
    receives: Number(receives?.yes) === 1,
    suppression: suppression ? { ...suppression, created_at: Number(suppression.created_at) } : null,
    transientBounces: transient ? { count: Number(transient.count), last_at: Number(transient.last_at) } : null,
    customers: customers.map((c) => ({ id: c.id, created_at: Number(c.created_at) })),
    subscriptions: subscriptions.map((s) => ({
      id: s.id,
      status: s.status,
      entitled: isEntitled({ status: s.status, ends_at: num(s.ends_at) }, now),
      unit_amount: num(s.unit_amount),
      currency: s.currency,
      quantity: Number(s.quantity),
      interval: s.interval,
      interval_count: Number(s.interval_count),
      current_period_end: num(s.current_period_end),
      ends_at: num(s.ends_at),
      ended_at: num(s.ended_at),
      stripe_created_at: Number(s.stripe_created_at),
    })),
    deliveries: deliveries.map((d) => ({ ...d, attempts: Number(d.attempts), sent_at: num(d.sent_at) })),
  };
}
