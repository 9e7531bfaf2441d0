import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/schema.ts';

/**
 * Staff console sessions, kept in the database so every process (and a Worker) agrees. The cookie
 * holds a random id; the table holds only its hash, so reading the table (a backup, a leak) signs
 * nobody in. Each session has its own CSRF token for the console's forms.
 */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** last_seen_at is written at most this often: a page that polls every two seconds costs no write per poll. */
export const SESSION_TOUCH_MS = 5 * 60_000;

export interface StaffSession {
  idHash: string;
  csrfToken: string;
  /** A STAFF_EMAILS address, or 'token:<fingerprint>' (signed in with ADMIN_TOKEN). */
  staff: string;
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A new session for `staff`; the id goes in the cookie and nowhere else. */
export async function createSession(db: Db, staff: string, now: number): Promise<{ id: string; session: StaffSession }> {
  const id = randomToken();
  const session = { idHash: hashSecret(id), csrfToken: randomToken(), staff };
  await db.insertInto('staff_sessions').values({ id_hash: session.idHash, csrf_token: session.csrfToken, staff, created_at: now, last_seen_at: now }).execute();
  return { id, session };
}

/** The live session a cookie names, or undefined (unknown, or idle for 12 hours). Use keeps it alive. */
export async function findSession(db: Db, id: string, now: number): Promise<StaffSession | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const idHash = hashSecret(id);
  const row = await db.selectFrom('staff_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row || Number(row.last_seen_at) <= now - SESSION_IDLE_MS) return undefined;
  if (Number(row.last_seen_at) <= now - SESSION_TOUCH_MS) {
    await db.updateTable('staff_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, csrfToken: row.csrf_token, staff: row.staff };
}

export async function endSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('id_hash', '=', idHash).execute();
}

/** Forgets sessions idle past expiry (housekeeping); they open nothing already. */
export async function purgeSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('staff_sessions').where('last_seen_at', '<=', now - SESSION_IDLE_MS).executeTakeFirst();
  return Number(result.numDeletedRows);
}
