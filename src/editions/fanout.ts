import type { Deps } from '../deps.ts';
import type { RawMessage, SendResult } from '../mail/mailer.ts';
import type { Edition } from './edition.ts';
import { claimDeliveries, markOutcome, nextForeignLeaseEnd, renewLeases, deliveryCounts, sentMarker } from './ledger.ts';
import { recordFailure, recordSkipped, trySend, workFor, type Work } from './delivery.ts';
import { digestMime, rawDigest } from './message.ts';
import { GazetteError } from '../errors.ts';

export interface SendOptions {
  /** Who holds the leases; unique per run. */
  owner?: string;
  /** How long a claimed delivery stays ours without renewal; a dead sender's claims free up after this. */
  leaseMs?: number;
  /** Pauses between in-run attempts after a temporary failure; what still fails stays pending for the next run. */
  retryDelaysMs?: number[];
  progressEveryMs?: number;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  sent: number;
  failed: number;
  remaining: number;
  perSecond: number;
}

export interface RunStats {
  sent: number;
  failed: number;
  deferred: number;
  skipped: number;
  /** True when the run stopped early because the mail server kept failing. */
  interrupted: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends one frozen edition to every pending delivery, `smtpConcurrency` at a time. Each delivery is
 * leased before it is sent and marked right after, so a crash can repeat at most the messages in
 * flight, and another sender (or the next run) picks up the rest.
 */
export async function sendEdition(deps: Deps, edition: Edition, opts: SendOptions = {}): Promise<RunStats> {
  const { db, dialect, clock, config } = deps;
  const owner = opts.owner ?? crypto.randomUUID();
  const leaseMs = opts.leaseMs ?? 30_000;
  const retryDelays = opts.retryDelaysMs ?? [500, 2000];
  const concurrency = config.smtpConcurrency;
  const breakerAt = Math.max(10, concurrency * 3);
  const runStart = clock.now();
  const mime = digestMime(config, edition, runStart);
  const markSent = sentMarker(deps, edition.date);
  const stats: RunStats = { sent: 0, failed: 0, deferred: 0, skipped: 0, interrupted: false };
  const buffers: Uint8Array[] = [];
  const queue: Work[] = [];
  let refilling: Promise<void> | undefined;
  let exhausted = false;
  let consecutiveTemporary = 0;
  let fatal: unknown;

  let cursor = '';
  const refill = async () => {
    const claim = (orphans: boolean) =>
      claimDeliveries(db, dialect, { date: edition.date, owner, limit: Math.max(64, concurrency * 16), now: clock.now(), dueBefore: runStart, leaseMs, after: cursor, orphans });
    let claimed = await claim(cursor === '');
    if (!claimed.length && cursor) {
      // Past the last reader: go round once more, for orphans and for rows another sender released behind us.
      cursor = '';
      claimed = await claim(true);
    }
    if (!claimed.length) {
      exhausted = true;
      return;
    }
    for (const c of claimed) if (c.reader_id > cursor) cursor = c.reader_id;
    queue.push(...(await workFor(deps, claimed.map((c) => c.reader_id), clock.now())));
  };

  const next = async (): Promise<Work | undefined> => {
    while (!queue.length && !exhausted && !stats.interrupted && !fatal) {
      refilling ??= refill().finally(() => (refilling = undefined));
      await refilling;
    }
    return stats.interrupted || fatal ? undefined : queue.shift();
  };

  const deliver = async (w: Work) => {
    if (!w.eligible || !w.email) {
      await recordSkipped(deps, edition.date, w.reader_id);
      stats.skipped++;
      return;
    }
    // A copy is 60+ KB: each sender reuses its buffer once the mailer is done with the previous copy.
    const buffer = buffers.pop();
    const message = rawDigest(config, mime, edition.date, { id: w.reader_id, email: w.email }, clock.now(), buffer);
    try {
      await sendCopy(w.reader_id, w.email, message);
    } finally {
      buffers.push(new Uint8Array(message.raw.buffer));
    }
  };

  const sendCopy = async (readerId: string, email: string, message: RawMessage) => {
    let result: SendResult = { ok: false, permanent: false, error: 'not attempted' };
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      result = await trySend(deps, message);
      if (result.ok || result.permanent) break;
      if (++consecutiveTemporary >= breakerAt) {
        stats.interrupted = true;
        break;
      }
      if (attempt < retryDelays.length) await sleep(retryDelays[attempt]!);
    }
    if (result.ok) {
      consecutiveTemporary = 0;
      await markSent(readerId, email, clock.now());
      stats.sent++;
    } else {
      if (result.permanent) consecutiveTemporary = 0;
      // A temporary failure is due again at once: later than runStart, so this run leaves it alone and
      // the next run retries it first.
      await recordFailure(deps, edition.date, { id: readerId, email }, result, clock.now());
      if (result.permanent) stats.failed++;
      else stats.deferred++;
    }
  };

  const renewal = setInterval(() => void renewLeases(db, dialect, edition.date, owner, clock.now() + leaseMs).catch(() => {}), Math.max(250, leaseMs / 3));
  const progressTimer = opts.onProgress
    ? setInterval(async () => {
        const c = await deliveryCounts(db, edition.date).catch(() => undefined);
        if (!c) return;
        const elapsed = Math.max(1, clock.now() - runStart) / 1000;
        opts.onProgress!({ sent: c.sent, failed: c.failed, remaining: c.pending + c.sending, perSecond: Math.round((stats.sent / elapsed) * 10) / 10 });
      }, opts.progressEveryMs ?? 2000)
    : undefined;
  try {
    for (let waits = 0; ; waits++) {
      exhausted = false;
      // A database failure stops new work at once; messages already handed to SMTP finish first.
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          try {
            for (let w = await next(); w; w = await next()) await deliver(w);
          } catch (err) {
            fatal ??= err;
          }
        }),
      );
      if (fatal || stats.interrupted) break;
      // Deliveries still leased by another sender: wait for it to finish them, or for its lease to run out.
      const until = await nextForeignLeaseEnd(db, edition.date, owner);
      if (until === null || waits > 2 * Math.ceil(leaseMs / 250) + 10) break;
      await sleep(Math.max(50, Math.min(until - clock.now() + 20, 250)));
    }
  } finally {
    clearInterval(renewal);
    if (progressTimer) clearInterval(progressTimer);
    // Claimed but never attempted: hand them back for the next run (if the database answers; else their lease runs out).
    for (const w of queue.splice(0)) {
      await markOutcome(db, edition.date, w.reader_id, 'pending', { error: 'run interrupted', nextAttemptAt: clock.now() }).catch(() => {});
    }
  }
  if (fatal) {
    throw new GazetteError(
      'upstream_unavailable',
      `database error during the run (${(fatal as Error).message}); deliveries in flight stay leased and the next run resumes them`,
      {},
      { cause: fatal },
    );
  }
  if (stats.interrupted) deps.log.warn('digest run stopped early: the mail server keeps failing; the rest stays pending for the next run', { edition: edition.date });
  return stats;
}
