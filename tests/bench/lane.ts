import { readFileSync } from 'node:fs';
import { listArticles } from '../../src/articles/store.ts';
import { connect } from '../../src/db/connect.ts';
import { freezeEdition } from '../../src/editions/edition.ts';
import { claimDeliveries, enumerateAudience, sentMarker } from '../../src/editions/ledger.ts';
import { digestMime, rawDigest } from '../../src/editions/message.ts';
import { editionView } from '../../src/editions/render.ts';
import { runDigest } from '../../src/editions/run.ts';
import { readerLinks } from '../../src/links.ts';
import { smtpMailer } from '../../src/mail/smtp.ts';
import { escapeHtml } from '../../src/mail/template.ts';
import { silentLogger } from '../../src/log.ts';
import { createNodeRuntime } from '../../src/runtime/node-deps.ts';

// One bench lane in a process of its own, so its CPU time and peak RSS are its own. Prints one JSON line.
interface LaneArgs {
  lane: 'gazette' | 'limit' | 'naive' | 'render' | 'db';
  /** A PEM key: the gazette lane signs every message with DKIM. */
  dkimKey?: string;
  databaseUrl: string;
  smtpUrl: string;
  concurrency: number;
  count: number;
  /** templates/, for the naive lane's MJML. */
  templatesDir: string;
}
const args = JSON.parse(process.argv[2]!) as LaneArgs;
const env = {
  DATABASE_URL: args.databaseUrl,
  SMTP_URL: args.smtpUrl,
  SMTP_CONCURRENCY: String(args.concurrency),
  APP_SECRET: 'bench-app-secret-0123456789abcdefghijklmnop',
  PUBLIC_URL: 'https://news.example.com',
  MAIL_FROM: 'The Morning Gazette <digest@news.example.com>',
  PUBLISHER_ADDRESS: 'The Morning Gazette, 1 Harbour Street, 75001 Paris',
  DATABASE_POOL_SIZE: String(args.concurrency + 2),
  ...(args.dkimKey ? { DKIM_DOMAIN: 'news.example.com', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY: args.dkimKey } : {}),
};

const runtime = await createNodeRuntime(env, silentLogger);
const { deps } = runtime;
let messages = 0;
let cpu0 = process.cpuUsage();
let t0 = performance.now();

async function pool(n: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: args.concurrency }, async () => {
    while (next < n) await work(next++);
  }));
}

async function sampleEdition() {
  const edition = (await freezeEdition(deps, '2099-12-31'))!;
  return edition;
}

switch (args.lane) {
  case 'gazette': {
    const summary = await runDigest(deps, {});
    messages = summary.run?.sent ?? 0;
    break;
  }
  case 'limit': {
    // The same bytes a reader gets, prebuilt once, sent N times through the same transport settings.
    const edition = (await deps.db.selectFrom('editions').selectAll().orderBy('date', 'desc').executeTakeFirst()) ?? (await sampleEdition());
    const raw = rawDigest(deps.config, digestMime(deps.config, edition, Date.now()), edition.date, { id: 'bench-00000001', email: 'reader1@bench.example.com' }, Date.now());
    const mailer = smtpMailer({ url: args.smtpUrl, concurrency: args.concurrency });
    await pool(args.count, async () => {
      const r = await mailer.send(raw);
      if (r.ok) messages++;
    });
    await mailer.close?.();
    break;
  }
  case 'naive': {
    // What a hurried implementation does: the full MJML template per reader, then nodemailer builds each message.
    // Loaded here only, so the other lanes' peak RSS is their own.
    const [{ default: Mustache }, { default: mjml2html }, { default: nodemailer }] = await Promise.all([import('mustache'), import('mjml'), import('nodemailer')]);
    const source = readFileSync(`${args.templatesDir}/digest.mjml`, 'utf8');
    const text = readFileSync(`${args.templatesDir}/digest.txt`, 'utf8');
    const articles = await listArticles(deps.db, { limit: 20 });
    const view = editionView(deps.config, '2026-11-27', articles);
    const transport = nodemailer.createTransport({ url: args.smtpUrl, pool: true, maxConnections: args.concurrency, maxMessages: 1000 } as never);
    await pool(args.count, async (i) => {
      const reader = { id: `bench-${String(i).padStart(8, '0')}`, email: `reader${i}@bench.example.com` };
      const links = readerLinks(deps.config, reader.id, Date.now());
      const personal = (src: string, esc: (v: string) => string) =>
        Mustache.render(src, view, {}, { escape: esc }).replace(/\[\[([a-z_]+)\]\]/g, (_, k: string) => esc(({ email: reader.email, ...links } as Record<string, string>)[k] ?? ''));
      const html = (await mjml2html(personal(source, escapeHtml), { validationLevel: 'skip', minify: true })).html;
      await transport.sendMail({
        from: env.MAIL_FROM,
        to: reader.email,
        subject: 'The Morning Gazette',
        html,
        text: personal(text, (v) => v),
        headers: { 'List-Unsubscribe': `<${links.unsubscribe_url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      messages++;
    });
    transport.close();
    break;
  }
  case 'render': {
    const edition = (await deps.db.selectFrom('editions').selectAll().orderBy('date', 'desc').executeTakeFirst()) ?? (await sampleEdition());
    const mime = digestMime(deps.config, edition, Date.now());
    for (let i = 0; i < args.count; i++) {
      const m = rawDigest(deps.config, mime, edition.date, { id: `bench-${String(i).padStart(8, '0')}`, email: `reader${i}@bench.example.com` }, Date.now());
      if (m.raw.length) messages++;
    }
    break;
  }
  case 'db': {
    // Claim + mark sent, no SMTP, on an edition of its own.
    const c = connect(args.databaseUrl);
    const date = '2099-12-30';
    await c.db.insertInto('editions').values({ date, subject: 's', html: 'h', text: 't', article_count: 0, frozen_at: 0 }).onConflict((oc) => oc.column('date').doNothing()).execute();
    await enumerateAudience(c.db, date, Date.now());
    // Timed from here: listing a million readers once is not what this lane measures.
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const start = Date.now();
    const markSent = sentMarker(c, date);
    // Claims as large as the real path's; as many senders marking one delivery at a time as it has.
    const queue: string[] = [];
    let claiming: Promise<void> | undefined;
    const claim = async () => {
      const rows = await claimDeliveries(c.db, c.dialect, { date, owner: 'bench', limit: Math.max(64, args.concurrency * 16), now: Date.now(), dueBefore: start, leaseMs: 30_000, orphans: false });
      if (!rows.length) throw new Error('the database lane ran out of deliveries');
      queue.push(...rows.map((r) => r.reader_id));
    };
    await pool(args.count, async () => {
      while (!queue.length) await (claiming ??= claim().finally(() => (claiming = undefined)));
      await markSent(queue.shift()!, 'x', Date.now());
      messages++;
    });
    await c.close();
    break;
  }
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await runtime.close();
process.stdout.write(`${JSON.stringify({ messages, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
