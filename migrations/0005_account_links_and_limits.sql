-- Sign-in and manage-subscription links go by mail only, at most one per address per cooldown; the
-- time is kept here so every process agrees. email is the normalised address.
CREATE TABLE account_link_mails (
  email TEXT PRIMARY KEY,
  sent_at BIGINT NOT NULL
);

-- Fixed-window counters for abuse limits, shared by every process. key is a hash of
-- (limit, client address or email): no address is stored in the clear.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL
);

-- Events that can never be applied (customer deleted, object missing) are kept with the reason,
-- answered 200 so Stripe stops retrying, and visible to staff.
ALTER TABLE stripe_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'processed';

ALTER TABLE stripe_events ADD COLUMN reason TEXT;
