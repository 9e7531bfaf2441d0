import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { stripeEvent, subscriptionObject } from '../support/stripe-objects.ts';
import { postWebhook, request, resetDatabase, stripe } from './support.ts';

// The staff console from workerd on D1: sessions and CSRF in D1, the prices Stripe's SDK hands the
// Worker mirrored into revenue, search, and the console's own CSP.

beforeEach(async () => {
  await resetDatabase();
  await stripe.reset();
});

const HTML = { accept: 'text/html' };
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

describe('the staff console on Workers', () => {
  it('signs in with the token, shows revenue from a mirrored subscription, finds the reader, refuses a form without its CSRF token, signs out', async () => {
    await stripe.put('customers', { id: 'cus_c1', object: 'customer', email: 'console.reader@example.com' } as { id: string });
    const sub = subscriptionObject('sub_c1', 'cus_c1', 'active', { price: { amount: 499, quantity: 2 } });
    await stripe.put('subscriptions', sub);
    expect((await postWebhook(stripeEvent('customer.subscription.created', sub))).status).toBe(200);

    expect((await request('/admin', { headers: HTML })).headers.get('location')).toBe('/admin/login');
    const signed = await request('/admin/login', form({ token: env.ADMIN_TOKEN }));
    expect(signed.status).toBe(303);
    const cookie = signed.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = await request('/admin', { headers: { ...HTML, cookie } });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await dashboard.text();
    expect(page).toContain('€9.98');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;

    const found = await (await request('/admin/readers?q=console', { headers: { ...HTML, cookie } })).text();
    expect(found).toContain('console.reader@example.com');
    expect(await (await request('/admin/readers?q=%25', { headers: { cookie } })).json()).toMatchObject({ data: [] });

    expect((await request('/admin/logout', form({}, { cookie }))).status).toBe(403);
    expect((await request('/admin/logout', form({ csrf }, { cookie }))).status).toBe(303);
    expect((await request('/admin', { headers: { ...HTML, cookie } })).headers.get('location')).toBe('/admin/login');
  });
});
