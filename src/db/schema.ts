import type { Kysely } from 'kysely';

/** Epoch milliseconds, stored as BIGINT. */
type Millis = number;

export interface ReadersTable {
  id: string;
  email: string;
  unsubscribed_at: Millis | null;
  suppressed_at: Millis | null;
  suppressed_reason: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface CustomersTable {
  id: string;
  reader_id: string;
  email: string | null;
  synced_at: Millis;
  created_at: Millis;
}

export interface SubscriptionsTable {
  id: string;
  reader_id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  current_period_end: Millis | null;
  cancel_at_period_end: number;
  ends_at: Millis | null;
  stripe_created_at: Millis;
  synced_at: Millis;
  updated_at: Millis;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  stripe_created_at: Millis;
  processed_at: Millis;
}

export interface WelcomeEmailsTable {
  reader_id: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Millis;
  lease_until: Millis | null;
  last_error: string | null;
  sent_at: Millis | null;
  created_at: Millis;
}

export interface Database {
  readers: ReadersTable;
  customers: CustomersTable;
  subscriptions: SubscriptionsTable;
  stripe_events: StripeEventsTable;
  welcome_emails: WelcomeEmailsTable;
}

export type Db = Kysely<Database>;
export type DialectName = 'sqlite' | 'postgres';
