import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendDueWelcomes } from '../src/billing/welcome.ts';
import { outboxMailer } from '../src/mail/outbox.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';
import { makeHarness, postWebhook, stripeEvent, subscriptionObject, type Harness } from './support/harness.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

let fake: FakeStripe;
let smtp: SmtpSink;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake.close());
beforeEach(async () => {
  smtp = await startSmtpSink();
  h = await makeHarness({ stripe: fake, mailer: smtpMailer({ url: smtp.url, concurrency: 2 }) });
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

async function subscribe(n: string, status = 'active') {
  fake.customers.set(`cus_${n}`, { id: `cus_${n}`, object: 'customer', email: `${n}@example.com` });
  fake.subscriptions.set(`sub_${n}`, subscriptionObject(`sub_${n}`, `cus_${n}`, status));
  return postWebhook(h, stripeEvent('customer.subscription.created', fake.subscriptions.get(`sub_${n}`)!));
}

describe('welcome email', () => {
  it('arrives at a real SMTP server when a reader first becomes entitled', async () => {
    expect((await subscribe('wendy')).status).toBe(200);
    await h.drain();
    await smtp.waitFor(1);
    const { parsed, to, raw } = smtp.messages[0]!;
    expect(to).toEqual(['wendy@example.com']);
    expect(parsed.subject).toBe('Welcome to The Morning Gazette');
    expect(parsed.from?.text).toContain('digest@news.example.com');
    expect(parsed.headers.get('x-gazette-kind')).toBe('welcome');
    expect(parsed.messageId).toMatch(/^<welcome\.[\w-]+@news\.example\.com>$/);
    expect(parsed.html).toContain('Welcome aboard.');
    expect(parsed.text).toContain('wendy@example.com');
    const billing = /https:\/\/news\.example\.com\/billing\/[\w.-]+/.exec(parsed.text ?? '')![0];
    expect(parsed.html).toContain(billing);
    // The link in the email really opens the billing portal.
    expect((await h.app.request(new URL(billing).pathname)).status).toBe(303);
    const headers = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, '');
    expect(headers).toMatch(/^List-Unsubscribe:\s+<https:\/\/news\.example\.com\/unsubscribe\/[\w.-]+>\r?$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  });

  it('is sent once, whatever else happens to the subscription later', async () => {
    await subscribe('once');
    await h.drain();
    h.clock.advance(1000);
    fake.subscriptions.set('sub_once', subscriptionObject('sub_once', 'cus_once', 'past_due'));
    await postWebhook(h, stripeEvent('customer.subscription.updated', fake.subscriptions.get('sub_once')!));
    h.clock.advance(1000);
    fake.subscriptions.set('sub_once', subscriptionObject('sub_once', 'cus_once', 'active'));
    await postWebhook(h, stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice', subscription: 'sub_once' }));
    await h.drain();
    h.clock.advance(3600_000);
    await sendDueWelcomes(h.deps);
    expect(smtp.messages).toHaveLength(1);
  });

  it('is not sent to a reader who is not entitled', async () => {
    await subscribe('pending', 'incomplete');
    await h.drain();
    expect(smtp.messages).toHaveLength(0);
  });

  it('SMTP down: the webhook still answers 200 at once; the welcome is retried later and sent exactly once', async () => {
    smtp.tempFailure = 451;
    expect((await subscribe('retry')).status).toBe(200);
    await h.drain();
    expect(smtp.messages).toHaveLength(0);
    const row = await h.deps.db.selectFrom('welcome_emails').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toContain('451');

    smtp.tempFailure = undefined;
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 0 }); // backoff not over yet
    h.clock.advance(2 * 60_000);
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 1 });
    h.clock.advance(24 * 3600_000);
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 0 });
    expect(smtp.messages).toHaveLength(1);
  });

  it('a welcome claimed by a process that died mid-send is taken over after its lease', async () => {
    await h.deps.db.insertInto('readers').values({ id: 'r_dead', email: 'dead@example.com', created_at: 0, updated_at: 0 }).execute();
    await h.deps.db
      .insertInto('welcome_emails')
      .values({ reader_id: 'r_dead', status: 'sending', attempts: 1, next_attempt_at: 0, lease_until: h.clock.now() + 60_000, created_at: 0 })
      .execute();
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 0 });
    h.clock.advance(61_000);
    expect(await sendDueWelcomes(h.deps)).toMatchObject({ sent: 1 });
    expect(smtp.messages.map((m) => m.to[0])).toEqual(['dead@example.com']);
  });

  it('two senders at once send each welcome once', async () => {
    for (const n of ['p1', 'p2', 'p3']) {
      await h.deps.db.insertInto('readers').values({ id: n, email: `${n}@example.com`, created_at: 0, updated_at: 0 }).execute();
      await h.deps.db.insertInto('welcome_emails').values({ reader_id: n, status: 'pending', attempts: 0, next_attempt_at: 0, created_at: 0 }).execute();
    }
    await Promise.all([sendDueWelcomes(h.deps), sendDueWelcomes(h.deps)]);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['p1@example.com', 'p2@example.com', 'p3@example.com']);
  });

  it('a permanent rejection (550) marks it failed and does not retry', async () => {
    smtp.rejectRecipients.add('bounce@example.com');
    await subscribe('bounce');
    await h.drain();
    const row = await h.deps.db.selectFrom('welcome_emails').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('550');
  });
});

describe('outbox mailer (no SMTP_URL)', () => {
  it('writes a valid .eml that parses back to the same message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazette-outbox-'));
    const outbox = await makeHarness({ stripe: fake, mailer: outboxMailer(dir) });
    try {
      fake.customers.set('cus_eml', { id: 'cus_eml', object: 'customer', email: 'eml@example.com' });
      fake.subscriptions.set('sub_eml', subscriptionObject('sub_eml', 'cus_eml', 'active'));
      await postWebhook(outbox, stripeEvent('customer.subscription.created', fake.subscriptions.get('sub_eml')!));
      await outbox.drain();
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^welcome\.[\w-]+@news\.example\.com\.eml$/);
      const raw = readFileSync(join(dir, files[0]!));
      expect(raw.toString('latin1')).toContain('\r\n');
      const parsed = await simpleParser(raw);
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('eml@example.com');
      expect(parsed.subject).toBe('Welcome to The Morning Gazette');
      expect(parsed.html).toContain('Manage your subscription');
      expect(parsed.text).toContain('Stop the daily digest');
    } finally {
      await outbox.close();
    }
  });
});
