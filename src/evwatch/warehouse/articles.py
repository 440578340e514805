"""Storing feeds' state, problems, entries and articles.

Identity is by key: an article is recognised again by any of its aliases (canonical URL, GUID,
feed entry, content hash). The same content is never stored twice; changed content under a
known URL or GUID becomes a new version, but only from the article's own outlet, and never a
feed summary over text read from the page; a near-identical text under a new URL (or a copy
whose canonical URL names a stored article on another site) is stored and linked to its original. Everything one run stores goes in one transaction with the feeds'
cursors, so a crash loses nothing and a rerun duplicates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import duckdb

from evwatch.ingest.articles import ArticleCandidate
from evwatch.ingest.dedup import SyndicationIndex, signature
from evwatch.ingest.feeds import Entry
from evwatch.ingest.normalize import same_site, stable_id
from evwatch.warehouse.db import execute, insert_rows, run_over_rows


@dataclass(frozen=True)
class FeedCursor:
    """What the warehouse remembers of a feed between runs."""

    feed_id: str
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None = None     # UTC
    retry_not_before: datetime | None = None    # UTC: the server's Retry-After
    last_success_at: datetime | None = None     # UTC


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
    retry_not_before: datetime | None = None


@dataclass(frozen=True)
class PendingPage:
    """A feed entry whose linked page is still to be fetched (see ``pending_pages``)."""

    entry: Entry
    attempts: int                 # failed fetches so far
    first_queued_at: datetime
    last_attempt_at: datetime | None = None
    last_error: str | None = None


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


def utc_aware(moment: datetime | None) -> datetime | None:
    """A timestamp read from the warehouse (naive UTC) as an aware UTC datetime."""
    return None if moment is None else moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def load_cursors(conn: duckdb.DuckDBPyConnection) -> dict[str, FeedCursor]:
    rows = execute(conn, "SELECT feed_id, etag, last_modified, last_attempt_at, retry_not_before, last_success_at FROM feeds")
    return {r[0]: FeedCursor(r[0], r[1], r[2], utc_aware(r[3]), utc_aware(r[4]), utc_aware(r[5])) for r in rows}


def load_entries(conn: duckdb.DuckDBPyConnection, feed_ids: Sequence[str]) -> tuple[dict[str, str], dict[str, datetime]]:
    """For the given feeds' stored entries: entry_id → entry_hash (so unchanged entries are
    skipped early) and entry_id → first_seen_at (the date of an undated entry)."""
    if not feed_ids:
        return {}, {}
    rows = conn.execute(
        "SELECT entry_id, entry_hash, first_seen_at FROM entries WHERE feed_id IN (SELECT unnest(?))",
        [list(feed_ids)],
    ).fetchall()
    return {r[0]: r[1] for r in rows}, {r[0]: utc_aware(r[2]) for r in rows}


def _entry_json(entry: Entry) -> str:
    record = asdict(entry)
    for key in ("published_at", "updated_at"):
        record[key] = record[key].isoformat() if record[key] else None
    return json.dumps(record, ensure_ascii=False)


def _entry_from_json(text: str) -> Entry:
    record = json.loads(text)
    for key in ("published_at", "updated_at"):
        record[key] = datetime.fromisoformat(record[key]) if record[key] else None
    return Entry(**record)


def load_pending_pages(conn: duckdb.DuckDBPyConnection, feed_ids: Sequence[str]) -> dict[str, tuple[PendingPage, ...]]:
    """feed_id → the pages still to fetch for it, oldest first."""
    if not feed_ids:
        return {}
    rows = conn.execute(
        """SELECT feed_id, entry, attempts, first_queued_at, last_attempt_at, last_error FROM pending_pages
           WHERE feed_id IN (SELECT unnest(?)) ORDER BY first_queued_at, entry_id""",
        [list(feed_ids)],
    ).fetchall()
    pending: dict[str, list[PendingPage]] = {}
    for feed_id, entry, attempts, first_queued, last_attempt, error in rows:
        page = PendingPage(_entry_from_json(entry), attempts, utc_aware(first_queued), utc_aware(last_attempt), error)
        pending.setdefault(feed_id, []).append(page)
    return {feed_id: tuple(pages) for feed_id, pages in pending.items()}


def store_pending_pages(conn: duckdb.DuckDBPyConnection, keep: Sequence[PendingPage], done: Sequence[str]) -> None:
    """Keep the pages still to fetch, and forget those read or given up (by entry_id)."""
    if done:
        conn.execute("DELETE FROM pending_pages WHERE entry_id IN (SELECT unnest(?))", [list(set(done))])
    run_over_rows(conn, "upsert_pending_pages", "_pending_batch", [
        {
            "entry_id": p.entry.entry_id, "feed_id": p.entry.feed_id, "link": p.entry.link or "",
            "entry": _entry_json(p.entry), "attempts": p.attempts, "first_queued_at": utc_naive(p.first_queued_at),
            "last_attempt_at": utc_naive(p.last_attempt_at), "last_error": (p.last_error or "")[:1000] or None,
        }
        for p in keep
    ])


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
    run_over_rows(conn, "upsert_feed_state", "_feed_batch", [
        {
            "feed_id": a.feed_id, "location": a.location, "etag": a.etag, "last_modified": a.last_modified,
            "attempted_at": utc_naive(a.attempted_at), "ok": a.ok, "status": a.status,
            "error": (a.error or "")[:1000] or None, "entries_seen": a.entries_seen,
            "new_articles": a.new_articles, "retry_not_before": utc_naive(a.retry_not_before),
        }
        for a in attempts
    ])


def _resolve_aliases(conn: duckdb.DuckDBPyConnection, aliases: Sequence[str]) -> dict[str, str]:
    if not aliases:
        return {}
    rows = conn.execute(
        "SELECT alias, article_id FROM article_aliases WHERE alias IN (SELECT unnest(?))", [list(set(aliases))]
    ).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class StoredVersion:
    """The latest stored version of an article, as far as storing a new one needs it."""

    version: int
    content_hash: str
    duplicate_of: str | None
    source: str | None
    feed_id: str | None
    url: str | None
    origin: str

    @classmethod
    def of(cls, c: ArticleCandidate, version: int, duplicate_of: str | None) -> StoredVersion:
        return cls(version, c.content_hash, duplicate_of, c.source, c.feed_id, c.url or c.link, c.origin)


def _latest_versions(conn: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, StoredVersion]:
    if not article_ids:
        return {}
    rows = conn.execute(
        """SELECT article_id, version, content_hash, duplicate_of, source, feed_id, coalesce(url, link), origin
           FROM article_versions WHERE article_id IN (SELECT unnest(?))
           QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY version DESC) = 1""",
        [list(set(article_ids))],
    ).fetchall()
    return {r[0]: StoredVersion(*r[1:]) for r in rows}


def _other_outlet(stored: StoredVersion, cand: ArticleCandidate, *, by_guid: bool) -> bool:
    """Whether a stored article found under one of the candidate's keys belongs to another
    outlet: another source and another feed (an article given by hand belongs to nobody).

    The same URL is the same article wherever it was seen, but only its own outlet's feeds
    version it. A GUID is only unique per publisher: found under another outlet *and* another
    site, it names another article.
    """
    if "manual" in (stored.origin, cand.origin):
        return False
    if stored.source == cand.source or (stored.feed_id is not None and stored.feed_id == cand.feed_id):
        return False
    mine = cand.url or cand.link
    return not (by_guid and stored.url and mine and same_site(stored.url, mine))


def _identity(cand: ArticleCandidate, alias_map: dict[str, str], latest: dict[str, StoredVersion]) -> tuple[str | None, bool]:
    """The stored article the candidate is a version of, and whether that article belongs to
    another outlet (the candidate is that article seen again elsewhere: no version of it)."""
    for alias in cand.aliases:
        if alias.startswith("content:") or alias not in alias_map:
            continue
        article_id = alias_map[alias]
        by_guid = alias.startswith("guid:")
        if _other_outlet(latest[article_id], cand, by_guid=by_guid):
            if by_guid:
                continue  # another publisher's article that happens to share the GUID
            return article_id, True
        return article_id, False
    if cand.proposed_id in latest:
        return cand.proposed_id, _other_outlet(latest[cand.proposed_id], cand, by_guid=False)
    return None, False


def store_articles(conn: duckdb.DuckDBPyConnection, candidates: Sequence[ArticleCandidate],
                   index: SyndicationIndex) -> StoreResult:
    """Store what is new or changed among the candidates (inside the caller's transaction)."""
    result = StoreResult()
    hints = [f"url:{c.canonical_hint}" for c in candidates if c.canonical_hint]
    alias_map = _resolve_aliases(conn, [a for c in candidates for a in c.aliases] + hints)
    latest = _latest_versions(conn, list(alias_map.values()) + [c.proposed_id for c in candidates])
    versions: list[dict] = []
    signatures: list[dict] = []
    new_aliases: dict[str, str] = {}
    entry_article: dict[str, str] = {}

    for cand in sorted(candidates, key=lambda c: (c.published_at, c.proposed_id)):
        identity, foreign = _identity(cand, alias_map, latest)
        same_content = alias_map.get(f"content:{cand.content_hash}")
        if identity is not None:
            stored = latest[identity]
            article_id = identity
            # A summary kept because the page failed must not replace the page's text.
            fallback_over_text = cand.summary_fallback and stored.origin in ("page", "manual")
            if stored.content_hash == cand.content_hash or foreign or fallback_over_text:
                result.unchanged += 1
            else:
                versions.append(_version_row(cand, article_id, stored.version + 1, stored.duplicate_of, None))
                latest[article_id] = StoredVersion.of(cand, stored.version + 1, stored.duplicate_of)
                result.new_versions.append(article_id)
        elif same_content is not None:
            article_id = same_content
            result.unchanged += 1
        else:
            article_id = cand.proposed_id
            duplicate_of, score = None, None
            sig = signature(cand.text)
            copy = index.original_of(article_id, sig) if sig is not None else None
            hinted = alias_map.get(f"url:{cand.canonical_hint}") if cand.canonical_hint else None
            if copy is not None:
                duplicate_of, score = copy.original_id, copy.similarity
            elif hinted is not None and hinted != article_id:
                # The page names the article it copies (a cross-site rel=canonical).
                duplicate_of, score = hinted, index.similarity_to(hinted, sig)
            if duplicate_of is not None:
                result.duplicates.append(article_id)
                if cand.feed_id:
                    result.per_feed_duplicates[cand.feed_id] = result.per_feed_duplicates.get(cand.feed_id, 0) + 1
            if sig is not None:
                index.add(article_id, sig)
                signatures.append({"article_id": article_id, "signature": [int(x) for x in sig]})
            versions.append(_version_row(cand, article_id, 1, duplicate_of, score))
            latest[article_id] = StoredVersion.of(cand, 1, duplicate_of)
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
    run_over_rows(conn, "upsert_entries", "_entries_batch", entries)


def record_run(conn: duckdb.DuckDBPyConnection, row: dict) -> None:
    insert_rows(conn, "runs", [row], on_conflict="replace")
