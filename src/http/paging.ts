import { z } from 'zod';
import { GazetteError } from '../errors.ts';

/** Keyset paging for listings: an opaque cursor holds the last row's sort key and id. */
const cursorSchema = z.object({ c: z.number().int(), i: z.string() });

export function encodeCursor(c: number, i: string): string {
  return btoa(JSON.stringify({ c, i })).replace(/=+$/, '');
}

export function decodeCursor(cursor: string) {
  try {
    return cursorSchema.parse(JSON.parse(atob(cursor)));
  } catch {
    throw new GazetteError('invalid_input', 'cursor is not one this API issued', { field: 'cursor' });
  }
}

export function invalidQuery(error: z.ZodError): GazetteError {
  const issue = error.issues[0]!;
  return new GazetteError('invalid_input', `${String(issue.path[0])}: ${issue.message}`, { field: String(issue.path[0]) });
}

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});

/** Fetched with limit + 1 rows: the extra one only says whether another page follows. */
export function keysetPage<T>(rows: T[], limit: number, key: (row: T) => [number, string]) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(...key(last)) : null };
}
