-- Record the outcome of one delivery attempt on a channel's health row (one row per channel).
-- Success resets the failure count; a failure adds one and keeps when the failing began.
-- Parameters: channel, ok, now, error. Returns the row after the change.
INSERT INTO channel_state AS s (channel, consecutive_failures, failing_since, notice_sent, last_ok_at, last_error)
VALUES ($1, CASE WHEN $2 THEN 0 ELSE 1 END, CASE WHEN $2 THEN NULL ELSE $3 END, false,
        CASE WHEN $2 THEN $3 END, CASE WHEN $2 THEN NULL ELSE $4 END)
ON CONFLICT (channel) DO UPDATE SET
    consecutive_failures = CASE WHEN $2 THEN 0 ELSE s.consecutive_failures + 1 END,
    failing_since = CASE WHEN $2 THEN NULL ELSE coalesce(s.failing_since, $3) END,
    last_ok_at = CASE WHEN $2 THEN $3 ELSE s.last_ok_at END,
    last_error = CASE WHEN $2 THEN NULL ELSE $4 END
RETURNING channel, consecutive_failures, failing_since, notice_sent, last_ok_at, last_error;
