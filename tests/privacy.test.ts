import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import { addressHash, suppress } from '../src/readers/suppressions.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("a reader's data", () => {
  it('export: everything kept about the reader, as JSON to download', async () => {
    const [id] = await seedReaders(h.deps.db, 1);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    await runDigest(h.deps, { retryDelaysMs: [] });
    const res = await h.app.request(`/admin/readers/${id}/export`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="reader-${id}.json"`);
    const data = await res.json();
    expect(data).toMatchObject({
      reader: { id, email: 'reader0@example.com', unsubscribed_at: null },
      suppression: null,
      stripe_customers: [{ id: `cus_${id}` }],
      subscriptions: [{ id: `sub_${id}`, status: 'active' }],
      deliveries: [{ edition: '2026-11-27', status: 'sent' }],
    });
  });

  it('erasure: the rows go, a suppression stays only as a hash, and the log holds no address', async () => {
    const [id, other] = await seedReaders(h.deps.db, 2);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    await runDigest(h.deps, { retryDelaysMs: [] });
    await suppress(h.deps.db, 'reader0@example.com', { reason: 'complaint', source: 'notification' }, h.clock.now());
    const res = await h.app.request(`/admin/readers/${id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ erased: true });
    for (const table of ['readers', 'customers', 'subscriptions', 'deliveries'] as const) {
      const rows = await h.deps.db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows), table).not.toContain('reader0@example.com');
      expect(JSON.stringify(rows), table).not.toContain(id!);
    }
    expect(await h.deps.db.selectFrom('readers').select('id').execute()).toEqual([{ id: other }]);
    expect(await h.deps.db.selectFrom('suppressions').select('address').execute()).toEqual([{ address: addressHash('reader0@example.com') }]);
    expect(h.logs.some((l) => l.includes('reader erased') && l.includes(id!))).toBe(true);
    expect(h.logs.join('\n')).not.toContain('reader0@example.com');
    expect((await h.app.request(`/admin/readers/${id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });
});
