-- feed_health: one row per feed, its fetch state and health.
--   feed_id, location, last_attempt_at, last_success_at, last_status, consecutive_failures,
--   last_error, entries_seen (entries in the feed at the last success), new_articles (stored by the
--   last success), total_articles, healthy (last attempt succeeded)
CREATE OR REPLACE VIEW feed_health AS
SELECT feed_id, location, last_attempt_at, last_success_at, last_status, consecutive_failures,
       last_error, entries_seen, new_articles, total_articles,
       consecutive_failures = 0 AND last_success_at IS NOT NULL AS healthy
FROM feeds;
