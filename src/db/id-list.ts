import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './schema.ts';

/**
 * A list of ids as a parenthesised subquery over one JSON parameter (`x IN ${idList(…)}`): D1 binds at most 100
 * parameters per statement, and a chunk of deliveries can hold more ids than that.
 */
export function idList(dialect: DialectName, ids: readonly string[]): RawBuilder<string> {
  const json = JSON.stringify(ids);
  return dialect === 'postgres' ? sql<string>`(SELECT jsonb_array_elements_text(${json}::jsonb))` : sql<string>`(SELECT value FROM json_each(${json}))`;
}
