import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { editionDate, isIsoDate, nextDate } from './dates.ts';
import { findEdition, freezeEdition, type Edition } from './edition.ts';
import { sendEdition, type RunStats, type SendOptions } from './fanout.ts';
import { deliveryCounts, enumerateAudience, type DeliveryCounts } from './ledger.ts';

export interface DigestSummary {
  date: string;
  /** False when there was nothing new to send: no edition, nobody mailed. */
  edition: boolean;
  articles: number;
  deliveries: DeliveryCounts;
  run: RunStats | null;
}

/** The closing line of `npm run digest`. */
export function summaryLine(s: DigestSummary): string {
  const d = s.deliveries;
  return `edition ${s.date}: sent=${d.sent} failed=${d.failed} pending=${d.pending + d.sending} skipped=${d.skipped}`;
}

/**
 * The edition of `date` (today in DIGEST_TIMEZONE by default), built if it is new, with a ledger row
 * for every reader who gets it: what both ways of sending (this process, or a queue) start from.
 * An earlier date is only accepted for an edition that exists (to finish its deliveries). Null when
 * there is nothing new: no edition, nobody mailed.
 */
export async function prepareEdition(deps: Deps, requested?: string): Promise<{ date: string; edition: Edition | null }> {
  const today = editionDate(deps.clock.now(), deps.config.digestTimezone);
  const date = requested ?? today;
  if (!isIsoDate(date)) throw new GazetteError('invalid_input', `date must be YYYY-MM-DD, got "${date}"`, { field: 'date' });
  // An edition frozen for a far date would hold today's articles under that date and block them from it.
  if (date > nextDate(today)) throw new GazetteError('invalid_input', `date ${date} is after tomorrow (${nextDate(today)} in ${deps.config.digestTimezone}); editions are built on their day`, { field: 'date' });
  let edition: Edition | null | undefined = await findEdition(deps, date);
  if (!edition) {
    if (date < today) throw new GazetteError('invalid_input', `there is no edition of ${date}, and an earlier date cannot be built now`, { field: 'date' });
    edition = await freezeEdition(deps, date);
  }
  if (edition) await enumerateAudience(deps.db, date, deps.clock.now());
  return { date, edition: edition ?? null };
}

export async function summarise(deps: Deps, date: string, edition: Edition | null, run: RunStats | null): Promise<DigestSummary> {
  if (!edition) return { date, edition: false, articles: 0, deliveries: { sent: 0, failed: 0, pending: 0, sending: 0, skipped: 0 }, run: null };
  return { date, edition: true, articles: edition.article_count, deliveries: await deliveryCounts(deps.db, date), run };
}

/** Builds (or reuses) the edition and sends what is pending from this process. */
export async function runDigest(deps: Deps, opts: SendOptions & { date?: string } = {}): Promise<DigestSummary> {
  const { date, edition } = await prepareEdition(deps, opts.date);
  return summarise(deps, date, edition, edition ? await sendEdition(deps, edition, opts) : null);
}

const running = new WeakMap<Deps, Promise<unknown>>();

/** Never two digest runs at once in one process (schedule, catch-up, admin button): the next waits its turn. */
export function runDigestExclusive(deps: Deps, opts: SendOptions & { date?: string } = {}): Promise<DigestSummary> {
  const previous = running.get(deps) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => runDigest(deps, opts));
  running.set(deps, run);
  return run;
}
