import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { makeHarness, postWebhook, PRICE_ID, seedCatalog, stripeEvent, subscriptionObject, type Harness } from './support/harness.ts';

let fake: FakeStripe;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  seedCatalog(fake);
  h = await makeHarness({ stripe: fake });
});
afterEach(() => h.close());

const form = (email: string) =>
  ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email }).toString() }) as const;

async function readerCount() {
  const row = await h.deps.db.selectFrom('readers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('GET / (the offer)', () => {
  it("shows the plan name and monthly price from the Stripe Price, in the reader's number format", async () => {
    const en = await (await h.app.request('/', { headers: { 'accept-language': 'en-GB,en;q=0.8' } })).text();
    expect(en).toContain('Digital access + daily digest');
    expect(en).toContain('€4.99');
    const fr = await (await h.app.request('/', { headers: { 'accept-language': 'fr-FR' } })).text();
    expect(fr).toMatch(/4,99\s€/);
    expect(fr).toContain('name="email"');
  });

  it('reads the price from Stripe once and then from its cache', async () => {
    await h.app.request('/');
    await h.app.request('/');
    await h.app.request('/');
    expect(fake.requests.filter((r) => r.path === `/v1/prices/${PRICE_ID}`)).toHaveLength(1);
    expect(fake.requests[0]!.params['expand[0]']).toBe('product');
  });

  it('formats zero-decimal currencies by their own minor unit', async () => {
    seedCatalog(fake, { amount: 500, currency: 'jpy' });
    const page = await (await h.app.request('/', { headers: { 'accept-language': 'en-US' } })).text();
    expect(page).toContain('¥500');
  });

  it('is readable on a phone: a viewport and no fixed-width layout', async () => {
    const page = await (await h.app.request('/')).text();
    expect(page).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    expect(page).not.toMatch(/width:\s*\d{3,}px/);
  });
});

describe('POST /checkout', () => {
  it('creates a subscription Checkout Session for the price and answers 303 to it', async () => {
    const res = await h.app.request('/checkout', form('  Reader@Example.COM '));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);

    const call = fake.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(call.method).toBe('POST');
    expect(call.params['mode']).toBe('subscription');
    expect(call.params['line_items[0][price]']).toBe(PRICE_ID);
    expect(call.params['line_items[0][quantity]']).toBe('1');
    expect(call.params['customer_email']).toBe('reader@example.com');
    expect(call.params['customer']).toBeUndefined();
    expect(call.params['success_url']).toBe('https://news.example.com/checkout/success?session_id={CHECKOUT_SESSION_ID}');
    expect(call.params['cancel_url']).toBe('https://news.example.com/checkout/cancel');
    expect(call.idempotencyKey).toMatch(/^gazette-checkout-[0-9a-f]{40}$/);
    expect(call.authorization).toBe('Bearer sk_test_gazette');

    const reader = await h.deps.db.selectFrom('readers').selectAll().executeTakeFirstOrThrow();
    expect(reader.email).toBe('reader@example.com');
    expect(call.params['client_reference_id']).toBe(reader.id);
  });

  it('a double-submitted form reuses one Checkout Session (same idempotency key)', async () => {
    const [a, b] = await Promise.all([h.app.request('/checkout', form('twice@example.com')), h.app.request('/checkout', form('TWICE@example.com'))]);
    expect(a.headers.get('location')).toBe(b.headers.get('location'));
    const keys = fake.requests.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(await readerCount()).toBe(1);
  });

  it('a new day gets a new idempotency key', async () => {
    await h.app.request('/checkout', form('daily@example.com'));
    h.clock.advance(24 * 3600_000);
    await h.app.request('/checkout', form('daily@example.com'));
    const keys = fake.requests.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.idempotencyKey);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it.each(['', 'not-an-email', 'a@b', 'x'.repeat(300) + '@example.com', 'two@@example.com'])('refuses %j with the form and a clear message (400)', async (email) => {
    const res = await h.app.request('/checkout', form(email));
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Please enter a valid email address');
    expect(page).toContain('<form method="post" action="/checkout">');
    expect(fake.requests.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(0);
    expect(await readerCount()).toBe(0);
  });

  it('escapes what the reader typed when it shows the form again', async () => {
    const page = await (await h.app.request('/checkout', form('"><script>alert(1)</script>'))).text();
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('a former subscriber’s address never opens a session on their Stripe customer (whoever typed it may not own it)', async () => {
    fake.customers.set('cus_known', { id: 'cus_known', object: 'customer', email: 'known@example.com' });
    fake.subscriptions.set('sub_old', subscriptionObject('sub_old', 'cus_known', 'canceled'));
    expect((await postWebhook(h, stripeEvent('customer.subscription.deleted', fake.subscriptions.get('sub_old')!))).status).toBe(200);
    fake.requests.length = 0;

    const res = await h.app.request('/checkout', form('known@example.com'));
    expect(res.status).toBe(303);
    const call = fake.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(call.params['customer']).toBeUndefined();
    expect(call.params['customer_email']).toBe('known@example.com');
  });

  it('Stripe down: a clear 503 page and no reader left behind', async () => {
    fake.mode = 'down';
    const res = await h.app.request('/checkout', form('outage@example.com'));
    expect(res.status).toBe(503);
    const page = await res.text();
    expect(page).toContain('Please try again in a moment');
    expect(page).not.toMatch(/at .*\.ts:\d+/);
    expect(await readerCount()).toBe(0);
  });

  it('the form body is capped', async () => {
    const res = await h.app.request('/checkout', form('a'.repeat(20_000) + '@example.com'));
    expect(res.status).toBe(413);
  });
});

describe('without Stripe configured', () => {
  it('the offer page still renders, and checkout answers a clear 503 with nothing written', async () => {
    const bare = await makeHarness();
    try {
      const home = await bare.app.request('/');
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Subscriptions are not open yet');
      const res = await bare.app.request('/checkout', form('early@example.com'));
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Stripe is not configured');
      const rows = await bare.deps.db.selectFrom('readers').selectAll().execute();
      expect(rows).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});

describe('success and cancel pages', () => {
  it.each([
    ['/checkout/success?session_id=cs_test_1', 'Thank you for subscribing'],
    ['/checkout/cancel', 'No payment was taken'],
  ])('%s reads well on a phone', async (path, title) => {
    const res = await h.app.request(path);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(title);
    expect(page).toContain('width=device-width');
  });
});
