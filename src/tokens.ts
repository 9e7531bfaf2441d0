import { GazetteError } from './errors.ts';

/** What a signed link lets its holder do, for which reader. */
export type TokenPurpose = 'unsubscribe' | 'billing';

interface TokenPayload {
  p: TokenPurpose;
  r: string;
  /** Expiry, epoch ms; absent for tokens that never expire. */
  e?: number;
}

export const BILLING_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** A URL-safe token: base64url(JSON payload) "." base64url(HMAC-SHA256 of it under APP_SECRET). */
export async function signToken(secret: string, purpose: TokenPurpose, readerId: string, expiresAt?: number): Promise<string> {
  const payload: TokenPayload = { p: purpose, r: readerId, ...(expiresAt === undefined ? {} : { e: expiresAt }) };
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(body)));
  return `${body}.${toBase64Url(mac)}`;
}

/** The reader id a token was issued for; throws invalid_token or expired_token. */
export async function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: number): Promise<string> {
  const invalid = () => new GazetteError('invalid_token', 'This link is not valid. It may have been copied incompletely.');
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 512) throw invalid();
  let payload: TokenPayload;
  try {
    // crypto.subtle.verify compares in constant time.
    const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), fromBase64Url(mac), encoder.encode(body));
    if (!ok) throw invalid();
    payload = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as TokenPayload;
  } catch {
    throw invalid();
  }
  if (payload.p !== purpose || typeof payload.r !== 'string') throw invalid();
  if (payload.e !== undefined && payload.e <= now) {
    throw new GazetteError('expired_token', 'This link has expired. Use the link in your latest email instead.');
  }
  return payload.r;
}
