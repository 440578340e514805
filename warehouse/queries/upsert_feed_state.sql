-- Record one fetch attempt per feed (registered as _feed_batch). On success the cursor
-- (ETag, Last-Modified) moves and the failure count resets; on failure only the error is kept.
-- retry_not_before is the last attempt's: set by a Retry-After, cleared by any other answer.
INSERT INTO feeds
    (feed_id, location, etag, last_modified, last_attempt_at, last_success_at, last_status,
     consecutive_failures, last_error, entries_seen, new_articles, total_articles, retry_not_before)
SELECT feed_id, location, etag, last_modified, attempted_at,
       CASE WHEN ok THEN attempted_at END, status,
       CASE WHEN ok THEN 0 ELSE 1 END, error, coalesce(entries_seen, 0), coalesce(new_articles, 0),
       coalesce(new_articles, 0), retry_not_before
FROM _feed_batch
ON CONFLICT (feed_id) DO UPDATE SET
    location = excluded.location,
    etag = CASE WHEN excluded.last_success_at IS NOT NULL THEN coalesce(excluded.etag, feeds.etag) ELSE feeds.etag END,
    last_modified = CASE WHEN excluded.last_success_at IS NOT NULL THEN coalesce(excluded.last_modified, feeds.last_modified) ELSE feeds.last_modified END,
    last_attempt_at = excluded.last_attempt_at,
    last_success_at = coalesce(excluded.last_success_at, feeds.last_success_at),
    last_status = excluded.last_status,
    consecutive_failures = CASE WHEN excluded.last_success_at IS NOT NULL THEN 0 ELSE feeds.consecutive_failures + 1 END,
    last_error = CASE WHEN excluded.last_success_at IS NOT NULL THEN NULL ELSE excluded.last_error END,
    -- a 304 reads no entries: the feed still holds what the last full read counted
    entries_seen = CASE WHEN excluded.last_success_at IS NOT NULL AND coalesce(excluded.last_status, 0) <> 304
                        THEN excluded.entries_seen ELSE feeds.entries_seen END,
    new_articles = CASE WHEN excluded.last_success_at IS NOT NULL THEN excluded.new_articles ELSE feeds.new_articles END,
    total_articles = feeds.total_articles + excluded.new_articles,
    retry_not_before = excluded.retry_not_before;
