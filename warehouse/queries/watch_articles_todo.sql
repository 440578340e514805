-- Articles whose extracted mentions a watch has not yet taken into account ($all: every
-- extracted article, for a replay), with what developments need to know of them, in
-- publication order. Relevance is the watch's own when scored, else the default watch's.
SELECT a.article_id, a.published_at, a.source, a.url, a.title, a.duplicate_of,
       coalesce(r.score, a.relevance, 0.0) AS relevance,
       coalesce(r.label, a.relevance_label, 'none') AS relevance_label
FROM articles AS a
JOIN article_extractions AS e USING (article_id)
LEFT JOIN article_relevance AS r ON r.article_id = a.article_id AND r.watch = $watch
WHERE $all OR NOT EXISTS (
    -- taken into account since its mentions were last extracted: a new version of the article
    -- (its page read after its summary) or a re-extraction is taken into account again
    SELECT 1 FROM watch_articles AS w
    WHERE w.watch = $watch AND w.article_id = a.article_id AND w.processed_at >= e.extracted_at
)
ORDER BY a.published_at, a.article_id;
