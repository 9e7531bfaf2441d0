import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readerLinks } from '../src/links.ts';
import { makeHarness, type Harness } from './support/harness.ts';

let h: Harness;
let path: string;
beforeEach(async () => {
  h = await makeHarness();
  await h.deps.db.insertInto('readers').values({ id: 'r1', email: 'u@example.com', created_at: 0, updated_at: 0 }).execute();
  path = new URL((readerLinks(h.deps.config, 'r1', h.clock.now())).unsubscribe_url).pathname;
});
afterEach(() => h.close());

const unsubscribedAt = async () => (await h.deps.db.selectFrom('readers').select('unsubscribed_at').executeTakeFirstOrThrow()).unsubscribed_at;

describe('unsubscribe links', () => {
  it('GET shows a page with a button and changes nothing (link scanners follow links)', async () => {
    const res = await h.app.request(path);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`<form method="post" action="${path}">`);
    expect(page).toContain('does not cancel your subscription');
    expect(await unsubscribedAt()).toBeNull();
  });

  it('RFC 8058 one-click POST unsubscribes, and doing it twice is fine', async () => {
    const oneClick = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };
    expect((await h.app.request(path, oneClick)).status).toBe(200);
    const first = await unsubscribedAt();
    expect(first).toBe(h.clock.now());
    h.clock.advance(1000);
    expect((await h.app.request(path, oneClick)).status).toBe(200);
    expect(await unsubscribedAt()).toBe(first);
  });

  it('a forged or mangled token gets a clear 400 page and changes nothing', async () => {
    for (const bad of [`${path}x`, '/unsubscribe/abc.def', '/unsubscribe/%00']) {
      const res = await h.app.request(bad, { method: 'POST' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This link does not work');
    }
    expect(await unsubscribedAt()).toBeNull();
  });

  it('unsubscribe tokens never expire', async () => {
    h.clock.advance(5 * 365 * 24 * 3600_000);
    expect((await h.app.request(path)).status).toBe(200);
  });
});
