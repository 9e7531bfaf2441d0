-- The staff console. A session is kept by the hash of its id: the cookie holds the id, so a copy of
-- this table signs nobody in. csrf_token goes back with every form the console sends. staff says who
-- signed in: a STAFF_EMAILS address, or 'token:<fingerprint>' for ADMIN_TOKEN (a new token ends them).
CREATE TABLE staff_sessions (
  id_hash TEXT PRIMARY KEY,
  csrf_token TEXT NOT NULL,
  staff TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);

CREATE INDEX staff_sessions_seen ON staff_sessions (last_seen_at);

-- A mailed sign-in link works once: the hash of each used one is kept until it would have expired.
CREATE TABLE staff_link_uses (
  token_hash TEXT PRIMARY KEY,
  used_at BIGINT NOT NULL
);

-- The mirror keeps the price of the subscription's first item (amount in the currency's minor unit,
-- per interval_count intervals, times quantity), so staff see recurring revenue without asking Stripe.
-- ended_at is when Stripe ended it; rows synced before this migration fill in at their next event.
ALTER TABLE subscriptions ADD COLUMN unit_amount BIGINT;

ALTER TABLE subscriptions ADD COLUMN currency TEXT;

ALTER TABLE subscriptions ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1;

ALTER TABLE subscriptions ADD COLUMN interval TEXT;

ALTER TABLE subscriptions ADD COLUMN interval_count INTEGER NOT NULL DEFAULT 1;

ALTER TABLE subscriptions ADD COLUMN ended_at BIGINT;

-- Subscriptions already over when the mirror learnt ended_at: their scheduled end, else the last sync.
UPDATE subscriptions SET ended_at = COALESCE(ends_at, updated_at) WHERE status IN ('canceled', 'incomplete_expired') AND ended_at IS NULL;

-- Staff can leave an article out of the next edition (and put it back) before it is frozen.
ALTER TABLE articles ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;

-- How many items the feed's last successful read held, shown beside its last poll and error.
ALTER TABLE feeds ADD COLUMN last_item_count INTEGER;
