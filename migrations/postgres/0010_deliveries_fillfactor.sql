-- PostgreSQL only: room on each page of the ledger for the two updates every row gets, so they stay
-- on the page (HOT) instead of moving the row and touching the indexes.
ALTER TABLE deliveries SET (fillfactor = 50);
