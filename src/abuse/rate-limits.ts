import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/schema.ts';

/** One abuse limit: at most `max` hits per `windowMs` for one subject (a client address, an email, a reader). */
export interface Limit {
  name: string;
  max: number;
  windowMs: number;
}

export type LimitVerdict = { allowed: true } | { allowed: false; retryAt: number };

// Addresses and emails are personal data: the counter's key is a hash of them.
function limitKey(limit: Limit, subject: string): string {
  return createHash('sha256').update(`${limit.name}\u0000${subject}`).digest('hex').slice(0, 40);
}

/**
 * Counts one hit and says whether it is within the limit. One statement (an upsert that starts a new
 * window when the old one is over), so every process, and D1 without transactions, agrees.
 */
export async function hitLimit(db: Db, limit: Limit, subject: string, now: number): Promise<LimitVerdict> {
  const expired = now - limit.windowMs;
  const { rows } = await sql<{ hits: number; window_start: number }>`
    INSERT INTO rate_limits (key, window_start, hits) VALUES (${limitKey(limit, subject)}, ${now}, 1)
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN rate_limits.window_start <= ${expired} THEN 1 ELSE rate_limits.hits + 1 END,
      window_start = CASE WHEN rate_limits.window_start <= ${expired} THEN ${now} ELSE rate_limits.window_start END
    RETURNING hits, window_start`.execute(db);
  const row = rows[0]!;
  return Number(row.hits) <= limit.max ? { allowed: true } : { allowed: false, retryAt: Number(row.window_start) + limit.windowMs };
}

/** Drops counters whose window ended long ago (housekeeping). */
export async function purgeLimits(db: Db, olderThan: number): Promise<number> {
  const result = await db.deleteFrom('rate_limits').where('window_start', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
