import { sql, type Kysely } from 'kysely';
import type { DialectName } from './schema.ts';

export interface Migration {
  name: string;
  sql: string;
}

/** Splits a migration file into statements: each ends with a semicolon at the end of a line. */
export function splitStatements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/**
 * Name order with any dialect folder ignored, so `postgres/0010_x` runs between the shared `0009_…`
 * and `0011_…` it was written after.
 */
export function byMigrationOrder(a: Migration, b: Migration): number {
  const number = (m: Migration) => m.name.replace(/^\w+\//, '');
  return number(a).localeCompare(number(b)) || a.name.localeCompare(b.name);
}

// Any constant works; it only has to be the same in every Gazette process.
const MIGRATION_LOCK_KEY = 0x6761_7a65;

/**
 * Applies the migrations not yet recorded, in name order, each in its own transaction.
 * Two processes starting at once apply each migration exactly once: PostgreSQL serialises them on a
 * session advisory lock, SQLite on BEGIN IMMEDIATE (the second waits on busy_timeout, then sees it recorded).
 */
export async function migrate(db: Kysely<any>, dialect: DialectName, migrations: Migration[]): Promise<string[]> {
  const ordered = [...migrations].sort(byMigrationOrder);
  const applied: string[] = [];
  await db.connection().execute(async (conn) => {
    const inTransaction = async (work: () => Promise<void>) => {
      await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
      try {
        await work();
        await sql.raw('COMMIT').execute(conn);
      } catch (err) {
        await sql.raw('ROLLBACK').execute(conn).catch(() => {});
        throw err;
      }
    };
    if (dialect === 'postgres') await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await inTransaction(async () => {
        await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(conn);
      });
      for (const m of ordered) {
        await inTransaction(async () => {
          const done = await sql<{ name: string }>`SELECT name FROM schema_migrations WHERE name = ${m.name}`.execute(conn);
          if (done.rows.length > 0) return;
          for (const statement of splitStatements(m.sql)) await sql.raw(statement).execute(conn);
          await sql`INSERT INTO schema_migrations (name, applied_at) VALUES (${m.name}, ${Date.now()})`.execute(conn);
          applied.push(m.name);
        }).catch((err: Error) => {
          throw new Error(`migration ${m.name} failed: ${err.message}`, { cause: err });
        });
      }
    } finally {
      if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn).catch(() => {});
    }
  });
  return applied;
}
