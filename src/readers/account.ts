import type { Db } from '../db/schema.ts';
import { currentSubscriptionId } from './store.ts';

/** What a reader's own page shows: the address, the subscription that speaks for them, the digest state. */
export interface ReaderAccount {
  email: string;
  unsubscribed_at: number | null;
  suppressed_at: number | null;
  subscription: {
    status: string;
    price_id: string | null;
    current_period_end: number | null;
    cancel_at_period_end: boolean;
    ends_at: number | null;
  } | null;
}

export async function readerAccount(db: Db, readerId: string, now: number): Promise<ReaderAccount | undefined> {
  const row = await db
    .selectFrom('readers')
    .leftJoin('subscriptions as cur', (j) => j.on('cur.id', '=', currentSubscriptionId(now)))
    .select([
      'readers.email',
      'readers.unsubscribed_at',
      (eb) => eb.selectFrom('suppressions').select('suppressions.created_at').whereRef('suppressions.address', '=', 'readers.email').as('suppressed_at'),
      'cur.status',
      'cur.price_id',
      'cur.current_period_end',
      'cur.cancel_at_period_end',
      'cur.ends_at',
    ])
    .where('readers.id', '=', readerId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    email: row.email,
    unsubscribed_at: row.unsubscribed_at,
    suppressed_at: row.suppressed_at,
    subscription: row.status
      ? {
          status: row.status,
          price_id: row.price_id ?? null,
          current_period_end: row.current_period_end ?? null,
          cancel_at_period_end: Number(row.cancel_at_period_end) === 1,
          ends_at: row.ends_at ?? null,
        }
      : null,
  };
}
