"""The alert outbox: alerts to send, their attempts, and each channel's health.

One row in ``alerts`` per message and channel (each channel's copy rendered within its size
budget). A run that finds new developments renders one message and calls :func:`enqueue` inside
the transaction that records those developments, so a message exists exactly when its
developments do. Delivery (``evwatch.alerts.deliver``) then
works through :func:`pending` alerts, each in short transactions of its own:
:func:`claim` (status 'sending', attempts + 1), send, then :func:`mark_sent` or
:func:`mark_failed` with :func:`record_attempt` and :func:`record_channel_result`.

Keys make every write idempotent: ``message_id`` is a hash of the watch, the kind, the sorted
development ids and the rendered changes' stamp; ``alert_id`` is a hash of the message id and the
channel (and is sent along as the idempotency key), so enqueueing the same run again adds nothing.

Times are stored as naive UTC, like the rest of the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import duckdb

from evwatch.config import ChannelConfig
from evwatch.ingest.normalize import stable_id
from evwatch.warehouse.db import execute, insert_rows, query_text

#: A message is given up (status 'failed', still listed by ``evwatch alerts``, one operator notice)
#: after this many attempts: with the backoff below that is about three days of trying. A message
#: the service refuses outright (HTTP 400, 413, 422) is given up at its first attempt.
MAX_ATTEMPTS = 20
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
#: A channel that fails this many times in a row raises one operator notice.
NOTICE_AFTER_FAILURES = 3
#: The ``watch`` of operator notices, which belong to no watch.
NOTICE_WATCH = ""


@dataclass(frozen=True)
class OutboxAlert:
    """One alert (a message for one channel) as the outbox holds it."""

    alert_id: str
    message_id: str
    watch: str
    kind: str
    created_at: datetime
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    development_ids: tuple[str, ...]
    summary: str
    title: str
    body_text: str
    body_markdown: str
    body_html: str

    def body(self, fmt: str) -> str:
        return {"text": self.body_text, "markdown": self.body_markdown, "html": self.body_html}[fmt]


@dataclass(frozen=True)
class ChannelState:
    """A channel's health: how many attempts failed in a row and whether the operator was told."""

    channel: str
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    notice_sent: bool = False
    last_ok_at: datetime | None = None
    last_error: str | None = None


class Message(Protocol):
    """What the outbox stores of a rendered message (``evwatch.alerts.render.RenderedMessage``)."""

    title: str
    summary: str
    text: str
    markdown: str
    html: str
    stamp: str


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def backoff(attempt: int) -> timedelta:
    """Wait before the attempt after ``attempt``: 1 min · 2^(attempt-1), at most 6 hours."""
    if attempt < 1:
        return timedelta(0)
    if attempt > 20:  # 2^19 minutes is far beyond the cap already
        return BACKOFF_CAP
    return min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)


def message_id_for(watch: str, kind: str, development_ids: Sequence[str], stamp: str) -> str:
    """The id shared by every channel's copy of one message."""
    return stable_id("message", watch, kind, ",".join(sorted(set(development_ids))), stamp, length=24)


def alert_id_for(message_id: str, channel: str) -> str:
    """The id of one channel's copy of a message; also the idempotency key sent with it."""
    return stable_id("alert", message_id, channel, length=24)


def channels_for(channels: Sequence[ChannelConfig], *, watch: str, kind: str) -> list[ChannelConfig]:
    """The enabled channels that take this kind of message for this watch (a channel with no
    ``watches`` takes every watch; ``digest: false`` opts out of digests; notices go to all)."""
    chosen = []
    for channel in channels:
        if not channel.enabled:
            continue
        if kind == "notice":
            chosen.append(channel)
            continue
        if channel.watches and watch not in channel.watches:
            continue
        if kind == "digest" and not channel.digest:
            continue
        chosen.append(channel)
    return chosen


def enqueue(conn: duckdb.DuckDBPyConnection, message: Message, *, watch: str, kind: str,
            development_ids: Sequence[str], channels: Sequence[ChannelConfig], now: datetime,
            message_id: str | None = None, copies: Mapping[str, Message] | None = None) -> list[str]:
    """Put one rendered message in the outbox, one pending row per channel that takes it.

    Call it inside the transaction that records the developments the message reports. The ids
    are deterministic (see the module docstring), so enqueueing the same message again is a
    no-op. ``copies`` gives a channel its own rendering of the message (within its size budget);
    the message id still comes from ``message``. Returns the ids of the rows added now (empty when
    they were all there already).
    """
    stamp = message.stamp or stable_id(message.text, length=32)
    message_id = message_id or message_id_for(watch, kind, development_ids, stamp)
    targets = channels_for(channels, watch=watch, kind=kind)
    if not targets:
        return []
    ids = {alert_id_for(message_id, c.name): c.name for c in targets}
    placeholders = ", ".join("?" for _ in ids)
    existing = {row[0] for row in execute(
        conn, f"SELECT alert_id FROM alerts WHERE alert_id IN ({placeholders})", list(ids))}
    created = naive_utc(now)
    copies = copies or {}
    rows = [{
        "alert_id": alert_id, "message_id": message_id, "watch": watch, "kind": kind,
        "created_at": created, "channel": channel, "status": "pending", "attempts": 0,
        "next_attempt_at": created, "sent_at": None, "last_error": None,
        "development_ids": sorted(set(development_ids)), "summary": message.summary,
        "title": message.title, "body_text": body.text, "body_markdown": body.markdown,
        "body_html": body.html,
    } for alert_id, channel in ids.items() if alert_id not in existing
        for body in [copies.get(channel, message)]]
    if rows:
        insert_rows(conn, "alerts", rows, on_conflict="nothing")
    return [row["alert_id"] for row in rows]


_COLUMNS = ("alert_id", "message_id", "watch", "kind", "created_at", "channel", "status", "attempts",
            "next_attempt_at", "last_error", "development_ids", "summary", "title", "body_text",
            "body_markdown", "body_html")


def _alert(row: Sequence[Any]) -> OutboxAlert:
    data = dict(zip(_COLUMNS, row))
    data["development_ids"] = tuple(data["development_ids"] or ())
    return OutboxAlert(**data)


def pending(conn: duckdb.DuckDBPyConnection, now: datetime) -> list[OutboxAlert]:
    """Alerts due now: pending, or left 'sending' by a run that stopped, whose next attempt time
    has come; oldest first."""
    return [_alert(row) for row in execute(conn, query_text("alert_pending"), [naive_utc(now)])]


def get_alert(conn: duckdb.DuckDBPyConnection, alert_id: str) -> OutboxAlert | None:
    rows = execute(conn, f"SELECT {', '.join(_COLUMNS)} FROM alerts WHERE alert_id = ?", [alert_id])
    return _alert(rows[0]) if rows else None


INTERRUPTED = "interrupted: the run stopped after sending began; the message may have arrived"


def claim(conn: duckdb.DuckDBPyConnection, alert_id: str, *, now: datetime,
          lease: timedelta = timedelta(0)) -> int | None:
    """Mark an alert 'sending' for one more attempt and return that attempt's number, or None
    when it is no longer due (another run took it). The next attempt time moves on at once by
    the backoff (at least ``lease``, the longest a send may take), so an attempt cut short by a
    crash is retried like a failed one and a run that overlaps this one leaves it alone. An
    alert found still 'sending' gets its interrupted attempt recorded."""
    current = get_alert(conn, alert_id)
    if current is None:
        return None
    now_n = naive_utc(now)
    rows = execute(conn, query_text("alert_claim"),
                   [now_n + max(backoff(current.attempts + 1), lease), alert_id, now_n])
    if not rows:
        return None
    if current.status == "sending" and current.attempts > 0:
        record_attempt(conn, alert_id, current.attempts, at=now, ok=False, error=INTERRUPTED)
    return int(rows[0][0])


# The brief's name for claiming.
mark_sending = claim


def mark_sent(conn: duckdb.DuckDBPyConnection, alert_id: str, *, now: datetime) -> None:
    execute(conn, "UPDATE alerts SET status = 'sent', sent_at = ?, next_attempt_at = NULL, last_error = NULL "
                  "WHERE alert_id = ?", [naive_utc(now), alert_id])


def mark_failed(conn: duckdb.DuckDBPyConnection, alert_id: str, *, now: datetime, error: str,
                attempt: int, max_attempts: int = MAX_ATTEMPTS, permanent: bool = False) -> str:
    """Back to 'pending' with the next attempt after :func:`backoff`, or 'failed' (given up) after
    ``max_attempts``, or at once when the error is ``permanent`` (the service refused this
    message: sending it again would fail the same way). Returns the new status."""
    status = "failed" if permanent or attempt >= max_attempts else "pending"
    retry_at = None if status == "failed" else naive_utc(now) + backoff(attempt)
    execute(conn, "UPDATE alerts SET status = ?, next_attempt_at = ?, last_error = ? WHERE alert_id = ?",
            [status, retry_at, error, alert_id])
    return status


def note_waiting(conn: duckdb.DuckDBPyConnection, alert_id: str, reason: str) -> None:
    """Say why an alert is not being attempted (its channel is not configured): ``evwatch
    alerts`` shows it as the alert's last error."""
    execute(conn, "UPDATE alerts SET last_error = ? WHERE alert_id = ? AND last_error IS DISTINCT FROM ?",
            [reason, alert_id, reason])


def waiting_on(conn: duckdb.DuckDBPyConnection, channel: str) -> int:
    """How many alerts of a channel are still to be delivered (pending or sending)."""
    rows = execute(conn, "SELECT count(*) FROM alerts WHERE channel = ? AND status IN ('pending', 'sending')",
                   [channel])
    return int(rows[0][0])


def record_attempt(conn: duckdb.DuckDBPyConnection, alert_id: str, attempt: int, *, at: datetime,
                   ok: bool, error: str | None = None) -> None:
    insert_rows(conn, "alert_attempts", [{"alert_id": alert_id, "attempt": attempt,
                                          "attempted_at": naive_utc(at), "ok": ok, "error": error}],
                on_conflict="replace")


_STATE_COLUMNS = ("channel", "consecutive_failures", "failing_since", "notice_sent", "last_ok_at", "last_error")


def channel_state(conn: duckdb.DuckDBPyConnection, channel: str) -> ChannelState:
    rows = execute(conn, f"SELECT {', '.join(_STATE_COLUMNS)} FROM channel_state WHERE channel = ?", [channel])
    return ChannelState(**dict(zip(_STATE_COLUMNS, rows[0]))) if rows else ChannelState(channel)


def channel_states(conn: duckdb.DuckDBPyConnection) -> list[ChannelState]:
    rows = execute(conn, f"SELECT {', '.join(_STATE_COLUMNS)} FROM channel_state ORDER BY channel")
    return [ChannelState(**dict(zip(_STATE_COLUMNS, row))) for row in rows]


def record_channel_result(conn: duckdb.DuckDBPyConnection, channel: str, *, ok: bool, now: datetime,
                          error: str | None = None) -> ChannelState:
    """Update a channel's health after an attempt and return its state after the change."""
    row = execute(conn, query_text("alert_channel_result"), [channel, ok, naive_utc(now), error])[0]
    return ChannelState(**dict(zip(_STATE_COLUMNS, row)))


def set_notice_sent(conn: duckdb.DuckDBPyConnection, channel: str, sent: bool) -> None:
    execute(conn, "UPDATE channel_state SET notice_sent = ? WHERE channel = ?", [sent, channel])


def record_digest(conn: duckdb.DuckDBPyConnection, *, watch: str, period: tuple[datetime, datetime],
                  message_id: str, now: datetime) -> bool:
    """Note that a watch's digest for a period was made; False if it already was (so a rerun
    of the digest flow queues nothing twice)."""
    start, end = (naive_utc(p) for p in period)
    return insert_rows(conn, "digests", [{"watch": watch, "period_start": start, "period_end": end,
                                          "message_id": message_id, "created_at": naive_utc(now)}]) == 1


def last_digest_end(conn: duckdb.DuckDBPyConnection, watch: str) -> datetime | None:
    """Where the watch's previous digest stopped (UTC), so the next one starts there."""
    rows = execute(conn, "SELECT max(period_end) FROM digests WHERE watch = ?", [watch])
    end = rows[0][0] if rows else None
    return end.replace(tzinfo=UTC) if end is not None else None


def recent_alerts(conn: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest alerts with their status, attempts and last error, for ``evwatch alerts``."""
    cursor = conn.execute(query_text("alert_recent"), [limit])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def attempts_of(conn: duckdb.DuckDBPyConnection, alert_id: str) -> list[dict[str, Any]]:
    """Every recorded attempt of one alert, in order."""
    rows = execute(conn, "SELECT attempt, attempted_at, ok, error FROM alert_attempts WHERE alert_id = ? "
                         "ORDER BY attempt", [alert_id])
    return [dict(zip(("attempt", "attempted_at", "ok", "error"), row)) for row in rows]
