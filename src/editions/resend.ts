import { sql } from 'kysely';
import { receivesDigestSql } from '../billing/entitlement.ts';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { findReaderById } from '../readers/store.ts';
import { editionDate } from './dates.ts';
import { findEdition } from './edition.ts';

/**
 * "Send this reader today's edition again" (staff): that reader's delivery of today's edition goes
 * back to pending (or is added), and the edition is dispatched as for "send now". Everyone else's
 * copies stay sent, so exactly one more copy goes out; its Message-ID is the one the first copy had
 * (it is derived from the edition and the reader), so a mail client that kept the first drops it.
 */
export async function resendToReader(deps: Deps, readerId: string): Promise<{ date: string }> {
  const now = deps.clock.now();
  const date = editionDate(now, deps.config.digestTimezone);
  const reader = await findReaderById(deps.db, readerId);
  if (!reader) throw new GazetteError('not_found', 'there is no such reader');
  if (!(await findEdition(deps, date))) throw new GazetteError('not_found', `there is no edition of today (${date}) yet: send it first`);
  const receives = await deps.db
    .selectFrom('readers as r')
    .select(sql<number>`CASE WHEN ${receivesDigestSql('r', now)} THEN 1 ELSE 0 END`.as('yes'))
    .where('r.id', '=', readerId)
    .executeTakeFirst();
  // The sender would skip them anyway; saying so now is clearer than a 'skipped' row later.
  if (Number(receives?.yes) !== 1) {
    throw new GazetteError('invalid_input', 'this reader does not get the digest now (not entitled, unsubscribed or suppressed): resume the digest or lift the suppression first');
  }
  const due = { status: 'pending' as const, next_attempt_at: 0, lease_owner: null, lease_until: null, last_error: null, email: reader.email };
  const reset = await deps.db
    .insertInto('deliveries')
    .values({ edition_date: date, reader_id: readerId, attempts: 0, ...due })
    // A copy being sent right now is left alone: it is already on its way.
    .onConflict((oc) => oc.columns(['edition_date', 'reader_id']).doUpdateSet(due).where('deliveries.status', '<>', 'sending'))
    .returning('reader_id')
    .executeTakeFirst();
  if (!reset) throw new GazetteError('invalid_input', 'a copy of today\'s edition is being sent to this reader right now');
  deps.log.info('edition queued again for one reader', { edition: date, reader_id: readerId });
  await deps.dispatchEdition(date);
  return { date };
}
