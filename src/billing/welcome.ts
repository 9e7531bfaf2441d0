import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { suppressedSql } from '../readers/suppressions.ts';
import type { Db } from '../db/schema.ts';
import { messageIdDomain, readerLinks } from '../links.ts';
import { around, translator } from '../i18n.ts';
import { mailIdentity } from '../mail/identity.ts';
import { fillTemplate, headerSafe, renderTemplate } from '../mail/template.ts';
import { composeMessage } from '../mail/compose.ts';
import type { OutgoingMessage } from '../mail/mailer.ts';

const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 8;
const backoffMs = (attempts: number) => Math.min(60_000 * 2 ** (attempts - 1), 6 * 3600_000);

/** Queues the reader's one welcome email; a second call (replayed event, second subscription) does nothing. */
export async function queueWelcome(db: Db, readerId: string, now: number): Promise<void> {
  await db
    .insertInto('welcome_emails')
    .values({ reader_id: readerId, status: 'pending', attempts: 0, next_attempt_at: now, created_at: now })
    .onConflict((oc) => oc.column('reader_id').doNothing())
    .execute();
}

export async function buildWelcome(deps: Deps, reader: { id: string; email: string }): Promise<OutgoingMessage> {
  const { config } = deps;
  const t = translator(config.publication);
  const publication = config.publication.name;
  const subject = headerSafe(t.t('subject.welcome', { publication }));
  const view = {
    ...mailIdentity(config.publication),
    subject,
    t: {
      preview: t.t('welcome.preview'),
      heading: t.t('welcome.heading'),
      thanks: around(t, 'welcome.thanks', 'email'),
      billing: t.t('welcome.billing'),
      button: t.t('welcome.button'),
      why: t.t('welcome.why', { publication }),
      stop: t.t('welcome.stop'),
      manage: t.t('welcome.manage'),
    },
  };
  const links = readerLinks(config, reader.id, deps.clock.now());
  const body = fillTemplate(renderTemplate(deps.templates.welcome, view), { email: reader.email, ...links });
  return {
    from: config.mailFrom,
    to: reader.email,
    subject,
    ...body,
    messageId: `welcome.${reader.id}@${messageIdDomain(config.publicUrl)}`,
    headers: {
      'X-Gazette-Kind': 'welcome',
      'List-Unsubscribe': `<${links.unsubscribe_url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/**
 * Sends the welcome emails that are due. Each row is claimed with one conditional UPDATE, so two
 * processes never send the same welcome; a claim left by a crashed process is retried once its lease ends.
 */
export async function sendDueWelcomes(deps: Deps, limit = 50): Promise<{ sent: number; failed: number; retrying: number }> {
  const { db, clock, log } = deps;
  const counts = { sent: 0, failed: 0, retrying: 0 };
  const now = clock.now();
  const due = await db
    .selectFrom('welcome_emails')
    .innerJoin('readers', 'readers.id', 'welcome_emails.reader_id')
    .select(['welcome_emails.reader_id', 'welcome_emails.status', 'welcome_emails.attempts', 'readers.email', sql<number>`CASE WHEN ${suppressedSql('readers.email')} THEN 1 ELSE 0 END`.as('suppressed')])
    .where((eb) =>
      eb.or([
        eb.and([eb('welcome_emails.status', '=', 'pending'), eb('welcome_emails.next_attempt_at', '<=', now)]),
        eb.and([eb('welcome_emails.status', '=', 'sending'), eb('welcome_emails.lease_until', '<', now)]),
      ]),
    )
    .orderBy('welcome_emails.next_attempt_at')
    .limit(limit)
    .execute();

  for (const row of due) {
    const claimed = await db
      .updateTable('welcome_emails')
      .set({ status: 'sending', lease_until: now + LEASE_MS, attempts: row.attempts + 1 })
      .where('reader_id', '=', row.reader_id)
      .where('status', '=', row.status)
      .where('attempts', '=', row.attempts)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;

    const attempts = row.attempts + 1;
    if (Number(row.suppressed) === 1) {
      await db.updateTable('welcome_emails').set({ status: 'failed', last_error: 'address suppressed' }).where('reader_id', '=', row.reader_id).execute();
      counts.failed++;
      continue;
    }
    let result: Awaited<ReturnType<Deps['mailer']['send']>>;
    try {
      result = await deps.mailer.send(composeMessage(await buildWelcome(deps, { id: row.reader_id, email: row.email }), clock.now()));
    } catch (err) {
      result = { ok: false, permanent: false, error: (err as Error).message };
    }
    if (result.ok) {
      await db.updateTable('welcome_emails').set({ status: 'sent', sent_at: clock.now(), lease_until: null, last_error: null }).where('reader_id', '=', row.reader_id).execute();
      counts.sent++;
    } else if (result.permanent || attempts >= MAX_ATTEMPTS) {
      await db.updateTable('welcome_emails').set({ status: 'failed', lease_until: null, last_error: result.error.slice(0, 500) }).where('reader_id', '=', row.reader_id).execute();
      log.warn('welcome email failed for good', { reader_id: row.reader_id, error: result.error, attempts });
      counts.failed++;
    } else {
      await db
        .updateTable('welcome_emails')
        .set({ status: 'pending', lease_until: null, next_attempt_at: clock.now() + backoffMs(attempts), last_error: result.error.slice(0, 500) })
        .where('reader_id', '=', row.reader_id)
        .execute();
      log.warn('welcome email will be retried', { reader_id: row.reader_id, error: result.error, attempts });
      counts.retrying++;
    }
  }
  return counts;
}
