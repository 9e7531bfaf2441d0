import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { containsSql } from '../db/like.ts';
import type { Db } from '../db/schema.ts';

/**
 * The suppression list: addresses we must not mail, whatever reader row they are on now. Kept by the
 * normalised address; an erased reader's address stays only as its hash, which a sign-up with the
 * same address turns back into the address (so the suppression still holds).
 */
export type SuppressionReason = 'bounce' | 'complaint' | 'staff';
/** send: refused while we sent (SMTP 5xx, SES MessageRejected); notification: a bounce or complaint SES reported later. */
export type SuppressionSource = 'send' | 'notification' | 'staff';

export function addressHash(email: string): string {
  return `sha256:${createHash('sha256').update(email).digest('hex')}`;
}

/** Suppresses an address; the first reason stays (a complaint after a bounce changes nothing). */
export async function suppress(db: Db, email: string, entry: { reason: SuppressionReason; source: SuppressionSource; detail?: string | null }, now: number): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({ address: email, reason: entry.reason, source: entry.source, detail: entry.detail?.slice(0, 300) ?? null, created_at: now })
    .onConflict((oc) => oc.column('address').doNothing())
    .execute();
}

/** Lifts a suppression (staff); answers whether there was one. */
export async function liftSuppression(db: Db, email: string): Promise<boolean> {
  const result = await db.deleteFrom('suppressions').where('address', 'in', [email, addressHash(email)]).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** An erased reader's address: only its hash stays on the list. */
export async function forgetSuppressedAddress(db: Db, email: string): Promise<void> {
  await db.updateTable('suppressions').set({ address: addressHash(email) }).where('address', '=', email).execute();
}

/**
 * A reader now holds `email` (a sign-up, an address change): if the list only kept its hash (the
 * earlier reader was erased), it holds the address again, so every query that joins on it sees it.
 */
export async function recallSuppressedAddress(db: Db, email: string): Promise<void> {
  await db.updateTable('suppressions').set({ address: email }).where('address', '=', addressHash(email)).execute();
}

/** True in SQL when the address column `ref` (e.g. readers.email) is on the list. */
export function suppressedSql(ref: string): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM suppressions sup WHERE sup.address = ${sql.ref(ref)})`;
}

export async function isSuppressed(db: Db, email: string): Promise<boolean> {
  return (await db.selectFrom('suppressions').select('address').where('address', 'in', [email, addressHash(email)]).executeTakeFirst()) !== undefined;
}

export interface SuppressionRow {
  address: string;
  reason: string;
  source: string;
  detail: string | null;
  created_at: number;
}

/** True for a list entry that is only the hash of an erased reader's address. */
export const isErasedAddress = (address: string) => address.startsWith('sha256:');

/** The list, newest first, a page at a time (keyset on created_at, address); `q` finds part of an address. */
export async function listSuppressions(db: Db, opts: { limit: number; after?: { created_at: number; address: string }; q?: string }): Promise<SuppressionRow[]> {
  let q = db.selectFrom('suppressions').select(['address', 'reason', 'source', 'detail', 'created_at']).orderBy('created_at', 'desc').orderBy('address', 'desc').limit(opts.limit);
  if (opts.after) {
    const { created_at, address } = opts.after;
    q = q.where((eb) => eb.or([eb('created_at', '<', created_at), eb.and([eb('created_at', '=', created_at), eb('address', '<', address)])]));
  }
  if (opts.q) q = q.where(containsSql('address', opts.q));
  return (await q.execute()).map((r) => ({ ...r, created_at: Number(r.created_at) }));
}

export async function countSuppressions(db: Db): Promise<number> {
  const row = await db.selectFrom('suppressions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}
