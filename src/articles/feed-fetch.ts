import { FeedError } from './feed-error.ts';
import { getFollowingRedirects, type FeedHttp } from './redirects.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 5 * 1024 * 1024 };

export type FetchResult =
  | { status: 'not_modified' }
  | { status: 'ok'; body: Uint8Array; contentType: string | null; etag: string | null; lastModified: string | null };

const reason = (err: unknown) => {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ?? e.message;
};

/**
 * GET with ETag / Last-Modified, redirects checked hop by hop, a timeout over the whole exchange
 * (every hop and the body), and a cap on the (decompressed) size.
 */
export async function fetchFeed(
  http: FeedHttp,
  url: string,
  prior: { etag: string | null; last_modified: string | null } | undefined,
  limits: FetchLimits,
): Promise<FetchResult> {
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1',
    'user-agent': 'Gazette feed reader',
  };
  if (prior?.etag) headers['if-none-match'] = prior.etag;
  if (prior?.last_modified) headers['if-modified-since'] = prior.last_modified;
  let res: Response;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    res = await getFollowingRedirects(http, url, { headers, signal });
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `could not connect: ${reason(err)}`);
  }
  if (res.status === 304) return { status: 'not_modified' };
  if (!res.ok) {
    await res.body?.cancel();
    throw new FeedError(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > limits.maxBytes) {
    await res.body?.cancel();
    throw new FeedError(`larger than ${limits.maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) throw new FeedError(`larger than ${limits.maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `read failed: ${reason(err)}`);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return { status: 'ok', body, contentType: res.headers.get('content-type'), etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') };
}
