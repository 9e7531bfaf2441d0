import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8787,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:8787',
      databaseUrl: 'sqlite:data/gazette.db',
      mailFrom: 'Gazette <digest@localhost>',
      stripe: undefined,
      smtpUrl: undefined,
      feedPollCron: '*/15 * * * *',
      digestCron: '0 7 * * *',
      digestTimezone: 'UTC',
      digestMaxArticles: 20,
      smtpConcurrency: 5,
      mailRatePerSec: undefined,
      ses: undefined,
    });
  });

  it('is frozen', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_PRICE_ID: 'price_1' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.stripe)).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['PUBLIC_URL', 'not a url'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['STRIPE_API_BASE', 'http://127.0.0.1:12111/v1'],
    ['DIGEST_TIMEZONE', 'Mars/Olympus'],
    ['DIGEST_CRON', 'every morning'],
    ['DIGEST_MAX_ARTICLES', '-3'],
    ['SMTP_CONCURRENCY', '0'],
    ['DATABASE_POOL_SIZE', 'many'],
    ['FEED_URLS', 'https://ok.example.com/feed, ftp://nope'],
    // Fields out of range: croner itself decides, so what runs is what was checked.
    ['DIGEST_CRON', '0 25 * * *'],
    ['DIGEST_CRON', '61 7 * * *'],
    ['FEED_POLL_CRON', '*/15 * 32 * *'],
    ['FEED_POLL_CRON', '0 7 * 13 *'],
    // Not an address: the welcome mail once went out without a From header.
    ['MAIL_FROM', 'Gazette'],
    ['MAIL_FROM', 'Gazette <not an address>'],
    ['MAIL_FROM', 'digest@'],
    ['MAIL_FROM', 'Gazette <digest@example.com>\r\nBcc: x@evil.example'],
    ['TRUST_PROXY', 'maybe'],
    ['SES_REGION', 'Europe'],
    ['SES_ENDPOINT', 'http://127.0.0.1:4566/v2'],
    ['MAIL_RATE_PER_SEC', '0'],
  ])('a bad %s (%j) names the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}:`));
  });

  it.each(['Gazette <digest@localhost>', '"The Morning Gazette" <digest@news.example.com>', 'digest@news.example.com', 'Le Café <café-digest@news.example.com>'])('accepts MAIL_FROM %j', (value) => {
    expect(loadConfig({ MAIL_FROM: value }).mailFrom).toBe(value);
  });

  it('SES: all three settings or none, and never together with SMTP_URL', () => {
    expect(problemsOf({ SES_REGION: 'eu-west-1' })).toEqual(['SES_REGION, SES_ACCESS_KEY_ID, SES_SECRET_ACCESS_KEY: set all three, or none']);
    expect(problemsOf({ SES_REGION: 'eu-west-1', SES_ACCESS_KEY_ID: 'AKID', SES_SECRET_ACCESS_KEY: 's', SMTP_URL: 'smtp://127.0.0.1:25' })).toEqual(['SES_REGION, SMTP_URL: set one mail port, not both']);
    expect(loadConfig({ SES_REGION: 'eu-west-1', SES_ACCESS_KEY_ID: 'AKID', SES_SECRET_ACCESS_KEY: 's', SES_ENDPOINT: 'http://127.0.0.1:4566' }).ses).toEqual({
      region: 'eu-west-1', accessKeyId: 'AKID', secretAccessKey: 's', endpoint: 'http://127.0.0.1:4566', configurationSet: undefined,
    });
  });

  it('MAIL_RATE_PER_SEC, or the older SMTP_RATE_PER_SEC, caps either port', () => {
    expect(loadConfig({ SMTP_RATE_PER_SEC: '14' }).mailRatePerSec).toBe(14);
    expect(loadConfig({ SMTP_RATE_PER_SEC: '14', MAIL_RATE_PER_SEC: '20' }).mailRatePerSec).toBe(20);
  });

  it('production needs APP_SECRET', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['APP_SECRET: required when NODE_ENV=production']);
    expect(problemsOf({ NODE_ENV: 'production', APP_SECRET: 'x'.repeat(32) })).toEqual([]);
  });

  it('half a Stripe configuration is refused', () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: 'sk_test_1' })[0]).toMatch(/^STRIPE_SECRET_KEY, STRIPE_PRICE_ID:/);
  });

  it('accepts the supported database URLs', () => {
    for (const url of ['sqlite:data/x.db', 'sqlite::memory:', 'postgres://u@127.0.0.1:5432/db', 'postgresql://u@h/db']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });
});
