import type { Db } from '../../src/db/schema.ts';

/** Inserts readers with one subscription each (status per reader), in chunks, for fan-out tests. */
export async function seedReaders(db: Db, count: number, opts: { status?: string | ((i: number) => string | null); prefix?: string; start?: number } = {}) {
  const prefix = opts.prefix ?? 'reader';
  const ids: string[] = [];
  for (let from = 0; from < count; from += 500) {
    const batch = Array.from({ length: Math.min(500, count - from) }, (_, k) => from + k + (opts.start ?? 0));
    const readers = batch.map((i) => ({ id: `${prefix}-${String(i).padStart(7, '0')}`, email: `${prefix}${i}@example.com`, created_at: i, updated_at: i }));
    await db.insertInto('readers').values(readers).execute();
    const subs = batch
      .map((i, k) => ({ i, id: readers[k]!.id, status: typeof opts.status === 'function' ? opts.status(i) : opts.status ?? 'active' }))
      .filter((s): s is { i: number; id: string; status: string } => s.status !== null);
    if (subs.length) {
      await db.insertInto('customers').values(subs.map((s) => ({ id: `cus_${s.id}`, reader_id: s.id, email: null, synced_at: 0, created_at: 0 }))).execute();
      await db
        .insertInto('subscriptions')
        .values(subs.map((s) => ({ id: `sub_${s.id}`, reader_id: s.id, customer_id: `cus_${s.id}`, status: s.status, price_id: 'p', current_period_end: null, cancel_at_period_end: 0, ends_at: null, stripe_created_at: 0, synced_at: 0, updated_at: 0 })))
        .execute();
    }
    ids.push(...readers.map((r) => r.id));
  }
  return ids;
}

/** Stores articles published `minutesAgo` before `now`, through the same path the API uses. */
export function article(i: number, now: number, over: Partial<{ title: string; summary: string | null; image_url: string | null; minutesAgo: number; section: string | null; author: string | null }> = {}) {
  return {
    guid: `urn:article:${i}`,
    url: `https://news.example.com/2026/11/story-${i}`,
    title: over.title ?? `Story number ${i} about the harbour`,
    summary: over.summary === undefined ? `Summary of story ${i}: what happened, who said what, and what comes next for the city.` : over.summary,
    image_url: over.image_url === undefined ? (i % 2 ? `https://cdn.example.com/img/${i}.jpg` : null) : over.image_url,
    author: over.author === undefined ? 'Jane Doe' : over.author,
    section: over.section === undefined ? 'City' : over.section,
    published_at: now - (over.minutesAgo ?? i + 1) * 60_000,
  };
}
