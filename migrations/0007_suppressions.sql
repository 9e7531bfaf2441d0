-- Addresses we must not mail (hard bounce, complaint, staff), by address, not by reader row: an
-- address change or a new sign-up can't escape it. address is the normalised email, or
-- 'sha256:<hex>' once the reader it belonged to was erased (the address itself is gone then).
CREATE TABLE suppressions (
  address TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT,
  created_at BIGINT NOT NULL
);

INSERT INTO suppressions (address, reason, source, detail, created_at)
  SELECT email, 'bounce', 'send', suppressed_reason, suppressed_at FROM readers WHERE suppressed_at IS NOT NULL;

ALTER TABLE readers DROP COLUMN suppressed_reason;

ALTER TABLE readers DROP COLUMN suppressed_at;
