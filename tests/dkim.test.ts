import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

// A real DKIM verifier (mailauth, by nodemailer's author) checks what arrives at a real SMTP server,
// with the public key published in a resolver of our own.
const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify') as { dkimVerify: (message: Buffer, options: { resolver: (name: string, type: string) => Promise<string[][]> }) => Promise<{ results: { status: { result: string }; signingHeaders: { keys: string } }[] }> };

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const dns = new Map([['gazette2026._domainkey.news.example.com', [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]]]]);
const resolver = async (name: string) => {
  const record = dns.get(name);
  if (!record) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return record;
};

let smtp: SmtpSink;
let h: Harness;
beforeEach(async () => {
  smtp = await startSmtpSink();
  h = await makeHarness({ mailer: smtpMailer({ url: smtp.url, concurrency: 2, dkim: { domain: 'news.example.com', selector: 'gazette2026', privateKey: pem } }) });
  await seedReaders(h.deps.db, 2);
  await upsertArticles(h.deps, [article(1, h.clock.now(), { title: 'Crème brûlée at the harbour' }), article(2, h.clock.now())], 'api', h.clock.now());
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

describe('DKIM on the SMTP path', () => {
  it('every digest verifies against the published key, over the headers that matter', async () => {
    await runDigest(h.deps, { retryDelaysMs: [] });
    expect(smtp.messages).toHaveLength(2);
    for (const { raw } of smtp.messages) {
      const { results } = await dkimVerify(Buffer.from(raw), { resolver });
      expect(results[0]?.status.result).toBe('pass');
      const signed = results[0]!.signingHeaders.keys.toLowerCase().split(': ').map((k) => k.trim());
      for (const header of ['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']) expect(signed).toContain(header);
      expect(raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=news\.example\.com;/m);
    }
  });

  it('a message changed on the way fails verification', async () => {
    await runDigest(h.deps, { retryDelaysMs: [] });
    const original = smtp.messages[0]!.raw;
    const tampered = original.replace('Subject: ', 'Subject: Win a prize! ');
    expect(tampered).not.toBe(original);
    const { results } = await dkimVerify(Buffer.from(tampered), { resolver });
    // mailauth says "fail" for a bad header signature, "neutral" for a body hash mismatch: never "pass".
    expect(['fail', 'neutral']).toContain(results[0]?.status.result);
  });
});
