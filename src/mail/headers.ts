/**
 * Header values for the MIME we build ourselves (RFC 5322 folding, RFC 2047 encoded-words), with no
 * Buffer or stream: the same code runs on Node and on Workers. Values reaching here are already one
 * line (headerSafe); this only makes them 7-bit and keeps lines short.
 */

const encoder = new TextEncoder();
/** 42 bytes make a 68-character encoded-word (75 allowed), so the first fits after "Subject: ". */
const WORD_BYTES = 42;
/** RFC 5322's recommended line length, CRLF excluded. */
const FOLD_AT = 78;

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Text that can go into a header as it is: printable ASCII, and nothing a reader would decode as an
 * encoded-word ("=?UTF-8?B?…?="), which would let a title put other text, or bidi overrides, in a
 * subject. Anything else is encoded whole.
 */
const isPlain = (value: string) => /^[\x20-\x7e]*$/.test(value) && !value.includes('=?');

/**
 * Base64 encoded-words for text that is not plain ASCII, cut between characters (never inside one)
 * so that each word decodes on its own, and joined by folding whitespace, which decoders drop.
 */
function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: number[] = [];
  for (const ch of text) {
    const bytes = encoder.encode(ch);
    if (chunk.length + bytes.length > WORD_BYTES) {
      words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length) words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
  return words;
}

/** Free text (Subject, a List-Id phrase): as is when it is plain ASCII, else encoded-words. */
export function encodeText(value: string): string {
  return isPlain(value) ? value : encodedWords(value).join(' ');
}

/** The display name of a mailbox: a quoted string when ASCII, encoded-words otherwise. */
export function encodePhrase(name: string): string {
  if (!isPlain(name)) return encodedWords(name).join(' ');
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** "Name <address>" or a bare address, as a From header value. */
export function encodeMailbox(mailbox: string): string {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^<>]+)>\s*$/.exec(mailbox);
  if (!m) return mailbox.trim();
  const name = (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim();
  return name ? `${encodePhrase(name)} <${m[3]!.trim()}>` : `<${m[3]!.trim()}>`;
}

/**
 * One header line, folded at spaces so lines stay within 78 characters (a value without spaces, such
 * as a long URL, stays whole: the hard limit is 998).
 */
export function headerLine(name: string, value: string): string {
  let line = `${name}:`;
  let width = line.length;
  for (const word of value.split(' ')) {
    // The whitespace before each word (the one after the colon included) may become a fold.
    if (width + 1 + word.length > FOLD_AT) {
      line += '\r\n ';
      width = 1;
    } else {
      line += ' ';
      width += 1;
    }
    line += word;
    width += word.length;
  }
  return `${line}\r\n`;
}

/** The bare address inside a mailbox ("Name <a@b>" → "a@b"): the envelope sender. */
export function addressOf(mailbox: string): string {
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1]?.trim() ?? mailbox.trim();
}
