import type { Generated, Kysely } from 'kysely';

/** Epoch milliseconds, stored as BIGINT. */
type Millis = number;

export interface ReadersTable {
  id: string;
  email: string;
  unsubscribed_at: Millis | null;
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
  /** The first item's price, in the currency's minor unit; null when Stripe gave none (or before 0009). */
  unit_amount: number | null;
  /** ISO 4217, lower case as Stripe writes it. */
  currency: string | null;
  quantity: Generated<number>;
  /** day | week | month | year: unit_amount is charged every interval_count of these. */
  interval: string | null;
  interval_count: Generated<number>;
  /** When Stripe ended the subscription (canceled, expired). */
  ended_at: Millis | null;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  stripe_created_at: Millis;
  processed_at: Millis;
  /** processed | ignored | rejected (can never be applied; `reason` says why). */
  outcome: Generated<string>;
  reason: string | null;
}

export interface AccountLinkMailsTable {
  email: string;
  sent_at: Millis;
}

export interface SuppressionsTable {
  /** The normalised address, or 'sha256:<hex>' once its reader was erased. */
  address: string;
  reason: string;
  source: string;
  detail: string | null;
  created_at: Millis;
}

export interface NotificationEventsTable {
  id: string;
  kind: string;
  received_at: Millis;
}

export interface TransientBouncesTable {
  address: string;
  count: number;
  last_at: Millis;
}

export interface StaffSessionsTable {
  /** sha256 of the session id the cookie holds. */
  id_hash: string;
  csrf_token: string;
  /** A STAFF_EMAILS address, or 'token:<fingerprint>' for a sign-in with ADMIN_TOKEN. */
  staff: string;
  created_at: Millis;
  last_seen_at: Millis;
}

export interface StaffLinkUsesTable {
  token_hash: string;
  used_at: Millis;
}

export interface RateLimitsTable {
  key: string;
  window_start: Millis;
  hits: number;
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

export interface ArticlesTable {
  id: string;
  guid: string;
  url: string;
  title: string;
  summary: string | null;
  image_url: string | null;
  author: string | null;
  section: string | null;
  published_at: Millis;
  /** 1 when the CMS marked it as the lead story; feeds never set it. */
  lead: Generated<number>;
  source: string;
  created_at: Millis;
  updated_at: Millis;
}

/** What staff decide about an article, apart from what its source says (ArticleInput reads ArticlesTable). */
export interface ArticleStaffColumns {
  /** 1 when staff left it out of the next edition. */
  excluded: Generated<number>;
}

export interface FeedsTable {
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_polled_at: Millis | null;
  last_error: string | null;
  /** Items in the feed's last successful read (a 304 keeps it). */
  last_item_count: number | null;
}

export interface EditionsTable {
  date: string;
  subject: string;
  html: string;
  text: string;
  article_count: number;
  frozen_at: Millis;
  /** The marker in html/text slots ([[MARKER:name]]); null for editions stored before markers ([[name]]). */
  slot_marker: string | null;
}

export interface EditionArticlesTable {
  edition_date: string;
  article_id: string;
  position: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

export interface DeliveriesTable {
  edition_date: string;
  reader_id: string;
  email: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Millis;
  lease_owner: string | null;
  lease_until: Millis | null;
  last_error: string | null;
  sent_at: Millis | null;
}

export interface Database {
  articles: ArticlesTable & ArticleStaffColumns;
  feeds: FeedsTable;
  editions: EditionsTable;
  edition_articles: EditionArticlesTable;
  deliveries: DeliveriesTable;
  readers: ReadersTable;
  customers: CustomersTable;
  subscriptions: SubscriptionsTable;
  stripe_events: StripeEventsTable;
  welcome_emails: WelcomeEmailsTable;
  account_link_mails: AccountLinkMailsTable;
  rate_limits: RateLimitsTable;
  suppressions: SuppressionsTable;
  notification_events: NotificationEventsTable;
  transient_bounces: TransientBouncesTable;
  staff_sessions: StaffSessionsTable;
  staff_link_uses: StaffLinkUsesTable;
}

export type Db = Kysely<Database>;
/** D1 speaks SQLite's SQL; what it lacks (interactive transactions) goes through Deps.batch. */
export type DialectName = 'sqlite' | 'postgres' | 'd1';
