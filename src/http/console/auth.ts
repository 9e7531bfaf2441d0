import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { Deps } from '../../deps.ts';
import { GazetteError } from '../../errors.ts';
import { consoleEnabled, stillStaff } from '../../staff/identity.ts';
import { createSession, findSession, type StaffSession } from '../../staff/sessions.ts';
import type { ConsoleViewer } from './view.ts';
import { limitBody } from '../body-limit.ts';

/**
 * Who may use /admin: a script with `Authorization: Bearer $ADMIN_TOKEN` (the JSON API, as always),
 * or a browser with a console session cookie. Requests that change something on a session's say must
 * carry its CSRF token (a form's hidden `csrf` field, or an X-CSRF-Token header); bearer requests need
 * none, as no browser sends that header by itself.
 */
export type StaffAuth = { via: 'bearer' } | { via: 'session'; session: StaffSession };
export type ConsoleEnv = { Variables: { staff: StaffAuth } };

export const SESSION_COOKIE = 'gazette_staff';
/** Pages anyone may open: the ways in, and the console's script. */
const OPEN = [/^\/admin\/login(\/link)?$/, /^\/admin\/sign-in\/[^/]+$/, /^\/admin\/console\.js$/];
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Console forms are a few fields; the JSON API's own limits apply to bearer requests. */
const FORM_LIMIT = 64 * 1024;

/** The signed-in staff member a page is shown to (null for bearer requests and the ways in). */
export function viewerOf(c: Context): ConsoleViewer | null {
  const auth = c.get('staff') as StaffAuth | undefined;
  return auth?.via === 'session' ? { csrf: auth.session.csrfToken, staff: auth.session.staff } : null;
}

const cookieOptions = (publicUrl: string) => ({ path: '/admin', httpOnly: true, secure: publicUrl.startsWith('https:'), sameSite: 'Strict' as const });

/** Signs a browser in: a new session, its id in an HttpOnly cookie scoped to /admin. */
export async function startSession(deps: Pick<Deps, 'db' | 'clock' | 'config' | 'log'>, c: Context, staff: string, via: 'token' | 'link'): Promise<void> {
  const { id } = await createSession(deps.db, staff, deps.clock.now());
  setCookie(c, SESSION_COOKIE, id, cookieOptions(deps.config.publicUrl));
  deps.log.info('staff signed in to the console', { via });
}

export function clearSessionCookie(c: Context, publicUrl: string): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(publicUrl));
}

/** The live session this request's cookie names, if any (for pages that anyone may open). */
export async function sessionOf(deps: Pick<Deps, 'db' | 'clock' | 'config'>, c: Context): Promise<StaffSession | undefined> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id) return undefined;
  const session = await findSession(deps.db, id, deps.clock.now());
  return session && stillStaff(deps.config, session.staff) ? session : undefined;
}

async function csrfFrom(c: Context): Promise<string> {
  const header = c.req.header('x-csrf-token');
  if (header) return header;
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  return typeof form['csrf'] === 'string' ? form['csrf'] : '';
}

export function staffAuth(deps: Deps): MiddlewareHandler<ConsoleEnv> {
  const token = deps.config.adminToken;
  const formLimit = limitBody(FORM_LIMIT, 'The form is too large.');
  return async (c, next) => {
    if (!consoleEnabled(deps.config)) throw new GazetteError('not_found', 'the admin API and the staff console are disabled: set ADMIN_TOKEN (or STAFF_EMAILS) to enable them');
    if (OPEN.some((path) => path.test(c.req.path))) return next();
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      // Compared in constant time (hashes of both), so the answer's timing says nothing about the token.
      if (!token || !given || !(await timingSafeEqual(given, token))) throw new GazetteError('unauthorized', 'a valid Authorization: Bearer token is required');
      c.set('staff', { via: 'bearer' });
      return next();
    }
    const session = await sessionOf(deps, c);
    if (!session) throw new GazetteError('unauthorized', 'a valid Authorization: Bearer token is required (or sign in to the console at /admin/login)');
    c.set('staff', { via: 'session', session });
    if (!UNSAFE.has(c.req.method)) return next();
    return formLimit(c, async () => {
      const given = await csrfFrom(c);
      if (!given || !(await timingSafeEqual(given, session.csrfToken))) {
        throw new GazetteError('forbidden', 'This form is out of date (its security token does not match your session). Go back, reload the page and try again.');
      }
      await next();
    });
  };
}
