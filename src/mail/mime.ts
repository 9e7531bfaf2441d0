import { encodeMailbox, encodeText, headerLine } from './headers.ts';
import { encodeQuotedPrintable } from './qp.ts';
import type { Slotted } from './slots.ts';
import { escapeHtml } from './template.ts';

const textEncoder = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

/**
 * A whole MIME message built once, with holes for per-recipient values. Filling it copies the
 * encoded segments around each recipient's encoded values: no re-encoding of the bodies, no streams.
 */
export interface MimeTemplate {
  /** segments[i] precedes holes[i]; the last segment ends the message. Encoded once. */
  segments: Uint8Array[];
  holes: Hole[];
  boundary: string;
}

/** raw: a header value copied as is (addresses, URLs); text and html: a body value, quoted-printable (html escaped first). */
interface Hole {
  name: string;
  kind: 'raw' | 'text' | 'html';
}

export interface MimeParts {
  from: string;
  subject: string;
  date: Date;
  /** Headers that are the same for every recipient, already encoded (7-bit, one line: see headers.ts). */
  headers: Record<string, string>;
  /** Per-recipient header lines; their slots take ASCII values (addresses, URLs) as they are. */
  recipientHeaders: Record<string, Slotted>;
  html: Slotted;
  text: Slotted;
}

type Piece = string | Hole;

/**
 * A body as quoted-printable pieces. Each literal run ends at column 0 where a value follows (after a
 * soft line break), and each value is encoded the same way at fill time, so the decoded body is the
 * template with the values in place, byte for byte, whatever either holds.
 */
function encodeBody(body: Slotted, kind: 'text' | 'html'): Piece[] {
  return body.map((piece, i) => (typeof piece === 'string' ? encodeQuotedPrintable(piece, i < body.length - 1) : { name: piece.slot, kind }));
}

/**
 * A boundary no content can contain: "=_" never occurs in quoted-printable or in a Q-encoded word,
 * and the rest is random for each run, so nobody can write it into a feed in advance.
 */
export function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return `=_gazette_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The message every recipient gets, with the recipient's address, Message-ID and the bodies' slots
 * left open. The subject and every other header are written, never searched for slots. Both parts are
 * quoted-printable, and the boundary is checked absent from everything it encloses (drawn again if not).
 */
export function compileMime(p: MimeParts, drawBoundary: () => string = randomBoundary): MimeTemplate {
  const head: Piece[] = [
    headerLine('From', encodeMailbox(p.from)),
    'To: ',
    { name: 'to', kind: 'raw' },
    '\r\n',
    headerLine('Subject', encodeText(p.subject)),
    headerLine('Date', p.date.toUTCString().replace('GMT', '+0000')),
    'Message-ID: <',
    { name: 'message_id', kind: 'raw' },
    '>\r\n',
  ];
  for (const [name, value] of Object.entries(p.recipientHeaders)) {
    head.push(`${name}: `, ...value.map((v): Piece => (typeof v === 'string' ? v : { name: v.slot, kind: 'raw' })), '\r\n');
  }
  for (const [name, value] of Object.entries(p.headers)) {
    // Encoding is the caller's (List-Id encodes only its phrase): a raw value here is a bug, not data.
    if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`header ${name} is not encoded: ${JSON.stringify(value.slice(0, 40))}`);
    head.push(headerLine(name, value));
  }
  head.push(headerLine('MIME-Version', '1.0'));
  const text = encodeBody(p.text, 'text');
  const html = encodeBody(p.html, 'html');

  const enclosed = [...head, ...text, ...html].filter((x): x is string => typeof x === 'string');
  let boundary = drawBoundary();
  while (enclosed.some((s) => s.includes(boundary))) boundary = drawBoundary();
  const part = (type: string) => `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
  return assemble(
    [
      ...head,
      headerLine('Content-Type', `multipart/alternative; boundary="${boundary}"`),
      '\r\n',
      part('text/plain'),
      ...text,
      // The CRLF before a delimiter belongs to the delimiter (RFC 2046), not to the body.
      '\r\n',
      part('text/html'),
      ...html,
      `\r\n--${boundary}--\r\n`,
    ],
    boundary,
  );
}

function assemble(pieces: Piece[], boundary: string): MimeTemplate {
  const segments: Uint8Array[] = [];
  const holes: Hole[] = [];
  let current = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      current += piece;
    } else {
      segments.push(textEncoder.encode(current));
      holes.push(piece);
      current = '';
    }
  }
  segments.push(textEncoder.encode(current));
  return { segments, holes, boundary };
}

/**
 * One recipient's bytes: the encoded segments copied once around the encoded values. Written into
 * `reuse` when it is large enough (a buffer whose last copy has been sent).
 */
export function fillMime(t: MimeTemplate, values: Record<string, string>, reuse?: Uint8Array): Uint8Array {
  // Body values become quoted-printable, which is ASCII; header values are addresses and URLs, ASCII
  // nearly always. Those are copied char by char into the result, which costs less than a TextEncoder
  // call and a buffer per value; anything else is encoded.
  const fills = t.holes.map((hole) => {
    const v = values[hole.name];
    if (v === undefined) throw new Error(`MIME hole [[${hole.name}]] has no value`);
    if (hole.kind !== 'raw') return encodeQuotedPrintable(hole.kind === 'html' ? escapeHtml(v) : v, true);
    return ASCII.test(v) ? v : textEncoder.encode(v);
  });
  let size = 0;
  for (const s of t.segments) size += s.byteLength;
  for (const f of fills) size += f.length;
  const out = reuse && reuse.byteLength >= size ? reuse.subarray(0, size) : new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < t.segments.length; i++) {
    out.set(t.segments[i]!, at);
    at += t.segments[i]!.byteLength;
    const f = fills[i];
    if (typeof f === 'string') {
      for (let k = 0; k < f.length; k++) out[at + k] = f.charCodeAt(k);
      at += f.length;
    } else if (f) {
      out.set(f, at);
      at += f.byteLength;
    }
  }
  return out;
}
