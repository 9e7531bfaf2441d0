import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { accountUrl, readerLinks } from '../src/links.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { signToken } from '../src/tokens.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { ADMIN_TOKEN, APP_SECRET, makeHarness, postWebhook, seedCatalog, stripeEvent, subscriptionObject, type Harness } from './support/harness.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

let fake: FakeStripe;
let smtp: SmtpSink;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  seedCatalog(fake, { name: 'The Morning Digest' });
  smtp = await startSmtpSink();
  h = await makeHarness({ stripe: fake, mailer: smtpMailer({ url: smtp.url, concurrency: 2 }), env: { TRUST_PROXY: '1' } });
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() }) as const;
const fromClient = (address: string) => ({ 'x-forwarded-for': address });

/** A reader with an active subscription, made the way Stripe's webhooks make one. */
async function subscriber(name: string, opts: { created?: number; status?: string } = {}) {
  fake.customers.set(`cus_${name}`, { id: `cus_${name}`, object: 'customer', email: `${name}@example.com` });
  fake.subscriptions.set(`sub_${name}`, subscriptionObject(`sub_${name}`, `cus_${name}`, opts.status ?? 'active', opts.created ? { created: opts.created } : {}));
  expect((await postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get(`sub_${name}`)!))).status).toBe(200);
  await h.drain();
  const reader = await h.deps.db.selectFrom('readers').select('id').where('email', '=', `${name}@example.com`).executeTakeFirstOrThrow();
  return reader.id;
}

/** Link mails that reached the SMTP server for an address (welcome mails aside). */
function linkMails(to: string) {
  return smtp.messages.filter((m) => m.to.includes(to) && m.parsed.headers.get('x-gazette-kind') === 'account-link');
}

const SIGNED_LINK = /\/(billing|account|unsubscribe)\/[\w.-]{20,}/;

describe('POST /checkout with a subscriber’s address', () => {
  it('answers that a link was mailed, with no billing or account link in the page, and mails the link there', async () => {
    await subscriber('paid');
    fake.requests.length = 0;
    const res = await h.app.request('/checkout', form({ email: 'Paid@Example.com' }));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('already subscribed');
    expect(page).toContain('sent a link to manage the subscription to that address');
    expect(page).not.toMatch(SIGNED_LINK);
    expect(fake.requests.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(0);

    await h.drain();
    const [mail] = linkMails('paid@example.com');
    expect(mail?.parsed.subject).toBe('Manage your subscription to The Morning Gazette');
    const link = /https:\/\/news\.example\.com\/account\/[\w.-]+/.exec(mail!.parsed.text ?? '')![0];
    expect(mail!.parsed.html).toContain(link);
    const own = await h.app.request(new URL(link).pathname);
    expect(own.status).toBe(200);
    const ownPage = await own.text();
    expect(ownPage).toContain('paid@example.com');
    expect(ownPage).toContain('The Morning Digest');
    expect(ownPage).toContain('Active');
    expect(ownPage).toContain('Renews on December 27, 2026');
    expect(ownPage).toContain('On: every morning');
  });

  it('mails at most once per address per 10 minutes, across processes sharing the database', async () => {
    await subscriber('busy');
    // A second app on the same database stands for a second process: only the database remembers.
    const other = createApp({ ...h.deps });
    for (const app of [h.app, other, h.app]) expect((await app.request('/checkout', form({ email: 'busy@example.com' }, fromClient(`198.51.100.${Math.random() * 200 | 0}`)))).status).toBe(200);
    await h.drain();
    expect(linkMails('busy@example.com')).toHaveLength(1);
    h.clock.advance(10 * 60_000 + 1);
    expect((await other.request('/checkout', form({ email: 'busy@example.com' }))).status).toBe(200);
    await h.drain();
    expect(linkMails('busy@example.com')).toHaveLength(2);
  });
});

describe('the reader’s own page', () => {
  it('GET /account is a form; the offer page links to it', async () => {
    const res = await h.app.request('/account');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<form method="post" action="/account">');
    const offer = await (await h.app.request('/')).text();
    expect(offer).toMatch(/Already a subscriber\?\s*<a href="\/account">Manage your subscription<\/a>/);
  });

  it('POST /account answers the same for a subscriber, a stranger and a never-paid reader, and mails only the subscriber', async () => {
    await subscriber('sam');
    // Someone who started checkout but never paid exists as a reader with no customer.
    await h.app.request('/checkout', form({ email: 'started@example.com' }));
    const answers = [];
    for (const email of ['sam@example.com', 'nobody@example.com', 'started@example.com']) {
      const res = await h.app.request('/account', form({ email }));
      expect(res.status).toBe(200);
      answers.push(await res.text());
    }
    expect(answers[0]).toContain('If this address has a subscription, a link to manage it is on its way');
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toMatch(SIGNED_LINK);
    await h.drain();
    expect(linkMails('sam@example.com')).toHaveLength(1);
    expect(smtp.messages.filter((m) => m.to.includes('nobody@example.com') || m.to.includes('started@example.com'))).toHaveLength(0);
  });

  it('an invalid address gets the form again (400), and nothing is mailed', async () => {
    const res = await h.app.request('/account', form({ email: 'not-an-address' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Please enter a valid email address');
  });

  it('stop and resume the digest from the page; staff see it change', async () => {
    const id = await subscriber('toggle');
    const path = new URL(accountUrl(h.deps.config, id, h.clock.now())).pathname;
    const unsubscribed = async () => {
      const res = await h.app.request('/admin/subscribers', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return ((await res.json()) as { data: { email: string; unsubscribed: boolean }[] }).data.find((r) => r.email === 'toggle@example.com')!.unsubscribed;
    };
    const stop = await h.app.request(`${path}/stop`, form({}));
    expect(stop.status).toBe(303);
    expect(stop.headers.get('location')).toBe(`${path}?done=stopped`);
    expect(await unsubscribed()).toBe(true);
    const stopped = await (await h.app.request(`${path}?done=stopped`)).text();
    expect(stopped).toContain('the daily digest is stopped');
    expect(stopped).toContain(`action="${path}/resume"`);

    expect((await h.app.request(`${path}/resume`, form({}))).status).toBe(303);
    expect(await unsubscribed()).toBe(false);
    expect(await (await h.app.request(path)).text()).toContain(`action="${path}/stop"`);
  });

  it('manage billing answers 303 to a Stripe billing-portal session that returns to the page', async () => {
    const id = await subscriber('bills');
    const path = new URL(accountUrl(h.deps.config, id, h.clock.now())).pathname;
    const res = await h.app.request(`${path}/billing`, form({}));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\//);
    const call = fake.requests.find((r) => r.path === '/v1/billing_portal/sessions')!;
    // The way back is the form, not the signed link: Stripe never holds the reader's token.
    expect(call.params).toMatchObject({ customer: 'cus_bills', return_url: 'https://news.example.com/account' });
    for (const odd of ['constructor', '__proto__', 'toString']) expect(await (await h.app.request(`${path}?done=${odd}`)).text()).not.toMatch(/function|native code|\[object/);
  });

  it('the link lives 24 hours; other links’ tokens do not open it', async () => {
    const id = await subscriber('late');
    const path = new URL(accountUrl(h.deps.config, id, h.clock.now())).pathname;
    h.clock.advance(24 * 3600_000 + 1000);
    const expired = await h.app.request(path);
    expect(expired.status).toBe(400);
    const expiredPage = await expired.text();
    expect(expiredPage).toContain('links to your subscription work for 24 hours');
    expect(expiredPage).toContain('<a class="button" href="/account">Email me a new link</a>');
    for (const purpose of ['unsubscribe', 'billing'] as const) {
      const token = signToken(APP_SECRET, purpose, id, h.clock.now() + 3600_000);
      expect((await h.app.request(`/account/${token}`)).status).toBe(400);
      expect((await h.app.request(`/account/${token}/stop`, form({}))).status).toBe(400);
    }
  });
});

describe('unsubscribe', () => {
  it('the confirmation carries no billing link, and offers to resume with the same token', async () => {
    const id = await subscriber('leaver');
    const path = new URL((readerLinks(h.deps.config, id, h.clock.now())).unsubscribe_url).pathname;
    const res = await h.app.request(path, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toMatch(/\/(billing|account)\/[\w.-]{20,}/);
    expect(page).toContain(`<form method="post" action="${path}/resume">`);
    const unsubscribedAt = async () => (await h.deps.db.selectFrom('readers').select('unsubscribed_at').where('id', '=', id).executeTakeFirstOrThrow()).unsubscribed_at;
    expect(await unsubscribedAt()).not.toBeNull();
    // Coming back to the link later shows the same choice.
    expect(await (await h.app.request(path)).text()).toContain(`action="${path}/resume"`);

    const resumed = await h.app.request(`${path}/resume`, form({}));
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toContain('The digest is back on');
    expect(await unsubscribedAt()).toBeNull();
  });
});

describe('paying again after unsubscribing resumes the digest', () => {
  const unsubscribed = async (email: string) =>
    (await h.deps.db.selectFrom('readers').select('unsubscribed_at').where('email', '=', email).executeTakeFirstOrThrow()).unsubscribed_at !== null;

  it('a subscription created after the unsubscribe resumes it; a late event for the old one does not', async () => {
    const id = await subscriber('again', { created: Math.floor(h.clock.now() / 1000) - 86400 });
    const unsubscribe = new URL((readerLinks(h.deps.config, id, h.clock.now())).unsubscribe_url).pathname;
    await h.app.request(unsubscribe, form({ 'List-Unsubscribe': 'One-Click' }));
    fake.subscriptions.set('sub_again', subscriptionObject('sub_again', 'cus_again', 'canceled', { created: Math.floor(h.clock.now() / 1000) - 86400 }));
    h.clock.advance(60_000);

    // A replayed update of the subscription from before the unsubscribe changes nothing.
    fake.subscriptions.set('sub_again', subscriptionObject('sub_again', 'cus_again', 'active', { created: Math.floor(h.clock.now() / 1000) - 86400 }));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_again')!));
    expect(await unsubscribed('again@example.com')).toBe(true);

    // The reader checks out again: Stripe makes a new subscription and completes the session.
    h.clock.advance(60_000);
    const created = Math.floor(h.clock.now() / 1000);
    fake.subscriptions.set('sub_again2', subscriptionObject('sub_again2', 'cus_again', 'active', { created }));
    const session = { id: 'cs_again', object: 'checkout.session', created, mode: 'subscription', client_reference_id: id, customer: 'cus_again', subscription: 'sub_again2' };
    expect((await postWebhook(h, stripeEvent('checkout.session.completed', session))).status).toBe(200);
    expect(await unsubscribed('again@example.com')).toBe(false);
    const listing = await (await h.app.request('/admin/subscribers', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(listing.data.find((r: { email: string }) => r.email === 'again@example.com')).toMatchObject({ unsubscribed: false, entitled: true });
  });
});

describe('abuse limits', () => {
  it('POST /checkout: 20 per client address per 10 minutes, then a 429 page that says when to retry', async () => {
    for (let i = 0; i < 20; i++) expect((await h.app.request('/checkout', form({ email: `bot${i}@example.com` }, fromClient('203.0.113.9')))).status).toBe(303);
    const res = await h.app.request('/checkout', form({ email: 'bot20@example.com' }, fromClient('203.0.113.9')));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    const page = await res.text();
    expect(page).toContain('Too many attempts');
    expect(page).toMatch(/try again in \d+ minutes?/);
    expect(fake.requests.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(20);
    // Another client is not affected, and the limit lifts when the window ends.
    expect((await h.app.request('/checkout', form({ email: 'person@example.com' }, fromClient('203.0.113.10')))).status).toBe(303);
    h.clock.advance(10 * 60_000);
    expect((await h.app.request('/checkout', form({ email: 'bot21@example.com' }, fromClient('203.0.113.9')))).status).toBe(303);
  });

  it('IPv6 clients count by their /64: new addresses in the same network share one budget', async () => {
    for (let i = 0; i < 10; i++) expect((await h.app.request('/account', form({ email: `v6-${i}@example.com` }, fromClient(`2001:db8:7:7::${i + 1}`)))).status).toBe(200);
    expect((await h.app.request('/account', form({ email: 'v6-x@example.com' }, fromClient('2001:db8:7:7:dead:beef:0:1')))).status).toBe(429);
    expect((await h.app.request('/account', form({ email: 'v6-y@example.com' }, fromClient('2001:db8:7:8::1')))).status).toBe(200);
  });

  it('POST /checkout: 5 per email per 10 minutes, whatever the client address', async () => {
    for (let i = 0; i < 5; i++) expect((await h.app.request('/checkout', form({ email: 'target@example.com' }, fromClient(`203.0.113.${i}`)))).status).toBe(303);
    expect((await h.app.request('/checkout', form({ email: 'Target@Example.com' }, fromClient('203.0.113.99')))).status).toBe(429);
  });

  it('POST /account: limited per client address and per email', async () => {
    for (let i = 0; i < 5; i++) expect((await h.app.request('/account', form({ email: 'ask@example.com' }, fromClient(`198.51.100.${i}`)))).status).toBe(200);
    expect((await h.app.request('/account', form({ email: 'ask@example.com' }, fromClient('198.51.100.50')))).status).toBe(429);
    for (let i = 0; i < 10; i++) expect((await h.app.request('/account', form({ email: `x${i}@example.com` }, fromClient('198.51.100.77')))).status).toBe(200);
    expect((await h.app.request('/account', form({ email: 'y@example.com' }, fromClient('198.51.100.77')))).status).toBe(429);
  });

  it('GET /billing/:token: each hit opens a portal session, so it is limited per reader', async () => {
    const id = await subscriber('clicker');
    const path = new URL((readerLinks(h.deps.config, id, h.clock.now())).billing_url).pathname;
    for (let i = 0; i < 5; i++) expect((await h.app.request(path, { headers: fromClient(`192.0.2.${i}`) })).status).toBe(303);
    const res = await h.app.request(path, { headers: fromClient('192.0.2.200') });
    expect(res.status).toBe(429);
    expect(fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions')).toHaveLength(5);
  });
});

describe('cross-site form posts', () => {
  const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };

  it('are refused for checkout, the account form and the account page’s buttons (403), and change nothing', async () => {
    const id = await subscriber('victim');
    const path = new URL(accountUrl(h.deps.config, id, h.clock.now())).pathname;
    for (const [url, fields] of [['/checkout', { email: 'victim2@example.com' }], ['/account', { email: 'victim@example.com' }], [`${path}/stop`, {}], [`${path}/billing`, {}]] as const) {
      const res = await h.app.request(url, form(fields, evil));
      expect(res.status, url).toBe(403);
      expect(await res.text()).toContain('can only be sent from our own pages');
    }
    expect((await h.deps.db.selectFrom('readers').select('unsubscribed_at').where('id', '=', id).executeTakeFirstOrThrow()).unsubscribed_at).toBeNull();
    expect(fake.requests.filter((r) => r.path !== `/v1/subscriptions/sub_victim` && r.path !== '/v1/customers/cus_victim')).toHaveLength(0);
    // From our own origin it works.
    expect((await h.app.request(`${path}/stop`, form({}, { origin: 'https://news.example.com', 'sec-fetch-site': 'same-origin' }))).status).toBe(303);
  });

  it('a post from another site is refused on what the browser says (Sec-Fetch-Site), whatever Origin claims', async () => {
    for (const headers of [{ origin: 'null', 'sec-fetch-site': 'cross-site' }, { origin: 'https://news.example.com', 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
      expect((await h.app.request('/checkout', form({ email: 'x@example.com' }, headers))).status).toBe(403);
    }
    // What Chromium sends for our own form under Referrer-Policy: no-referrer.
    expect((await h.app.request('/checkout', form({ email: 'x@example.com' }, { origin: 'null', 'sec-fetch-site': 'same-origin' }))).status).toBe(303);
  });

  it('RFC 8058 one-click unsubscribe stays allowed from anywhere (mail providers post it)', async () => {
    const id = await subscriber('oneclick');
    const path = new URL((readerLinks(h.deps.config, id, h.clock.now())).unsubscribe_url).pathname;
    const res = await h.app.request(path, form({ 'List-Unsubscribe': 'One-Click' }, evil));
    expect(res.status).toBe(200);
  });
});
