import { Hono, type Context } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { Deps } from '../../deps.ts';
import { GazetteError } from '../../errors.ts';
import { normalizeEmail } from '../../readers/email.ts';
import { tokenStaff } from '../../staff/identity.ts';
import { endSession } from '../../staff/sessions.ts';
import { checkStaffLink, mailStaffLink, redeemStaffLink } from '../../staff/sign-in-link.ts';
import { clientAddress, enforceLimits, LIMITS } from '../guards.ts';
import { clearSessionCookie, sessionOf, startSession, viewerOf, type ConsoleEnv, type StaffAuth } from './auth.ts';
import { consoleMessage, noticeFrom, renderConsole } from './view.ts';

/**
 * The ways into the console: ADMIN_TOKEN typed into a form, or a link mailed to a STAFF_EMAILS
 * address (its page has a button: opening the link alone signs nobody in). And the way out.
 */
export function signInRoutes(deps: Deps) {
  const app = new Hono<ConsoleEnv>();
  const { config } = deps;

  const loginPage = (c: Context, form: { token_error?: string; email?: string; email_error?: string } = {}) =>
    renderConsole(config, 'admin-login', { title: 'Sign in', notice: noticeFrom(c) }, null, {
      token_form: Boolean(config.adminToken),
      link_form: config.staffEmails.length > 0,
      token_error: form.token_error ?? null,
      email: form.email ?? '',
      email_error: form.email_error ?? null,
      // A SameSite=Strict cookie stays home when a link on another site leads here.
      cross_site: c.req.header('sec-fetch-site') === 'cross-site',
    });

  app.get('/admin/login', async (c) => {
    if (await sessionOf(deps, c)) return c.redirect('/admin', 303);
    return c.html(loginPage(c));
  });

  app.post('/admin/login', async (c) => {
    await enforceLimits(deps, [[LIMITS.staffLoginByClient, clientAddress(deps, c)]]);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const given = typeof form['token'] === 'string' ? form['token'] : '';
    const staff = tokenStaff(config);
    if (!config.adminToken || !staff || !given || !(await timingSafeEqual(given, config.adminToken))) {
      deps.log.warn('staff sign-in refused: wrong token');
      return c.html(loginPage(c, { token_error: config.adminToken ? 'That is not the admin token.' : 'Signing in with a token is off: ADMIN_TOKEN is not set.' }), 401);
    }
    await startSession(deps, c, staff, 'token');
    return c.redirect('/admin', 303);
  });

  app.post('/admin/login/link', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const raw = typeof form['email'] === 'string' ? form['email'] : '';
    const email = normalizeEmail(raw);
    await enforceLimits(deps, email ? [[LIMITS.staffLinkByClient, clientAddress(deps, c)], [LIMITS.staffLinkByEmail, email]] : [[LIMITS.staffLinkByClient, clientAddress(deps, c)]]);
    if (!config.staffEmails.length) throw new GazetteError('not_found', 'Sign-in links are off: STAFF_EMAILS is not set.');
    if (!email) return c.html(loginPage(c, { email: raw, email_error: 'Please enter a valid email address.' }), 400);
    // After the answer, and the same answer whoever asks: the form must not tell who is staff.
    deps.defer(() => mailStaffLink(deps, email));
    return c.html(
      consoleMessage(config, null, {
        heading: 'Check your mail',
        paragraphs: ['If this address is on the staff list, a sign-in link is on its way to it. The link works once, for 15 minutes.'],
        link: { href: '/admin/login', label: 'Back to sign in' },
      }),
    );
  });

  app.get('/admin/sign-in/:token', async (c) => {
    const email = await checkStaffLink(deps, c.req.param('token'));
    return c.html(renderConsole(config, 'admin-sign-in', { title: 'Sign in' }, null, { email, action: c.req.path }));
  });

  app.post('/admin/sign-in/:token', async (c) => {
    const email = await redeemStaffLink(deps, c.req.param('token'));
    await startSession(deps, c, email, 'link');
    return c.redirect('/admin', 303);
  });

  // Behind the console's auth: the session is known, and the form's CSRF token was checked.
  app.post('/admin/logout', async (c) => {
    const auth = c.get('staff') as StaffAuth;
    if (auth.via === 'session') await endSession(deps.db, auth.session.idHash);
    clearSessionCookie(c, config.publicUrl);
    return viewerOf(c) ? c.redirect('/admin/login?done=signed_out', 303) : c.json({ signed_out: auth.via === 'session' });
  });
  return app;
}
