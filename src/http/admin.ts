import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { eraseReader, exportReader } from '../readers/privacy.ts';
import { listSubscribers } from '../readers/store.ts';
import { articleFromApi, articleSchema } from '../articles/article.ts';
import { upsertArticles } from '../articles/store.ts';
import { articleRoutes } from './console/articles.ts';
import { staffAuth, type ConsoleEnv } from './console/auth.ts';
import { dashboardRoutes } from './console/dashboard.ts';
import { editionRoutes } from './console/editions.ts';
import { readerRoutes } from './console/readers.ts';
import { scriptRoutes } from './console/script.ts';
import { signInRoutes } from './console/sign-in.ts';
import { suppressionRoutes } from './console/suppressions.ts';
import { sameOriginPosts } from './guards.ts';
import { decodeCursor, invalidQuery, keysetPage, pageQuery } from './paging.ts';
import { limitBody } from './body-limit.ts';

const listQuery = pageQuery.extend({
  status: z.string().regex(/^[a-z_]+$/).optional(),
});

/**
 * Everything under /admin: the staff console (HTML for browsers, signed in with a session cookie)
 * and the JSON API for scripts (Authorization: Bearer $ADMIN_TOKEN). Routes both use answer by the
 * request's Accept header; the routes below are the API's alone.
 */
export function adminRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  // '/admin/*' covers /admin itself too.
  app.use('/admin/*', sameOriginPosts(deps.config.publicUrl));
  app.use('/admin/*', staffAuth(deps));
  app.route('/', scriptRoutes());
  app.route('/', signInRoutes(deps));
  app.route('/', dashboardRoutes(deps));
  app.route('/', readerRoutes(deps));
  app.route('/', editionRoutes(deps));
  app.route('/', articleRoutes(deps));
  app.route('/', suppressionRoutes(deps));

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
    const { page, next_cursor } = keysetPage(rows, limit, (r) => [r.created_at, r.id]);
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
    limitBody(5 * 1024 * 1024, 'body over 5 MB'),
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
  return app;
}
