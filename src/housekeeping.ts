import { purgeLimits } from './abuse/rate-limits.ts';
import type { Deps } from './deps.ts';
import { purgeLinkMails } from './readers/account-link.ts';
import { purgeSessions } from './staff/sessions.ts';
import { purgeLinkUses } from './staff/sign-in-link.ts';

/** A started checkout that never became a customer is forgotten after this long. */
export const NEVER_PAID_RETENTION_MS = 30 * 24 * 3600_000;

/**
 * Readers who never paid (no Stripe customer ever linked) and started more than 30 days ago: each is
 * only an address someone typed into a form. One statement, safe to run from several processes.
 */
export async function purgeNeverPaidReaders(db: Deps['db'], now: number): Promise<number> {
  const result = await db
    .deleteFrom('readers')
    .where('created_at', '<', now - NEVER_PAID_RETENTION_MS)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('customers').select('customers.id').whereRef('customers.reader_id', '=', 'readers.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('subscriptions').select('subscriptions.id').whereRef('subscriptions.reader_id', '=', 'readers.id'))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The hourly tidy-up: unpaid sign-ups past retention, finished rate-limit windows, old link cooldowns, idle staff sessions. */
export async function housekeeping(deps: Pick<Deps, 'db' | 'clock' | 'log'>): Promise<{ readers: number; limits: number; sessions: number }> {
  const now = deps.clock.now();
  const readers = await purgeNeverPaidReaders(deps.db, now);
  // The longest window is ten minutes; an hour-old counter can't matter any more.
  const limits = await purgeLimits(deps.db, now - 3600_000);
  await purgeLinkMails(deps.db, now);
  const sessions = await purgeSessions(deps.db, now);
  await purgeLinkUses(deps.db, now);
  if (readers) deps.log.info('readers who never paid removed after 30 days', { readers });
  return { readers, limits, sessions };
}
