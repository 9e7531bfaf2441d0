import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { z } from 'zod';
import { GazetteError } from '../errors.ts';

/**
 * Amazon SNS message signatures (the channel SES bounce and complaint events arrive on). A message is
 * only believed when it is signed with the certificate SNS names, and that certificate is fetched
 * only from SNS's own hosts; its public key is cached by URL. WebCrypto only: the same on Workers.
 */
const snsMessage = z
  .object({
    Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    MessageId: z.string().max(200),
    TopicArn: z.string().max(512),
    Message: z.string().max(256 * 1024),
    Timestamp: z.string().max(64),
    SignatureVersion: z.enum(['1', '2']),
    Signature: z.string().max(2048),
    SigningCertURL: z.string().max(1024),
    Subject: z.string().max(512).optional(),
    Token: z.string().max(2048).optional(),
    SubscribeURL: z.string().max(2048).optional(),
  })
  .loose();

export type SnsMessage = z.infer<typeof snsMessage>;

/** How SNS answers: https, on an sns.<region>.amazonaws.com host (or .com.cn), nowhere else. */
export function isSnsUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname) && !u.username && !u.password && (u.port === '' || u.port === '443');
  } catch {
    return false;
  }
}

/** The text SNS signs: the listed fields, in this order, each as "Name\nvalue\n" (Subject only when present). */
function stringToSign(m: SnsMessage): string {
  const fields =
    m.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return fields
    .filter((f) => m[f] !== undefined)
    .map((f) => `${f}\n${m[f]}\n`)
    .join('');
}

function pemToDer(pem: string): Uint8Array {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!body) throw new Error('not a PEM certificate');
  const binary = atob(body.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const base64ToBytes = (value: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

export type SnsFetch = (url: string) => Promise<Response>;

/** Verifies SNS messages; a certificate's key is fetched once per URL and kept (they rotate rarely). */
export function snsVerifier(fetchCertificate: SnsFetch) {
  const keys = new Map<string, Promise<{ sha1: CryptoKey; sha256: CryptoKey }>>();
  const keyFor = (url: string) => {
    let key = keys.get(url);
    if (!key) {
      key = (async () => {
        const res = await fetchCertificate(url);
        if (!res.ok) throw new Error(`certificate answered ${res.status}`);
        const certificate = AsnConvert.parse(pemToDer(await res.text()), Certificate);
        const spki = AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo);
        const importAs = (hash: string) => crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
        return { sha1: await importAs('SHA-1'), sha256: await importAs('SHA-256') };
      })();
      // A failed fetch is not remembered: the next message may find the certificate.
      key.catch(() => keys.delete(url));
      keys.set(url, key);
    }
    return key;
  };

  /** The message, once its signature is SNS's; throws bad_signature or invalid_input otherwise. */
  return async function verify(body: unknown): Promise<SnsMessage> {
    const parsed = snsMessage.safeParse(body);
    if (!parsed.success) throw new GazetteError('invalid_input', 'not an SNS message');
    const m = parsed.data;
    if (!isSnsUrl(m.SigningCertURL) || !new URL(m.SigningCertURL).pathname.endsWith('.pem')) throw new GazetteError('bad_signature', 'the signing certificate is not on an SNS host');
    let key: CryptoKey;
    try {
      const pair = await keyFor(m.SigningCertURL);
      key = m.SignatureVersion === '1' ? pair.sha1 : pair.sha256;
    } catch (err) {
      throw new GazetteError('upstream_unavailable', `the SNS signing certificate could not be read (${(err as Error).message})`);
    }
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = base64ToBytes(m.Signature);
    } catch {
      throw new GazetteError('bad_signature', 'the signature is not base64');
    }
    const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, new TextEncoder().encode(stringToSign(m)));
    if (!valid) throw new GazetteError('bad_signature', 'SNS signature verification failed');
    return m;
  };
}
