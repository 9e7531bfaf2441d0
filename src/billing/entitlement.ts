import { sql, type RawBuilder } from 'kysely';
import { suppressedSql } from '../readers/suppressions.ts';

/** Stripe statuses that carry the right to the digest; past_due is grace while Stripe retries the card. */
export const ENTITLED_STATUSES = ['active', 'trialing', 'past_due'] as const;

export interface EntitlementInput {
  status: string;
  /** When a scheduled cancellation takes effect (epoch ms), or null. */
  ends_at: number | null;
}

/**
 * The one rule: an entitled status, and not past a scheduled end. A subscription set to cancel at
 * period end stays entitled until then, even if Stripe's `deleted` event is late.
 */
export function isEntitled(sub: EntitlementInput | null | undefined, now: number): boolean {
  if (!sub) return false;
  return (ENTITLED_STATUSES as readonly string[]).includes(sub.status) && (sub.ends_at === null || sub.ends_at > now);
}

/** The same rule as SQL over a subscriptions row aliased `alias`, for listings and the fan-out query. */
export function entitledSql(alias: string, now: number): RawBuilder<boolean> {
  const a = sql.ref(alias);
  const statuses = sql.join(ENTITLED_STATUSES.map((s) => sql.lit(s)));
  return sql<boolean>`(${a}.status IN (${statuses}) AND (${a}.ends_at IS NULL OR ${a}.ends_at > ${now}))`;
}

/**
 * Whether the reader row aliased `alias` gets digests now: entitled by some subscription, not
 * unsubscribed, not suppressed. The audience count and the check at send time both use it.
 */
export function receivesDigestSql(alias: string, now: number): RawBuilder<boolean> {
  const r = sql.ref(alias);
  return sql<boolean>`(${r}.unsubscribed_at IS NULL AND NOT ${suppressedSql(`${alias}.email`)}
    AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.reader_id = ${r}.id AND ${entitledSql('s', now)}))`;
}
