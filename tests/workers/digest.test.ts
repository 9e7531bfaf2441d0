import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { editionDate } from '../../src/editions/dates.ts';
import type { DeliveryChunk } from '../../src/editions/queue.ts';
import worker from '../../src/worker.ts';
import { ADMIN, counts, postArticles, request, resetDatabase, seedReaders, ses, stripe } from './support.ts';

beforeEach(async () => {
  await resetDatabase();
  await stripe.reset();
  await ses.reset();
});

const today = () => editionDate(Date.now(), 'UTC');

async function trigger(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: new Date() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Hands chunks to the consumer the way Queues does, and says what it acked and retried. */
async function consume(chunks: DeliveryChunk[]) {
  const messages = chunks.map((body, i) => ({ id: `msg-${i}-${Math.random().toString(36).slice(2)}`, timestamp: new Date(), attempts: 1, body }));
  const batch = createMessageBatch<DeliveryChunk>('gazette-deliveries', messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ids: messages.map((m) => m.id), result };
}

async function frozenEditionWith(readers: number, prefix = 'reader') {
  const ids = await seedReaders(readers, prefix);
  await postArticles(3);
  // Freeze the edition and write its ledger without the queue, so each test drives the consumer itself.
  const { workerRuntime } = await import('../../src/runtime/worker-deps.ts');
  const runtime = workerRuntime(env);
  if (!runtime.ok) throw new Error(runtime.problems.join('; '));
  const { prepareEdition } = await import('../../src/editions/run.ts');
  const { date } = await prepareEdition(runtime.deps);
  return { ids, date };
}

/** What a consumer would answer for a chunk now, sending nothing more (every delivery is held or handed back). */
async function chunkVerdict(chunk: DeliveryChunk) {
  const { workerRuntime } = await import('../../src/runtime/worker-deps.ts');
  const { deliverChunk } = await import('../../src/editions/queue.ts');
  const runtime = workerRuntime(env);
  if (!runtime.ok) throw new Error(runtime.problems.join('; '));
  // A chunk whose deliveries are all held by someone else, or pending after a failure, is only looked at.
  const held = await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE edition_date = ? AND status = 'pending'").bind(chunk.edition).first<{ n: number }>();
  if (held!.n) await ses.control({ throttle: held!.n });
  return deliverChunk(runtime.deps, chunk, { owner: 'verdict' });
}

describe('the digest on Workers: Cron Trigger → ledger → Queue → SES', () => {
  it('one copy per entitled reader through SES_ENDPOINT; a second trigger sends nothing', async () => {
    await seedReaders(120);
    await postArticles(3);
    await trigger('0 7 * * *');
    const messages = await ses.waitFor(120);
    expect(new Set(messages.map((m) => m.to[0])).size).toBe(120);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(120);
    expect(messages[0]).toMatchObject({ edition: today(), subject: expect.stringContaining('Story 0: the harbour budget') });
    expect(String(messages[0]!.listUnsubscribe)).toContain('https://news.example.com/unsubscribe/');
    expect(await counts(today())).toEqual({ sent: 120 });

    await trigger('0 7 * * *');
    await new Promise((r) => setTimeout(r, 500));
    expect(await ses.messages()).toHaveLength(120);
  });

  it("staff's send now puts the edition on the queue (202), and the consumer sends it", async () => {
    await seedReaders(5);
    await postArticles(2);
    const res = await request('/admin/editions/send', { method: 'POST', headers: ADMIN });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ date: today(), edition: true });
    expect(new Set((await ses.waitFor(5)).map((m) => m.to[0])).size).toBe(5);
    expect(await counts(today())).toEqual({ sent: 5 });
  });

  it('the feed-poll trigger is not the digest: nothing is sent', async () => {
    await seedReaders(3);
    await postArticles(1);
    await trigger('*/15 * * * *');
    await new Promise((r) => setTimeout(r, 300));
    expect(await ses.messages()).toHaveLength(0);
  });
});

describe('the queue consumer: the ledger decides', () => {
  it('a chunk delivered twice (at-least-once delivery) sends each reader once, and both are acknowledged', async () => {
    const { ids, date } = await frozenEditionWith(10);
    const chunk = { edition: date, readers: ids };
    const { ids: messageIds, result } = await consume([chunk, chunk]);
    expect(result.explicitAcks.sort()).toEqual([...messageIds].sort());
    expect(result.retryMessages).toEqual([]);
    const messages = await ses.messages();
    expect(messages.map((m) => m.to[0]).sort()).toEqual(ids.map((_, i) => `reader${i}@example.com`).sort());
    expect(await counts(date)).toEqual({ sent: 10 });
  });

  it('more than 100 ids in one claim (one JSON parameter, not 100+ bound values)', async () => {
    const { ids, date } = await frozenEditionWith(150, 'many');
    const { result } = await consume([{ edition: date, readers: ids }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await ses.messages()).toHaveLength(150);
    expect(await counts(date)).toEqual({ sent: 150 });
  });

  it('a throttled send hands its delivery back and the chunk is retried later, with a delay', async () => {
    const { ids, date } = await frozenEditionWith(4);
    await ses.control({ throttle: 1 });
    const { ids: messageIds, result } = await consume([{ edition: date, readers: ids }]);
    expect(result.retryMessages).toEqual([{ msgId: messageIds[0] }]);
    expect(await counts(date)).toEqual({ sent: 3, pending: 1 });
    // The consumer asked Queues for a delay: what deliverChunk answers for what is left.
    expect((await chunkVerdict({ edition: date, readers: ids })).retryAfterSeconds).toBe(60);
    const again = await consume([{ edition: date, readers: ids }]);
    expect(again.result.explicitAcks).toHaveLength(1);
    expect(await counts(date)).toEqual({ sent: 4 });
    expect(new Set((await ses.messages()).map((m) => m.to[0])).size).toBe(4);
  });

  it('a crash between send and mark repeats at most that message, with the same Message-ID, once its lease ends', async () => {
    const { ids, date } = await frozenEditionWith(3);
    const chunk = { edition: date, readers: ids };
    // The database refuses every "sent" mark: the mails go out, the consumer dies before recording them.
    await env.DB.exec("CREATE TRIGGER crash BEFORE UPDATE ON deliveries WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'consumer died'); END");
    const crashed = await consume([chunk]);
    expect(crashed.result.retryMessages).toHaveLength(1);
    expect(await ses.messages()).toHaveLength(3);
    expect(await counts(date)).toEqual({ sending: 3 });
    await env.DB.exec('DROP TRIGGER crash');

    // Redelivered while the dead consumer's leases run: nothing is sent, the chunk comes back later.
    const early = await consume([chunk]);
    expect(early.result.retryMessages).toHaveLength(1);
    expect((await chunkVerdict(chunk)).retryAfterSeconds).toBeGreaterThan(60);
    expect(await ses.messages()).toHaveLength(3);

    // After the leases end: each delivery is sent once more, with the same Message-ID, and recorded.
    await env.DB.prepare('UPDATE deliveries SET lease_until = ? WHERE edition_date = ?').bind(Date.now() - 1, date).run();
    const late = await consume([chunk]);
    expect(late.result.explicitAcks).toHaveLength(1);
    const messages = await ses.messages();
    expect(messages).toHaveLength(6);
    for (const id of new Set(messages.map((m) => m.messageId))) expect(messages.filter((m) => m.messageId === id)).toHaveLength(2);
    expect(await counts(date)).toEqual({ sent: 3 });
  });
});
