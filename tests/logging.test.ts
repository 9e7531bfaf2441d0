import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../src/log.ts';

describe('logs', () => {
  it('never carry secrets: keys, tokens, signed links, credentials in URLs', () => {
    const lines: string[] = [];
    const log = jsonLogger((l) => lines.push(l));
    log.info('calling https://news.example.com/billing/eyJwIjoiYmlsbGluZyJ9.c2lnbmF0dXJl', {
      stripe_key: 'sk_test_abcdefghijklmnop',
      note: 'key sk_live_abcdefghijkl and whsec_abcdefghij in text',
      smtp: 'smtp://user:hunter2@mail.example.com:587',
      nested: { authorization: 'Bearer admin-token', unsubscribe: '/unsubscribe/abc.def' },
    });
    const out = lines.join('\n');
    for (const secret of ['eyJwIjoiYmlsbGluZyJ9', 'abcdefghijklmnop', 'sk_live_abcdefghijkl', 'whsec_abcdefghij', 'hunter2', 'admin-token', 'abc.def']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('mail.example.com');
  });
});
