-- Claim one alert for a delivery attempt: status 'sending', one more attempt, and the next
-- attempt time moved on by the backoff, so that if this run dies before recording the outcome
-- the alert is retried like a failed one, after the backoff.
-- Parameters: next_attempt_at, alert_id, now. Returns the new attempt number (no row: another
-- run delivered or claimed it meanwhile).
UPDATE alerts
SET status = 'sending',
    attempts = attempts + 1,
    next_attempt_at = ?
WHERE alert_id = ?
  AND status IN ('pending', 'sending')
  AND coalesce(next_attempt_at, created_at) <= ?
RETURNING attempts;
