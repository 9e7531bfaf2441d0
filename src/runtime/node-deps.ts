import { createPrivateKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createStripeClient } from '../billing/stripe-client.ts';
import { connect, type Connection } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-fs.ts';
import type { Deps } from '../deps.ts';
import { jsonLogger, redact, type Logger } from '../log.ts';
import { builtTemplates } from '../mail/templates.ts';
import { outboxMailer } from '../mail/outbox.ts';
import { runDigestExclusive, summaryLine } from '../editions/run.ts';
import { sesMailer } from '../mail/ses.ts';
import { smtpMailer } from '../mail/smtp.ts';
import { nodeFeedHttp } from './feed-http.ts';
import { developmentSecret } from './secret.ts';

export const DATA_DIR = 'data';

export interface NodeRuntime {
  deps: Deps;
  connection: Connection;
  /** Resolves when every deferred task has settled (graceful shutdown, tests). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Reads and validates the environment; a bad value ends the process with a message naming it. */
export function configFromEnv(env: NodeJS.ProcessEnv, log: Logger) {
  try {
    const config = loadConfig(env);
    // The schema checks the key's shape; whether it is a key at all only the runtime's crypto can say.
    if (config.dkim) {
      try {
        createPrivateKey(config.dkim.privateKey);
      } catch (err) {
        throw new ConfigError([`DKIM_PRIVATE_KEY: not a private key this runtime can read (${(err as Error).message})`]);
      }
    }
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(err.message, { problems: err.problems });
      // A bad value may hold a secret (a feed URL with a key): the same scrubbing as the log.
      process.stderr.write(`gazette: ${String(redact(err.message))}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Wires the real parts for Node: database from DATABASE_URL (migrated), SMTP or outbox, Stripe, templates. */
export async function createNodeRuntime(env: NodeJS.ProcessEnv, log = jsonLogger((l) => process.stdout.write(`${l}\n`))): Promise<NodeRuntime> {
  const config = configFromEnv(env, log);
  let appSecret = config.appSecret;
  if (!appSecret) {
    appSecret = developmentSecret(join(DATA_DIR, 'app-secret')).secret;
    log.warn(`APP_SECRET is not set: using a development secret kept in ${DATA_DIR}/app-secret. Set APP_SECRET (32+ characters) in production.`);
  }
  const connection = connect(config.databaseUrl, { poolSize: config.databasePoolSize });
  let applied: string[];
  try {
    applied = await migrate(connection.db, connection.dialect, readMigrations(connection.dialect));
  } catch (err) {
    await connection.close().catch(() => {});
    throw new StartupError(`cannot use the database named by DATABASE_URL (${describeDatabaseUrl(config.databaseUrl)}): ${errorText(err)}`);
  }
  if (applied.length) log.info('migrations applied', { applied });

  const mailer = config.ses
    ? sesMailer({ ...config.ses, ratePerSec: config.mailRatePerSec })
    : config.smtpUrl
      ? smtpMailer({ url: config.smtpUrl, concurrency: config.smtpConcurrency, ratePerSec: config.mailRatePerSec, dkim: config.dkim })
      : outboxMailer(join(DATA_DIR, 'outbox'));
  const stripe = config.stripe ? createStripeClient(config.stripe) : undefined;
  const templates = builtTemplates();
  const feedHttp = nodeFeedHttp();

  const pending = new Set<Promise<unknown>>();
  const deps: Deps = {
    db: connection.db,
    dialect: connection.dialect,
    batch: connection.batch,
    mailer,
    stripe,
    clock: systemClock,
    log,
    config: { ...config, appSecret },
    templates,
    remoteAddress: (_request, env) => (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress,
    feedHttp,
    async dispatchEdition(date) {
      deps.defer(async () => {
        const summary = await runDigestExclusive(deps, { date });
        log.info(summaryLine(summary));
      });
    },
    snsHttp: (url) => fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) }),
    defer(task) {
      const p: Promise<unknown> = task()
        .catch((err: Error) => log.error('background task failed', { error: err.message }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
  };
  const drain = async () => {
    while (pending.size) await Promise.allSettled([...pending]);
  };
  return {
    deps,
    connection,
    drain,
    async close() {
      await drain();
      await mailer.close?.();
      await feedHttp.close();
      await connection.close();
    },
  };
}

/** Start-up could not complete; the message is one line an operator can act on. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** A driver error in a few words: AggregateErrors (several addresses tried) have an empty message. */
function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
  const cause = (err as { cause?: unknown }).cause;
  const own = e.message || e.errors?.[0]?.message || e.code || String(err);
  return cause && own.startsWith('migration ') ? `${own.split(':')[0]}: ${errorText(cause)}` : own;
}

/** The database URL without credentials or options, fit for a log line. */
export function describeDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:/.test(url)) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres://…';
  }
}

/** The one line `npm start` prints when it cannot start (configuration errors exit 78 earlier). */
export function startupFailure(err: unknown): string {
  if (err instanceof StartupError) return err.message;
  return `start-up failed: ${errorText(err)}`;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What works and what doesn't, said plainly at start. */
export function describeSetup(deps: Deps): { lines: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const c = deps.config;
  const lines = [`database: ${c.databaseUrl.startsWith('postgres') ? 'PostgreSQL' : c.databaseUrl}`];
  lines.push(
    c.stripe
      ? `Stripe: configured (price ${c.stripe.priceId}${c.stripe.apiBase ? `, API at ${c.stripe.apiBase}` : ''})${c.stripe.webhookSecret ? '' : '; STRIPE_WEBHOOK_SECRET not set: webhooks answer 503'}`
      : 'Stripe: not configured (STRIPE_SECRET_KEY, STRIPE_PRICE_ID): the subscribe page shows the offer, checkout answers 503',
  );
  lines.push(
    c.ses
      ? `mail: Amazon SES (${c.ses.region}${c.ses.endpoint ? `, API at ${c.ses.endpoint}` : ''})`
      : c.smtpUrl
        ? `SMTP: configured${c.dkim ? `, DKIM signing as ${c.dkim.selector}._domainkey.${c.dkim.domain}` : ', no DKIM (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY)'}`
        : `SMTP: not configured (SMTP_URL or SES_REGION): mail is written as .eml files to ${DATA_DIR}/outbox/`,
  );
  if (!c.publication.address) warnings.push('PUBLISHER_ADDRESS: not set: digests go out without a postal address in the footer');
  lines.push(c.adminToken ? 'admin API: enabled' : 'admin API: disabled (set ADMIN_TOKEN)');
  lines.push(
    c.adminToken || c.staffEmails.length
      ? `staff console: ${c.publicUrl}/admin (sign in with ${[c.adminToken && 'ADMIN_TOKEN', c.staffEmails.length && `a mailed link for ${c.staffEmails.length} STAFF_EMAILS address${c.staffEmails.length > 1 ? 'es' : ''}`].filter(Boolean).join(' or ')})`
      : 'staff console: disabled (set ADMIN_TOKEN or STAFF_EMAILS)',
  );
  const publicUrl = new URL(c.publicUrl);
  const publicPort = Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80));
  if (LOCAL_HOSTS.has(publicUrl.hostname) && publicPort !== c.port) {
    warnings.push(`PUBLIC_URL (${c.publicUrl}) is on port ${publicPort} but PORT is ${c.port}: links in mail and redirects will not reach this server. Set PUBLIC_URL=http://localhost:${c.port}`);
  }
  return { lines, warnings };
}
