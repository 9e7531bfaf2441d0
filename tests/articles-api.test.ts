import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.close());

const post = (body: unknown, raw = false) =>
  h.app.request('/admin/articles', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
const list = async (q = '') => (await h.app.request(`/admin/articles${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
const count = async () => (await h.deps.db.selectFrom('articles').selectAll().execute()).length;

describe('POST /admin/articles', () => {
  it('upserts one article; guid defaults to url, published_at to now', async () => {
    const res = await post({ url: 'https://news.example.com/a', title: 'Harbour reopens', summary: 'Ships are back.', author: 'Ann', section: 'City', image_url: 'https://cdn.example.com/a.jpg' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ upserted: 1, new: 1 });
    const { data } = await list();
    expect(data).toEqual([
      { guid: 'https://news.example.com/a', url: 'https://news.example.com/a', title: 'Harbour reopens', summary: 'Ships are back.', image_url: 'https://cdn.example.com/a.jpg', author: 'Ann', section: 'City', published_at: new Date(h.clock.now()).toISOString() },
    ]);
  });

  it('a list of articles; the same guid or the same url updates instead of duplicating', async () => {
    await post([
      { guid: 'g1', url: 'https://news.example.com/1', title: 'One', published_at: '2026-11-27T05:00:00Z' },
      { guid: 'g2', url: 'https://news.example.com/2', title: 'Two', published_at: '2026-11-27T05:30:00+01:00' },
    ]);
    const res = await post([
      { guid: 'g1', url: 'https://news.example.com/1', title: 'One (updated)', published_at: '2026-11-27T05:00:00Z' },
      { guid: 'other-guid', url: 'https://news.example.com/2', title: 'Two (new guid, same url)', published_at: '2026-11-27T05:30:00+01:00' },
    ]);
    expect(await res.json()).toMatchObject({ upserted: 2, new: 0, updated: 2 });
    expect(await count()).toBe(2);
    const { data } = await list();
    expect(data.map((a: { title: string }) => a.title)).toEqual(['One (updated)', 'Two (new guid, same url)']);
  });

  it('one bad item: 400 naming its index and field, and nothing stored', async () => {
    const res = await post([
      { url: 'https://news.example.com/ok', title: 'Fine' },
      { url: 'https://news.example.com/ok2', title: 'Fine too' },
      { url: 'not a url', title: 'Broken' },
    ]);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ index: 2, field: 'url' });
    expect(error.message).toMatch(/^article 2: url:/);
    expect(await count()).toBe(0);
  });

  it.each([
    [{ url: 'javascript:alert(1)', title: 'x' }, 'url'],
    [{ url: 'https://news.example.com/x', title: '' }, 'title'],
    [{ url: 'https://news.example.com/x' }, 'title'],
    [{ url: 'https://news.example.com/x', title: 'x', published_at: 'yesterday' }, 'published_at'],
    [{ url: 'https://news.example.com/x', title: 'x', image_url: 'data:image/png;base64,AAAA' }, 'image_url'],
    [{ url: 'https://news.example.com/x', title: 'x', colour: 'red' }, 'colour'],
    [{ url: 'https://news.example.com/x', title: 'x', lead: 'yes' }, 'lead'],
  ])('refuses %j (field %s)', async (item, field) => {
    const res = await post(item);
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe(field);
  });

  it('folds control characters in text to spaces instead of refusing', async () => {
    const res = await post({ url: 'https://news.example.com/c', title: 'Line one\r\nBcc: victim@example.com\u0000end', summary: 'a\tb\nc' });
    expect(res.status).toBe(200);
    const { data } = await list();
    expect(data[0].title).toBe('Line one Bcc: victim@example.com end');
    expect(data[0].summary).toBe('a b c');
  });

  it('malformed JSON: 400; oversized body: 413; no token: 401', async () => {
    expect((await post('{"url": ', true)).status).toBe(400);
    expect((await post('x'.repeat(6 * 1024 * 1024), true)).status).toBe(413);
    const noAuth = await h.app.request('/admin/articles', { method: 'POST', body: '{}' });
    expect(noAuth.status).toBe(401);
    expect(await count()).toBe(0);
  });
});

describe('concurrent upserts', () => {
  it('two pollers storing the same new articles at once: one row each, both succeed', async () => {
    const { upsertArticles } = await import('../src/articles/store.ts');
    const items = Array.from({ length: 60 }, (_, i) => ({ guid: `g${i}`, url: `https://news.example.com/c/${i}`, title: `T${i}`, summary: null, image_url: null, author: null, section: null, published_at: h.clock.now() }));
    const results = await Promise.all([upsertArticles(h.deps, items, 'feed-a', h.clock.now()), upsertArticles(h.deps, items, 'feed-b', h.clock.now())]);
    expect(results.flat().filter((o) => o === 'new')).toHaveLength(60);
    expect(await h.deps.db.selectFrom('articles').selectAll().execute()).toHaveLength(60);
  });
});

describe('GET /admin/articles', () => {
  it('newest first, paged', async () => {
    await post(Array.from({ length: 5 }, (_, i) => ({ url: `https://news.example.com/${i}`, title: `T${i}`, published_at: new Date(Date.UTC(2026, 10, 27, i)).toISOString() })));
    const first = await list('?limit=2');
    expect(first.data.map((a: { title: string }) => a.title)).toEqual(['T4', 'T3']);
    const second = await list(`?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`);
    expect(second.data.map((a: { title: string }) => a.title)).toEqual(['T2', 'T1']);
    const third = await list(`?limit=2&cursor=${encodeURIComponent(second.next_cursor)}`);
    expect(third.data.map((a: { title: string }) => a.title)).toEqual(['T0']);
    expect(third.next_cursor).toBeNull();
  });
});
