import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import { createNodeRuntime } from '../../src/runtime/node-deps.ts';

// The app with a bare route beside it, for the bench's HTTP lane. The event it is sent is recorded as processed.
const runtime = await createNodeRuntime(
  {
    DATABASE_URL: process.argv[2],
    APP_SECRET: 'bench-app-secret-0123456789abcdefghijklmnop',
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_PRICE_ID: 'price_bench',
    STRIPE_WEBHOOK_SECRET: 'whsec_bench_secret',
    STRIPE_API_BASE: 'http://127.0.0.1:9',
  },
  silentLogger,
);
await runtime.deps.db.insertInto('stripe_events').values({ id: 'evt_bench_processed', type: 'customer.subscription.updated', stripe_created_at: 0, processed_at: 0 }).onConflict((oc) => oc.column('id').doNothing()).execute();
const app = new Hono();
app.post('/bare', async (c) => c.json({ received: true, length: (await c.req.text()).length }));
app.route('/', createApp(runtime.deps));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${info.port}\n`));
