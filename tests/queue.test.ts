import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { deliverChunk, enqueueOpenDeliveries, queueDigest, type DeliveryChunk } from '../src/editions/queue.ts';
import { deliveryCounts } from '../src/editions/ledger.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';

// The queue fan-out's core (the Worker's scheduled and queue handlers call it), on SQLite and PostgreSQL.
let h: Harness;
let queued: DeliveryChunk[];
beforeEach(async () => {
  h = await makeHarness();
  queued = [];
  await upsertArticles(h.deps, [article(1, h.clock.now()), article(2, h.clock.now())], 'api', h.clock.now());
});
afterEach(() => h.close());

const sent = () => (h.deps.mailer as unknown as { sent: RawMessage[] }).sent;
const enqueue = async (chunks: DeliveryChunk[]) => void queued.push(...chunks);

describe('queue fan-out', () => {
  it('the digest job enqueues every open delivery in chunks of at most 50; running it again adds only what is still open', async () => {
    await seedReaders(h.deps.db, 120);
    const summary = await queueDigest(h.deps, enqueue);
    expect(summary).toMatchObject({ edition: true, queued: 120 });
    expect(queued.map((c) => c.readers.length)).toEqual([50, 50, 20]);
    expect(new Set(queued.flatMap((c) => c.readers)).size).toBe(120);
    for (const chunk of queued.splice(0, 2)) expect((await deliverChunk(h.deps, chunk, { owner: 'c1' })).retryAfterSeconds).toBeUndefined();
    queued.length = 0;
    expect(await enqueueOpenDeliveries(h.deps, summary.date, enqueue)).toBe(20);
  });

  it('a chunk of 150 ids, delivered twice: each reader gets one copy, both times the chunk is finished', async () => {
    await seedReaders(h.deps.db, 150);
    await queueDigest(h.deps, enqueue);
    const chunk = { edition: queued[0]!.edition, readers: queued.flatMap((c) => c.readers) };
    const first = await deliverChunk(h.deps, chunk, { owner: 'a' });
    const second = await deliverChunk(h.deps, chunk, { owner: 'b' });
    expect(first).toMatchObject({ sent: 150, retryAfterSeconds: undefined });
    expect(second).toMatchObject({ sent: 0, retryAfterSeconds: undefined });
    expect(sent()).toHaveLength(150);
    expect(await deliveryCounts(h.deps.db, chunk.edition)).toMatchObject({ sent: 150, pending: 0, sending: 0 });
  });

  it('deliveries another consumer holds are not sent; the chunk comes back when that lease ends', async () => {
    await seedReaders(h.deps.db, 3);
    await queueDigest(h.deps, enqueue);
    const chunk = queued[0]!;
    await sql`UPDATE deliveries SET status = 'sending', lease_owner = 'dead', lease_until = ${h.clock.now() + 90_000}`.execute(h.deps.db);
    const early = await deliverChunk(h.deps, chunk, { owner: 'me' });
    expect(early).toMatchObject({ sent: 0, retryAfterSeconds: 91 });
    h.clock.advance(90_001);
    const late = await deliverChunk(h.deps, chunk, { owner: 'me' });
    expect(late).toMatchObject({ sent: 3, retryAfterSeconds: undefined });
  });
});
