-- 005: which article each development source is a syndicated copy of, so that an original read
-- after its copy (a copy published before it) is still counted once with it.
ALTER TABLE development_sources ADD COLUMN duplicate_of VARCHAR;   -- NULL: not a copy

-- Sources recorded before this migration: from their article's latest version.
UPDATE development_sources AS s
SET duplicate_of = v.duplicate_of
FROM (
    SELECT article_id, arg_max(duplicate_of, version) AS duplicate_of
    FROM article_versions
    GROUP BY article_id
) AS v
WHERE v.article_id = s.article_id AND v.duplicate_of IS NOT NULL;
