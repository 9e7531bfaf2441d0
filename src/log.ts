export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

// Field names whose values are never written, whatever the caller passes.
const SECRET_KEY = /secret|token|password|pass|authorization|api[_-]?key|signature|cookie/i;
// Values that look like credentials: Stripe keys, signed links, credentials in URLs.
const SECRET_VALUE: [RegExp, string][] = [
  [/\b(sk|rk|whsec|pk)_(test|live)?_?[A-Za-z0-9]{6,}/g, '$1_[redacted]'],
  [/\/(unsubscribe|billing)\/[A-Za-z0-9._-]+/g, '/$1/[redacted]'],
  [/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@'],
];

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return SECRET_VALUE.reduce((s, [re, to]) => s.replace(re, to), value);
  if (value instanceof Error) return redact(value.message, depth);
  if (Array.isArray(value)) return depth > 4 ? '[…]' : value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 4) return '[…]';
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]),
    );
  }
  return value;
}

/** One JSON line per event, secrets scrubbed. */
export function jsonLogger(write: (line: string) => void, base: LogFields = {}): Logger {
  const emit = (level: string) => (msg: string, fields?: LogFields) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: redact(msg), ...(redact({ ...base, ...fields }) as object) }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
