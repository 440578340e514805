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

A message is capped at ``max_chars`` in each format by dropping the least important entries and
saying how many were left out, never by cutting the rendered text (which could split a tag).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


_NUMBERS = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?")


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
    """'130,000 vs 136,854 units' from the development's conflict note."""
    raw = dev.conflict or ""
    values = [_number(n) for n in _NUMBERS.findall(raw)]
    values = [v for v in values if v is not None]
    if len(values) >= 2 and dev.kind == "figure":
        return format_values(values, dev.unit, " vs ")
    return clean(raw) or "reports disagree"


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


def _source_views(sources: Iterable[SourceRef]) -> tuple[list[SourceView], int]:
    unique: dict[str, SourceRef] = {}
    for ref in sources:
        unique.setdefault(ref.article_id, ref)
    ordered = sorted(unique.values(), key=lambda r: (_utc(r.published_at), r.article_id))
    views = [SourceView(outlet=clean(r.source, 80), date=_date(r.published_at),
                        title=clean(r.title, 160), url=safe_url(r.url))
             for r in ordered[:MAX_SOURCES]]
    return views, max(0, len(ordered) - MAX_SOURCES)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entries(changes: Sequence[Change]) -> list[Entry]:
    """One entry per development: several changes to the same development in one message are
    merged (the latest state, every field change in order, NEW if any change created it)."""
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
        for change in group:
            for fc in change.fields:
                line = describe_change(fc, dev)
                if line and line not in lines:
                    lines.append(line)
        if label == "CONFLICT" and not any(line.startswith("conflict:") for line in lines):
            lines.append(f"conflict: {describe_conflict(dev)}")
        refs = list(dev.sources) + [c.trigger for c in group]
        sources, more = _source_views(refs)
        reasons = [clean(r, 120) for r in dev.reasons if r]
        score_line = f"score {dev.score:.2f}" + (": " + "; ".join(reasons) if reasons else "")
        entries.append(Entry(
            development_id=dev_id, label=label, summary=clean(dev.summary) or "(no summary)",
            changes=lines, evidence=clean(dev.evidence or group[-1].trigger.evidence, MAX_EVIDENCE),
            score=dev.score, score_line=score_line, sources=sources, more_sources=more,
            alert_class=dev.alert_class if dev.alert_class in {"now", "digest"} else "none",
            at=_utc(group[-1].at),
        ))
    return entries


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
                 max_chars: int = 20_000) -> RenderedMessage:
    """Render one message (an alert of one run, or a digest of one period) for a watch.

    Developments are grouped by importance (alert class "now" first, then "digest", then
    context), by score within a group, each marked NEW, UPDATED or CONFLICT with what changed,
    the evidence, its sources and its score with reasons. When a format would exceed
    ``max_chars`` (less a reserve for the footer added at send time) the least important entries
    are left out and counted in a closing line.
    """
    if kind not in ("alert", "digest"):
        raise ValueError(f"kind must be 'alert' or 'digest', not {kind!r}")
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

    def attempt(shown: int) -> tuple[str, str, str]:
        return _render("alert", title=title, watch=watch_name, kind=kind, period=period_text,
                       sections=_sections(entries[:shown]), omitted=len(entries) - shown,
                       total=len(entries))

    def fits(rendered: tuple[str, str, str]) -> bool:
        return max(len(r) for r in rendered) <= budget

    shown = len(entries)
    rendered = attempt(shown)
    if not fits(rendered):
        low, high = 0, shown - 1            # the largest count that fits, by bisection
        best = attempt(0)
        best_shown = 0
        while low <= high:
            mid = (low + high) // 2
            candidate = attempt(mid)
            if fits(candidate):
                best, best_shown, low = candidate, mid, mid + 1
            else:
                high = mid - 1
        rendered, shown = best, best_shown
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
    text, markdown, html = _render("notice", title=title, channel=name, failing=failing,
                                   error=error_text, since=since_text, failures=failures)
    stamp = hashlib.sha256(f"notice|{name}|{failing}|{since_text}".encode()).hexdigest()[:32]
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
