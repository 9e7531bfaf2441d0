import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { listSubscribers } from '../readers/store.ts';

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

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
  status: z.string().regex(/^[a-z_]+$/).optional(),
});

export function adminRoutes(deps: Deps) {
  const app = new Hono();
  const token = deps.config.adminToken;
  app.use('/admin/*', async (c, next) => {
    if (!token) throw new GazetteError('not_found', 'the admin API is disabled: set ADMIN_TOKEN to enable it');
    return next();
  });
  // hono's bearerAuth compares tokens in constant time.
  if (token) app.use('/admin/*', bearerAuth({ token }));

  app.get('/admin/subscribers', async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new GazetteError('invalid_input', `${String(issue.path[0])}: ${issue.message}`, { field: String(issue.path[0]) });
    }
    const { limit, cursor, status } = parsed.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await listSubscribers(deps.db, {
      now: deps.clock.now(),
      limit: limit + 1,
      ...(after ? { after: { created_at: after.c, id: after.i } } : {}),
      ...(status !== undefined ? { status: status === 'none' || status === 'null' ? null : status } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      data: page.map((r) => ({
        email: r.email,
        status: r.status,
        entitled: r.entitled,
        unsubscribed: r.unsubscribed,
        suppressed: r.suppressed,
        created_at: new Date(r.created_at).toISOString(),
      })),
      next_cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
    });
  });
  return app;
}
