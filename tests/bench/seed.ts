import { sql } from 'kysely';
import { upsertArticles } from '../../src/articles/store.ts';
import type { Batch } from '../../src/db/batch.ts';
import type { Db, DialectName } from '../../src/db/schema.ts';
import { article } from '../support/seed.ts';

/** N entitled readers in a few statements (a recursive CTE / generate_series), so a million take seconds. */
export async function seedAudience(connection: { db: Db; dialect: DialectName; batch: Batch }, readers: number, now: number): Promise<void> {
  const { db, dialect } = connection;
  const series =
    dialect === 'postgres'
      ? sql`SELECT g - 1 AS i FROM generate_series(1, ${readers}) AS g`
      : sql`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${readers - 1}) SELECT i FROM n`;
  const id = dialect === 'postgres' ? sql`'bench-' || lpad(i::text, 8, '0')` : sql`'bench-' || substr('00000000' || i, -8, 8)`;
  await sql`INSERT INTO readers (id, email, created_at, updated_at) SELECT ${id}, 'reader' || i || '@bench.example.com', i, i FROM (${series}) s`.execute(db);
  await sql`INSERT INTO customers (id, reader_id, email, synced_at, created_at) SELECT 'cus_' || id, id, NULL, 0, 0 FROM readers WHERE id LIKE 'bench-%'`.execute(db);
  await sql`INSERT INTO subscriptions (id, reader_id, customer_id, status, price_id, current_period_end, cancel_at_period_end, ends_at, stripe_created_at, synced_at, updated_at)
    SELECT 'sub_' || id, id, 'cus_' || id, 'active', 'price', NULL, 0, NULL, 0, 0, 0 FROM readers WHERE id LIKE 'bench-%'`.execute(db);
  const long = 'The council met late into the night to settle the harbour budget, with every member speaking at length about ferries, tolls, the fish market and the new tram line, before a vote that surprised the public gallery.';
  await upsertArticles(
    connection,
    Array.from({ length: 20 }, (_, i) => article(i, now, { summary: long, image_url: `https://cdn.example.com/img/${i}-harbour-budget.jpg`, title: `A headline of realistic length for story ${i}, with a subordinate clause` })),
    'api',
    now,
  );
}
