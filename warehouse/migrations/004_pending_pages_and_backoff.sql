-- 004: linked pages still to fetch, and a feed's Retry-After remembered between runs.

-- One row per feed entry whose linked page is still to be fetched: it failed for a passing
-- reason (a timeout, a 5xx) or the feed's page budget ran out before it was reached. Every run
-- fetches these again, whatever the feed answers (a 304 lists no entries), until the page is
-- read or the attempts run out.
CREATE TABLE pending_pages (
    entry_id         VARCHAR PRIMARY KEY,
    feed_id          VARCHAR NOT NULL,
    link             VARCHAR NOT NULL,
    entry            VARCHAR NOT NULL,   -- the feed entry as JSON, to build the article when the page comes
    attempts         INTEGER NOT NULL,   -- failed fetches so far (a page not reached does not count)
    first_queued_at  TIMESTAMP NOT NULL,
    last_attempt_at  TIMESTAMP,
    last_error       VARCHAR
);

-- A server that answered 429/503 with a Retry-After is not asked again before this time.
ALTER TABLE feeds ADD COLUMN retry_not_before TIMESTAMP;
