import { Hono } from 'hono';
import type { Deps } from '../../deps.ts';
import { monthlyRevenue, runningSeries, subscriptionChanges } from '../../billing/revenue.ts';
import { editionDate, nextDigestAt } from '../../editions/dates.ts';
import { listEditionSummaries } from '../../editions/overview.ts';
import { nextEditionCandidates } from '../../articles/next-edition.ts';
import { countReaders } from '../../readers/counts.ts';
import { viewerOf, type ConsoleEnv } from './auth.ts';
import { lineChart } from './chart.ts';
import { meterOf } from './meter.ts';
import { formats } from './format.ts';
import { noticeFrom, renderConsole, wantsPage } from './view.ts';

const DAY_MS = 24 * 3600_000;
const CHART_DAYS = 90;

/** Everything the dashboard shows, as numbers: the page draws it, scripts get it as JSON. */
export async function dashboardData(deps: Deps) {
  const now = deps.clock.now();
  const [readers, money, changes, series, last, candidates] = await Promise.all([
    countReaders(deps.db, now),
    monthlyRevenue(deps.db, now),
    subscriptionChanges(deps.db, now - 30 * DAY_MS),
    runningSeries(deps.db, now, CHART_DAYS),
    listEditionSummaries(deps.db, { limit: 1 }),
    nextEditionCandidates(deps.db, { now, max: deps.config.digestMaxArticles }),
  ]);
  const next = nextDigestAt(deps.config, now);
  return {
    readers,
    monthly_recurring_revenue: money.revenue,
    unpriced_subscriptions: money.unpriced,
    last_30_days: changes,
    running_subscriptions: series,
    last_edition: last.editions[0] ?? null,
    next_edition: {
      at: next ? next.toISOString() : null,
      articles: candidates.filter((a) => a.in_next).length,
      left_out: candidates.filter((a) => a.excluded).length,
    },
  };
}

export function dashboardRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const f = formats(deps.config.digestTimezone);

  app.get('/admin', async (c) => {
    const data = await dashboardData(deps);
    if (!wantsPage(c)) return c.json(data);
    const r = data.readers;
    const stats = [
      { label: 'Receiving the digest', value: f.count(r.receiving), href: '/admin/readers?state=receiving', lead: true },
      { label: 'Paying', value: f.count(r.active), href: '/admin/readers?status=active' },
      { label: 'Trialing', value: f.count(r.trialing), href: '/admin/readers?status=trialing' },
      { label: 'Past due', value: f.count(r.past_due), href: '/admin/readers?status=past_due' },
      { label: 'Unsubscribed', value: f.count(r.unsubscribed), href: '/admin/readers?state=unsubscribed' },
      { label: 'Suppressed', value: f.count(r.suppressed), href: '/admin/readers?state=suppressed' },
    ];
    const counts = data.running_subscriptions.map((p) => p.count);
    const geometry = lineChart(counts);
    const first = data.running_subscriptions[0]!;
    const latest = data.running_subscriptions[data.running_subscriptions.length - 1]!;
    const e = data.last_edition;
    const view = {
      today_label: f.day(editionDate(deps.clock.now(), deps.config.digestTimezone)),
      stats,
      revenue: data.monthly_recurring_revenue.map((m) => ({ amount: f.money(m.amount, m.currency), currency: m.currency.toUpperCase(), subscriptions: `${f.count(m.subscriptions)} subscription${m.subscriptions === 1 ? '' : 's'}` })),
      unpriced: data.unpriced_subscriptions
        ? `${f.count(data.unpriced_subscriptions)} entitled subscription${data.unpriced_subscriptions === 1 ? ' has' : 's have'} no known price yet (synced before prices were mirrored, or a price without one amount); it fills in at the subscription's next event.`
        : null,
      started: f.count(data.last_30_days.started),
      ended: f.count(data.last_30_days.ended),
      chart: {
        ...geometry,
        top: f.count(geometry.top),
        bottom: f.count(geometry.bottom),
        latest: f.count(latest.count),
        first_day: f.day(first.day),
        last_day: f.day(latest.day),
        summary: `${f.count(latest.count)} now, ${latest.count >= first.count ? '+' : '−'}${f.count(Math.abs(latest.count - first.count))} in 90 days`,
        description: `Running subscriptions by day: ${f.count(first.count)} on ${f.day(first.day)}, ${f.count(latest.count)} on ${f.day(latest.day)}, between ${f.count(Math.min(...counts))} and ${f.count(Math.max(...counts))}.`,
      },
      last_edition: e && {
        ...meterOf(e.deliveries),
        href: `/admin/editions/${e.date}`,
        day: f.day(e.date),
        articles: `${e.article_count} article${e.article_count === 1 ? '' : 's'}`,
        sent: f.count(e.deliveries.sent),
        failed: f.count(e.deliveries.failed),
        pending: f.count(e.deliveries.pending + e.deliveries.sending),
      },
      next_digest: data.next_edition.at ? `${f.dateTime(Date.parse(data.next_edition.at))} (${deps.config.digestTimezone})` : 'not scheduled',
      candidates: data.next_edition.articles
        ? `${data.next_edition.articles} article${data.next_edition.articles === 1 ? '' : 's'} waiting${data.next_edition.left_out ? `, ${data.next_edition.left_out} left out` : ''}.`
        : 'No new article yet: without one, no edition goes out.',
    };
    return c.html(renderConsole(deps.config, 'admin-dashboard', { title: 'Dashboard', section: 'dashboard', notice: noticeFrom(c) }, viewerOf(c), view));
  });
  return app;
}
