import type { Db } from '../db/schema.ts';

/** Each configured feed as its last poll left it (a feed never polled yet has no row). */
export async function feedStatus(db: Db, urls: readonly string[]) {
  const rows = urls.length ? await db.selectFrom('feeds').select(['url', 'last_polled_at', 'last_error', 'last_item_count']).where('url', 'in', [...urls]).execute() : [];
  const byUrl = new Map(rows.map((r) => [r.url, r]));
  return urls.map((url) => {
    const r = byUrl.get(url);
    return { url, last_polled_at: r?.last_polled_at == null ? null : Number(r.last_polled_at), last_error: r?.last_error ?? null, last_item_count: r?.last_item_count == null ? null : Number(r.last_item_count) };
  });
}
