-- A syndicated copy points at a stored article other than itself: must return no rows.
SELECT a.article_id, a.duplicate_of
FROM articles AS a
LEFT JOIN articles AS o ON o.article_id = a.duplicate_of
WHERE a.duplicate_of IS NOT NULL AND (o.article_id IS NULL OR a.duplicate_of = a.article_id);
