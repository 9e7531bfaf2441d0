import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readerLinks } from '../src/links.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

describe('browser protections on every page', () => {
  it.each(['/', '/account', '/checkout/success', '/checkout/cancel', '/no-such-page'])('%s: CSP, no framing, nosniff, no referrer', async (path) => {
    const res = await h.app.request(path);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    // Forms post to us and are redirected on to Stripe's Checkout and billing portal.
    expect(csp).toMatch(/form-action 'self' https:\/\/checkout\.stripe\.com https:\/\/billing\.stripe\.com/);
    expect(csp).not.toContain('script-src');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('the pages with signed links in their URL (unsubscribe) send no referrer either, error pages included', async () => {
    await h.deps.db.insertInto('readers').values({ id: 'r1', email: 'u@example.com', created_at: 0, updated_at: 0 }).execute();
    const path = new URL((readerLinks(h.deps.config, 'r1', h.clock.now())).unsubscribe_url).pathname;
    for (const p of [path, `${path}x`]) expect((await h.app.request(p)).headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('not found', () => {
  it('a styled page in the same layout as every reader page, 404', async () => {
    const res = await h.app.request('/no-such-page');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<h1>Page not found</h1>');
    expect(page).toContain('name="viewport"');
    expect(page).toContain('href="/"');
  });

  it('JSON under /admin and /webhooks', async () => {
    for (const path of ['/admin/nothing', '/webhooks/nothing']) {
      const res = await h.app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
  });
});

describe('admin errors are JSON everywhere', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-wrong-token' }],
    ['a malformed header', { authorization: 'Basic abc' }],
  ])('%s: 401 JSON with WWW-Authenticate', async (_, headers) => {
    const res = await h.app.request('/admin/subscribers', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await res.json()).error.code).toBe('unauthorized');
  });
});
