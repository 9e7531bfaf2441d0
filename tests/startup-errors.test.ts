import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

// Operator mistakes end in one clear line on stderr, never a stack trace (these never reach a database).
function npmStart(env: Record<string, string>) {
  const proc = spawn('npm', ['start', '--silent'], { env: { ...process.env, APP_SECRET: 'startup-errors-secret-0123456789abcdef', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, exited, stdout: () => stdout, stderr: () => stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
let blocker: Server | undefined;
afterEach(() => blocker?.close());

describe('start-up mistakes', () => {
  it('a cron with out-of-range fields: exit 78 and a line naming the variable', async () => {
    const run = npmStart({ DATABASE_URL: 'sqlite::memory:', DIGEST_CRON: '0 25 * * *' });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toMatch(/^gazette: invalid configuration:\n\s+DIGEST_CRON: must be a cron expression/m);
    expect(run.stderr().length).toBeLessThan(400);
    noStack(run.stderr());
  });

  it('a bad value that holds a secret is named without the secret', async () => {
    const run = npmStart({ DATABASE_URL: 'sqlite::memory:', FEED_URLS: 'ftp://user:hunter2@feeds.example/rss?key=SECRETKEY' });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toMatch(/FEED_URLS: ".*" is not an http\(s\) URL/);
    for (const secret of ['hunter2', 'SECRETKEY']) expect(run.stderr() + run.stdout()).not.toContain(secret);
  });

  it('PostgreSQL unreachable: exit 1, one line that names DATABASE_URL without its password', async () => {
    const run = npmStart({ DATABASE_URL: 'postgres://gazette:hunter2@127.0.0.1:1/gazette' });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gazette: cannot use the database named by DATABASE_URL \(postgres:\/\/127\.0\.0\.1:1\/gazette\): .*ECONNREFUSED/);
    expect(run.stderr() + run.stdout()).not.toContain('hunter2');
  });

  it('port already in use: exit 1, one line', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    const run = npmStart({ DATABASE_URL: 'sqlite::memory:', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://localhost:${port}` });
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toEqual([`gazette: port ${port} is already in use on 127.0.0.1 (set PORT to a free port, or stop the other process)`]);
  });
});

describe('npm run digest -- --date', () => {
  it('refuses a date after tomorrow: exit 2 and a clear line', async () => {
    const proc = spawn('npm', ['run', '--silent', 'digest', '--', '--date', '2099-01-01'], { env: { ...process.env, DATABASE_URL: 'sqlite::memory:', APP_SECRET: 'startup-errors-secret-0123456789abcdef' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/gazette: digest could not run: date 2099-01-01 is after tomorrow \(\d{4}-\d\d-\d\d in UTC\)/);
  });
});
