import { Cron } from 'croner';
import type { Deps } from '../deps.ts';
import { pollFeeds } from '../articles/poll.ts';
import { sendDueWelcomes } from '../billing/welcome.ts';
import { editionDate } from '../editions/dates.ts';
import { findEdition } from '../editions/edition.ts';
import { deliveryCounts } from '../editions/ledger.ts';
import { runDigestExclusive, summaryLine } from '../editions/run.ts';
import { housekeeping } from '../housekeeping.ts';

/** True when today's digest time (in the digest time zone) has already passed at `now`. */
export function digestTimePassedToday(cron: string, timezone: string, now: Date): boolean {
  const previous = new Cron(cron, { timezone, paused: true }).previousRuns(1, now)[0];
  return previous !== undefined && editionDate(previous.getTime(), timezone) === editionDate(now.getTime(), timezone);
}

/** Today's edition still owes mail: not built yet, or deliveries left pending. */
export async function todayOwesMail(deps: Deps): Promise<boolean> {
  const date = editionDate(deps.clock.now(), deps.config.digestTimezone);
  if (!(await findEdition(deps, date))) return true;
  const c = await deliveryCounts(deps.db, date);
  return c.pending + c.sending > 0;
}

async function digestJob(deps: Deps) {
  const summary = await runDigestExclusive(deps, { onProgress: (p) => deps.log.info('digest progress', { ...p }) });
  // "No new articles" is already logged where the edition was not built.
  if (summary.edition) deps.log.info(summaryLine(summary));
}

/**
 * The Node schedules: feed polling, the daily digest (croner, in DIGEST_TIMEZONE, never overlapping),
 * welcome-mail retries and hourly housekeeping. At start it polls once and, if today's send time has passed with today's
 * edition not fully sent, sends it then.
 */
export function startSchedules(deps: Deps): { stop(): void; startup: Promise<void>; jobs: Record<'feeds' | 'digest' | 'welcome' | 'housekeeping', Cron> } {
  const { config, log } = deps;
  const onError = (job: string) => (err: unknown) => log.error(`${job} failed`, { error: String(err) });
  const jobs = {
    feeds: new Cron(config.feedPollCron, { protect: true, catch: onError('feed poll') }, async () => void (await pollFeeds(deps, config.feedUrls))),
    digest: new Cron(config.digestCron, { timezone: config.digestTimezone, protect: true, catch: onError('digest') }, () => digestJob(deps)),
    welcome: new Cron('* * * * *', { protect: true, catch: onError('welcome retry') }, async () => void (await sendDueWelcomes(deps))),
    housekeeping: new Cron('23 * * * *', { protect: true, catch: onError('housekeeping') }, async () => void (await housekeeping(deps))),
  };
  const startup = (async () => {
    if (config.feedUrls.length) await pollFeeds(deps, config.feedUrls);
    await sendDueWelcomes(deps);
    if (digestTimePassedToday(config.digestCron, config.digestTimezone, new Date(deps.clock.now())) && (await todayOwesMail(deps))) {
      log.info("today's digest time has passed and the edition is not fully sent: sending it now");
      await digestJob(deps);
    }
  })().catch(onError('start-up catch-up'));
  return { stop: () => Object.values(jobs).forEach((j) => j.stop()), startup, jobs };
}
