import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ArticleInput } from './article.ts';
import { foldControl, htmlToSummary, truncate } from './text.ts';

/** A feed we refuse, with a reason fit for the log and the poll report. */
export class FeedError extends Error {
  override name = 'FeedError';
}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['item', 'entry', 'link', 'media:content', 'media:thumbnail', 'enclosure', 'category', 'media:group']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Only XML's five predefined entities and character references; DTD entities are refused before parsing.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

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
  if (!value) return undefined;
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
  if (!s) return undefined;
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
  const raw = textOf(node);
  const isHtml = attr(node, 'type') === 'html' || /<[a-z][\s\S]*>/i.test(raw);
  return truncate(isHtml ? htmlToSummary(raw, 300) : foldControl(raw), 300);
}

function withBase(node: Node, base: string): string {
  return resolveUrl(attr(node, 'xml:base'), base) ?? base;
}

interface Draft {
  guid: string | undefined;
  url: string | undefined;
  title: string;
  summaryHtml: string;
  image: string | undefined;
  author: string;
  section: string;
  date: string;
}

function finish(d: Draft, fetchedAt: number): ArticleInput | undefined {
  if (!d.url || !d.title) return undefined;
  const published = parseFeedDate(d.date);
  return {
    guid: truncate(foldControl(d.guid || d.url), 512),
    url: d.url,
    title: d.title,
    summary: d.summaryHtml ? htmlToSummary(d.summaryHtml) || null : null,
    image_url: d.image ?? null,
    author: truncate(foldControl(d.author), 120) || null,
    section: truncate(foldControl(d.section), 80) || null,
    // A date in the future (bad clock, scheduled post) counts from when we saw it.
    published_at: published === undefined || published > fetchedAt ? fetchedAt : published,
  };
}

function rssItems(items: Node[], base: string, fetchedAt: number): ArticleInput[] {
  return items.flatMap((item) => {
    const itemBase = withBase(item, base);
    const link = textOf(item['link']) || attr(list(item['link'])[0], 'href');
    const guidNode = item['guid'];
    const guid = textOf(guidNode) || attr(item, 'rdf:about');
    const permalink = attr(guidNode, 'isPermaLink') !== 'false' && guid && /^https?:/.test(guid) ? guid : undefined;
    const a = finish(
      {
        guid,
        url: resolveUrl(link || permalink || attr(item, 'rdf:about'), itemBase),
        title: plainTitle(item['title']),
        summaryHtml: textOf(item['description']) || textOf(item['content:encoded']),
        image: imageOf(item, itemBase),
        author: textOf(item['dc:creator']) || textOf(item['author']),
        section: textOf(list(item['category'])[0] ?? item['category']) || textOf(item['dc:subject']),
        date: textOf(item['pubDate']) || textOf(item['dc:date']),
      },
      fetchedAt,
    );
    return a ? [a] : [];
  });
}

function atomEntries(feed: Node, base: string, fetchedAt: number): ArticleInput[] {
  return list(feed['entry']).flatMap((entry) => {
    const entryBase = withBase(entry, base);
    const links = list(entry['link']);
    const alternate = links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate') ?? links[0];
    const author = list(entry['author'])[0] ?? list(feed['author'])[0];
    const category = list(entry['category'])[0];
    const a = finish(
      {
        guid: textOf(entry['id']),
        url: resolveUrl(attr(alternate, 'href'), entryBase),
        title: plainTitle(entry['title']),
        summaryHtml: textOf(entry['summary']) || textOf(entry['content']),
        image: imageOf(entry, entryBase),
        author: author ? textOf(author['name']) : '',
        section: category ? (attr(category, 'label') ?? attr(category, 'term') ?? '') : '',
        date: textOf(entry['published']) || textOf(entry['updated']),
      },
      fetchedAt,
    );
    return a ? [a] : [];
  });
}

/**
 * RSS 2.0, RSS 1.0 (RDF) or Atom 1.0 → articles, de-duplicated by guid. Refuses DTD entity
 * declarations (entity expansion, external entities), truncated XML, and HTML pages.
 */
export function parseFeed(xml: string, feedUrl: string, fetchedAt: number): ArticleInput[] {
  const head = xml.slice(0, 4096);
  // Entities can only be declared in the prolog (the DTD); an article that merely mentions one is fine.
  const prolog = xml.slice(0, Math.max(0, xml.search(/<(?![?!])/)));
  if (/<!ENTITY/i.test(prolog)) throw new FeedError('feed declares DTD entities (refused: entity expansion / external entity risk)');
  if (/<!DOCTYPE\s+html/i.test(head) || /^\s*<html[\s>]/i.test(xml.replace(/^\uFEFF/, ''))) throw new FeedError('an HTML page, not a feed');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new FeedError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new FeedError(`malformed XML: ${(err as Error).message}`);
  }
  let articles: ArticleInput[];
  if (doc['rss'] && typeof doc['rss'] === 'object') {
    const channel = list((doc['rss'] as Node)['channel'])[0] ?? {};
    const base = withBase(doc['rss'] as Node, withBase(channel, feedUrl));
    articles = rssItems(list(channel['item']), base, fetchedAt);
  } else if (doc['rdf:RDF'] && typeof doc['rdf:RDF'] === 'object') {
    const rdf = doc['rdf:RDF'] as Node;
    articles = rssItems(list(rdf['item']), withBase(rdf, feedUrl), fetchedAt);
  } else if (doc['feed'] && typeof doc['feed'] === 'object') {
    const feed = doc['feed'] as Node;
    articles = atomEntries(feed, withBase(feed, feedUrl), fetchedAt);
  } else {
    throw new FeedError('not an RSS or Atom feed');
  }
  const seen = new Set<string>();
  return articles.filter((a) => !seen.has(a.guid) && seen.add(a.guid));
}
