-- The sources of one watch's developments (parameter: watch), each development's in publication order.
SELECT
    s.development_id, s.article_id, s.role, s.published_at, s.source, s.url, s.title, s.evidence, s.stage,
    s.value, s.unit, s.relevance, s.relevance_label, s.duplicate_of
FROM development_sources AS s
JOIN developments AS d USING (development_id)
WHERE d.watch = ?
ORDER BY s.development_id, s.published_at, s.article_id;
