import { Hono } from 'hono';
import { sql } from 'kysely';
import type { Deps } from './deps.ts';
import { accountRoutes } from './http/account.ts';
import { adminRoutes } from './http/admin.ts';
import { archiveRoutes } from './http/archive.ts';
import { checkoutRoutes } from './http/checkout.ts';
import { errorHandler } from './http/errors.ts';
import { faviconRoutes } from './http/favicon.ts';
import { browserProtections } from './http/guards.ts';
import { readerLinkRoutes } from './http/reader-links.ts';
import { webhookRoutes } from './http/webhooks.ts';

/** The whole HTTP surface; the only place routes are mounted. */
export function createApp(deps: Deps) {
  const app = new Hono();
  const errors = errorHandler(deps.log, deps.config);
  app.onError(errors.onError);
  app.notFound(errors.notFound);
  // Stripe and SES post here and read JSON: no browser ever shows these answers, so they skip the
  // browser protections (a measurable share of each webhook's cost).
  app.route('/', webhookRoutes(deps));
  app.use(browserProtections(deps.config));

  app.get('/healthz', async (c) => {
    try {
      await sql`SELECT 1`.execute(deps.db);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false, error: 'database unavailable' }, 503);
    }
  });
  app.route('/', checkoutRoutes(deps));
  app.route('/', accountRoutes(deps));
  app.route('/', readerLinkRoutes(deps));
  app.route('/', archiveRoutes(deps));
  app.route('/', faviconRoutes(deps));
  app.route('/', adminRoutes(deps));
  return app;
}
