-- The latest developments of one watch (parameters: watch, limit), most recently changed first, with
-- the URL of the first report and of the report behind the latest change.
SELECT
    d.development_id, d.key, d.kind, d.summary, d.status, d.alert_class, d.held, d.score, d.reasons,
    d.source_count, d.first_seen_at, d.last_seen_at, d.updated_at, d.conflict,
    first_report.url AS first_url,
    latest.url AS latest_url
FROM developments AS d
LEFT JOIN development_sources AS first_report
    ON first_report.development_id = d.development_id AND first_report.article_id = d.first_article_id
LEFT JOIN (
    SELECT h.development_id, arg_max(s.url, h.changed_at) AS url
    FROM development_history AS h
    JOIN development_sources AS s ON s.development_id = h.development_id AND s.article_id = h.article_id
    GROUP BY h.development_id
) AS latest ON latest.development_id = d.development_id
WHERE d.watch = ?
ORDER BY coalesce(d.updated_at, d.first_seen_at) DESC, d.score DESC, d.key
LIMIT ?;
