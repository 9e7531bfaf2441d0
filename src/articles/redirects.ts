import { FeedError } from './feed-error.ts';
import { addressKind, isPrivateHost, PrivateAddressError } from '../net/ip-address.ts';

/** Whether one hop may connect to a loopback, private, link-local or unique-local address. */
export interface HopPolicy {
  allowPrivate: boolean;
}

/**
 * One HTTP exchange, redirects not followed: the core follows them itself so it can check every hop.
 * A shell refuses to connect to a non-public address unless the policy allows it (throwing
 * PrivateAddressError), and connects to the very address it checked, so DNS cannot answer one thing
 * to the check and another to the socket.
 */
export type FetchFeedHop = (request: Request, policy: HopPolicy) => Promise<Response>;

/** How a runtime fetches feeds: one hop at a time, and what it can tell about the configured host. */
export interface FeedHttp {
  hop: FetchFeedHop;
  /**
   * Whether the configured feed's host is itself off the public internet: by its spelling (an IP
   * literal, `localhost`), or, where the runtime can resolve names, because every address it
   * resolves to is (an internal CMS such as `http://cms:8080/rss` in a private network).
   */
  isPrivateHost(hostname: string): Promise<boolean>;
}

const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GETs url and follows up to MAX_REDIRECTS redirects. A public feed may reach public addresses only,
 * on every hop including the first, so a redirect cannot turn the poller against the database, the
 * admin API or cloud metadata. A feed configured on a private address is the operator's explicit
 * choice: spelled private (an IP literal, localhost), its redirects may go anywhere in private space;
 * private only by what its name resolves to (an internal CMS), its redirects must stay on that host,
 * because whoever answers for the name could otherwise open all of private space to the poller.
 */
export async function getFollowingRedirects(http: FeedHttp, url: string, init: { headers: Record<string, string>; signal: AbortSignal }): Promise<Response> {
  let target = httpUrl(url, undefined, 'the feed URL is not a valid http(s) URL');
  const configuredHost = target.hostname;
  const spelledPrivate = isPrivateHost(configuredHost);
  const resolvedPrivate = !spelledPrivate && (await http.isPrivateHost(configuredHost));
  const policy: HopPolicy = { allowPrivate: spelledPrivate || resolvedPrivate };
  for (let redirects = 0; ; redirects++) {
    if (resolvedPrivate) policy.allowPrivate = target.hostname === configuredHost;
    const refused = (address: string) =>
      new FeedError(redirects === 0 ? `feed host resolves to a private address, refused (${address})` : `redirect to a private address refused (${address})`);
    // A literal address never reaches the shell's resolver, which checks host names: judge it here.
    const kind = addressKind(target.hostname);
    if (!policy.allowPrivate && kind && kind !== 'public') throw refused(target.hostname.replace(/^\[|\]$/g, ''));
    let res: Response;
    try {
      res = await http.hop(new Request(target, { headers: init.headers, signal: init.signal, redirect: 'manual' }), policy);
    } catch (err) {
      if (err instanceof PrivateAddressError) throw refused(err.address);
      throw err;
    }
    const location = res.headers.get('location');
    if (!REDIRECT_STATUSES.has(res.status) || location === null) return res;
    await res.body?.cancel();
    if (redirects === MAX_REDIRECTS) throw new FeedError(`too many redirects (more than ${MAX_REDIRECTS})`);
    target = httpUrl(location, target, 'redirect to an invalid or non-HTTP URL refused');
  }
}

function httpUrl(value: string, base: URL | undefined, refusal: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(value, base);
  } catch {
    // refused below
  }
  if (u?.protocol !== 'http:' && u?.protocol !== 'https:') throw new FeedError(refusal);
  return u;
}
