import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connect } from '../src/db/connect.ts';
import { migrate, splitStatements } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-fs.ts';
import { isolatedDatabase } from './support/harness.ts';

const execFileAsync = promisify(execFile);

describe('migrations', () => {
  it('apply once, are recorded, and a second run applies nothing', async () => {
    const database = await isolatedDatabase();
    const c = connect(database.url);
    try {
      const first = await migrate(c.db, c.dialect, readMigrations(c.dialect));
      expect(first).toEqual(readMigrations(c.dialect).map((m) => m.name));
      expect(await migrate(c.db, c.dialect, readMigrations(c.dialect))).toEqual([]);
      const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(c.db);
      expect(rows.rows.map((r) => r.name).sort()).toEqual([...first].sort());
    } finally {
      await c.close();
      await database.drop();
    }
  });

  it('two `npm run migrate` processes on one database at once apply each migration exactly once', async () => {
    const database = await isolatedDatabase({ file: true });
    const run = () => execFileAsync('npm', ['run', '--silent', 'migrate'], { env: { ...process.env, DATABASE_URL: database.url } });
    const outputs = await Promise.all([run(), run()]);
    const applied = outputs.map((o) => o.stdout.trim());
    expect(applied.filter((o) => o.startsWith('applied:'))).toHaveLength(1);
    expect(applied.filter((o) => o === 'up to date')).toHaveLength(1);
    const c = connect(database.url);
    try {
      const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(c.db);
      expect(rows.rows.map((r) => r.name).sort()).toEqual(readMigrations(c.dialect).map((m) => m.name).sort());
    } finally {
      await c.close();
      await database.drop();
    }
  }, 60_000);

  it('a failing migration rolls back and says which one failed', async () => {
    const database = await isolatedDatabase();
    const c = connect(database.url);
    try {
      await expect(migrate(c.db, c.dialect, [{ name: '0001_bad', sql: 'CREATE TABLE t (id TEXT);\nSELECT nope FROM missing;' }])).rejects.toThrow(/0001_bad/);
      // Looked up by name in this database's own schema (introspection lists every schema on
      // PostgreSQL, other tests' included).
      await expect(sql`SELECT 1 FROM t`.execute(c.db)).rejects.toThrow(/no such table|does not exist/);
      expect(await migrate(c.db, c.dialect, [{ name: '0001_good', sql: 'CREATE TABLE t (id TEXT);' }])).toEqual(['0001_good']);
    } finally {
      await c.close();
      await database.drop();
    }
  });

  it('splits statements on a semicolon at the end of a line, dropping comments', () => {
    expect(splitStatements('-- note\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x);\n')).toEqual(['CREATE TABLE a (x TEXT)', 'CREATE INDEX i ON a (x)']);
  });
});
