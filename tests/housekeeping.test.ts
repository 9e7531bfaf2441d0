import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hitLimit } from '../src/abuse/rate-limits.ts';
import { housekeeping } from '../src/housekeeping.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { seedReaders } from './support/seed.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

const DAY = 24 * 3600_000;

describe('housekeeping', () => {
  it('removes readers who never paid after 30 days, keeps everyone who ever had a customer, and old rate-limit windows', async () => {
    const now = h.clock.now();
    await h.deps.db
      .insertInto('readers')
      .values([
        { id: 'old-unpaid', email: 'old@example.com', created_at: now - 31 * DAY, updated_at: now - 31 * DAY },
        { id: 'new-unpaid', email: 'new@example.com', created_at: now - 29 * DAY, updated_at: now - 29 * DAY },
      ])
      .execute();
    // An old reader whose subscription ended long ago keeps their history (invoices, the account page).
    await seedReaders(h.deps.db, 1, { prefix: 'former', status: 'canceled' });
    await hitLimit(h.deps.db, { name: 'checkout:client', max: 1, windowMs: 600_000 }, '203.0.113.1', now - 2 * 3600_000);
    await hitLimit(h.deps.db, { name: 'checkout:client', max: 1, windowMs: 600_000 }, '203.0.113.2', now);

    expect(await housekeeping(h.deps)).toEqual({ readers: 1, limits: 1, sessions: 0 });
    const left = (await h.deps.db.selectFrom('readers').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(left).toEqual(['former-0000000', 'new-unpaid']);
    expect(await h.deps.db.selectFrom('rate_limits').selectAll().execute()).toHaveLength(1);
    expect(h.logs.join('\n')).toContain('readers who never paid removed after 30 days');
    expect(h.logs.join('\n')).not.toContain('old@example.com');
  });
});
