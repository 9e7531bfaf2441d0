import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byMigrationOrder, type Migration } from './migrate.ts';
import type { DialectName } from './schema.ts';

/** The folder with package.json above this module: the same answer from src/db/ and from a bundle in dist/. */
function packageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('gazette: package.json not found above the running code; migrations/ lives beside it');
    dir = up;
  }
  return dir;
}

export const MIGRATIONS_DIR = join(packageDir(), 'migrations');

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
