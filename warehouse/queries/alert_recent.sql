-- The most recent alerts for `evwatch alerts`: one row per alert (message × channel), newest
-- first, with where it stands (pending, sending, sent, failed = gave up) and why.
-- Parameter: limit.
SELECT alert_id, message_id, watch, kind, channel, status, attempts, created_at,
       next_attempt_at, sent_at, last_error, summary, title
FROM alerts
ORDER BY created_at DESC, kind, channel, alert_id
LIMIT ?;
