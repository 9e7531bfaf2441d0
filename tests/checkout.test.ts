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
  it("shows the plan name and monthly price from the Stripe Price, in the publication's locale whatever the browser asks for", async () => {
    const en = await (await h.app.request('/', { headers: { 'accept-language': 'fr-FR' } })).text();
    expect(en).toContain('Digital access + daily digest');
    expect(en).toContain('€4.99');
    expect(en).toContain('per month');
    const german = await makeHarness({ stripe: fake, env: { PUBLICATION_LOCALE: 'de-DE' } });
    try {
      const de = await (await german.app.request('/', { headers: { 'accept-language': 'en-GB' } })).text();
      expect(de).toMatch(/4,99\s€/);
      expect(de).toContain('im Monat');
      expect(de).toContain('name="email"');
    } finally {
      await german.close();
    }
  });

  it('shows the Checkout options where a reader decides: the trial on the price and the button, promotion codes, tax', async () => {
    const plain = await (await h.app.request('/')).text();
    expect(plain).not.toMatch(/free|promotion|tax/i);
    expect(plain).toContain('>Subscribe</button>');
    seedCatalog(fake);
    fake.prices.set(PRICE_ID, { ...fake.prices.get(PRICE_ID)!, tax_behavior: 'exclusive' });
    const shop = await makeHarness({ stripe: fake, env: { STRIPE_TRIAL_DAYS: '14', STRIPE_ALLOW_PROMOTION_CODES: '1', STRIPE_AUTOMATIC_TAX: '1' } });
    try {
      const page = await (await shop.app.request('/')).text();
      expect(page).toContain('Free for 14 days, then €4.99 per month.');
      expect(page).toContain('>Start your free trial</button>');
      expect(page).toContain('Have a promotion code? Enter it on the payment page.');
      expect(page).toContain('Plus tax where it applies, shown before you pay.');
    } finally {
      await shop.close();
    }
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

  it('by default no trial, no promotion codes, no automatic tax', async () => {
    await h.app.request('/checkout', form('plain@example.com'));
    const call = fake.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(Object.keys(call.params).filter((k) => /trial|promotion|automatic_tax|billing_address/.test(k))).toEqual([]);
  });

  it('STRIPE_TRIAL_DAYS, STRIPE_ALLOW_PROMOTION_CODES and STRIPE_AUTOMATIC_TAX go to the Checkout Session, with the billing address Stripe Tax needs', async () => {
    const shop = await makeHarness({ stripe: fake, env: { STRIPE_TRIAL_DAYS: '14', STRIPE_ALLOW_PROMOTION_CODES: '1', STRIPE_AUTOMATIC_TAX: 'true' } });
    try {
      expect((await shop.app.request('/checkout', form('trial@example.com'))).status).toBe(303);
      const call = fake.requests.find((r) => r.path === '/v1/checkout/sessions')!;
      expect(call.params).toMatchObject({
        'subscription_data[trial_period_days]': '14',
        allow_promotion_codes: 'true',
        'automatic_tax[enabled]': 'true',
        billing_address_collection: 'required',
        // A new customer from the address typed, never an existing one.
        customer_email: 'trial@example.com',
      });
      expect(call.params['customer']).toBeUndefined();
      expect(call.params['customer_update[address]']).toBeUndefined();
    } finally {
      await shop.close();
    }
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
      expect(await res.text()).toContain('Subscriptions are not open yet');
      const rows = await bare.deps.db.selectFrom('readers').selectAll().execute();
      expect(rows).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});

describe('success and cancel pages', () => {
  const checkout = async (email: string) => {
    const res = await h.app.request('/checkout', form(email));
    return /cs_test_\w+/.exec(res.headers.get('location')!)![0];
  };
  const success = async (sessionId: string) => {
    const res = await h.app.request(`/checkout/success?session_id=${encodeURIComponent(sessionId)}`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('the success page reads the Checkout Session: welcome and the first digest’s date only once it is complete', async () => {
    const id = await checkout('new@example.com');
    const open = await success(id);
    expect(open).toContain('We are confirming your payment');
    expect(open).not.toContain('Thank you for subscribing');

    fake.completeCheckout(id);
    const done = await success(id);
    expect(done).toContain('Thank you for subscribing');
    // The clock says 06:00 UTC on Friday 27 November; DIGEST_CRON is 07:00 UTC: the same morning.
    expect(done).toContain('Your first digest arrives on Friday, November 27, 2026');
    expect(done).toContain('width=device-width');
    expect(done).not.toContain('new@example.com');
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/checkout/sessions/${id}`)).toHaveLength(2);
  });

  it('the first digest’s date follows DIGEST_CRON in DIGEST_TIMEZONE, in the publication’s language', async () => {
    const later = await makeHarness({ stripe: fake, env: { DIGEST_CRON: '30 6 * * *', DIGEST_TIMEZONE: 'Europe/Berlin', PUBLICATION_LOCALE: 'de' } });
    try {
      const id = /cs_test_\w+/.exec((await later.app.request('/checkout', form('spaet@example.com'))).headers.get('location')!)![0];
      fake.completeCheckout(id, 'no_payment_required');
      // 06:00 UTC is 07:00 in Berlin: today's 06:30 has passed, so tomorrow.
      const page = await (await later.app.request(`/checkout/success?session_id=${id}`)).text();
      expect(page).toContain('Danke für Ihr Abonnement');
      expect(page).toContain('Samstag, 28. November 2026');
    } finally {
      await later.close();
    }
  });

  it('a session that is not ours, not complete or not paid, or a made-up id, reads "confirming" and shows nothing of it', async () => {
    const id = await checkout('async@example.com');
    fake.completeCheckout(id, 'unpaid');
    fake.checkoutSessions.set('cs_test_foreign', { id: 'cs_test_foreign', object: 'checkout.session', mode: 'payment', status: 'complete', payment_status: 'paid', metadata: {}, customer_email: 'someone@example.com' });
    for (const sessionId of [id, 'cs_test_foreign', 'cs_test_nosuch', '../../v1/customers/cus_x', 'cs_test_1?expand[]=customer', '']) {
      const page = await success(sessionId);
      expect(page, sessionId).toContain('We are confirming your payment');
      expect(page).not.toMatch(/async@example\.com|someone@example\.com|cus_/);
    }
    // Only well-formed ids were looked up, and nothing else was asked of Stripe.
    expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([`/v1/checkout/sessions/${id}`, '/v1/checkout/sessions/cs_test_foreign', '/v1/checkout/sessions/cs_test_nosuch']);
  });

  it('Stripe down: the success page still answers, "confirming"', async () => {
    const id = await checkout('down@example.com');
    fake.completeCheckout(id);
    fake.mode = 'down';
    expect(await success(id)).toContain('We are confirming your payment');
  });

  it('the cancel page reads well on a phone', async () => {
    const res = await h.app.request('/checkout/cancel');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('No payment was taken');
    expect(page).toContain('width=device-width');
  });
});
