import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function seed(n: number, statuses: (string | null)[]) {
  for (let i = 0; i < n; i++) {
    const id = `r${String(i).padStart(3, '0')}`;
    await h.deps.db.insertInto('readers').values({ id, email: `${id}@example.com`, created_at: 1_000_000 + i, updated_at: 0 }).execute();
    const status = statuses[i % statuses.length];
    if (status) {
      await h.deps.db.insertInto('customers').values({ id: `cus_${id}`, reader_id: id, email: null, synced_at: 0, created_at: 0 }).execute();
      await h.deps.db
        .insertInto('subscriptions')
        .values({ id: `sub_${id}`, reader_id: id, customer_id: `cus_${id}`, status, price_id: 'p', current_period_end: null, cancel_at_period_end: 0, ends_at: null, stripe_created_at: 0, synced_at: 0, updated_at: 0 })
        .execute();
    }
  }
}

describe('GET /admin/subscribers', () => {
  it('401 without a token or with a wrong one', async () => {
    expect((await h.app.request('/admin/subscribers')).status).toBe(401);
    expect((await h.app.request('/admin/subscribers', { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await h.app.request('/admin/subscribers', { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } })).status).toBe(401);
  });

  it('lists readers newest first with status, paged by cursor without gaps or repeats', async () => {
    await seed(7, ['active', 'canceled', null]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await h.app.request(`/admin/subscribers?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { email: string; status: string | null; entitled: boolean; unsubscribed: boolean; suppressed: boolean; created_at: string }[]; next_cursor: string | null };
      seen.push(...body.data.map((d) => d.email));
      cursor = body.next_cursor;
      pages++;
      if (pages === 1) {
        expect(body.data[0]).toEqual({ id: 'r006', email: 'r006@example.com', status: 'active', entitled: true, unsubscribed: false, suppressed: false, created_at: new Date(1_000_006).toISOString() });
        expect(body.data[1]).toMatchObject({ email: 'r005@example.com', status: null, entitled: false });
      }
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['r006', 'r005', 'r004', 'r003', 'r002', 'r001', 'r000'].map((r) => `${r}@example.com`));
  });

  it('filters by status, including readers who never paid (?status=none)', async () => {
    await seed(6, ['active', 'canceled', null]);
    const active = await (await h.app.request('/admin/subscribers?status=active', { headers: auth })).json();
    expect(active.data.map((d: { email: string }) => d.email)).toEqual(['r003@example.com', 'r000@example.com']);
    const none = await (await h.app.request('/admin/subscribers?status=none', { headers: auth })).json();
    expect(none.data.every((d: { status: unknown }) => d.status === null)).toBe(true);
    expect(none.data).toHaveLength(2);
  });

  it.each(['limit=0', 'limit=501', 'limit=abc', 'cursor=%%%', 'status=DROP%20TABLE'])('rejects %s with 400 naming the field', async (q) => {
    const res = await h.app.request(`/admin/subscribers?${q}`, { headers: auth });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe(q.split('=')[0]);
  });
});

describe('without ADMIN_TOKEN', () => {
  it('the admin API is disabled', async () => {
    const bare = await makeHarness({ env: { ADMIN_TOKEN: '' } });
    try {
      const res = await bare.app.request('/admin/subscribers', { headers: auth });
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toContain('ADMIN_TOKEN');
    } finally {
      await bare.close();
    }
  });
});

describe('POST /admin/editions/send?date=', () => {
  it('refuses a date after tomorrow in DIGEST_TIMEZONE (400 JSON), and freezes nothing', async () => {
    const kiritimati = await makeHarness({ env: { DIGEST_TIMEZONE: 'Pacific/Kiritimati' } });
    try {
      // 12:00 UTC is already the next day at UTC+14: there, "tomorrow" is 2026-11-29.
      kiritimati.clock.set(Date.parse('2026-11-27T12:00:00Z'));
      const send = (app: typeof h.app, date: string) => app.request(`/admin/editions/send?date=${date}`, { method: 'POST', headers: auth });
      const far = await send(kiritimati.app, '2026-11-30');
      expect(far.status).toBe(400);
      expect((await far.json()).error.message).toContain('after tomorrow (2026-11-29 in Pacific/Kiritimati)');
      expect((await send(kiritimati.app, '2026-11-29')).status).toBe(200);
      h.clock.set(Date.parse('2026-11-27T12:00:00Z'));
      expect((await send(h.app, '2026-11-29')).status).toBe(400);
      expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(0);
    } finally {
      await kiritimati.close();
    }
  });
});
