import type { Deps } from '../deps.ts';
import { FeedError } from './feed-error.ts';
import { DEFAULT_FETCH_LIMITS, fetchFeed, type FetchLimits } from './feed-fetch.ts';
import { decodeFeed, parseFeed } from './feed-parse.ts';
import { loggableUrl } from './loggable-url.ts';
import { upsertArticles } from './store.ts';

export interface FeedReport {
  url: string;
  ok: boolean;
  new: number;
  updated: number;
  error: string | null;
}

async function pollOne(deps: Deps, url: string, limits: FetchLimits): Promise<FeedReport> {
  const { db, clock } = deps;
  const prior = await db.selectFrom('feeds').select(['etag', 'last_modified', 'last_item_count']).where('url', '=', url).executeTakeFirst();
  const now = clock.now();
  try {
    const fetched = await fetchFeed(deps.feedHttp, url, prior, limits);
    let counts = { new: 0, updated: 0 };
    let etag = prior?.etag ?? null;
    let lastModified = prior?.last_modified ?? null;
    // Not modified (304): the feed still holds what it held, so its count stays.
    let itemCount = prior?.last_item_count ?? null;
    if (fetched.status === 'ok') {
      const articles = await parseFeed(decodeFeed(fetched.body, fetched.contentType), url, now);
      const outcomes = await upsertArticles(deps, articles, url, now);
      counts = { new: outcomes.filter((o) => o === 'new').length, updated: outcomes.filter((o) => o === 'updated').length };
      etag = fetched.etag;
      lastModified = fetched.lastModified;
      itemCount = articles.length;
    }
    const state = { etag, last_modified: lastModified, last_polled_at: now, last_error: null, last_item_count: itemCount };
    await db
      .insertInto('feeds')
      .values({ url, ...state })
      .onConflict((oc) => oc.column('url').doUpdateSet(state))
      .execute();
    return { url, ok: true, ...counts, error: null };
  } catch (err) {
    // Whatever one feed does (even an error we did not foresee), the others still load.
    const error = err instanceof FeedError ? err.message : 'could not be read (unexpected error; see the log)';
    if (err instanceof FeedError) deps.log.warn('feed refused', { feed: loggableUrl(url), error });
    else deps.log.error('feed poll failed', { feed: loggableUrl(url), error: (err as Error).message });
    await db
      .insertInto('feeds')
      .values({ url, etag: null, last_modified: null, last_polled_at: now, last_error: error, last_item_count: null })
      .onConflict((oc) => oc.column('url').doUpdateSet({ last_polled_at: now, last_error: error }))
      .execute()
      .catch(() => {});
    return { url, ok: false, new: 0, updated: 0, error };
  }
}

/** Polls each feed on its own: a hostile or broken feed is refused and reported, the others still load. */
export async function pollFeeds(deps: Deps, urls: readonly string[], limits: FetchLimits = DEFAULT_FETCH_LIMITS): Promise<FeedReport[]> {
  const reports: FeedReport[] = [];
  for (const url of urls) reports.push(await pollOne(deps, url, limits));
  const added = reports.reduce((n, r) => n + r.new, 0);
  deps.log.info('feeds polled', { feeds: urls.length, new: added, refused: reports.filter((r) => !r.ok).length });
  return reports;
}
