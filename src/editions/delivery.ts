import { sql } from 'kysely';
import { receivesDigestSql } from '../billing/entitlement.ts';
import { idList } from '../db/id-list.ts';
import type { Deps } from '../deps.ts';
import type { SendResult } from '../mail/mailer.ts';
import { suppress } from '../readers/suppressions.ts';
import { markOutcome } from './ledger.ts';

/**
 * What every sender does with one leased delivery, whether it runs in `npm run digest` (Node) or
 * in a queue consumer (Workers): who it goes to now, and what each kind of answer leaves in the ledger.
 */
export interface Work {
  reader_id: string;
  /** The reader's address now (it may have changed since the ledger row was written). */
  email: string | null;
  /** Still entitled, not unsubscribed, not suppressed. */
  eligible: boolean;
}

/** The claimed deliveries as work: each reader's current address and eligibility, in one query. */
export async function workFor(deps: Pick<Deps, 'db' | 'dialect'>, readerIds: string[], now: number): Promise<Work[]> {
  if (!readerIds.length) return [];
  const rows = await deps.db
    .selectFrom('readers as r')
    .select(['r.id', 'r.email', sql<number>`CASE WHEN ${receivesDigestSql('r', now)} THEN 1 ELSE 0 END`.as('eligible')])
    .where('r.id', 'in', idList(deps.dialect, readerIds))
    .execute();
  const readers = new Map(rows.map((r) => [r.id, { email: r.email, eligible: Number(r.eligible) === 1 }]));
  return readerIds.map((id) => ({ reader_id: id, email: readers.get(id)?.email ?? null, eligible: readers.get(id)?.eligible ?? false }));
}

/** A reader who no longer gets digests since the ledger was written: skipped, never sent. */
export async function recordSkipped(deps: Pick<Deps, 'db'>, date: string, readerId: string): Promise<void> {
  await markOutcome(deps.db, date, readerId, 'skipped', { error: 'no longer receives digests' });
}

/**
 * A final refusal (SMTP 5xx, SES MessageRejected): the delivery fails and the address is suppressed,
 * never mailed again until staff lift it. A temporary one hands the delivery back, due at once.
 */
export async function recordFailure(deps: Pick<Deps, 'db'>, date: string, reader: { id: string; email: string }, result: Extract<SendResult, { ok: false }>, now: number): Promise<void> {
  if (!result.permanent) {
    await markOutcome(deps.db, date, reader.id, 'pending', { error: result.error, nextAttemptAt: now });
    return;
  }
  await markOutcome(deps.db, date, reader.id, 'failed', { error: result.error });
  await suppress(deps.db, reader.email, { reason: 'bounce', source: 'send', detail: result.error }, now);
}

/** A mail port that threw (it should answer instead) counts as a temporary failure. */
export async function trySend(deps: Pick<Deps, 'mailer'>, message: Parameters<Deps['mailer']['send']>[0]): Promise<SendResult> {
  try {
    return await deps.mailer.send(message);
  } catch (err) {
    return { ok: false, permanent: false, error: (err as Error).message };
  }
}
