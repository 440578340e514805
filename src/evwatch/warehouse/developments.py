"""Storing developments: the state novelty works on, its sources and history, and which articles
each watch has taken into account. Every write is keyed (development_id; development and article;
development, time, field and article; watch and article), so saving the same run twice changes
nothing. All writes happen inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from evwatch.developments.model import Change, Development, HistoryEntry, SourceRef
from evwatch.warehouse.articles import utc_aware, utc_naive
from evwatch.warehouse.db import execute, insert_rows, query_text, run_over_rows

_LIST = pa.list_(pa.string())
DEVELOPMENT_SCHEMA = pa.schema([
    ("development_id", pa.string()), ("watch", pa.string()), ("kind", pa.string()), ("key", pa.string()),
    ("summary", pa.string()), ("subject", pa.string()), ("object", pa.string()), ("relation", pa.string()),
    ("topic", pa.string()), ("stage", pa.string()), ("metric", pa.string()), ("value", pa.float64()),
    ("unit", pa.string()), ("period", pa.string()), ("figure_kind", pa.string()), ("status", pa.string()),
    ("conflict", pa.string()), ("conflict_claims", _LIST), ("held", pa.bool_()), ("units", _LIST),
    ("score", pa.float64()), ("reasons", _LIST), ("alert_class", pa.string()), ("evidence", pa.string()),
    ("first_seen_at", pa.timestamp("us")), ("last_seen_at", pa.timestamp("us")), ("updated_at", pa.timestamp("us")),
    ("first_article_id", pa.string()), ("source_count", pa.int32()), ("scored_at", pa.timestamp("us")),
])
SOURCE_SCHEMA = pa.schema([
    ("development_id", pa.string()), ("article_id", pa.string()), ("role", pa.string()),
    ("published_at", pa.timestamp("us")), ("source", pa.string()), ("url", pa.string()), ("title", pa.string()),
    ("stage", pa.string()), ("value", pa.float64()), ("unit", pa.string()), ("relevance", pa.float64()),
    ("relevance_label", pa.string()), ("evidence", pa.string()), ("duplicate_of", pa.string()),
])
HISTORY_SCHEMA = pa.schema([
    ("development_id", pa.string()), ("changed_at", pa.timestamp("us")), ("change", pa.string()),
    ("field", pa.string()), ("old", pa.string()), ("new", pa.string()), ("article_id", pa.string()),
])


class _Named(Protocol):
    name: str


def load_state(conn: duckdb.DuckDBPyConnection, watch_name: str) -> dict[str, Development]:
    """A watch's developments by key, with their sources and history (times in UTC)."""
    sources: dict[str, list[SourceRef]] = {}
    for r in execute(conn, query_text("development_state_sources"), [watch_name]):
        sources.setdefault(r[0], []).append(SourceRef(
            article_id=r[1], role=r[2], published_at=utc_aware(r[3]), source=r[4] or "", url=r[5], title=r[6] or "",
            evidence=r[7] or "", stage=r[8], value=r[9], unit=r[10], relevance=r[11] or 0.0,
            relevance_label=r[12] or "", duplicate_of=r[13]))
    history: dict[str, list[HistoryEntry]] = {}
    for r in execute(conn, query_text("development_state_history"), [watch_name]):
        history.setdefault(r[0], []).append(HistoryEntry(utc_aware(r[1]), r[2], r[3], r[4], r[5], r[6]))
    state = {}
    for r in execute(conn, query_text("development_state"), [watch_name]):
        dev = Development(
            development_id=r[0], watch=r[1], kind=r[2], key=r[3], summary=r[4], subject=r[5], object=r[6],
            relation=r[7], topic=r[8], stage=r[9], metric=r[10], value=r[11], unit=r[12], period=r[13],
            figure_kind=r[14], status=r[15], conflict=r[16], score=r[17], reasons=tuple(r[18] or ()),
            alert_class=r[19], evidence=r[20] or "", first_seen_at=utc_aware(r[21]), last_seen_at=utc_aware(r[22]),
            updated_at=utc_aware(r[23]), first_article_id=r[24], source_count=r[25],
            sources=sources.get(r[0], []), held=bool(r[26]), conflict_claims=tuple(r[27] or ()),
            units=tuple(r[28] or ()), history=history.get(r[0], []),
        )
        state[dev.key] = dev
    return state


def processed_articles(conn: duckdb.DuckDBPyConnection, watch_name: str) -> set[str]:
    """The articles a watch has already taken into account."""
    return {r[0] for r in execute(conn, "SELECT article_id FROM watch_articles WHERE watch = ?", [watch_name])}


def save(conn: duckdb.DuckDBPyConnection, watch_name: str, state_after: Mapping[str, Development],
         changes: Sequence[Change], processed_article_ids: Iterable[str], now: datetime) -> dict[str, int]:
    """Store what one run of novelty did (inside the caller's transaction).

    Upserts the developments that changed or gained a source from ``processed_article_ids``, adds
    their new sources and history rows (existing ones are kept: keyed inserts), and records the
    processed articles for the watch. Returns how many rows of each kind were written.
    """
    processed = set(processed_article_ids)
    changed = {c.development.key for c in changes}
    touched = [d for d in state_after.values() if d.watch == watch_name
               and (d.key in changed or any(s.article_id in processed for s in d.sources))]
    touched.sort(key=lambda d: d.key)
    scored_at = utc_naive(now)
    developments = [_development_row(d, scored_at) for d in touched]
    sources = [_source_row(d.development_id, s) for d in touched for s in d.sources]
    history = [_history_row(d.development_id, h) for d in touched for h in d.history]
    run_over_rows(conn, "development_upsert", "_batch_developments", developments, schema=DEVELOPMENT_SCHEMA)
    return {
        "developments": len(developments),
        "sources": insert_rows(conn, "development_sources", sources, schema=SOURCE_SCHEMA),
        "history": insert_rows(conn, "development_history", history, schema=HISTORY_SCHEMA),
        "articles": insert_rows(conn, "watch_articles", [
            {"watch": watch_name, "article_id": a, "processed_at": scored_at} for a in sorted(processed)],
            on_conflict="replace"),
    }


def _development_row(d: Development, scored_at: datetime | None) -> dict[str, Any]:
    return {
        "development_id": d.development_id, "watch": d.watch, "kind": d.kind, "key": d.key, "summary": d.summary,
        "subject": d.subject, "object": d.object, "relation": d.relation, "topic": d.topic, "stage": d.stage,
        "metric": d.metric, "value": d.value, "unit": d.unit, "period": d.period, "figure_kind": d.figure_kind,
        "status": d.status, "conflict": d.conflict, "conflict_claims": list(d.conflict_claims), "held": d.held,
        "units": list(d.units), "score": float(d.score), "reasons": list(d.reasons), "alert_class": d.alert_class,
        "evidence": d.evidence, "first_seen_at": utc_naive(d.first_seen_at), "last_seen_at": utc_naive(d.last_seen_at),
        "updated_at": utc_naive(d.updated_at), "first_article_id": d.first_article_id,
        "source_count": d.source_count, "scored_at": scored_at,
    }


def _source_row(development_id: str, s: SourceRef) -> dict[str, Any]:
    return {
        "development_id": development_id, "article_id": s.article_id, "role": s.role,
        "published_at": utc_naive(s.published_at), "source": s.source, "url": s.url, "title": s.title,
        "stage": s.stage, "value": s.value, "unit": s.unit, "relevance": s.relevance,
        "relevance_label": s.relevance_label, "evidence": s.evidence, "duplicate_of": s.duplicate_of,
    }


def _history_row(development_id: str, h: HistoryEntry) -> dict[str, Any]:
    return {"development_id": development_id, "changed_at": utc_naive(h.changed_at), "change": h.change,
            "field": h.field, "old": h.old, "new": h.new, "article_id": h.article_id}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One development as `evwatch developments` lists it."""

    development_id: str
    key: str
    kind: str
    summary: str
    status: str
    alert_class: str
    held: bool
    score: float
    reasons: tuple[str, ...]
    source_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime | None
    conflict: str | None
    first_url: str | None
    latest_url: str | None   # the report behind the latest change


def timeline(conn: duckdb.DuckDBPyConnection, watch: str | _Named, limit: int = 50) -> list[TimelineEntry]:
    """A watch's developments, most recently changed first."""
    name = watch if isinstance(watch, str) else watch.name
    rows = execute(conn, query_text("development_timeline"), [name, int(limit)])
    return [TimelineEntry(
        development_id=r[0], key=r[1], kind=r[2], summary=r[3], status=r[4], alert_class=r[5], held=bool(r[6]),
        score=r[7], reasons=tuple(r[8] or ()), source_count=r[9], first_seen_at=utc_aware(r[10]),
        last_seen_at=utc_aware(r[11]), updated_at=utc_aware(r[12]), conflict=r[13], first_url=r[14], latest_url=r[15],
    ) for r in rows]
