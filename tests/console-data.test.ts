import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { monthlyRevenue, runningSeries, subscriptionChanges } from '../src/billing/revenue.ts';
import { stripeCustomerUrl } from '../src/billing/stripe-dashboard.ts';
import { syncSubscription } from '../src/billing/subscriptions.ts';
import { runDigest } from '../src/editions/run.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { addressHash, isSuppressed, suppress } from '../src/readers/suppressions.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { ADMIN_TOKEN, makeHarness, seedCatalog, subscriptionObject, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

// What the console computes and does, checked against the database on SQLite and PostgreSQL:
// revenue from the mirrored prices, growth, articles left out, a copy sent again to one reader,
// feed counts, the suppression list, search and erasure.

const DAY = 24 * 3600_000;
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
const HTML = { accept: 'text/html' };

let fake: FakeStripe;
let smtp: SmtpSink;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  seedCatalog(fake);
  smtp = await startSmtpSink();
  h = await makeHarness({ stripe: fake, mailer: smtpMailer({ url: smtp.url, concurrency: 2 }) });
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

/** A subscription as Stripe holds it, mirrored the way every webhook does (a re-fetch). */
async function mirrored(name: string, status: string, opts: Parameters<typeof subscriptionObject>[3] = {}) {
  fake.customers.set(`cus_${name}`, { id: `cus_${name}`, object: 'customer', email: `${name}@example.com` });
  fake.subscriptions.set(`sub_${name}`, subscriptionObject(`sub_${name}`, `cus_${name}`, status, opts));
  await syncSubscription(h.deps, `sub_${name}`);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

describe('money and growth from the subscription mirror', () => {
  it('keeps each subscription’s price (both API shapes): amount, currency, quantity, interval, and when it ended', async () => {
    await mirrored('current', 'active', { price: { amount: 499, currency: 'eur', quantity: 2 } });
    await mirrored('legacy', 'active', { legacy: true, price: { amount: 4800, currency: 'USD', interval: 'year' } });
    await mirrored('gone', 'canceled', { endedAt: seconds(h.clock.now() - DAY) });
    const rows = await h.deps.db.selectFrom('subscriptions').select(['id', 'unit_amount', 'currency', 'quantity', 'interval', 'interval_count', 'ended_at']).orderBy('id').execute();
    expect(rows.map((r) => ({ ...r, unit_amount: Number(r.unit_amount), quantity: Number(r.quantity), interval_count: Number(r.interval_count), ended_at: r.ended_at === null ? null : Number(r.ended_at) }))).toEqual([
      { id: 'sub_current', unit_amount: 499, currency: 'eur', quantity: 2, interval: 'month', interval_count: 1, ended_at: null },
      { id: 'sub_gone', unit_amount: 499, currency: 'eur', quantity: 1, interval: 'month', interval_count: 1, ended_at: seconds(h.clock.now() - DAY) * 1000 },
      { id: 'sub_legacy', unit_amount: 4800, currency: 'usd', quantity: 1, interval: 'year', interval_count: 1, ended_at: null },
    ]);
  });

  it('MRR: amount × quantity brought to a month, per currency, over entitled subscriptions only', async () => {
    await mirrored('a', 'active', { price: { amount: 499, quantity: 2 } }); // 998
    await mirrored('b', 'trialing', { price: { amount: 4800, interval: 'year' } }); // 400
    await mirrored('c', 'past_due', { price: { amount: 1500, interval: 'month', intervalCount: 3 } }); // 500
    await mirrored('d', 'active', { price: { amount: 100, currency: 'usd', interval: 'week' } }); // 433.33
    await mirrored('e', 'active', { legacy: true, price: { amount: 500, currency: 'usd', quantity: 3 } }); // 1500
    await mirrored('f', 'canceled', { price: { amount: 99_999 } });
    await mirrored('g', 'incomplete', { price: { amount: 99_999 } });
    await mirrored('h', 'unpaid', { price: { amount: 99_999, currency: 'usd' } });
    // Mirrored before prices were: counted apart, not as zero.
    await h.deps.db.updateTable('subscriptions').set({ unit_amount: null, currency: null, interval: null }).where('id', '=', 'sub_a').execute();
    expect(await monthlyRevenue(h.deps.db, h.clock.now())).toEqual({
      revenue: [
        { currency: 'usd', amount: 1933, subscriptions: 2 },
        { currency: 'eur', amount: 900, subscriptions: 2 },
      ],
      unpriced: 1,
    });
    const dashboard = await (await h.app.request('/admin', { headers: bearer })).json();
    expect(dashboard.monthly_recurring_revenue).toEqual([
      { currency: 'usd', amount: 1933, subscriptions: 2 },
      { currency: 'eur', amount: 900, subscriptions: 2 },
    ]);
  });

  it('new and ended subscriptions in the last 30 days, and the running count per day for 90 days', async () => {
    const now = h.clock.now();
    await mirrored('old', 'active', { created: seconds(now - 100 * DAY) });
    await mirrored('recent', 'active', { created: seconds(now - 10 * DAY) });
    await mirrored('churned', 'canceled', { created: seconds(now - 60 * DAY), endedAt: seconds(now - 5 * DAY) });
    await mirrored('long-gone', 'canceled', { created: seconds(now - 80 * DAY), endedAt: seconds(now - 40 * DAY) });
    await mirrored('never', 'incomplete_expired', { created: seconds(now - 3 * DAY), endedAt: seconds(now - 2 * DAY) });
    expect(await subscriptionChanges(h.deps.db, now - 30 * DAY)).toEqual({ started: 1, ended: 1 });
    const series = await runningSeries(h.deps.db, now, 90);
    expect(series).toHaveLength(90);
    expect(series[89]!.day).toBe('2026-11-27');
    const on = (daysAgo: number) => series[89 - daysAgo]!.count;
    expect(on(89)).toBe(1); // old
    expect(on(79)).toBe(2); // + long-gone
    expect(on(45)).toBe(3); // + churned
    expect(on(30)).toBe(2); // long-gone ended
    expect(on(9)).toBe(3); // + recent
    expect(on(0)).toBe(2); // churned ended
  });

  it('the customer opens in Stripe’s dashboard, in test mode for test keys', () => {
    expect(stripeCustomerUrl(h.deps.config, 'cus_123')).toBe('https://dashboard.stripe.com/test/customers/cus_123');
    expect(stripeCustomerUrl({ stripe: { ...h.deps.config.stripe!, secretKey: 'sk_live_abc' } }, 'cus_123')).toBe('https://dashboard.stripe.com/customers/cus_123');
  });
});

describe('leave out of the next edition', () => {
  it('an excluded article stays out of the edition; put back, it goes out in the next one; a sent one cannot be changed', async () => {
    const now = h.clock.now();
    await upsertArticles(h.deps, [article(1, now), article(2, now), article(3, now)], 'api', now);
    const id = async (i: number) => (await h.deps.db.selectFrom('articles').select('id').where('guid', '=', `urn:article:${i}`).executeTakeFirstOrThrow()).id;
    const [one, two] = [await id(1), await id(2)];
    const out = await h.app.request(`/admin/articles/${two}/exclude`, { method: 'POST', headers: bearer });
    expect(await out.json()).toEqual({ id: two, excluded: true });
    const page = await (await h.app.request('/admin/articles', { headers: bearer })).json();
    expect(page.data).toHaveLength(3); // the API's listing is every stored article, as before
    await runDigest(h.deps, { retryDelaysMs: [] });
    const held = await h.deps.db.selectFrom('edition_articles').select('article_id').where('edition_date', '=', '2026-11-27').execute();
    expect(held.map((r) => r.article_id).sort()).toEqual([one, await id(3)].sort());
    expect((await h.app.request(`/admin/articles/${one}/exclude`, { method: 'POST', headers: bearer })).status).toBe(404);
    expect((await h.app.request(`/admin/articles/${two}/include`, { method: 'POST', headers: bearer })).status).toBe(200);
    h.clock.advance(DAY);
    await runDigest(h.deps, { retryDelaysMs: [] });
    const next = await h.deps.db.selectFrom('edition_articles').select('article_id').where('edition_date', '=', '2026-11-28').execute();
    expect(next.map((r) => r.article_id)).toEqual([two]);
  });
});

describe("send this reader today's edition again", () => {
  it('exactly one more copy, to that reader only, with the same Message-ID; everyone else’s stays sent', async () => {
    const [first, second, third] = await seedReaders(h.deps.db, 3);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    await runDigest(h.deps, { retryDelaysMs: [] });
    await smtp.waitFor(3);
    const original = smtp.messages.find((m) => m.to.includes('reader1@example.com'))!;
    h.clock.advance(3600_000);
    const res = await h.app.request(`/admin/readers/${second}/resend`, { method: 'POST', headers: bearer });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, date: '2026-11-27', status_url: 'https://news.example.com/admin/editions/2026-11-27' });
    await h.drain();
    await smtp.waitFor(4);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages).toHaveLength(4);
    const again = smtp.messages[3]!;
    expect(again.to).toEqual(['reader1@example.com']);
    expect(again.parsed.messageId).toBe(original.parsed.messageId);
    const ledger = await h.deps.db.selectFrom('deliveries').select(['reader_id', 'status', 'sent_at']).orderBy('reader_id').execute();
    expect(ledger.map((d) => [d.reader_id, d.status])).toEqual([[first, 'sent'], [second, 'sent'], [third, 'sent']]);
    expect(Number(ledger[1]!.sent_at)).toBe(h.clock.now());
    expect(Number(ledger[0]!.sent_at)).toBe(h.clock.now() - 3600_000);
  });

  it('refused, with nothing sent, for a reader who does not get the digest, and before today’s edition exists', async () => {
    const [reader] = await seedReaders(h.deps.db, 1);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    const early = await h.app.request(`/admin/readers/${reader}/resend`, { method: 'POST', headers: bearer });
    expect(early.status).toBe(404);
    expect((await early.json()).error.message).toContain('no edition of today');
    await runDigest(h.deps, { retryDelaysMs: [] });
    await h.app.request(`/admin/readers/${reader}/stop`, { method: 'POST', headers: bearer });
    const stopped = await h.app.request(`/admin/readers/${reader}/resend`, { method: 'POST', headers: bearer });
    expect(stopped.status).toBe(400);
    expect((await stopped.json()).error.message).toContain('does not get the digest now');
    await h.drain();
    expect(smtp.messages).toHaveLength(1);
  });
});

describe('feeds', () => {
  let feedServer: Server;
  beforeAll(async () => {
    const rss = readFileSync(new URL('./fixtures/feeds/rss2.xml', import.meta.url));
    feedServer = createServer((req, res) => {
      if (req.url !== '/rss2.xml') return res.writeHead(404).end();
      if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' }).end(rss);
    });
    await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => feedServer.close(() => r())));

  it('each feed keeps its last poll’s item count; the console shows it with the time and any error; "poll now" from a form', async () => {
    const base = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
    const site = await makeHarness({ env: { FEED_URLS: `${base}/rss2.xml,${base}/missing.xml` } });
    try {
      const poll = await site.app.request('/admin/feeds/poll', { method: 'POST', headers: bearer });
      expect((await poll.json()).feeds.map((f: { ok: boolean }) => f.ok)).toEqual([true, false]);
      const items = (await site.deps.db.selectFrom('articles').select('id').where('source', '=', `${base}/rss2.xml`).execute()).length;
      expect(items).toBeGreaterThan(0);
      const feeds = await site.deps.db.selectFrom('feeds').select(['url', 'last_item_count', 'last_error']).orderBy('url').execute();
      const state = () => feeds.map((f) => [f.url.slice(base.length), f.last_item_count === null ? null : Number(f.last_item_count), f.last_error !== null]);
      expect(state()).toEqual([
        ['/missing.xml', null, true],
        ['/rss2.xml', items, false],
      ]);
      // Not modified (304): the count of what the feed still holds stays.
      expect((await (await site.app.request('/admin/feeds/poll', { method: 'POST', headers: bearer })).json()).feeds[0]).toMatchObject({ ok: true, new: 0 });
      expect(Number((await site.deps.db.selectFrom('feeds').select('last_item_count').where('url', '=', `${base}/rss2.xml`).executeTakeFirstOrThrow()).last_item_count)).toBe(items);
      const page = await (await site.app.request('/admin/articles', { headers: { ...bearer, ...HTML } })).text();
      expect(page).toMatch(new RegExp(`rss2\\.xml</td>.*?OK.*?data-label="Items">${items}<`, 's'));
      expect(page).toMatch(/missing\.xml<\/td>.*?Error/s);
    } finally {
      await site.close();
    }
  });
});

describe('the suppression list', () => {
  it('add, list, lift, as JSON; the CSV has every entry and no cell a spreadsheet would run', async () => {
    const added = await h.app.request('/admin/suppressions', { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'address=Someone%40Example.com&note=%3DHYPERLINK(%22x%22)' });
    expect(await added.json()).toEqual({ suppressed: true });
    expect(await isSuppressed(h.deps.db, 'someone@example.com')).toBe(true);
    await suppress(h.deps.db, addressHash('erased@example.com'), { reason: 'complaint', source: 'notification' }, h.clock.now() - DAY);
    const bad = await h.app.request('/admin/suppressions', { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'address=not-an-address' });
    expect(bad.status).toBe(400);
    const listed = await (await h.app.request('/admin/suppressions', { headers: bearer })).json();
    expect(listed.data.map((r: { address: string; reason: string; source: string }) => [r.address, r.reason, r.source])).toEqual([
      ['someone@example.com', 'staff', 'staff'],
      [addressHash('erased@example.com'), 'complaint', 'notification'],
    ]);
    const csv = await h.app.request('/admin/suppressions.csv', { headers: bearer });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="suppressions-2026-11-27.csv"');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('"address","reason","source","since","detail"');
    expect(lines[1]).toBe(`"someone@example.com","staff","staff","2026-11-27T06:00:00.000Z","'=HYPERLINK(""x"")"`);
    expect(lines).toHaveLength(4);
    // An erased reader's entry is lifted by the only name it has, its hash.
    for (const address of ['SOMEONE@example.com', addressHash('erased@example.com')]) {
      const lift = await h.app.request('/admin/suppressions/lift', { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ address }).toString() });
      expect(await lift.json()).toEqual({ lifted: true });
    }
    expect(await h.deps.db.selectFrom('suppressions').selectAll().execute()).toEqual([]);
    expect((await h.app.request('/admin/suppressions/lift', { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'address=someone%40example.com' })).status).toBe(404);
    expect(h.logs.join('\n')).not.toContain('someone@example.com');
  });
});

describe('readers', () => {
  it('searches by part of an address (its % and _ taken literally) and filters by status and by digest state', async () => {
    await seedReaders(h.deps.db, 12);
    await h.deps.db.insertInto('readers').values({ id: 'odd', email: 'under_score%@example.com', created_at: 50, updated_at: 50 }).execute();
    await suppress(h.deps.db, 'reader3@example.com', { reason: 'bounce', source: 'send' }, h.clock.now());
    await h.deps.db.updateTable('subscriptions').set({ status: 'past_due' }).where('reader_id', '=', 'reader-0000005').execute();
    const emails = async (q: string) => ((await (await h.app.request(`/admin/readers?${q}`, { headers: bearer })).json()).data as { email: string }[]).map((r) => r.email);
    expect(await emails('q=READER1')).toEqual(['reader11@example.com', 'reader10@example.com', 'reader1@example.com']);
    expect(await emails(`q=${encodeURIComponent('_')}`)).toEqual(['under_score%@example.com']);
    expect(await emails(`q=${encodeURIComponent('%')}`)).toEqual(['under_score%@example.com']);
    expect(await emails('status=past_due')).toEqual(['reader5@example.com']);
    expect(await emails('status=none')).toEqual(['under_score%@example.com']);
    expect(await emails('state=suppressed')).toEqual(['reader3@example.com']);
    expect(await emails('state=receiving&q=reader3')).toEqual([]);
    expect((await h.app.request('/admin/readers?state=everyone', { headers: bearer })).status).toBe(400);
  });

  it('erasure from the console needs its box ticked; then the rows go and the log names only the id', async () => {
    const [id] = await seedReaders(h.deps.db, 1);
    const erase = (body: string) => h.app.request(`/admin/readers/${id}/erase`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body });
    const unticked = await erase('');
    expect(unticked.status).toBe(400);
    expect((await unticked.json()).error.field).toBe('confirm');
    expect(await h.deps.db.selectFrom('readers').select('id').execute()).toHaveLength(1);
    expect(await (await erase('confirm=erase')).json()).toEqual({ erased: true });
    expect(await h.deps.db.selectFrom('readers').select('id').execute()).toHaveLength(0);
    expect(h.logs.some((l) => l.includes('reader erased') && l.includes(id!))).toBe(true);
    expect(h.logs.join('\n')).not.toContain('reader0@example.com');
  });

  it('a reader’s page shows their subscriptions, last deliveries and state, with the actions that apply', async () => {
    await mirrored('page', 'active', { price: { amount: 499 } });
    const reader = await h.deps.db.selectFrom('readers').select('id').where('email', '=', 'page@example.com').executeTakeFirstOrThrow();
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    await runDigest(h.deps, { retryDelaysMs: [] });
    const page = await (await h.app.request(`/admin/readers/${reader.id}`, { headers: { ...bearer, ...HTML } })).text();
    expect(page).toContain('sub_page');
    expect(page).toContain('€4.99 / month');
    expect(page).toContain('https://dashboard.stripe.com/test/customers/cus_page');
    expect(page).toMatch(/Fri, 27 Nov 2026<\/a><\/td><td><span class="pill ok">Sent/);
    expect(page).toContain(`action="/admin/readers/${reader.id}/resend"`);
    expect(page).toContain(`action="/admin/readers/${reader.id}/stop"`);
    expect(page).not.toContain('/lift"');
    // No link that would open the reader's billing or account in the answer.
    expect(page).not.toMatch(/\/(billing|account|unsubscribe)\/[\w.-]{20,}/);
  });
});
