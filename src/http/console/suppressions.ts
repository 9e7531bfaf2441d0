import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { GazetteError } from '../../errors.ts';
import { normalizeEmail } from '../../readers/email.ts';
import { countSuppressions, isErasedAddress, liftSuppression, listSuppressions, suppress } from '../../readers/suppressions.ts';
import { decodeCursor, invalidQuery, keysetPage, pageQuery } from '../paging.ts';
import { viewerOf, type ConsoleEnv } from './auth.ts';
import { csvLine } from './csv.ts';
import { formats } from './format.ts';
import { SUPPRESSION_REASONS, SUPPRESSION_SOURCES } from './labels.ts';
import { noticeFrom, renderConsole, wantsPage } from './view.ts';

const listQuery = pageQuery.extend({ q: z.string().trim().max(254).optional() });
/** Rows read per query while writing the CSV: the whole list goes out, a page at a time. */
const CSV_PAGE = 1000;

/** The suppression list: read it, search it, add an address, lift one, take it away as CSV. */
export function suppressionRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const f = formats(deps.config.digestTimezone);

  async function listPage(c: Context<ConsoleEnv>, add: { address?: string; note?: string; error?: string } = {}, status: 200 | 400 = 200) {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalidQuery(parsed.error);
    const { limit, cursor, q } = parsed.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await listSuppressions(deps.db, { limit: limit + 1, ...(after ? { after: { created_at: after.c, address: after.i } } : {}), ...(q ? { q } : {}) });
    const { page, next_cursor } = keysetPage(rows, limit, (r) => [r.created_at, r.address]);
    if (!wantsPage(c)) return c.json({ data: page.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })), next_cursor });
    const total = await countSuppressions(deps.db);
    const link = (extra: Record<string, string>) => `/admin/suppressions?${new URLSearchParams({ ...(q ? { q } : {}), ...extra })}`;
    const view = {
      q: q ?? '',
      total: `${f.count(total)} address${total === 1 ? '' : 'es'}`,
      entries: page.map((r) => {
        const erased = isErasedAddress(r.address);
        return {
          address: r.address,
          erased,
          short: erased ? `${r.address.slice(0, 19)}…` : null,
          label: erased ? 'an erased reader' : r.address,
          detail: r.detail,
          reason: SUPPRESSION_REASONS[r.reason] ?? r.reason,
          tone: r.reason === 'staff' ? '' : 'bad',
          source: SUPPRESSION_SOURCES[r.source] ?? r.source,
          since: f.dateTime(r.created_at),
        };
      }),
      pager: cursor || next_cursor ? { first: cursor ? link({}) : null, next: next_cursor ? link({ cursor: next_cursor }) : null } : null,
      add_address: add.address ?? '',
      add_note: add.note ?? '',
      add_error: add.error ?? null,
    };
    return c.html(renderConsole(deps.config, 'admin-suppressions', { title: 'Suppressions', section: 'suppressions', notice: noticeFrom(c) }, viewerOf(c), view), status);
  }

  app.get('/admin/suppressions', (c) => listPage(c));

  app.get('/admin/suppressions.csv', async (c) => {
    let csv = csvLine(['address', 'reason', 'source', 'since', 'detail']);
    let after: { created_at: number; address: string } | undefined;
    for (;;) {
      const rows = await listSuppressions(deps.db, { limit: CSV_PAGE, ...(after ? { after } : {}) });
      for (const r of rows) csv += csvLine([r.address, r.reason, r.source, new Date(r.created_at).toISOString(), r.detail]);
      if (rows.length < CSV_PAGE) break;
      const last = rows[rows.length - 1]!;
      after = { created_at: last.created_at, address: last.address };
    }
    const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
    return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="suppressions-${day}.csv"`, 'cache-control': 'no-store' });
  });

  app.post('/admin/suppressions', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const raw = typeof form['address'] === 'string' ? form['address'] : '';
    const note = typeof form['note'] === 'string' ? form['note'].trim().slice(0, 300) : '';
    const address = normalizeEmail(raw);
    if (!address) {
      if (wantsPage(c)) return listPage(c, { address: raw, note, error: 'Please enter a valid email address.' }, 400);
      throw new GazetteError('invalid_input', 'address is not an email address', { field: 'address' });
    }
    await suppress(deps.db, address, { reason: 'staff', source: 'staff', detail: note || null }, deps.clock.now());
    deps.log.info('address suppressed by staff');
    return wantsPage(c) ? c.redirect(`/admin/suppressions?done=suppressed`, 303) : c.json({ suppressed: true });
  });

  app.post('/admin/suppressions/lift', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const raw = typeof form['address'] === 'string' ? form['address'].trim() : '';
    // An erased reader's entry is lifted by its hash, the only name it still has.
    const address = isErasedAddress(raw) ? raw : normalizeEmail(raw);
    if (!address) throw new GazetteError('invalid_input', 'address is not an email address', { field: 'address' });
    if (!(await liftSuppression(deps.db, address))) throw new GazetteError('not_found', 'that address is not on the suppression list');
    deps.log.info('suppression lifted by staff');
    return wantsPage(c) ? c.redirect('/admin/suppressions?done=lifted', 303) : c.json({ lifted: true });
  });
  return app;
}
