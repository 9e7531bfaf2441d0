-- The CMS may mark an article as the day's lead story ("lead": true in POST /admin/articles): the
-- edition opens with the newest one so marked, else with the newest article. Feeds never set it.
ALTER TABLE articles ADD COLUMN lead INTEGER NOT NULL DEFAULT 0;
