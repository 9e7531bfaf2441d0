import { Hono } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { eraseReader, exportReader } from '../readers/privacy.ts';
import { listSubscribers } from '../readers/store.ts';
import { articleFromApi, articleSchema } from '../articles/article.ts';
import { listArticles, upsertArticles } from '../articles/store.ts';
import { pollFeeds } from '../articles/poll.ts';
import { editionDate, isIsoDate } from '../editions/dates.ts';
import { findEdition, previewEdition } from '../editions/edition.ts';
import { deliveryCounts, sentSince } from '../editions/ledger.ts';
import { personalise } from '../editions/message.ts';
import { prepareEdition } from '../editions/run.ts';
import { bodyLimit } from 'hono/body-limit';

const cursorSchema = z.object({ c: z.number().int(), i: z.string() });

function encodeCursor(c: number, i: string): string {
  return btoa(JSON.stringify({ c, i })).replace(/=+$/, '');
}

function decodeCursor(cursor: string) {
  try {
    return cursorSchema.parse(JSON.parse(atob(cursor)));
  } catch {
    throw new GazetteError('invalid_input', 'cursor is not one this API issued', { field: 'cursor' });
  }
}

function invalidQuery(error: z.ZodError): GazetteError {
  const issue = error.issues[0]!;
  return new GazetteError('invalid_input', `${String(issue.path[0])}: ${issue.message}`, { field: String(issue.path[0]) });
}

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});

/** Fetched with limit + 1 rows: the extra one only says whether another page follows. */
function keysetPage<T extends { id: string }>(rows: T[], limit: number, key: (row: T) => number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(key(last), last.id) : null };
}

const listQuery = pageQuery.extend({
  status: z.string().regex(/^[a-z_]+$/).optional(),
});

export function adminRoutes(deps: Deps) {
  const app = new Hono();
  const token = deps.config.adminToken;
  app.use('/admin/*', async (c, next) => {
    if (!token) throw new GazetteError('not_found', 'the admin API is disabled: set ADMIN_TOKEN to enable it');
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // Compared in constant time (hashes of both), so the answer's timing says nothing about the token.
    if (!given || !(await timingSafeEqual(given, token))) throw new GazetteError('unauthorized', 'a valid Authorization: Bearer token is required');
    return next();
  });

  app.get('/admin/subscribers', async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalidQuery(parsed.error);
    const { limit, cursor, status } = parsed.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await listSubscribers(deps.db, {
      now: deps.clock.now(),
      limit: limit + 1,
      ...(after ? { after: { created_at: after.c, id: after.i } } : {}),
      ...(status !== undefined ? { status: status === 'none' || status === 'null' ? null : status } : {}),
    });
    const { page, next_cursor } = keysetPage(rows, limit, (r) => r.created_at);
    return c.json({
      data: page.map((r) => ({
        id: r.id,
        email: r.email,
        status: r.status,
        entitled: r.entitled,
        unsubscribed: r.unsubscribed,
        suppressed: r.suppressed,
        created_at: new Date(r.created_at).toISOString(),
      })),
      next_cursor,
    });
  });

  // A reader's data, as they could ask for it; and erasure (their rows go; a suppression stays as a hash).
  app.get('/admin/readers/:id/export', async (c) => {
    const data = await exportReader(deps, c.req.param('id'));
    if (!data) throw new GazetteError('not_found', 'there is no such reader');
    c.header('content-disposition', `attachment; filename="reader-${data.reader.id}.json"`);
    return c.json(data);
  });

  app.delete('/admin/readers/:id', async (c) => {
    if (!(await eraseReader(deps, c.req.param('id')))) throw new GazetteError('not_found', 'there is no such reader');
    return c.json({ erased: true, note: 'Gazette keeps nothing about this reader now; erase the Stripe customer in Stripe if the publisher must.' });
  });

  app.post(
    '/admin/articles',
    bodyLimit({ maxSize: 5 * 1024 * 1024, onError: () => { throw new GazetteError('payload_too_large', 'body over 5 MB'); } }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new GazetteError('invalid_input', 'body is not valid JSON');
      }
      const items = Array.isArray(body) ? body : [body];
      if (items.length === 0) throw new GazetteError('invalid_input', 'no articles in the body');
      if (items.length > 1000) throw new GazetteError('invalid_input', 'at most 1000 articles per request');
      const now = deps.clock.now();
      // All or nothing: every item is checked before anything is stored.
      const articles = items.map((item, index) => {
        const parsed = articleSchema.safeParse(item);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(item)');
          throw new GazetteError('invalid_input', `article ${index}: ${field}: ${issue.message}`, { index, field });
        }
        return articleFromApi(parsed.data, now);
      });
      const outcomes = await upsertArticles(deps, articles, 'api', now);
      return c.json({ upserted: outcomes.length, new: outcomes.filter((o) => o === 'new').length, updated: outcomes.filter((o) => o === 'updated').length });
    },
  );

  app.get('/admin/articles', async (c) => {
    const parsed = pageQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalidQuery(parsed.error);
    const { limit, cursor } = parsed.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await listArticles(deps.db, { limit: limit + 1, ...(after ? { after: { published_at: after.c, id: after.i } } : {}) });
    const { page, next_cursor } = keysetPage(rows, limit, (a) => a.published_at);
    return c.json({
      data: page.map((a) => ({ guid: a.guid, url: a.url, title: a.title, summary: a.summary, image_url: a.image_url, author: a.author, section: a.section, published_at: new Date(a.published_at).toISOString() })),
      next_cursor,
    });
  });

  app.post('/admin/feeds/poll', async (c) => c.json({ feeds: await pollFeeds(deps, deps.config.feedUrls) }));

  app.get('/admin/editions/preview', async (c) => {
    const date = editionDate(deps.clock.now(), deps.config.digestTimezone);
    const edition = await previewEdition(deps, date);
    if (!edition) throw new GazetteError('not_found', `no new articles: there is no edition for ${date}`);
    // A sample reader's copy, built the way each reader's is, so every link looks like the real thing.
    const copy = await personalise(deps.config, { date, ...edition }, { id: 'preview', email: 'reader@example.com' }, deps.clock.now());
    return c.html(copy.html);
  });

  // A send runs for minutes: it is started here and watched at the edition's URL, never held in this request.
  app.post('/admin/editions/send', async (c) => {
    const { date, edition } = await prepareEdition(deps, c.req.query('date'));
    if (!edition) return c.json({ date, edition: false, message: `no new articles: there is no edition for ${date}` });
    await deps.dispatchEdition(date);
    return c.json({ date, edition: true, status_url: `${deps.config.publicUrl}/admin/editions/${date}` }, 202);
  });

  app.get('/admin/editions/:date', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) throw new GazetteError('invalid_input', 'date must be YYYY-MM-DD', { field: 'date' });
    const edition = await findEdition(deps, date);
    if (!edition) throw new GazetteError('not_found', `there is no edition of ${date}`);
    const { sent, failed, pending, sending } = await deliveryCounts(deps.db, date);
    const lastMinute = await sentSince(deps.db, date, deps.clock.now() - 60_000);
    return c.json({ date, articles: edition.article_count, deliveries: { sent, failed, pending, sending }, remaining: pending + sending, sent_last_minute: lastMinute });
  });
  return app;
}
