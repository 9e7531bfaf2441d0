import { sql } from 'kysely';
import type { Db } from '../db/schema.ts';
import { entitledSql } from './entitlement.ts';

/**
 * What the subscription mirror says about money and growth, for the staff dashboard. Amounts are in
 * each currency's minor unit (cents), never converted: one figure per currency.
 */
export interface MonthlyRevenue {
  currency: string;
  /** Monthly recurring revenue in the minor unit, rounded. */
  amount: number;
  subscriptions: number;
}

const DAY_MS = 24 * 3600_000;

/** How many of an interval fit in a month: a yearly price counts a twelfth, a weekly one 52/12. */
function perMonth(interval: string | null, count: number): number | null {
  const n = Math.max(1, count);
  switch (interval) {
    case 'month':
      return 1 / n;
    case 'year':
      return 1 / (12 * n);
    case 'week':
      return 52 / 12 / n;
    case 'day':
      return 365 / 12 / n;
    default:
      return null;
  }
}

/**
 * Monthly recurring revenue from the entitled subscriptions: unit amount × quantity, brought to a
 * month, summed per currency. Subscriptions whose price is unknown (synced before the mirror kept
 * prices, or a price without one amount) are counted apart, so a low figure says why.
 */
export async function monthlyRevenue(db: Db, now: number): Promise<{ revenue: MonthlyRevenue[]; unpriced: number }> {
  const rows = await db
    .selectFrom('subscriptions as s')
    .select([
      's.currency',
      's.interval',
      's.interval_count',
      sql<number>`CASE WHEN s.unit_amount IS NULL THEN 0 ELSE 1 END`.as('priced'),
      sql<number | null>`SUM(s.unit_amount * s.quantity)`.as('total'),
      sql<number>`COUNT(*)`.as('n'),
    ])
    .where(entitledSql('s', now))
    .groupBy(['s.currency', 's.interval', 's.interval_count', 'priced'])
    .execute();
  const byCurrency = new Map<string, MonthlyRevenue>();
  let unpriced = 0;
  for (const r of rows) {
    const factor = perMonth(r.interval, Number(r.interval_count));
    if (Number(r.priced) === 0 || r.total === null || r.currency === null || factor === null) {
      unpriced += Number(r.n);
      continue;
    }
    const entry = byCurrency.get(r.currency) ?? { currency: r.currency, amount: 0, subscriptions: 0 };
    entry.amount += Number(r.total) * factor;
    entry.subscriptions += Number(r.n);
    byCurrency.set(r.currency, entry);
  }
  const revenue = [...byCurrency.values()].map((e) => ({ ...e, amount: Math.round(e.amount) })).sort((a, b) => b.amount - a.amount || a.currency.localeCompare(b.currency));
  return { revenue, unpriced };
}

/** Statuses of subscriptions that never started (the first payment never went through): not growth. */
const NEVER_STARTED = sql.join(['incomplete', 'incomplete_expired'].map((s) => sql.lit(s)));

/** Subscriptions started and ended since `since`. */
export async function subscriptionChanges(db: Db, since: number): Promise<{ started: number; ended: number }> {
  const row = await db
    .selectFrom('subscriptions as s')
    .select([
      sql<number>`SUM(CASE WHEN s.stripe_created_at >= ${since} AND s.status NOT IN (${NEVER_STARTED}) THEN 1 ELSE 0 END)`.as('started'),
      sql<number>`SUM(CASE WHEN s.ended_at >= ${since} AND s.status NOT IN (${NEVER_STARTED}) THEN 1 ELSE 0 END)`.as('ended'),
    ])
    .executeTakeFirst();
  return { started: Number(row?.started ?? 0), ended: Number(row?.ended ?? 0) };
}

/**
 * Subscriptions running at the end of each of the last `days` days (UTC), oldest first: started by
 * then and not yet ended. The mirror keeps no history of statuses, so a subscription counts from its
 * start to its end (past due included); those that never started don't count at all.
 */
export async function runningSeries(db: Db, now: number, days: number): Promise<{ day: string; count: number }[]> {
  const today = Math.floor(now / DAY_MS);
  const first = today - days + 1;
  const grouped = (column: 'stripe_created_at' | 'ended_at') =>
    db
      .selectFrom('subscriptions as s')
      // Whole days since the epoch: integer division on both SQLite and PostgreSQL (BIGINT / BIGINT).
      .select([sql<number>`CASE WHEN ${sql.ref(`s.${column}`)} < ${sql.lit(first * DAY_MS)} THEN -1 ELSE ${sql.ref(`s.${column}`)} / ${sql.lit(DAY_MS)} END`.as('day'), sql<number>`COUNT(*)`.as('n')])
      .where(sql.ref(`s.${column}`), 'is not', null)
      .where(sql.ref(`s.${column}`), '<=', now)
      .where(sql<boolean>`s.status NOT IN (${NEVER_STARTED})`)
      .groupBy('day')
      .execute();
  const [starts, ends] = await Promise.all([grouped('stripe_created_at'), grouped('ended_at')]);
  const delta = new Map<number, number>();
  for (const r of starts) delta.set(Number(r.day), (delta.get(Number(r.day)) ?? 0) + Number(r.n));
  for (const r of ends) delta.set(Number(r.day), (delta.get(Number(r.day)) ?? 0) - Number(r.n));
  let running = delta.get(-1) ?? 0;
  const series: { day: string; count: number }[] = [];
  for (let d = first; d <= today; d++) {
    running += delta.get(d) ?? 0;
    series.push({ day: new Date(d * DAY_MS).toISOString().slice(0, 10), count: running });
  }
  return series;
}
