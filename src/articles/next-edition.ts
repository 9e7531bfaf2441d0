import type { Db } from '../db/schema.ts';
import { EDITION_WINDOW_MS } from '../editions/edition.ts';

/**
 * What the next edition would take if it were frozen now, as staff review it: every article no
 * edition holds yet, from the edition's window, newest first — those staff left out included, so
 * they can be put back. `in_next` marks the ones within the edition's cap.
 */
export interface Candidate {
  id: string;
  title: string;
  url: string;
  section: string | null;
  author: string | null;
  source: string;
  published_at: number;
  excluded: boolean;
  in_next: boolean;
}

/** More than any edition holds (DIGEST_MAX_ARTICLES is at most 200), fewer than a page can't show. */
export const CANDIDATES_SHOWN = 250;

export async function nextEditionCandidates(db: Db, opts: { now: number; max: number }): Promise<Candidate[]> {
  const rows = await db
    .selectFrom('articles')
    .select(['id', 'title', 'url', 'section', 'author', 'source', 'published_at', 'excluded'])
    .where('published_at', '>', opts.now - EDITION_WINDOW_MS)
    .where('published_at', '<=', opts.now)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('edition_articles').select('article_id').whereRef('edition_articles.article_id', '=', 'articles.id'))))
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(CANDIDATES_SHOWN)
    .execute();
  let taken = 0;
  return rows.map((r) => {
    const excluded = Number(r.excluded) === 1;
    const in_next = !excluded && taken < opts.max;
    if (in_next) taken++;
    return { ...r, published_at: Number(r.published_at), excluded, in_next };
  });
}

/**
 * Leaves an article out of the next edition, or puts it back. Only articles no edition holds yet:
 * one already sent can't be taken back. Answers whether the article was there to change.
 */
export async function setExcluded(db: Db, articleId: string, excluded: boolean, now: number): Promise<boolean> {
  const result = await db
    .updateTable('articles')
    .set({ excluded: excluded ? 1 : 0, updated_at: now })
    .where('id', '=', articleId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('edition_articles').select('article_id').whereRef('edition_articles.article_id', '=', 'articles.id'))))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
