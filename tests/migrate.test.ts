import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connect } from '../src/db/connect.ts';
import { migrate, splitStatements } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-fs.ts';
import { testDatabaseUrl } from './support/harness.ts';

const execFileAsync = promisify(execFile);

describe('migrations', () => {
  it('apply once, are recorded, and a second run applies nothing', async () => {
    const c = connect(testDatabaseUrl());
    try {
      const first = await migrate(c.db, c.dialect, readMigrations());
      expect(first).toEqual(readMigrations().map((m) => m.name));
      expect(await migrate(c.db, c.dialect, readMigrations())).toEqual([]);
      const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(c.db);
      expect(rows.rows.map((r) => r.name)).toEqual(first);
    } finally {
      await c.close();
    }
  });

  it('two `npm run migrate` processes on one SQLite file at once apply each migration exactly once', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gazette-mig-')), 'g.db');
    const run = () => execFileAsync('npm', ['run', '--silent', 'migrate'], { env: { ...process.env, DATABASE_URL: `sqlite:${file}` } });
    const outputs = await Promise.all([run(), run()]);
    const applied = outputs.map((o) => o.stdout.trim());
    expect(applied.filter((o) => o.startsWith('applied:'))).toHaveLength(1);
    expect(applied.filter((o) => o === 'up to date')).toHaveLength(1);
    const c = connect(`sqlite:${file}`);
    try {
      const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(c.db);
      expect(rows.rows.map((r) => r.name)).toEqual(readMigrations().map((m) => m.name));
    } finally {
      await c.close();
    }
  });

  it('a failing migration rolls back and says which one failed', async () => {
    const c = connect('sqlite::memory:');
    try {
      await expect(migrate(c.db, 'sqlite', [{ name: '0001_bad', sql: 'CREATE TABLE t (id TEXT);\nSELECT nope FROM missing;' }])).rejects.toThrow(/0001_bad/);
      const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE name = 't'`.execute(c.db);
      expect(tables.rows).toHaveLength(0);
    } finally {
      await c.close();
    }
  });

  it('splits statements on a semicolon at the end of a line, dropping comments', () => {
    expect(splitStatements('-- note\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x);\n')).toEqual(['CREATE TABLE a (x TEXT)', 'CREATE INDEX i ON a (x)']);
  });
});
