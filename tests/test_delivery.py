"""The alert outbox and its delivery, against real parts: a DuckDB file, an SMTP server
(aiosmtpd) and an HTTP webhook receiver (pytest-httpserver) on 127.0.0.1, a folder, and a child
process killed between sending and recording. A fixed clock stands in for time: backoff is
checked by moving it, never by sleeping.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from evwatch.alerts.channels import apprise_url
from evwatch.alerts.deliver import deliver_pending
from evwatch.alerts.render import render_alert
from evwatch.config import ChannelConfig
from evwatch.warehouse import alerts as outbox
from evwatch.warehouse.db import Warehouse, execute
from tests.helpers import NOW, Clock, unused_port
from tests.test_render import HOSTILE, MENTIONS, change, development, new_change, stage_change

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[1]
WATCH = "samsung-xiaomi-ev"
SMTP_SECRET = "s3cret-pa55"


# --------------------------------------------------------------------------- real parts

class Receiver:
    """A webhook endpoint: records every request as it arrives, answers with ``status`` after
    ``delay`` seconds."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.refuse: tuple[str, int] | None = None   # (text, status): answer messages containing text so
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        body = request.get_json()
        self.requests.append({"key": request.headers.get("Idempotency-Key"), "json": body})
        if self.delay:
            time.sleep(self.delay)
        status = self.status
        if self.refuse and self.refuse[0] in body["message"]:
            status = self.refuse[1]
        return Response("ok" if status < 400 else "broken", status=status)

    def url(self, query: str = "") -> str:
        return f"json://127.0.0.1:{self.server.port}/hook" + (f"?{query}" if query else "")

    @property
    def keys(self) -> list[str]:
        return [r["key"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)   # a slow answer must not block the next
    server.start()
    try:
        yield Receiver(server)
    finally:
        server.clear()
        if server.is_running():
            server.stop()


class Mailbox:
    """Messages an aiosmtpd server accepted (after a login with the expected password)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == SMTP_SECRET.encode())


def smtp_server(port: int, mailbox: Mailbox) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    return controller


def mail_url(port: int) -> str:
    """Plain SMTP without TLS (Apprise: mailto:// with mode=insecure), password from the environment."""
    return (f"mailto://alerts:${{EVWATCH_TEST_SMTP_PASSWORD}}@127.0.0.1:{port}"
            "?from=alerts@example.org&to=team@example.org&mode=insecure")


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated warehouse file, copied for each test (migrating takes a while)."""
    path = tmp_path_factory.mktemp("template") / "evwatch.duckdb"
    with Warehouse(path, snapshot=False).write():
        pass
    return path


@pytest.fixture
def warehouse(tmp_path: Path, migrated: Path) -> Warehouse:
    shutil.copyfile(migrated, tmp_path / "evwatch.duckdb")
    return Warehouse(tmp_path / "evwatch.duckdb", lock_timeout=5, snapshot=False)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def channel(name: str, type_: str = "apprise", **options: Any) -> ChannelConfig:
    return ChannelConfig(name=name, type=type_, **options)


def queue(warehouse: Warehouse, channels: list[ChannelConfig], clock: Clock, changes=None, kind: str = "alert") -> list[str]:
    changes = changes if changes is not None else [stage_change()]
    message = render_alert(WATCH, changes, kind=kind)
    with warehouse.transaction() as conn:
        return outbox.enqueue(conn, message, watch=WATCH, kind=kind,
                              development_ids=[c.development.development_id for c in changes],
                              channels=channels, now=clock())


def alert_rows(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    with warehouse.read(live=True) as conn:
        rows = execute(conn, "SELECT alert_id, channel, kind, status, attempts, next_attempt_at, sent_at, last_error "
                             "FROM alerts ORDER BY created_at, alert_id")
    keys = ("alert_id", "channel", "kind", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    return {row[0]: dict(zip(keys, row)) for row in rows}


def attempts(warehouse: Warehouse, alert_id: str) -> list[dict[str, Any]]:
    with warehouse.read(live=True) as conn:
        return outbox.attempts_of(conn, alert_id)


def naive(moment):
    return outbox.naive_utc(moment)


# --------------------------------------------------------------------------- the outbox

def test_enqueue_writes_one_pending_row_per_channel_and_a_rerun_adds_nothing(warehouse: Warehouse, clock: Clock,
                                                                              tmp_path: Path):
    channels = [channel("term", "terminal"), channel("files", "file", path=tmp_path / "out"),
                channel("other-watch", "terminal", watches=["another-story"]),
                channel("off", "terminal", enabled=False)]
    first = queue(warehouse, channels, clock)
    assert len(first) == 2
    rows = alert_rows(warehouse)
    assert {r["channel"] for r in rows.values()} == {"term", "files"}
    assert {r["status"] for r in rows.values()} == {"pending"}
    clock.advance(minutes=5)
    assert queue(warehouse, channels, clock) == []            # same changes: same message, same ids
    assert set(alert_rows(warehouse)) == set(first)
    with warehouse.transaction() as conn:
        message_ids = {r[0] for r in execute(conn, "SELECT DISTINCT message_id FROM alerts")}
    assert len(message_ids) == 1
    assert first == [outbox.alert_id_for(next(iter(message_ids)), name) for name in ("term", "files")]
    digest_only_off = [channel("term", "terminal", digest=False)]
    assert queue(warehouse, digest_only_off, clock, kind="digest") == []


def test_a_digest_period_is_recorded_once(warehouse: Warehouse, clock: Clock):
    period = (NOW - timedelta(days=1), NOW)
    with warehouse.transaction() as conn:
        assert outbox.record_digest(conn, watch=WATCH, period=period, message_id="m1", now=clock())
        assert not outbox.record_digest(conn, watch=WATCH, period=period, message_id="m1", now=clock())


def test_terminal_prints_the_text_with_its_reference(warehouse: Warehouse, clock: Clock):
    out = io.StringIO()
    [alert_id] = queue(warehouse, [channel("term", "terminal")], clock)
    report = deliver_pending(warehouse, [channel("term", "terminal")], now=clock, out=out)
    assert report.sent == [alert_id]
    printed = out.getvalue()
    assert "[UPDATED] Samsung SDI to supply batteries to Xiaomi" in printed
    assert printed.endswith(f"\n\nref: {alert_id}\n")
    row = alert_rows(warehouse)[alert_id]
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 1, naive(NOW))
    assert deliver_pending(warehouse, [channel("term", "terminal")], now=clock, out=out).sent == []
    assert out.getvalue() == printed


def test_file_channel_writes_exactly_one_file_per_alert_across_reruns(warehouse: Warehouse, clock: Clock,
                                                                        tmp_path: Path):
    folder = tmp_path / "alerts"
    files = channel("files", "file", path=folder, format="markdown")
    ids = queue(warehouse, [files], clock) + queue(warehouse, [files], clock, changes=[new_change(4)])
    deliver_pending(warehouse, [files], now=clock)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"20250701T120000-{i}.md" for i in ids)
    # a crash after writing would leave the row 'sending': the rerun writes the same file again
    with warehouse.transaction() as conn:
        execute(conn, "UPDATE alerts SET status = 'sending', next_attempt_at = NULL")
    clock.advance(minutes=1)
    assert sorted(deliver_pending(warehouse, [files], now=clock).sent) == sorted(ids)
    assert sorted(p.name for p in folder.iterdir()) == names      # no second copy, no temp file
    assert (folder / names[0]).read_text(encoding="utf-8").endswith(f"ref: {names[0][16:-3]}\n")


# --------------------------------------------------------------------------- webhooks

def test_webhook_accepts_and_gets_the_alert_id_as_idempotency_key(warehouse: Warehouse, clock: Clock,
                                                                   receiver: Receiver):
    hook = channel("hook", url=receiver.url())
    [alert_id] = queue(warehouse, [hook], clock)
    report = deliver_pending(warehouse, [hook], now=clock)
    assert report.sent == [alert_id] and report.ok
    assert receiver.keys == [alert_id]
    body = receiver.requests[0]["json"]
    assert body["title"] == f"evwatch · {WATCH}: 1 updated development"
    assert body["message"].rstrip().endswith(f"ref: {alert_id}")
    assert "What changed: stage: speculated → agreed" in body["message"]   # json:// gets text by default
    assert alert_rows(warehouse)[alert_id]["status"] == "sent"
    assert attempts(warehouse, alert_id) == [{"attempt": 1, "attempted_at": naive(NOW), "ok": True, "error": None}]


def test_webhook_500_stays_pending_with_backoff_then_arrives_once(warehouse: Warehouse, clock: Clock,
                                                                   receiver: Receiver):
    hook = channel("hook", url=receiver.url())
    [alert_id] = queue(warehouse, [hook], clock)
    receiver.status = 500
    report = deliver_pending(warehouse, [hook], now=clock)
    assert report.retrying == [alert_id] and not report.ok
    row = alert_rows(warehouse)[alert_id]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] == naive(NOW + timedelta(minutes=1))
    assert "500" in row["last_error"]
    receiver.status = 200
    assert deliver_pending(warehouse, [hook], now=clock).sent == []       # not due yet
    clock.advance(seconds=61)
    assert deliver_pending(warehouse, [hook], now=clock).sent == [alert_id]
    clock.advance(hours=1)
    assert deliver_pending(warehouse, [hook], now=clock).sent == []
    assert receiver.keys == [alert_id, alert_id]            # one refused, one accepted: arrived once
    row = alert_rows(warehouse)[alert_id]
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 2, naive(NOW + timedelta(seconds=61)))
    assert [a["ok"] for a in attempts(warehouse, alert_id)] == [False, True]


def test_webhook_timeout_stays_pending_and_is_retried_later(warehouse: Warehouse, clock: Clock,
                                                            receiver: Receiver):
    hook = channel("hook", url=receiver.url(), timeout_seconds=0.4)
    [alert_id] = queue(warehouse, [hook], clock)
    receiver.delay = 2.0                                    # in the server's thread; the test waits 0.4 s
    started = time.monotonic()
    report = deliver_pending(warehouse, [hook], now=clock)
    assert time.monotonic() - started < 1.5                 # gave up at the channel's timeout, not the answer
    assert report.retrying == [alert_id]
    assert "read timed out" in alert_rows(warehouse)[alert_id]["last_error"].lower()
    receiver.delay = 0
    clock.advance(minutes=2)
    assert deliver_pending(warehouse, [hook], now=clock).sent == [alert_id]
    # the timed-out request may have been processed too: both carry the same key to drop a repeat
    assert receiver.keys == [alert_id, alert_id]


def test_connection_refused_stays_pending_and_the_error_hides_the_secret(warehouse: Warehouse, clock: Clock):
    hook = channel("hook", url=f"json://127.0.0.1:{unused_port()}/hook/${{EVWATCH_HOOK_TOKEN}}")
    [alert_id] = queue(warehouse, [hook], clock)
    report = deliver_pending(warehouse, [hook], now=clock, env={"EVWATCH_HOOK_TOKEN": "tok-5ecret-123"})
    assert report.retrying == [alert_id]
    row = alert_rows(warehouse)[alert_id]
    assert row["status"] == "pending" and "connection refused" in row["last_error"].lower()
    assert "url: /hook/***" in row["last_error"] and "5ecret" not in row["last_error"]
    assert report.errors[alert_id] == row["last_error"]


def test_a_missing_secret_keeps_the_alert_pending_and_names_the_variable(warehouse: Warehouse, clock: Clock,
                                                                         receiver: Receiver):
    hook = channel("hook", url=receiver.url("token=${EVWATCH_HOOK_TOKEN}"))
    [alert_id] = queue(warehouse, [hook], clock)
    report = deliver_pending(warehouse, [hook], now=clock, env={})
    assert report.retrying == [alert_id]
    row = alert_rows(warehouse)[alert_id]
    assert row["status"] == "pending"
    assert "environment variable EVWATCH_HOOK_TOKEN is not set" in row["last_error"]
    assert receiver.requests == []
    clock.advance(minutes=2)
    assert deliver_pending(warehouse, [hook], now=clock, env={"EVWATCH_HOOK_TOKEN": "t0k"}).sent == [alert_id]


def test_apprise_url_carries_timeouts_and_the_key_but_keeps_the_users_own():
    hook = channel("hook", url="jsons://example.org/in?cto=9", timeout_seconds=2.5)
    assert apprise_url(hook, "abc", {}) == "jsons://example.org/in?cto=9&rto=2.5&retry=0&+Idempotency-Key=abc"
    slack = channel("chat", url="slack://T1/B2/C3/#ev-watch")
    assert apprise_url(slack, "abc", {}) == "slack://T1/B2/C3/#ev-watch?cto=15&rto=15&retry=0"


def test_apprise_never_retries_inside_an_attempt_whatever_the_url_says():
    """One attempt must end within the claim lease (connect + read timeout): retries are the outbox's."""
    import apprise

    hook = channel("hook", url="json://127.0.0.1:9/hook?retry=5&Retry=2&wait=3", timeout_seconds=2)
    url = apprise_url(hook, "abc", {})
    assert url == "json://127.0.0.1:9/hook?wait=3&cto=2&rto=2&retry=0&+Idempotency-Key=abc"
    notifier = apprise.Apprise()
    assert notifier.add(url) and notifier[0].retry == 0


def test_hostile_feed_text_arrives_inert_in_chat_markdown_and_html(warehouse: Warehouse, clock: Clock,
                                                                   receiver: Receiver, tmp_path: Path):
    dev = development(20, HOSTILE, evidence=f"{HOSTILE} said a source.")
    channels = [channel("chat", url=receiver.url(), format="markdown"),
                channel("md", "file", path=tmp_path / "md", format="markdown"),
                channel("html", "file", path=tmp_path / "html", format="html")]
    queue(warehouse, channels, clock, changes=[change(dev, "new")])
    assert len(deliver_pending(warehouse, channels, now=clock).sent) == 3
    delivered = {
        "chat": receiver.requests[0]["json"]["message"],
        "md": next((tmp_path / "md").iterdir()).read_text(encoding="utf-8"),
        "html": next((tmp_path / "html").iterdir()).read_text(encoding="utf-8"),
    }
    for name, body in delivered.items():
        assert "<script" not in body, name
        assert "&lt;script&gt;" in body, name
        assert "](javascript:" not in body if name != "html" else 'href="javascript' not in body, name
        for mention in MENTIONS:
            assert mention not in body, (name, mention)
        assert "@\u200bchannel" in body and "‹" in body, name


# --------------------------------------------------------------------------- e-mail

def test_smtp_down_then_up_delivers_on_a_later_run_once(warehouse: Warehouse, clock: Clock):
    port = unused_port()
    mail = channel("mail", url=mail_url(port), timeout_seconds=2)
    env = {"EVWATCH_TEST_SMTP_PASSWORD": SMTP_SECRET}
    [alert_id] = queue(warehouse, [mail], clock, changes=[change(development(20, HOSTILE), "new")])
    report = deliver_pending(warehouse, [mail], now=clock, env=env)
    assert report.retrying == [alert_id]
    assert SMTP_SECRET not in alert_rows(warehouse)[alert_id]["last_error"]
    mailbox = Mailbox()
    server = smtp_server(port, mailbox)
    try:
        clock.advance(minutes=2)
        assert deliver_pending(warehouse, [mail], now=clock, env=env).sent == [alert_id]
        clock.advance(hours=1)
        assert deliver_pending(warehouse, [mail], now=clock, env=env).sent == []
    finally:
        server.stop()
    assert len(mailbox.messages) == 1
    assert mailbox.logins == [(b"alerts", SMTP_SECRET.encode())]
    message = mailbox.messages[0]
    assert message["Subject"] == f"evwatch · {WATCH}: 1 new development"
    assert message["To"] == "team@example.org"
    assert message["X-Evwatch-Ref"] == alert_id
    html = message.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "<!here>" not in html and "@channel" not in html
    assert f"ref: {alert_id}" in html


# --------------------------------------------------------------------------- crashes

CHILD = """
import json, os, sys
from datetime import datetime
from pathlib import Path
from evwatch.alerts.deliver import deliver_pending
from evwatch.config import ChannelConfig
from evwatch.errors import ConfigError
from evwatch.warehouse.db import Warehouse

args = json.loads(sys.argv[1])
now = datetime.fromisoformat(args["now"])

def crash(alert, error):
    if alert.channel == args["crash_on"]:
        os._exit(17)          # killed after sending, before recording: no cleanup of any kind

deliver_pending(Warehouse(Path(args["db"]), lock_timeout=5, snapshot=False),
                [ChannelConfig.model_validate(c) for c in args["channels"]],
                now=lambda: now, after_send=crash)
"""


def python_env() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def test_a_run_killed_between_sending_and_recording_repeats_at_most_one_message_and_loses_none(
        warehouse: Warehouse, clock: Clock, receiver: Receiver, tmp_path: Path):
    crash_on = "hook"   # (a file channel rewrites the same file: see the file channel's test)
    channels = [channel("hook", url=receiver.url()), channel("files", "file", path=tmp_path / "out")]
    ids = []
    for n in range(3):
        ids += queue(warehouse, channels, clock, changes=[new_change(40 + n)])
        clock.advance(seconds=1)
    args = {"db": str(warehouse.path), "now": clock().isoformat(), "crash_on": crash_on,
            "channels": [c.model_dump(mode="json") for c in channels]}
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], env=python_env(),
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 17, child.stderr
    stuck = [r for r in alert_rows(warehouse).values() if r["status"] == "sending"]
    assert len(stuck) == 1 and stuck[0]["channel"] == crash_on

    clock.advance(minutes=5)
    deliver_pending(warehouse, channels, now=clock)
    rows = alert_rows(warehouse)
    assert {r["status"] for r in rows.values()} == {"sent"}               # none lost
    hook_ids = {i for i in ids if rows[i]["channel"] == "hook"}
    repeats = [k for k in set(receiver.keys) if receiver.keys.count(k) > 1]
    assert set(receiver.keys) == hook_ids
    assert len(repeats) == 1                                               # the one cut short
    assert all(receiver.keys.count(k) <= 2 for k in hook_ids)
    assert len(list((tmp_path / "out").iterdir())) == 3                    # one file per alert, always
    history = attempts(warehouse, stuck[0]["alert_id"])
    assert [(a["attempt"], a["ok"]) for a in history] == [(1, False), (2, True)]
    assert history[0]["error"].startswith("interrupted")


# --------------------------------------------------------------------------- giving up, skipping

def test_an_alert_is_given_up_after_its_last_attempt_and_still_listed(warehouse: Warehouse, clock: Clock):
    hook = channel("hook", url=f"json://127.0.0.1:{unused_port()}/hook")
    [alert_id] = queue(warehouse, [hook], clock)
    deliver_pending(warehouse, [hook], now=clock, out=io.StringIO(), max_attempts=2)
    clock.advance(minutes=2)
    report = deliver_pending(warehouse, [hook], now=clock, out=io.StringIO(), max_attempts=2)
    assert report.gave_up == [alert_id]
    clock.advance(days=1)
    assert deliver_pending(warehouse, [hook], now=clock, max_attempts=2).gave_up == []
    with warehouse.transaction() as conn:
        recent = outbox.recent_alerts(conn, limit=10)
    assert [(r["alert_id"], r["status"], r["attempts"]) for r in recent] == [(alert_id, "failed", 2)]
    assert recent[0]["next_attempt_at"] is None and "onnection" in recent[0]["last_error"]


def test_alerts_of_a_disabled_channel_wait_quietly(warehouse: Warehouse, clock: Clock):
    [alert_id] = queue(warehouse, [channel("term", "terminal")], clock)
    out = io.StringIO()
    report = deliver_pending(warehouse, [channel("term", "terminal", enabled=False)], now=clock, out=out)
    assert report.skipped == [alert_id] and report.notices == [] and out.getvalue() == ""
    row = alert_rows(warehouse)[alert_id]
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 0, None)


def test_alerts_of_a_removed_channel_wait_say_why_and_raise_one_notice(warehouse: Warehouse, clock: Clock,
                                                                        tmp_path: Path):
    first = queue(warehouse, [channel("old-chat", "terminal")], clock)
    second = queue(warehouse, [channel("old-chat", "terminal")], clock, changes=[new_change(6)])
    files = channel("files", "file", path=tmp_path / "out")
    for _ in range(3):                                      # three runs after the channel was removed
        report = deliver_pending(warehouse, [files], now=clock)
        assert sorted(report.unconfigured) == sorted(first + second)
        clock.advance(hours=1)
    [notice] = [p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()]
    assert "evwatch: alert channel 'old-chat' is not configured" in notice
    assert "2 alerts wait for it in the outbox" in notice
    rows = alert_rows(warehouse)
    assert [(rows[i]["status"], rows[i]["attempts"]) for i in first + second] == [("pending", 0)] * 2
    assert "old-chat: channel not configured" in rows[first[0]]["last_error"]
    # configured again: delivered, and the operator hears it recovered
    out = io.StringIO()
    report = deliver_pending(warehouse, [files, channel("old-chat", "terminal")], now=clock, out=out)
    assert set(first + second) <= set(report.sent) and len(report.notices) == 1
    assert any("'old-chat' has recovered" in p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())


def test_a_message_the_service_refuses_is_given_up_at_once_with_one_notice(warehouse: Warehouse, clock: Clock,
                                                                           receiver: Receiver, tmp_path: Path):
    hook = channel("hook", url=receiver.url())
    files = channel("files", "file", path=tmp_path / "out")
    refused = queue(warehouse, [hook], clock, changes=[new_change(7)])
    clock.advance(seconds=1)
    fine = queue(warehouse, [hook], clock, changes=[new_change(8)])
    receiver.refuse = ("EV #7", 400)
    report = deliver_pending(warehouse, [hook, files], now=clock)
    assert (report.gave_up, report.sent[:1], report.deferred) == (refused, fine, [])   # the channel works
    row = alert_rows(warehouse)[refused[0]]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)
    assert "error=400" in row["last_error"]
    [notice] = [p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()]
    assert "evwatch: an alert on channel 'hook' was given up" in notice
    assert "the service refused the message itself" in notice and refused[0] in notice
    clock.advance(days=1)
    assert deliver_pending(warehouse, [hook, files], now=clock).notices == []
    assert len(receiver.requests) == 2                      # no pointless retry


def test_a_message_that_always_fails_on_a_working_channel_is_given_up_with_one_notice(
        warehouse: Warehouse, clock: Clock, receiver: Receiver):
    hook = channel("hook", url=receiver.url())
    receiver.refuse = ("EV #9", 503)                        # transient for the service, but every time
    [doomed] = queue(warehouse, [hook], clock, changes=[new_change(9)])
    out = io.StringIO()
    for n in range(3):
        clock.advance(hours=7)
        report = deliver_pending(warehouse, [hook], now=clock, out=out, max_attempts=3)
        assert report.errors and not report.sent, n
        clock.advance(seconds=1)                            # the others get through in between
        other = queue(warehouse, [hook], clock, changes=[new_change(50 + n)])
        assert deliver_pending(warehouse, [hook], now=clock, out=out, max_attempts=3).sent == other, n
    assert alert_rows(warehouse)[doomed]["status"] == "failed"
    with warehouse.read(live=True) as conn:
        assert outbox.channel_state(conn, "hook").consecutive_failures == 0    # never 3 in a row
    printed = out.getvalue()
    assert printed.count("evwatch: an alert on channel 'hook' was given up") == 1
    assert "after 3 attempts" in printed and "failing" not in printed


def test_each_channel_gets_the_message_within_its_size_budget(warehouse: Warehouse, clock: Clock,
                                                             receiver: Receiver, tmp_path: Path):
    from evwatch.alerts.channels import channel_max_chars, render_for_channels

    assert channel_max_chars(channel("d", url="discord://1/abc")) == 2000
    assert channel_max_chars(channel("t", url="workflows://host/path")) == 1000
    assert channel_max_chars(channel("m", url=mail_url(25))) == 100_000
    assert channel_max_chars(channel("f", "file", path=tmp_path)) == 20_000
    small = channel("hook", url=receiver.url()).model_copy(update={"max_chars": 1500})   # max_chars: 1500
    assert channel_max_chars(small) == 1500
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="max_chars"):      # refused when alerts.yaml is loaded
        ChannelConfig(name="hook", type="apprise", url=receiver.url(), max_chars=10)

    changes = [new_change(60 + n, score=1 - n / 100) for n in range(10)]
    files = channel("files", "file", path=tmp_path / "out")
    main, copies = render_for_channels(WATCH, changes, [small, files])
    assert copies["files"] is main and main.shown == 10
    assert copies["hook"].stamp == main.stamp and 0 < copies["hook"].shown < 10
    with warehouse.transaction() as conn:
        ids = outbox.enqueue(conn, main, watch=WATCH, kind="alert", channels=[small, files], now=clock(),
                             development_ids=[c.development.development_id for c in changes], copies=copies)
    assert len(ids) == 2
    assert sorted(deliver_pending(warehouse, [small, files], now=clock).sent) == sorted(ids)
    body = receiver.requests[0]["json"]["message"]
    assert len(body) <= 1500 and f"… and {copies['hook'].omitted} more developments" in body
    assert body.rstrip().endswith(f"ref: {ids[0]}")


def test_once_a_channel_fails_its_other_alerts_wait_for_the_next_run(warehouse: Warehouse, clock: Clock):
    hook = channel("hook", url=f"json://127.0.0.1:{unused_port()}/hook")
    first = queue(warehouse, [hook], clock)
    clock.advance(seconds=1)
    second = queue(warehouse, [hook], clock, changes=[new_change(5)])
    report = deliver_pending(warehouse, [hook], now=clock)
    assert (report.retrying, report.deferred) == (first, second)
    assert alert_rows(warehouse)[second[0]]["attempts"] == 0


# --------------------------------------------------------------------------- operator notices

def test_three_failures_raise_one_notice_and_recovery_one_more(warehouse: Warehouse, clock: Clock,
                                                               tmp_path: Path):
    port = unused_port()
    hook = channel("hook", url=f"json://127.0.0.1:{port}/hook", timeout_seconds=2)
    files = channel("files", "file", path=tmp_path / "out")
    channels = [hook, files]
    queue(warehouse, channels, clock)

    def notices() -> list[str]:
        return sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()
                      if "alert channel" in p.read_text(encoding="utf-8"))

    for run in range(5):                                   # 5 failing runs, backoff honoured
        clock.advance(hours=1)
        deliver_pending(warehouse, channels, now=clock)
        assert len(notices()) == (1 if run >= 2 else 0), run
    [failing] = notices()
    assert "evwatch: alert channel 'hook' is failing" in failing
    assert 'The alert channel "hook" has failed 3 times in a row (since 2025-07-01 13:00 UTC).' in failing
    with warehouse.read(live=True) as conn:
        state = outbox.channel_state(conn, "hook")
    assert (state.consecutive_failures, state.notice_sent) == (5, True)

    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    try:
        clock.advance(hours=7)
        report = deliver_pending(warehouse, channels, now=clock)
        clock.advance(hours=7)
        deliver_pending(warehouse, channels, now=clock)
    finally:
        server.stop()
    assert len(report.notices) == 1
    texts = notices()
    assert len(texts) == 2
    assert any("evwatch: alert channel 'hook' has recovered" in t for t in texts)
    assert len(server.log) == 1                              # the alert arrived once; notices went to files
    with warehouse.read(live=True) as conn:
        state = outbox.channel_state(conn, "hook")
        kinds = execute(conn, "SELECT kind, channel, status FROM alerts WHERE kind = 'notice' ORDER BY created_at")
    assert (state.consecutive_failures, state.notice_sent, state.failing_since) == (0, False, None)
    assert kinds == [("notice", "files", "sent"), ("notice", "files", "sent")]


def test_with_no_other_channel_the_notice_is_printed_once(warehouse: Warehouse, clock: Clock):
    hook = channel("hook", url=f"json://127.0.0.1:{unused_port()}/hook")
    queue(warehouse, [hook], clock)
    out = io.StringIO()
    for _ in range(5):
        clock.advance(hours=1)
        deliver_pending(warehouse, [hook], now=clock, out=out)
    assert out.getvalue().count("evwatch: alert channel 'hook' is failing") == 1
    assert "Last error: " in out.getvalue()


# --------------------------------------------------------------------------- the digest

def test_a_digest_covers_everything_since_the_previous_one_and_reports_its_delivery(
        warehouse: Warehouse, clock: Clock, receiver: Receiver, tmp_path: Path):
    from dataclasses import replace as with_fields

    from evwatch.developments.facts import observations
    from evwatch.developments.novelty import apply
    from evwatch.warehouse import developments as store
    from evwatch.watching import send_digest
    from tests.helpers import make_settings
    from tests.test_developments import WATCH as WATCH_DEF
    from tests.test_developments import extraction, fig, meta

    hook = channel("hook", url=receiver.url())
    settings = with_fields(make_settings(tmp_path / "config"), watches_file=ROOT / "config" / "watches.yaml",
                           channels=(hook,))
    missed = NOW - timedelta(days=3)                        # the last digest ran three days ago ...
    with warehouse.transaction() as conn:
        outbox.record_digest(conn, watch=WATCH, period=(missed - timedelta(days=1), missed), message_id="m0",
                             now=missed)
    found = observations(extraction("k1", figures=(fig("Xiaomi", 350_000),)), meta("k1", missed), WATCH_DEF)
    state, changes, _ = apply({}, found, WATCH_DEF, now=missed)
    with warehouse.transaction() as conn:                   # ... and this change came two days ago
        store.save(conn, WATCH, state, changes, ["k1"], NOW - timedelta(days=2))
    receiver.status = 500
    digest = send_digest(warehouse, settings, now=clock, period=timedelta(days=1))
    assert len(digest) == 1 and "Xiaomi deliveries target 2025" in digest[0].text
    assert f"Period: {missed:%Y-%m-%d %H:%M} – {NOW:%Y-%m-%d %H:%M} UTC" in digest[0].text
    assert not digest.delivery.ok and len(digest.delivery.retrying) == 1     # the CLI can exit 1
    assert send_digest(warehouse, settings, now=clock) == []


def test_a_channel_removed_again_after_it_came_back_raises_a_notice_again(warehouse, clock, tmp_path: Path):
    files = channel("files", "file", path=tmp_path / "out")
    chat = channel("old-chat", "terminal")
    queue(warehouse, [chat], clock)
    deliver_pending(warehouse, [files], now=clock)                                # removed: one notice
    clock.advance(hours=1)
    deliver_pending(warehouse, [files, chat], now=clock, out=io.StringIO())       # back: recovered
    clock.advance(hours=1)
    queue(warehouse, [chat], clock, changes=[new_change(6)])
    clock.advance(hours=1)
    report = deliver_pending(warehouse, [files], now=clock)                       # removed again
    texts = [p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()]
    assert sum("is not configured" in t for t in texts) == 2
    assert report.notices and "printed" not in report.notices
