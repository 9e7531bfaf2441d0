import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-fs.ts';
import { upsertArticles } from '../src/articles/store.ts';
import { runDigest } from '../src/editions/run.ts';
import type { RawMessage } from '../src/mail/mailer.ts';
import { ensureReader } from '../src/readers/store.ts';
import { addressHash, forgetSuppressedAddress, isSuppressed, liftSuppression, suppress } from '../src/readers/suppressions.ts';
import { isolatedDatabase, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
  await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
});
afterEach(() => h.close());

const mailedTo = () => (h.deps.mailer as unknown as { sent: RawMessage[] }).sent.map((m) => m.to).sort();

describe('the suppression list follows the address, not the reader row', () => {
  it('a suppressed address gets nothing, whichever reader holds it; lifting it mails it again', async () => {
    await seedReaders(h.deps.db, 3);
    await suppress(h.deps.db, 'reader1@example.com', { reason: 'complaint', source: 'notification' }, h.clock.now());
    await runDigest(h.deps, { retryDelaysMs: [] });
    expect(mailedTo()).toEqual(['reader0@example.com', 'reader2@example.com']);
    expect(await liftSuppression(h.deps.db, 'reader1@example.com')).toBe(true);
    expect(await isSuppressed(h.deps.db, 'reader1@example.com')).toBe(false);
  });

  it('suppressed after the edition was enumerated: skipped at send, not mailed', async () => {
    await seedReaders(h.deps.db, 2);
    const { prepareEdition } = await import('../src/editions/run.ts');
    await prepareEdition(h.deps);
    await suppress(h.deps.db, 'reader0@example.com', { reason: 'bounce', source: 'notification' }, h.clock.now());
    const summary = await runDigest(h.deps, { retryDelaysMs: [] });
    expect(summary.deliveries).toMatchObject({ sent: 1, skipped: 1 });
    expect(mailedTo()).toEqual(['reader1@example.com']);
  });

  it('an erased reader’s address stays only as a hash, and is suppressed again when someone signs up with it', async () => {
    await suppress(h.deps.db, 'gone@example.com', { reason: 'bounce', source: 'send' }, h.clock.now());
    await forgetSuppressedAddress(h.deps.db, 'gone@example.com');
    const rows = await h.deps.db.selectFrom('suppressions').select('address').execute();
    expect(rows).toEqual([{ address: addressHash('gone@example.com') }]);
    expect(JSON.stringify(rows)).not.toContain('gone@');
    await ensureReader(h.deps.db, 'gone@example.com', h.clock.now());
    expect(await h.deps.db.selectFrom('suppressions').select('address').execute()).toEqual([{ address: 'gone@example.com' }]);
  });
});

describe('migration 0007', () => {
  it('moves the suppression flags on reader rows into the list', async () => {
    const database = await isolatedDatabase({ file: true });
    const c = connect(database.url);
    try {
      const all = readMigrations(c.dialect);
      await migrate(c.db, c.dialect, all.filter((m) => m.name < '0007'));
      const { sql } = await import('kysely');
      await sql`INSERT INTO readers (id, email, suppressed_at, suppressed_reason, created_at, updated_at) VALUES ('r1', 'bounced@example.com', 5, 'hard bounce: 550 no such mailbox', 1, 1), ('r2', 'fine@example.com', NULL, NULL, 1, 1)`.execute(c.db);
      await migrate(c.db, c.dialect, all);
      expect(await c.db.selectFrom('suppressions').selectAll().execute()).toEqual([
        { address: 'bounced@example.com', reason: 'bounce', source: 'send', detail: 'hard bounce: 550 no such mailbox', created_at: 5 },
      ]);
    } finally {
      await c.close();
      await database.drop();
    }
  });
});
