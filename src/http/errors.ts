import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../errors.ts';
import { isGazetteError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { messagePage } from './pages.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  payload_too_large: 413,
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
  not_found: 'Not found',
};

function wantsJson(c: Context): boolean {
  const path = c.req.path;
  return path.startsWith('/admin') || path.startsWith('/webhooks') || (c.req.header('accept') ?? '').includes('application/json');
}

/** The one place that turns failures into HTTP answers. Internal details never reach the client. */
export function errorHandler(log: Logger, publication: string) {
  return (err: Error, c: Context) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (isGazetteError(err)) {
      const status = STATUS[err.code];
      if (status >= 500) log.warn('request failed', { path: c.req.path, code: err.code, error: err.message });
      if (wantsJson(c)) return c.json({ error: { code: err.code, message: err.message, ...err.details } }, status);
      return c.html(messagePage(TITLES[err.code] ?? 'Something is not right', err.message, publication, { href: '/', label: 'Back to the front page' }), status);
    }
    log.error('unhandled error', { path: c.req.path, error: err.message, stack: err.stack?.split('\n').slice(0, 6).join(' | ') });
    if (wantsJson(c)) return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
    return c.html(messagePage('Something went wrong', 'We could not complete this request. Please try again.', publication), 500);
  };
}
