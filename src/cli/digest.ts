import { parseArgs } from 'node:util';
import { isGazetteError } from '../errors.ts';
import { runDigestExclusive, summaryLine } from '../editions/run.ts';
import { jsonLogger } from '../log.ts';
import { createNodeRuntime } from '../runtime/node-deps.ts';

// npm run digest [-- --date YYYY-MM-DD]: build and send the edition now. Exit 0 when the run completed
// (even with failed or pending deliveries); non-zero when it could not run. The last line is the summary.
const { values } = parseArgs({
  options: { date: { type: 'string' }, 'lease-ms': { type: 'string' }, 'retry-delays-ms': { type: 'string' } },
});
const log = jsonLogger((l) => process.stderr.write(`${l}\n`));
let runtime: Awaited<ReturnType<typeof createNodeRuntime>> | undefined;
try {
  runtime = await createNodeRuntime(process.env, log);
  const started = Date.now();
  const summary = await runDigestExclusive(runtime.deps, {
    ...(values.date ? { date: values.date } : {}),
    ...(values['lease-ms'] ? { leaseMs: Number(values['lease-ms']) } : {}),
    ...(values['retry-delays-ms'] ? { retryDelaysMs: values['retry-delays-ms'].split(',').map(Number) } : {}),
    onProgress: (p) => process.stdout.write(`progress: sent=${p.sent} failed=${p.failed} remaining=${p.remaining} rate=${p.perSecond}/s\n`),
  });
  await runtime.close();
  const seconds = (Date.now() - started) / 1000;
  if (!summary.edition) process.stdout.write(`no new articles: no edition for ${summary.date}\n`);
  else if (summary.run) process.stdout.write(`run: sent=${summary.run.sent} in ${seconds.toFixed(1)} s (${(summary.run.sent / Math.max(seconds, 0.001)).toFixed(1)}/s)\n`);
  process.stdout.write(`${summaryLine(summary)}\n`);
} catch (err) {
  await runtime?.close().catch(() => {});
  process.stderr.write(`gazette: digest could not run: ${isGazetteError(err) ? err.message : (err as Error).message}\n`);
  process.exitCode = isGazetteError(err) && err.code === 'invalid_input' ? 2 : 1;
}
