import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../src/net/ip-address.ts';
import { pollFeeds } from '../src/articles/poll.ts';
import { nodeFeedHttp } from '../src/runtime/feed-http.ts';
import { makeHarness, type Harness } from './support/harness.ts';

/**
 * A feed on a public address must not be able to point the poller at this machine's private
 * services. "Public" here is this machine's own non-private interface address (TEST-NET-1 on the
 * test machine), so the public feed and the private target are both real local servers.
 */
function publicInterfaceAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal && isPublicAddress(a.address)) return a.address;
  }
  throw new Error(
    'these tests need a network interface with a non-private IPv4 address (not loopback, RFC 1918, link-local or CGNAT), ' +
      `to stand in for a public feed host; this machine has: ${JSON.stringify(networkInterfaces())}`,
  );
}

const feed = (title: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><item><title>${title}</title><link>https://news.example.com/${title}</link><guid>${title}</guid></item></channel></rss>`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(host: string, handle: Handler): Promise<{ server: Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

const redirect = (res: ServerResponse, location: string, status = 302) => res.writeHead(status, { location }).end();

let publicIp: string;
let pub: Awaited<ReturnType<typeof listen>>; // on 0.0.0.0: reachable at the public address and at 127.0.0.1
let internal: Awaited<ReturnType<typeof listen>>; // on 127.0.0.1 only: the database, the admin API, an intranet page
let publicBase: string;
let internalBase: string;

beforeAll(async () => {
  publicIp = publicInterfaceAddress();
  internal = await listen('127.0.0.1', (req, res) => {
    if (req.url === '/secret.xml' || req.url === '/feed.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed('secret'));
    res.writeHead(404).end();
  });
  internalBase = `http://127.0.0.1:${internal.port}`;
  pub = await listen('0.0.0.0', (req, res) => {
    const url = req.url ?? '';
    const chain = /^\/chain\/(\d+)$/.exec(url);
    if (chain) return Number(chain[1]) === 0 ? void res.writeHead(200).end(feed('chained')) : redirect(res, `/chain/${Number(chain[1]) - 1}`);
    if (url === '/feed.xml') return void res.writeHead(200).end(feed('public'));
    if (url === '/moved') return redirect(res, `http://${publicIp}:${pub.port}/feed.xml`, 301);
    if (url === '/to-loopback') return redirect(res, `${internalBase}/secret.xml`);
    if (url === '/to-localhost') return redirect(res, `http://localhost:${internal.port}/secret.xml`);
    if (url === '/to-mapped') return redirect(res, `http://[::ffff:127.0.0.1]:${internal.port}/secret.xml`, 307);
    if (url === '/to-zero') return redirect(res, `http://0.0.0.0:${internal.port}/secret.xml`);
    if (url === '/to-metadata') return redirect(res, 'http://169.254.169.254/latest/meta-data/');
    if (url === '/to-file') return redirect(res, 'file:///etc/passwd');
    if (url === '/loopback-to-loopback') return redirect(res, `${internalBase}/feed.xml`);
    if (url === '/relative') return redirect(res, '/feed.xml');
    if (url === '/to-internal-name') return redirect(res, `http://cms.internal:${internal.port}/secret.xml`);
    res.writeHead(404).end();
  });
  publicBase = `http://${publicIp}:${pub.port}`;
});
afterAll(async () => {
  await Promise.all([pub, internal].map(({ server }) => new Promise((r) => server.close(r))));
});

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
  pub.requests.length = 0;
  internal.requests.length = 0;
});
afterEach(() => h.close());

const articles = () => h.deps.db.selectFrom('articles').select(['guid']).execute();

describe('a public feed cannot redirect the poller to a private address', () => {
  it.each([
    ['/to-loopback', '127.0.0.1', 'an IP literal'],
    ['/to-localhost', '127.0.0.1', 'a name that resolves to loopback (checked where DNS answers)'],
    ['/to-mapped', '::ffff:7f00:1', 'an IPv4-mapped IPv6 literal'],
    ['/to-zero', '0.0.0.0', '0.0.0.0, which connects to this host'],
    ['/to-metadata', '169.254.169.254', 'the cloud metadata address'],
  ])('%s is refused (%s, %s), and the private server sees no request', async (path, address) => {
    const [report] = await pollFeeds(h.deps, [`${publicBase}${path}`]);
    expect(report).toEqual({ url: `${publicBase}${path}`, ok: false, new: 0, updated: 0, error: `redirect to a private address refused (${address})` });
    expect(pub.requests).toEqual([path]);
    expect(internal.requests).toEqual([]);
    expect(await articles()).toEqual([]);
    expect(h.logs.some((l) => l.includes('feed refused') && l.includes('redirect to a private address refused'))).toBe(true);
  });

  it('a redirect to a non-HTTP URL is refused', async () => {
    const [report] = await pollFeeds(h.deps, [`${publicBase}/to-file`]);
    expect(report).toMatchObject({ ok: false, error: expect.stringMatching(/non-HTTP/) });
  });

  it('a public → public redirect is followed', async () => {
    const [report] = await pollFeeds(h.deps, [`${publicBase}/moved`]);
    expect(report).toEqual({ url: `${publicBase}/moved`, ok: true, new: 1, updated: 0, error: null });
    expect(pub.requests).toEqual(['/moved', '/feed.xml']);
    expect(await articles()).toEqual([{ guid: 'public' }]);
  });
});

describe('at most 5 redirects', () => {
  it('a chain of 5 redirects is followed', async () => {
    const [report] = await pollFeeds(h.deps, [`${publicBase}/chain/5`]);
    expect(report).toMatchObject({ ok: true, new: 1 });
    expect(pub.requests).toHaveLength(6);
  });

  it('a 6th redirect is refused', async () => {
    const [report] = await pollFeeds(h.deps, [`${publicBase}/chain/6`]);
    expect(report).toMatchObject({ ok: false, new: 0, error: 'too many redirects (more than 5)' });
    expect(pub.requests).toHaveLength(6);
    expect(await articles()).toEqual([]);
  });
});

describe('a feed configured on a private address is the operator’s choice', () => {
  it('a loopback feed may redirect to another loopback URL', async () => {
    const [report] = await pollFeeds(h.deps, [`http://127.0.0.1:${pub.port}/loopback-to-loopback`]);
    expect(report).toEqual({ url: `http://127.0.0.1:${pub.port}/loopback-to-loopback`, ok: true, new: 1, updated: 0, error: null });
    expect(internal.requests).toEqual(['/feed.xml']);
  });

  it('a feed configured as localhost loads', async () => {
    const [report] = await pollFeeds(h.deps, [`http://localhost:${internal.port}/feed.xml`]);
    expect(report).toMatchObject({ ok: true, new: 1 });
  });
});

describe('a configured host name is judged by every address it resolves to', () => {
  // A resolver of our own stands in for a private network's DNS (an internal CMS at `cms.internal`).
  const names: Record<string, string> = { 'cms.internal': '127.0.0.1' };
  const lookup = ((hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void) => {
    const cb = typeof options === 'function' ? (options as typeof callback) : callback;
    const address = names[hostname] ?? (hostname === 'feeds.public.test' ? publicIp : undefined);
    if (!address) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    cb(null, [{ address, family: 4 }]);
  }) as unknown as typeof import('node:dns').lookup;
  let http: ReturnType<typeof nodeFeedHttp>;
  beforeEach(() => {
    http = nodeFeedHttp({ lookup });
    h.deps.feedHttp = http;
  });
  afterEach(() => http.close());

  it('an internal name (all its addresses private) is the operator’s choice: it loads', async () => {
    const [direct] = await pollFeeds(h.deps, [`http://cms.internal:${internal.port}/feed.xml`]);
    expect(direct).toMatchObject({ ok: true, new: 1 });
    expect(internal.requests).toEqual(['/feed.xml']);
  });

  it('and it may redirect on that same host', async () => {
    const [report] = await pollFeeds(h.deps, [`http://cms.internal:${pub.port}/relative`]);
    expect(report).toMatchObject({ ok: true, new: 1 });
    expect(pub.requests).toEqual(['/relative', '/feed.xml']);
  });

  it('but its redirects may not leave that host for other private addresses (its DNS could be hostile)', async () => {
    const [redirected] = await pollFeeds(h.deps, [`http://cms.internal:${pub.port}/loopback-to-loopback`]);
    expect(redirected).toMatchObject({ ok: false, error: 'redirect to a private address refused (127.0.0.1)' });
    expect(internal.requests).toEqual([]);
  });

  it('a public name cannot redirect to an internal name', async () => {
    const [report] = await pollFeeds(h.deps, [`http://feeds.public.test:${pub.port}/to-internal-name`]);
    expect(report).toMatchObject({ ok: false, error: 'redirect to a private address refused (127.0.0.1)' });
    expect(pub.requests).toEqual(['/to-internal-name']);
    expect(internal.requests).toEqual([]);
  });
});
