import { Hono } from 'hono';
import { truncate } from '../articles/text.ts';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { archivedEdition, listEditions, type ArchivedArticle } from '../editions/archive.ts';
import { editionDate, isIsoDate } from '../editions/dates.ts';
import { findEdition } from '../editions/edition.ts';
import { personalise } from '../editions/message.ts';
import { findReaderById } from '../readers/store.ts';
import { verifyTokenPayload } from '../tokens.ts';
import { renderPage, siteOf } from './pages.ts';

const noEdition = () => new GazetteError('not_found', 'there is no edition of that date');

/** The robots meta the digest's own HTML lacks, first thing in its head (the header says it too). */
function noindex(html: string): string {
  const meta = '<meta name="robots" content="noindex">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}${meta}`) : `${meta}${html}`;
}

/**
 * Past editions on the web. /archive and /archive/:date are public: dates, headlines leading to the
 * publisher's articles, and an edition's summaries. /view/:token is one reader's copy of one edition
 * as it was mailed (the "view in your browser" link): personal, so never indexed or cached.
 */
export function archiveRoutes(deps: Deps) {
  const app = new Hono();
  const site = siteOf(deps.config);
  const { t } = site;
  const today = () => editionDate(deps.clock.now(), deps.config.digestTimezone);
  // Editions are named by their calendar day; noon UTC is that day in every zone.
  const dayOf = (date: string) => Date.parse(`${date}T12:00:00Z`);
  const headline = (a: ArchivedArticle) => ({ title: a.title, url: a.url, section: a.section });

  app.get('/archive', async (c) => {
    const before = c.req.query('before');
    if (before !== undefined && !isIsoDate(before)) throw noEdition();
    const page = await listEditions(deps.db, { today: today(), ...(before ? { before } : {}) });
    const editions = page.editions.map((e) => ({
      date: e.date,
      date_label: t.longDate(dayOf(e.date), 'UTC'),
      count_label: t.plural('site.archive.stories', e.articles.length),
      articles: e.articles.map(headline),
    }));
    return c.html(
      renderPage(site, 'archive', { title: t.t('site.archive.title'), path: before ? `/archive?before=${before}` : '/archive' }, { editions, older: page.older, newest: Boolean(before) }),
    );
  });

  app.get('/archive/:date', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) throw noEdition();
    const edition = await archivedEdition(deps.db, date, today());
    if (!edition) throw noEdition();
    const heading = t.t('site.edition.title', { date: t.longDate(dayOf(date), 'UTC') });
    const articles = edition.articles.map((a) => ({ ...headline(a), summary: a.summary, byline: a.author ? t.t('site.edition.by', { author: a.author }) : null }));
    return c.html(
      renderPage(
        site,
        'edition',
        { title: heading, path: `/archive/${date}`, description: truncate(edition.articles.map((a) => a.title).join(' · '), 300) },
        { heading, count_label: t.plural('site.archive.stories', articles.length), articles, older: edition.older, newer: edition.newer },
      ),
    );
  });

  app.get('/view/:token', async (c) => {
    const { readerId, edition: date } = verifyTokenPayload(deps.config.appSecret, 'view', c.req.param('token'), deps.clock.now());
    if (!date) throw new GazetteError('invalid_token', 'a view link without an edition');
    const [edition, reader] = await Promise.all([findEdition(deps, date), findReaderById(deps.db, readerId)]);
    if (!reader) throw new GazetteError('invalid_token', 'the reader of this view link is gone', {}, { reason: 'reader_gone' });
    if (!edition) throw noEdition();
    // Signed as of the edition's day, so its billing link lives the 30 days the mailed one did, not
    // 30 days from whenever an old mail is opened again.
    const copy = personalise(deps.config, edition, reader, edition.frozen_at);
    return c.html(noindex(copy.html), 200, { 'x-robots-tag': 'noindex', 'cache-control': 'private, no-store' });
  });
  return app;
}
