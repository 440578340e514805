"""Sending one alert on one channel: the terminal, a folder of files, or any Apprise URL; and
what each channel gets (its format, its size budget, the message rendered within it).

Each sender either returns (delivered) or raises :class:`DeliveryError` with the reason; the
outbox decides what happens next (:func:`is_permanent` tells a refusal of the message itself
from a failure of the channel). Every message carries its ``alert_id``: in a "ref:" footer on
every channel, in an ``Idempotency-Key`` header for JSON/form/XML webhooks and an
``X-Evwatch-Ref`` header for e-mail. Apprise is told not to retry (``retry=0``, whatever the URL
says), so one attempt takes at most the channel's connect and read timeouts (the outbox's claim
lease counts on that); a request that timed out may still have been delivered, so the outbox
retries on later runs and a receiver can drop a repeat by that key. A file channel names its
file by the alert id, so writing again overwrites it.

A message must fit the service it goes to: Discord refuses a body over 2,000 characters, a Teams
workflow card shows about 1,000. :func:`channel_max_chars` is the channel's ``max_chars``, else a
default for its Apprise scheme (:data:`SCHEME_MAX_CHARS`, else the limit Apprise knows for the
service), and :func:`render_for_channels` renders each channel's copy within it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qsl, quote

from evwatch.alerts.render import RenderedMessage, render_alert, with_footer
from evwatch.config import ChannelConfig
from evwatch.developments.model import Change
from evwatch.errors import ConfigError, DeliveryError
from evwatch.warehouse.alerts import OutboxAlert

#: Apprise schemes of chat services: they get Markdown unless the channel says otherwise.
CHAT_SCHEMES = frozenset({
    "slack", "discord", "msteams", "workflow", "workflows", "mmost", "mmosts", "rocket", "rockets",
    "matrix", "matrixs", "tgram", "zulip", "gchat", "ryver", "wxteams", "webex", "guilded", "revolt",
    "lark", "feishu", "dingtalk", "wecombot", "kook", "flock", "twist", "chime", "mastodon", "toot",
})
MAIL_SCHEMES = frozenset({"mailto", "mailtos"})
#: Webhooks that pass extra HTTP headers given as ``+Header=value`` URL parameters.
WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
EXTENSIONS = {"text": "txt", "markdown": "md", "html": "html"}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: URL parameters evwatch sets itself: Apprise must not retry inside one attempt.
_FORCED = {"retry": "0"}

#: The size budget of a message (characters of the body in the channel's format) when a channel
#: sets no ``max_chars``: what the service accepts or shows whole.
DEFAULT_MAX_CHARS = 20_000
MIN_MAX_CHARS = 500
SCHEME_MAX_CHARS = {
    "discord": 2_000, "revolt": 2_000, "guilded": 2_000,      # the services refuse longer bodies
    "slack": 3_500,                                            # Slack folds longer text away
    "msteams": 1_000, "workflow": 1_000, "workflows": 1_000,   # Teams cards
    "tgram": 4_096, "mmost": 4_000, "mmosts": 4_000, "gchat": 4_000,
    "mailto": 100_000, "mailtos": 100_000,                     # e-mail takes a long digest
}

#: HTTP answers that refuse the message itself (malformed, too large, unprocessable): sending the
#: same message again fails the same way. Apprise reports them as "... error=400."
_PERMANENT = re.compile(r"\berror=(400|413|422)\b")


def scheme_of(url: str | None) -> str:
    return (url or "").split("://", 1)[0].lower() if "://" in (url or "") else ""


def channel_format(channel: ChannelConfig) -> str:
    """The body format a channel gets: its own ``format``, else Markdown for chat services,
    HTML for e-mail, and text for everything else (terminal, files, other URLs)."""
    if channel.format:
        return channel.format
    if channel.type == "apprise":
        scheme = scheme_of(channel.url)
        if scheme in CHAT_SCHEMES:
            return "markdown"
        if scheme in MAIL_SCHEMES:
            return "html"
    return "text"


def _secrets(channel: ChannelConfig, env: Mapping[str, str]) -> list[str]:
    """The values of the secrets a channel's URL names (to keep them out of error messages)."""
    names = _PLACEHOLDER.findall(channel.url or "")
    return sorted({env[n] for n in names if env.get(n) and len(env[n]) >= 3}, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return text


def apprise_url(channel: ChannelConfig, alert_id: str, env: Mapping[str, str]) -> str:
    """The channel's Apprise URL with secrets filled in, timeouts from ``timeout_seconds``
    (``cto``/``rto``, unless the URL sets them), no retries inside Apprise (``retry=0``
    replaces any the URL gives) and the alert id as idempotency header."""
    try:
        url = channel.resolved_url(env)
    except ConfigError as exc:
        raise DeliveryError(str(exc), channel=channel.name) from None
    base, _, query = url.partition("?")
    if any(key.lower() in _FORCED for key, _ in parse_qsl(query, keep_blank_values=True)):
        query = "&".join(part for part in query.split("&")
                         if part.split("=", 1)[0].lower() not in _FORCED)
    present = {key.lower() for key, _ in parse_qsl(query, keep_blank_values=True)}
    timeout = f"{channel.timeout_seconds:g}"
    extra = [(k, timeout) for k in ("cto", "rto") if k not in present]
    extra += list(_FORCED.items())
    scheme = scheme_of(url)
    if scheme in WEBHOOK_SCHEMES:
        extra.append(("+Idempotency-Key", alert_id))   # the last value of a key wins in Apprise
    elif scheme in MAIL_SCHEMES:
        extra.append(("+X-Evwatch-Ref", alert_id))
    added = "&".join(f"{quote(k, safe='+')}={quote(v, safe='')}" for k, v in extra)
    return f"{base}?{query}&{added}" if query else f"{base}?{added}"


def is_permanent(error: str) -> bool:
    """Whether a failure will recur however often the same message is sent: the service refused
    the message itself (HTTP 400, 413, 422). A failure of the channel (unreachable, timed out,
    401/403/404, 429, 5xx, a missing secret) is not: it may pass, so it is retried."""
    return bool(_PERMANENT.search(error))


@cache
def _apprise_max_chars(scheme: str) -> int | None:
    """The body limit Apprise knows for a service, if it knows one."""
    # slow to import: only when asked
    from apprise.manager_plugins import NotificationManager

    try:
        plugin = NotificationManager()[scheme]
    except Exception:  # noqa: BLE001 - an unknown scheme has no known limit
        return None
    limit = getattr(plugin, "body_maxlen", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def channel_max_chars(channel: ChannelConfig) -> int:
    """The most characters a message body may have on this channel: its ``max_chars``, else the
    default for its Apprise scheme, else :data:`DEFAULT_MAX_CHARS`."""
    if channel.max_chars is not None:              # validated (at least 500) when the file is loaded
        return channel.max_chars
    if channel.type != "apprise":
        return DEFAULT_MAX_CHARS
    scheme = scheme_of(channel.url)
    if scheme in SCHEME_MAX_CHARS:
        return SCHEME_MAX_CHARS[scheme]
    known = _apprise_max_chars(scheme) if scheme else None
    return min(known, DEFAULT_MAX_CHARS) if known else DEFAULT_MAX_CHARS


def render_for_channels(watch: str, changes: Sequence[Change], channels: Sequence[ChannelConfig], *,
                        kind: str = "alert", period: tuple[datetime, datetime] | None = None,
                        ) -> tuple[RenderedMessage, dict[str, RenderedMessage]]:
    """The message at the default size (what the command line prints), and each channel's copy
    rendered within that channel's budget in the format it sends (channels with the same budget
    and format share one rendering). All copies have the same stamp, so they are one message."""
    main = render_alert(watch, changes, kind=kind, period=period)
    by_budget: dict[tuple[int, str], RenderedMessage] = {}
    copies = {}
    for channel in channels:
        budget = (channel_max_chars(channel), channel_format(channel))
        if budget not in by_budget:
            by_budget[budget] = main if budget[0] == DEFAULT_MAX_CHARS else render_alert(
                watch, changes, kind=kind, period=period, max_chars=budget[0], formats=(budget[1],))
        copies[channel.name] = by_budget[budget]
    return main, copies


def send_terminal(alert: OutboxAlert, out: TextIO, fmt: str = "text") -> None:
    """Print the message to the terminal (the text version, unless the channel says otherwise)."""
    out.write(with_footer(alert.body(fmt), fmt, alert.alert_id))
    out.flush()


def alert_file(folder: Path, alert: OutboxAlert, fmt: str) -> Path:
    return folder / f"{alert.created_at:%Y%m%dT%H%M%S}-{alert.alert_id}.{EXTENSIONS[fmt]}"


def send_file(channel: ChannelConfig, alert: OutboxAlert, fmt: str) -> Path:
    """Write the message into the channel's folder, atomically (a temporary file, then a rename).
    The name comes from the alert, so writing the same alert again replaces the same file."""
    assert channel.path is not None
    folder = Path(channel.path).expanduser()
    target = alert_file(folder, alert, fmt)
    tmp = folder / f".{target.name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(with_footer(alert.body(fmt), fmt, alert.alert_id), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}", channel=channel.name) from None
    return target


def send_apprise(channel: ChannelConfig, alert: OutboxAlert, fmt: str, env: Mapping[str, str]) -> None:
    """Send through Apprise. ``notify()`` reports failure by returning False and logging the
    reason, so the reason is captured from Apprise's log and raised as :class:`DeliveryError`."""
    import apprise  # imported here: it is slow to import and only this channel needs it

    url = apprise_url(channel, alert.alert_id, env)
    secrets = _secrets(channel, env)
    body = with_footer(alert.body(fmt), fmt, alert.alert_id)
    notify_type = apprise.NotifyType.WARNING if alert.kind == "notice" else apprise.NotifyType.INFO
    body_format = {"text": apprise.NotifyFormat.TEXT, "markdown": apprise.NotifyFormat.MARKDOWN,
                   "html": apprise.NotifyFormat.HTML}[fmt]
    notifier = apprise.Apprise()
    # DEBUG, because Apprise logs why a request failed ("Socket Exception: … Read timed out")
    # only at that level. Its records go to this capture alone (not to the application's log
    # handlers, where a URL with a token could otherwise end up); _reason keeps the warnings and
    # those lines, with secrets masked, for the alert's last_error.
    apprise_log = logging.getLogger("apprise")
    propagate, apprise_log.propagate = apprise_log.propagate, False
    try:
        with apprise.LogCapture(level=logging.DEBUG, fmt="%(levelname)s\t%(message)s\x1e") as log:
            if not notifier.add(url):
                reason = _reason(log.getvalue(), secrets)
                raise DeliveryError(f"not a usable Apprise URL ({scheme_of(url)}://…)"
                                    + (f": {reason}" if reason else ""), channel=channel.name)
            try:
                ok = notifier.notify(body=body, title=alert.title, body_format=body_format,
                                     notify_type=notify_type)
            except Exception as exc:  # a plugin bug must not end the run: it is this alert's failure
                raise DeliveryError(redact(f"{type(exc).__name__}: {exc}", secrets),
                                    channel=channel.name) from None
    finally:
        apprise_log.propagate = propagate
    if not ok:
        reason = _reason(log.getvalue(), secrets)
        raise DeliveryError(reason or "Apprise reported a failure without a reason", channel=channel.name)


_REASON_LEVELS = ("WARNING", "ERROR", "CRITICAL")
_REASON_DEBUG = ("Socket Exception", "Response Details")


def _reason(captured: str, secrets: list[str]) -> str:
    """Apprise's own account of a failure: its warnings and errors, and the debug lines giving
    the underlying exception or the server's answer (shortened)."""
    lines = []
    for record in captured.split("\x1e\n"):
        level, _, message = record.partition("\t")
        message = " ".join(message.split())
        if not message:
            continue
        if level in _REASON_LEVELS or (level == "DEBUG" and message.startswith(_REASON_DEBUG)):
            lines.append(message[:300])
    return redact("; ".join(dict.fromkeys(lines))[:1000], secrets)


def send(channel: ChannelConfig, alert: OutboxAlert, *, env: Mapping[str, str], out: TextIO) -> None:
    """Deliver one alert on its channel or raise :class:`DeliveryError` saying why not."""
    fmt = channel_format(channel)
    if channel.type == "terminal":
        send_terminal(alert, out, fmt)
    elif channel.type == "file":
        send_file(channel, alert, fmt)
    else:
        send_apprise(channel, alert, fmt, env)
