import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps each message, parsed back with mailparser. */
export interface SmtpSink {
  url: string;
  port: number;
  messages: { raw: string; parsed: ParsedMail; to: string[] }[];
  /** Recipients answered 550 (permanent). */
  rejectRecipients: Set<string>;
  /** When set, every MAIL FROM answers this temporary code. */
  tempFailure: number | undefined;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const sink: Omit<SmtpSink, 'url' | 'port' | 'close'> & { server?: SMTPServer } = {
    messages: [],
    rejectRecipients: new Set(),
    tempFailure: undefined,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (sink.messages.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, got ${sink.messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, cb) {
      if (sink.tempFailure) {
        const err = Object.assign(new Error('try again later'), { responseCode: sink.tempFailure });
        return cb(err);
      }
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (sink.rejectRecipients.has(address.address)) {
        return cb(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        sink.messages.push({ raw, parsed: await simpleParser(raw), to: session.envelope.rcptTo.map((r) => r.address) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.server.address() as AddressInfo).port;
  return Object.assign(sink, {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as SmtpSink;
}
