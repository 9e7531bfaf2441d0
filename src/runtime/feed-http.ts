import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, fetch } from 'undici';
import { addressKind, isPrivateHost, isPublicAddress, PrivateAddressError } from '../net/ip-address.ts';
import type { FeedHttp } from '../articles/redirects.ts';

/**
 * Resolves once and hands the socket the addresses it checked: there is no second lookup for DNS
 * to answer differently (rebinding). A name with any non-public address is refused outright.
 */
function checkedLookup(resolve: typeof dnsLookup, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused) return callback(new PrivateAddressError(refused.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** undici wraps what the socket threw (fetch failed → cause → maybe AggregateError). */
function findPrivateAddressError(err: unknown, depth = 0): PrivateAddressError | undefined {
  if (err instanceof PrivateAddressError) return err;
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const nested = [(err as { cause?: unknown }).cause, ...((err as { errors?: unknown[] }).errors ?? [])];
  for (const e of nested) {
    const found = findPrivateAddressError(e, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export interface NodeFeedHttp extends FeedHttp {
  close(): Promise<void>;
}

/** A name counts as private only when every address it has is: a public feed's host can't flip the rule by adding one. */
function resolvesPrivate(resolveName: typeof dnsLookup, hostname: string): Promise<boolean> {
  return new Promise((resolve) => {
    resolveName(hostname, { all: true }, (err, addresses: LookupAddress[]) => resolve(!err && addresses.length > 0 && addresses.every((a) => !isPublicAddress(a.address))));
  });
}

/**
 * Feed fetching for Node: undici's fetch through agents whose resolver enforces the hop's policy.
 * Two agents, so a connection opened for a private feed is never reused by a public feed's chain.
 */
export function nodeFeedHttp(opts: { lookup?: typeof dnsLookup } = {}): NodeFeedHttp {
  const resolve = opts.lookup ?? dnsLookup;
  // Polls are minutes apart: an idle connection is not worth keeping.
  const agent = (allowPrivate: boolean) => new Agent({ connect: { lookup: checkedLookup(resolve, allowPrivate) }, keepAliveTimeout: 1_000 });
  const publicOnly = agent(false);
  const anyAddress = agent(true);
  return {
    async isPrivateHost(hostname) {
      return isPrivateHost(hostname) || (addressKind(hostname.replace(/^\[|\]$/g, '')) === undefined && (await resolvesPrivate(resolve, hostname)));
    },
    async hop(request, { allowPrivate }) {
      // The socket resolves no literal address, so the resolver below never sees one: check it here.
      const literal = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
      if (!allowPrivate && addressKind(literal) !== undefined && !isPublicAddress(literal)) throw new PrivateAddressError(literal);
      try {
        const res = await fetch(request.url, {
          method: request.method,
          headers: [...request.headers],
          signal: request.signal,
          redirect: 'manual',
          dispatcher: allowPrivate ? anyAddress : publicOnly,
        });
        // Not the global class (that is Node's bundled undici), but the same shape: status, headers, a web ReadableStream body.
        return res as unknown as Response;
      } catch (err) {
        throw findPrivateAddressError(err) ?? err;
      }
    },
    async close() {
      await Promise.all([publicOnly.close(), anyAddress.close()]);
    },
  };
}
