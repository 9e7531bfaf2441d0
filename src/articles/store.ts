import type { Db } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { ArticleInput } from './article.ts';

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** `undated`: the source gave no date; an article already stored keeps the date it was first seen with. */
export type UpsertInput = ArticleInput & { undated?: boolean };

type Stored = Omit<ArticleInput, 'lead'> & { id: string; created_at: number; lead: number };

/** An input without `lead` (a feed item) leaves the stored mark alone, so it never differs on it. */
const same = (stored: Stored, a: ArticleInput) =>
  stored.title === a.title &&
  stored.url === a.url &&
  stored.summary === a.summary &&
  stored.image_url === a.image_url &&
  stored.author === a.author &&
  stored.section === a.section &&
  stored.published_at === a.published_at &&
  (a.lead === undefined || (stored.lead === 1) === a.lead);

/** The columns an input writes: `lead` only when it says something about it. */
const columns = ({ lead, ...fields }: ArticleInput) => (lead === undefined ? fields : { ...fields, lead: lead ? 1 : 0 });

// A lookup binds a guid and a url per article: 90 parameters, under D1's 100 per statement.
const LOOKUP_CHUNK = 45;

/** The stored articles that share a guid or a url with any of these. */
async function storedMatches(db: Db, articles: ArticleInput[]): Promise<Stored[]> {
  const rows: Stored[] = [];
  for (let i = 0; i < articles.length; i += LOOKUP_CHUNK) {
    const chunk = articles.slice(i, i + LOOKUP_CHUNK);
    rows.push(
      ...(await db
        .selectFrom('articles')
        .select(['id', 'guid', 'url', 'title', 'summary', 'image_url', 'author', 'section', 'published_at', 'lead', 'created_at'])
        .where((eb) => eb.or([eb('guid', 'in', chunk.map((a) => a.guid)), eb('url', 'in', chunk.map((a) => a.url))]))
        .execute()),
    );
  }
  return rows;
}

const isUniqueViolation = (err: unknown) => /UNIQUE constraint failed|duplicate key value|23505/.test(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);

/**
 * Stores articles all-or-nothing. The same guid, or the same url, updates the article already
 * stored instead of adding a duplicate. What is stored is read first, then every write goes in one
 * batch (D1 has no interactive transactions); a concurrent poll that inserted the same article in
 * between makes the batch fail whole, and it is worked out again from what is stored then.
 */
export async function upsertArticles(deps: Pick<Deps, 'db' | 'batch'>, articles: UpsertInput[], source: string, now: number): Promise<UpsertOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await upsertOnce(deps, articles, source, now);
    } catch (err) {
      if (attempt >= 3 || !isUniqueViolation(err)) throw err;
    }
  }
}

async function upsertOnce(deps: Pick<Deps, 'db' | 'batch'>, articles: UpsertInput[], source: string, now: number): Promise<UpsertOutcome[]> {
  const { db } = deps;
  const byGuid = new Map<string, Stored>();
  const byUrl = new Map<string, Stored>();
  for (const row of await storedMatches(db, articles)) {
    byGuid.set(row.guid, row);
    byUrl.set(row.url, row);
  }
  const writes = [];
  const outcomes: UpsertOutcome[] = [];
  for (const { undated, ...input } of articles) {
    // Matched by guid or by url, the earliest stored wins (as one statement ordered by created_at would).
    const existing = [byGuid.get(input.guid), byUrl.get(input.url)].filter((r): r is Stored => r !== undefined).sort((a, b) => a.created_at - b.created_at)[0];
    // Otherwise an undated item would move to "now" on every poll, and look like the newest article forever.
    const a = undated && existing ? { ...input, published_at: existing.published_at } : input;
    if (!existing) {
      const row: Stored = { id: crypto.randomUUID(), ...a, lead: a.lead ? 1 : 0, created_at: now };
      writes.push(db.insertInto('articles').values({ ...row, source, updated_at: now }).compile());
      byGuid.set(row.guid, row);
      byUrl.set(row.url, row);
      outcomes.push('new');
    } else if (same(existing, a)) {
      outcomes.push('unchanged');
    } else {
      // Keep the stored guid: it is the article's identity; a moved url or a new guid for the same url updates it.
      const { guid: _guid, ...fields } = columns(a);
      writes.push(db.updateTable('articles').set({ ...fields, updated_at: now }).where('id', '=', existing.id).compile());
      Object.assign(existing, fields);
      byUrl.set(existing.url, existing);
      outcomes.push('updated');
    }
  }
  await deps.batch(writes);
  return outcomes;
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
