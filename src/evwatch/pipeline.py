"""The pipeline's steps as plain functions, and a whole run without Prefect.

The Prefect flow in ``flows/pipeline.py`` calls these same steps as tasks; ``run_ingest`` runs
them in-process (tests, benchmarks, ``evwatch ingest``). Network and parsing problems become
:class:`Problem` records and the run goes on; only warehouse errors stop it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evwatch.config import FeedConfig, Settings
from evwatch.errors import EvwatchError, FeedError, FetchError, HTTPStatusError
from evwatch.ingest.articles import ArticleCandidate, from_document, from_entry, needs_page
from evwatch.ingest.feeds import Entry, ParsedFeed, parse_feed
from evwatch.ingest.fetch import Fetcher, FetchResult, FetchSettings
from evwatch.ingest.netpolicy import NetworkPolicy
from evwatch.ingest.pages import PageContent, extract_page
from evwatch.warehouse import articles as store
from evwatch.warehouse.articles import FeedAttempt, FeedCursor, Problem, StoreResult, utc_naive
from evwatch.warehouse.db import Warehouse

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def make_fetcher(settings: Settings) -> Fetcher:
    f = settings.fetch
    fetch_settings = FetchSettings(
        connect_timeout=f.connect_timeout, read_timeout=f.read_timeout, deadline=f.deadline,
        max_bytes=f.max_bytes, max_redirects=f.max_redirects, retries=f.retries,
        backoff_base=f.backoff_base, max_retry_after=f.max_retry_after,
        max_concurrency=f.max_concurrency, per_host_concurrency=f.per_host_concurrency,
        **({"user_agent": f.user_agent} if f.user_agent else {}),
    )
    return Fetcher(fetch_settings, NetworkPolicy(allowed_hosts=frozenset(f.allowed_hosts)))


def make_warehouse(settings: Settings) -> Warehouse:
    return Warehouse(settings.db_path, lock_timeout=settings.warehouse.lock_timeout_seconds,
                     snapshot=settings.warehouse.snapshot)


# --- records passed between steps -------------------------------------------------------------

@dataclass(frozen=True)
class RunState:
    """What the warehouse knows before a run: feed cursors and the entries already stored."""

    cursors: dict[str, FeedCursor]
    entry_hashes: dict[str, str]


@dataclass(frozen=True)
class FeedFetch:
    feed: FeedConfig
    attempted_at: datetime
    result: FetchResult | None = None
    problem: Problem | None = None


@dataclass(frozen=True)
class FeedRead:
    """A feed after parsing: its new or changed entries and how the attempt went."""

    feed: FeedConfig
    attempt: FeedAttempt
    entries: tuple[Entry, ...] = ()
    problems: tuple[Problem, ...] = ()
    not_modified: bool = False


@dataclass(frozen=True)
class EntryArticles:
    """Article candidates built from one feed's entries (pages fetched where needed)."""

    feed: FeedConfig
    candidates: tuple[ArticleCandidate, ...]
    entry_rows: tuple[dict, ...]
    problems: tuple[Problem, ...] = ()


@dataclass
class FeedSummary:
    feed: str
    status: str          # ok, not modified, failed
    entries: int = 0     # entries in the feed
    new_articles: int = 0
    duplicates: int = 0
    problems: int = 0
    error: str | None = None


@dataclass
class IngestReport:
    run_id: str
    started_at: datetime
    feeds: list[FeedSummary] = field(default_factory=list)
    new_articles: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if f.status == "failed")

    @property
    def changed_article_ids(self) -> list[str]:
        return self.new_articles + self.new_versions


# --- steps ------------------------------------------------------------------------------------

def load_state(warehouse: Warehouse, feeds: Sequence[FeedConfig]) -> RunState:
    with warehouse.write() as conn:
        return RunState(store.load_cursors(conn), store.load_entry_hashes(conn, [f.name for f in feeds]))


def _local_root(feed: FeedConfig) -> Path | None:
    return feed.path.parent if feed.path is not None else None


def fetch_feed(fetcher: Fetcher, feed: FeedConfig, cursor: FeedCursor | None, *, now: Clock = utc_now) -> FeedFetch:
    """Fetch one feed with a conditional GET; a failure is returned as a problem."""
    attempted_at = now()
    try:
        result = fetcher.fetch(
            feed.location, etag=cursor.etag if cursor else None,
            last_modified=cursor.last_modified if cursor else None, local_root=_local_root(feed),
        )
    except FetchError as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        problem = Problem("fetch", type(exc).__name__, str(exc), feed_id=feed.name, url=feed.location)
        return FeedFetch(feed, attempted_at, None, problem) if status is None else FeedFetch(
            feed, attempted_at, None, Problem("fetch", f"HTTP {status}", str(exc), feed.name, feed.location))
    return FeedFetch(feed, attempted_at, result)


def read_feed(fetch: FeedFetch, entry_hashes: dict[str, str]) -> FeedRead:
    """Parse a fetched feed and keep the entries that are new or changed since the last run."""
    feed = fetch.feed
    if fetch.result is None:
        problem = fetch.problem or Problem("fetch", "unknown", "no response", feed.name, feed.location)
        status = int(problem.kind[5:]) if problem.kind.startswith("HTTP ") else None
        attempt = FeedAttempt(feed.name, feed.location, fetch.attempted_at, ok=False, status=status, error=problem.message)
        return FeedRead(feed, attempt, problems=(problem,))
    result = fetch.result
    base = dict(feed_id=feed.name, location=feed.location, attempted_at=fetch.attempted_at,
                status=result.status, etag=result.etag, last_modified=result.last_modified)
    if result.not_modified:
        return FeedRead(feed, FeedAttempt(**base, ok=True, entries_seen=0), not_modified=True)
    try:
        parsed: ParsedFeed = parse_feed(result.body, feed_id=feed.name, url=result.final_url,
                                        headers=result.headers, local_root=_local_root(feed))
    except FeedError as exc:
        problem = Problem("parse", type(exc).__name__, str(exc), feed.name, result.final_url)
        # The cursor must not move: a feed that was not read has not been seen.
        attempt = FeedAttempt(feed.name, feed.location, fetch.attempted_at, ok=False, status=result.status, error=str(exc))
        return FeedRead(feed, attempt, problems=(problem,))
    problems = tuple(Problem("parse", "feed", p, feed.name, result.final_url) for p in parsed.problems)
    fresh = tuple(e for e in parsed.entries if entry_hashes.get(e.entry_id) != e.entry_hash)
    attempt = FeedAttempt(**base, ok=True, entries_seen=len(parsed.entries))
    return FeedRead(feed, attempt, fresh, problems)


def read_feeds(fetches: Sequence[FeedFetch], entry_hashes: dict[str, str]) -> list[FeedRead]:
    """Parse every fetched feed (a batch step: parsing is quick and needs no network)."""
    return [read_feed(f, entry_hashes) for f in fetches]


def config_problems(settings: Settings) -> list[Problem]:
    """Skipped configuration entries, recorded like any other problem of the run."""
    return [Problem("config", "config", f"{p.source}: {p.message}") for p in settings.problems]


def fetch_page(fetcher: Fetcher, feed: FeedConfig, entry: Entry) -> tuple[PageContent | None, Problem | None, bool]:
    """The linked page's content, or the problem that kept us from it, and whether that
    problem may pass (a timeout, a 5xx), so the page is tried again on the next run."""
    assert entry.link is not None
    try:
        result = fetcher.fetch(entry.link, local_root=_local_root(feed))
    except FetchError as exc:
        return None, Problem("page", type(exc).__name__, str(exc), feed.name, entry.link), exc.transient
    try:
        page = extract_page(result.body, result.final_url, content_type=result.headers.get("content-type"))
    except Exception as exc:  # a malformed page must not take the run down with it
        return None, Problem("page", "malformed-page", f"page could not be parsed ({type(exc).__name__}: {exc}); "
                             "kept the feed's summary", feed.name, entry.link), False
    if not page.text:
        return page, Problem("page", "no-article-text", "the page has no extractable article text; kept the feed's summary",
                             feed.name, entry.link), False
    return page, None, False


def build_articles(fetcher: Fetcher, read: FeedRead, *, now: Clock = utc_now, page_workers: int | None = None) -> EntryArticles:
    """Article candidates for a feed's fresh entries, fetching linked pages where needed.

    Pages are fetched on a small thread pool; the fetcher's own global and per-host limits
    decide how many requests are really in flight.
    """
    def one(entry: Entry) -> tuple[Entry, PageContent | None, Problem | None, bool, datetime]:
        page, problem, retry = fetch_page(fetcher, read.feed, entry) if needs_page(entry, read.feed) else (None, None, False)
        return entry, page, problem, retry, now()

    # A feed's pages mostly share one host, so more workers than its per-host limit only wait.
    page_workers = page_workers or fetcher.settings.per_host_concurrency
    if len(read.entries) > 1 and page_workers > 1:
        with ThreadPoolExecutor(max_workers=min(page_workers, len(read.entries))) as pool:
            fetched = list(pool.map(one, read.entries))
    else:
        fetched = [one(e) for e in read.entries]
    candidates, rows, problems = [], [], []
    for entry, page, problem, retry, fetched_at in fetched:
        if problem:
            problems.append(problem)
        candidate = from_entry(entry, read.feed, page=page, fetched_at=fetched_at)
        if not candidate.text and not candidate.title:
            problems.append(Problem("parse", "empty-entry", "entry has neither title nor text; skipped",
                                    read.feed.name, entry.link))
            continue
        candidates.append(candidate)
        rows.append({
            "entry_id": entry.entry_id, "feed_id": entry.feed_id, "guid": entry.guid, "link": entry.link,
            "title": entry.title, "published_at": utc_naive(entry.published_at),
            # A page that failed for a passing reason is fetched again next run: the summary is
            # stored now, and the full text becomes the article's next version.
            "updated_at": utc_naive(entry.updated_at), "entry_hash": None if retry else entry.entry_hash,
            "article_id": None,
            "first_seen_at": utc_naive(fetched_at), "last_seen_at": utc_naive(fetched_at),
        })
    return EntryArticles(read.feed, tuple(candidates), tuple(rows), tuple(problems))


def store_run(warehouse: Warehouse, run_id: str, started_at: datetime, reads: Sequence[FeedRead],
              built: Sequence[EntryArticles], *, extra_problems: Sequence[Problem] = (),
              trigger: str = "run", now: Clock = utc_now) -> IngestReport:
    """Store every feed's articles, entries, cursor and problems in one transaction."""
    candidates = [c for b in built for c in b.candidates]
    problems = list(extra_problems) + [p for r in reads for p in r.problems] + [p for b in built for p in b.problems]
    with warehouse.transaction() as conn:
        index = store.load_syndication_index(conn)
        stored: StoreResult = store.store_articles(conn, candidates, index)
        entry_rows = [dict(row, article_id=stored.entry_article.get(row["entry_id"])) for b in built for row in b.entry_rows]
        store.store_entries(conn, entry_rows)
        attempts = []
        for read in reads:
            new = stored.per_feed_new.get(read.feed.name, 0)
            attempt = read.attempt
            attempts.append(FeedAttempt(**{**attempt.__dict__, "new_articles": new}))
        store.record_feed_attempts(conn, attempts)
        store.record_problems(conn, run_id, problems, now())
        report = _report(run_id, started_at, reads, stored, problems)
        store.record_run(conn, {
            "run_id": run_id, "started_at": utc_naive(started_at), "finished_at": utc_naive(now()),
            "trigger": trigger, "feeds_ok": len(reads) - report.feeds_failed, "feeds_failed": report.feeds_failed,
            "entries_seen": sum(r.attempt.entries_seen for r in reads), "new_articles": len(stored.new_articles),
            "new_versions": len(stored.new_versions), "duplicates": len(stored.duplicates), "problems": len(problems),
        })
    return report


def _report(run_id: str, started_at: datetime, reads: Sequence[FeedRead], stored: StoreResult,
            problems: Sequence[Problem]) -> IngestReport:
    report = IngestReport(run_id, started_at, new_articles=list(stored.new_articles),
                          new_versions=list(stored.new_versions), duplicates=list(stored.duplicates),
                          problems=list(problems))
    for read in reads:
        name = read.feed.name
        feed_problems = [p for p in problems if p.feed_id == name]
        status = "failed" if not read.attempt.ok else ("not modified" if read.not_modified else "ok")
        report.feeds.append(FeedSummary(
            feed=name, status=status, entries=read.attempt.entries_seen,
            new_articles=stored.per_feed_new.get(name, 0), duplicates=stored.per_feed_duplicates.get(name, 0),
            problems=len(feed_problems), error=read.attempt.error,
        ))
    return report


# --- a whole ingestion run without Prefect -----------------------------------------------------

def run_ingest(settings: Settings, feeds: Sequence[FeedConfig] | None = None, *, fetcher: Fetcher | None = None,
               warehouse: Warehouse | None = None, trigger: str = "run", now: Clock = utc_now) -> IngestReport:
    """Fetch, parse and store the given feeds (default: the enabled configured feeds)."""
    feeds = [f for f in (settings.feeds if feeds is None else feeds) if f.enabled]
    warehouse = warehouse or make_warehouse(settings)
    own_fetcher = fetcher is None
    fetcher = fetcher or make_fetcher(settings)
    started = now()
    run_id = new_run_id(started)
    try:
        state = load_state(warehouse, feeds)
        with ThreadPoolExecutor(max_workers=max(1, settings.fetch.max_concurrency)) as pool:
            fetches = list(pool.map(lambda f: fetch_feed(fetcher, f, state.cursors.get(f.name), now=now), feeds))
            reads = read_feeds(fetches, state.entry_hashes)
            built = list(pool.map(lambda r: build_articles(fetcher, r, now=now), reads))
    finally:
        if own_fetcher:
            fetcher.close()
    report = store_run(warehouse, run_id, started, reads, built, extra_problems=config_problems(settings),
                       trigger=trigger, now=now)
    warehouse.publish_snapshot()
    return report


def ingest_document(settings: Settings, location: str, *, title: str | None = None,
                    published: datetime | None = None, source: str | None = None,
                    fetcher: Fetcher | None = None, warehouse: Warehouse | None = None,
                    now: Clock = utc_now) -> IngestReport:
    """Store one article given by hand: a file (HTML, Markdown, text) or a URL."""
    warehouse = warehouse or make_warehouse(settings)
    started = now()
    run_id = new_run_id(started)
    if location.startswith(("http://", "https://")):
        own = fetcher is None
        fetcher = fetcher or make_fetcher(settings)
        try:
            result = fetcher.fetch(location)
        finally:
            if own:
                fetcher.close()
        body, where, ctype = result.body, result.final_url, result.headers.get("content-type")
    else:
        path = Path(location).expanduser().resolve()
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise EvwatchError(f"cannot read {path}: {exc.strerror}") from None
        where, ctype = str(path), None
    candidate = from_document(body, location=where, fetched_at=now(), title=title, published=published,
                              source=source, content_type=ctype)
    if not candidate.text:
        raise EvwatchError(f"no article text found in {location}")
    with warehouse.transaction() as conn:
        index = store.load_syndication_index(conn)
        stored = store.store_articles(conn, [candidate], index)
        store.record_run(conn, {
            "run_id": run_id, "started_at": utc_naive(started), "finished_at": utc_naive(now()),
            "trigger": "ingest", "feeds_ok": 0, "feeds_failed": 0, "entries_seen": 0,
            "new_articles": len(stored.new_articles), "new_versions": len(stored.new_versions),
            "duplicates": len(stored.duplicates), "problems": 0,
        })
    warehouse.publish_snapshot()
    return _report(run_id, started, [], stored, [])


def feeds_for(settings: Settings, locations: Iterable[str] | None) -> list[FeedConfig]:
    """The configured feeds, or feeds made from ``--feed`` locations."""
    from evwatch.config import feed_from_location

    if not locations:
        return [f for f in settings.feeds if f.enabled]
    return [feed_from_location(loc) for loc in locations]


def publish_snapshot(warehouse: Warehouse) -> None:
    """Refresh the read snapshot at the end of a run (readers never wait for the pipeline)."""
    warehouse.publish_snapshot()


# --- extraction -------------------------------------------------------------------------------

@dataclass
class ExtractReport:
    articles: int = 0
    mentions: dict[str, int] = field(default_factory=dict)


def make_extractor(settings: Settings):  # -> Extractor (imported lazily: it builds automata)
    from evwatch.extract.pipeline import Extractor

    return Extractor.from_files(settings.catalogue_file, settings.watches_file)


def extraction_fingerprint(settings: Settings) -> str:
    """Changes when the catalogue or the watches change, so stored mentions are re-extracted."""
    from evwatch.ingest.normalize import stable_id

    parts = []
    for path in (settings.catalogue_file, settings.watches_file):
        try:
            parts.append(path.read_text(encoding="utf-8"))
        except OSError:
            parts.append("")
    return stable_id(*parts, length=24)


def extract_stale(warehouse: Warehouse, settings: Settings, *, everything: bool = False,
                  progress: Callable[[int, int], None] | None = None, now: Clock = utc_now) -> ExtractReport:
    """Extract mentions from every article whose extraction is missing or stale (a new version
    of its text, another extractor, another catalogue), replacing old rows in one transaction.

    The write lock is not held while extracting: the texts are read first, then stored.
    """
    from evwatch.extract.pipeline import EXTRACTOR_VERSION
    from evwatch.warehouse import mentions

    extractor = make_extractor(settings)
    fingerprint = extraction_fingerprint(settings)
    with warehouse.write() as conn:
        todo = mentions.stale_articles(conn, extractor_version=EXTRACTOR_VERSION, catalogue_hash=fingerprint,
                                       everything=everything)
    if not todo:
        return ExtractReport()
    versions = {text.article_id: version for text, version in todo}
    extractions = []
    for done, extraction in enumerate(extractor.extract_many(text for text, _ in todo), start=1):
        extractions.append(extraction)
        if progress is not None:
            progress(done, len(todo))
    ranks = {w.name: i for i, w in enumerate(extractor.watches)}
    with warehouse.transaction() as conn:
        counts = mentions.store_extractions(conn, extractions, versions, catalogue_hash=fingerprint,
                                            watch_rank=ranks, now=now())
    return ExtractReport(articles=len(extractions), mentions=counts)
