import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { isolatedDatabase, onPostgres } from './support/harness.ts';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Whether any process of the group `pgid` still runs (kill with signal 0 only checks). */
function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

let child: ChildProcess | undefined;
afterEach(() => {
  // npm start runs under a shell: kill the whole process group.
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  child = undefined;
});

function npmStart(env: Record<string, string>) {
  const proc = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

// npm start builds first (templates, bundle): on a busy machine that alone can take many seconds.
async function waitForHttp(url: string, run: ReturnType<typeof npmStart>, timeoutMs = 60_000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > until || run.proc.exitCode !== null) throw new Error(`npm start did not answer on ${url}; its output:\n${run.output()}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('npm start (the path a newcomer takes)', { timeout: 90_000 }, () => {
  it('creates the database, migrates, serves the subscribe page and /healthz, and says what is not configured', async () => {
    const database = await isolatedDatabase({ file: true });
    onTestFinished(() => database.drop());
    const port = await freePort();
    const run = npmStart({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, APP_SECRET: 'start-test-secret-0123456789abcdefghij' });
    child = run.proc;

    const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, run);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    const page = await home.text();
    expect(page).toContain('<form method="post" action="/checkout">');
    expect(page).toContain('Subscriptions are not open yet');
    if (!onPostgres()) expect(existsSync(database.url.slice('sqlite:'.length))).toBe(true);

    const log = run.output();
    expect(log).toContain('Stripe: not configured');
    expect(log).toContain('SMTP: not configured');
    expect(log).toContain('migrations applied');
    expect(log).not.toContain('start-test-secret');

    // A process manager signals the PID it started (npm's): the server itself shuts down gracefully,
    // the port is free again and nothing is left running in the background.
    process.kill(run.proc.pid!, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SIGTERM: shutting down');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // Exited processes may take a moment to be reaped; nothing may still be running after that.
    for (let i = 0; i < 40 && processGroupAlive(run.proc.pid!); i++) await new Promise((r) => setTimeout(r, 50));
    expect(processGroupAlive(run.proc.pid!)).toBe(false);
  });

  it('warns when PUBLIC_URL points at localhost on another port than PORT', async () => {
    const database = await isolatedDatabase({ file: true });
    onTestFinished(() => database.drop());
    const port = await freePort();
    const run = npmStart({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, APP_SECRET: 'start-test-secret-0123456789abcdefghij' });
    child = run.proc;
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, run);
    expect(run.output()).toMatch(new RegExp(`"level":"warn","msg":"PUBLIC_URL \\(http://localhost:8787\\) is on port 8787 but PORT is ${port}`));
  });

  it('a bad value stops start-up with a message naming the variable', async () => {
    const run = npmStart({ PORT: 'abc', DATABASE_URL: 'mysql://root@localhost/db' });
    child = run.proc;
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain('PORT:');
    expect(run.output()).toContain('DATABASE_URL:');
  });
});
