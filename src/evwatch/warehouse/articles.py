"""Storing feeds' state, problems, entries and articles.

Identity is by key: an article is recognised again by any of its aliases (canonical URL, GUID,
feed entry, content hash). The same content is never stored twice; changed content under a
known URL or GUID becomes a new version; a near-identical text under a new URL is stored and
linked to its original. Everything one run stores goes in one transaction with the feeds'
cursors, so a crash loses nothing and a rerun duplicates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from evwatch.ingest.articles import ArticleCandidate
from evwatch.ingest.dedup import SyndicationIndex, signature
from evwatch.ingest.normalize import stable_id
from evwatch.warehouse.db import execute, insert_rows, query_text


@dataclass(frozen=True)
class FeedCursor:
    feed_id: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FeedAttempt:
    """One fetch attempt of a feed, to record its health."""

    feed_id: str
    location: str
    attempted_at: datetime
    ok: bool
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    entries_seen: int = 0
    new_articles: int = 0


@dataclass(frozen=True)
class Problem:
    """Something that went wrong with one source; recorded, then the run goes on."""

    stage: str          # config, fetch, parse, page, store
    kind: str           # error class or short tag
    message: str
    feed_id: str | None = None
    url: str | None = None


@dataclass
class StoreResult:
    new_articles: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: int = 0
    duplicates: list[str] = field(default_factory=list)   # new articles that are syndicated copies
    per_feed_new: dict[str, int] = field(default_factory=dict)
    per_feed_duplicates: dict[str, int] = field(default_factory=dict)
    entry_article: dict[str, str] = field(default_factory=dict)  # entry_id → article_id

    @property
    def changed_article_ids(self) -> list[str]:
        return self.new_articles + self.new_versions


def utc_naive(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def load_cursors(conn: duckdb.DuckDBPyConnection) -> dict[str, FeedCursor]:
    rows = execute(conn, "SELECT feed_id, etag, last_modified FROM feeds")
    return {r[0]: FeedCursor(*r) for r in rows}


def load_entry_hashes(conn: duckdb.DuckDBPyConnection, feed_ids: Sequence[str]) -> dict[str, str]:
    """entry_id → entry_hash for the given feeds, so unchanged entries are skipped early."""
    if not feed_ids:
        return {}
    rows = conn.execute(
        "SELECT entry_id, entry_hash FROM entries WHERE feed_id IN (SELECT unnest(?))", [list(feed_ids)]
    ).fetchall()
    return dict(rows)


def load_syndication_index(conn: duckdb.DuckDBPyConnection) -> SyndicationIndex:
    index = SyndicationIndex()
    index.add_all(conn.execute("SELECT article_id, signature FROM article_signatures").fetchall())
    return index


def record_problems(conn: duckdb.DuckDBPyConnection, run_id: str, problems: Iterable[Problem],
                    at: datetime) -> int:
    rows = [
        {
            "problem_id": stable_id(run_id, p.stage, p.feed_id, p.url, p.message),
            "run_id": run_id, "occurred_at": utc_naive(at), "feed_id": p.feed_id, "url": p.url,
            "stage": p.stage, "kind": p.kind, "message": p.message[:2000],
        }
        for p in problems
    ]
    return insert_rows(conn, "fetch_problems", rows)


def record_feed_attempts(conn: duckdb.DuckDBPyConnection, attempts: Sequence[FeedAttempt]) -> None:
    if not attempts:
        return
    import pyarrow as pa

    rows = [
        {
            "feed_id": a.feed_id, "location": a.location, "etag": a.etag, "last_modified": a.last_modified,
            "attempted_at": utc_naive(a.attempted_at), "ok": a.ok, "status": a.status,
            "error": (a.error or "")[:1000] or None, "entries_seen": a.entries_seen,
            "new_articles": a.new_articles,
        }
        for a in attempts
    ]
    conn.register("_feed_batch", pa.Table.from_pylist(rows))
    try:
        execute(conn, query_text("upsert_feed_state"))
    finally:
        conn.unregister("_feed_batch")


def _resolve_aliases(conn: duckdb.DuckDBPyConnection, aliases: Sequence[str]) -> dict[str, str]:
    if not aliases:
        return {}
    rows = conn.execute(
        "SELECT alias, article_id FROM article_aliases WHERE alias IN (SELECT unnest(?))", [list(set(aliases))]
    ).fetchall()
    return dict(rows)


def _latest_versions(conn: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, tuple[int, str, str | None]]:
    if not article_ids:
        return {}
    rows = conn.execute(
        """SELECT article_id, max(version), arg_max(content_hash, version), arg_max(duplicate_of, version)
           FROM article_versions WHERE article_id IN (SELECT unnest(?)) GROUP BY article_id""",
        [list(set(article_ids))],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def store_articles(conn: duckdb.DuckDBPyConnection, candidates: Sequence[ArticleCandidate],
                   index: SyndicationIndex) -> StoreResult:
    """Store what is new or changed among the candidates (inside the caller's transaction)."""
    result = StoreResult()
    all_aliases = [a for c in candidates for a in c.aliases]
    alias_map = _resolve_aliases(conn, all_aliases)
    latest = _latest_versions(conn, list(alias_map.values()) + [c.proposed_id for c in candidates])
    versions: list[dict] = []
    signatures: list[dict] = []
    new_aliases: dict[str, str] = {}
    entry_article: dict[str, str] = {}

    for cand in sorted(candidates, key=lambda c: (c.published_at, c.proposed_id)):
        identity = next((alias_map[a] for a in cand.aliases if not a.startswith("content:") and a in alias_map), None)
        same_content = alias_map.get(f"content:{cand.content_hash}")
        if identity is None and cand.proposed_id in latest:
            identity = cand.proposed_id
        if identity is not None:
            version, stored_hash, duplicate_of = latest[identity]
            article_id = identity
            if stored_hash == cand.content_hash:
                result.unchanged += 1
            else:
                versions.append(_version_row(cand, article_id, version + 1, duplicate_of, None))
                latest[article_id] = (version + 1, cand.content_hash, duplicate_of)
                result.new_versions.append(article_id)
        elif same_content is not None:
            article_id = same_content
            result.unchanged += 1
        else:
            article_id = cand.proposed_id
            duplicate_of, score = None, None
            sig = signature(cand.text)
            if sig is not None:
                copy = index.original_of(article_id, sig)
                if copy is not None:
                    duplicate_of, score = copy.original_id, copy.similarity
                    result.duplicates.append(article_id)
                    if cand.feed_id:
                        result.per_feed_duplicates[cand.feed_id] = result.per_feed_duplicates.get(cand.feed_id, 0) + 1
                index.add(article_id, sig)
                signatures.append({"article_id": article_id, "signature": [int(x) for x in sig]})
            versions.append(_version_row(cand, article_id, 1, duplicate_of, score))
            latest[article_id] = (1, cand.content_hash, duplicate_of)
            result.new_articles.append(article_id)
            if cand.feed_id:
                result.per_feed_new[cand.feed_id] = result.per_feed_new.get(cand.feed_id, 0) + 1
        for alias in cand.aliases:
            if alias not in alias_map:
                alias_map[alias] = article_id
                new_aliases[alias] = article_id
        if cand.entry_id:
            entry_article[cand.entry_id] = article_id

    insert_rows(conn, "article_versions", versions)
    insert_rows(conn, "article_signatures", signatures)
    insert_rows(conn, "article_aliases", [{"alias": k, "article_id": v} for k, v in new_aliases.items()])
    result.entry_article = entry_article
    return result


def _version_row(c: ArticleCandidate, article_id: str, version: int, duplicate_of: str | None,
                 similarity: float | None) -> dict:
    return {
        "article_id": article_id, "version": version, "content_hash": c.content_hash, "url": c.url,
        "link": c.link, "source": c.source, "feed_id": c.feed_id, "entry_id": c.entry_id, "guid": c.guid,
        "title": c.title, "summary": c.summary, "text": c.text, "raw_html": c.raw_html,
        "published_at": utc_naive(c.published_at), "date_trusted": c.date_trusted, "date_note": c.date_note,
        "language": c.language, "origin": c.origin, "fetched_at": utc_naive(c.fetched_at),
        "duplicate_of": duplicate_of, "similarity": similarity,
    }


def store_entries(conn: duckdb.DuckDBPyConnection, entries: Sequence[dict]) -> None:
    """Upsert entry rows (dicts with the entries table's columns)."""
    if not entries:
        return
    import pyarrow as pa

    conn.register("_entries_batch", pa.Table.from_pylist(list(entries)))
    try:
        execute(conn, query_text("upsert_entries"))
    finally:
        conn.unregister("_entries_batch")


def record_run(conn: duckdb.DuckDBPyConnection, row: dict) -> None:
    insert_rows(conn, "runs", [row], on_conflict="replace")
