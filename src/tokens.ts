import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
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

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// @noble/hashes: audited, synchronous and runtime-neutral. Every digest signs two links per reader,
// and WebCrypto's async round trip per signature cost more than the rest of a reader's copy.
const keys = new Map<string, ReturnType<typeof hmac.create>>();
function mac(secret: string, data: string): Uint8Array {
  let keyed = keys.get(secret);
  if (!keyed) {
    keyed = hmac.create(sha256, encoder.encode(secret));
    keys.set(secret, keyed);
  }
  return keyed.clone().update(encoder.encode(data)).digest();
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A URL-safe token: base64url(JSON payload) "." base64url(HMAC-SHA256 of it under APP_SECRET). */
export async function signToken(secret: string, purpose: TokenPurpose, readerId: string, expiresAt?: number, edition?: string): Promise<string> {
  const payload: TokenPayload = { p: purpose, r: readerId, ...(edition === undefined ? {} : { d: edition }), ...(expiresAt === undefined ? {} : { e: expiresAt }) };
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  return `${body}.${toBase64Url(mac(secret, body))}`;
}

/** The reader id a token was issued for; throws invalid_token or expired_token. */
export async function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: number): Promise<string> {
  return (await verifyTokenPayload(secret, purpose, token, now)).readerId;
}

/** The reader (and, for a view link, the edition) a token was issued for; throws invalid_token or expired_token. */
export async function verifyTokenPayload(secret: string, purpose: TokenPurpose, token: string, now: number): Promise<{ readerId: string; edition: string | undefined }> {
  const invalid = () => new GazetteError('invalid_token', 'This link is not valid. It may have been copied incompletely.');
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 512) throw invalid();
  let payload: TokenPayload;
  try {
    if (!constantTimeEqual(fromBase64Url(signature), mac(secret, body))) throw invalid();
    payload = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as TokenPayload;
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
