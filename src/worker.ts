import { createApp } from './app.ts';
import { pollFeeds } from './articles/poll.ts';
import { sendDueWelcomes } from './billing/welcome.ts';
import type { Deps } from './deps.ts';
import { editionDate } from './editions/dates.ts';
import { deliverChunk, queueDigest, requeueStalled, type DeliveryChunk } from './editions/queue.ts';
import { summaryLine } from './editions/run.ts';
import { housekeeping } from './housekeeping.ts';
import { redact } from './log.ts';
import type { MimeTemplate } from './mail/mime.ts';
import type { ExecutionContext, MessageBatch, ScheduledController } from './runtime/cf-types.ts';
import { enqueueTo, withContext, workerRuntime, type Env } from './runtime/worker-deps.ts';

// The Cloudflare Workers entry: the same app and core as the Node build, wired to D1, Cron Triggers,
// a Queue for the fan-out and Amazon SES. Only this shell (and worker-deps) reads the bindings.

const apps = new WeakMap<Deps, ReturnType<typeof createApp>>();

function misconfigured(problems: string[]): Response {
  return new Response(`Gazette is not configured correctly:\n${problems.map((p) => `  ${String(redact(p))}`).join('\n')}\n`, {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/** The feed-poll trigger also does what Node's minute and hourly jobs do: welcome retries, housekeeping, stalled deliveries. */
async function pollJob(deps: Deps, env: Env): Promise<void> {
  await pollFeeds(deps, deps.config.feedUrls);
  await sendDueWelcomes(deps);
  await housekeeping(deps);
  const requeued = await requeueStalled(deps, editionDate(deps.clock.now(), deps.config.digestTimezone), enqueueTo(env));
  if (requeued) deps.log.warn('stalled deliveries queued again', { deliveries: requeued });
}

async function digestJob(deps: Deps, env: Env): Promise<void> {
  const summary = await queueDigest(deps, enqueueTo(env));
  if (summary.edition) deps.log.info(`${summaryLine(summary)} queued=${summary.queued}`);
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const runtime = workerRuntime(env);
    if (!runtime.ok) return misconfigured(runtime.problems);
    let app = apps.get(runtime.deps);
    if (!app) {
      app = createApp(runtime.deps);
      apps.set(runtime.deps, app);
    }
    const handle = app;
    return withContext(ctx, () => handle.fetch(request, env, ctx as never));
  },

  /** Cron Triggers run in UTC; the cron that fired says which job (DIGEST_TIMEZONE still names the edition). */
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const runtime = workerRuntime(env);
    if (!runtime.ok) throw new Error(`Gazette is not configured correctly: ${runtime.problems.join('; ')}`);
    const { deps } = runtime;
    await withContext(ctx, async () => {
      if (controller.cron === deps.config.digestCron) await digestJob(deps, env);
      else if (controller.cron === deps.config.feedPollCron) await pollJob(deps, env);
      else deps.log.warn('a Cron Trigger matches neither DIGEST_CRON nor FEED_POLL_CRON: nothing to do', { cron: controller.cron });
    });
  },

  /** One batch of delivery chunks: each is acknowledged when finished, or retried when something is left. */
  async queue(batch: MessageBatch<DeliveryChunk>, env: Env, ctx: ExecutionContext): Promise<void> {
    const runtime = workerRuntime(env);
    if (!runtime.ok) throw new Error(`Gazette is not configured correctly: ${runtime.problems.join('; ')}`);
    const { deps } = runtime;
    const owner = crypto.randomUUID();
    const mimes = new Map<string, MimeTemplate>();
    await withContext(ctx, async () => {
      for (const message of batch.messages) {
        try {
          const result = await deliverChunk(deps, message.body, { owner, mimes });
          if (result.retryAfterSeconds === undefined) message.ack();
          else message.retry({ delaySeconds: result.retryAfterSeconds });
        } catch (err) {
          // The database failed mid-chunk: what this consumer claimed stays leased until the lease ends.
          deps.log.error('delivery chunk failed; it will be retried', { edition: message.body.edition, error: (err as Error).message });
          message.retry({ delaySeconds: 30 });
        }
      }
    });
  },
};
