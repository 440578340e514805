-- Latest versions of articles whose extraction is missing or stale: another version of the
-- text, another extractor or another catalogue/watch definition than the one last used.
SELECT a.article_id, a.title, a.text, a.published_at, a.source, a.version
FROM articles AS a
LEFT JOIN article_extractions AS e ON e.article_id = a.article_id
WHERE e.article_id IS NULL
   OR e.version <> a.version
   OR e.extractor_version <> $extractor_version
   OR e.catalogue_hash <> $catalogue_hash
ORDER BY a.published_at, a.article_id;
