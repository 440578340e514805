"""Delivering the outbox: every pending alert, on its channel, at least once.

For each alert that is due (pending, or left 'sending' by a run that stopped, with its next
attempt time reached) on a configured, enabled channel:

1. a short transaction claims it: status 'sending', attempts + 1, next attempt time moved on by
   the backoff (so a crash right after sending is retried like a failure);
2. the message is sent, outside any transaction (the warehouse is not locked while a slow
   server answers);
3. another short transaction records the outcome: 'sent' with ``sent_at``, or back to 'pending'
   with ``next_attempt_at = now + backoff`` (1 min · 2^(attempts-1), at most 6 h) and
   ``last_error``; after 20 attempts 'failed' (given up, still listed by ``evwatch alerts``).
   Every attempt is a row in ``alert_attempts``.

Delivery is at least once: a run killed between 2 and 3 leaves the alert 'sending', and a later
run sends it again, so one message may arrive twice on one channel, but none is lost. Receivers
can drop the repeat by its ``alert_id`` (the idempotency key; files are simply overwritten).

Once a channel fails in a run, its other alerts wait for the next run rather than each waiting
for the same dead server. A channel that fails three attempts in a row raises one operator
notice, and its first success after that one recovery notice (``channel_state.notice_sent``),
sent through the outbox to the other enabled channels, or printed to ``out`` when there are
none.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

import duckdb

from evwatch.alerts.channels import send
from evwatch.alerts.render import RenderedMessage, render_notice
from evwatch.config import ChannelConfig
from evwatch.errors import DeliveryError
from evwatch.warehouse import alerts as outbox
from evwatch.warehouse.alerts import MAX_ATTEMPTS, NOTICE_AFTER_FAILURES, NOTICE_WATCH, OutboxAlert
from evwatch.warehouse.db import Warehouse

Clock = Callable[[], datetime]
#: Called right after a send, before its outcome is recorded (tests use it to simulate a crash).
AfterSend = Callable[[OutboxAlert, "str | None"], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DeliveryReport:
    """What one delivery run did, by alert id."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)      # failed, will be retried later
    gave_up: list[str] = field(default_factory=list)       # failed for the last time
    deferred: list[str] = field(default_factory=list)      # its channel already failed this run
    skipped: list[str] = field(default_factory=list)       # its channel is not configured or disabled
    notices: list[str] = field(default_factory=list)       # operator notices raised (alert ids or "printed")
    errors: dict[str, str] = field(default_factory=dict)   # alert id → why the attempt failed

    @property
    def ok(self) -> bool:
        return not (self.retrying or self.gave_up or self.deferred)

    def summary(self) -> str:
        parts = [f"{len(self.sent)} sent"]
        for name in ("retrying", "gave_up", "deferred", "skipped", "notices"):
            if getattr(self, name):
                parts.append(f"{len(getattr(self, name))} {name.replace('_', ' ')}")
        return ", ".join(parts)


def _attempt(channel: ChannelConfig, alert: OutboxAlert, env: Mapping[str, str], out: TextIO) -> str | None:
    """Send, and return None or the reason it failed (a failure is data here, not an exception)."""
    try:
        send(channel, alert, env=env, out=out)
    except DeliveryError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is still this alert's failure
        return f"{channel.name}: {type(exc).__name__}: {exc}"
    return None


def _notice(conn: duckdb.DuckDBPyConnection, channels: Sequence[ChannelConfig], state: outbox.ChannelState, *, failing: bool,
            since: datetime | None, now: datetime) -> tuple[list[str], RenderedMessage | None]:
    """Enqueue a notice about ``state.channel`` for the other enabled channels; return the ids,
    or the message to print when there is no other channel."""
    message = render_notice(state.channel, failing, state.last_error if failing else None, since,
                            failures=state.consecutive_failures)
    others = [c for c in channels if c.enabled and c.name != state.channel]
    outbox.set_notice_sent(conn, state.channel, failing)
    if not others:
        return [], message
    ids = outbox.enqueue(conn, message, watch=NOTICE_WATCH, kind="notice", development_ids=[],
                         channels=others, now=now)
    return ids, None


def deliver_pending(warehouse: Warehouse, channels: Sequence[ChannelConfig], *, now: Clock = utc_now,
                    env: Mapping[str, str] | None = None, out: TextIO | None = None,
                    after_send: AfterSend | None = None, max_attempts: int = MAX_ATTEMPTS) -> DeliveryReport:
    """Send every due alert of the outbox once and record the outcomes (see the module doc).

    Alerts of channels that are not configured or disabled stay pending. Operator notices raised
    during the run are delivered in the same run. Each transaction is short and the warehouse
    is not held while sending: recording one outcome and claiming the next alert share one.
    """
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    run = _Run(warehouse, channels, now, max_attempts)
    for _ in range(len(channels) + 2):   # later passes deliver the notices raised by earlier ones
        queued_notices = len(run.report.notices)
        with warehouse.transaction() as conn:
            run.due = [a for a in outbox.pending(conn, now()) if a.alert_id not in run.seen]
            if not run.due:
                break
            claimed = run.claim_next(conn)
        while claimed is not None:
            alert, attempt = claimed
            channel = run.configured[alert.channel]
            error = _attempt(channel, alert, env, out)
            if after_send is not None:
                after_send(alert, error)
            with warehouse.transaction() as conn:
                printed = run.record(conn, alert, attempt, error)
                claimed = run.claim_next(conn)
            for message in printed:      # only when no other channel could carry the notice
                out.write(message.text)
                out.flush()
        if len(run.report.notices) == queued_notices:
            break                        # no notice was queued: nothing new can be due
    return run.report


class _Run:
    """The state of one delivery run: what is due, what was seen, which channels failed."""

    def __init__(self, warehouse: Warehouse, channels: Sequence[ChannelConfig], now: Clock, max_attempts: int):
        self.warehouse = warehouse
        self.channels = channels
        self.configured = {c.name: c for c in channels}
        self.now = now
        self.max_attempts = max_attempts
        self.report = DeliveryReport()
        self.due: list[OutboxAlert] = []
        self.seen: set[str] = set()
        self.failed_channels: set[str] = set()

    def claim_next(self, conn: duckdb.DuckDBPyConnection) -> tuple[OutboxAlert, int] | None:
        """Claim the next due alert whose channel can take it now, noting the others."""
        while self.due:
            alert = self.due.pop(0)
            self.seen.add(alert.alert_id)
            channel = self.configured.get(alert.channel)
            if channel is None or not channel.enabled:
                self.report.skipped.append(alert.alert_id)
            elif channel.name in self.failed_channels:
                self.report.deferred.append(alert.alert_id)
            else:
                lease = timedelta(seconds=2 * channel.timeout_seconds + 30)   # connect + read timeouts
                attempt = outbox.claim(conn, alert.alert_id, now=self.now(), lease=lease)
                if attempt is not None:
                    return alert, attempt
        return None

    def record(self, conn: duckdb.DuckDBPyConnection, alert: OutboxAlert, attempt: int, error: str | None) -> list[RenderedMessage]:
        """Store one attempt's outcome and the channel's health, raising a notice when the channel
        reaches three failures in a row or first succeeds after that notice. Returns notices to
        print (when no other channel could carry them)."""
        at, report = self.now(), self.report
        outbox.record_attempt(conn, alert.alert_id, attempt, at=at, ok=error is None, error=error)
        before = outbox.channel_state(conn, alert.channel)
        state = outbox.record_channel_result(conn, alert.channel, ok=error is None, now=at, error=error)
        notice: tuple[list[str], RenderedMessage | None] | None = None
        if error is None:
            outbox.mark_sent(conn, alert.alert_id, now=at)
            report.sent.append(alert.alert_id)
            if before.notice_sent:
                notice = _notice(conn, self.channels, state, failing=False, since=before.failing_since, now=at)
        else:
            self.failed_channels.add(alert.channel)
            status = outbox.mark_failed(conn, alert.alert_id, now=at, error=error, attempt=attempt,
                                        max_attempts=self.max_attempts)
            (report.gave_up if status == "failed" else report.retrying).append(alert.alert_id)
            report.errors[alert.alert_id] = error
            if state.consecutive_failures >= NOTICE_AFTER_FAILURES and not state.notice_sent:
                notice = _notice(conn, self.channels, state, failing=True, since=state.failing_since, now=at)
        if notice is None:
            return []
        ids, message = notice
        report.notices.extend(ids or ["printed"])
        return [message] if message is not None else []
