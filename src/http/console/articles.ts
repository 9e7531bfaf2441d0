import { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { feedStatus } from '../../articles/feed-status.ts';
import { nextEditionCandidates, setExcluded } from '../../articles/next-edition.ts';
import { pollFeeds } from '../../articles/poll.ts';
import { listArticles } from '../../articles/store.ts';
import { GazetteError } from '../../errors.ts';
import { decodeCursor, invalidQuery, keysetPage, pageQuery } from '../paging.ts';
import { viewerOf, type ConsoleEnv } from './auth.ts';
import { formats } from './format.ts';
import { noticeFrom, renderConsole, wantsPage } from './view.ts';

/** Where an article came from: the publisher's CMS (the API), or a feed by its host. */
function sourceLabel(source: string): string {
  if (source === 'api') return 'from the CMS';
  try {
    return `from ${new URL(source).hostname}`;
  } catch {
    return `from ${source}`;
  }
}

/** Articles and feeds: the next edition's candidates (leave one out, put it back), each feed's last poll, poll now. */
export function articleRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const f = formats(deps.config.digestTimezone);

  app.get('/admin/articles', async (c) => {
    if (!wantsPage(c)) {
      // Scripts: the stored articles, newest first, paged (the API's listing).
      const parsed = pageQuery.safeParse(c.req.query());
      if (!parsed.success) throw invalidQuery(parsed.error);
      const { limit, cursor } = parsed.data;
      const after = cursor ? decodeCursor(cursor) : undefined;
      const rows = await listArticles(deps.db, { limit: limit + 1, ...(after ? { after: { published_at: after.c, id: after.i } } : {}) });
      const { page, next_cursor } = keysetPage(rows, limit, (a) => [a.published_at, a.id]);
      return c.json({
        data: page.map((a) => ({ guid: a.guid, url: a.url, title: a.title, summary: a.summary, image_url: a.image_url, author: a.author, section: a.section, published_at: new Date(a.published_at).toISOString() })),
        next_cursor,
      });
    }
    const max = deps.config.digestMaxArticles;
    const [candidates, feeds] = await Promise.all([nextEditionCandidates(deps.db, { now: deps.clock.now(), max }), feedStatus(deps.db, deps.config.feedUrls)]);
    const taken = candidates.filter((a) => a.in_next).length;
    const left = candidates.filter((a) => a.excluded).length;
    const view = {
      max,
      summary: `${taken} in the next edition${left ? `, ${left} left out` : ''}${candidates.length > taken + left ? `, ${candidates.length - taken - left} over the cap` : ''}`,
      candidates: candidates.map((a) => ({
        id: a.id,
        url: a.url,
        title: a.title,
        meta: [a.section, a.author, sourceLabel(a.source)].filter(Boolean).join(' · '),
        published: f.dateTime(a.published_at),
        state: a.excluded ? 'Left out' : a.in_next ? 'Yes' : 'Over the cap',
        tone: a.excluded ? 'bad' : a.in_next ? 'ok' : '',
        action: a.excluded ? 'include' : 'exclude',
        action_label: a.excluded ? 'Put back' : 'Leave out of the next edition',
      })),
      feeds: feeds.map((fd) => ({
        url: fd.url,
        polled: fd.last_polled_at === null ? 'never' : f.dateTime(fd.last_polled_at),
        result: fd.last_polled_at === null ? 'Not polled yet' : fd.last_error ? 'Error' : 'OK',
        tone: fd.last_polled_at === null ? '' : fd.last_error ? 'bad' : 'ok',
        error: fd.last_error,
        items: fd.last_item_count === null ? '—' : f.count(fd.last_item_count),
      })),
      schedule: `on "${deps.config.feedPollCron}"`,
    };
    return c.html(renderConsole(deps.config, 'admin-articles', { title: 'Articles and feeds', section: 'articles', notice: noticeFrom(c) }, viewerOf(c), view));
  });

  for (const [action, excluded] of [['exclude', true], ['include', false]] as const) {
    app.post(`/admin/articles/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      if (!(await setExcluded(deps.db, id, excluded, deps.clock.now()))) {
        throw new GazetteError('not_found', 'there is no such article waiting for an edition (an article already sent stays in its edition)');
      }
      deps.log.info(excluded ? 'article left out of the next edition by staff' : 'article put back among the candidates by staff', { article_id: id });
      return wantsPage(c) ? c.redirect(`/admin/articles?done=${excluded ? 'excluded' : 'included'}`, 303) : c.json({ id, excluded });
    });
  }

  app.post('/admin/feeds/poll', async (c) => {
    const feeds = await pollFeeds(deps, deps.config.feedUrls);
    return wantsPage(c) ? c.redirect('/admin/articles?done=polled', 303) : c.json({ feeds });
  });
  return app;
}
