"""Delivering the outbox: every pending alert, on its channel, at least once.

For each alert that is due (pending, or left 'sending' by a run that stopped, with its next
attempt time reached) on a configured, enabled channel:

1. a short transaction claims it: status 'sending', attempts + 1, next attempt time moved on by
   the backoff (so a crash right after sending is retried like a failure);
2. the message is sent, outside any transaction (the warehouse is not locked while a slow
   server answers);
3. another short transaction records the outcome: 'sent' with ``sent_at``, or back to 'pending'
   with ``next_attempt_at = now + backoff`` (1 min · 2^(attempts-1), at most 6 h) and
   ``last_error``; after 20 attempts 'failed' (given up, still listed by ``evwatch alerts``),
   or 'failed' at once when the service refused the message itself (HTTP 400, 413, 422: sending
   it again would fail the same way). Every attempt is a row in ``alert_attempts``.

Delivery is at least once: a run killed between 2 and 3 leaves the alert 'sending', and a later
run sends it again, so one message may arrive twice on one channel, but none is lost. Receivers
can drop the repeat by its ``alert_id`` (the idempotency key; files are simply overwritten).

Once a channel fails in a run, its other alerts wait for the next run rather than each waiting
for the same dead server (a refused message says nothing about the channel: the others go on).

Operator notices go through the outbox to the other enabled channels, or are printed to ``out``
when there are none:

* a channel that fails three attempts in a row raises one notice, and its first success after
  that one recovery notice (``channel_state.notice_sent``);
* an alert that is given up raises one notice (it is given up once), so a message that always
  fails is heard of even while the channel's other messages get through;
* alerts whose channel is not configured any more stay pending (configuring the channel again
  delivers them), with that reason as their ``last_error``, and raise one notice for the channel,
  kept in its ``channel_state`` like a failure (a recovery notice follows its first success).
A notice that is itself given up raises none.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

import duckdb

from evwatch.alerts.channels import is_permanent, send
from evwatch.alerts.render import (
    RenderedMessage,
    render_gave_up_notice,
    render_notice,
    render_unconfigured_notice,
)
from evwatch.config import ChannelConfig
from evwatch.errors import DeliveryError
from evwatch.warehouse import alerts as outbox
from evwatch.warehouse.alerts import (
    MAX_ATTEMPTS,
    NOTICE_AFTER_FAILURES,
    NOTICE_WATCH,
    OutboxAlert,
)
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
    skipped: list[str] = field(default_factory=list)       # its channel is disabled
    unconfigured: list[str] = field(default_factory=list)  # its channel is not configured (any more)
    notices: list[str] = field(default_factory=list)       # operator notices raised (alert ids or "printed")
    errors: dict[str, str] = field(default_factory=dict)   # alert id → why the attempt failed

    @property
    def ok(self) -> bool:
        return not (self.retrying or self.gave_up or self.deferred)

    def summary(self) -> str:
        parts = [f"{len(self.sent)} sent"]
        for name in ("retrying", "gave_up", "deferred", "skipped", "unconfigured", "notices"):
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


def _raise_notice(conn: duckdb.DuckDBPyConnection, channels: Sequence[ChannelConfig], message: RenderedMessage,
                  about: str, *, now: datetime) -> tuple[list[str], RenderedMessage | None]:
    """Enqueue a notice about channel ``about`` for the other enabled channels; return the ids,
    or the message to print when there is no other channel."""
    others = [c for c in channels if c.enabled and c.name != about]
    if not others:
        return [], message
    return outbox.enqueue(conn, message, watch=NOTICE_WATCH, kind="notice", development_ids=[],
                          channels=others, now=now), None


def _channel_notice(conn: duckdb.DuckDBPyConnection, channels: Sequence[ChannelConfig], state: outbox.ChannelState,
                    *, failing: bool, since: datetime | None, now: datetime) -> tuple[list[str], RenderedMessage | None]:
    """A notice that ``state.channel`` keeps failing or has recovered, noted in its state."""
    message = render_notice(state.channel, failing, state.last_error if failing else None, since,
                            failures=state.consecutive_failures)
    outbox.set_notice_sent(conn, state.channel, failing)
    return _raise_notice(conn, channels, message, state.channel, now=now)


def deliver_pending(warehouse: Warehouse, channels: Sequence[ChannelConfig], *, now: Clock = utc_now,
                    env: Mapping[str, str] | None = None, out: TextIO | None = None,
                    after_send: AfterSend | None = None, max_attempts: int = MAX_ATTEMPTS) -> DeliveryReport:
    """Send every due alert of the outbox once and record the outcomes (see the module doc).

    Alerts of channels that are disabled or not configured stay pending. Operator notices raised
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
        run.print_notices(out)
        while claimed is not None:
            alert, attempt = claimed
            channel = run.configured[alert.channel]
            error = _attempt(channel, alert, env, out)
            if after_send is not None:
                after_send(alert, error)
            with warehouse.transaction() as conn:
                run.record(conn, alert, attempt, error)
                claimed = run.claim_next(conn)
            run.print_notices(out)   # only those no other channel could carry
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
        self.missing_channels: dict[str, str] = {}    # channel → why its alerts wait
        self.to_print: list[RenderedMessage] = []

    def claim_next(self, conn: duckdb.DuckDBPyConnection) -> tuple[OutboxAlert, int] | None:
        """Claim the next due alert whose channel can take it now, noting the others."""
        while self.due:
            alert = self.due.pop(0)
            self.seen.add(alert.alert_id)
            channel = self.configured.get(alert.channel)
            if channel is None:
                self.report.unconfigured.append(alert.alert_id)
                outbox.note_waiting(conn, alert.alert_id, self.missing(conn, alert.channel))
            elif not channel.enabled:
                self.report.skipped.append(alert.alert_id)
            elif channel.name in self.failed_channels:
                self.report.deferred.append(alert.alert_id)
            else:
                lease = timedelta(seconds=2 * channel.timeout_seconds + 30)   # connect + read timeouts
                attempt = outbox.claim(conn, alert.alert_id, now=self.now(), lease=lease)
                if attempt is not None:
                    return alert, attempt
        return None

    def missing(self, conn: duckdb.DuckDBPyConnection, name: str) -> str:
        """Why the alerts of a channel that is not configured wait; the first time in a run, the
        channel's state records it as a failure and, once, the operator is told."""
        if name not in self.missing_channels:
            waiting = outbox.waiting_on(conn, name)
            reason = f"{name}: channel not configured (removed or renamed in alerts.yaml?); {waiting} alerts wait for it"
            self.missing_channels[name] = reason
            state = outbox.record_channel_result(conn, name, ok=False, now=self.now(), error=reason)
            if not state.notice_sent:
                outbox.set_notice_sent(conn, name, True)
                self.notify(_raise_notice(conn, self.channels,
                                          render_unconfigured_notice(name, waiting, since=state.failing_since), name,
                                          now=self.now()))
        return self.missing_channels[name]

    def record(self, conn: duckdb.DuckDBPyConnection, alert: OutboxAlert, attempt: int, error: str | None) -> None:
        """Store one attempt's outcome and the channel's health, raising a notice when the channel
        reaches three failures in a row, first succeeds after that notice, or when the alert is
        given up."""
        at, report = self.now(), self.report
        outbox.record_attempt(conn, alert.alert_id, attempt, at=at, ok=error is None, error=error)
        if error is None:
            before = outbox.channel_state(conn, alert.channel)
            state = outbox.record_channel_result(conn, alert.channel, ok=True, now=at)
            outbox.mark_sent(conn, alert.alert_id, now=at)
            report.sent.append(alert.alert_id)
            if before.notice_sent:
                self.notify(_channel_notice(conn, self.channels, state, failing=False, since=before.failing_since,
                                            now=at))
            return
        report.errors[alert.alert_id] = error
        permanent = is_permanent(error)
        status = outbox.mark_failed(conn, alert.alert_id, now=at, error=error, attempt=attempt,
                                    max_attempts=self.max_attempts, permanent=permanent)
        (report.gave_up if status == "failed" else report.retrying).append(alert.alert_id)
        if status == "failed" and alert.kind != "notice":
            self.notify(_raise_notice(conn, self.channels, render_gave_up_notice(
                alert.channel, alert.alert_id, alert.summary, attempt, error, permanent=permanent),
                alert.channel, now=at))
        if permanent:
            return                  # the service answered: the channel works, its other alerts go on
        self.failed_channels.add(alert.channel)
        state = outbox.record_channel_result(conn, alert.channel, ok=False, now=at, error=error)
        if state.consecutive_failures >= NOTICE_AFTER_FAILURES and not state.notice_sent:
            self.notify(_channel_notice(conn, self.channels, state, failing=True, since=state.failing_since, now=at))

    def notify(self, raised: tuple[list[str], RenderedMessage | None]) -> None:
        ids, message = raised
        self.report.notices.extend(ids)
        if message is not None:
            self.report.notices.append("printed")
            self.to_print.append(message)

    def print_notices(self, out: TextIO) -> None:
        """Print the notices no other channel could carry (after their transaction committed)."""
        if self.to_print:
            out.writelines(message.text for message in self.to_print)
            out.flush()
        self.to_print.clear()
