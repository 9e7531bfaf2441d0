import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { createNodeRuntime, describeSetup, startupFailure } from './runtime/node-deps.ts';
import { startSchedules } from './runtime/schedule.ts';

// The Node entry: the only module that reads process.env. Started by `npm start` as
// `exec node …`, so this is the process a service manager signals.
const runtime = await createNodeRuntime(process.env).catch((err: unknown) => {
  process.stderr.write(`gazette: ${startupFailure(err)}\n`);
  process.exit(1);
});
const { deps } = runtime;
const setup = describeSetup(deps);
for (const line of setup.lines) deps.log.info(line);
for (const line of setup.warnings) deps.log.warn(line);

const app = createApp(deps);
const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host }, (info) => {
  deps.log.info(`listening on http://${info.address}:${info.port} (public URL ${deps.config.publicUrl})`);
});
server.on('error', (err: NodeJS.ErrnoException) => {
  const where = `${deps.config.host}:${deps.config.port}`;
  const reason =
    err.code === 'EADDRINUSE'
      ? `port ${deps.config.port} is already in use on ${deps.config.host} (set PORT to a free port, or stop the other process)`
      : err.code === 'EACCES'
        ? `not allowed to listen on ${where} (PORT below 1024 needs privileges)`
        : `cannot listen on ${where}: ${err.code ?? err.message}`;
  process.stderr.write(`gazette: ${reason}\n`);
  void runtime.close().finally(() => process.exit(1));
});
const schedules = startSchedules(deps);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  deps.log.info(`${signal}: shutting down`);
  schedules.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
