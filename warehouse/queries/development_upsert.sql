-- Insert or update a batch of developments (registered as _batch_developments), keyed by development_id.
INSERT INTO developments (
    development_id, watch, kind, key, summary, subject, object, relation, topic, stage, metric, value, unit,
    period, figure_kind, status, conflict, conflict_claims, held, units, score, reasons, alert_class, evidence,
    first_seen_at, last_seen_at, updated_at, first_article_id, source_count, scored_at
)
SELECT
    development_id, watch, kind, key, summary, subject, object, relation, topic, stage, metric, value, unit,
    period, figure_kind, status, conflict, conflict_claims, held, units, score, reasons, alert_class, evidence,
    first_seen_at, last_seen_at, updated_at, first_article_id, source_count, scored_at
FROM _batch_developments
ON CONFLICT (development_id) DO UPDATE SET
    summary = excluded.summary,
    subject = excluded.subject,
    object = excluded.object,
    relation = excluded.relation,
    topic = excluded.topic,
    stage = excluded.stage,
    metric = excluded.metric,
    value = excluded.value,
    unit = excluded.unit,
    period = excluded.period,
    figure_kind = excluded.figure_kind,
    status = excluded.status,
    conflict = excluded.conflict,
    conflict_claims = excluded.conflict_claims,
    held = excluded.held,
    units = excluded.units,
    score = excluded.score,
    reasons = excluded.reasons,
    alert_class = excluded.alert_class,
    evidence = excluded.evidence,
    first_seen_at = excluded.first_seen_at,
    last_seen_at = excluded.last_seen_at,
    updated_at = excluded.updated_at,
    first_article_id = excluded.first_article_id,
    source_count = excluded.source_count,
    scored_at = excluded.scored_at;
