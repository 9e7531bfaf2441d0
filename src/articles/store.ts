import type { Db } from '../db/schema.ts';
import type { ArticleInput } from './article.ts';

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** `undated`: the source gave no date; an article already stored keeps the date it was first seen with. */
export type UpsertInput = ArticleInput & { undated?: boolean };

const same = (a: ArticleInput, b: ArticleInput) =>
  a.title === b.title && a.url === b.url && a.summary === b.summary && a.image_url === b.image_url && a.author === b.author && a.section === b.section && a.published_at === b.published_at;

/**
 * Stores articles all-or-nothing, in one transaction. The same guid, or the same url, updates the
 * article already stored instead of adding a duplicate.
 */
export async function upsertArticles(db: Db, articles: UpsertInput[], source: string, now: number): Promise<UpsertOutcome[]> {
  return db.transaction().execute(async (trx) => {
    const outcomes: UpsertOutcome[] = [];
    for (const { undated, ...input } of articles) {
      const existing = await trx
        .selectFrom('articles')
        .selectAll()
        .where((eb) => eb.or([eb('guid', '=', input.guid), eb('url', '=', input.url)]))
        .orderBy('created_at')
        .executeTakeFirst();
      // Otherwise an undated item would move to "now" on every poll, and look like the newest article forever.
      const a = undated && existing ? { ...input, published_at: existing.published_at } : input;
      if (!existing) {
        await trx.insertInto('articles').values({ id: crypto.randomUUID(), ...a, source, created_at: now, updated_at: now }).execute();
        outcomes.push('new');
      } else if (same(existing, a)) {
        outcomes.push('unchanged');
      } else {
        // Keep the stored guid: it is the article's identity; a moved url or a new guid for the same url updates it.
        const { guid: _guid, ...fields } = a;
        await trx.updateTable('articles').set({ ...fields, updated_at: now }).where('id', '=', existing.id).execute();
        outcomes.push('updated');
      }
    }
    return outcomes;
  });
}

export interface ArticleRow extends ArticleInput {
  id: string;
}

export async function listArticles(db: Db, opts: { limit: number; after?: { published_at: number; id: string } }): Promise<ArticleRow[]> {
  let q = db
    .selectFrom('articles')
    .select(['id', 'guid', 'url', 'title', 'summary', 'image_url', 'author', 'section', 'published_at'])
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit);
  if (opts.after) {
    const { published_at, id } = opts.after;
    q = q.where((eb) => eb.or([eb('published_at', '<', published_at), eb.and([eb('published_at', '=', published_at), eb('id', '<', id)])]));
  }
  return q.execute();
}
