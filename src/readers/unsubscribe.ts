import type { Db } from '../db/schema.ts';

/** Stops future digests for a reader at once; doing it twice keeps the first time. */
export async function unsubscribeReader(db: Db, readerId: string, now: number): Promise<void> {
  await db.updateTable('readers').set({ unsubscribed_at: now, updated_at: now }).where('id', '=', readerId).where('unsubscribed_at', 'is', null).execute();
}
