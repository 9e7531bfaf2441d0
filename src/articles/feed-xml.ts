import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { FeedError } from './feed-error.ts';
import { yieldEvery } from './yield.ts';

/**
 * An element as the feed mapping reads it: attributes as `@_name`, text as `#text`, children by
 * name (an array when repeated or listed in ARRAYS). An element with neither attributes nor
 * children is just its trimmed text.
 */
export type XmlNode = Record<string, unknown>;

export interface OpenElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
}

export interface FeedXmlHandlers {
  /** Called with the root element's name before anything else is read; throw to refuse the document. */
  onRoot(name: string): void;
  /** Whether an element under these ancestors (root first) is an item, handed over whole and not kept. */
  isItem(name: string, ancestors: readonly OpenElement[]): boolean;
  onItem(item: XmlNode, ancestors: readonly OpenElement[]): void;
}

const ARRAYS = new Set(['item', 'entry', 'link', 'media:content', 'media:thumbnail', 'enclosure', 'category', 'media:group']);

/** Characters handed to the parser at a time: about a millisecond of work, so a yield is never far off. */
const CHUNK_CHARS = 16 * 1024;
const MAX_ATTRIBUTES = 64;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY_NAME = /^[A-Za-z_][\w.-]*$/;
const BLANK = /^\s*$/;

/**
 * HTML's named entities (&nbsp;, &eacute;) are undefined in XML, yet real feeds use them. Like the
 * parser before, keep them as written: summaries are HTML and decode them later. Nothing is ever
 * expanded from a DTD (documents with one are refused).
 */
const lenientEntities = new Proxy(Object.create(null) as Record<string, string>, {
  get: (_, name) => (typeof name !== 'string' ? undefined : (XML_ENTITIES[name] ?? (ENTITY_NAME.test(name) ? `&${name};` : undefined))),
});

interface Frame extends OpenElement {
  node: XmlNode;
  text: string;
  hasChildren: boolean;
  item: boolean;
}

function nodeOf(frame: Frame): XmlNode {
  const text = frame.text.trim();
  if (text) frame.node['#text'] = text;
  return frame.node;
}

const valueOf = (frame: Frame): unknown =>
  !frame.hasChildren && Object.keys(frame.attributes).length === 0 ? frame.text.trim() : nodeOf(frame);

function attach(parent: Frame, name: string, value: unknown): void {
  // Plain objects (cheaper to build and collect than null-prototype ones): a child named
  // __proto__ would set the node's prototype instead of a property, and no feed element has that name.
  if (name === '__proto__') return;
  parent.hasChildren = true;
  const existing = Object.hasOwn(parent.node, name) ? parent.node[name] : undefined;
  if (Array.isArray(existing)) existing.push(value);
  else if (existing !== undefined) parent.node[name] = [existing, value];
  else parent.node[name] = ARRAYS.has(name) ? [value] : value;
}

/**
 * Parses a feed document in chunks, yielding to the event loop between them so the server keeps
 * answering while a large feed is read. Items are handed to onItem as they close and are not kept,
 * so what stays in memory is the document's skeleton. Refuses any document type declaration: a DTD
 * is where entity bombs and external entities live, and no feed needs one.
 */
export async function readFeedXml(xml: string, handlers: FeedXmlHandlers): Promise<{ root: XmlNode; rootName: string }> {
  const parser = new SaxesParser({ xmlns: false });
  parser.ENTITIES = lenientEntities;
  const stack: Frame[] = [];
  let root: Frame | undefined;
  let itemDepth = 0; // > 0 while inside an item: its descendants are not items themselves

  parser.on('doctype', (doctype) => {
    if (/^\s*html\b/i.test(doctype)) throw new FeedError('an HTML page, not a feed');
    throw new FeedError('feed has a document type declaration (refused: DTDs declare entities — entity expansion, external entities)');
  });
  // One tag can't be split across chunks: a tag with thousands of attributes would block the server
  // while it is read. No feed element needs more than a few.
  let attributes = 0;
  parser.on('opentagstart', () => {
    attributes = 0;
  });
  parser.on('attribute', () => {
    if (++attributes > MAX_ATTRIBUTES) throw new FeedError(`an element with more than ${MAX_ATTRIBUTES} attributes (refused: not a feed)`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (!root) handlers.onRoot(tag.name);
    const node: XmlNode = {};
    for (const [k, v] of Object.entries(tag.attributes)) node[`@_${k}`] = v;
    const item = itemDepth === 0 && stack.length > 0 && handlers.isItem(tag.name, stack);
    if (item || itemDepth > 0) itemDepth++;
    const frame: Frame = { name: tag.name, attributes: tag.attributes, node, text: '', hasChildren: false, item };
    root ??= frame;
    stack.push(frame);
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    // Indentation between child elements means nothing, and between 40,000 items it adds up.
    if (top && !(top.hasChildren && BLANK.test(text))) top.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    if (itemDepth > 0) itemDepth--;
    const parent = stack[stack.length - 1];
    if (frame.item) {
      parent!.hasChildren = true;
      handlers.onItem(nodeOf(frame), stack);
    } else if (parent) attach(parent, frame.name, valueOf(frame));
  });

  try {
    const breathe = yieldEvery();
    for (let i = 0; i < xml.length; i += CHUNK_CHARS) {
      await breathe();
      parser.write(xml.slice(i, i + CHUNK_CHARS));
    }
    parser.close();
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError(`malformed XML: ${(err as Error).message}`);
  }
  if (!root) throw new FeedError('malformed XML: no root element');
  return { root: nodeOf(root), rootName: root.name };
}
