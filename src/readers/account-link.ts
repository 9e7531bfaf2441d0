import type { Deps } from '../deps.ts';
import type { Db } from '../db/schema.ts';
import { accountUrl, messageIdDomain } from '../links.ts';
import { composeMessage } from '../mail/compose.ts';
import type { OutgoingMessage } from '../mail/mailer.ts';
import { around, translator } from '../i18n.ts';
import { mailIdentity } from '../mail/identity.ts';
import { fillTemplate, headerSafe, renderTemplate } from '../mail/template.ts';
import { findReaderByEmail } from './store.ts';

/** At most one link mail per address in this time, whoever asks and from how many processes. */
export const ACCOUNT_LINK_COOLDOWN_MS = 10 * 60_000;

export type LinkMailOutcome = 'sent' | 'cooldown' | 'no_subscription' | 'failed';

/** Takes the address's turn for a link mail: one conditional upsert, so concurrent asks agree. */
async function claimLinkMail(db: Db, email: string, now: number): Promise<boolean> {
  const row = await db
    .insertInto('account_link_mails')
    .values({ email, sent_at: now })
    .onConflict((oc) =>
      oc
        .column('email')
        .doUpdateSet({ sent_at: now })
        .where('account_link_mails.sent_at', '<=', now - ACCOUNT_LINK_COOLDOWN_MS),
    )
    .returning('email')
    .executeTakeFirst();
  return row !== undefined;
}

/** A mail that did not go out gives the turn back, so the reader can ask again at once. */
async function releaseLinkMail(db: Db, email: string, claimedAt: number): Promise<void> {
  await db.deleteFrom('account_link_mails').where('email', '=', email).where('sent_at', '=', claimedAt).execute();
}

/** Readers who ever had a Stripe customer have something to manage (invoices outlive a subscription). */
async function hasBilling(db: Db, readerId: string): Promise<boolean> {
  const row = await db.selectFrom('customers').select('id').where('reader_id', '=', readerId).executeTakeFirst();
  return row !== undefined;
}

export async function buildAccountLinkMail(deps: Deps, reader: { id: string; email: string }, now: number): Promise<OutgoingMessage> {
  const { config } = deps;
  const t = translator(config.publication);
  const subject = headerSafe(t.t('subject.account_link', { publication: config.publication.name }));
  const view = {
    ...mailIdentity(config.publication),
    subject,
    t: {
      preview: t.t('account_link.preview'),
      heading: t.t('account_link.heading'),
      asked: around(t, 'account_link.asked', 'email'),
      button: t.t('account_link.button'),
      expiry: t.t('account_link.expiry'),
    },
  };
  const body = fillTemplate(renderTemplate(deps.templates.accountLink, view), { email: reader.email, account_url: accountUrl(config, reader.id, now) });
  return {
    from: config.mailFrom,
    to: reader.email,
    subject,
    ...body,
    messageId: `account.${reader.id}.${now}@${messageIdDomain(config.publicUrl)}`,
    headers: { 'X-Gazette-Kind': 'account-link' },
  };
}

/**
 * Mails a link to the reader's own page to `email`, if that address has a subscription to manage,
 * at most once per cooldown. The outcome is for logs and tests: whoever asked is told the same
 * thing whatever it is, so the form reveals nothing about who subscribes.
 */
export async function mailAccountLink(deps: Deps, email: string): Promise<LinkMailOutcome> {
  const { db, clock, log } = deps;
  const reader = await findReaderByEmail(db, email);
  if (!reader || !(await hasBilling(db, reader.id))) return 'no_subscription';
  const now = clock.now();
  if (!(await claimLinkMail(db, email, now))) {
    log.info('account link not sent: one was sent recently', { reader_id: reader.id });
    return 'cooldown';
  }
  const result = await deps.mailer.send(composeMessage(await buildAccountLinkMail(deps, reader, now), now)).catch((err: Error) => ({ ok: false as const, permanent: false, error: err.message }));
  if (!result.ok) {
    await releaseLinkMail(db, email, now);
    log.warn('account link mail failed', { reader_id: reader.id, error: result.error });
    return 'failed';
  }
  log.info('account link sent', { reader_id: reader.id });
  return 'sent';
}

/** Forgets cooldowns long over (housekeeping). */
export async function purgeLinkMails(db: Db, now: number): Promise<void> {
  await db.deleteFrom('account_link_mails').where('sent_at', '<', now - ACCOUNT_LINK_COOLDOWN_MS).execute();
}
