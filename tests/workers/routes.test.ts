import { beforeEach, describe, expect, it } from 'vitest';
import { stripeEvent, subscriptionObject } from '../support/stripe-objects.ts';
import { ADMIN, postWebhook, request, resetDatabase, stripe } from './support.ts';

beforeEach(async () => {
  await resetDatabase();
  await stripe.reset();
});

const subscribers = async () => ((await (await request('/admin/subscribers', { headers: ADMIN })).json()) as { data: { email: string; status: string; entitled: boolean; unsubscribed: boolean }[] }).data;
const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

describe('the Worker serves the same app on D1', () => {
  it('/healthz answers from D1; / shows the offer with the price from Stripe; an unknown path is the styled 404', async () => {
    expect(await (await request('/healthz')).json()).toEqual({ ok: true });
    const offer = await request('/', { headers: { 'accept-language': 'en-GB' } });
    expect(offer.status).toBe(200);
    expect(await offer.text()).toContain('€4.99');
    const missing = await request('/nothing-here');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<h1>Page not found</h1>');
  });

  it('POST /checkout answers 303 to a Stripe Checkout Session', async () => {
    const res = await request('/checkout', form({ email: 'new.reader@example.com' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const call = (await stripe.requests()).find((r) => r.path === '/v1/checkout/sessions')!;
    expect(call.params['mode']).toBe('subscription');
    expect(call.params['customer_email']).toBe('new.reader@example.com');
  });
});

describe('webhooks on Workers (constructEventAsync, both payload shapes)', () => {
  it('a signed event makes the reader entitled; a replay is a duplicate; a forged one is refused', async () => {
    await stripe.put('customers', { id: 'cus_w1', object: 'customer', email: 'worker.reader@example.com' } as { id: string });
    const sub = subscriptionObject('sub_w1', 'cus_w1', 'active');
    await stripe.put('subscriptions', sub);
    const event = stripeEvent('customer.subscription.created', sub, { id: 'evt_w1' });
    const first = await postWebhook(event);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ outcome: 'processed' });
    expect((await subscribers()).find((r) => r.email === 'worker.reader@example.com')).toMatchObject({ status: 'active', entitled: true });
    expect(await (await postWebhook(event)).json()).toMatchObject({ outcome: 'duplicate' });
    const forged = await request('/webhooks/stripe', { method: 'POST', headers: { 'stripe-signature': 't=1,v1=abc' }, body: JSON.stringify(event) });
    expect(forged.status).toBe(400);
  });

  it('out of order: a late "active" after "canceled" leaves it canceled; the legacy payload shape is read too', async () => {
    await stripe.put('customers', { id: 'cus_w2', object: 'customer', email: 'order@example.com' } as { id: string });
    const canceled = subscriptionObject('sub_w2', 'cus_w2', 'canceled', { legacy: true });
    await stripe.put('subscriptions', canceled);
    await postWebhook(stripeEvent('customer.subscription.deleted', canceled));
    await postWebhook(stripeEvent('customer.subscription.updated', subscriptionObject('sub_w2', 'cus_w2', 'active', { legacy: true }), { created: Math.floor(Date.now() / 1000) - 600 }));
    expect((await subscribers()).find((r) => r.email === 'order@example.com')).toMatchObject({ status: 'canceled', entitled: false });
  });
});

describe('unsubscribe and articles on Workers', () => {
  it('RFC 8058 one-click unsubscribe from the link in the welcome mail flow', async () => {
    await stripe.put('customers', { id: 'cus_w3', object: 'customer', email: 'leaver@example.com' } as { id: string });
    await stripe.put('subscriptions', subscriptionObject('sub_w3', 'cus_w3', 'active'));
    await postWebhook(stripeEvent('customer.subscription.created', subscriptionObject('sub_w3', 'cus_w3', 'active')));
    const { signToken } = await import('../../src/tokens.ts');
    const { env } = await import('cloudflare:test');
    const reader = await env.DB.prepare('SELECT id FROM readers WHERE email = ?').bind('leaver@example.com').first<{ id: string }>();
    const token = signToken(env.APP_SECRET, 'unsubscribe', reader!.id);
    const res = await request(`/unsubscribe/${token}`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    expect((await subscribers()).find((r) => r.email === 'leaver@example.com')).toMatchObject({ unsubscribed: true });
  });

  it('POST /admin/articles upserts all or nothing', async () => {
    const good = { url: 'https://news.example.com/a', title: 'A' };
    const bad = await request('/admin/articles', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify([good, { url: 'javascript:alert(1)', title: 'B' }]) });
    expect(bad.status).toBe(400);
    expect(await (await request('/admin/articles', { headers: ADMIN })).json()).toMatchObject({ data: [] });
    const ok = await request('/admin/articles', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify([good, { url: 'https://news.example.com/b', title: 'B' }]) });
    expect(await ok.json()).toEqual({ upserted: 2, new: 2, updated: 0 });
  });
});

describe('configuration on Workers', () => {
  it('a bad value answers 503 naming the variable on every request (a Worker cannot exit 78)', async () => {
    const { createExecutionContext, env } = await import('cloudflare:test');
    const worker = (await import('../../src/worker.ts')).default;
    const cases: [typeof env, string][] = [
      [{ ...env, DIGEST_CRON: '0 25 * * *' } as typeof env, 'DIGEST_CRON:'],
      [{ ...env, FEED_URLS: 'ftp://user:hunter2@feeds.example/rss' } as typeof env, 'FEED_URLS:'],
    ];
    for (const [broken, name] of cases) {
      for (const path of ['/', '/healthz', '/webhooks/stripe']) {
        const res = await worker.fetch(new Request(`https://news.example.com${path}`), broken, createExecutionContext());
        expect(res.status).toBe(503);
        const body = await res.text();
        expect(body).toContain(name);
        expect(body).not.toContain('hunter2');
      }
    }
  });
});

describe('the publication’s pages on Workers', () => {
  it('the archive reads D1, the offer shows its sample in the shared layout, the favicon is served', async () => {
    const { env } = await import('cloudflare:test');
    const now = Date.now();
    const date = new Date(now - 24 * 3600_000).toISOString().slice(0, 10);
    await env.DB.batch([
      env.DB.prepare('INSERT INTO articles (id, guid, url, title, summary, image_url, author, section, published_at, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)').bind('a1', 'g1', 'https://news.example.com/tram', 'Tram line to the east by 2030', 'The mayor promised it.', 'Tom', 'City', now, 'api', now, now),
      env.DB.prepare('INSERT INTO editions (date, subject, html, text, article_count, frozen_at, slot_marker) VALUES (?, ?, ?, ?, 1, ?, NULL)').bind(date, 'Tram', '<html></html>', 'Tram', now),
      env.DB.prepare('INSERT INTO edition_articles (edition_date, article_id, position) VALUES (?, ?, 0)').bind(date, 'a1'),
    ]);
    const archive = await request('/archive');
    expect(archive.status).toBe(200);
    expect(await archive.text()).toContain('<a href="https://news.example.com/tram">Tram line to the east by 2030</a>');
    expect(await (await request(`/archive/${date}`)).text()).toContain('The mayor promised it.');
    const offer = await (await request('/')).text();
    expect(offer).toContain('From the latest edition');
    expect(offer).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    const icon = await request('/favicon.svg');
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await icon.text()).toContain('>T</text>');
  });
});
