import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { escapeHtml } from './template.ts';

/**
 * A whole MIME message built once, with holes for per-recipient values. Filling it is string
 * concatenation: no MIME encoding, no streams, no per-message allocation beyond the result.
 */
export interface MimeTemplate {
  /** segments[i] precedes holes[i]; the last segment ends the message. Encoded once. */
  segments: Uint8Array[];
  holes: { name: string; html: boolean }[];
}

const HOLE = /\[\[([a-z_]+)\]\]/g;

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Lines over 998 octets are illegal in 8bit MIME: break long HTML lines between tags (else at a space). */
// Short enough that a line still fits after its [[slots]] are filled (an address and two signed links).
export function wrapHtmlLines(html: string, max = 300): string {
  return html
    .split('\n')
    .map((line) => {
      if (line.length <= max) return line;
      const out: string[] = [];
      let rest = line;
      while (rest.length > max) {
        const tag = rest.lastIndexOf('><', max - 1);
        if (tag > 0) {
          out.push(rest.slice(0, tag + 1));
          rest = rest.slice(tag + 1);
          continue;
        }
        const space = rest.lastIndexOf(' ', max);
        if (space <= 0) break;
        out.push(rest.slice(0, space));
        rest = rest.slice(space + 1);
      }
      out.push(rest);
      return out.join('\n');
    })
    .join('\n');
}

function header(name: string, value: string): string {
  return `${foldLines(`${name}: ${value}`, 76)}\r\n`;
}

export interface MimeParts {
  from: string;
  subject: string;
  date: Date;
  boundary: string;
  /** Headers that are the same for every recipient (already header-safe). */
  headers: Record<string, string>;
  /** Per-recipient header lines with [[holes]] (ASCII values: addresses, URLs). */
  recipientHeaders: Record<string, string>;
  html: string;
  text: string;
}

/**
 * The message every recipient gets, with [[to]], [[message_id]] and the body's [[slots]] left open.
 * Bodies are sent as 8bit UTF-8 (SMTP 8BITMIME), so a hole can be filled without re-encoding.
 */
export function compileMime(p: MimeParts): MimeTemplate {
  const head =
    header('From', encodeWords(p.from, 'Q', 52)) +
    'To: [[to]]\r\n' +
    header('Subject', encodeWords(p.subject, 'Q', 52)) +
    header('Date', p.date.toUTCString().replace('GMT', '+0000')) +
    'Message-ID: <[[message_id]]>\r\n' +
    Object.entries(p.recipientHeaders)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    Object.entries(p.headers)
      .map(([k, v]) => header(k, encodeWords(v, 'Q', 52)))
      .join('') +
    header('MIME-Version', '1.0') +
    header('Content-Type', `multipart/alternative; boundary="${p.boundary}"`);
  const part = (type: string, body: string) =>
    `--${p.boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${crlf(body)}\r\n`;
  const htmlBody = part('text/html', wrapHtmlLines(p.html));
  const textBody = part('text/plain', p.text);

  const segments: string[] = [];
  const holes: MimeTemplate['holes'] = [];
  let current = '';
  const take = (source: string, html: boolean) => {
    let last = 0;
    for (const m of source.matchAll(HOLE)) {
      segments.push(current + source.slice(last, m.index));
      current = '';
      holes.push({ name: m[1]!, html });
      last = m.index! + m[0].length;
    }
    current += source.slice(last);
  };
  take(`${head}\r\n`, false);
  take(textBody, false);
  take(htmlBody, true);
  segments.push(`${current}--${p.boundary}--\r\n`);
  const encoder = new TextEncoder();
  return { segments: segments.map((seg) => encoder.encode(seg)), holes };
}

const encoder = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

/**
 * One recipient's bytes: the encoded segments copied once around the encoded values (HTML holes
 * escaped). Written into `reuse` when it is large enough (a buffer whose last copy has been sent).
 */
export function fillMime(t: MimeTemplate, values: Record<string, string>, reuse?: Uint8Array): Uint8Array {
  // Values are mostly ASCII (addresses, signed URLs): those are copied char by char into the result,
  // which costs less than a TextEncoder call and a buffer per value; anything else is encoded.
  const fills = t.holes.map((hole) => {
    const v = values[hole.name];
    if (v === undefined) throw new Error(`MIME hole [[${hole.name}]] has no value`);
    const text = hole.html ? escapeHtml(v) : v;
    return ASCII.test(text) ? text : encoder.encode(text);
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
