import { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { editionDate, isIsoDate, nextDigestAt } from '../../editions/dates.ts';
import { findEdition, previewEdition } from '../../editions/edition.ts';
import { deliveryCounts, sentSince } from '../../editions/ledger.ts';
import { personalise } from '../../editions/message.ts';
import { editionArticles, editionSummary, listEditionSummaries, troubledDeliveries } from '../../editions/overview.ts';
import { prepareEdition } from '../../editions/run.ts';
import { GazetteError } from '../../errors.ts';
import { viewerOf, type ConsoleEnv } from './auth.ts';
import { formats } from './format.ts';
import { deliveryLabel } from './labels.ts';
import { meterOf } from './meter.ts';
import { noticeFrom, renderConsole, wantsPage } from './view.ts';

const EDITIONS_PAGE = 30;
const TROUBLES_SHOWN = 20;

/** Editions: the list, one edition as it sends (live), the preview of any date, and "send now". */
export function editionRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const f = formats(deps.config.digestTimezone);
  const today = () => editionDate(deps.clock.now(), deps.config.digestTimezone);
  const nextDigest = () => {
    const next = nextDigestAt(deps.config, deps.clock.now());
    return next ? `${f.dateTime(next.getTime())} (${deps.config.digestTimezone})` : 'not scheduled';
  };

  app.get('/admin/editions', async (c) => {
    const before = c.req.query('before');
    if (before !== undefined && !isIsoDate(before)) throw new GazetteError('invalid_input', 'before must be YYYY-MM-DD', { field: 'before' });
    const { editions, older } = await listEditionSummaries(deps.db, { limit: EDITIONS_PAGE, ...(before ? { before } : {}) });
    if (!wantsPage(c)) return c.json({ data: editions.map((e) => ({ ...e, frozen_at: new Date(e.frozen_at).toISOString() })), next_before: older });
    const view = {
      today_label: f.day(today()),
      next_digest: nextDigest(),
      editions: editions.map((e) => ({
        href: `/admin/editions/${e.date}`,
        day: f.day(e.date),
        subject: e.subject,
        articles: e.article_count,
        sent: f.count(e.deliveries.sent),
        failed: f.count(e.deliveries.failed),
        pending: f.count(e.deliveries.pending + e.deliveries.sending),
        skipped: f.count(e.deliveries.skipped),
      })),
      older: older ? `/admin/editions?before=${older}` : null,
    };
    return c.html(renderConsole(deps.config, 'admin-editions', { title: 'Editions', section: 'editions', notice: noticeFrom(c) }, viewerOf(c), view));
  });

  // Any date: a stored edition as it was frozen, or (today and later) what it would hold now.
  app.get('/admin/editions/preview', async (c) => {
    const date = c.req.query('date') || today();
    if (!isIsoDate(date)) throw new GazetteError('invalid_input', 'date must be YYYY-MM-DD', { field: 'date' });
    if (date < today() && !(await findEdition(deps, date))) throw new GazetteError('not_found', `there is no edition of ${date}`);
    const edition = await previewEdition(deps, date);
    if (!edition) throw new GazetteError('not_found', `no new articles: there is no edition for ${date}`);
    // A sample reader's copy, built the way each reader's is, so every link looks like the real thing.
    const copy = personalise(deps.config, { date, ...edition }, { id: 'preview', email: 'reader@example.com' }, deps.clock.now());
    return c.html(copy.html);
  });

  // A send runs for minutes: it is started here and watched at the edition's URL, never held in this request.
  app.post('/admin/editions/send', async (c) => {
    const { date, edition } = await prepareEdition(deps, c.req.query('date'));
    if (!edition) {
      if (wantsPage(c)) return c.redirect('/admin/editions?done=nothing_new', 303);
      return c.json({ date, edition: false, message: `no new articles: there is no edition for ${date}` });
    }
    await deps.dispatchEdition(date);
    if (wantsPage(c)) return c.redirect(`/admin/editions/${date}?done=sending`, 303);
    return c.json({ date, edition: true, status_url: `${deps.config.publicUrl}/admin/editions/${date}` }, 202);
  });

  app.get('/admin/editions/:date', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) throw new GazetteError('invalid_input', 'date must be YYYY-MM-DD', { field: 'date' });
    const now = deps.clock.now();
    if (!wantsPage(c)) {
      // The JSON the console's script polls, and scripts watch a send with.
      const edition = await findEdition(deps, date);
      if (!edition) throw new GazetteError('not_found', `there is no edition of ${date}`);
      const { sent, failed, pending, sending } = await deliveryCounts(deps.db, date);
      const lastMinute = await sentSince(deps.db, date, now - 60_000);
      return c.json({ date, articles: edition.article_count, deliveries: { sent, failed, pending, sending }, remaining: pending + sending, sent_last_minute: lastMinute });
    }
    const summary = await editionSummary(deps.db, date);
    if (!summary) throw new GazetteError('not_found', `there is no edition of ${date}`);
    const [articles, troubles, lastMinute] = await Promise.all([editionArticles(deps.db, date), troubledDeliveries(deps.db, date, TROUBLES_SHOWN), sentSince(deps.db, date, now - 60_000)]);
    const d = summary.deliveries;
    const remaining = d.pending + d.sending;
    const total = d.sent + d.failed + remaining + d.skipped;
    const view = {
      date,
      day: f.day(date),
      subject: summary.subject,
      frozen: f.dateTime(summary.frozen_at),
      can_send: remaining > 0 || date === today(),
      send_label: remaining > 0 ? 'Send the rest now' : 'Send to new readers',
      live: remaining > 0 ? 'on' : 'off',
      state: remaining > 0 ? 'Sending…' : total ? 'Finished' : 'Nobody to send to',
      sent: f.count(d.sent),
      failed: f.count(d.failed),
      remaining: f.count(remaining),
      remaining_raw: remaining,
      rate: f.count(lastMinute),
      skipped: f.count(d.skipped),
      skipped_raw: d.skipped,
      ...meterOf(d),
      articles_label: `${summary.article_count} article${summary.article_count === 1 ? '' : 's'}`,
      articles: articles.map((a) => ({ title: a.title, url: a.url, meta: [a.section, a.author].filter(Boolean).join(' · ') || null })),
      troubles: troubles.map((t) => {
        const label = deliveryLabel(t.status);
        return { href: `/admin/readers/${encodeURIComponent(t.reader_id)}`, email: t.email, status: label.label, tone: label.tone, error: t.last_error };
      }),
    };
    return c.html(renderConsole(deps.config, 'admin-edition', { title: `Edition of ${date}`, section: 'editions', notice: noticeFrom(c) }, viewerOf(c), view));
  });
  return app;
}
