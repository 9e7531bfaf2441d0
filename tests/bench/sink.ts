import { SMTPServer } from 'smtp-server';

// The bench's SMTP sink, in its own process: accepts every message, keeps only counts.
let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  closeTimeout: 100,
  size: 0,
  onData(stream, _session, cb) {
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => {
      messages++;
      cb();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') {
    const cpu = process.cpuUsage();
    process.send!({ messages, bytes, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  }
  if (m.cmd === 'stop') server.close(() => process.exit(0));
});
