import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { GazetteError } from '../errors.ts';

/**
 * Refuses a body over `maxSize` bytes with 413 and `message`. A declared Content-Length is checked
 * as it stands (the HTTP server reads exactly that many bytes); only a chunked body is counted
 * while it streams. Hono's bodyLimit alone asks for the request's body stream either way, which
 * on Node turns the server's cheap request into a full WHATWG Request: a quarter of a webhook's cost.
 */
export function limitBody(maxSize: number, message: string): MiddlewareHandler {
  const tooLarge = () => new GazetteError('payload_too_large', message);
  const streamed = bodyLimit({ maxSize, onError: () => { throw tooLarge(); } });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    if (Number(declared) > maxSize) throw tooLarge();
    await next();
  };
}
