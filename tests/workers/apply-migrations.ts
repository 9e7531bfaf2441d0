import { applyD1Migrations, env } from 'cloudflare:test';

// The same migration files as SQLite and PostgreSQL, applied to the local D1 (idempotent; setup
// files run outside each test's isolated storage).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
