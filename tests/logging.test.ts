import { describe, expect, it } from 'vitest';
import { jsonLogger, MAX_LOGGED_STRING } from '../src/log.ts';

function capture() {
  const lines: string[] = [];
  return { log: jsonLogger((l) => lines.push(l)), lines, text: () => lines.join('\n') };
}

describe('logs', () => {
  it('never carry secrets: keys, tokens, signed links, credentials in URLs', () => {
    const { log, text } = capture();
    log.info('calling https://news.example.com/billing/eyJwIjoiYmlsbGluZyJ9.c2lnbmF0dXJl', {
      stripe_key: 'sk_test_abcdefghijklmnop',
      note: 'key sk_live_abcdefghijkl and whsec_abcdefghij in text',
      smtp: 'smtp://user:hunter2@mail.example.com:587',
      nested: { authorization: 'Bearer admin-token', unsubscribe: '/unsubscribe/abc.def', page: '/account/eyJhY2NvdW50.c2ln', copy: 'https://news.example.com/view/eyJ2aWV3.c2lnbg', staff: '/admin/sign-in/eyJzdGFmZg.c2ln' },
    });
    const out = text();
    for (const secret of ['eyJwIjoiYmlsbGluZyJ9', 'abcdefghijklmnop', 'sk_live_abcdefghijkl', 'whsec_abcdefghij', 'hunter2', 'admin-token', 'abc.def', 'eyJhY2NvdW50', 'eyJ2aWV3', 'eyJzdGFmZg']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('mail.example.com');
  });

  it('carry no full reader address: masked, the domain kept', () => {
    const { log, text } = capture();
    log.warn('welcome failed for reader.name+tag@example.com', { to: 'Someone@Example.org', list: ['a@b.example', 'x@y.example.net'] });
    const out = text();
    for (const full of ['reader.name+tag@example.com', 'Someone@Example.org', 'a@b.example', 'x@y.example.net']) expect(out).not.toContain(full);
    expect(out).toContain('r•••@example.com');
    expect(out).toContain('S•••@Example.org');
  });

  it('never keep half an address where a long string is cut', () => {
    const { log, text } = capture();
    log.info(`${'a'.repeat(MAX_LOGGED_STRING - 15)} victim@example.com and more`);
    expect(text()).not.toContain('victim@');
    expect(text()).toContain('more characters]');
  });

  it('carry no URL query strings or fragments, and no credentials (feed URLs included)', () => {
    const { log, text } = capture();
    log.warn('feed refused', { feed: 'https://feeduser:feedpass@feeds.example.com/private.xml?token=abc123&key=xyz#frag', error: 'HTTP 500 from http://cdn.example.com/a?sig=zzz' });
    const out = text();
    for (const secret of ['feeduser', 'feedpass', 'abc123', 'xyz', 'frag', 'sig=zzz']) expect(out).not.toContain(secret);
    expect(out).toContain('https://[redacted]@feeds.example.com/private.xml?[redacted]');
    expect(out).toContain('http://cdn.example.com/a?[redacted]');
  });

  it('cap every string before any pattern runs: a 1 MB string is logged in under 50 ms, whatever its shape', () => {
    // Shapes that made the old pattern for credentials in URLs quadratic: long runs with no end in sight.
    const shapes = ['a'.repeat(1 << 20), 'x://'.repeat(1 << 18), 'a@'.repeat(1 << 19), 'https://u:p@'.repeat(87_382), `${'w'.repeat(1 << 20)}:`];
    for (const s of shapes) {
      const { log, lines } = capture();
      const started = performance.now();
      log.info(s, { tag: s, nested: { deep: [s] } });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(50);
      expect(lines[0]!.length).toBeLessThan(4 * (MAX_LOGGED_STRING + 100));
      expect(lines[0]).toContain('more characters]');
    }
  });
});
