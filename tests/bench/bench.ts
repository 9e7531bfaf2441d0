import { fork, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import pg from 'pg';
import Stripe from 'stripe';
import { connect } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-fs.ts';
import { TEMPLATES_DIR } from '../../src/mail/mjml.ts';
import { seedAudience } from './seed.ts';

// npm run bench [-- --readers N --repeat 5 --naive 500 --dkim --db postgres --senders 1,2,4 --no-http]
const { values } = parseArgs({
  options: {
    readers: { type: 'string', default: '20000' },
    naive: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '5' },
    db: { type: 'string', default: 'sqlite' },
    senders: { type: 'string', default: '1,2,4' },
    'postgres-url': { type: 'string', default: process.env['GAZETTE_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'no-http': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    dkim: { type: 'boolean', default: false },
  },
});
const readers = Number(values.readers);
const concurrency = Number(values.concurrency);
const WORK = new URL('../../.tmp/bench/', import.meta.url).pathname;
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

interface LaneResult {
  messages: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMB: number;
}
interface SinkStats {
  messages: number;
  bytes: number;
  cpuSeconds: number;
}

const tsx = ['--import', 'tsx'];
// Lanes run as plain JavaScript, as `npm start` and `npm run digest` do (a TypeScript loader in the
// process would count its own memory and CPU against the sender).
const LANE = `${WORK}lane.mjs`;
/** One of the bench's own entry points as a plain JavaScript file, its dependencies left in node_modules. */
const bundle = (entry: string, outfile: string) =>
  build({ entryPoints: [new URL(entry, import.meta.url).pathname], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
await bundle('./lane.ts', LANE);
const sink = fork(new URL('./sink.ts', import.meta.url).pathname, [], { execArgv: tsx });
const sinkPort = await new Promise<number>((resolve) => sink.once('message', (m: { port: number }) => resolve(m.port)));
const sinkStats = () =>
  new Promise<SinkStats>((resolve) => {
    sink.once('message', (m: SinkStats) => resolve(m));
    sink.send({ cmd: 'stats' });
  });
const smtpUrl = `smtp://127.0.0.1:${sinkPort}`;

// The Node flags `npm run digest` runs with (the young generation's size among them), so each lane's
// memory is what a real run's would be.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const NODE_FLAGS = pkg.scripts['digest']!.split(/\s+/).filter((t) => t.startsWith('--'));

function lane(args: Record<string, unknown>): Promise<LaneResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...NODE_FLAGS, LANE, JSON.stringify({ smtpUrl, concurrency, templatesDir: TEMPLATES_DIR, ...args })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`lane ${String(args['lane'])} exited ${code}`))));
  });
}

/** Machine-wide CPU from /proc/stat, in seconds: busy (user+nice+system+irq) and waiting on disk (iowait). */
function machineCpu(): { busy: number; iowait: number } {
  const [, user, nice, system, , iowait, irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const hz = 100;
  return { busy: (user! + nice! + system! + irq! + softirq!) / hz, iowait: iowait! / hz };
}

interface Row {
  lane: string;
  messages: number;
  perSecond: number;
  mbPerSecond: number;
  cpuSeconds: number;
  maxRssMB: number;
  note?: string;
}
const rows: Row[] = [];

async function sendingLane(name: string, args: Record<string, unknown>, note?: string): Promise<Row> {
  const before = await sinkStats();
  const r = await lane(args);
  const after = await sinkStats();
  const bytes = after.bytes - before.bytes;
  const row = { lane: name, messages: r.messages, perSecond: r.messages / r.seconds, mbPerSecond: bytes / 1e6 / r.seconds, cpuSeconds: r.cpuSeconds, maxRssMB: r.maxRssMB, ...(note ? { note } : {}) };
  rows.push(row);
  process.stderr.write(`  ${name}: ${row.perSecond.toFixed(0)} msg/s\n`);
  return row;
}

async function sqliteDatabase(file: string): Promise<string> {
  const url = `sqlite:${WORK}${file}`;
  const c = connect(url);
  await migrate(c.db, c.dialect, readMigrations(c.dialect));
  const t = Date.now();
  await seedAudience(c, readers, Date.now());
  process.stderr.write(`  seeded ${readers} readers in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  await c.close();
  return url;
}

async function postgresDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = values['postgres-url']!;
  const admin = async (q: string) => {
    const client = new pg.Client(base);
    await client.connect();
    await client.query(q);
    await client.end();
  };
  await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await admin(`CREATE SCHEMA ${name}`);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${name}`);
  const c = connect(u.toString());
  await migrate(c.db, c.dialect, readMigrations(c.dialect));
  await seedAudience(c, readers, Date.now());
  await c.close();
  return { url: u.toString(), drop: () => admin(`DROP SCHEMA ${name} CASCADE`) };
}

process.stderr.write(`gazette bench: node ${NODE_FLAGS.join(' ')}, ${readers} readers, 20 articles, SMTP concurrency ${concurrency}, sink in pid ${sink.pid}\n`);
const sqliteUrl = await sqliteDatabase('bench.db');
const naive = await sendingLane('naive', { lane: 'naive', databaseUrl: sqliteUrl, count: Number(values.naive) }, `sample of ${values.naive}`);
// The verdict is gazette against limit: each pair runs back to back (a fresh ledger for each gazette
// run), so both see the same machine, and CPU per message is compared beside wall time.
const pairs: { gazette: Row; limit: Row }[] = [];
for (let i = 1; i <= Number(values.repeat); i++) {
  const run = Number(values.repeat) > 1 ? ` #${i}` : '';
  const g = await sendingLane(`gazette${run}`, { lane: 'gazette', databaseUrl: i === 1 ? sqliteUrl : await sqliteDatabase(`bench-${i}.db`), count: readers }, 'SQLite, end to end');
  const l = await sendingLane(`limit${run}`, { lane: 'limit', databaseUrl: sqliteUrl, count: readers }, 'prebuilt raw, no DB');
  pairs.push({ gazette: g, limit: l });
}
const gazette = pairs[0]!.gazette;
// The same path with every message DKIM-signed, on request (RSA signing costs milliseconds a message).
const dkim = values.dkim
  ? await sendingLane('gazette+dkim', { lane: 'gazette', databaseUrl: await sqliteDatabase('bench-dkim.db'), count: readers, dkimKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'SQLite, DKIM-signed')
  : undefined;
const render = await lane({ lane: 'render', databaseUrl: sqliteUrl, count: Math.min(readers, 50_000) });
const dbOnly = await lane({ lane: 'db', databaseUrl: sqliteUrl, count: Math.min(readers, 50_000) });

const scaling: { senders: number; sent: number; perSecond: number; senderCpu: number; sinkCpu: number; machineBusy: number; iowait: number; seconds: number; walSyncs: number }[] = [];
/** How many times PostgreSQL flushed its WAL to disk so far: one per durable commit, unless grouped. */
async function walSyncs(): Promise<number> {
  const client = new pg.Client(values['postgres-url']);
  await client.connect();
  const r = await client.query<{ wal_sync: string }>('SELECT wal_sync FROM pg_stat_wal');
  await client.end();
  return Number(r.rows[0]?.wal_sync ?? 0);
}
if (values.db === 'postgres') {
  for (const n of values.senders!.split(',').map(Number)) {
    const db = await postgresDatabase(`gazette_bench_${n}`);
    const s0 = await sinkStats();
    const m0 = machineCpu();
    const w0 = await walSyncs();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: n }, () => lane({ lane: 'gazette', databaseUrl: db.url, count: readers })));
    const seconds = (performance.now() - t0) / 1000;
    const s1 = await sinkStats();
    const sent = results.reduce((a, r) => a + r.messages, 0);
    scaling.push({ senders: n, sent, perSecond: sent / seconds, seconds, senderCpu: results.reduce((a, r) => a + r.cpuSeconds, 0), sinkCpu: s1.cpuSeconds - s0.cpuSeconds, machineBusy: machineCpu().busy - m0.busy, iowait: machineCpu().iowait - m0.iowait, walSyncs: (await walSyncs()) - w0 });
    rows.push({ lane: `postgres x${n}`, messages: sent, perSecond: sent / seconds, mbPerSecond: (s1.bytes - s0.bytes) / 1e6 / seconds, cpuSeconds: results.reduce((a, r) => a + r.cpuSeconds, 0), maxRssMB: Math.max(...results.map((r) => r.maxRssMB)) });
    process.stderr.write(`  postgres x${n}: ${(sent / seconds).toFixed(0)} msg/s\n`);
    await db.drop();
  }
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function processCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface HttpRound {
  perSecond: number;
  /** The server's own CPU per request, in µs: what the route costs, whatever the client and the machine do. */
  cpuMicros: number;
}
let http: { webhook: HttpRound[]; bare: HttpRound[] } | undefined;
if (!values['no-http']) {
  // The server runs as plain JavaScript, as npm start does; the load comes from this process.
  const SERVER = `${WORK}http-server.mjs`;
  await bundle('./http-server.ts', SERVER);
  const server = spawn(process.execPath, [...NODE_FLAGS, SERVER, `sqlite:${WORK}http.db`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const secret = 'whsec_bench_secret';
  const padding = 'x'.repeat(4200);
  const payload = JSON.stringify({ id: 'evt_bench_processed', object: 'event', type: 'customer.subscription.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: 'sub_bench', object: 'subscription', customer: 'cus_bench', status: 'active', created: 1, metadata: { padding } } } });
  const signature = new Stripe('sk_test_bench').webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) + 200 });
  const run = async (path: string, duration: number): Promise<HttpRound> => {
    const cpu0 = processCpu(server.pid!);
    const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, method: 'POST', body: payload, headers: { 'stripe-signature': signature, 'content-type': 'application/json' }, connections: 10, duration });
    if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return { perSecond: r.requests.average, cpuMicros: ((processCpu(server.pid!) - cpu0) * 1e6) / r.requests.total };
  };
  // Warm both routes up (JIT, statement cache), then alternate short rounds so both see the same machine.
  await run('/bare', 1);
  await run('/webhooks/stripe', 1);
  http = { bare: [], webhook: [] };
  for (let i = 0; i < 3; i++) {
    http.bare.push(await run('/bare', 3));
    http.webhook.push(await run('/webhooks/stripe', 3));
  }
  server.kill('SIGTERM');
}
sink.send({ cmd: 'stop' });

const fmt = (n: number, d = 0) => n.toFixed(d).padStart(9);
process.stdout.write(`\nGazette bench — ${readers} readers, 20-article edition, SMTP concurrency ${concurrency}, sink in another process\n\n`);
process.stdout.write(`${'lane'.padEnd(14)}${'messages'.padStart(9)}${'msg/s'.padStart(9)}${'MB/s'.padStart(9)}${'CPU s'.padStart(9)}${'RSS MB'.padStart(9)}  note\n`);
for (const r of rows) process.stdout.write(`${r.lane.padEnd(14)}${fmt(r.messages)}${fmt(r.perSecond)}${fmt(r.mbPerSecond, 1)}${fmt(r.cpuSeconds, 1)}${fmt(r.maxRssMB)}  ${r.note ?? ''}\n`);
process.stdout.write(`\nrender only (personalised MIME, no SMTP): ${fmt(render.messages / render.seconds).trim()} msg/s, ${render.cpuSeconds.toFixed(1)} CPU s\n`);
process.stdout.write(`database only (claim + mark sent, no SMTP): ${fmt(dbOnly.messages / dbOnly.seconds).trim()} msg/s\n`);
const cpuPerMessage = (r: Row) => (r.cpuSeconds / r.messages) * 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const wall = pairs.map((p) => p.gazette.perSecond / p.limit.perSecond);
const cpu = pairs.map((p) => cpuPerMessage(p.limit) / cpuPerMessage(p.gazette));
process.stdout.write(`\nCPU per message: gazette ${pairs.map((p) => cpuPerMessage(p.gazette).toFixed(3)).join(', ')} ms; limit ${pairs.map((p) => cpuPerMessage(p.limit).toFixed(3)).join(', ')} ms\n`);
process.stdout.write(`ratio gazette/limit, wall: ${wall.map((r) => r.toFixed(2)).join(' ')}  median ${median(wall).toFixed(2)}\n`);
process.stdout.write(`ratio gazette/limit, CPU per message: ${cpu.map((r) => r.toFixed(2)).join(' ')}  median ${median(cpu).toFixed(2)}\n`);
process.stdout.write(`gazette/naive: ${(gazette.perSecond / naive.perSecond).toFixed(1)}x\n`);
if (dkim) process.stdout.write(`DKIM on/off: ${(dkim.perSecond / gazette.perSecond).toFixed(2)} wall; CPU per message ${cpuPerMessage(dkim).toFixed(3)} vs ${cpuPerMessage(gazette).toFixed(3)} ms\n`);
if (scaling.length) {
  const base = scaling[0]!.perSecond;
  process.stdout.write(`\nPostgreSQL senders (2 cores; CPU shown as cores busy = CPU s / wall s):\n`);
  for (const s of scaling) {
    const perMessage = (cpu: number) => ((cpu / s.sent) * 1000).toFixed(3);
    process.stdout.write(
      `  ${s.senders} sender(s): ${s.perSecond.toFixed(0)} msg/s, scaling ${(s.perSecond / base).toFixed(2)}x; cores busy: senders ${(s.senderCpu / s.seconds).toFixed(2)}, sink ${(s.sinkCpu / s.seconds).toFixed(2)}, whole machine ${(s.machineBusy / s.seconds).toFixed(2)} of 2 (so PostgreSQL ≈ ${((s.machineBusy - s.senderCpu - s.sinkCpu) / s.seconds).toFixed(2)}), disk wait ${(s.iowait / s.seconds).toFixed(2)}; WAL flushes ${(s.walSyncs / s.seconds).toFixed(0)}/s\n` +
        `      CPU per message: senders ${perMessage(s.senderCpu)} ms, PostgreSQL ≈ ${perMessage(s.machineBusy - s.senderCpu - s.sinkCpu)} ms\n`,
    );
  }
  process.stdout.write(`  SQLite single process: ${gazette.perSecond.toFixed(0)} msg/s; one PostgreSQL sender / SQLite: ${(scaling[0]!.perSecond / gazette.perSecond).toFixed(2)}\n`);
}
if (http) {
  const rate = (rs: HttpRound[]) => median(rs.map((r) => r.perSecond));
  const cost = (rs: HttpRound[]) => median(rs.map((r) => r.cpuMicros));
  process.stdout.write(
    `\nHTTP (medians of 3 alternating 3 s rounds): signed 5 KB webhook (already processed) ${rate(http.webhook).toFixed(0)} req/s, ${cost(http.webhook).toFixed(0)} µs server CPU each; bare Hono route ${rate(http.bare).toFixed(0)} req/s, ${cost(http.bare).toFixed(0)} µs each\n` +
      `ratio webhook/bare: wall ${(rate(http.webhook) / rate(http.bare)).toFixed(2)}, CPU per request ${(cost(http.bare) / cost(http.webhook)).toFixed(2)}\n`,
  );
}
