import { AwsClient } from 'aws4fetch';
import type { Mailer, RawMessage, SendResult } from './mailer.ts';

export interface SesOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** scheme://host:port of an SES-compatible API (tests, other providers); default Amazon's own for the region. */
  endpoint?: string | undefined;
  configurationSet?: string | undefined;
  /** Messages per second at most (MAIL_RATE_PER_SEC). */
  ratePerSec?: number | undefined;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** SES errors that say the account, not the message, is the problem, or that a later try may pass. */
const TEMPORARY = new Set(['TooManyRequestsException', 'LimitExceededException', 'SendingPausedException', 'AccountSuspendedException', 'MailFromDomainNotVerifiedException', 'NotFoundException', 'InternalServiceErrorException']);

/**
 * What an SES answer means for this message. Throttling and account-level trouble are temporary (the
 * run stops early when every send fails, and the next run retries); MessageRejected, or a recipient
 * SES keeps on its suppression list, is SES's final word on this address, like an SMTP 5xx.
 */
export function classifySesAnswer(status: number, errorType: string, message: string): SendResult {
  const type = errorType.split(':')[0]!.replace(/^.*#/, '');
  const error = `SES ${status} ${type || 'error'}: ${message}`.slice(0, 500);
  if (status === 429 || status >= 500 || TEMPORARY.has(type)) return { ok: false, permanent: false, error };
  if (type === 'MessageRejected' || /suppress/i.test(message)) return { ok: false, permanent: true, error };
  // Any other 4xx is our request's fault (a setting), the same for every reader: never the address's.
  return { ok: false, permanent: false, error };
}

/** Spaces sends so no more than `ratePerSec` start in any second, across every concurrent sender. */
function pacer(ratePerSec: number | undefined): () => Promise<void> {
  if (!ratePerSec) return async () => {};
  const interval = 1000 / ratePerSec;
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + interval;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
}

/**
 * Amazon SES v2 raw sending: each message is the same MIME the SMTP port sends (same headers,
 * Message-ID, List-Unsubscribe), base64 in Content.Raw.Data, signed with SigV4. A plain fetch, so
 * the same port serves Node and Workers.
 */
export function sesMailer(opts: SesOptions): Mailer {
  // No retries inside the client: the ledger decides what is retried, and when.
  const aws = new AwsClient({ accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey, service: 'ses', region: opts.region, retries: 0 });
  const url = `${(opts.endpoint ?? `https://email.${opts.region}.amazonaws.com`).replace(/\/+$/, '')}/v2/email/outbound-emails`;
  const wait = pacer(opts.ratePerSec);
  return {
    async send(message: RawMessage) {
      await wait();
      const body = JSON.stringify({
        Destination: { ToAddresses: [message.to] },
        Content: { Raw: { Data: base64(message.raw) } },
        ...(opts.configurationSet ? { ConfigurationSetName: opts.configurationSet } : {}),
      });
      let res: Response;
      try {
        res = await aws.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      } catch (err) {
        return { ok: false, permanent: false, error: `SES unreachable: ${(err as Error).message}` };
      }
      if (res.ok) {
        await res.body?.cancel();
        return { ok: true };
      }
      const text = await res.text().catch(() => '');
      let parsed: { __type?: string; message?: string; Message?: string } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // Not JSON (a proxy's error page): the status alone decides.
      }
      return classifySesAnswer(res.status, res.headers.get('x-amzn-errortype') ?? parsed.__type ?? '', parsed.message ?? parsed.Message ?? text.slice(0, 200));
    },
  };
}
