-- Store a batch of feed entries (registered as _entries_batch); an entry seen before keeps its
-- first_seen_at and takes the new content stamp.
INSERT INTO entries
    (entry_id, feed_id, guid, link, title, published_at, updated_at, entry_hash, article_id, first_seen_at, last_seen_at)
SELECT entry_id, feed_id, guid, link, title, published_at, updated_at, entry_hash, article_id, first_seen_at, last_seen_at
FROM _entries_batch
ON CONFLICT (entry_id) DO UPDATE SET
    link = excluded.link,
    title = excluded.title,
    updated_at = excluded.updated_at,
    entry_hash = excluded.entry_hash,
    article_id = coalesce(excluded.article_id, entries.article_id),
    last_seen_at = excluded.last_seen_at;
