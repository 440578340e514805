"""Rendering alerts, digests and operator notices as text, Markdown and HTML.

A message is rendered once, from Jinja2 templates in ``evwatch/templates``, into all three
formats; each channel later picks the one it sends. Everything that came from a feed (summaries,
evidence sentences, titles, outlets, URLs) is treated as hostile:

* control and invisible formatting characters are stripped and whitespace collapsed;
* chat mentions are made inert in every format (``@channel`` gets a zero-width space after the
  ``@``; Slack/Discord ``<!here>``, ``<@U123>``, ``<#C1>`` start with ``‹`` instead of ``<``);
* the HTML template autoescapes every value;
* the Markdown template escapes every value by default (backslash before Markdown control
  characters, ``<``/``>`` as entities), so ``[x](javascript:…)`` or ``<script>`` stays text;
* links are only made from ``http(s)`` URLs, without user info, with ``@ ( ) < >`` and spaces
  percent-encoded.

A message is capped at ``max_chars`` in the formats a channel sends (``formats``; all three by
default) by dropping the least important entries and saying how many were left out, then, if not
even one entry fits (a 1,000-character Teams card), by showing entries compactly (the triggering
report only, a shorter evidence sentence); never by cutting the rendered text, which could split
a tag, an escape or a link.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from evwatch.developments.model import Change, Development, FieldChange, SourceRef

#: Room kept free under ``max_chars`` for the per-channel footer ("ref: <alert_id>") added at
#: send time.
FOOTER_RESERVE = 100
MAX_SOURCES = 5            # sources listed per development ("… and N more sources")
MAX_EVIDENCE = 600         # characters of an evidence sentence
COMPACT_EVIDENCE = 200     # characters of an evidence sentence in a compact entry
FORMATS = ("text", "markdown", "html")
MAX_LINE = 300             # characters of any other feed-supplied one-line value

#: Sections of a message, most important first, keyed by the development's alert_class.
SECTIONS = (("now", "Important"), ("digest", "Also new"), ("none", "Context"))
LABELS = {"new": "NEW", "updated": "UPDATED", "conflict": "CONFLICT"}

CURRENCY_PREFIX = {"USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "JPY": "JP¥",
                   "KRW": "₩"}
UNIT_WORDS = {"percent": "%"}


@dataclass(frozen=True)
class RenderedMessage:
    """One message in every format. ``stamp`` identifies what it reports (the developments and
    their change stamps, and the period of a digest): the outbox derives the message id from it,
    so rendering the same changes again yields the same message."""

    title: str
    summary: str
    text: str
    markdown: str
    html: str
    stamp: str = ""
    shown: int = 0           # developments listed
    omitted: int = 0         # developments left out to respect max_chars


# --------------------------------------------------------------------------- cleaning feed text

# C0/C1 controls, zero-width and bidi formatting characters (they can hide or reorder text).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"\s+")
_MENTION_AT = re.compile(r"@(?=[\w.-])")
_MENTION_BRACKET = re.compile(r"<(?=[!@#])")
_ZWSP = "\u200b"


def neutralise_mentions(text: str) -> str:
    """Make chat mentions inert: ``@here`` → ``@\u200bhere``, ``<!channel>`` → ``‹!channel>``."""
    return _MENTION_AT.sub("@" + _ZWSP, _MENTION_BRACKET.sub("‹", text))


def clean(value: Any, limit: int = MAX_LINE) -> str:
    """A feed-supplied value as one safe line: no control or invisible characters, collapsed
    whitespace, at most ``limit`` characters, chat mentions neutralised."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text.replace("\t", " "))).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return neutralise_mentions(text)


class Md(str):
    """Markdown written by us (links, emphasis): the Markdown template does not escape it."""


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")


def md_escape(value: Any) -> str:
    """Escape a value for Markdown so it renders as the same text and never as markup."""
    if isinstance(value, Md):
        return value
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    return text.replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """An ``http(s)`` URL fit to be a link target, or None. User info is dropped and characters
    that could end a Markdown link or start a mention are percent-encoded."""
    if not url:
        return None
    url = _INVISIBLE.sub("", str(url)).strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    keep = "/%:=&?+,;$-._~"
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe=keep),
                       quote(parts.query, safe=keep), quote(parts.fragment, safe=keep)))


# --------------------------------------------------------------------------- numbers

def _plain_number(value: float, decimals: int = 2) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def _scaled(value: float) -> str:
    """4.5e9 → '4.5 billion'; 350000 → '350,000'."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{_plain_number(value / size)} {word}"
    return _plain_number(value)


def is_currency(unit: str | None) -> bool:
    return bool(unit) and bool(re.fullmatch(r"[A-Z]{3}", unit or ""))


def format_quantity(value: float | None, unit: str | None) -> str:
    """A figure as people read it: ``US$4.5 billion``, ``350,000 units``, ``12.5%``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "?"
    unit = clean(unit) if unit else ""
    if is_currency(unit):
        amount = _scaled(value)
        prefix = CURRENCY_PREFIX.get(unit)
        return f"{prefix}{amount}" if prefix else f"{unit} {amount}"
    number = _scaled(value) if abs(value) >= 1e9 else _plain_number(value)
    if unit in UNIT_WORDS:
        return f"{number}{UNIT_WORDS[unit]}"
    return f"{number} {unit}".strip()


def _number(text: str | None) -> float | None:
    try:
        value = float(str(text).replace(",", ""))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- what changed

def _stage(stage: str | None) -> str:
    return clean(stage).replace("_", " ") if stage else "unknown"


def _figure_label(dev: Development) -> str:
    kind = dev.figure_kind if dev.figure_kind and dev.figure_kind != "actual" else None
    metric = clean(dev.metric).replace("_", " ") if dev.metric else None
    return " ".join(p for p in (clean(dev.period) or None, kind or metric or "value") if p)


def describe_change(fc: FieldChange, dev: Development) -> str | None:
    """One line saying what a field change did, or None when the label (NEW) says it all."""
    if fc.field == "created":
        return None
    if fc.field == "stage":
        return f"stage: {_stage(fc.old)} → {_stage(fc.new)}"
    if fc.field == "value":
        old, new = _number(fc.old), _number(fc.new)
        if old is not None and new is not None:
            return f"{_figure_label(dev)}: {format_values([old, new], dev.unit, ' → ')}"
        return f"{_figure_label(dev)}: {clean(fc.old) or '?'} → {clean(fc.new) or '?'}"
    if fc.field == "status" and fc.new == "conflict":
        return f"conflict: {describe_conflict(dev)}"
    return f"{clean(fc.field)}: {clean(fc.old) or '—'} → {clean(fc.new) or '—'}"


def format_values(values: Sequence[float], unit: str | None, sep: str) -> str:
    """Several figures of one unit: 'US$1 billion → US$1.2 billion', '350,000 → 400,000 units'."""
    if is_currency(unit) or unit in UNIT_WORDS or not unit:
        return sep.join(format_quantity(v, unit) for v in values)
    return sep.join(format_quantity(v, None) for v in values) + f" {clean(unit)}"


def describe_conflict(dev: Development) -> str:
    """'130,000 vs 136,854 units' or 'in talks vs speculated', from the development's conflict
    claims (not from its conflict note, whose outlet names may hold numbers: "9to5Mac")."""
    claims = [c for c in dev.conflict_claims if c]
    if len(claims) >= 2:
        if dev.kind != "figure":
            return " vs ".join(_stage(c) for c in claims)
        values = [_number(c) for c in claims]
        if all(v is not None for v in values):
            return format_values([v for v in values if v is not None], dev.unit, " vs ")
    return clean(dev.conflict) or "reports disagree"


# --------------------------------------------------------------------------- view model

@dataclass
class SourceView:
    outlet: str
    date: str
    title: str
    url: str | None

    @property
    def md_link(self) -> Md:
        label = md_escape(", ".join(p for p in (self.outlet, self.date) if p) or "source")
        if self.title:
            label += ": " + md_escape(self.title)
        return Md(f"[{label}]({self.url})" if self.url else label)


@dataclass
class Entry:
    """One development as a message shows it."""

    development_id: str
    label: str                  # NEW, UPDATED, CONFLICT
    summary: str
    changes: list[str]
    evidence: str
    score: float
    score_line: str
    sources: list[SourceView]
    more_sources: int
    alert_class: str
    at: datetime
    compact: _Compact | None = field(default=None, repr=False, compare=False)


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d}"


def _source_views(dev: Development, triggers: Sequence[SourceRef],
                  limit: int = MAX_SOURCES) -> tuple[list[SourceView], int]:
    """The sources to list, at most ``limit``: the reports that made the change(s) first (newest
    first), then the first report, then the newest of the others; and how many were left out."""
    unique: dict[str, SourceRef] = {}
    for ref in [*dev.sources, *triggers]:
        unique.setdefault(ref.article_id, ref)
    newest = sorted(unique.values(), key=lambda r: (_utc(r.published_at), r.article_id), reverse=True)
    lead = sorted(triggers, key=lambda r: (_utc(r.published_at), r.article_id), reverse=True)
    order = dict.fromkeys([*(r.article_id for r in lead), dev.first_article_id, *(r.article_id for r in newest)])
    ordered = [unique[a] for a in order if a in unique]
    views = [SourceView(outlet=clean(r.source, 80), date=_date(r.published_at),
                        title=clean(r.title, 160), url=safe_url(r.url))
             for r in ordered[:limit]]
    return views, max(0, len(ordered) - limit)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _net_fields(group: Sequence[Change]) -> list[FieldChange]:
    """What several changes of one development did overall: per field, its first old value → its
    last new value (speculated → agreed → speculated is no change at all). A status change is
    kept only when a conflict began or ended (new → updated says nothing the label does not)."""
    first: dict[str, FieldChange] = {}
    last: dict[str, FieldChange] = {}
    for change in group:
        for fc in change.fields:
            first.setdefault(fc.field, fc)
            last[fc.field] = fc
    net = []
    for name, opening in first.items():
        fc = FieldChange(name, opening.old, last[name].new)
        if name != "created" and _same(fc.old, fc.new):
            continue
        if name == "status" and "conflict" not in (fc.old, fc.new):
            continue
        net.append(fc)
    return net


def _same(old: str | None, new: str | None) -> bool:
    a, b = _number(old), _number(new)
    return a == b if a is not None and b is not None else old == new


def _entries(changes: Sequence[Change]) -> list[Entry]:
    """One entry per development: several changes to the same development in one message are
    merged (the latest state, the net change of each field, NEW if any change created it)."""
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.development.development_id, []).append(change)
    entries = []
    for dev_id, group in grouped.items():
        group.sort(key=lambda c: (_utc(c.at), c.trigger.article_id))
        dev = group[-1].development
        kinds = {c.change for c in group}
        label = "NEW" if "new" in kinds else ("CONFLICT" if "conflict" in kinds or dev.status == "conflict"
                                               else "UPDATED")
        lines: list[str] = []
        for fc in _net_fields(group):
            line = describe_change(fc, dev)
            if line and line not in lines:
                lines.append(line)
        if label == "CONFLICT" and not any(line.startswith("conflict:") for line in lines):
            lines.append(f"conflict: {describe_conflict(dev)}")
        triggers = [c.trigger for c in group]
        sources, more = _source_views(dev, triggers)
        reasons = [clean(r, 120) for r in dev.reasons if r]
        score_line = f"score {dev.score:.2f}" + (": " + "; ".join(reasons) if reasons else "")
        entries.append(Entry(
            development_id=dev_id, label=label, summary=clean(dev.summary) or "(no summary)",
            changes=lines, evidence=clean(dev.evidence or group[-1].trigger.evidence, MAX_EVIDENCE),
            score=dev.score, score_line=score_line, sources=sources, more_sources=more,
            alert_class=dev.alert_class if dev.alert_class in {"now", "digest"} else "none",
            at=_utc(group[-1].at), compact=_Compact(dev, triggers, f"score {dev.score:.2f}"),
        ))
    return entries


@dataclass(frozen=True)
class _Compact:
    """What a compact version of an entry is made from."""

    development: Development
    triggers: Sequence[SourceRef]
    score_line: str


def _compacted(entry: Entry) -> Entry:
    """The entry in little room: the triggering report as its only source, a shorter evidence
    sentence, the score without its reasons."""
    if entry.compact is None:
        return entry
    sources, more = _source_views(entry.compact.development, entry.compact.triggers, limit=1)
    return replace(entry, evidence=clean(entry.evidence, COMPACT_EVIDENCE), score_line=entry.compact.score_line,
                   sources=sources, more_sources=more, compact=None)


def order_entries(entries: list[Entry]) -> list[Entry]:
    """Most important first: alert class (now, digest, none), then score, then newest."""
    rank = {cls: i for i, (cls, _) in enumerate(SECTIONS)}
    return sorted(entries, key=lambda e: (rank[e.alert_class], -e.score, -e.at.timestamp(), e.development_id))


def _sections(entries: list[Entry]) -> list[Section]:
    sections = [Section(title) for _, title in SECTIONS]
    by_class = {cls: s for (cls, _), s in zip(SECTIONS, sections)}
    for entry in entries:
        by_class[entry.alert_class].entries.append(entry)
    return [s for s in sections if s.entries]


def change_stamp(changes: Sequence[Change]) -> str:
    """What the message reports, independent of how it is rendered: each development id with its
    change, trigger article, time and field changes. Same changes, same stamp."""
    parts = sorted(
        "|".join([c.development.development_id, c.change, c.trigger.article_id, _utc(c.at).isoformat(),
                  *(f"{f.field}:{f.old}:{f.new}" for f in c.fields)])
        for c in changes
    )
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------- templates

def _finalize_text(value: Any) -> str:
    return "" if value is None else str(value)


def _finalize_md(value: Any) -> str:
    return "" if value is None else md_escape(value)


@cache
def _environments() -> dict[str, Environment]:
    loader = PackageLoader("evwatch", "templates")
    common = dict(loader=loader, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True)
    return {
        "txt": Environment(autoescape=False, finalize=_finalize_text, **common),
        "md": Environment(autoescape=False, finalize=_finalize_md, **common),
        "html": Environment(autoescape=True, **common),
    }


def _render(name: str, **context: Any) -> tuple[str, str, str]:
    envs = _environments()
    return (envs["txt"].get_template(f"{name}.txt.j2").render(**context),
            envs["md"].get_template(f"{name}.md.j2").render(**context),
            envs["html"].get_template(f"{name}.html.j2").render(**context))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _counts(entries: Sequence[Entry]) -> str:
    labels = [e.label for e in entries]
    parts = [f"{labels.count(label)} {word}" for label, word in
             (("NEW", "new"), ("UPDATED", "updated"), ("CONFLICT", "conflicting"))
             if labels.count(label)]
    if not parts:
        return "no new developments"
    return ", ".join(parts) + (" development" if len(entries) == 1 else " developments")


def _period_text(period: tuple[datetime, datetime] | None) -> str | None:
    if period is None:
        return None
    start, end = (_utc(p) for p in period)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"


def render_alert(watch: str, changes: Sequence[Change], *, kind: str = "alert",
                 period: tuple[datetime, datetime] | None = None,
                 max_chars: int = 20_000, formats: Sequence[str] = FORMATS) -> RenderedMessage:
    """Render one message (an alert of one run, or a digest of one period) for a watch.

    Developments are grouped by importance (alert class "now" first, then "digest", then
    context), by score within a group, each marked NEW, UPDATED or CONFLICT with what changed,
    the evidence, its sources and its score with reasons. When one of ``formats`` would exceed
    ``max_chars`` (less a reserve for the footer added at send time) the least important entries
    are left out and counted in a closing line; when not even one fits, entries are shown compactly.
    """
    if kind not in ("alert", "digest"):
        raise ValueError(f"kind must be 'alert' or 'digest', not {kind!r}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be some of {FORMATS}, not {list(formats)!r}")
    watch_name = clean(watch, 100)
    entries = order_entries(_entries(changes))
    period_text = _period_text(period)
    counts = _counts(entries)
    if kind == "digest":
        title = f"evwatch digest · {watch_name}" + (f" · {_utc(period[0]):%Y-%m-%d}" if period else "") \
            + f": {counts}"
    else:
        title = f"evwatch · {watch_name}: {counts}"
    if entries:
        summary = entries[0].summary + (f" (+{len(entries) - 1} more)" if len(entries) > 1 else "")
    else:
        summary = "No new developments."
    stamp_source = change_stamp(changes) + (f"|{period_text}" if period_text else "")
    stamp = hashlib.sha256(f"{kind}|{stamp_source}".encode()).hexdigest()[:32]
    budget = max(0, max_chars - FOOTER_RESERVE)
    measured = [FORMATS.index(f) for f in formats]

    def attempt(candidates: list[Entry], shown: int) -> tuple[str, str, str]:
        return _render("alert", title=title, watch=watch_name, kind=kind, period=period_text,
                       sections=_sections(candidates[:shown]), omitted=len(candidates) - shown,
                       total=len(candidates))

    def fits(rendered: tuple[str, str, str]) -> bool:
        return max(len(rendered[i]) for i in measured) <= budget

    def largest(candidates: list[Entry]) -> tuple[tuple[str, str, str], int]:
        """The rendering of the most entries that fits (by bisection), and how many it shows."""
        rendered = attempt(candidates, len(candidates))
        if fits(rendered):
            return rendered, len(candidates)
        low, high = 0, len(candidates) - 1
        best, best_shown = attempt(candidates, 0), 0
        while low <= high:
            mid = (low + high) // 2
            candidate = attempt(candidates, mid)
            if fits(candidate):
                best, best_shown, low = candidate, mid, mid + 1
            else:
                high = mid - 1
        return best, best_shown

    rendered, shown = largest(entries)
    if entries and shown == 0:
        compact_rendered, compact_shown = largest([_compacted(e) for e in entries])
        if compact_shown:
            rendered, shown = compact_rendered, compact_shown
    text, markdown, html = rendered
    return RenderedMessage(title=title, summary=summary, text=text, markdown=markdown, html=html,
                           stamp=stamp, shown=shown, omitted=len(entries) - shown)


def render_notice(channel: str, failing: bool, error: str | None, since: datetime | None, *,
                  failures: int = 0) -> RenderedMessage:
    """An operator notice: a channel keeps failing (``failing=True``) or has recovered."""
    name = clean(channel, 100)
    error_text = clean(error, 1000) if error else ""
    since_text = f"{_utc(since):%Y-%m-%d %H:%M} UTC" if since else ""
    if failing:
        title = f"evwatch: alert channel '{name}' is failing"
        summary = f"Channel {name} failed {failures} times in a row" + (f": {error_text}" if error_text else "")
    else:
        title = f"evwatch: alert channel '{name}' has recovered"
        summary = f"Channel {name} delivers again" + (f" (failing since {since_text})" if since_text else "")
    return _notice(title, summary, f"{name}|{failing}|{since_text}", channel=name,
                   reason="failing" if failing else "recovered", error=error_text, since=since_text,
                   failures=failures)


def render_gave_up_notice(channel: str, alert_id: str, subject: str, attempts: int, error: str | None, *,
                          permanent: bool = False) -> RenderedMessage:
    """An operator notice: one alert could not be delivered on a channel and was given up, after
    its last attempt or at once when the service refused the message itself (``permanent``)."""
    name, error_text = clean(channel, 100), clean(error, 1000) if error else ""
    title = f"evwatch: an alert on channel '{name}' was given up"
    summary = f"Alert {alert_id} on {name} given up after {_plural(attempts, 'attempt')}" \
        + (f": {error_text}" if error_text else "")
    return _notice(title, summary, f"gave-up|{alert_id}", channel=name, reason="gave_up", error=error_text,
                   alert_id=clean(alert_id, 100), subject=clean(subject), attempts=attempts, permanent=permanent)


def render_unconfigured_notice(channel: str, waiting: int, since: datetime | None = None) -> RenderedMessage:
    """An operator notice: alerts wait for a channel that is no longer configured (``since``:
    when this time began, so that a channel removed again raises a notice of its own)."""
    name = clean(channel, 100)
    title = f"evwatch: alert channel '{name}' is not configured"
    summary = f"{_plural(waiting, 'alert')} wait for channel {name}, which is not in the alert configuration"
    episode = f"|{since:%Y%m%dT%H%M%S}" if since is not None else ""
    return _notice(title, summary, f"unconfigured|{name}{episode}", channel=name, reason="unconfigured",
                   waiting=waiting)


def _notice(title: str, summary: str, identity: str, **context: Any) -> RenderedMessage:
    """Render an operator notice (the notice templates branch on ``reason``)."""
    defaults: dict[str, Any] = {"error": "", "since": "", "failures": 0, "alert_id": "", "subject": "",
                                "attempts": 0, "permanent": False, "waiting": 0}
    text, markdown, html = _render("notice", title=title, **{**defaults, **context})
    stamp = hashlib.sha256(f"notice|{identity}".encode()).hexdigest()[:32]
    return RenderedMessage(title=title, summary=clean(summary), text=text, markdown=markdown,
                           html=html, stamp=stamp)


def with_footer(body: str, fmt: str, alert_id: str) -> str:
    """The body with the delivery reference that lets a receiver drop a repeated message."""
    ref = f"ref: {alert_id}"
    if fmt == "html":
        closing = body.rfind("</body>")
        tag = f'<p class="ref" style="color:#888;font-size:small">{Markup.escape(ref)}</p>\n'
        return body[:closing] + tag + body[closing:] if closing >= 0 else body + "\n" + tag
    if fmt == "markdown":
        return body.rstrip("\n") + f"\n\n{md_escape(ref)}\n"
    return body.rstrip("\n") + f"\n\n{ref}\n"
