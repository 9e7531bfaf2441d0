import { Cron } from 'croner';
import { z } from 'zod';

/** Thrown when the environment cannot be turned into a Config; the message names each bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const port = z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535));
const positiveInt = z.coerce.number().int().positive();

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const databaseUrl = z
  .string()
  .refine((v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
    error: 'must be sqlite:PATH, sqlite::memory: or postgres://…',
  });

const smtpUrl = z.url({ protocol: /^smtps?$/, error: 'must be smtp://user:pass@host:port or smtps://…' });

// Only scheme://host:port: the Stripe SDK takes host, port and protocol apart, so a path would be lost silently.
const hostOnlyUrl = z
  .url({ protocol: /^https?$/, error: 'must be scheme://host:port' })
  .refine((v) => {
    const u = new URL(v);
    return (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash;
  }, { error: 'must be scheme://host:port with no path' });

// croner itself decides: the schedule that runs is the one that was checked (ranges included).
function isValidCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true });
    return true;
  } catch {
    return false;
  }
}
const cron = z.string().refine(isValidCron, { error: 'must be a cron expression like "0 7 * * *" (minute hour day month weekday, each in range)' });

const ADDRESS = /^[^\s@<>()",;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** "Name <address>" or a bare address, on one line: what a From header and an envelope need. */
function isMailbox(value: string): boolean {
  if (/[\u0000-\u001f\u007f]/.test(value)) return false;
  const angle = /^\s*(?:"[^"]*"|[^"<>]*)\s*<([^<>]+)>\s*$/.exec(value);
  return ADDRESS.test((angle ? angle[1]! : value).trim());
}
const mailbox = z.string().refine(isMailbox, { error: 'must be an address like "Gazette <digest@example.com>" or digest@example.com' });

const optionalHttpUrl = z.preprocess(emptyAsUndefined, httpUrl.optional());
const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #a4321e' });
/** Languages with a message catalogue (templates/locales/LANG/*.json); a region may follow (de-AT). */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
const locale = z.string().refine(
  (v) => {
    try {
      return (LANGUAGES as readonly string[]).includes(new Intl.Locale(v).language);
    } catch {
      return false;
    }
  },
  { error: `must be a locale with a message catalogue: ${LANGUAGES.join(', ')} (a region may follow, like de-AT)` },
);

const flag = z.preprocess(
  emptyAsUndefined,
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: 'must be 1 or 0 (true or false)' })
    .optional()
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
);

function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const schema = z.object({
  PORT: port.default(8787),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, httpUrl.default('http://localhost:8787')),
  DATABASE_URL: z.preprocess(emptyAsUndefined, databaseUrl.default('sqlite:data/gazette.db')),
  DATABASE_POOL_SIZE: z.preprocess(emptyAsUndefined, positiveInt.max(200).default(10)),
  SMTP_URL: z.preprocess(emptyAsUndefined, smtpUrl.optional()),
  PUBLISHER_ADDRESS: optionalString,
  MAIL_FROM: z.preprocess(emptyAsUndefined, mailbox.default('Gazette <digest@localhost>')),
  APP_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, { error: 'must be at least 32 characters' }).optional()),
  ADMIN_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, { error: 'must be at least 16 characters' }).optional()),
  STAFF_EMAILS: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_PRICE_ID: optionalString,
  STRIPE_API_BASE: z.preprocess(emptyAsUndefined, hostOnlyUrl.optional()),
  FEED_URLS: z.preprocess(emptyAsUndefined, z.string().optional()),
  FEED_POLL_CRON: z.preprocess(emptyAsUndefined, cron.default('*/15 * * * *')),
  DIGEST_CRON: z.preprocess(emptyAsUndefined, cron.default('0 7 * * *')),
  DIGEST_TIMEZONE: z.preprocess(
    emptyAsUndefined,
    z.string().refine(isValidTimezone, { error: 'must be an IANA time zone like Europe/Paris' }).default('UTC'),
  ),
  DIGEST_MAX_ARTICLES: z.preprocess(emptyAsUndefined, positiveInt.max(200).default(20)),
  SMTP_CONCURRENCY: z.preprocess(emptyAsUndefined, positiveInt.max(100).default(5)),
  MAIL_RATE_PER_SEC: z.preprocess(emptyAsUndefined, z.coerce.number().positive().optional()),
  // The name before SES joined SMTP: still read, MAIL_RATE_PER_SEC wins.
  SMTP_RATE_PER_SEC: z.preprocess(emptyAsUndefined, z.coerce.number().positive().optional()),
  SES_REGION: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be an AWS region like eu-west-1' }).optional()),
  SES_ACCESS_KEY_ID: optionalString,
  SES_SECRET_ACCESS_KEY: optionalString,
  SES_ENDPOINT: z.preprocess(emptyAsUndefined, hostOnlyUrl.optional()),
  SES_CONFIGURATION_SET: optionalString,
  // SNS signs for any topic: only these topics' bounce and complaint events are believed.
  SES_SNS_TOPIC_ARN: z.preprocess(emptyAsUndefined, z.string().optional()),
  TRUST_PROXY: flag,
  DKIM_DOMAIN: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, { error: 'must be a domain like news.example.com' }).optional()),
  DKIM_SELECTOR: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'must be a DNS label like gazette2026' }).optional()),
  // A PEM key in one environment variable: real newlines, or \n written out (as systemd and .env files allow).
  DKIM_PRIVATE_KEY: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v.replace(/\\n/g, '\n').trim() : undefined),
    z.string().regex(/^-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC )?PRIVATE KEY-----$/, { error: 'must be a PEM private key (-----BEGIN PRIVATE KEY----- …)' }).optional(),
  ),
  PUBLICATION_NAME: optionalString,
  PUBLICATION_TAGLINE: optionalString,
  PUBLICATION_LOGO_URL: optionalHttpUrl,
  PUBLICATION_ACCENT: z.preprocess(emptyAsUndefined, hexColour.default('#a4321e')),
  PUBLICATION_SITE_URL: optionalHttpUrl,
  PUBLICATION_TERMS_URL: optionalHttpUrl,
  PUBLICATION_PRIVACY_URL: optionalHttpUrl,
  PUBLICATION_CONTACT_EMAIL: z.preprocess(emptyAsUndefined, z.email({ error: 'must be an email address' }).optional()),
  PUBLICATION_LOCALE: z.preprocess(emptyAsUndefined, locale.default('en')),
  STRIPE_TRIAL_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(730).optional()),
  STRIPE_ALLOW_PROMOTION_CODES: flag,
  STRIPE_AUTOMATIC_TAX: flag,
  DIGEST_SUBJECT: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .max(200)
      .refine((v) => /\{\{\s*lead\s*\}\}/.test(v), { error: 'must contain {{lead}} (the lead headline), like "{{lead}} · {{date}}"' })
      .optional(),
  ),
  NODE_ENV: optionalString,
});

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string | undefined;
  priceId: string;
  apiBase: string | undefined;
  /** Days of free trial before the first payment; shown on the offer page. */
  trialDays: number | undefined;
  allowPromotionCodes: boolean;
  automaticTax: boolean;
}

/** Who publishes: what readers see on every page and in every mail. */
export interface Publication {
  name: string;
  tagline: string | undefined;
  logoUrl: string | undefined;
  /** #rrggbb; text on it is black or white, whichever contrasts more. */
  accent: string;
  siteUrl: string | undefined;
  termsUrl: string | undefined;
  privacyUrl: string | undefined;
  contactEmail: string | undefined;
  /** A BCP 47 tag (en, de-AT): prices and dates are formatted in it. */
  locale: string;
  /** Its language: which message catalogue every reader-facing string comes from. */
  language: Language;
  /** The publisher's postal address, printed in every digest's footer (bulk-mail rules ask for one). */
  address: string | undefined;
}

export interface SesConfig {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpoint: string | undefined;
  configurationSet: string | undefined;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  /** PostgreSQL connections per process (SQLite has one). */
  databasePoolSize: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  publication: Publication;
  /** The digest's subject, with {{lead}}, {{date}}, {{publication}} and {{count}}; undefined: the lead headline. */
  digestSubject: string | undefined;
  /** Undefined only until the runtime shell supplies a development secret. */
  appSecret: string | undefined;
  adminToken: string | undefined;
  /** Addresses that may ask for a mailed sign-in link to the staff console, lower-cased. */
  staffEmails: string[];
  /** Undefined when Stripe is not configured: checkout then answers 503. */
  stripe: StripeConfig | undefined;
  feedUrls: string[];
  feedPollCron: string;
  digestCron: string;
  digestTimezone: string;
  digestMaxArticles: number;
  /** DKIM signing of every message on the SMTP path (SES signs with its own Easy DKIM). */
  dkim: { domain: string; selector: string; privateKey: string } | undefined;
  /** Amazon SES v2 (raw MIME over HTTPS), the mail port when set; exclusive with smtpUrl. */
  ses: SesConfig | undefined;
  /** SNS topics whose SES bounce and complaint notifications POST /webhooks/ses accepts; empty: the endpoint is off. */
  sesNotificationTopics: string[];
  /** Messages in flight at once (SMTP connections, or SES requests). */
  smtpConcurrency: number;
  /** Messages per second at most, on either port. */
  mailRatePerSec: number | undefined;
  /** A proxy in front of us sets X-Forwarded-For: its last hop is the client's address. */
  trustProxy: boolean;
  production: boolean;
}

/** The display name of a mailbox ("Gazette <digest@…>" → "Gazette"). */
export function displayName(mailbox: string): string {
  const m = /^\s*"?([^"<]+?)"?\s*</.exec(mailbox);
  return m?.[1]?.trim() || 'Gazette';
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

/** Validates the environment once; the runtime shell is the only caller that reads the real environment. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';
  if (production && !e.APP_SECRET) problems.push('APP_SECRET: required when NODE_ENV=production');

  const stripeParts = [e.STRIPE_SECRET_KEY, e.STRIPE_PRICE_ID];
  if (stripeParts.some(Boolean) && !stripeParts.every(Boolean)) {
    problems.push('STRIPE_SECRET_KEY, STRIPE_PRICE_ID: set both, or neither');
  }
  const feedUrls = (e.FEED_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (e.SES_REGION && e.SMTP_URL) problems.push('SES_REGION, SMTP_URL: set one mail port, not both');
  const dkimParts = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY];
  if (dkimParts.some(Boolean) && !dkimParts.every(Boolean)) problems.push('DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY: set all three, or none');
  const sesParts = [e.SES_REGION, e.SES_ACCESS_KEY_ID, e.SES_SECRET_ACCESS_KEY];
  if (sesParts.some(Boolean) && !sesParts.every(Boolean)) problems.push('SES_REGION, SES_ACCESS_KEY_ID, SES_SECRET_ACCESS_KEY: set all three, or none');
  for (const arn of (e.SES_SNS_TOPIC_ARN ?? '').split(',').map((t) => t.trim()).filter(Boolean)) {
    if (!/^arn:aws(-[a-z]+)?:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(arn)) problems.push(`SES_SNS_TOPIC_ARN: "${arn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
  }
  const staffEmails = (e.STAFF_EMAILS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const address of staffEmails) {
    if (!ADDRESS.test(address)) problems.push(`STAFF_EMAILS: "${address}" is not an email address`);
  }
  for (const f of feedUrls) {
    if (!httpUrl.safeParse(f).success) problems.push(`FEED_URLS: "${f}" is not an http(s) URL`);
  }
  if (problems.length) throw new ConfigError(problems);

  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publication: {
      name: e.PUBLICATION_NAME ?? displayName(e.MAIL_FROM),
      tagline: e.PUBLICATION_TAGLINE,
      logoUrl: e.PUBLICATION_LOGO_URL,
      accent: e.PUBLICATION_ACCENT.toLowerCase(),
      siteUrl: e.PUBLICATION_SITE_URL,
      termsUrl: e.PUBLICATION_TERMS_URL,
      privacyUrl: e.PUBLICATION_PRIVACY_URL,
      contactEmail: e.PUBLICATION_CONTACT_EMAIL,
      locale: e.PUBLICATION_LOCALE,
      language: new Intl.Locale(e.PUBLICATION_LOCALE).language as Language,
      address: e.PUBLISHER_ADDRESS,
    },
    digestSubject: e.DIGEST_SUBJECT,
    appSecret: e.APP_SECRET,
    adminToken: e.ADMIN_TOKEN,
    staffEmails: [...new Set(staffEmails)],
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_PRICE_ID
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            priceId: e.STRIPE_PRICE_ID,
            apiBase: e.STRIPE_API_BASE,
            trialDays: e.STRIPE_TRIAL_DAYS,
            allowPromotionCodes: e.STRIPE_ALLOW_PROMOTION_CODES,
            automaticTax: e.STRIPE_AUTOMATIC_TAX,
          }
        : undefined,
    feedUrls,
    feedPollCron: e.FEED_POLL_CRON,
    digestCron: e.DIGEST_CRON,
    digestTimezone: e.DIGEST_TIMEZONE,
    digestMaxArticles: e.DIGEST_MAX_ARTICLES,
    dkim: e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY ? { domain: e.DKIM_DOMAIN, selector: e.DKIM_SELECTOR, privateKey: e.DKIM_PRIVATE_KEY } : undefined,
    ses:
      e.SES_REGION && e.SES_ACCESS_KEY_ID && e.SES_SECRET_ACCESS_KEY
        ? { region: e.SES_REGION, accessKeyId: e.SES_ACCESS_KEY_ID, secretAccessKey: e.SES_SECRET_ACCESS_KEY, endpoint: e.SES_ENDPOINT, configurationSet: e.SES_CONFIGURATION_SET }
        : undefined,
    sesNotificationTopics: (e.SES_SNS_TOPIC_ARN ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    smtpConcurrency: e.SMTP_CONCURRENCY,
    mailRatePerSec: e.MAIL_RATE_PER_SEC ?? e.SMTP_RATE_PER_SEC,
    trustProxy: e.TRUST_PROXY,
    production,
  });
}
