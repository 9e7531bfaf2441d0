import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GazetteError } from './errors.ts';

/** What a signed link lets its holder do, for which reader (or, for 'staff', which STAFF_EMAILS address). */
export type TokenPurpose = 'unsubscribe' | 'billing' | 'account' | 'view' | 'staff';

interface TokenPayload {
  p: TokenPurpose;
  r: string;
  /** For a view link: the edition (YYYY-MM-DD) it shows. */
  d?: string;
  /** Expiry, epoch ms; absent for tokens that never expire. */
  e?: number;
}

export const BILLING_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
/** A reader's own page opens billing too, and its link is asked for on a public form: it lives a day. */
export const ACCOUNT_TOKEN_TTL_MS = 24 * 3600 * 1000;
/** A staff sign-in link opens the whole console: it lives a quarter of an hour, and works once. */
export const STAFF_TOKEN_TTL_MS = 15 * 60 * 1000;

// node:crypto is native on Node and in workerd (nodejs_compat), and synchronous: every reader's copy
// of a digest carries three signed links, and signing them is a measurable share of the send path.
function mac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

/** A URL-safe token: base64url(JSON payload) "." base64url(HMAC-SHA256 of it under APP_SECRET). */
export function signToken(secret: string, purpose: TokenPurpose, readerId: string, expiresAt?: number, edition?: string): string {
  const payload: TokenPayload = { p: purpose, r: readerId, ...(edition === undefined ? {} : { d: edition }), ...(expiresAt === undefined ? {} : { e: expiresAt }) };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The reader id a token was issued for; throws invalid_token or expired_token. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: number): string {
  return verifyTokenPayload(secret, purpose, token, now).readerId;
}

/** The reader (and, for a view link, the edition) a token was issued for; throws invalid_token or expired_token. */
export function verifyTokenPayload(secret: string, purpose: TokenPurpose, token: string, now: number): { readerId: string; edition: string | undefined } {
  const invalid = () => new GazetteError('invalid_token', 'This link is not valid. It may have been copied incompletely.');
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 512) throw invalid();
  let payload: TokenPayload;
  try {
    // The signature is compared as it is spelt, so a token has exactly one valid spelling (a base64
    // decoder would accept other last characters, and skip ones outside the alphabet).
    const expected = Buffer.from(mac(secret, body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    throw invalid();
  }
  if (payload.p !== purpose || typeof payload.r !== 'string') throw invalid();
  if (payload.e !== undefined && payload.e <= now) {
    throw new GazetteError('expired_token', 'This link has expired. Use the link in your latest email instead.');
  }
  if (payload.d !== undefined && typeof payload.d !== 'string') throw invalid();
  return { readerId: payload.r, edition: payload.d };
}
