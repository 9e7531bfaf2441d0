import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import { sesMailer } from '../src/mail/ses.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { startFakeSes, SES_KEY, type FakeSes } from './support/fake-ses.ts';
import { makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

let ses: FakeSes;
let smtp: SmtpSink;
beforeAll(async () => {
  ses = await startFakeSes();
});
afterAll(() => ses.close());
beforeEach(async () => {
  ses.messages.length = 0;
  ses.signatures.length = 0;
  ses.throttleNext = 0;
  ses.reject.clear();
  smtp = await startSmtpSink();
});
afterEach(() => smtp.close());

const fast = { retryDelaysMs: [] };
const sesPort = () => sesMailer({ region: 'eu-west-1', ...SES_KEY, endpoint: ses.url, configurationSet: 'gazette-digest' });

async function harnessWith(mailer: ReturnType<typeof sesPort>) {
  const h = await makeHarness({ mailer });
  await seedReaders(h.deps.db, 3);
  await upsertArticles(h.deps, [article(1, h.clock.now(), { title: 'Crème brûlée at the harbour' }), article(2, h.clock.now())], 'api', h.clock.now());
  return h;
}

describe('Amazon SES v2 raw sending', () => {
  it('sends each digest as signed SigV4 requests whose raw MIME decodes to the same message SMTP carries', async () => {
    const viaSes = await harnessWith(sesPort());
    const viaSmtp = await harnessWith(smtpMailer({ url: smtp.url, concurrency: 2 }));
    try {
      expect((await runDigest(viaSes.deps, fast)).deliveries.sent).toBe(3);
      expect((await runDigest(viaSmtp.deps, fast)).deliveries.sent).toBe(3);
      expect(ses.signatures).toHaveLength(3);
      for (const s of ses.signatures) {
        expect(s.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDGAZETTETEST\/\d{8}\/eu-west-1\/ses\/aws4_request, SignedHeaders=[\w;-]*host[\w;-]*x-amz-date[\w;-]*, Signature=[0-9a-f]{64}$/);
        expect(s.valid).toBe(true);
      }
      expect(ses.messages.every((m) => m.configurationSet === 'gazette-digest')).toBe(true);
      const byReader = <T extends { to: string[] }>(ms: T[]) => [...ms].sort((a, b) => a.to[0]!.localeCompare(b.to[0]!));
      const [a, b] = [byReader(ses.messages), byReader(smtp.messages)];
      expect(a.map((m) => m.to)).toEqual(b.map((m) => m.to));
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [a[i]!.parsed, b[i]!.parsed];
        expect(x.subject).toBe(y.subject);
        expect(x.messageId).toBe(y.messageId);
        expect(x.html).toBe(y.html);
        expect(x.text).toBe(y.text);
        for (const h of ['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'x-gazette-edition']) expect(x.headers.get(h)).toEqual(y.headers.get(h));
      }
    } finally {
      await viaSes.close();
      await viaSmtp.close();
    }
  });

  it('429 TooManyRequests is temporary: the delivery stays pending and the next run sends it', async () => {
    const h = await harnessWith(sesPort());
    try {
      ses.throttleNext = 1;
      const first = await runDigest(h.deps, fast);
      expect(first.deliveries).toMatchObject({ sent: 2, pending: 1, failed: 0 });
      const second = await runDigest(h.deps, fast);
      expect(second.deliveries).toMatchObject({ sent: 3, pending: 0, failed: 0 });
      expect(new Set(ses.messages.map((m) => m.to[0])).size).toBe(3);
    } finally {
      await h.close();
    }
  });

  it('MessageRejected is permanent: the delivery fails and the address is suppressed, the others go out', async () => {
    const h = await harnessWith(sesPort());
    try {
      ses.reject.add('reader1@example.com');
      const summary = await runDigest(h.deps, fast);
      expect(summary.deliveries).toMatchObject({ sent: 2, failed: 1, pending: 0 });
      const suppression = await h.deps.db.selectFrom('suppressions').selectAll().where('address', '=', 'reader1@example.com').executeTakeFirstOrThrow();
      expect(suppression.detail).toContain('MessageRejected');
    } finally {
      await h.close();
    }
  });

  it('a wrong secret is refused by the endpoint and never suppresses anyone', async () => {
    const h = await harnessWith(sesMailer({ region: 'eu-west-1', accessKeyId: SES_KEY.accessKeyId, secretAccessKey: 'wrong', endpoint: ses.url }));
    try {
      const summary = await runDigest(h.deps, fast);
      expect(summary.deliveries.sent).toBe(0);
      expect(summary.deliveries.failed).toBe(0);
      expect(await h.deps.db.selectFrom('suppressions').selectAll().execute()).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
