import { connect } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-fs.ts';
import { configFromEnv } from '../runtime/node-deps.ts';
import { jsonLogger } from '../log.ts';

// npm run migrate: applies pending migrations to DATABASE_URL and says which.
const log = jsonLogger((l) => process.stderr.write(`${l}\n`));
const config = configFromEnv(process.env, log);
const connection = connect(config.databaseUrl, { poolSize: 1 });
try {
  const applied = await migrate(connection.db, connection.dialect, readMigrations(connection.dialect));
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
} catch (err) {
  process.stderr.write(`gazette: migrate failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
