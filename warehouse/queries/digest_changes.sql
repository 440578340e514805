-- The developments of a watch changed by articles the watch took into account in a period
-- [$start, $end): what a digest reports.
SELECT DISTINCT h.development_id, h.article_id
FROM development_history AS h
JOIN developments AS d USING (development_id)
JOIN watch_articles AS w ON w.watch = d.watch AND w.article_id = h.article_id
WHERE d.watch = $watch AND w.processed_at >= $start AND w.processed_at < $end;
