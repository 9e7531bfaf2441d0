import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps each message (parsed back with mailparser) and can misbehave on cue. */
export interface SmtpSink {
  url: string;
  port: number;
  messages: { raw: string; parsed: ParsedMail; to: string[] }[];
  /** Recipients answered 550 (permanent). */
  rejectRecipients: Set<string>;
  /** When set, every MAIL FROM answers this temporary code. */
  tempFailure: number | undefined;
  /** The next N MAIL FROM commands answer 421/451. */
  failNextMailFrom: { count: number; code: number };
  /** Recipients whose first DATA has the connection cut in the middle. */
  dropDuringData: Set<string>;
  /** Delay before accepting each message's DATA (a slow sink). */
  delayMs: number;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and drops every connection (a server going down). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

type Conn = { session: SMTPServerSession; _socket: Socket };

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  let server: SMTPServer;
  let actualPort = port;
  const sink = {
    messages: [] as SmtpSink['messages'],
    rejectRecipients: new Set<string>(),
    tempFailure: undefined as number | undefined,
    failNextMailFrom: { count: 0, code: 421 },
    dropDuringData: new Set<string>(),
    delayMs: 0,
    async waitFor(count: number, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (sink.messages.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, got ${sink.messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  const temporary = (code: number) => Object.assign(new Error(code === 421 ? 'service not available, closing channel' : 'try again later'), { responseCode: code });

  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 50,
      onMailFrom(_address, _session, cb) {
        if (sink.tempFailure) return cb(temporary(sink.tempFailure));
        if (sink.failNextMailFrom.count > 0) {
          sink.failNextMailFrom.count--;
          return cb(temporary(sink.failNextMailFrom.code));
        }
        cb();
      },
      onRcptTo(address, _session, cb) {
        if (sink.rejectRecipients.has(address.address)) return cb(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        cb();
      },
      onData(stream, session, cb) {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const drop = to.find((a) => sink.dropDuringData.has(a));
        if (drop) {
          sink.dropDuringData.delete(drop);
          const conn = [...(server as unknown as { connections: Set<Conn> }).connections].find((c) => c.session === session);
          stream.once('data', () => conn?._socket.destroy());
          stream.resume();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (sink.delayMs) await new Promise((r) => setTimeout(r, sink.delayMs));
          const raw = Buffer.concat(chunks).toString('utf8');
          sink.messages.push({ raw, parsed: await simpleParser(raw), to });
          cb();
        });
      },
    });

  const listen = async () => {
    server = make();
    // A client killed mid-session (the kill tests) resets its sockets; that is expected here.
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(actualPort, '127.0.0.1', resolve));
    actualPort = (server.server.address() as AddressInfo).port;
  };
  const stop = async () => {
    for (const c of (server as unknown as { connections: Set<Conn> }).connections) c._socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();
  return Object.assign(sink, {
    port: actualPort,
    url: `smtp://127.0.0.1:${actualPort}`,
    stop,
    start: listen,
    close: stop,
  });
}
