-- A delivery's status changes twice (pending → sending → sent). With status in an index, each
-- change wrote new index entries and left dead ones that every claim then stepped over; without it,
-- PostgreSQL updates the row in place (HOT) and cleans the page as it goes. Claims walk the primary
-- key from where the last claim ended instead.
DROP INDEX deliveries_by_status;
