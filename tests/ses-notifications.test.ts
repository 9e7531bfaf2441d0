import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSuppressed } from '../src/readers/suppressions.ts';
import { makeHarness, type Harness } from './support/harness.ts';

// SNS messages signed the way AWS signs them, with a certificate made here by openssl: the endpoint
// verifies real RSA signatures; only where the certificate is fetched from is local.
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-ses-events';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
let dir: string;
let key: string;
let cert: string;
let otherKey: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gazette-sns-'));
  const make = (name: string) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '1', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
  };
  ({ key, cert } = make('sns'));
  otherKey = make('other').key;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let h: Harness;
let fetched: string[];
beforeEach(async () => {
  fetched = [];
  h = await makeHarness({
    env: { SES_SNS_TOPIC_ARN: TOPIC },
    snsHttp: async (url) => {
      fetched.push(url);
      if (url === CERT_URL) return new Response(cert);
      if (url.startsWith('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')) return new Response('<ConfirmSubscriptionResponse/>');
      return new Response('not found', { status: 404 });
    },
  });
});
afterEach(() => h.close());

function signed(fields: Record<string, string>, opts: { version?: '1' | '2'; signingKey?: string } = {}) {
  const version = opts.version ?? '2';
  const order = fields['Type'] === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = order.filter((f) => fields[f] !== undefined).map((f) => `${f}\n${fields[f]}\n`).join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(text).sign(opts.signingKey ?? key, 'base64');
  return { ...fields, SignatureVersion: version, Signature: signature, SigningCertURL: CERT_URL };
}

const notification = (id: string, event: unknown, topic = TOPIC) =>
  signed({ Type: 'Notification', MessageId: id, TopicArn: topic, Message: JSON.stringify(event), Timestamp: '2026-11-27T06:00:00.000Z' });

const post = (body: unknown) => h.app.request('/webhooks/ses', { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(body) });

const bounce = (type: 'Permanent' | 'Transient', address: string) => ({ eventType: 'Bounce', bounce: { bounceType: type, bounceSubType: type === 'Permanent' ? 'General' : 'MailboxFull', bouncedRecipients: [{ emailAddress: address }] }, mail: { messageId: 'x' } });

describe('POST /webhooks/ses (SES events through SNS)', () => {
  it('a permanent bounce suppresses the address; SNS delivering it again changes nothing', async () => {
    const message = notification('m-1', bounce('Permanent', 'Gone@Example.com'));
    expect(await (await post(message)).json()).toEqual({ kind: 'bounce', addresses: 1 });
    expect(await isSuppressed(h.deps.db, 'gone@example.com')).toBe(true);
    expect(await (await post(message)).json()).toEqual({ kind: 'duplicate' });
    // The certificate was fetched once, from SNS's host.
    expect(fetched).toEqual([CERT_URL]);
  });

  it('a complaint suppresses the address (notificationType shape, signature version 1)', async () => {
    const message = signed({ Type: 'Notification', MessageId: 'm-2', TopicArn: TOPIC, Message: JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'angry@example.com' }], complaintFeedbackType: 'abuse' } }), Timestamp: '2026-11-27T06:00:00.000Z' }, { version: '1' });
    expect((await post(message)).status).toBe(200);
    const row = await h.deps.db.selectFrom('suppressions').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ address: 'angry@example.com', reason: 'complaint', source: 'notification', detail: 'abuse' });
  });

  it('a transient bounce is counted, not suppressed', async () => {
    await post(notification('m-3', bounce('Transient', 'full@example.com')));
    await post(notification('m-4', bounce('Transient', 'full@example.com')));
    expect(await isSuppressed(h.deps.db, 'full@example.com')).toBe(false);
    expect(await h.deps.db.selectFrom('transient_bounces').select(['address', 'count']).execute()).toEqual([{ address: 'full@example.com', count: 2 }]);
  });

  it('a subscription confirmation is confirmed by visiting its SNS SubscribeURL', async () => {
    const subscribe = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=t';
    const res = await post(signed({ Type: 'SubscriptionConfirmation', MessageId: 'm-5', Token: 't', TopicArn: TOPIC, Message: 'You have chosen to subscribe', SubscribeURL: subscribe, Timestamp: '2026-11-27T06:00:00.000Z' }));
    expect(await res.json()).toEqual({ confirmed: true });
    expect(fetched).toContain(subscribe);
  });

  it.each([
    ['signed with another key', () => notification('m-6', bounce('Permanent', 'victim@example.com')), (m: Record<string, string>) => ({ ...m, Signature: signed({ Type: 'Notification', MessageId: 'm-6', TopicArn: TOPIC, Message: m['Message']!, Timestamp: m['Timestamp']! }, { signingKey: otherKey }).Signature })],
    ['a changed message', () => notification('m-7', bounce('Permanent', 'someone@example.com')), (m: Record<string, string>) => ({ ...m, Message: JSON.stringify(bounce('Permanent', 'victim@example.com')) })],
    ['a certificate off SNS', () => notification('m-8', bounce('Permanent', 'victim@example.com')), (m: Record<string, string>) => ({ ...m, SigningCertURL: 'https://evil.example/sns.pem' })],
    ['a look-alike SNS host', () => notification('m-9', bounce('Permanent', 'victim@example.com')), (m: Record<string, string>) => ({ ...m, SigningCertURL: 'https://sns.eu-west-1.amazonaws.com.evil.example/x.pem' })],
  ])('refused: %s (400), nobody suppressed', async (_, make, spoil) => {
    const res = await post(spoil(make() as unknown as Record<string, string>));
    expect(res.status).toBe(400);
    expect(await isSuppressed(h.deps.db, 'victim@example.com')).toBe(false);
    expect(fetched.every((u) => u === CERT_URL)).toBe(true);
  });

  it('a correctly signed message from another AWS account’s topic is refused (403): SNS signs for anyone', async () => {
    const res = await post(notification('m-10', bounce('Permanent', 'victim@example.com'), 'arn:aws:sns:eu-west-1:999999999999:attacker'));
    expect(res.status).toBe(403);
    expect(await isSuppressed(h.deps.db, 'victim@example.com')).toBe(false);
  });

  it('without SES_SNS_TOPIC_ARN the endpoint is off (503)', async () => {
    const off = await makeHarness();
    try {
      expect((await off.app.request('/webhooks/ses', { method: 'POST', body: '{}' })).status).toBe(503);
    } finally {
      await off.close();
    }
  });
});
