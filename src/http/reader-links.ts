import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Deps } from '../deps.ts';
import { openBillingPortal } from '../billing/portal.ts';
import { publicationName, readerLinks } from '../links.ts';
import { unsubscribeReader } from '../readers/unsubscribe.ts';
import { verifyToken } from '../tokens.ts';
import { messagePage, page } from './pages.ts';

/** The signed links in every email: manage billing, and unsubscribe (RFC 8058 one-click). */
export function readerLinkRoutes(deps: Deps) {
  const app = new Hono();
  const publication = publicationName(deps.config.mailFrom);

  app.get('/billing/:token', async (c) => c.redirect(await openBillingPortal(deps, c.req.param('token')), 303));

  // GET changes nothing: link scanners follow links, only a person presses the button.
  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    await verifyToken(deps.config.appSecret, 'unsubscribe', token, deps.clock.now());
    return c.html(
      page(
        'Unsubscribe',
        html`<h1>Stop the daily digest?</h1><div class="card">
<p>You will no longer receive the morning digest by email.</p>
<p class="muted">This does not cancel your subscription or its billing. To cancel payments, use the billing page linked in any of our emails.</p>
<form method="post" action="/unsubscribe/${token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form></div>`,
        publication,
      ),
    );
  });

  app.post('/unsubscribe/:token', async (c) => {
    const readerId = await verifyToken(deps.config.appSecret, 'unsubscribe', c.req.param('token'), deps.clock.now());
    await unsubscribeReader(deps.db, readerId, deps.clock.now());
    const links = await readerLinks(deps.config, readerId, deps.clock.now());
    return c.html(
      messagePage('You are unsubscribed', 'You will not receive the daily digest any more. Your subscription and its billing are unchanged; you can manage or cancel them from your billing page.', publication, {
        href: links.billing_url,
        label: 'Manage billing',
      }),
    );
  });
  return app;
}
