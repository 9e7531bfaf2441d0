import type { ArticleInput } from './article.ts';
import { FeedError } from './feed-error.ts';
import { readFeedXml, type OpenElement, type XmlNode } from './feed-xml.ts';
import { foldControl, htmlToSummary, truncate } from './text.ts';
import { yieldEvery } from './yield.ts';

type Node = XmlNode;

// Bounds on what one item can cost, whatever the feed holds: a summary is ~320 characters and a
// title 300, so more input than this only costs time.
const MAX_URL = 2048;
const MAX_HTML = 64 * 1024;
const MAX_TITLE = 8 * 1024;
const MAX_FIELD = 1024;
const capped = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/** Bytes → text in the feed's charset: BOM, then the HTTP header, then the XML declaration, else UTF-8. */
export function decodeFeed(bytes: Uint8Array, contentType: string | null): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new FeedError('gzip-compressed body, not a feed');
  let label: string | undefined;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) label = 'utf-8';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else if (bytes[0] === 0x3c && bytes[1] === 0x00) label = 'utf-16le';
  else if (bytes[0] === 0x00 && bytes[1] === 0x3c) label = 'utf-16be';
  label ??= /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  if (!label) {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 256));
    label = /^<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/.exec(head)?.[1];
  }
  try {
    return new TextDecoder(label ?? 'utf-8').decode(bytes);
  } catch {
    throw new FeedError(`unsupported charset "${label}"`);
  }
}

function textOf(node: unknown): string {
  if (node == null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (Array.isArray(node)) return textOf(node[0]);
  if (typeof node === 'object') return textOf((node as Node)['#text']);
  return '';
}

function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const v = (node as Node)[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

function list(node: unknown): Node[] {
  if (node == null) return [];
  return (Array.isArray(node) ? node : [node]).filter((n): n is Node => typeof n === 'object' && n !== null);
}

/** An absolute http(s) URL, or undefined: relative links resolve against xml:base, then the feed's URL. */
function resolveUrl(value: string | undefined, base: string): string | undefined {
  if (!value || value.length > MAX_URL) return undefined;
  try {
    const u = new URL(value.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

const TZ_ABBREVIATIONS: Record<string, string> = {
  UT: '+0000', UTC: '+0000', GMT: '+0000', Z: '+0000', WET: '+0000', BST: '+0100', CET: '+0100', MET: '+0100',
  CEST: '+0200', MEST: '+0200', EET: '+0200', EEST: '+0300', MSK: '+0300', IST: '+0530', JST: '+0900', AEST: '+1000',
  AEDT: '+1100', EST: '-0500', EDT: '-0400', CST: '-0600', CDT: '-0500', MST: '-0700', MDT: '-0600', PST: '-0800', PDT: '-0700',
};

/** The date forms feeds really use: RFC 822 (with zone names), ISO 8601, and "YYYY-MM-DD hh:mm:ss". */
export function parseFeedDate(raw: string): number | undefined {
  let s = raw.trim();
  if (!s || s.length > 100) return undefined;
  const direct = Date.parse(s);
  if (!Number.isNaN(direct) && !/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) return direct;
  // "2026-11-27 07:00:00" without a zone: read as UTC, not as the server's local time.
  if (/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) return Date.parse(`${s.replace(' ', 'T')}Z`);
  s = s.replace(/\b([A-Z]{1,5})$/, (abbr) => TZ_ABBREVIATIONS[abbr] ?? abbr).replace(/^[A-Za-z]{3,9},?\s*/, '');
  const retried = Date.parse(s);
  return Number.isNaN(retried) ? undefined : retried;
}

function imageOf(item: Node, base: string): string | undefined {
  const media = [...list(item['media:content']), ...list(item['media:group']).flatMap((g) => list(g['media:content']))];
  for (const m of media) {
    const type = attr(m, 'type') ?? '';
    if (attr(m, 'medium') === 'image' || type.startsWith('image/') || (!type && /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(attr(m, 'url') ?? ''))) {
      const url = resolveUrl(attr(m, 'url'), base);
      if (url) return url;
    }
  }
  for (const t of [...list(item['media:thumbnail']), ...list(item['media:group']).flatMap((g) => list(g['media:thumbnail']))]) {
    const url = resolveUrl(attr(t, 'url'), base);
    if (url) return url;
  }
  for (const e of list(item['enclosure'])) {
    if ((attr(e, 'type') ?? '').startsWith('image/')) {
      const url = resolveUrl(attr(e, 'url'), base);
      if (url) return url;
    }
  }
  for (const l of list(item['link'])) {
    if (attr(l, 'rel') === 'enclosure' && (attr(l, 'type') ?? '').startsWith('image/')) {
      const url = resolveUrl(attr(l, 'href'), base);
      if (url) return url;
    }
  }
  return undefined;
}

function plainTitle(node: unknown): string {
  const raw = capped(textOf(node), MAX_TITLE);
  // A named entity XML does not define (&nbsp;) is kept as written by the parser: the title is HTML.
  const isHtml = attr(node, 'type') === 'html' || /<[a-z][\s\S]*>/i.test(raw) || /&[a-z][a-z0-9]*;/i.test(raw);
  return truncate(isHtml ? htmlToSummary(raw, 300) : foldControl(raw), 300);
}

function withBase(node: Node, base: string): string {
  return resolveUrl(attr(node, 'xml:base'), base) ?? base;
}

/** The most items kept from one poll of one feed: the newest. Work after parsing is bounded by it. */
export const MAX_ITEMS_PER_POLL = 200;

/**
 * An article read from a feed. `undated`: the feed gave no usable date (or one in the future: a
 * bad clock, a scheduled post), so published_at is the fetch time.
 */
export interface FeedArticle extends ArticleInput {
  undated: boolean;
}

/** What is read from every item while parsing: just enough to identify and rank it. */
interface Draft {
  item: Node;
  base: string;
  guid: string;
  url: string;
  publishedAt: number;
  undated: boolean;
  position: number;
}

interface FeedFormat {
  itemName: string;
  /** Where items sit, root first. */
  itemParents: readonly string[];
  link(item: Node): string | undefined;
  guid(item: Node): string | undefined;
  date(item: Node): string;
  /** The fields only kept items need: text conversion is the costly part of an item. */
  details(item: Node, root: Node): { title: string; summaryHtml: string; author: string; section: string };
}

const rss = (itemParents: string[]): FeedFormat => ({
  itemName: 'item',
  itemParents,
  link(item) {
    const link = textOf(item['link']) || attr(list(item['link'])[0], 'href');
    const guidNode = item['guid'];
    const guid = textOf(guidNode);
    const permalink = attr(guidNode, 'isPermaLink') !== 'false' && guid && /^https?:/.test(guid) ? guid : undefined;
    return link || permalink || attr(item, 'rdf:about');
  },
  guid: (item) => textOf(item['guid']) || attr(item, 'rdf:about'),
  date: (item) => textOf(item['pubDate']) || textOf(item['dc:date']),
  details: (item) => ({
    title: plainTitle(item['title']),
    summaryHtml: textOf(item['description']) || textOf(item['content:encoded']),
    author: textOf(item['dc:creator']) || textOf(item['author']),
    section: textOf(list(item['category'])[0] ?? item['category']) || textOf(item['dc:subject']),
  }),
});

const atom: FeedFormat = {
  itemName: 'entry',
  itemParents: ['feed'],
  link(entry) {
    const links = list(entry['link']);
    const alternate = links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate') ?? links[0];
    return attr(alternate, 'href');
  },
  guid: (entry) => textOf(entry['id']),
  date: (entry) => textOf(entry['published']) || textOf(entry['updated']),
  details(entry, feed) {
    const author = list(entry['author'])[0] ?? list(feed['author'])[0];
    const category = list(entry['category'])[0];
    return {
      title: plainTitle(entry['title']),
      summaryHtml: textOf(entry['summary']) || textOf(entry['content']),
      author: author ? textOf(author['name']) : '',
      section: category ? (attr(category, 'label') ?? attr(category, 'term') ?? '') : '',
    };
  },
};

const FORMATS = new Map<string, FeedFormat>([
  ['rss', rss(['rss', 'channel'])],
  ['rdf:RDF', rss(['rdf:RDF'])],
  ['feed', atom],
]);

/**
 * Keeps the newest `max` drafts seen so far (ties: the feed's own order), one per guid: the first
 * that is kept. Sorting only when twice as many have piled up keeps a 40,000-item feed at a few
 * sorts of a few hundred entries, and nothing of the items left behind stays in memory.
 */
function newest(max: number) {
  let kept: Draft[] = [];
  const guids = new Set<string>();
  const trim = () => {
    kept.sort((a, b) => b.publishedAt - a.publishedAt || a.position - b.position);
    for (const d of kept.slice(max)) guids.delete(d.guid);
    kept = kept.slice(0, max);
  };
  return {
    add(d: Draft) {
      if (guids.has(d.guid)) return;
      guids.add(d.guid);
      kept.push(d);
      if (kept.length >= 2 * max) trim();
    },
    result() {
      trim();
      return kept;
    },
  };
}

function finish(d: Draft, format: FeedFormat, root: Node): FeedArticle | undefined {
  const { title, summaryHtml, author, section } = format.details(d.item, root);
  if (!title) return undefined;
  return {
    guid: d.guid,
    url: d.url,
    title,
    summary: summaryHtml ? htmlToSummary(capped(summaryHtml, MAX_HTML)) || null : null,
    image_url: imageOf(d.item, d.base) ?? null,
    author: truncate(foldControl(capped(author, MAX_FIELD)), 120) || null,
    section: truncate(foldControl(capped(section, MAX_FIELD)), 80) || null,
    published_at: d.publishedAt,
    undated: d.undated,
  };
}

/**
 * RSS 2.0, RSS 1.0 (RDF) or Atom 1.0 → the newest MAX_ITEMS_PER_POLL articles, one per guid; an
 * undated item ranks as seen now. Refuses any DTD (entity expansion,
 * external entities), malformed or truncated XML, and HTML pages. Yields to the event loop as it
 * goes, so a 5 MB feed never holds up the requests the server is answering.
 */
export async function parseFeed(xml: string, feedUrl: string, fetchedAt: number): Promise<FeedArticle[]> {
  // XML's DOCTYPE is upper case: the parser calls HTML5's <!doctype html> a syntax error. Say what it is instead.
  if (/^\s*<!doctype\s+html\b/i.test(xml.slice(0, 1024))) throw new FeedError('an HTML page, not a feed');
  let format: FeedFormat | undefined;
  const kept = newest(MAX_ITEMS_PER_POLL);
  let position = 0;
  const { root } = await readFeedXml(xml, {
    onRoot(name) {
      if (name.toLowerCase() === 'html') throw new FeedError('an HTML page, not a feed');
      format = FORMATS.get(name);
      if (!format) throw new FeedError('not an RSS or Atom feed');
    },
    isItem: (name, ancestors) =>
      name === format!.itemName && ancestors.length === format!.itemParents.length && ancestors.every((a, i) => a.name === format!.itemParents[i]),
    onItem(item, ancestors) {
      const base = withBase(item, ancestors.reduce((b: string, a: OpenElement) => resolveUrl(a.attributes['xml:base'], b) ?? b, feedUrl));
      const url = resolveUrl(format!.link(item), base);
      if (!url || !textOf(item['title'])) return;
      const guid = truncate(foldControl(capped(format!.guid(item) ?? '', MAX_FIELD) || url), 512);
      const date = parseFeedDate(format!.date(item));
      const undated = date === undefined || date > fetchedAt;
      kept.add({ item, base, guid, url, publishedAt: undated ? fetchedAt : date, undated, position: position++ });
    },
  });
  // Turning HTML into text is the costly part of an item: let the server breathe between items.
  const articles: FeedArticle[] = [];
  const breathe = yieldEvery();
  for (const d of kept.result()) {
    await breathe();
    const a = finish(d, format!, root);
    if (a) articles.push(a);
  }
  return articles;
}
