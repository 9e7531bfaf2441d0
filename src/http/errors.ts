import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../errors.ts';
import { GazetteError, isGazetteError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { messagePage } from './pages.ts';

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

const TITLES: Partial<Record<ErrorCode, string>> = {
  invalid_token: 'This link does not work',
  expired_token: 'This link has expired',
  not_configured: 'Not available yet',
  upstream_unavailable: 'Please try again in a moment',
  not_found: 'Page not found',
  forbidden: 'This form could not be sent',
  rate_limited: 'Too many attempts',
};

function wantsJson(c: Context): boolean {
  const path = c.req.path;
  return path.startsWith('/admin') || path.startsWith('/webhooks') || (c.req.header('accept') ?? '').includes('application/json');
}

function extraHeaders(err: GazetteError): Record<string, string> {
  if (err.code === 'rate_limited') return { 'retry-after': String(err.details['retry_after_seconds'] ?? 60) };
  if (err.code === 'unauthorized') return { 'www-authenticate': 'Bearer realm="gazette-admin"' };
  return {};
}

/** The one place that turns failures into HTTP answers. Internal details never reach the client. */
export function errorHandler(log: Logger, publication: string) {
  const answer = (err: GazetteError, c: Context) => {
    const status = STATUS[err.code];
    const headers = extraHeaders(err);
    if (wantsJson(c)) return c.json({ error: { code: err.code, message: err.message, ...err.details } }, status, headers);
    // A reader whose own-page link failed needs a new one more than the front page.
    const tokenFailed = err.code === 'invalid_token' || err.code === 'expired_token';
    const next = tokenFailed && c.req.path.startsWith('/account/') ? { href: '/account', label: 'Email me a new link' } : { href: '/', label: 'Back to the front page' };
    return c.html(messagePage(TITLES[err.code] ?? 'Something is not right', err.message, publication, next), status, headers);
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
      return c.html(messagePage('Something went wrong', 'We could not complete this request. Please try again.', publication), 500);
    },
    notFound(c: Context) {
      return answer(new GazetteError('not_found', 'There is nothing at this address. It may have moved, or the link may be incomplete.'), c);
    },
  };
}
