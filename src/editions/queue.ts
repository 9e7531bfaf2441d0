import type { Deps } from '../deps.ts';
import { recordFailure, recordSkipped, trySend, workFor } from './delivery.ts';
import { findEdition } from './edition.ts';
import { claimListed, openDeliveries, sentMarker, unfinished } from './ledger.ts';
import { digestMime, rawDigest } from './message.ts';
import type { MimeTemplate } from '../mail/mime.ts';
import { prepareEdition, summarise, type DigestSummary } from './run.ts';

/**
 * Fan-out through a queue (Cloudflare Queues): the scheduler freezes the edition, writes the ledger
 * and enqueues chunks of delivery ids; consumers claim a chunk's deliveries with a lease, send, mark
 * and acknowledge. Delivery is at least once, so the ledger decides: a chunk delivered twice, or
 * retried, sends nothing twice, and a consumer that dies between a send and its mark repeats at most
 * that message (same Message-ID) once its lease runs out.
 */
export interface DeliveryChunk {
  edition: string;
  readers: string[];
}

/** Readers per message: small enough that one consumer finishes a chunk well inside its lease. */
export const CHUNK_SIZE = 50;
/** Queues take at most 100 messages per sendBatch. */
const MESSAGES_PER_BATCH = 100;
/** A consumer's hold on a claimed delivery; a dead consumer's deliveries are free again after it. */
export const QUEUE_LEASE_MS = 2 * 60_000;
/** How long a chunk waits before it is tried again after a temporary failure (throttling, SES down). */
const RETRY_AFTER_FAILURE_S = 60;

export type Enqueue = (chunks: DeliveryChunk[]) => Promise<void>;

/**
 * Enqueues the deliveries of an edition still to send, in chunks; returns how many. `dueBefore`
 * leaves out pending deliveries handed back recently: their own message will come back for them.
 */
export async function enqueueOpenDeliveries(deps: Pick<Deps, 'db' | 'clock'>, date: string, enqueue: Enqueue, dueBefore = Number.MAX_SAFE_INTEGER): Promise<number> {
  let after = '';
  let queued = 0;
  for (;;) {
    const ids = await openDeliveries(deps.db, { date, now: deps.clock.now(), dueBefore, after, limit: CHUNK_SIZE * MESSAGES_PER_BATCH });
    if (!ids.length) return queued;
    const chunks: DeliveryChunk[] = [];
    for (let i = 0; i < ids.length; i += CHUNK_SIZE) chunks.push({ edition: date, readers: ids.slice(i, i + CHUNK_SIZE) });
    await enqueue(chunks);
    queued += ids.length;
    after = ids[ids.length - 1]!;
  }
}

/** The digest job on a queue: build (or reuse) today's edition and its ledger, and enqueue what is open. */
export async function queueDigest(deps: Deps, enqueue: Enqueue, date?: string): Promise<DigestSummary & { queued: number }> {
  const prepared = await prepareEdition(deps, date);
  const queued = prepared.edition ? await enqueueOpenDeliveries(deps, prepared.date, enqueue) : 0;
  return { ...(await summarise(deps, prepared.date, prepared.edition, null)), queued };
}

/** A delivery handed back this long ago whose chunk never came back (it went to the dead-letter queue). */
export const STALLED_AFTER_MS = 15 * 60_000;

/**
 * Sends again what today's edition left behind (chunks that ran out of retries, a consumer that died
 * for good). Cheap when nothing is left: run it with every feed poll.
 */
export async function requeueStalled(deps: Deps, date: string, enqueue: Enqueue): Promise<number> {
  if (!(await findEdition(deps, date))) return 0;
  return enqueueOpenDeliveries(deps, date, enqueue, deps.clock.now() - STALLED_AFTER_MS);
}

export interface ChunkResult {
  sent: number;
  failed: number;
  skipped: number;
  deferred: number;
  /** Undefined when every delivery of the chunk is finished (ack); else when to look at it again. */
  retryAfterSeconds: number | undefined;
}

/**
 * One queue message: claims the chunk's open deliveries, sends each once, records the outcome.
 * A database error propagates (the message is retried; deliveries it had claimed stay leased until
 * their lease ends). The result says whether anything of the chunk is left: deliveries handed back
 * after a temporary failure, or still leased by another consumer (which may have died).
 */
export async function deliverChunk(
  deps: Deps,
  chunk: DeliveryChunk,
  opts: { owner: string; leaseMs?: number; concurrency?: number; mimes?: Map<string, MimeTemplate> },
): Promise<ChunkResult> {
  const { db, dialect, clock } = deps;
  const leaseMs = opts.leaseMs ?? QUEUE_LEASE_MS;
  const result: ChunkResult = { sent: 0, failed: 0, skipped: 0, deferred: 0, retryAfterSeconds: undefined };
  const edition = await findEdition(deps, chunk.edition);
  if (!edition) return result; // Nothing to send for a date with no edition (a stray message).
  const claimed = await claimListed(db, dialect, { date: chunk.edition, owner: opts.owner, readerIds: chunk.readers, now: clock.now(), leaseMs });
  if (claimed.length) {
    const mimes = opts.mimes ?? new Map<string, MimeTemplate>();
    let mime = mimes.get(edition.date);
    if (!mime) {
      mime = digestMime(deps.config, edition, clock.now());
      mimes.set(edition.date, mime);
    }
    const markSent = sentMarker(deps, edition.date);
    const work = await workFor(deps, claimed.map((c) => c.reader_id), clock.now());
    let next = 0;
    const worker = async () => {
      for (let w = work[next++]; w; w = work[next++]) {
        if (!w.eligible || !w.email) {
          await recordSkipped(deps, edition.date, w.reader_id);
          result.skipped++;
          continue;
        }
        const message = rawDigest(deps.config, mime, edition.date, { id: w.reader_id, email: w.email }, clock.now());
        const sent = await trySend(deps, message);
        if (sent.ok) {
          await markSent(w.reader_id, w.email, clock.now());
          result.sent++;
        } else {
          await recordFailure(deps, edition.date, { id: w.reader_id, email: w.email }, sent, clock.now());
          if (sent.permanent) result.failed++;
          else result.deferred++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? deps.config.smtpConcurrency, work.length)) }, worker));
  }
  // What is left: handed back after a temporary failure, or held by a consumer that may have died.
  const left = await unfinished(db, dialect, chunk.edition, chunk.readers);
  if (left.length) {
    const now = clock.now();
    const leaseEnds = left.filter((d) => d.status === 'sending' && d.lease_until !== null).map((d) => d.lease_until! - now);
    const wait = left.some((d) => d.status === 'pending') ? RETRY_AFTER_FAILURE_S : Math.ceil(Math.max(1000, ...leaseEnds) / 1000) + 1;
    result.retryAfterSeconds = wait;
  }
  return result;
}
