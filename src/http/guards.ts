import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { hitLimit, type Limit } from '../abuse/rate-limits.ts';
import { limitNetwork } from '../net/ip-address.ts';
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';

const TEN_MINUTES = 10 * 60_000;

/** Abuse limits per client address and per email or reader: generous for people, tight for scripts. */
export const LIMITS = {
  checkoutByClient: { name: 'checkout:client', max: 20, windowMs: TEN_MINUTES },
  checkoutByEmail: { name: 'checkout:email', max: 5, windowMs: TEN_MINUTES },
  accountByClient: { name: 'account:client', max: 10, windowMs: TEN_MINUTES },
  accountByEmail: { name: 'account:email', max: 5, windowMs: TEN_MINUTES },
  billingByClient: { name: 'billing:client', max: 10, windowMs: TEN_MINUTES },
  billingByReader: { name: 'billing:reader', max: 5, windowMs: TEN_MINUTES },
  // Each visit to the success page reads the Checkout Session from Stripe.
  successByClient: { name: 'success:client', max: 30, windowMs: TEN_MINUTES },
  // The console's sign-in: guesses at ADMIN_TOKEN, and asks for mailed links (like /account).
  staffLoginByClient: { name: 'staff-login:client', max: 10, windowMs: TEN_MINUTES },
  staffLinkByClient: { name: 'staff-link:client', max: 10, windowMs: TEN_MINUTES },
  staffLinkByEmail: { name: 'staff-link:email', max: 5, windowMs: TEN_MINUTES },
} satisfies Record<string, Limit>;

/**
 * Who a request counts against: the address the runtime saw on the connection, or — only when
 * TRUST_PROXY says a proxy in front of us sets it — the last hop in X-Forwarded-For (the one that
 * proxy appended). IPv6 clients count by their /64, which they can move around in freely.
 */
export function clientAddress(deps: Pick<Deps, 'config' | 'remoteAddress'>, c: Context): string {
  let address: string | undefined;
  if (deps.config.trustProxy) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    address = hops[hops.length - 1];
  }
  address ??= deps.remoteAddress(c.req.raw, c.env);
  return address ? limitNetwork(address) : 'unknown';
}

/** Counts one hit on each limit; over any of them, a 429 that says when to come back. */
export async function enforceLimits(deps: Pick<Deps, 'db' | 'clock'>, checks: ReadonlyArray<readonly [Limit, string]>): Promise<void> {
  const now = deps.clock.now();
  let retryAt = 0;
  for (const [limit, subject] of checks) {
    const verdict = await hitLimit(deps.db, limit, subject, now);
    if (!verdict.allowed) retryAt = Math.max(retryAt, verdict.retryAt);
  }
  if (retryAt) {
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
    throw new GazetteError('rate_limited', `Too many attempts. Please try again in ${Math.ceil(retryAfterSeconds / 60)} minute${retryAfterSeconds > 60 ? 's' : ''}.`, { retry_after_seconds: retryAfterSeconds });
  }
}

/**
 * Refuses form posts that a browser says came from another site. Sec-Fetch-Site is set by the browser
 * itself and decides when present. Origin is only a fallback for browsers without it: under our
 * `Referrer-Policy: no-referrer` a browser's own same-origin post says `Origin: null`, so null proves
 * nothing either way. A request with neither header is not a browser's cross-site post (scripts,
 * mail providers), so it passes.
 */
export function sameOriginPosts(publicUrl: string): MiddlewareHandler {
  const allowed = new URL(publicUrl).origin;
  return async (c, next) => {
    if (c.req.method === 'POST') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const foreign =
        site !== undefined
          ? site !== 'same-origin' && site !== 'none'
          : origin !== undefined && origin !== 'null' && origin !== allowed && origin !== new URL(c.req.url).origin;
      if (foreign) throw new GazetteError('forbidden', 'This form can only be sent from our own pages. Please go back to the page and try again.');
    }
    await next();
  };
}

/**
 * Browser protections on every answer. Tokens live in URLs, so no referrer ever leaves; nothing may
 * frame a page; forms may post to us and be redirected on to Stripe's Checkout and billing portal.
 * Reader pages run no script at all. The staff console (/admin) runs one script of our own
 * (/admin/console.js, for live counts), which may read our own JSON, and posts forms only to us.
 */
export function browserProtections(config: Pick<Config, 'publicUrl' | 'stripe' | 'publication'>): MiddlewareHandler {
  const formTargets = ["'self'", 'https://checkout.stripe.com', 'https://billing.stripe.com'];
  // A Stripe-compatible server (STRIPE_API_BASE) sends the reader to its own pages.
  if (config.stripe?.apiBase) formTargets.push(new URL(config.stripe.apiBase).origin);
  // Our favicon, the digest's and articles' images (https), and the publisher's logo even on plain http.
  const images = ["'self'", 'https:', 'data:'];
  if (config.publication.logoUrl?.startsWith('http:')) images.push(new URL(config.publication.logoUrl).origin);
  const common = {
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    // Only an https deployment can promise https for the future.
    strictTransportSecurity: config.publicUrl.startsWith('https:') ? 'max-age=31536000' : false,
  } as const;
  const base = { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: images, frameAncestors: ["'none'"], baseUri: ["'none'"] };
  const readers = secureHeaders({ ...common, contentSecurityPolicy: { ...base, formAction: formTargets } });
  const staff = secureHeaders({ ...common, contentSecurityPolicy: { ...base, scriptSrc: ["'self'"], connectSrc: ["'self'"], formAction: ["'self'"] } });
  return (c, next) => (isConsolePath(c.req.path) ? staff(c, next) : readers(c, next));
}

export const isConsolePath = (path: string) => path === '/admin' || path.startsWith('/admin/');
