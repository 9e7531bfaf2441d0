import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { byMigrationOrder, type Migration } from './migrate.ts';
import type { DialectName } from './schema.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const sqlFiles = (dir: string, prefix = ''): Migration[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.sql'))
    .map((f) => ({ name: `${prefix}${f.name.replace(/\.sql$/, '')}`, sql: readFileSync(`${dir}/${f.name}`, 'utf8') }));

/**
 * Reads migrations/*.sql, the one source of truth for every dialect (D1 reads the same folder), and
 * for a dialect with tuning only it understands, migrations/DIALECT/*.sql too, in one name order.
 */
export function readMigrations(dialect: DialectName, dir = MIGRATIONS_DIR): Migration[] {
  const own = existsSync(`${dir}/${dialect}`) ? sqlFiles(`${dir}/${dialect}`, `${dialect}/`) : [];
  return [...sqlFiles(dir), ...own].sort(byMigrationOrder);
}
