import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../errors.ts';
import { GazetteError, isGazetteError } from '../errors.ts';
import type { Config } from '../config.ts';
import { CATALOGUES } from '../i18n.ts';
import type { Logger } from '../log.ts';
import { homeLink, messagePage, siteOf, type Site } from './pages.ts';
import { viewerOf } from './console/auth.ts';
import { consoleMessage, wantsPage } from './console/view.ts';
import { isConsolePath } from './guards.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  bad_signature: 400,
  invalid_token: 400,
  expired_token: 400,
  not_configured: 503,
  upstream_unavailable: 503,
  // Webhooks: a 500 is what makes Stripe deliver the event again later.
  retry_later: 500,
};

/** Scripts get JSON: webhooks, the admin API (anything under /admin that is not a browser asking for a page), and whoever asks for it. */
function wantsJson(c: Context): boolean {
  const path = c.req.path;
  if (isConsolePath(path)) return !wantsPage(c);
  return path.startsWith('/webhooks') || (c.req.header('accept') ?? '').includes('application/json');
}

function extraHeaders(err: GazetteError): Record<string, string> {
  if (err.code === 'rate_limited') return { 'retry-after': String(err.details['retry_after_seconds'] ?? 60) };
  if (err.code === 'unauthorized') return { 'www-authenticate': 'Bearer realm="gazette-admin"' };
  return {};
}

/**
 * A failure as a reader reads it: a title and a sentence from the catalogue, chosen by the error's
 * code and, where the code alone says too little, its reason. The English message stays in logs
 * and JSON answers.
 */
function errorPage(site: Site, err: GazetteError | 'internal', path: string): string {
  const { t } = site;
  const code = err === 'internal' ? 'internal' : err.code;
  const reason = err === 'internal' ? undefined : err.reason;
  const catalogue = CATALOGUES[t.language];
  const title = catalogue[`site.error.${code}.title`] ?? t.t('site.error.default_title');
  let message: string;
  if (err !== 'internal' && err.code === 'rate_limited') {
    message = t.plural('site.error.rate_limited.message', Math.max(1, Math.ceil(Number(err.details['retry_after_seconds'] ?? 60) / 60)));
  } else {
    message = (reason && catalogue[`site.error.${code}.${reason}`]) || (catalogue[`site.error.${code}.message`] ?? t.t('site.error.internal.message'));
  }
  // A reader whose own-page link failed needs a new one more than the front page.
  const tokenFailed = code === 'invalid_token' || code === 'expired_token';
  const link = tokenFailed && path.startsWith('/account/') ? { href: '/account', label: t.t('site.error.new_link') } : homeLink(site);
  return messagePage(site, { heading: title, paragraphs: [message], link });
}

const CONSOLE_TITLES: Partial<Record<ErrorCode | 'internal', string>> = {
  invalid_input: 'That did not work',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  rate_limited: 'Too many attempts',
  invalid_token: 'This link does not work',
  expired_token: 'This link has expired',
  payload_too_large: 'Too large',
  not_configured: 'Not set up',
  upstream_unavailable: 'Unavailable',
};

/** A console failure: staff read the API's own (English) message, and a way back in the console. */
function consoleError(config: Pick<Config, 'publication'>, viewer: ReturnType<typeof viewerOf>, code: ErrorCode | 'internal', message: string): string {
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return consoleMessage(config, viewer, {
    heading: CONSOLE_TITLES[code] ?? 'Something went wrong',
    paragraphs: [/[.!?]$/.test(sentence) ? sentence : `${sentence}.`],
    link: viewer ? { href: '/admin', label: 'Back to the dashboard' } : { href: '/admin/login', label: 'Sign in' },
  });
}

/** The one place that turns failures into HTTP answers. Internal details never reach the client. */
export function errorHandler(log: Logger, config: Pick<Config, 'publicUrl' | 'publication'>) {
  const site = siteOf(config);
  const answer = (err: GazetteError, c: Context) => {
    const status = STATUS[err.code];
    const headers = extraHeaders(err);
    if (wantsJson(c)) return c.json({ error: { code: err.code, message: err.message, ...err.details } }, status, headers);
    if (isConsolePath(c.req.path)) {
      // A browser without a session is sent to sign in; other failures are the console's own pages (English, like the console).
      if (err.code === 'unauthorized') return c.redirect('/admin/login', 303);
      return c.html(consoleError(config, viewerOf(c), err.code, err.message), status, err.code === 'rate_limited' ? headers : {});
    }
    return c.html(errorPage(site, err, c.req.path), status, headers);
  };
  return {
    onError(err: Error, c: Context) {
      if (err instanceof HTTPException) {
        // Hono's own refusals (malformed bodies and the like) get the same shapes as ours.
        return answer(new GazetteError(err.status === 401 ? 'unauthorized' : err.status === 413 ? 'payload_too_large' : 'invalid_input', err.message || 'bad request'), c);
      }
      if (isGazetteError(err)) {
        if (STATUS[err.code] >= 500) log.warn('request failed', { path: c.req.path, code: err.code, error: err.message });
        return answer(err, c);
      }
      log.error('unhandled error', { path: c.req.path, error: err.message, stack: err.stack?.split('\n').slice(0, 6).join(' | ') });
      if (wantsJson(c)) return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
      if (isConsolePath(c.req.path)) return c.html(consoleError(config, viewerOf(c), 'internal', 'Something went wrong on our side; the log says what. Nothing was lost: try again.'), 500);
      return c.html(errorPage(site, 'internal', c.req.path), 500);
    },
    notFound(c: Context) {
      return answer(new GazetteError('not_found', 'There is nothing at this address. It may have moved, or the link may be incomplete.'), c);
    },
  };
}
