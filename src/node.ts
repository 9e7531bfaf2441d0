import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { createNodeRuntime, describeSetup } from './runtime/node-deps.ts';
import { startSchedules } from './runtime/schedule.ts';

// The Node entry: the only module that reads process.env.
const runtime = await createNodeRuntime(process.env);
const { deps } = runtime;
for (const line of describeSetup(deps)) deps.log.info(line);

const app = createApp(deps);
const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host }, (info) => {
  deps.log.info(`listening on http://${info.address}:${info.port} (public URL ${deps.config.publicUrl})`);
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
