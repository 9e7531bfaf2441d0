-- Articles from feeds and the publisher's API; editions frozen once per day; the delivery ledger.

CREATE TABLE articles (
  id TEXT PRIMARY KEY,
  guid TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  summary TEXT,
  image_url TEXT,
  author TEXT,
  section TEXT,
  published_at BIGINT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX articles_published ON articles (published_at, id);

-- What a feed's server last told us, for conditional GET.
CREATE TABLE feeds (
  url TEXT PRIMARY KEY,
  etag TEXT,
  last_modified TEXT,
  last_polled_at BIGINT,
  last_error TEXT
);

-- One per date (YYYY-MM-DD in DIGEST_TIMEZONE), rendered once; html/text keep [[slots]] for each reader.
CREATE TABLE editions (
  date TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  article_count INTEGER NOT NULL,
  frozen_at BIGINT NOT NULL
);

-- An article goes out in at most one edition.
CREATE TABLE edition_articles (
  edition_date TEXT NOT NULL REFERENCES editions (date),
  article_id TEXT NOT NULL UNIQUE REFERENCES articles (id),
  position INTEGER NOT NULL,
  PRIMARY KEY (edition_date, article_id)
);

-- The ledger: one row per (edition, reader). status: pending | sending | sent | failed | skipped.
-- A 'sending' row is leased to lease_owner until lease_until; a dead sender's lease runs out and the
-- row is claimed again.
CREATE TABLE deliveries (
  edition_date TEXT NOT NULL REFERENCES editions (date),
  reader_id TEXT NOT NULL REFERENCES readers (id),
  email TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  last_error TEXT,
  sent_at BIGINT,
  PRIMARY KEY (edition_date, reader_id)
);

CREATE INDEX deliveries_claim ON deliveries (edition_date, status, next_attempt_at);
