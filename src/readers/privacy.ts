import type { Deps } from '../deps.ts';
import { addressHash } from './suppressions.ts';

/** Everything Gazette keeps about one reader, as they could ask for it (GDPR access and portability). */
export interface ReaderExport {
  reader: { id: string; email: string; created_at: string; unsubscribed_at: string | null };
  suppression: { reason: string; source: string; since: string } | null;
  stripe_customers: { id: string; since: string }[];
  subscriptions: { id: string; status: string; price_id: string | null; current_period_end: string | null; ends_at: string | null; created_at: string }[];
  deliveries: { edition: string; status: string; sent_at: string | null }[];
  welcome_email: { status: string; sent_at: string | null } | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export async function exportReader(deps: Pick<Deps, 'db'>, readerId: string): Promise<ReaderExport | undefined> {
  const { db } = deps;
  const reader = await db.selectFrom('readers').selectAll().where('id', '=', readerId).executeTakeFirst();
  if (!reader) return undefined;
  const [suppression, customers, subscriptions, deliveries, welcome] = await Promise.all([
    db.selectFrom('suppressions').selectAll().where('address', '=', reader.email).executeTakeFirst(),
    db.selectFrom('customers').select(['id', 'created_at']).where('reader_id', '=', readerId).orderBy('created_at').execute(),
    db.selectFrom('subscriptions').selectAll().where('reader_id', '=', readerId).orderBy('stripe_created_at').execute(),
    db.selectFrom('deliveries').select(['edition_date', 'status', 'sent_at']).where('reader_id', '=', readerId).orderBy('edition_date').execute(),
    db.selectFrom('welcome_emails').select(['status', 'sent_at']).where('reader_id', '=', readerId).executeTakeFirst(),
  ]);
  return {
    reader: { id: reader.id, email: reader.email, created_at: iso(reader.created_at)!, unsubscribed_at: iso(reader.unsubscribed_at) },
    suppression: suppression ? { reason: suppression.reason, source: suppression.source, since: iso(suppression.created_at)! } : null,
    stripe_customers: customers.map((c) => ({ id: c.id, since: iso(c.created_at)! })),
    subscriptions: subscriptions.map((s) => ({ id: s.id, status: s.status, price_id: s.price_id, current_period_end: iso(s.current_period_end), ends_at: iso(s.ends_at), created_at: iso(s.stripe_created_at)! })),
    deliveries: deliveries.map((d) => ({ edition: d.edition_date, status: d.status, sent_at: iso(d.sent_at) })),
    welcome_email: welcome ? { status: welcome.status, sent_at: iso(welcome.sent_at) } : null,
  };
}

/**
 * Erases a reader (GDPR erasure): their rows go, in one batch. If their address was suppressed, only
 * its hash stays on the list, so a later sign-up with it is still not mailed. Billing records live in
 * Stripe, which the publisher erases there. The log says which reader id, never the address.
 */
export async function eraseReader(deps: Pick<Deps, 'db' | 'batch' | 'log' | 'clock'>, readerId: string): Promise<boolean> {
  const { db } = deps;
  const reader = await db.selectFrom('readers').select(['id', 'email']).where('id', '=', readerId).executeTakeFirst();
  if (!reader) return false;
  await deps.batch([
    db.updateTable('suppressions').set({ address: addressHash(reader.email) }).where('address', '=', reader.email).compile(),
    db.deleteFrom('account_link_mails').where('email', '=', reader.email).compile(),
    db.deleteFrom('deliveries').where('reader_id', '=', readerId).compile(),
    db.deleteFrom('welcome_emails').where('reader_id', '=', readerId).compile(),
    db.deleteFrom('subscriptions').where('reader_id', '=', readerId).compile(),
    db.deleteFrom('customers').where('reader_id', '=', readerId).compile(),
    db.deleteFrom('readers').where('id', '=', readerId).compile(),
  ]);
  deps.log.info('reader erased', { reader_id: readerId });
  return true;
}
