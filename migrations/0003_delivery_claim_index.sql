-- Claims read pending (or expired 'sending') rows of one edition in reader order. With status before
-- reader_id in the index, that is an ordered range scan instead of sorting every claimable row on
-- each claim, which cost PostgreSQL most of a core at 150 messages a second.
DROP INDEX deliveries_claim;

CREATE INDEX deliveries_by_status ON deliveries (edition_date, status, reader_id);
