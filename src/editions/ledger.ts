import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Batch } from '../db/batch.ts';
import { idList } from '../db/id-list.ts';
import type { Db, DeliveryStatus, DialectName } from '../db/schema.ts';
import { receivesDigestSql } from '../billing/entitlement.ts';

/**
 * Adds a pending delivery for every reader who gets digests now (entitled, not unsubscribed, not
 * suppressed) and has none for this edition yet. Re-running adds only readers new since. New rows
 * are due at once (next_attempt_at 0), so every sender running now can claim them, whenever it started.
 */
export async function enumerateAudience(db: Db, date: string, now: number): Promise<number> {
  const result = await sql`
    INSERT INTO deliveries (edition_date, reader_id, email, status, attempts, next_attempt_at)
    SELECT ${date}, r.id, r.email, 'pending', 0, 0 FROM readers r
    WHERE ${receivesDigestSql('r', now)}
    ON CONFLICT (edition_date, reader_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface Claimed {
  reader_id: string;
  attempts: number;
}

/**
 * Leases up to `limit` deliveries to `owner`, one statement per kind: 'sending' rows whose lease ran
 * out (their sender died) first, then pending rows due before the run began. PostgreSQL skips rows
 * another sender is claiming at the same moment; SQLite has one writer at a time.
 */
export async function claimDeliveries(
  db: Db,
  dialect: DialectName,
  opts: { date: string; owner: string; limit: number; now: number; dueBefore: number; leaseMs: number; after?: string; orphans?: boolean },
): Promise<Claimed[]> {
  const { date, owner, limit, now, dueBefore, leaseMs } = opts;
  // Claims walk the primary key from after the last reader this sender claimed: no index holds the
  // status (updates of it stay in place), so starting from the first reader each time would step
  // over every delivery already sent.
  const resume = sql`AND reader_id > ${opts.after ?? ''}`;
  const lease = sql`status = 'sending', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = deliveries.attempts + 1`;
  const claim = async (status: 'sending' | 'pending', due: RawBuilder<boolean>, max: number, range: RawBuilder<unknown> = sql``) => {
    const candidates = sql`SELECT reader_id FROM deliveries WHERE edition_date = ${date} AND status = ${status} AND ${due} ${range} ORDER BY reader_id LIMIT ${max}`;
    const statement =
      dialect === 'postgres'
        ? // Candidates are picked once in a CTE: a subquery under IN may be re-run per row on PostgreSQL.
          sql<Claimed>`WITH picked AS (${candidates} FOR UPDATE SKIP LOCKED)
            UPDATE deliveries SET ${lease} FROM picked
            WHERE deliveries.edition_date = ${date} AND deliveries.reader_id = picked.reader_id AND deliveries.status = ${status} AND ${due}
            RETURNING deliveries.reader_id, deliveries.attempts`
        : // SQLite runs an uncorrelated IN list once and looks each row up by key; joined to a CTE instead,
          // it walked every pending row of the edition on each claim (quadratic in the audience).
          sql<Claimed>`UPDATE deliveries SET ${lease}
            WHERE edition_date = ${date} AND reader_id IN (${candidates}) AND status = ${status} AND ${due}
            RETURNING reader_id, attempts`;
    return (await statement.execute(db)).rows;
  };
  // Looking for orphans walks every row that was ever 'sending' (dead index entries on PostgreSQL), so
  // senders do it when they start and when nothing pending is left, not on every claim.
  const orphaned = opts.orphans === false ? [] : await claim('sending', sql<boolean>`lease_until < ${now}`, limit);
  if (orphaned.length >= limit) return orphaned;
  const pending = await claim('pending', sql<boolean>`next_attempt_at <= ${dueBefore}`, limit - orphaned.length, resume);
  return [...orphaned, ...pending];
}

/** Keeps this sender's leases alive while it works, so nobody takes over live deliveries. */
export async function renewLeases(db: Db, dialect: DialectName, date: string, owner: string, until: number): Promise<void> {
  if (dialect === 'postgres') {
    // A group mark locks several of our rows at once, in its own order; a renewal waiting on one of
    // them while holding others would deadlock with it. Rows being marked are about to be sent
    // anyway: the renewal skips them, so it never waits and no cycle can form.
    await sql`UPDATE deliveries SET lease_until = ${until} WHERE edition_date = ${date} AND reader_id IN (
      SELECT reader_id FROM deliveries WHERE edition_date = ${date} AND lease_owner = ${owner} AND status = 'sending' FOR UPDATE SKIP LOCKED)`.execute(db);
    return;
  }
  await db.updateTable('deliveries').set({ lease_until: until }).where('edition_date', '=', date).where('lease_owner', '=', owner).where('status', '=', 'sending').execute();
}

const MARK_SENT = `UPDATE deliveries SET status = 'sent', sent_at = ?, email = ?, lease_until = NULL, last_error = NULL
  WHERE edition_date = ? AND reader_id = ? AND status <> 'sent'`;
const MARK_SENT_PG = MARK_SENT.replace(/\?/g, (() => {
  let n = 0;
  return () => `$${++n}`;
})());

/**
 * Runs once per message, so it skips the query builder: the statement text is fixed per dialect
 * (and SQLite keeps it prepared).
 */
export async function markSent(db: Db, dialect: DialectName, date: string, readerId: string, email: string, now: number): Promise<void> {
  await db.executeQuery(markSentQuery(dialect, date, readerId, email, now));
}

const MARK_MANY_SENT_PG = `UPDATE deliveries SET status = 'sent', sent_at = m.sent_at, email = m.email, lease_until = NULL, last_error = NULL
  FROM (SELECT unnest($1::text[]) AS reader_id, unnest($2::text[]) AS email, unnest($3::bigint[]) AS sent_at) AS m
  WHERE deliveries.edition_date = $4 AND deliveries.reader_id = m.reader_id AND deliveries.status <> 'sent'`;

function markManySentQuery(date: string, marks: { readerId: string; email: string; now: number }[]): CompiledQuery {
  return CompiledQuery.raw(MARK_MANY_SENT_PG, [marks.map((m) => m.readerId), marks.map((m) => m.email), marks.map((m) => m.now), date]);
}

function markSentQuery(dialect: DialectName, date: string, readerId: string, email: string, now: number): CompiledQuery {
  return CompiledQuery.raw(dialect === 'postgres' ? MARK_SENT_PG : MARK_SENT, [now, email, date, readerId]);
}

/**
 * Group commit for sent marks: each mark is its own statement, but marks that arrive together share
 * one commit. A sender still waits for its own mark to be committed before it takes more work, so at
 * most `concurrency` messages are ever sent but unmarked.
 */
export function sentMarker(store: { db: Db; dialect: DialectName; batch: Batch }, date: string): (readerId: string, email: string, now: number) => Promise<void> {
  const { db, dialect } = store;
  // PostgreSQL: marks that arrive while a commit is under way share the next one. SQLite commits
  // synchronously, so nothing arrives meanwhile: there a batch is every mark made in one turn of the
  // event loop (each SMTP reply read in that turn), which saves a WAL append per mark.
  const schedule = dialect === 'sqlite' ? (f: () => void) => void setImmediate(f) : queueMicrotask;
  let pending: { readerId: string; email: string; now: number; done: (err?: unknown) => void }[] = [];
  let flushing = false;
  const flush = async () => {
    flushing = true;
    while (pending.length) {
      const batch = pending;
      pending = [];
      try {
        if (batch.length === 1) await markSent(db, dialect, date, batch[0]!.readerId, batch[0]!.email, batch[0]!.now);
        // PostgreSQL: one statement for the whole group (one plan, one round trip, one commit).
        else if (dialect === 'postgres') await db.executeQuery(markManySentQuery(date, batch));
        else await store.batch(batch.map((m) => markSentQuery(dialect, date, m.readerId, m.email, m.now)));
        for (const m of batch) m.done();
      } catch (err) {
        for (const m of batch) m.done(err);
      }
    }
    flushing = false;
  };
  return (readerId, email, now) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ readerId, email, now, done: (err) => (err ? reject(err) : resolve()) });
      // The first mark of a batch schedules its flush; a flush under way takes later marks itself.
      if (!flushing && pending.length === 1) schedule(() => void flush());
    });
}

export async function markOutcome(db: Db, date: string, readerId: string, status: Exclude<DeliveryStatus, 'sent' | 'sending'>, fields: { error?: string; nextAttemptAt?: number }) {
  await db
    .updateTable('deliveries')
    .set({
      status,
      lease_until: null,
      last_error: fields.error?.slice(0, 500) ?? null,
      ...(fields.nextAttemptAt !== undefined ? { next_attempt_at: fields.nextAttemptAt } : {}),
    })
    .where('edition_date', '=', date)
    .where('reader_id', '=', readerId)
    .where('status', '=', 'sending')
    .execute();
}

export type DeliveryCounts = Record<'sent' | 'failed' | 'pending' | 'sending' | 'skipped', number>;

export async function deliveryCounts(db: Db, date: string): Promise<DeliveryCounts> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('edition_date', '=', date)
    .groupBy('status')
    .execute();
  const counts: DeliveryCounts = { sent: 0, failed: 0, pending: 0, sending: 0, skipped: 0 };
  for (const r of rows) counts[r.status as keyof DeliveryCounts] = Number(r.n);
  return counts;
}

/** How many deliveries of an edition were sent since `since`: the send rate staff watch. */
export async function sentSince(db: Db, date: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('edition_date', '=', date)
    .where('status', '=', 'sent')
    .where('sent_at', '>=', since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The soonest moment a lease held by another sender runs out, if any is held. */
export async function nextForeignLeaseEnd(db: Db, date: string, owner: string): Promise<number | null> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min<number>('lease_until').as('until'))
    .where('edition_date', '=', date)
    .where('status', '=', 'sending')
    .where('lease_owner', '!=', owner)
    .executeTakeFirst();
  return row?.until == null ? null : Number(row.until);
}

/**
 * Leases the listed deliveries that nobody is sending: pending ones, and those whose sender's lease
 * ran out (it died). One statement, so two consumers given the same list get disjoint rows.
 */
export async function claimListed(
  db: Db,
  dialect: DialectName,
  opts: { date: string; owner: string; readerIds: string[]; now: number; leaseMs: number },
): Promise<Claimed[]> {
  const { date, owner, readerIds, now, leaseMs } = opts;
  if (!readerIds.length) return [];
  const { rows } = await sql<Claimed>`UPDATE deliveries
    SET status = 'sending', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = deliveries.attempts + 1
    WHERE edition_date = ${date} AND reader_id IN ${idList(dialect, readerIds)}
      AND (status = 'pending' OR (status = 'sending' AND lease_until < ${now}))
    RETURNING reader_id, attempts`.execute(db);
  return rows;
}

/**
 * Deliveries of an edition still to send — pending (due before `dueBefore`), or leased by a sender
 * that died — in reader order, a page at a time.
 */
export async function openDeliveries(db: Db, opts: { date: string; now: number; dueBefore: number; after: string; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select('reader_id')
    .where('edition_date', '=', opts.date)
    .where('reader_id', '>', opts.after)
    .where((eb) =>
      eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', opts.dueBefore)]), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', opts.now)])]),
    )
    .orderBy('reader_id')
    .limit(opts.limit)
    .execute();
  return rows.map((r) => r.reader_id);
}

/** The listed deliveries that are not finished, with who holds them: what a consumer must come back for. */
export async function unfinished(db: Db, dialect: DialectName, date: string, readerIds: string[]): Promise<{ reader_id: string; status: DeliveryStatus; lease_until: number | null }[]> {
  if (!readerIds.length) return [];
  const { rows } = await sql<{ reader_id: string; status: DeliveryStatus; lease_until: number | null }>`SELECT reader_id, status, lease_until FROM deliveries
    WHERE edition_date = ${date} AND reader_id IN ${idList(dialect, readerIds)} AND status IN ('pending', 'sending')`.execute(db);
  return rows.map((r) => ({ ...r, lease_until: r.lease_until === null ? null : Number(r.lease_until) }));
}
