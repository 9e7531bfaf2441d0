-- One dialect-neutral schema for SQLite, D1 and PostgreSQL: TEXT ids, BIGINT epoch milliseconds,
-- INTEGER 0/1 flags. Statements are separated by a semicolon at the end of a line.

CREATE TABLE readers (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  unsubscribed_at BIGINT,
  suppressed_at BIGINT,
  suppressed_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX readers_created ON readers (created_at, id);

-- A Stripe customer belongs to exactly one reader; a reader may have had several customers.
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  reader_id TEXT NOT NULL REFERENCES readers (id),
  email TEXT,
  synced_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX customers_reader ON customers (reader_id);

-- The mirror of a Stripe subscription. synced_at is when the stored state was read from Stripe:
-- an update only lands when it is at least as fresh, so late or replayed events never regress it.
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  reader_id TEXT NOT NULL REFERENCES readers (id),
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  price_id TEXT,
  current_period_end BIGINT,
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  ends_at BIGINT,
  stripe_created_at BIGINT NOT NULL,
  synced_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX subscriptions_reader ON subscriptions (reader_id, stripe_created_at);

CREATE TABLE stripe_events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  stripe_created_at BIGINT NOT NULL,
  processed_at BIGINT NOT NULL
);

-- At most one welcome per reader, ever. status: pending | sending | sent | failed.
-- A 'sending' row whose lease ran out belongs to a process that died mid-send and is retried.
CREATE TABLE welcome_emails (
  reader_id TEXT PRIMARY KEY REFERENCES readers (id),
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_error TEXT,
  sent_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE INDEX welcome_emails_due ON welcome_emails (status, next_attempt_at);
