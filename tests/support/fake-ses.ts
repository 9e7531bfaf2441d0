import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsV4Signer } from 'aws4fetch';
import { simpleParser, type ParsedMail } from 'mailparser';

export const SES_KEY = { accessKeyId: 'AKIDGAZETTETEST', secretAccessKey: 'ses-test-secret-0123456789' };

/**
 * An SES v2-compatible endpoint (POST /v2/email/outbound-emails) on 127.0.0.1: it checks each
 * request's SigV4 signature with the test credentials, decodes Content.Raw.Data and keeps the
 * message (parsed back with mailparser), and can throttle or reject on cue like Amazon's.
 */
export interface FakeSes {
  url: string;
  messages: { to: string[]; raw: Buffer; parsed: ParsedMail; configurationSet: string | undefined }[];
  /** Each request's Authorization header and whether its signature verified. */
  signatures: { authorization: string; valid: boolean }[];
  /** The next N requests answer 429 TooManyRequestsException. */
  throttleNext: number;
  /** Recipients answered 400 MessageRejected. */
  reject: Set<string>;
  close(): Promise<void>;
}

async function verify(method: string, url: string, headers: Record<string, string>, body: string): Promise<boolean> {
  const authorization = headers['authorization'] ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([\w-]+)\/ses\/aws4_request, SignedHeaders=([\w;-]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!m || m[1] !== SES_KEY.accessKeyId) return false;
  const signed = Object.fromEntries(m[4]!.split(';').map((h) => [h, headers[h] ?? '']));
  const signer = new AwsV4Signer({ method, url, headers: signed, body, ...SES_KEY, service: 'ses', region: m[3]!, datetime: headers['x-amz-date']! });
  const { headers: expected } = await signer.sign();
  return expected.get('authorization') === authorization;
}

export async function startFakeSes(): Promise<FakeSes> {
  const state = { messages: [] as FakeSes['messages'], signatures: [] as FakeSes['signatures'], throttleNext: 0, reject: new Set<string>() };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    // Control routes for tests that run elsewhere (a Worker in workerd): what arrived, throttle, reject, reset.
    if (req.url?.startsWith('/__fake/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/__fake/messages') {
        return res.end(JSON.stringify(state.messages.map((m) => ({ to: m.to, messageId: m.parsed.messageId, subject: m.parsed.subject, text: m.parsed.text, html: m.parsed.html, listUnsubscribe: /^List-Unsubscribe: (.*)$/im.exec(m.raw.toString('latin1').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '))?.[1] ?? null, edition: m.parsed.headers.get('x-gazette-edition') ?? null }))));
      }
      if (req.url === '/__fake/signatures') return res.end(JSON.stringify(state.signatures));
      const control = body ? (JSON.parse(body) as { throttle?: number; reject?: string }) : {};
      if (req.url === '/__fake/reset') {
        state.messages.length = 0;
        state.signatures.length = 0;
        state.throttleNext = 0;
        state.reject.clear();
      }
      if (control.throttle !== undefined) state.throttleNext = control.throttle;
      if (control.reject) state.reject.add(control.reject);
      return res.end('{}');
    }
    const valid = await verify(req.method ?? 'GET', `http://${req.headers.host}${req.url}`, headers, body);
    state.signatures.push({ authorization: headers['authorization'] ?? '', valid });
    const answer = (status: number, type: string | null, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.ses/` } : {}) });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') return answer(404, 'NotFoundException', { message: 'no such operation' });
    if (!valid) return answer(403, 'SignatureDoesNotMatch', { message: 'The request signature we calculated does not match the signature you provided.' });
    if (state.throttleNext > 0) {
      state.throttleNext--;
      return answer(429, 'TooManyRequestsException', { message: 'Maximum sending rate exceeded.' });
    }
    const request = JSON.parse(body) as { Destination: { ToAddresses: string[] }; Content: { Raw: { Data: string } }; ConfigurationSetName?: string };
    const to = request.Destination.ToAddresses;
    if (to.some((a) => state.reject.has(a))) return answer(400, 'MessageRejected', { message: `Email address is on the suppression list: ${to[0]}` });
    const raw = Buffer.from(request.Content.Raw.Data, 'base64');
    state.messages.push({ to, raw, parsed: await simpleParser(raw), configurationSet: request.ConfigurationSetName });
    answer(200, null, { MessageId: `fake-${state.messages.length}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
