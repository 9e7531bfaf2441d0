import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Mailer, SendResult } from './mailer.ts';

export interface SmtpOptions {
  url: string;
  concurrency: number;
  ratePerSec?: number | undefined;
  dkim?: { domain: string; selector: string; privateKey: string } | undefined;
}

/** The headers a DKIM signature covers: who it is from and to, what it is, and how to leave the list. */
export const DKIM_SIGNED_HEADERS = ['From', 'To', 'Subject', 'Date', 'Message-ID', 'List-Unsubscribe', 'List-Unsubscribe-Post'];

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
    // relaxed/relaxed canonicalisation (nodemailer's), over the raw bytes we built.
    ...(opts.dkim ? { dkim: { domainName: opts.dkim.domain, keySelector: opts.dkim.selector, privateKey: opts.dkim.privateKey, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  const transport = nodemailer.createTransport(options);
  return {
    async send(message) {
      try {
        // A Buffer view, no copy: nodemailer writes the bytes to the socket as they are. The Message-ID
        // is the one already in them; given here, nodemailer does not draw a random one of its own
        // (two random draws a message, each a system call).
        await transport.sendMail({ envelope: { from: message.from, to: [message.to] }, messageId: `<${message.messageId}>`, raw: Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength) });
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
