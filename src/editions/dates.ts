import { Cron } from 'croner';

/** The calendar date (YYYY-MM-DD) of an instant in a time zone: an edition's name. */
export function editionDate(now: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
}

export const isIsoDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** The calendar day after `date` (YYYY-MM-DD), whatever the time zone's offsets do in between. */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 24 * 3600_000).toISOString().slice(0, 10);
}

/** When the digest next goes out after `now`: DIGEST_CRON read in DIGEST_TIMEZONE, as the schedules read it. */
export function nextDigestAt(config: { digestCron: string; digestTimezone: string }, now: number): Date | null {
  return new Cron(config.digestCron, { timezone: config.digestTimezone, paused: true }).nextRun(new Date(now));
}
