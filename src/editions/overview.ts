import type { Db } from '../db/schema.ts';
import { deliveryCounts, type DeliveryCounts } from './ledger.ts';

/** Editions as staff follow them: what each held, and where each one's deliveries stand. */
export interface EditionSummary {
  date: string;
  subject: string;
  article_count: number;
  frozen_at: number;
  deliveries: DeliveryCounts;
}

const empty = (): DeliveryCounts => ({ sent: 0, failed: 0, pending: 0, sending: 0, skipped: 0 });

/** Newest first, before `before` when given; `older` is the date to ask for next, or null. */
export async function listEditionSummaries(db: Db, opts: { limit: number; before?: string }): Promise<{ editions: EditionSummary[]; older: string | null }> {
  let q = db.selectFrom('editions').select(['date', 'subject', 'article_count', 'frozen_at']).orderBy('date', 'desc').limit(opts.limit + 1);
  if (opts.before) q = q.where('date', '<', opts.before);
  const rows = await q.execute();
  const shown = rows.slice(0, opts.limit);
  const counts = new Map(shown.map((e) => [e.date, empty()]));
  if (shown.length) {
    const grouped = await db
      .selectFrom('deliveries')
      .select(['edition_date', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('edition_date', 'in', shown.map((e) => e.date))
      .groupBy(['edition_date', 'status'])
      .execute();
    for (const g of grouped) {
      const c = counts.get(g.edition_date);
      if (c && g.status in c) c[g.status as keyof DeliveryCounts] = Number(g.n);
    }
  }
  return {
    editions: shown.map((e) => ({ date: e.date, subject: e.subject, article_count: Number(e.article_count), frozen_at: Number(e.frozen_at), deliveries: counts.get(e.date)! })),
    older: rows.length > opts.limit ? shown[shown.length - 1]!.date : null,
  };
}

export async function editionSummary(db: Db, date: string): Promise<EditionSummary | undefined> {
  const e = await db.selectFrom('editions').select(['date', 'subject', 'article_count', 'frozen_at']).where('date', '=', date).executeTakeFirst();
  return e && { date: e.date, subject: e.subject, article_count: Number(e.article_count), frozen_at: Number(e.frozen_at), deliveries: await deliveryCounts(db, date) };
}

/** The articles an edition holds, in its order. */
export async function editionArticles(db: Db, date: string) {
  return db
    .selectFrom('edition_articles')
    .innerJoin('articles', 'articles.id', 'edition_articles.article_id')
    .select(['articles.id', 'articles.title', 'articles.url', 'articles.section', 'articles.author', 'articles.published_at'])
    .where('edition_articles.edition_date', '=', date)
    .orderBy('edition_articles.position')
    .execute();
}

/** Deliveries of an edition that went wrong or are waiting on a retry, with why: what staff look into. */
export async function troubledDeliveries(db: Db, date: string, limit: number) {
  return db
    .selectFrom('deliveries')
    .select(['reader_id', 'email', 'status', 'attempts', 'last_error'])
    .where('edition_date', '=', date)
    .where('last_error', 'is not', null)
    .where('status', '<>', 'sent')
    .orderBy('status')
    .orderBy('reader_id')
    .limit(limit)
    .execute();
}
