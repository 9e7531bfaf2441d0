import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Mailer, SendResult } from './mailer.ts';

export interface SmtpOptions {
  url: string;
  concurrency: number;
  ratePerSec?: number | undefined;
}

/** 5xx is the server's final word on this message; anything else (4xx, dropped connection) may pass later. */
export function classifySmtpError(err: unknown): SendResult {
  const e = err as { responseCode?: number; message?: string; code?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  return { ok: false, permanent: code !== undefined && code >= 500 && code < 600, error: `${code ?? e.code ?? 'error'}: ${e.message ?? String(err)}` };
}

/** Pooled nodemailer SMTP transport: bounded connections, optional messages-per-second cap. */
export function smtpMailer(opts: SmtpOptions): Mailer {
  const options: SMTPPool.Options & { url: string } = {
    url: opts.url,
    pool: true,
    maxConnections: opts.concurrency,
    maxMessages: 1000,
    ...(opts.ratePerSec ? { rateDelta: 1000, rateLimit: Math.max(1, Math.floor(opts.ratePerSec)) } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  const transport = nodemailer.createTransport(options);
  return {
    async send(message) {
      try {
        // A Buffer view, no copy: nodemailer writes the bytes to the socket as they are.
        await transport.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength) });
        return { ok: true };
      } catch (err) {
        return classifySmtpError(err);
      }
    },
    async close() {
      transport.close();
    },
  };
}
