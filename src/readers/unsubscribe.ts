import type { Db } from '../db/schema.ts';

/** Stops future digests for a reader at once; doing it twice keeps the first time. */
export async function unsubscribeReader(db: Db, readerId: string, now: number): Promise<void> {
  await db.updateTable('readers').set({ unsubscribed_at: now, updated_at: now }).where('id', '=', readerId).where('unsubscribed_at', 'is', null).execute();
}

/** Starts digests again for a reader who stopped them (the reader's own choice, from a mailed link). */
export async function resumeReader(db: Db, readerId: string, now: number): Promise<void> {
  await db.updateTable('readers').set({ unsubscribed_at: null, updated_at: now }).where('id', '=', readerId).where('unsubscribed_at', 'is not', null).execute();
}

/**
 * Paying again after unsubscribing is asking for the digest again: a subscription or checkout that
 * started after the unsubscribe resumes it. An older one (a late or replayed event) does not.
 * Returns whether the reader was resumed.
 */
export async function resumeIfStartedSince(db: Db, readerId: string, startedAt: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('readers')
    .set({ unsubscribed_at: null, updated_at: now })
    .where('id', '=', readerId)
    .where('unsubscribed_at', '<', startedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
