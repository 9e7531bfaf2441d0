import type { Deps } from '../deps.ts';
import type { ExpressionBuilder } from 'kysely';
import type { Database, EditionsTable } from '../db/schema.ts';
import { editionView } from './render.ts';

/** An article is eligible if no edition holds it and it was published in the 48 hours before freezing. */
export const EDITION_WINDOW_MS = 48 * 3600_000;

export type Edition = EditionsTable;

export async function findEdition(deps: Deps, date: string): Promise<Edition | undefined> {
  return deps.db.selectFrom('editions').selectAll().where('date', '=', date).executeTakeFirst();
}

async function candidates(deps: Deps, now: number) {
  return deps.db
    .selectFrom('articles')
    .select(['id', 'url', 'title', 'summary', 'image_url', 'author', 'section', 'published_at', 'lead'])
    .where('published_at', '>', now - EDITION_WINDOW_MS)
    .where('published_at', '<=', now)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('edition_articles').select('article_id').whereRef('edition_articles.article_id', '=', 'articles.id'))))
    // Left out by staff (the console's "leave out of the next edition").
    .where('excluded', '=', 0)
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(deps.config.digestMaxArticles)
    .execute();
}

type Candidate = Awaited<ReturnType<typeof candidates>>[number];

/**
 * The edition's order: its lead first (the newest article the CMS marked as the lead, else the
 * newest), then the others newest first. The mail shows them in this order and the edition keeps it.
 */
function leadFirst<A extends Pick<Candidate, 'lead'>>(newestFirst: A[]): A[] {
  const at = newestFirst.findIndex((a) => a.lead === 1);
  return at > 0 ? [newestFirst[at]!, ...newestFirst.slice(0, at), ...newestFirst.slice(at + 1)] : newestFirst;
}

function viewFor(deps: Deps, date: string, articles: Candidate[]) {
  return editionView(
    deps.config,
    date,
    articles.map((a) => ({ url: a.url, title: a.title, summary: a.summary, image_url: a.image_url, author: a.author, section: a.section })),
  );
}

/** What the edition of `date` would hold if frozen now, rendered but not stored (the staff preview). */
export async function previewEdition(deps: Deps, date: string): Promise<Omit<Edition, 'date' | 'frozen_at'> | null> {
  const existing = await findEdition(deps, date);
  if (existing) return existing;
  const articles = leadFirst(await candidates(deps, deps.clock.now()));
  if (!articles.length) return null;
  const view = viewFor(deps, date, articles);
  return { subject: view.subject, ...(await deps.templates.digest(view)), article_count: articles.length };
}

/**
 * Freezes the edition of `date` the first time it is built: picks the articles, renders the MJML once,
 * stores both. Building it again (or from another process at the same moment) returns the stored one.
 * No new articles: no edition (null).
 */
export async function freezeEdition(deps: Deps, date: string): Promise<Edition | null> {
  const existing = await findEdition(deps, date);
  if (existing) return existing;
  const now = deps.clock.now();
  const articles = leadFirst(await candidates(deps, now));
  if (!articles.length) {
    // Another process may have frozen this date (and taken its articles) since we looked.
    const frozenMeanwhile = await findEdition(deps, date);
    if (frozenMeanwhile) return frozenMeanwhile;
    deps.log.info(`no new articles: no edition for ${date}`);
    return null;
  }
  const view = viewFor(deps, date, articles);
  const rendered = await deps.templates.digest(view);
  const edition: Edition = { date, subject: view.subject, html: rendered.html, text: rendered.text, slot_marker: rendered.slot_marker, article_count: articles.length, frozen_at: now };
  // One batch (D1 has no interactive transactions). If another process froze this date first, our
  // edition row is not inserted, and each article row is guarded on the edition being ours (its
  // marker is drawn per render): the loser writes nothing.
  const ours = (eb: ExpressionBuilder<Database, never>) =>
    eb.exists(eb.selectFrom('editions').select('date').where('date', '=', date).where('slot_marker', '=', rendered.slot_marker));
  await deps.batch([
    deps.db.insertInto('editions').values(edition).onConflict((oc) => oc.column('date').doNothing()).compile(),
    ...articles.map((a, position) =>
      deps.db
        .insertInto('edition_articles')
        .columns(['edition_date', 'article_id', 'position'])
        .expression(
          deps.db
            // Typed: PostgreSQL reads a bare parameter in a select list as text.
            .selectNoFrom((eb) => [eb.cast<string>(eb.val(date), 'text').as('edition_date'), eb.cast<string>(eb.val(a.id), 'text').as('article_id'), eb.cast<number>(eb.val(position), 'integer').as('position')])
            .where(ours),
        )
        .compile(),
    ),
  ]);
  const stored = (await findEdition(deps, date))!;
  if (stored.frozen_at === now) deps.log.info(`edition ${date} frozen`, { articles: articles.length, html_bytes: new TextEncoder().encode(rendered.html).length });
  return stored;
}
