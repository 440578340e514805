"""Sending one alert on one channel: the terminal, a folder of files, or any Apprise URL.

Each sender either returns (delivered) or raises :class:`DeliveryError` with the reason; the
outbox decides what happens next. Every message carries its ``alert_id``: in a "ref:" footer on
every channel, in an ``Idempotency-Key`` header for JSON/form/XML webhooks and an
``X-Evwatch-Ref`` header for e-mail. Apprise does not retry and a request that timed out may
still have been delivered, so the outbox retries on later runs and a receiver can drop a repeat
by that key. A file channel names its file by the alert id, so writing again overwrites it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qsl, quote

from evwatch.alerts.render import with_footer
from evwatch.config import ChannelConfig
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
    (``cto``/``rto``, unless the URL sets them) and the alert id as idempotency header."""
    try:
        url = channel.resolved_url(env)
    except ConfigError as exc:
        raise DeliveryError(str(exc), channel=channel.name) from None
    base, _, query = url.partition("?")
    present = {key.lower() for key, _ in parse_qsl(query, keep_blank_values=True)}
    timeout = f"{channel.timeout_seconds:g}"
    extra = [(k, timeout) for k in ("cto", "rto") if k not in present]
    scheme = scheme_of(url)
    if scheme in WEBHOOK_SCHEMES:
        extra.append(("+Idempotency-Key", alert_id))   # the last value of a key wins in Apprise
    elif scheme in MAIL_SCHEMES:
        extra.append(("+X-Evwatch-Ref", alert_id))
    added = "&".join(f"{quote(k, safe='+')}={quote(v, safe='')}" for k, v in extra)
    if not added:
        return url
    return f"{base}?{query}&{added}" if query else f"{base}?{added}"


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
