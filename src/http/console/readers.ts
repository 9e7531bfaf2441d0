import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { stripeCustomerUrl } from '../../billing/stripe-dashboard.ts';
import type { Deps } from '../../deps.ts';
import { editionDate } from '../../editions/dates.ts';
import { findEdition } from '../../editions/edition.ts';
import { resendToReader } from '../../editions/resend.ts';
import { GazetteError } from '../../errors.ts';
import { eraseReader } from '../../readers/privacy.ts';
import { readerProfile } from '../../readers/profile.ts';
import { findReaderById, listSubscribers } from '../../readers/store.ts';
import { liftSuppression } from '../../readers/suppressions.ts';
import { resumeReader, unsubscribeReader } from '../../readers/unsubscribe.ts';
import { decodeCursor, invalidQuery, keysetPage, pageQuery } from '../paging.ts';
import { viewerOf, type ConsoleEnv } from './auth.ts';
import { formats } from './format.ts';
import { deliveryLabel, DIGEST_FILTERS, digestLabel, priceLabel, SUBSCRIPTION_FILTERS, subscriptionLabel, SUPPRESSION_REASONS, SUPPRESSION_SOURCES } from './labels.ts';
import { noticeFrom, renderConsole, wantsPage } from './view.ts';

const searchQuery = pageQuery.extend({
  q: z.string().trim().max(254).optional(),
  status: z.union([z.literal(''), z.string().regex(/^[a-z_]+$/)]).optional(),
  state: z.enum(['', 'receiving', 'unsubscribed', 'suppressed']).optional(),
});

/** Readers for staff: find one, see where they stand, and act for them. */
export function readerRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const f = formats(deps.config.digestTimezone);

  app.get('/admin/readers', async (c) => {
    const parsed = searchQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalidQuery(parsed.error);
    const { limit, cursor, q, status, state } = parsed.data;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await listSubscribers(deps.db, {
      now: deps.clock.now(),
      limit: limit + 1,
      ...(after ? { after: { created_at: after.c, id: after.i } } : {}),
      ...(status ? { status: status === 'none' ? null : status } : {}),
      ...(q ? { q } : {}),
      ...(state ? { state } : {}),
    });
    const { page, next_cursor } = keysetPage(rows, limit, (r) => [r.created_at, r.id]);
    if (!wantsPage(c)) {
      return c.json({ data: page.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })), next_cursor });
    }
    const keep = new URLSearchParams(Object.entries({ q: q ?? '', status: status ?? '', state: state ?? '' }).filter(([, v]) => v));
    const link = (extra: Record<string, string>) => `/admin/readers?${new URLSearchParams({ ...Object.fromEntries(keep), ...extra })}`;
    const view = {
      q: q ?? '',
      filtered: keep.size > 0,
      status_options: SUBSCRIPTION_FILTERS.map((o) => ({ ...o, selected: o.value === (status ?? '') })),
      state_options: DIGEST_FILTERS.map((o) => ({ ...o, selected: o.value === (state ?? '') })),
      readers: page.map((r) => {
        const s = subscriptionLabel(r.status);
        const d = digestLabel(r);
        return { href: `/admin/readers/${encodeURIComponent(r.id)}`, email: r.email, status: s.label, status_tone: s.tone, digest: d.label, digest_tone: d.tone, since: f.date(r.created_at) };
      }),
      pager: cursor || next_cursor ? { first: cursor ? link({}) : null, next: next_cursor ? link({ cursor: next_cursor }) : null } : null,
    };
    return c.html(renderConsole(deps.config, 'admin-readers', { title: 'Readers', section: 'readers', notice: noticeFrom(c) }, viewerOf(c), view));
  });

  app.get('/admin/readers/:id', async (c) => {
    const now = deps.clock.now();
    const profile = await readerProfile(deps.db, c.req.param('id'), now);
    if (!profile) throw new GazetteError('not_found', 'there is no such reader');
    const { reader, suppression } = profile;
    const entitled = profile.subscriptions.some((s) => s.entitled);
    const state = digestLabel({ entitled, unsubscribed: reader.unsubscribed_at !== null, suppressed: suppression !== null });
    const today = editionDate(now, deps.config.digestTimezone);
    const todayExists = (await findEdition(deps, today)) !== undefined;
    const view = {
      id: reader.id,
      email: reader.email,
      since: f.date(reader.created_at),
      digest: state.label,
      digest_tone: state.tone,
      digest_detail: profile.receives
        ? 'Receives the digest.'
        : suppression
          ? 'Not mailed: the address is suppressed.'
          : reader.unsubscribed_at !== null
            ? 'Not mailed: the reader stopped the digest.'
            : 'Not mailed: no subscription entitles this reader now.',
      unsubscribed: reader.unsubscribed_at === null ? 'No' : `Since ${f.dateTime(reader.unsubscribed_at)}`,
      unsubscribed_flag: reader.unsubscribed_at !== null,
      suppressed: suppression !== null,
      suppression: suppression
        ? `${SUPPRESSION_REASONS[suppression.reason] ?? suppression.reason}, ${SUPPRESSION_SOURCES[suppression.source] ?? suppression.source}, ${f.dateTime(suppression.created_at)}${suppression.detail ? `: ${suppression.detail}` : ''}`
        : 'None',
      soft_bounces: profile.transientBounces ? `${profile.transientBounces.count}, the last on ${f.dateTime(profile.transientBounces.last_at)}` : null,
      can_resend: profile.receives && todayExists,
      resend_note: !todayExists ? "Today's edition is not built yet: nothing to send again." : 'Only readers who receive the digest can be sent an edition again.',
      customers: profile.customers.map((cu) => ({ id: cu.id, stripe_url: stripeCustomerUrl(deps.config, cu.id) })),
      subscriptions: profile.subscriptions.map((s) => {
        const label = subscriptionLabel(s.status);
        return {
          id: s.id,
          status: label.label,
          tone: label.tone,
          ending: s.ends_at && !s.ended_at ? `ends ${f.date(s.ends_at)}` : null,
          price: priceLabel(f.money, s),
          started: f.date(s.stripe_created_at),
          period_end: f.date(s.current_period_end),
          ended: f.date(s.ended_at),
        };
      }),
      deliveries: profile.deliveries.map((d) => {
        const label = deliveryLabel(d.status);
        return { edition_date: d.edition_date, day: f.day(d.edition_date), status: label.label, tone: label.tone, attempts: d.attempts, sent: f.dateTime(d.sent_at), last_error: d.last_error ?? '' };
      }),
    };
    return c.html(renderConsole(deps.config, 'admin-reader', { title: reader.email, section: 'readers', notice: noticeFrom(c) }, viewerOf(c), view));
  });

  /** An action's answer: back to the reader's page with what happened, or JSON for a script. */
  const done = (c: Context<ConsoleEnv>, id: string, key: string, json: Record<string, unknown>) =>
    wantsPage(c) ? c.redirect(`/admin/readers/${encodeURIComponent(id)}?done=${key}`, 303) : c.json({ ok: true, ...json });

  const existing = async (id: string) => {
    const reader = await findReaderById(deps.db, id);
    if (!reader) throw new GazetteError('not_found', 'there is no such reader');
    return reader;
  };

  app.post('/admin/readers/:id/lift', async (c) => {
    const reader = await existing(c.req.param('id'));
    const lifted = await liftSuppression(deps.db, reader.email);
    deps.log.info('suppression lifted by staff', { reader_id: reader.id, lifted });
    return done(c, reader.id, 'lifted', { lifted });
  });

  app.post('/admin/readers/:id/resume', async (c) => {
    const reader = await existing(c.req.param('id'));
    await resumeReader(deps.db, reader.id, deps.clock.now());
    deps.log.info('digest resumed by staff', { reader_id: reader.id });
    return done(c, reader.id, 'resumed', {});
  });

  app.post('/admin/readers/:id/stop', async (c) => {
    const reader = await existing(c.req.param('id'));
    await unsubscribeReader(deps.db, reader.id, deps.clock.now());
    deps.log.info('digest stopped by staff', { reader_id: reader.id });
    return done(c, reader.id, 'stopped', {});
  });

  app.post('/admin/readers/:id/resend', async (c) => {
    const { date } = await resendToReader(deps, c.req.param('id'));
    return done(c, c.req.param('id'), 'resent', { date, status_url: `${deps.config.publicUrl}/admin/editions/${date}` });
  });

  // The console's erase button (the API's is DELETE /admin/readers/:id): the form must say it means it.
  app.post('/admin/readers/:id/erase', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (form['confirm'] !== 'erase') throw new GazetteError('invalid_input', 'tick the box to confirm the erasure: nothing was erased', { field: 'confirm' });
    if (!(await eraseReader(deps, c.req.param('id')))) throw new GazetteError('not_found', 'there is no such reader');
    return wantsPage(c) ? c.redirect('/admin/readers?done=erased', 303) : c.json({ erased: true });
  });
  return app;
}
