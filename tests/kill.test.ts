import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { connect } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-fs.ts';
import { APP_SECRET, isolatedDatabase, onPostgres } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

const CONCURRENCY = 5;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(readers: number) {
  const database = await isolatedDatabase({ file: true });
  const c = connect(database.url);
  await migrate(c.db, c.dialect, readMigrations(c.dialect));
  await seedReaders(c.db, readers);
  const now = Date.now();
  await upsertArticles(c, [article(1, now), article(2, now), article(3, now)], 'api', now);
  const smtp = await startSmtpSink();
  cleanups.push(async () => {
    await smtp.close();
    await c.close();
    await database.drop();
  });
  return { url: database.url, db: c.db, smtp };
}

/** `npm run digest` as its own process group, so SIGKILL takes npm, tsx and node down together. */
function digest(env: { url: string; smtp: SmtpSink }, databaseUrl = env.url) {
  const proc = spawn('npm', ['run', '--silent', 'digest', '--', '--lease-ms', '1500', '--retry-delays-ms', '50,100'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SMTP_URL: env.smtp.url, APP_SECRET, PUBLIC_URL: 'https://news.example.com', SMTP_CONCURRENCY: String(CONCURRENCY), MAIL_FROM: 'Gazette <digest@news.example.com>' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => proc.on('exit', (code) => resolve({ code, out })));
  return { proc, done, kill: () => process.kill(-proc.pid!, 'SIGKILL') };
}

function tally(smtp: SmtpSink) {
  const byReader = new Map<string, string[]>();
  for (const m of smtp.messages) for (const to of m.to) byReader.set(to, [...(byReader.get(to) ?? []), String(m.parsed.messageId)]);
  const duplicates = [...byReader.values()].filter((ids) => ids.length > 1);
  return { byReader, duplicates };
}

describe('kill and run again', () => {
  it('SIGKILL part way through `npm run digest`, run it again: every reader has the digest, only in-flight messages twice', async () => {
    const env = await setup(300);
    env.smtp.delayMs = 8;
    const first = digest(env);
    await env.smtp.waitFor(100, 30_000);
    first.kill();
    await first.done;
    const atKill = env.smtp.messages.length;
    expect(atKill).toBeLessThan(300);

    const second = await digest(env).done;
    expect(second.code).toBe(0);
    expect(second.out.trim().split('\n').at(-1)).toBe(`edition ${new Date().toISOString().slice(0, 10)}: sent=300 failed=0 pending=0 skipped=0`);

    const { byReader, duplicates } = tally(env.smtp);
    process.stdout.write(`kill test: SIGKILL after ${atKill} messages; ${env.smtp.messages.length} messages for 300 readers, ${duplicates.length} duplicates\n`);
    expect(byReader.size).toBe(300);
    expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const ids of duplicates) expect(new Set(ids).size).toBe(1);

    // A third run finds nothing to do.
    const before = env.smtp.messages.length;
    expect((await digest(env).done).code).toBe(0);
    expect(env.smtp.messages.length).toBe(before);
  }, 90_000);

});

// Several senders on one ledger is the PostgreSQL deployment (FOR UPDATE SKIP LOCKED); SQLite runs one sender.
if (onPostgres()) {
  describe('several senders', () => {
  it('4 senders share one edition; one is SIGKILLed part way; the others finish (and one re-run): nobody lacks it, duplicates only from the killed one', async () => {
      const env = await setup(2000);
      env.smtp.delayMs = 2;
      const senders = Array.from({ length: 4 }, () => digest(env));
      await env.smtp.waitFor(400, 60_000);
      senders[0]!.kill();
      const results = await Promise.all(senders.map((s) => s.done));
      for (const r of results.slice(1)) expect(r.code, r.out.slice(-2000)).toBe(0);
      const rerun = await digest(env).done;
      expect(rerun.code).toBe(0);
      expect(rerun.out.trim().split('\n').at(-1)).toMatch(/sent=2000 failed=0 pending=0 skipped=0$/);
  
      const { byReader, duplicates } = tally(env.smtp);
      expect(byReader.size).toBe(2000);
      expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
      for (const ids of duplicates) expect(new Set(ids).size).toBe(1);
      process.stdout.write(`4-sender kill test: ${env.smtp.messages.length} messages for 2000 readers, ${duplicates.length} duplicates\n`);
    }, 120_000);
  
    it('the database cuts the sender off mid-run (pg_terminate_backend): it fails cleanly with a clear message, the next run resumes', async () => {
      const env = await setup(400);
      env.smtp.delayMs = 8;
      const named = new URL(env.url);
      named.searchParams.set('application_name', 'gazette-cut-test');
      const run = digest(env, named.toString());
      await env.smtp.waitFor(80, 30_000);
      // Cut it off repeatedly for a moment, as a restarting server would, so a query in flight is hit.
      for (let i = 0; i < 40 && run.proc.exitCode === null; i++) {
        await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gazette-cut-test'`.execute(env.db);
        await new Promise((r) => setTimeout(r, 25));
      }
      const cut = await run.done;
      expect(cut.code, cut.out.slice(-3000)).toBe(1);
      expect(cut.out).toContain('gazette: digest could not run: database error during the run (');
      const next = await digest(env).done;
      expect(next.code).toBe(0);
      expect(next.out.trim().split('\n').at(-1)).toMatch(/sent=400 failed=0 pending=0 skipped=0$/);
      const { byReader, duplicates } = tally(env.smtp);
      process.stdout.write(`database cut test: ${env.smtp.messages.length} messages for 400 readers, ${duplicates.length} duplicates\n`);
      expect(byReader.size).toBe(400);
      expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
    }, 90_000);
  });
}
