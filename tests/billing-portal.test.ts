import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readerLinks } from '../src/links.ts';
import { signToken } from '../src/tokens.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { APP_SECRET, makeHarness, postWebhook, stripeEvent, subscriptionObject, type Harness } from './support/harness.ts';

let fake: FakeStripe;
let h: Harness;
let readerId: string;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  h = await makeHarness({ stripe: fake });
  fake.customers.set('cus_bill', { id: 'cus_bill', object: 'customer', email: 'bill@example.com' });
  fake.subscriptions.set('sub_bill', subscriptionObject('sub_bill', 'cus_bill', 'active'));
  await postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_bill')!));
  readerId = (await h.deps.db.selectFrom('readers').select('id').executeTakeFirstOrThrow()).id;
});
afterEach(() => h.close());

describe('GET /billing/:token', () => {
  it("answers 303 to a Stripe billing-portal session for that reader's customer, returning to PUBLIC_URL", async () => {
    const { billing_url } = readerLinks(h.deps.config, readerId, h.clock.now());
    const res = await h.app.request(new URL(billing_url).pathname);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_/);
    const call = fake.requests.find((r) => r.path === '/v1/billing_portal/sessions')!;
    expect(call.params).toMatchObject({ customer: 'cus_bill', return_url: 'https://news.example.com/' });
  });

  it('an expired token (older than 30 days) gets a clear page, not a stack trace', async () => {
    const { billing_url } = readerLinks(h.deps.config, readerId, h.clock.now());
    h.clock.advance(31 * 24 * 3600_000);
    const res = await h.app.request(new URL(billing_url).pathname);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('This link has expired');
    expect(page).not.toMatch(/Error|\.ts:\d+/);
    expect(fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions')).toHaveLength(0);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['truncated', null],
    ['signed with another secret', 'other'],
    ['an unsubscribe token', 'unsubscribe'],
  ])('a bad token (%s) gets a 400 page', async (_, kind) => {
    let token: string;
    if (kind === null) token = (signToken(APP_SECRET, 'billing', readerId, h.clock.now() + 1e9)).slice(0, -4);
    else if (kind === 'other') token = signToken('another-secret-another-secret-000000', 'billing', readerId, h.clock.now() + 1e9);
    else if (kind === 'unsubscribe') token = signToken(APP_SECRET, 'unsubscribe', readerId);
    else token = kind;
    const res = await h.app.request(`/billing/${token}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This link does not work');
  });
});
