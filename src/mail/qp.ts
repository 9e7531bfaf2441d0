/**
 * Quoted-printable (RFC 2045 §6.7) for text parts: whatever the content, the encoded lines are
 * short ASCII that no transport rewraps, and decoding gives back the exact text (line breaks as CRLF).
 *
 * Written here rather than taken from nodemailer or libqp because those need Buffer, and this module
 * runs on Workers too. It is called once per run for an edition's bodies and once per reader for a
 * few short values, so it works on UTF-8 code units directly, with no regular expressions.
 */

/** RFC 2045 allows 76 characters before the CRLF; a soft break's "=" counts, so content stops at 75. */
const MAX_CONTENT = 75;
const HEX = '0123456789ABCDEF';
const encoder = new TextEncoder();

/**
 * Encodes `text` as a run of QP lines that starts at column 0. With `joinable`, the run ends at
 * column 0 too (after a soft line break when needed), so the next encoded run can follow it and the
 * two decode as one text with nothing between them: that is how per-reader values are spliced in.
 */
export function encodeQuotedPrintable(text: string, joinable: boolean): string {
  if (joinable && isLiteral(text)) return softWrap(text);
  const bytes = isAscii(text) ? undefined : encoder.encode(text);
  const length = bytes ? bytes.length : text.length;
  const at = bytes ? (i: number) => bytes[i]! : (i: number) => text.charCodeAt(i);
  let out = '';
  let column = 0;
  for (let i = 0; i < length; i++) {
    const c = at(i);
    if (c === 0x0a || (c === 0x0d && i + 1 < length && at(i + 1) === 0x0a)) {
      // A line break of the text is a line break of the encoding (text/* canonical form is CRLF).
      if (c === 0x0d) i++;
      out += '\r\n';
      column = 0;
      continue;
    }
    let token: string;
    if ((c >= 0x21 && c <= 0x7e && c !== 0x3d) || ((c === 0x20 || c === 0x09) && !endsLine(at, i + 1, length, joinable))) {
      token = String.fromCharCode(c);
    } else {
      // "=", controls, bytes of non-ASCII characters, and a space or tab a decoder would strip as
      // trailing whitespace (before a line break, or at the very end).
      token = `=${HEX[c >> 4]}${HEX[c & 15]}`;
    }
    if (column + token.length > MAX_CONTENT) {
      out += '=\r\n';
      column = 0;
    }
    out += token;
    column += token.length;
  }
  return joinable && column > 0 ? `${out}=\r\n` : out;
}

/** True when the byte at `i` starts a line break, or is past the end of a run nothing follows. */
function endsLine(at: (i: number) => number, i: number, length: number, joinable: boolean): boolean {
  if (i >= length) return !joinable;
  const c = at(i);
  return c === 0x0a || (c === 0x0d && i + 1 < length && at(i + 1) === 0x0a);
}

/**
 * The common case per reader (an address, a signed URL): printable ASCII without "=" encodes as
 * itself, cut into lines. A space is literal too, as a joinable run never ends a line with it.
 */
function isLiteral(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) return false;
  }
  return true;
}

function softWrap(text: string): string {
  if (text.length <= MAX_CONTENT) return text.length ? `${text}=\r\n` : '';
  let out = '';
  for (let i = 0; i < text.length; i += MAX_CONTENT) out += `${text.slice(i, i + MAX_CONTENT)}=\r\n`;
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
