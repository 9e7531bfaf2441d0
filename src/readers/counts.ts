import { sql } from 'kysely';
import { entitledSql, receivesDigestSql } from '../billing/entitlement.ts';
import type { Db } from '../db/schema.ts';
import { currentSubscriptionId } from './store.ts';
import { suppressedSql } from './suppressions.ts';

/** Readers by where they stand now: the dashboard's first row. Paying, trialing and past due go by the subscription that speaks for each reader. */
export interface ReaderCounts {
  receiving: number;
  active: number;
  trialing: number;
  past_due: number;
  unsubscribed: number;
  suppressed: number;
}

export async function countReaders(db: Db, now: number): Promise<ReaderCounts> {
  const when = (condition: ReturnType<typeof sql>) => sql<number>`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const entitledAs = (status: string) => sql`cur.id IS NOT NULL AND cur.status = ${status} AND ${entitledSql('cur', now)}`;
  const row = await db
    .selectFrom('readers')
    .leftJoin('subscriptions as cur', (join) => join.on('cur.id', '=', currentSubscriptionId(now)))
    .select([
      when(receivesDigestSql('readers', now)).as('receiving'),
      when(entitledAs('active')).as('active'),
      when(entitledAs('trialing')).as('trialing'),
      when(entitledAs('past_due')).as('past_due'),
      when(sql`readers.unsubscribed_at IS NOT NULL`).as('unsubscribed'),
      when(suppressedSql('readers.email')).as('suppressed'),
    ])
    .executeTakeFirst();
  const n = (v: unknown) => Number(v ?? 0);
  return { receiving: n(row?.receiving), active: n(row?.active), trialing: n(row?.trialing), past_due: n(row?.past_due), unsubscribed: n(row?.unsubscribed), suppressed: n(row?.suppressed) };
}
