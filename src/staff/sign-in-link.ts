import type { Deps } from '../deps.ts';
import type { Db } from '../db/schema.ts';
import { GazetteError } from '../errors.ts';
import { messageIdDomain } from '../links.ts';
import { composeMessage } from '../mail/compose.ts';
import type { OutgoingMessage } from '../mail/mailer.ts';
import { escapeHtml, headerSafe } from '../mail/template.ts';
import { signToken, STAFF_TOKEN_TTL_MS, verifyToken } from '../tokens.ts';
import { isStaffEmail } from './identity.ts';
import { hashSecret } from './sessions.ts';

/**
 * Sign-in by mail for the addresses in STAFF_EMAILS: a signed link (purpose 'staff', 15 minutes) to
 * a page whose button signs in. Opening the link changes nothing, so a mail scanner that follows it
 * signs nobody in; the button's POST redeems it, once.
 */
export type StaffLinkOutcome = 'sent' | 'not_staff' | 'failed';

export async function staffSignInUrl(config: Deps['config'], email: string, now: number): Promise<string> {
  return `${config.publicUrl}/admin/sign-in/${signToken(config.appSecret, 'staff', email, now + STAFF_TOKEN_TTL_MS)}`;
}

/** The mail: English, like the console; short, with the link as a button and as text. */
export function staffLinkMail(config: Deps['config'], email: string, url: string, now: number): OutgoingMessage {
  const name = config.publication.name;
  const minutes = STAFF_TOKEN_TTL_MS / 60_000;
  const text = `Sign in to the ${name} staff console:\n\n${url}\n\nThe link works once, for ${minutes} minutes. If you did not ask for it, ignore this mail: nobody is signed in until the link is used.\n`;
  const html = `<!doctype html><html><body style="margin:0;padding:24px;background:#f6f3ee;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1a19">
<div style="max-width:480px;margin:0 auto;background:#ffffff;border:1px solid #ddd6cb;border-radius:10px;padding:24px">
<p style="margin:0 0 16px;font-weight:700">${escapeHtml(name)} · staff console</p>
<p style="margin:0 0 20px">Use this button to sign in. The link works once, for ${minutes} minutes.</p>
<p style="margin:0 0 20px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 20px;background:${escapeHtml(config.publication.accent)};color:#ffffff;border-radius:8px;text-decoration:none;font-weight:700">Sign in</a></p>
<p style="margin:0;color:#595652;font-size:14px">If you did not ask for it, ignore this mail: nobody is signed in until the link is used.</p>
</div></body></html>`;
  return {
    from: config.mailFrom,
    to: email,
    subject: headerSafe(`Sign in to the ${name} staff console`),
    html,
    text,
    messageId: `staff.${crypto.randomUUID()}@${messageIdDomain(config.publicUrl)}`,
    headers: { 'X-Gazette-Kind': 'staff-sign-in' },
  };
}

/**
 * Mails a sign-in link to `email` if it is a STAFF_EMAILS address. Whoever asked is told the same
 * thing whatever the outcome (and the form's limits cap how often), so the form says nothing about
 * who is staff. The log never holds the address.
 */
export async function mailStaffLink(deps: Deps, email: string): Promise<StaffLinkOutcome> {
  if (!isStaffEmail(deps.config, email)) {
    deps.log.info('staff sign-in link not sent: not a STAFF_EMAILS address');
    return 'not_staff';
  }
  const now = deps.clock.now();
  const message = staffLinkMail(deps.config, email, await staffSignInUrl(deps.config, email, now), now);
  const result = await deps.mailer.send(composeMessage(message, now)).catch((err: Error) => ({ ok: false as const, permanent: false, error: err.message }));
  if (!result.ok) {
    deps.log.warn('staff sign-in link mail failed', { error: result.error });
    return 'failed';
  }
  deps.log.info('staff sign-in link sent');
  return 'sent';
}

/** The address a link was issued for, if it still is staff; the link itself is not used up. */
export async function checkStaffLink(deps: Pick<Deps, 'config' | 'clock'>, token: string): Promise<string> {
  let email: string;
  try {
    email = verifyToken(deps.config.appSecret, 'staff', token, deps.clock.now());
  } catch (err) {
    if (err instanceof GazetteError && err.code === 'expired_token') {
      throw new GazetteError('expired_token', `This sign-in link has expired: links work for ${STAFF_TOKEN_TTL_MS / 60_000} minutes. Ask for a new one.`);
    }
    throw err;
  }
  if (!isStaffEmail(deps.config, email)) throw new GazetteError('forbidden', 'This address is no longer on the staff list (STAFF_EMAILS).');
  return email;
}

/** Uses a link up: one conditional insert, so two clicks (or two processes) can't both sign in with it. */
export async function redeemStaffLink(deps: Pick<Deps, 'config' | 'clock' | 'db'>, token: string): Promise<string> {
  const email = await checkStaffLink(deps, token);
  const used = await deps.db
    .insertInto('staff_link_uses')
    .values({ token_hash: hashSecret(token), used_at: deps.clock.now() })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .returning('token_hash')
    .executeTakeFirst();
  if (!used) throw new GazetteError('invalid_token', 'This sign-in link was already used. Ask for a new one.');
  return email;
}

/** Used links past their lifetime can't be replayed anyway: forgotten (housekeeping). */
export async function purgeLinkUses(db: Db, now: number): Promise<void> {
  await db.deleteFrom('staff_link_uses').where('used_at', '<', now - STAFF_TOKEN_TTL_MS).execute();
}
