import type { CompiledQuery, Kysely } from 'kysely';

/**
 * Writes that land together or not at all. D1 has no interactive transactions, only batches of
 * statements, so every multi-statement write in the core is a list of compiled statements handed
 * to this: a transaction on SQLite and PostgreSQL, `DB.batch()` on D1.
 */
export type Batch = (statements: CompiledQuery[]) => Promise<void>;

/** The batch of a database Kysely can open transactions on (SQLite, PostgreSQL). */
export function transactionBatch(db: Kysely<any>): Batch {
  return async (statements) => {
    if (statements.length === 0) return;
    if (statements.length === 1) {
      await db.executeQuery(statements[0]!);
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (const statement of statements) await trx.executeQuery(statement);
    });
  };
}
