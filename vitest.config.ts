import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const postgresUrl = process.env['GAZETTE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// Pure functions (no database) need not run twice, nor Chromium's checks of pages whose queries
// other files run on both databases (archive.test.ts, pages.test.ts, console.test.ts).
const dbFree = ['tests/config.test.ts', 'tests/logging.test.ts', 'tests/browser.test.ts', 'tests/browser-pages.test.ts', 'tests/browser-console.test.ts', 'tests/startup-errors.test.ts', 'tests/ip-address.test.ts', 'tests/qp.test.ts', 'tests/templates.test.ts', 'tests/wrangler.test.ts', 'tests/i18n.test.ts'];
const nodeTests = { include: ['tests/**/*.test.ts'], exclude: ['tests/workers/**'] };

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: files in parallel, but never more workers than cores.
    maxWorkers: 2,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Every test that touches the database runs once per dialect, like kysely's own suite, and the
    // Worker's tests run in workerd on a local D1.
    projects: [
      { extends: true, test: { name: 'sqlite', ...nodeTests } },
      {
        extends: true,
        test: { name: 'postgres', ...nodeTests, exclude: [...nodeTests.exclude, ...dbFree], env: { GAZETTE_TEST_DATABASE_URL: postgresUrl } },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            main: './src/worker.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // exports.default.scheduled()/queue() from tests need this (tests only, never deployed).
              compatibilityFlags: ['service_binding_extra_handlers'],
              queueConsumers: { 'gazette-deliveries': { maxBatchTimeout: 0.05 } },
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                PUBLIC_URL: 'https://news.example.com',
                MAIL_FROM: 'The Morning Gazette <digest@news.example.com>',
                PUBLISHER_ADDRESS: 'The Morning Gazette, 1 Harbour Street, 75001 Paris',
                APP_SECRET: 'workers-test-app-secret-0123456789abcdef',
                ADMIN_TOKEN: 'workers-admin-token-0123456789',
                STRIPE_SECRET_KEY: 'sk_test_workers',
                STRIPE_PRICE_ID: 'price_digest_monthly',
                STRIPE_WEBHOOK_SECRET: 'whsec_workers_test_secret',
                STRIPE_API_BASE: inject('stripeUrl'),
                SES_REGION: 'eu-west-1',
                SES_ACCESS_KEY_ID: 'AKIDGAZETTETEST',
                SES_SECRET_ACCESS_KEY: 'ses-test-secret-0123456789',
                SES_ENDPOINT: inject('sesUrl'),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['tests/workers/**/*.test.ts'],
          // One workerd, one local D1 and one SES endpoint: its files take turns.
          fileParallelism: false,
          globalSetup: ['tests/support/workers-global-setup.ts'],
          setupFiles: ['tests/workers/apply-migrations.ts'],
        },
      },
    ],
  },
});
