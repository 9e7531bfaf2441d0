import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Stripe from 'stripe';
import { createApp } from '../../src/app.ts';
import { createStripeClient } from '../../src/billing/stripe-client.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-fs.ts';
import type { Deps } from '../../src/deps.ts';
import { jsonLogger } from '../../src/log.ts';
import type { Mailer } from '../../src/mail/mailer.ts';
import { memoryMailer } from '../../src/mail/memory.ts';
import { runDigestExclusive } from '../../src/editions/run.ts';
import { builtTemplates } from '../../src/mail/templates.ts';
import { nodeFeedHttp } from '../../src/runtime/feed-http.ts';
import type { FakeStripe } from './fake-stripe.ts';

export const WEBHOOK_SECRET = 'whsec_test_secret_for_gazette_tests';
export const APP_SECRET = 'test-app-secret-0123456789abcdefghijklmnop';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
import { PRICE_ID } from './stripe-objects.ts';

export { PRICE_ID, stripeEvent, subscriptionObject } from './stripe-objects.ts';

export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function testClock(start = Date.parse('2026-11-27T06:00:00Z')): TestClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}


/** The database this test project runs on: in-memory SQLite, or the PostgreSQL project's server. */
export function testDatabaseUrl(): string {
  return process.env['GAZETTE_TEST_DATABASE_URL'] ?? 'sqlite::memory:';
}

export const onPostgres = () => testDatabaseUrl().startsWith('postgres');

/**
 * A database of its own for one test: on SQLite a fresh file (or memory), on PostgreSQL a fresh
 * schema selected through the connection's search_path, dropped afterwards.
 */
export async function isolatedDatabase(opts: { file?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const base = testDatabaseUrl();
  if (!base.startsWith('postgres')) {
    if (!opts.file) return { url: base, drop: async () => {} };
    const dir = await mkdtemp(join(tmpdir(), 'gazette-db-'));
    return { url: `sqlite:${join(dir, 'gazette.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client(base);
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}

export interface Harness {
  deps: Deps;
  app: ReturnType<typeof createApp>;
  clock: TestClock;
  logs: string[];
  /** Waits for work deferred past the response (welcome emails). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function makeHarness(
  opts: { stripe?: FakeStripe; mailer?: Mailer; env?: Record<string, string>; clock?: TestClock; snsHttp?: Deps['snsHttp'] } = {},
): Promise<Harness> {
  const database = await isolatedDatabase();
  const config = loadConfig({
    APP_SECRET,
    ADMIN_TOKEN,
    PUBLIC_URL: 'https://news.example.com',
    MAIL_FROM: 'The Morning Gazette <digest@news.example.com>',
    PUBLISHER_ADDRESS: 'The Morning Gazette, 1 Harbour Street, 75001 Paris',
    DATABASE_URL: database.url,
    ...(opts.stripe
      ? { STRIPE_SECRET_KEY: 'sk_test_gazette', STRIPE_PRICE_ID: PRICE_ID, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: opts.stripe.url }
      : {}),
    ...opts.env,
  });
  const connection = connect(config.databaseUrl);
  await migrate(connection.db, connection.dialect, readMigrations(connection.dialect));
  const logs: string[] = [];
  const clock = opts.clock ?? testClock();
  const pending = new Set<Promise<unknown>>();
  const feedHttp = nodeFeedHttp();
  const deps: Deps = {
    db: connection.db,
    dialect: connection.dialect,
    batch: connection.batch,
    mailer: opts.mailer ?? memoryMailer(),
    // No SDK retries: a test of "Stripe is down" should not wait out backoff.
    stripe: config.stripe ? createStripeClient(config.stripe, { maxNetworkRetries: 0, timeoutMs: 3000 }) : undefined,
    clock,
    log: jsonLogger((l) => logs.push(l)),
    config: { ...config, appSecret: config.appSecret! },
    templates: builtTemplates(),
    // app.request() has no socket: tests that need a client address send X-Forwarded-For with TRUST_PROXY=1.
    remoteAddress: () => undefined,
    feedHttp,
    // No test reaches Amazon: SNS tests hand in their own certificate server.
    snsHttp: opts.snsHttp ?? (async (url) => new Response(`no SNS here: ${url}`, { status: 404 })),
    async dispatchEdition(date) {
      deps.defer(() => runDigestExclusive(deps, { date, retryDelaysMs: [] }));
    },
    defer(task) {
      const p: Promise<unknown> = task().catch((e: Error) => logs.push(`deferred failed: ${e.message}`)).finally(() => pending.delete(p));
      pending.add(p);
    },
  };
  const drain = async () => {
    while (pending.size) await Promise.allSettled([...pending]);
  };
  return {
    deps,
    app: createApp(deps),
    clock,
    logs,
    drain,
    async close() {
      await drain();
      await deps.mailer.close?.();
      await feedHttp.close();
      await connection.close();
      await database.drop();
    },
  };
}

const signer = new Stripe('sk_test_signer_only');


/** POSTs a body to /webhooks/stripe, signed with stripe.webhooks.generateTestHeaderString. */
export function postWebhook(
  h: Pick<Harness, 'app' | 'clock'>,
  body: unknown,
  opts: { secret?: string; timestamp?: number; signature?: string | null } = {},
): Promise<Response> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = opts.timestamp ?? Math.floor(h.clock.now() / 1000);
  const signature =
    opts.signature === null ? undefined : opts.signature ?? signer.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, timestamp });
  return Promise.resolve(h.app.request('/webhooks/stripe', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body: payload,
  }));
}

/** The fixtures a test shop needs: a product, its monthly price, and a helper for subscriptions. */
export function seedCatalog(fake: FakeStripe, opts: { amount?: number; currency?: string; name?: string } = {}) {
  fake.products.set('prod_digest', { id: 'prod_digest', object: 'product', name: opts.name ?? 'Digital access + daily digest' });
  fake.prices.set(PRICE_ID, {
    id: PRICE_ID,
    object: 'price',
    product: 'prod_digest',
    unit_amount: opts.amount ?? 499,
    currency: opts.currency ?? 'eur',
    recurring: { interval: 'month', interval_count: 1 },
    active: true,
  });
}

