import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './schema.ts';

/**
 * A list of ids as a parenthesised subquery over one JSON parameter (`x IN ${idList(…)}`): D1 binds at most 100
 * parameters per statement, and a chunk of deliveries can hold more ids than that.
 */
export function idList(dialect: DialectName, ids: readonly string[]): RawBuilder<string> {
  // PostgreSQL takes the list as one text[]; its planner knows how long a bound array is and picks
  // index lookups, where a jsonb function looked like 100 rows of anything and got a scan of the table.
  return dialect === 'postgres' ? sql<string>`(SELECT unnest(${[...ids]}::text[]))` : sql<string>`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}
