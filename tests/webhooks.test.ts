import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isEntitled } from '../src/billing/entitlement.ts';
import { listSubscribers } from '../src/readers/store.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { makeHarness, postWebhook, stripeEvent, subscriptionObject, WEBHOOK_SECRET, type Harness } from './support/harness.ts';

let fake: FakeStripe;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  h = await makeHarness({ stripe: fake });
});
afterEach(() => h.close());

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function customer(id: string, email: string | null) {
  fake.customers.set(id, { id, object: 'customer', email });
}

async function subscriber(email: string) {
  const rows = await listSubscribers(h.deps.db, { now: h.clock.now(), limit: 100 });
  return rows.find((r) => r.email === email);
}

async function subscriptionRow(id: string) {
  return h.deps.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

async function welcomeCount() {
  return (await h.deps.db.selectFrom('welcome_emails').selectAll().execute()).length;
}

describe('signature and body checks', () => {
  const event = () => stripeEvent('customer.subscription.updated', subscriptionObject('sub_x', 'cus_x', 'active'));

  it('missing Stripe-Signature: 400', async () => {
    const res = await postWebhook(h, event(), { signature: null });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('bad_signature');
  });

  it('forged signature (wrong secret): 400, nothing stored', async () => {
    const res = await postWebhook(h, event(), { secret: 'whsec_attacker' });
    expect(res.status).toBe(400);
    expect(await h.deps.db.selectFrom('stripe_events').selectAll().execute()).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('a body changed after signing: 400', async () => {
    const original = JSON.stringify(stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge', amount: 100 }));
    const res = await postWebhook(h, original.replace('"amount":100', '"amount":999'), {
      signature: (await import('stripe')).default.webhooks.generateTestHeaderString({ payload: original, secret: WEBHOOK_SECRET, timestamp: Math.floor(h.clock.now() / 1000) }),
    });
    expect(res.status).toBe(400);
    expect(await postWebhook(h, original).then((r) => r.status)).toBe(200);
  });

  it('a signature timestamp more than 300 s in the future: 400, like an old one', async () => {
    const res = await postWebhook(h, event(), { timestamp: Math.floor(h.clock.now() / 1000) + 301 });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('bad_signature');
    expect((await postWebhook(h, event(), { timestamp: Math.floor(h.clock.now() / 1000) + 240 })).status).toBe(200);
  });

  it.each([
    ['a plus sign', (t: number, v1: string) => `t=+${t},v1=${v1}`],
    ['a second t=', (t: number, v1: string, now: number) => `t=${now},t=${t},v1=${v1}`],
    ['a space before the comma', (t: number, v1: string) => `t=${t} ,v1=${v1}`],
    ['leading zeros', (t: number, v1: string) => `t=0000${t},v1=${v1}`],
  ])('a future timestamp spelled with %s is refused too', async (_, spell) => {
    const Stripe = (await import('stripe')).default;
    const payload = JSON.stringify(event());
    const now = Math.floor(h.clock.now() / 1000);
    const future = now + 3600;
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: future });
    const v1 = /v1=([0-9a-f]+)/.exec(header)![1]!;
    expect((await postWebhook(h, payload, { signature: spell(future, v1, now) })).status).toBe(400);
  });

  it('a signature older than 300 s: 400', async () => {
    const res = await postWebhook(h, event(), { timestamp: Math.floor(h.clock.now() / 1000) - 301 });
    expect(res.status).toBe(400);
  });

  it('malformed JSON, correctly signed: 400', async () => {
    const res = await postWebhook(h, '{"id": "evt_1", "type": ');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_input');
  });

  it('a 2 MB body: 413, before any parsing', async () => {
    const big = JSON.stringify({ ...event(), padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await postWebhook(h, big);
    expect(res.status).toBe(413);
  });

  it('over real HTTP: a declared Content-Length over 1 MB and a chunked body that grows past it are both refused with 413; a chunked signed event under it is processed', async () => {
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const { port } = server.address() as AddressInfo;
    const payload = JSON.stringify(stripeEvent('charge.refunded', { id: 'ch_http', object: 'charge' }, { id: 'evt_http' }));
    const signature = new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(h.clock.now() / 1000) });
    // chunks: written one by one with Transfer-Encoding: chunked; declared: one body with its Content-Length.
    const post = (body: { chunks: string[] } | { declared: string }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, agent: false, method: 'POST', path: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature, ...('declared' in body ? { 'content-length': Buffer.byteLength(body.declared) } : {}) } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        // The server may answer 413 and close before the whole body is written.
        req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
        if ('declared' in body) req.end(body.declared);
        else {
          for (const chunk of body.chunks) req.write(chunk);
          req.end();
        }
      });
    try {
      const declared = await post({ declared: 'x'.repeat(1024 * 1024 + 1) });
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body).error.code).toBe('payload_too_large');
      const chunked = await post({ chunks: Array.from({ length: 5 }, () => 'x'.repeat(300 * 1024)) });
      expect(chunked.status).toBe(413);
      const fine = await post({ chunks: [payload.slice(0, 100), payload.slice(100)] });
      expect(fine.status).toBe(200);
      expect(JSON.parse(fine.body).outcome).toBe('ignored');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('an event type we do not handle: 200, recorded, no Stripe call', async () => {
    const res = await postWebhook(h, stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge' }, { id: 'evt_unknown' }));
    expect(res.status).toBe(200);
    expect((await res.json()).outcome).toBe('ignored');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('subscription state follows Stripe', () => {
  it('checkout.session.completed links the reader who started checkout and mirrors the subscription', async () => {
    const form = new URLSearchParams({ email: 'new@example.com' }).toString();
    fake.prices.set('price_digest_monthly', { id: 'price_digest_monthly', object: 'price', product: 'p', unit_amount: 499, currency: 'eur', recurring: { interval: 'month' } });
    await h.app.request('/checkout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const reader = await h.deps.db.selectFrom('readers').selectAll().executeTakeFirstOrThrow();
    expect((await subscriber('new@example.com'))!.status).toBeNull();

    customer('cus_new', 'new@example.com');
    fake.subscriptions.set('sub_new', subscriptionObject('sub_new', 'cus_new', 'active'));
    const session = { id: 'cs_1', object: 'checkout.session', mode: 'subscription', client_reference_id: reader.id, customer: 'cus_new', subscription: 'sub_new', customer_details: { email: 'new@example.com' } };
    const res = await postWebhook(h, stripeEvent('checkout.session.completed', session));
    expect(res.status).toBe(200);

    const row = await subscriber('new@example.com');
    expect(row).toMatchObject({ status: 'active', entitled: true });
    expect((await h.deps.db.selectFrom('customers').selectAll().executeTakeFirstOrThrow()).reader_id).toBe(reader.id);
    expect(fake.requests.map((r) => r.path)).toContain('/v1/subscriptions/sub_new');
  });

  it('a replayed event has no second effect', async () => {
    customer('cus_r', 'replay@example.com');
    fake.subscriptions.set('sub_r', subscriptionObject('sub_r', 'cus_r', 'active'));
    const event = stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_r')!, { id: 'evt_replay' });
    expect((await (await postWebhook(h, event)).json()).outcome).toBe('processed');
    const calls = fake.requests.length;
    const again = await postWebhook(h, event);
    expect(again.status).toBe(200);
    expect((await again.json()).outcome).toBe('duplicate');
    expect(fake.requests.length).toBe(calls);
    expect(await welcomeCount()).toBe(1);
  });

  it('two identical events at once: both 200, one effect', async () => {
    customer('cus_c', 'concurrent@example.com');
    fake.subscriptions.set('sub_c', subscriptionObject('sub_c', 'cus_c', 'active'));
    const event = stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_c')!, { id: 'evt_twice' });
    const [a, b] = await Promise.all([postWebhook(h, event), postWebhook(h, event)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await h.deps.db.selectFrom('readers').selectAll().execute()).toHaveLength(1);
    expect(await h.deps.db.selectFrom('subscriptions').selectAll().execute()).toHaveLength(1);
    expect(await h.deps.db.selectFrom('stripe_events').selectAll().execute()).toHaveLength(1);
    expect(await welcomeCount()).toBe(1);
  });

  it('deleted processed before a late updated: the subscription stays canceled', async () => {
    customer('cus_o', 'order@example.com');
    const activeCopy = subscriptionObject('sub_o', 'cus_o', 'active');
    const canceled = subscriptionObject('sub_o', 'cus_o', 'canceled');
    fake.subscriptions.set('sub_o', canceled); // Stripe's truth now
    await postWebhook(h, stripeEvent('customer.subscription.deleted', canceled, { created: seconds('2026-11-27T05:30:00Z') }));
    h.clock.advance(1000);
    const late = await postWebhook(h, stripeEvent('customer.subscription.updated', activeCopy, { created: seconds('2026-11-27T05:10:00Z') }));
    expect(late.status).toBe(200);
    expect((await subscriptionRow('sub_o'))!.status).toBe('canceled');
    expect(await subscriber('order@example.com')).toMatchObject({ status: 'canceled', entitled: false });
  });

  it('an older read from Stripe never overwrites a fresher one', async () => {
    customer('cus_f', 'fresh@example.com');
    fake.subscriptions.set('sub_f', subscriptionObject('sub_f', 'cus_f', 'past_due'));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_f')!));
    // A process whose read happened earlier (its clock reading is older) lands its write late.
    fake.subscriptions.set('sub_f', subscriptionObject('sub_f', 'cus_f', 'active'));
    h.clock.advance(-60_000);
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_f')!), { timestamp: Math.floor(h.clock.now() / 1000) });
    expect((await subscriptionRow('sub_f'))!.status).toBe('past_due');
  });

  it('updated before created: the final state is Stripe’s latest', async () => {
    customer('cus_u', 'updated-first@example.com');
    const created = subscriptionObject('sub_u', 'cus_u', 'incomplete');
    const updated = subscriptionObject('sub_u', 'cus_u', 'active');
    fake.subscriptions.set('sub_u', updated);
    await postWebhook(h, stripeEvent('customer.subscription.updated', updated));
    h.clock.advance(1000);
    await postWebhook(h, stripeEvent('customer.subscription.created', created));
    expect(await subscriber('updated-first@example.com')).toMatchObject({ status: 'active', entitled: true });
  });

  it('payloads from before the 2025-03-31 API change: period end on the subscription, invoice.subscription', async () => {
    customer('cus_l', 'legacy@example.com');
    const legacy = subscriptionObject('sub_l', 'cus_l', 'past_due', { legacy: true, periodEnd: seconds('2026-12-20T00:00:00Z'), cancelAtPeriodEnd: true });
    fake.subscriptions.set('sub_l', legacy);
    const res = await postWebhook(h, stripeEvent('invoice.payment_failed', { id: 'in_1', object: 'invoice', subscription: 'sub_l', customer: 'cus_l' }));
    expect((await res.json()).outcome).toBe('processed');
    const row = (await subscriptionRow('sub_l'))!;
    expect(row.status).toBe('past_due');
    expect(row.current_period_end).toBe(Date.parse('2026-12-20T00:00:00Z'));
    expect(row.ends_at).toBe(Date.parse('2026-12-20T00:00:00Z'));
  });

  it('payloads after the change: period end on the items, invoice.parent.subscription_details.subscription', async () => {
    customer('cus_n', 'modern@example.com');
    fake.subscriptions.set('sub_n', subscriptionObject('sub_n', 'cus_n', 'active', { periodEnd: seconds('2026-12-21T00:00:00Z') }));
    const invoice = { id: 'in_2', object: 'invoice', customer: 'cus_n', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_n' } } };
    const res = await postWebhook(h, stripeEvent('invoice.paid', invoice));
    expect((await res.json()).outcome).toBe('processed');
    const row = (await subscriptionRow('sub_n'))!;
    expect(row.status).toBe('active');
    expect(row.current_period_end).toBe(Date.parse('2026-12-21T00:00:00Z'));
    expect(row.ends_at).toBeNull();
  });

  it('a one-off invoice without a subscription is ignored', async () => {
    const res = await postWebhook(h, stripeEvent('invoice.paid', { id: 'in_3', object: 'invoice', customer: 'cus_z', parent: null }));
    expect((await res.json()).outcome).toBe('ignored');
  });

  it('payment failed then paid: past_due keeps the digest (grace), paid makes it active', async () => {
    customer('cus_p', 'card@example.com');
    fake.subscriptions.set('sub_p', subscriptionObject('sub_p', 'cus_p', 'past_due'));
    await postWebhook(h, stripeEvent('invoice.payment_failed', { id: 'in_p1', object: 'invoice', subscription: 'sub_p' }));
    expect(await subscriber('card@example.com')).toMatchObject({ status: 'past_due', entitled: true });
    h.clock.advance(1000);
    fake.subscriptions.set('sub_p', subscriptionObject('sub_p', 'cus_p', 'unpaid'));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_p')!));
    expect(await subscriber('card@example.com')).toMatchObject({ status: 'unpaid', entitled: false });
  });

  it('an event for a customer we do not know yet is not dropped: the customer is fetched from Stripe', async () => {
    customer('cus_dash', 'Comp@Example.com');
    fake.subscriptions.set('sub_dash', subscriptionObject('sub_dash', 'cus_dash', 'active'));
    const res = await postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_dash')!));
    expect(res.status).toBe(200);
    expect(fake.requests.map((r) => r.path)).toContain('/v1/customers/cus_dash');
    expect(await subscriber('comp@example.com')).toMatchObject({ status: 'active', entitled: true });
  });

  it('an unknown customer without an email: 500 so Stripe retries, and the event is not recorded', async () => {
    customer('cus_anon', null);
    fake.subscriptions.set('sub_anon', subscriptionObject('sub_anon', 'cus_anon', 'active'));
    const event = stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_anon')!, { id: 'evt_anon' });
    expect((await postWebhook(h, event)).status).toBe(500);
    expect(await h.deps.db.selectFrom('stripe_events').selectAll().execute()).toHaveLength(0);
    // Later the customer has an email (checkout completed): Stripe's retry succeeds.
    customer('cus_anon', 'later@example.com');
    expect((await postWebhook(h, event)).status).toBe(200);
    expect(await subscriber('later@example.com')).toMatchObject({ entitled: true });
  });

  it('Stripe unreachable on re-fetch: 500 (Stripe retries), nothing recorded; the retry applies it', async () => {
    customer('cus_d', 'down@example.com');
    fake.subscriptions.set('sub_d', subscriptionObject('sub_d', 'cus_d', 'active'));
    const event = stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_d')!, { id: 'evt_down' });
    fake.mode = 'down';
    expect((await postWebhook(h, event)).status).toBe(500);
    expect(await h.deps.db.selectFrom('stripe_events').selectAll().execute()).toHaveLength(0);
    fake.mode = 'ok';
    expect((await postWebhook(h, event)).status).toBe(200);
    expect(await subscriber('down@example.com')).toMatchObject({ status: 'active' });
  });

  it('a subscription set to cancel at period end stays entitled until then', async () => {
    customer('cus_e', 'leaving@example.com');
    const periodEnd = seconds('2026-12-01T00:00:00Z');
    fake.subscriptions.set('sub_e', subscriptionObject('sub_e', 'cus_e', 'active', { periodEnd, cancelAtPeriodEnd: true }));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_e')!));
    expect(await subscriber('leaving@example.com')).toMatchObject({ status: 'active', entitled: true });
    h.clock.set(periodEnd * 1000 + 1);
    expect(await subscriber('leaving@example.com')).toMatchObject({ status: 'active', entitled: false });
  });
});

describe('customer.updated (email changed in Stripe)', () => {
  async function subscribe(cus: string, sub: string, email: string) {
    customer(cus, email);
    fake.subscriptions.set(sub, subscriptionObject(sub, cus, 'active'));
    await postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get(sub)!));
  }

  it("follows the reader's new address", async () => {
    await subscribe('cus_m', 'sub_m', 'old@example.com');
    h.clock.advance(1000);
    customer('cus_m', 'New@Example.com');
    const res = await postWebhook(h, stripeEvent('customer.updated', fake.customers.get('cus_m')!));
    expect(res.status).toBe(200);
    expect(await subscriber('old@example.com')).toBeUndefined();
    expect(await subscriber('new@example.com')).toMatchObject({ status: 'active' });
  });

  it('an address another reader holds is refused and logged; the older reader keeps it', async () => {
    await subscribe('cus_a', 'sub_a', 'alice@example.com');
    await subscribe('cus_b', 'sub_b', 'bob@example.com');
    h.clock.advance(1000);
    customer('cus_b', 'alice@example.com');
    const res = await postWebhook(h, stripeEvent('customer.updated', fake.customers.get('cus_b')!));
    expect(res.status).toBe(200);
    expect(await subscriber('bob@example.com')).toBeDefined();
    const readers = await h.deps.db.selectFrom('readers').select(['email']).orderBy('email').execute();
    expect(readers.map((r) => r.email)).toEqual(['alice@example.com', 'bob@example.com']);
    expect(h.logs.some((l) => l.includes('address belongs to another reader'))).toBe(true);
  });

  it('for a customer we never saw: 200 and nothing created', async () => {
    customer('cus_stranger', 'stranger@example.com');
    const res = await postWebhook(h, stripeEvent('customer.updated', fake.customers.get('cus_stranger')!));
    expect(res.status).toBe(200);
    expect(await h.deps.db.selectFrom('readers').selectAll().execute()).toHaveLength(0);
  });
});

describe('events that can never be applied', () => {
  const rejected = async (id: string) => h.deps.db.selectFrom('stripe_events').select(['outcome', 'reason']).where('id', '=', id).executeTakeFirst();

  it.each([
    ['null', null],
    ['a string', 'sub_123'],
    ['an array', []],
  ])('data.object %s: 200, recorded as rejected with the reason, not retried for three days', async (_, object) => {
    const event = { ...stripeEvent('customer.subscription.updated', {}, { id: `evt_obj_${_.replace(' ', '_')}` }), data: { object } };
    const res = await postWebhook(h, event);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'rejected' });
    expect(await rejected(event.id)).toEqual({ outcome: 'rejected', reason: 'the event carries no object' });
    // Stripe's retry of the same event is a duplicate now.
    expect(await (await postWebhook(h, event)).json()).toMatchObject({ outcome: 'duplicate' });
  });

  it('a customer deleted in Stripe: 200, rejected, nothing created', async () => {
    fake.customers.set('cus_gone', { id: 'cus_gone', object: 'customer', deleted: true });
    fake.subscriptions.set('sub_gone', subscriptionObject('sub_gone', 'cus_gone', 'active'));
    const res = await postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_gone')!, { id: 'evt_gone' }));
    expect(res.status).toBe(200);
    expect(await rejected('evt_gone')).toEqual({ outcome: 'rejected', reason: 'customer cus_gone was deleted in Stripe' });
    expect(await h.deps.db.selectFrom('readers').selectAll().execute()).toHaveLength(0);
  });

  it('a customer unknown to Stripe: 200, rejected', async () => {
    fake.subscriptions.set('sub_orphan', subscriptionObject('sub_orphan', 'cus_missing', 'active'));
    const res = await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_orphan')!, { id: 'evt_orphan' }));
    expect(res.status).toBe(200);
    expect(await rejected('evt_orphan')).toEqual({ outcome: 'rejected', reason: 'customer cus_missing is unknown to Stripe' });
  });

  it('a malformed subscription object: 200, rejected with the field that is wrong', async () => {
    const res = await postWebhook(h, stripeEvent('customer.subscription.updated', { id: 'sub_bad', object: 'subscription', status: 7 }, { id: 'evt_bad' }));
    expect(res.status).toBe(200);
    expect((await rejected('evt_bad'))?.reason).toMatch(/^malformed object: /);
  });

  it("Stripe no longer has the subscription: the event's copy counts as fresh as the event, so a late 'active' cannot overwrite 'canceled'", async () => {
    customer('cus_purged', 'purged@example.com');
    // Not in the fake: Stripe answers 404, so each event's own copy is used.
    const canceled = subscriptionObject('sub_purged', 'cus_purged', 'canceled');
    const active = subscriptionObject('sub_purged', 'cus_purged', 'active');
    await postWebhook(h, stripeEvent('customer.subscription.deleted', canceled, { created: seconds('2026-11-27T05:30:00Z') }));
    h.clock.advance(60_000);
    const late = await postWebhook(h, stripeEvent('customer.subscription.updated', active, { created: seconds('2026-11-27T05:10:00Z') }));
    expect(late.status).toBe(200);
    expect((await subscriptionRow('sub_purged'))!.status).toBe('canceled');
    // A newer event still applies.
    await postWebhook(h, stripeEvent('customer.subscription.updated', active, { created: seconds('2026-11-27T05:45:00Z') }));
    expect((await subscriptionRow('sub_purged'))!.status).toBe('active');
  });
});

describe('entitlement', () => {
  it.each([
    ['active', true],
    ['trialing', true],
    ['past_due', true],
    ['canceled', false],
    ['unpaid', false],
    ['incomplete', false],
    ['incomplete_expired', false],
    ['paused', false],
  ])('%s → entitled %s, in the function and in SQL alike', async (status, expected) => {
    expect(isEntitled({ status, ends_at: null }, h.clock.now())).toBe(expected);
    customer(`cus_${status}`, `${status}@example.com`);
    fake.subscriptions.set(`sub_${status}`, subscriptionObject(`sub_${status}`, `cus_${status}`, status));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get(`sub_${status}`)!));
    expect((await subscriber(`${status}@example.com`))!.entitled).toBe(expected);
  });

  it('a reader with a canceled and a newer active subscription is entitled', async () => {
    customer('cus_two', 'two@example.com');
    fake.subscriptions.set('sub_1', subscriptionObject('sub_1', 'cus_two', 'canceled', { created: seconds('2026-01-01T00:00:00Z') }));
    fake.subscriptions.set('sub_2', subscriptionObject('sub_2', 'cus_two', 'active', { created: seconds('2026-06-01T00:00:00Z') }));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_2')!));
    await postWebhook(h, stripeEvent('customer.subscription.deleted', fake.subscriptions.get('sub_1')!));
    expect(await subscriber('two@example.com')).toMatchObject({ status: 'active', entitled: true });
  });
});
