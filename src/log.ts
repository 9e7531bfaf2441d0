export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Longer strings are cut before anything looks at them: a hostile feed or body can't make logging slow. */
export const MAX_LOGGED_STRING = 2048;

// Field names whose values are never written, whatever the caller passes.
const SECRET_KEY = /secret|token|password|pass|authorization|api[_-]?key|signature|cookie/i;
// Each pattern either matches and consumes what it scanned or fails at once: linear in the input.
const STRIPE_KEY = /\b(sk|rk|whsec|pk)_(?:test_|live_)?[A-Za-z0-9]{6,}/g;
const SIGNED_PATH = /\/(unsubscribe|billing|account|view|sign-in)\/[A-Za-z0-9._-]+/g;

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
// Where a URL or an address written in running text ends.
const isEnd = (ch: string) => isSpace(ch) || ch === '"' || ch === "'" || ch === '<' || ch === '>' || ch === '`';
const isLocal = (ch: string) => !isEnd(ch) && !'@()[],;:\\'.includes(ch);
const isDomain = (ch: string) => /[A-Za-z0-9.-]/.test(ch);

/** URLs keep scheme, host and path: credentials become [redacted], query strings and fragments go. */
function scrubUrls(s: string): string {
  let out = '';
  let done = 0;
  for (let i = s.indexOf('://'); i !== -1; i = s.indexOf('://', done)) {
    let hostEnd = i + 3;
    while (hostEnd < s.length && !isEnd(s[hostEnd]!) && !'/?#'.includes(s[hostEnd]!)) hostEnd++;
    const authority = s.slice(i + 3, hostEnd);
    const at = authority.lastIndexOf('@');
    let pathEnd = hostEnd;
    while (pathEnd < s.length && !isEnd(s[pathEnd]!) && s[pathEnd] !== '?' && s[pathEnd] !== '#') pathEnd++;
    let end = pathEnd;
    while (end < s.length && !isEnd(s[end]!)) end++;
    out += s.slice(done, i + 3) + (at >= 0 ? `[redacted]@${authority.slice(at + 1)}` : authority) + s.slice(hostEnd, pathEnd) + (end > pathEnd ? '?[redacted]' : '');
    done = end;
  }
  return out + s.slice(done);
}

/** reader@example.com → r•••@example.com: enough to tell readers apart in a log, not to mail them. */
function maskEmails(s: string): string {
  let out = '';
  let done = 0;
  for (let at = s.indexOf('@'); at !== -1; at = s.indexOf('@', at + 1)) {
    let start = at;
    while (start > done && isLocal(s[start - 1]!)) start--;
    let end = at + 1;
    while (end < s.length && isDomain(s[end]!)) end++;
    if (start === at || !s.slice(at + 1, end).includes('.')) continue;
    out += `${s.slice(done, start)}${s[start]}•••@${s.slice(at + 1, end)}`;
    done = end;
    at = end - 1;
  }
  return out + s.slice(done);
}

/** Cut at the limit; a token cut in half (an address, a URL) is dropped, since a half can't be recognised and scrubbed. */
function cap(value: string): string {
  if (value.length <= MAX_LOGGED_STRING) return value;
  let head = value.slice(0, MAX_LOGGED_STRING);
  const lastSpace = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'));
  const tail = head.slice(lastSpace + 1);
  if (/[@/:=]/.test(tail)) head = head.slice(0, lastSpace + 1);
  return `${head}…[${value.length - head.length} more characters]`;
}

function redactString(value: string): string {
  const capped = cap(value);
  return maskEmails(scrubUrls(capped).replace(STRIPE_KEY, '$1_[redacted]').replace(SIGNED_PATH, '/$1/[redacted]'));
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value instanceof Error) return redactString(value.message);
  if (Array.isArray(value)) return depth > 4 ? '[…]' : value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 4) return '[…]';
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 50)
        .map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]),
    );
  }
  return value;
}

/** One JSON line per event: secrets, reader addresses and query strings scrubbed, every string capped. */
export function jsonLogger(write: (line: string) => void, base: LogFields = {}): Logger {
  const emit = (level: string) => (msg: string, fields?: LogFields) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: redact(msg), ...(redact({ ...base, ...fields }) as object) }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
