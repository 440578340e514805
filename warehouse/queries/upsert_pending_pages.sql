-- Keep a batch of pages still to fetch (registered as _pending_batch): a page seen pending
-- before keeps the time it was first queued.
INSERT INTO pending_pages
    (entry_id, feed_id, link, entry, attempts, first_queued_at, last_attempt_at, last_error)
SELECT entry_id, feed_id, link, entry, attempts, first_queued_at, last_attempt_at, last_error
FROM _pending_batch
ON CONFLICT (entry_id) DO UPDATE SET
    link = excluded.link,
    entry = excluded.entry,
    attempts = excluded.attempts,
    last_attempt_at = excluded.last_attempt_at,
    last_error = excluded.last_error;
