-- development_log: one row per change of a development's field, newest first: what changed, when,
-- and which report changed it.
--   watch, development_id, key, kind, summary (the development now), alert_class (now, digest, none),
--   changed_at (publication time of the report), change (new, updated, conflict), field (created, stage,
--   value, status), old, new, article_id, source, url, title of the report
CREATE OR REPLACE VIEW development_log AS
SELECT
    d.watch, d.development_id, d.key, d.kind, d.summary, d.alert_class,
    h.changed_at, h.change, h.field, h.old, h.new,
    h.article_id, s.source, s.url, s.title
FROM development_history AS h
JOIN developments AS d USING (development_id)
LEFT JOIN development_sources AS s ON s.development_id = h.development_id AND s.article_id = h.article_id
ORDER BY h.changed_at DESC, d.key, h.field;
