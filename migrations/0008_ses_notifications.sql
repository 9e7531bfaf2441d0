-- SES bounce and complaint notifications arrive through SNS, at least once: each is applied once.
CREATE TABLE notification_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  received_at BIGINT NOT NULL
);

-- Soft (transient) bounces do not suppress an address; they are counted so staff can see a mailbox
-- that keeps refusing.
CREATE TABLE transient_bounces (
  address TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  last_at BIGINT NOT NULL
);
