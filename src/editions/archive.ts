import type { Db } from '../db/schema.ts';

/**
 * Past editions as the public sees them: dates and headlines (each leading to the publisher's
 * article), and on an edition's own page its summaries. The digest itself stays the product. Only
 * editions up to `today` count: `npm run digest --date` may freeze tomorrow's ahead of time.
 */
export interface ArchivedArticle {
  title: string;
  url: string;
  section: string | null;
  summary: string | null;
  author: string | null;
}

export interface ArchivedEdition {
  date: string;
  articles: ArchivedArticle[];
}

/** Editions per archive page: a fortnight of mornings, a few hundred headlines at most. */
export const ARCHIVE_PAGE_SIZE = 14;

/** The articles of some editions, in the order each edition holds them. */
async function articlesOf(db: Db, dates: string[]): Promise<Map<string, ArchivedArticle[]>> {
  const byDate = new Map<string, ArchivedArticle[]>(dates.map((d) => [d, []]));
  if (!dates.length) return byDate;
  const rows = await db
    .selectFrom('edition_articles')
    .innerJoin('articles', 'articles.id', 'edition_articles.article_id')
    .select(['edition_articles.edition_date', 'articles.title', 'articles.url', 'articles.section', 'articles.summary', 'articles.author'])
    .where('edition_articles.edition_date', 'in', dates)
    .orderBy('edition_articles.edition_date', 'desc')
    .orderBy('edition_articles.position', 'asc')
    .execute();
  for (const { edition_date, ...article } of rows) byDate.get(edition_date)?.push(article);
  return byDate;
}

/**
 * One page of the archive, newest first, before `before` when given; `older` is the date to ask for
 * next (the last edition shown), or null when there is nothing older.
 */
export async function listEditions(db: Db, opts: { today: string; before?: string; limit?: number }): Promise<{ editions: ArchivedEdition[]; older: string | null }> {
  const limit = opts.limit ?? ARCHIVE_PAGE_SIZE;
  let query = db.selectFrom('editions').select('date').where('date', '<=', opts.today);
  if (opts.before) query = query.where('date', '<', opts.before);
  const dates = (await query.orderBy('date', 'desc').limit(limit + 1).execute()).map((r) => r.date);
  const shown = dates.slice(0, limit);
  const articles = await articlesOf(db, shown);
  return { editions: shown.map((date) => ({ date, articles: articles.get(date) ?? [] })), older: dates.length > limit ? shown[shown.length - 1]! : null };
}

/** The newest edition, its first `articles` headlines: the sample on the offer page. */
export async function latestEdition(db: Db, opts: { today: string; articles: number }): Promise<ArchivedEdition | undefined> {
  const [newest] = (await listEditions(db, { today: opts.today, limit: 1 })).editions;
  return newest && { date: newest.date, articles: newest.articles.slice(0, opts.articles) };
}

/** One edition with its neighbours' dates, or undefined when there is none (or not yet) for `date`. */
export async function archivedEdition(db: Db, date: string, today: string): Promise<(ArchivedEdition & { older: string | null; newer: string | null }) | undefined> {
  if (date > today) return undefined;
  const found = await db.selectFrom('editions').select('date').where('date', '=', date).executeTakeFirst();
  if (!found) return undefined;
  const [articles, older, newer] = await Promise.all([
    articlesOf(db, [date]),
    db.selectFrom('editions').select('date').where('date', '<', date).orderBy('date', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('editions').select('date').where('date', '>', date).where('date', '<=', today).orderBy('date', 'asc').limit(1).executeTakeFirst(),
  ]);
  return { date, articles: articles.get(date) ?? [], older: older?.date ?? null, newer: newer?.date ?? null };
}
