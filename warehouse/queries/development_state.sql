-- The developments of one watch (parameter: watch), in a stable order.
SELECT
    development_id, watch, kind, key, summary, subject, object, relation, topic, stage, metric, value, unit,
    period, figure_kind, status, conflict, score, reasons, alert_class, evidence, first_seen_at, last_seen_at,
    updated_at, first_article_id, source_count, held, conflict_claims, units
FROM developments
WHERE watch = ?
ORDER BY key;
