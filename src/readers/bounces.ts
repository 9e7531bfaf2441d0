import { sql } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { normalizeEmail } from './email.ts';
import { suppress } from './suppressions.ts';

/**
 * What SES reports after a message left: a bounce (permanent, or transient) or a spam complaint, in
 * either of SES's shapes (event publishing's eventType, or feedback notifications' notificationType).
 */
const recipient = z.object({ emailAddress: z.string() }).loose();
const sesEvent = z
  .object({
    eventType: z.string().optional(),
    notificationType: z.string().optional(),
    bounce: z.object({ bounceType: z.string(), bounceSubType: z.string().optional(), bouncedRecipients: z.array(recipient) }).loose().optional(),
    complaint: z.object({ complainedRecipients: z.array(recipient), complaintFeedbackType: z.string().optional() }).loose().optional(),
  })
  .loose();

export type NotificationOutcome = { kind: 'bounce' | 'transient' | 'complaint' | 'other'; addresses: number } | { kind: 'duplicate' };

/** Applies one SES notification, once per SNS message id: permanent bounces and complaints suppress the address; transient bounces are counted. */
export async function applySesNotification(deps: Pick<Deps, 'db' | 'log'>, messageId: string, message: unknown, now: number): Promise<NotificationOutcome> {
  const parsed = sesEvent.safeParse(message);
  const event = parsed.success ? parsed.data : {};
  const type = event.eventType ?? event.notificationType ?? '';
  const kind = type === 'Complaint' ? 'complaint' : type === 'Bounce' ? (event.bounce?.bounceType === 'Permanent' ? 'bounce' : 'transient') : 'other';
  const fresh = await deps.db
    .insertInto('notification_events')
    .values({ id: messageId, kind, received_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!fresh) return { kind: 'duplicate' };
  const recipients = (kind === 'complaint' ? event.complaint?.complainedRecipients : event.bounce?.bouncedRecipients) ?? [];
  const addresses = recipients.map((r) => normalizeEmail(r.emailAddress)).filter((a): a is string => a !== null);
  for (const address of addresses) {
    if (kind === 'bounce') await suppress(deps.db, address, { reason: 'bounce', source: 'notification', detail: event.bounce?.bounceSubType ?? null }, now);
    else if (kind === 'complaint') await suppress(deps.db, address, { reason: 'complaint', source: 'notification', detail: event.complaint?.complaintFeedbackType ?? null }, now);
    else if (kind === 'transient') {
      await sql`INSERT INTO transient_bounces (address, count, last_at) VALUES (${address}, 1, ${now})
        ON CONFLICT (address) DO UPDATE SET count = transient_bounces.count + 1, last_at = ${now}`.execute(deps.db);
    }
  }
  if (kind !== 'other') deps.log.info('SES notification applied', { kind, addresses: addresses.length });
  return { kind, addresses: addresses.length };
}
