import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { sql } from 'kysely';
import { freezeEdition } from '../src/editions/edition.ts';
import { claimDeliveries, enumerateAudience, renewLeases, sentMarker } from '../src/editions/ledger.ts';
import { runDigest, summaryLine } from '../src/editions/run.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { ADMIN_TOKEN, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

let smtp: SmtpSink;
let h: Harness;
const fast = { retryDelaysMs: [10, 20], leaseMs: 2000 };

beforeEach(async () => {
  smtp = await startSmtpSink();
  h = await makeHarness({ mailer: smtpMailer({ url: smtp.url, concurrency: 3 }), env: { SMTP_CONCURRENCY: '3' } });
  await upsertArticles(h.deps, [article(1, h.clock.now()), article(2, h.clock.now(), { title: 'Tram <b>line</b>\r\nBcc: x@evil.example' })], 'api', h.clock.now());
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

const receivedBy = () => {
  const counts = new Map<string, number>();
  for (const m of smtp.messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};
const unfoldedHeaders = (raw: string) => raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, '');

describe('fan-out', () => {
  it('every entitled reader who has not unsubscribed and is not suppressed gets exactly one message', async () => {
    await seedReaders(h.deps.db, 12, { status: (i) => (['active', 'trialing', 'past_due', 'canceled', 'unpaid', null] as const)[i % 6] ?? null });
    await h.deps.db.updateTable('readers').set({ unsubscribed_at: 1 }).where('email', '=', 'reader6@example.com').execute();
    await h.deps.db.insertInto('suppressions').values({ address: 'reader7@example.com', reason: 'complaint', source: 'notification', detail: null, created_at: 1 }).execute();
    const summary = await runDigest(h.deps, fast);
    expect(summaryLine(summary)).toBe('edition 2026-11-27: sent=4 failed=0 pending=0 skipped=0');
    expect([...receivedBy().keys()].sort()).toEqual(['reader0@example.com', 'reader1@example.com', 'reader2@example.com', 'reader8@example.com']);
    expect([...receivedBy().values()].every((n) => n === 1)).toBe(true);
  });

  it('each message: headers a mailbox provider expects, both parts, working links, escaped values', async () => {
    const [id] = await seedReaders(h.deps.db, 1);
    await runDigest(h.deps, fast);
    const { parsed, raw } = smtp.messages[0]!;
    const headers = unfoldedHeaders(raw);
    expect(headers).toMatch(/^List-Unsubscribe:\s+<https:\/\/news\.example\.com\/unsubscribe\/[\w.-]+>$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(headers).toMatch(/^List-Id: The Morning Gazette <digest\.news\.example\.com>$/im);
    expect(headers).toMatch(/^X-Gazette-Edition: 2026-11-27$/m);
    expect(headers).toMatch(/^Feedback-ID: 2026-11-27:the-morning-gazette$/m);
    expect(parsed.messageId).toBe(`<edition.2026-11-27.${id}@news.example.com>`);
    expect(parsed.subject).toBe('Story number 1 about the harbour');
    expect(parsed.html).toContain('Tram &lt;b&gt;line&lt;/b&gt; Bcc: x@evil.example');
    expect(parsed.text).toContain('Tram <b>line</b> Bcc: x@evil.example');
    expect(headers).not.toMatch(/^Bcc:/im);
    // The one-click unsubscribe in the header really works, and stops the next edition.
    const unsubscribe = /List-Unsubscribe:\s+<([^>]+)>/.exec(headers)![1]!;
    const res = await h.app.request(new URL(unsubscribe).pathname, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    h.clock.advance(24 * 3600_000);
    await upsertArticles(h.deps, [article(9, h.clock.now())], 'api', h.clock.now());
    await runDigest(h.deps, fast);
    expect(smtp.messages).toHaveLength(1);
  });

  it('running it twice sends nothing twice', async () => {
    await seedReaders(h.deps.db, 5);
    await runDigest(h.deps, fast);
    const again = await runDigest(h.deps, fast);
    expect(again.run).toMatchObject({ sent: 0 });
    expect(smtp.messages).toHaveLength(5);
  });

  it('a permanent rejection (550) marks that delivery failed and suppresses the address; the others go on', async () => {
    await seedReaders(h.deps.db, 4);
    smtp.rejectRecipients.add('reader2@example.com');
    const summary = await runDigest(h.deps, fast);
    expect(summaryLine(summary)).toBe('edition 2026-11-27: sent=3 failed=1 pending=0 skipped=0');
    const suppression = await h.deps.db.selectFrom('suppressions').selectAll().where('address', '=', 'reader2@example.com').executeTakeFirstOrThrow();
    expect(suppression).toMatchObject({ reason: 'bounce', source: 'send' });
    expect(suppression.detail).toContain('550');
  });

  it('temporary failures (421, 451) are retried within the run', async () => {
    await seedReaders(h.deps.db, 6);
    smtp.failNextMailFrom = { count: 3, code: 451 };
    const summary = await runDigest(h.deps, fast);
    expect(summary.deliveries).toMatchObject({ sent: 6, pending: 0 });
    smtp.failNextMailFrom = { count: 2, code: 421 };
    h.clock.advance(24 * 3600_000);
    await upsertArticles(h.deps, [article(7, h.clock.now())], 'api', h.clock.now());
    expect((await runDigest(h.deps, fast)).deliveries).toMatchObject({ sent: 6, pending: 0 });
    expect(receivedBy().size).toBe(6);
  });

  it('a connection dropped in the middle of DATA is retried; the message arrives once', async () => {
    await seedReaders(h.deps.db, 3);
    smtp.dropDuringData.add('reader1@example.com');
    const summary = await runDigest(h.deps, fast);
    expect(summary.deliveries.sent).toBe(3);
    expect(receivedBy().get('reader1@example.com')).toBe(1);
  });

  it('server down: the run ends with the rest pending; the next run sends it at once; nothing is lost', async () => {
    await seedReaders(h.deps.db, 5);
    await smtp.stop();
    const down = await runDigest(h.deps, fast);
    expect(down.deliveries).toMatchObject({ sent: 0, failed: 0, pending: 5 });
    await smtp.start();
    const up = await runDigest(h.deps, fast);
    expect(summaryLine(up)).toBe('edition 2026-11-27: sent=5 failed=0 pending=0 skipped=0');
    expect(receivedBy().size).toBe(5);
  });

  it('a persistent temporary failure (every MAIL FROM 451) stops the run early and leaves everything pending', async () => {
    await seedReaders(h.deps.db, 40);
    smtp.tempFailure = 451;
    const summary = await runDigest(h.deps, fast);
    expect(summary.run!.interrupted).toBe(true);
    expect(summary.deliveries).toMatchObject({ sent: 0, pending: 40, failed: 0 });
    smtp.tempFailure = undefined;
    expect((await runDigest(h.deps, fast)).deliveries).toMatchObject({ sent: 40, pending: 0 });
  });

  it('two runs started at once never both send to the same reader', async () => {
    await seedReaders(h.deps.db, 60);
    smtp.delayMs = 2;
    await Promise.all([runDigest(h.deps, fast), runDigest(h.deps, fast)]);
    expect(receivedBy().size).toBe(60);
    expect([...receivedBy().values()].every((n) => n === 1)).toBe(true);
  });

  it('a reader who unsubscribes after the audience was counted is skipped', async () => {
    await seedReaders(h.deps.db, 3);
    await h.deps.db.insertInto('deliveries').values({ edition_date: '2026-11-27', reader_id: 'reader-0000001', email: 'reader1@example.com', status: 'pending', attempts: 0, next_attempt_at: 0 }).execute().catch(() => {});
    await h.deps.db.updateTable('readers').set({ unsubscribed_at: 1 }).where('id', '=', 'reader-0000001').execute();
    // The edition must exist before the delivery row can reference it.
    const summary = await runDigest(h.deps, fast);
    expect(summary.deliveries.sent).toBe(2);
    expect(receivedBy().has('reader1@example.com')).toBe(false);
  });

  it('no new articles: nobody is mailed', async () => {
    await seedReaders(h.deps.db, 3);
    h.clock.advance(3 * 24 * 3600_000);
    const summary = await runDigest(h.deps, fast);
    expect(summary.edition).toBe(false);
    expect(smtp.messages).toHaveLength(0);
  });

  it('--date: an earlier date with no edition is refused; an existing edition re-runs its pending deliveries', async () => {
    await seedReaders(h.deps.db, 2);
    await expect(runDigest(h.deps, { ...fast, date: '2026-11-20' })).rejects.toThrow(/earlier date/);
    await expect(runDigest(h.deps, { ...fast, date: '2026-13-40' })).rejects.toThrow(/YYYY-MM-DD/);
    await runDigest(h.deps, fast);
    h.clock.advance(2 * 24 * 3600_000);
    await seedReaders(h.deps.db, 1, { prefix: 'late' });
    const rerun = await runDigest(h.deps, { ...fast, date: '2026-11-27' });
    expect(rerun.deliveries.sent).toBe(3);
    expect(smtp.messages).toHaveLength(3);
  });
});

/** `readers` readers with today's edition frozen and every delivery leased to 'me'. */
async function claimedEdition(readers: number) {
  const ids = await seedReaders(h.deps.db, readers);
  const date = (await freezeEdition(h.deps, '2026-11-27'))!.date;
  await enumerateAudience(h.deps.db, date, h.clock.now());
  await claimDeliveries(h.deps.db, h.deps.dialect, { date, owner: 'me', limit: 10, now: h.clock.now(), dueBefore: h.clock.now(), leaseMs: 60_000 });
  return { ids, date };
}

describe('sent marks', () => {
  it('marks made together share one commit: each resolves once stored, and a failed commit rejects all of them and stores none', async () => {
    const { ids, date } = await claimedEdition(4);
    const statuses = async () => (await h.deps.db.selectFrom('deliveries').select('status').orderBy('reader_id').execute()).map((r) => r.status);
    const mark = sentMarker(h.deps, date);

    await Promise.all(ids.slice(0, 2).map((id) => mark(id, 'reader@example.com', h.clock.now())));
    expect(await statuses()).toEqual(['sent', 'sent', 'sending', 'sending']);

    // The database refuses the mark of the last reader only.
    if (h.deps.dialect === 'sqlite') {
      await sql.raw(`CREATE TRIGGER refuse BEFORE UPDATE ON deliveries WHEN NEW.reader_id = '${ids[3]}' AND NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'refused'); END`).execute(h.deps.db);
    } else {
      await sql.raw(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.reader_id = '${ids[3]}' AND NEW.status = 'sent' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`).execute(h.deps.db);
      await sql.raw('CREATE TRIGGER refuse BEFORE UPDATE ON deliveries FOR EACH ROW EXECUTE FUNCTION refuse()').execute(h.deps.db);
    }
    const results = await Promise.allSettled([mark(ids[2]!, 'reader@example.com', h.clock.now()), mark(ids[3]!, 'reader@example.com', h.clock.now())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // Neither is recorded as sent: both stay leased, so they are sent again once the lease runs out (never lost).
    expect(await statuses()).toEqual(['sent', 'sent', 'sending', 'sending']);
  });
});

describe('lease renewal', () => {
  it('extends our leases without ever waiting on a row a group mark holds (two senders on PostgreSQL deadlocked there)', async () => {
    const { ids, date } = await claimedEdition(3);
    const until = h.clock.now() + 120_000;
    const leases = async () => (await h.deps.db.selectFrom('deliveries').select(['reader_id', 'lease_until']).orderBy('reader_id').execute()).map((r) => Number(r.lease_until));
    if (h.deps.dialect === 'sqlite') {
      await renewLeases(h.deps.db, h.deps.dialect, date, 'me', until);
      expect(await leases()).toEqual([until, until, until]);
      return;
    }
    // A mark under way holds the first reader's row: the renewal must finish meanwhile, renewing the others.
    let renewed: string | undefined;
    await h.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('deliveries').set({ last_error: null }).where('reader_id', '=', ids[0]!).execute();
      renewed = await Promise.race([
        renewLeases(h.deps.db, h.deps.dialect, date, 'me', until).then(() => 'renewed'),
        new Promise<string>((r) => setTimeout(() => r('still waiting after 5 s'), 5_000)),
      ]);
    });
    expect(renewed).toBe('renewed');
    expect((await leases()).slice(1)).toEqual([until, until]);
  });
});

describe('admin edition routes', () => {
  it('POST /admin/editions/send starts the send in the background (202 and where to watch it); GET /admin/editions/:date gives the counts', async () => {
    await seedReaders(h.deps.db, 3);
    smtp.rejectRecipients.add('reader0@example.com');
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const send = await h.app.request('/admin/editions/send', { method: 'POST', headers: auth });
    expect(send.status).toBe(202);
    expect(await send.json()).toEqual({ date: '2026-11-27', edition: true, status_url: 'https://news.example.com/admin/editions/2026-11-27' });
    await h.drain();
    const counts = await h.app.request('/admin/editions/2026-11-27', { headers: auth });
    expect(await counts.json()).toEqual({ date: '2026-11-27', articles: 2, deliveries: { sent: 2, failed: 1, pending: 0, sending: 0 }, remaining: 0, sent_last_minute: 2 });
    expect((await h.app.request('/admin/editions/2026-11-01', { headers: auth })).status).toBe(404);
    expect((await h.app.request('/admin/editions/yesterday', { headers: auth })).status).toBe(400);
  });
});
