import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { createStripeClient } from '../billing/stripe-client.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import type { Batch } from '../db/batch.ts';
import type { Database } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { enqueueOpenDeliveries, type DeliveryChunk, type Enqueue } from '../editions/queue.ts';
import { isPrivateHost } from '../net/ip-address.ts';
import type { FeedHttp } from '../articles/redirects.ts';
import { jsonLogger, type Logger } from '../log.ts';
import type { Mailer } from '../mail/mailer.ts';
import { sesMailer } from '../mail/ses.ts';
import { builtTemplates } from '../mail/templates.ts';
import type { D1Database, ExecutionContext, Queue } from './cf-types.ts';

/** The Worker's bindings (wrangler.toml) and its variables and secrets (strings, validated by the same schema as Node's). */
export interface Env {
  DB: D1Database;
  DELIVERIES: Queue<DeliveryChunk>;
}

/** D1 has no interactive transactions: writes that land together are one DB.batch(). */
function d1Batch(d1: D1Database): Batch {
  return async (statements) => {
    if (!statements.length) return;
    await d1.batch(statements.map((s) => d1.prepare(s.sql).bind(...(s.parameters as unknown[]))));
  };
}

/**
 * Feeds from a Worker: one hop through the platform's fetch, redirects followed (and checked) by the
 * core. Workers can't resolve names themselves, so only what a host's spelling says is judged here;
 * Cloudflare's network does not route a Worker's fetch to private addresses anyway.
 */
const workerFeedHttp: FeedHttp = {
  hop: (request) => fetch(request, { redirect: 'manual' }),
  isPrivateHost: async (hostname) => isPrivateHost(hostname),
};

/** Without SES configured, a Worker cannot send: deliveries stay pending (and say why) until it is. */
const noMailPort: Mailer = {
  send: async () => ({ ok: false, permanent: false, error: 'no mail port: set SES_REGION, SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY' }),
};

export type WorkerRuntime = { ok: true; deps: Deps } | { ok: false; problems: string[] };

const requests = new AsyncLocalStorage<ExecutionContext>();

/** Runs a handler with its ExecutionContext at hand, so deps.defer can hand work to waitUntil. */
export function withContext<T>(ctx: ExecutionContext, run: () => T): T {
  return requests.run(ctx, run);
}

const runtimes = new WeakMap<object, WorkerRuntime>();

/** Queues take at most 100 messages per sendBatch; the core hands over at most that many. */
export const enqueueTo =
  (env: Env): Enqueue =>
  async (chunks) => {
    await env.DELIVERIES.sendBatch(chunks.map((body) => ({ body, contentType: 'json' })));
  };

/**
 * The Worker's Deps, built once per isolate from its bindings: D1 through Kysely, SES, Stripe's
 * fetch client, the templates compiled at build time. A bad setting is not an exit (a Worker can't
 * exit 78): it is kept, logged, and answered as 503 naming the variable.
 */
export function workerRuntime(env: Env, log: Logger = jsonLogger((line) => console.log(line))): WorkerRuntime {
  const cached = runtimes.get(env);
  if (cached) return cached;
  let runtime: WorkerRuntime;
  try {
    const vars = Object.fromEntries(Object.entries(env as object).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const config = loadConfig(vars);
    if (!config.appSecret) throw new ConfigError(['APP_SECRET: required on Workers (wrangler secret put APP_SECRET, or .dev.vars locally)']);
    const db = new Kysely<Database>({ dialect: new D1Dialect({ database: env.DB as never }) });
    if (!config.ses) log.warn('SES_REGION is not set: a Worker sends mail through Amazon SES only; digests stay pending until it is set');
    const deps: Deps = {
        db,
        dialect: 'd1',
        batch: d1Batch(env.DB),
        mailer: config.ses ? sesMailer({ ...config.ses, ratePerSec: config.mailRatePerSec }) : noMailPort,
        stripe: config.stripe ? createStripeClient(config.stripe) : undefined,
        clock: systemClock,
        log,
        config: { ...config, appSecret: config.appSecret },
        templates: builtTemplates(),
        feedHttp: workerFeedHttp,
        remoteAddress: (request) => request.headers.get('cf-connecting-ip') ?? undefined,
        // A Worker request can't run a send: the edition's open deliveries go on the queue.
        dispatchEdition: async (date) => void (await enqueueOpenDeliveries(deps, date, enqueueTo(env))),
        snsHttp: (url) => fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) }),
    defer(task) {
          const running = task().catch((err: Error) => log.error('background task failed', { error: err.message }));
          requests.getStore()?.waitUntil(running);
        },
    };
    runtime = { ok: true, deps };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error(err.message, { problems: err.problems });
    runtime = { ok: false, problems: err.problems };
  }
  runtimes.set(env, runtime);
  return runtime;
}
