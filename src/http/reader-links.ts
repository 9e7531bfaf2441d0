import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Deps } from '../deps.ts';
import { openBillingPortal } from '../billing/portal.ts';
import { findReaderById } from '../readers/store.ts';
import { resumeReader, unsubscribeReader } from '../readers/unsubscribe.ts';
import { verifyToken } from '../tokens.ts';
import { clientAddress, enforceLimits, LIMITS, sameOriginPosts } from './guards.ts';
import { messagePage, page } from './pages.ts';

/**
 * The signed links in every email: manage billing, and unsubscribe (RFC 8058 one-click). The
 * unsubscribe token travels in every message's headers, so nothing it opens leads to billing.
 */
export function readerLinkRoutes(deps: Deps) {
  const app = new Hono();
  const publication = deps.config.publication.name;
  const unsubscribeToken = (token: string) => verifyToken(deps.config.appSecret, 'unsubscribe', token, deps.clock.now());
  const resumeForm = (token: string) => ({ action: `/unsubscribe/${token}/resume`, label: 'Resume the daily digest' });

  app.get('/billing/:token', async (c) => {
    const readerId = await verifyToken(deps.config.appSecret, 'billing', c.req.param('token'), deps.clock.now());
    await enforceLimits(deps, [[LIMITS.billingByClient, clientAddress(deps, c)], [LIMITS.billingByReader, readerId]]);
    return c.redirect(await openBillingPortal(deps, readerId), 303);
  });

  // GET changes nothing: link scanners follow links, only a person presses the button.
  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const reader = await findReaderById(deps.db, await unsubscribeToken(token));
    if (reader?.unsubscribed_at) {
      return c.html(messagePage('You are unsubscribed', 'You no longer receive the daily digest. Changed your mind?', publication, undefined, resumeForm(token)));
    }
    return c.html(
      page(
        'Unsubscribe',
        html`<h1>Stop the daily digest?</h1><div class="card">
<p>You will no longer receive the morning digest by email.</p>
<p class="muted">This does not cancel your subscription or its billing. To cancel payments, use the "Manage subscription" link in any of our emails, or <a href="/account">ask for a link by email</a>.</p>
<form method="post" action="/unsubscribe/${token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form></div>`,
        publication,
      ),
    );
  });

  // RFC 8058 one-click: mail providers post here from their own servers, so no origin check.
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    await unsubscribeReader(deps.db, await unsubscribeToken(token), deps.clock.now());
    return c.html(
      messagePage(
        'You are unsubscribed',
        'You will not receive the daily digest any more. Your subscription and its billing are unchanged: to cancel payments, use the "Manage subscription" link in any of our emails.',
        publication,
        undefined,
        resumeForm(token),
      ),
    );
  });

  app.post('/unsubscribe/:token/resume', sameOriginPosts(deps.config.publicUrl), async (c) => {
    await resumeReader(deps.db, await unsubscribeToken(c.req.param('token')), deps.clock.now());
    return c.html(messagePage('The digest is back on', 'You will receive the daily digest again, from the next edition.', publication, { href: '/', label: 'Back to the front page' }));
  });
  return app;
}
