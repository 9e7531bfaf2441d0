import { sql, type RawBuilder } from 'kysely';

/**
 * `column` holds `text` anywhere, the text's own % and _ taken literally. Addresses are stored
 * lower-cased, and the text is lower-cased too, so it matches the same on SQLite (LIKE ignores ASCII
 * case) and PostgreSQL (it does not).
 */
export function containsSql(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '\\'`;
}
