import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { openBillingPortal } from '../billing/portal.ts';
import { findReaderById } from '../readers/store.ts';
import { resumeReader, unsubscribeReader } from '../readers/unsubscribe.ts';
import { verifyToken } from '../tokens.ts';
import { clientAddress, enforceLimits, LIMITS, sameOriginPosts } from './guards.ts';
import { homeLink, messagePage, siteOf } from './pages.ts';

/**
 * The signed links in every email: manage billing, and unsubscribe (RFC 8058 one-click). The
 * unsubscribe token travels in every message's headers, so nothing it opens leads to billing.
 */
export function readerLinkRoutes(deps: Deps) {
  const app = new Hono();
  const site = siteOf(deps.config);
  const { t } = site;
  const unsubscribeToken = (token: string) => verifyToken(deps.config.appSecret, 'unsubscribe', token, deps.clock.now());
  const resumeForm = (token: string) => ({ action: `/unsubscribe/${token}/resume`, label: t.t('site.unsubscribe.resume') });
  const unsubscribed = (token: string, message: string) =>
    messagePage(site, { heading: t.t('site.unsubscribe.done_title'), paragraphs: [message], form: resumeForm(token) });

  app.get('/billing/:token', async (c) => {
    const readerId = verifyToken(deps.config.appSecret, 'billing', c.req.param('token'), deps.clock.now());
    await enforceLimits(deps, [[LIMITS.billingByClient, clientAddress(deps, c)], [LIMITS.billingByReader, readerId]]);
    return c.redirect(await openBillingPortal(deps, readerId), 303);
  });

  // GET changes nothing: link scanners follow links, only a person presses the button.
  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const reader = await findReaderById(deps.db, await unsubscribeToken(token));
    if (reader?.unsubscribed_at) return c.html(unsubscribed(token, t.t('site.unsubscribe.again_message')));
    return c.html(
      messagePage(site, {
        heading: t.t('site.unsubscribe.title'),
        paragraphs: [t.t('site.unsubscribe.message')],
        form: { action: `/unsubscribe/${token}`, label: t.t('site.unsubscribe.submit'), one_click: true },
        aside: { text: t.t('site.unsubscribe.note'), href: '/account', label: t.t('site.unsubscribe.ask_link') },
      }),
    );
  });

  // RFC 8058 one-click: mail providers post here from their own servers, so no origin check.
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    await unsubscribeReader(deps.db, await unsubscribeToken(token), deps.clock.now());
    return c.html(unsubscribed(token, t.t('site.unsubscribe.done_message')));
  });

  app.post('/unsubscribe/:token/resume', sameOriginPosts(deps.config.publicUrl), async (c) => {
    await resumeReader(deps.db, await unsubscribeToken(c.req.param('token')), deps.clock.now());
    return c.html(messagePage(site, { heading: t.t('site.unsubscribe.resumed_title'), paragraphs: [t.t('site.unsubscribe.resumed_message')], link: homeLink(site) }));
  });
  return app;
}
