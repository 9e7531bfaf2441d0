import { defineConfig } from 'vitest/config';

const postgresUrl = process.env['GAZETTE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// Pure functions (no database) need not run twice.
const dbFree = ['tests/config.test.ts', 'tests/logging.test.ts', 'tests/browser.test.ts', 'tests/startup-errors.test.ts', 'tests/ip-address.test.ts', 'tests/qp.test.ts', 'tests/templates.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: files in parallel, but never more workers than cores.
    maxWorkers: 2,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Every test that touches the database runs once per dialect, like kysely's own suite.
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['tests/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'postgres', include: ['tests/**/*.test.ts'], exclude: dbFree, env: { GAZETTE_TEST_DATABASE_URL: postgresUrl } },
      },
    ],
  },
});
