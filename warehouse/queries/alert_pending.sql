-- Alerts due for delivery: one row per alert (message × channel) that is pending, or was left
-- 'sending' by a run that stopped between sending and recording the outcome (sending again may
-- repeat that one message on that channel; never sending it would lose it), and whose next
-- attempt time has come. Oldest first, so a channel's messages arrive in the order they were made.
-- Parameter: now (naive UTC).
SELECT alert_id, message_id, watch, kind, created_at, channel, status, attempts,
       next_attempt_at, last_error, development_ids, summary, title,
       body_text, body_markdown, body_html
FROM alerts
WHERE status IN ('pending', 'sending')
  AND coalesce(next_attempt_at, created_at) <= ?
ORDER BY created_at, kind, alert_id;
