import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { transactionBatch, type Batch } from './batch.ts';
import type { Database, DialectName } from './schema.ts';

/**
 * Kysely prepares every query anew; on the send path the same few statements run once per message,
 * so their prepared form is kept (bounded, oldest dropped first).
 */
function withStatementCache(sqlite: SqliteDatabase.Database, max = 200): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return Object.assign(Object.create(sqlite) as SqliteDatabase.Database, {
    prepare(source: string) {
      let statement = cache.get(source);
      if (!statement) {
        statement = prepare(source);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(source, statement);
      }
      return statement;
    },
    close: () => sqlite.close(),
  });
}

export interface Connection {
  db: Kysely<Database>;
  dialect: DialectName;
  batch: Batch;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Opens the database named by DATABASE_URL (sqlite:PATH, sqlite::memory:, postgres://…). */
export function connect(databaseUrl: string, opts: { poolSize?: number } = {}): Connection {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    const memory = path === ':memory:';
    if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new SqliteDatabase(memory ? ':memory:' : resolve(path));
    // WAL lets readers proceed during a write; busy_timeout makes a second process wait its turn instead of failing.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', batch: transactionBatch(db), close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: opts.poolSize ?? 10,
      // BIGINT columns hold epoch milliseconds, well inside Number's exact range.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A client losing its server (restart, pg_terminate_backend) must not crash the process: idle ones are
    // dropped by the pool, and a checked-out one fails its query, which the caller sees and handles.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', batch: transactionBatch(db), close: () => db.destroy() };
  }
  throw new Error('DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://…');
}
