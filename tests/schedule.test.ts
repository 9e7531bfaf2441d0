import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { memoryMailer } from '../src/mail/memory.ts';
import { digestTimePassedToday, startSchedules, todayOwesMail } from '../src/runtime/schedule.ts';
import { makeHarness, testClock, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';

describe("today's send time", () => {
  it.each([
    ['0 7 * * *', 'UTC', '2026-11-27T06:59:00Z', false],
    ['0 7 * * *', 'UTC', '2026-11-27T07:00:01Z', true],
    ['0 7 * * *', 'Europe/Paris', '2026-11-27T05:59:00Z', false],
    ['0 7 * * *', 'Europe/Paris', '2026-11-27T06:01:00Z', true],
    // 23:30 in Auckland is already the next calendar day there: its 07:00 has passed.
    ['0 7 * * *', 'Pacific/Auckland', '2026-11-27T10:30:00Z', true],
    ['30 6 * * 1-5', 'UTC', '2026-11-28T09:00:00Z', false],
  ])('%s in %s at %s → passed: %s', (cron, tz, at, expected) => {
    expect(digestTimePassedToday(cron, tz, new Date(at))).toBe(expected);
  });
});

describe('schedules on Node', () => {
  let h: Harness;
  let mailer: ReturnType<typeof memoryMailer>;
  beforeEach(async () => {
    mailer = memoryMailer();
    h = await makeHarness({ mailer, clock: testClock(Date.parse('2026-11-27T09:30:00Z')), env: { DIGEST_CRON: '0 7 * * *', DIGEST_TIMEZONE: 'Europe/Paris' } });
    await seedReaders(h.deps.db, 3);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
  });
  afterEach(() => h.close());

  it('the digest job runs in DIGEST_TIMEZONE', () => {
    const s = startSchedules(h.deps);
    try {
      expect(s.jobs.digest.nextRun(new Date('2026-11-27T05:00:00Z'))!.toISOString()).toBe('2026-11-27T06:00:00.000Z');
      expect(s.jobs.feeds.nextRun(new Date('2026-11-27T05:01:00Z'))!.toISOString()).toBe('2026-11-27T05:15:00.000Z');
    } finally {
      s.stop();
    }
  });

  it('down at send time, back later that day: today’s edition goes out at start-up, once', async () => {
    expect(await todayOwesMail(h.deps)).toBe(true);
    const first = startSchedules(h.deps);
    await first.startup;
    first.stop();
    expect(mailer.sent.filter((m) => 'raw' in m && Buffer.from(m.raw).includes('\r\nX-Gazette-Edition: 2026-11-27\r\n'))).toHaveLength(3);
    expect(await todayOwesMail(h.deps)).toBe(false);
    const second = startSchedules(h.deps);
    await second.startup;
    second.stop();
    expect(mailer.sent.filter((m) => 'raw' in m && Buffer.from(m.raw).includes('\r\nX-Gazette-Edition: 2026-11-27\r\n'))).toHaveLength(3);
  });

  it('before send time, start-up sends nothing', async () => {
    h.clock.set(Date.parse('2026-11-27T05:30:00Z'));
    const s = startSchedules(h.deps);
    await s.startup;
    s.stop();
    expect(mailer.sent).toHaveLength(0);
  });
});
