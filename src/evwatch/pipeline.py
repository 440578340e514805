"""The pipeline's steps as plain functions, and a whole run without Prefect.

The Prefect flow in ``flows/pipeline.py`` calls these same steps as tasks; ``run_ingest`` runs
them in-process (tests, benchmarks, ``evwatch ingest``). Network and parsing problems become
:class:`Problem` records and the run goes on; only warehouse errors stop it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evwatch.config import FeedConfig, Settings
from evwatch.errors import EvwatchError, FeedError, FetchError, HTTPStatusError
from evwatch.ingest.articles import ArticleCandidate, from_document, from_entry, needs_page
from evwatch.ingest.feeds import Entry, ParsedFeed, parse_feed
from evwatch.ingest.fetch import Fetcher, FetchResult, FetchSettings
from evwatch.ingest.netpolicy import NetworkPolicy
from evwatch.ingest.normalize import is_http_url
from evwatch.ingest.pages import PageContent, extract_page
from evwatch.warehouse import articles as store
from evwatch.warehouse.articles import FeedAttempt, FeedCursor, PendingPage, Problem, StoreResult, utc_naive
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
    """What the warehouse knows before a run: feed cursors, the entries already stored (their
    hashes and first-seen times) and the linked pages still to fetch, per feed."""

    cursors: dict[str, FeedCursor]
    entry_hashes: dict[str, str]
    first_seen: dict[str, datetime] = field(default_factory=dict)
    pending: dict[str, tuple[PendingPage, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedFetch:
    feed: FeedConfig
    attempted_at: datetime
    result: FetchResult | None = None
    problem: Problem | None = None
    retry_not_before: datetime | None = None   # the server's Retry-After, when it sent one


@dataclass(frozen=True)
class FeedRead:
    """A feed after parsing: its new or changed entries, the pages still to fetch from earlier
    runs, and how the attempt went."""

    feed: FeedConfig
    attempt: FeedAttempt
    entries: tuple[Entry, ...] = ()
    problems: tuple[Problem, ...] = ()
    not_modified: bool = False
    retries: tuple[PendingPage, ...] = ()
    first_seen: dict[str, datetime] = field(default_factory=dict)   # entry_id → first seen, for known entries


@dataclass(frozen=True)
class PagePolicy:
    """How much page fetching one feed may do in a run."""

    budget_seconds: float = 180.0
    max_attempts: int = 5


@dataclass(frozen=True)
class EntryArticles:
    """Article candidates built from one feed's entries (pages fetched where needed), and the
    pages left for the next run."""

    feed: FeedConfig
    candidates: tuple[ArticleCandidate, ...]
    entry_rows: tuple[dict, ...]
    problems: tuple[Problem, ...] = ()
    pending: tuple[PendingPage, ...] = ()     # to fetch again next run
    pages_done: tuple[str, ...] = ()          # entry_ids no longer pending (read, or given up)
    failed: str | None = None                 # the page step did not finish: the feed counts as not read


@dataclass
class FeedSummary:
    feed: str
    status: str          # ok, not modified, failed, skipped (not due), backing off (Retry-After)
    entries: int = 0     # entries in the feed
    new_articles: int = 0
    duplicates: int = 0
    problems: int = 0
    error: str | None = None
    note: str | None = None   # why a feed was skipped


@dataclass(frozen=True)
class RunPlan:
    """The feeds a run fetches, and those it leaves for later (never a failure)."""

    due: tuple[FeedConfig, ...]
    skipped: tuple[FeedSummary, ...] = ()


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

#: A run starts a few seconds after its slot, so a feed polled every 30 minutes from a
#: 15-minute schedule is due again at 29:30, not at the next slot.
POLL_SLACK = timedelta(seconds=30)
#: The longest Retry-After remembered: a server cannot switch a feed off for longer than this.
MAX_BACKOFF = timedelta(days=1)


def load_state(warehouse: Warehouse, feeds: Sequence[FeedConfig]) -> RunState:
    names = [f.name for f in feeds]
    with warehouse.write() as conn:
        hashes, first_seen = store.load_entries(conn, names)
        return RunState(store.load_cursors(conn), hashes, first_seen, store.load_pending_pages(conn, names))


def plan_feeds(feeds: Sequence[FeedConfig], cursors: dict[str, FeedCursor], *, now: datetime) -> RunPlan:
    """The feeds due now; skipped are those attempted less than their ``poll_minutes`` ago and
    those whose server asked (Retry-After) not to be asked again yet. A feed without
    ``poll_minutes`` (every feed given with ``--feed``) is always due."""
    due: list[FeedConfig] = []
    skipped: list[FeedSummary] = []
    for feed in feeds:
        cursor = cursors.get(feed.name)
        wait_until = cursor.retry_not_before if cursor else None
        # Poll spacing counts from the last success: a feed that failed is tried again next run.
        last = cursor.last_success_at if cursor else None
        if wait_until is not None and now < wait_until:
            skipped.append(FeedSummary(feed.name, "backing off", note=(
                f"the server asked not to be fetched before {wait_until:%Y-%m-%d %H:%M} UTC (Retry-After)")))
        elif feed.poll_minutes and last is not None and now - last < _poll_interval(feed.poll_minutes):
            ago = int((now - last).total_seconds() // 60)
            skipped.append(FeedSummary(feed.name, "skipped", note=(
                f"not due: read {ago} min ago, polled every {feed.poll_minutes} min")))
        else:
            due.append(feed)
    return RunPlan(tuple(due), tuple(skipped))


def _poll_interval(minutes: int) -> timedelta:
    interval = timedelta(minutes=minutes)
    return interval - min(POLL_SLACK, interval / 10)


def _local_root(feed: FeedConfig) -> Path | None:
    return feed.path.parent if feed.path is not None else None


def fetch_feed(fetcher: Fetcher, feed: FeedConfig, cursor: FeedCursor | None, *, now: Clock = utc_now) -> FeedFetch:
    """Fetch one feed with a conditional GET; a failure is returned as a problem, with the
    time before which the server asked not to be asked again (its Retry-After)."""
    attempted_at = now()
    try:
        result = fetcher.fetch(
            feed.location, etag=cursor.etag if cursor else None,
            last_modified=cursor.last_modified if cursor else None, local_root=_local_root(feed),
        )
    except HTTPStatusError as exc:
        wait = exc.retry_after if exc.status in (429, 503) else None
        # Clamped before it becomes a timedelta: "Retry-After: 99999999999999999999" overflows one.
        not_before = attempted_at + timedelta(seconds=min(wait, MAX_BACKOFF.total_seconds())) if wait else None
        problem = Problem("fetch", f"HTTP {exc.status}", str(exc), feed.name, feed.location)
        return FeedFetch(feed, attempted_at, None, problem, not_before)
    except FetchError as exc:
        return FeedFetch(feed, attempted_at, None, Problem("fetch", type(exc).__name__, str(exc), feed.name, feed.location))
    return FeedFetch(feed, attempted_at, result)


def fetch_or_failure(feed: FeedConfig, outcome: FeedFetch | BaseException, *, now: Clock = utc_now) -> FeedFetch:
    """A feed's fetch, or the failure of the task that ran it (its timeout is a backstop) as
    the feed's problem, so that one feed never stops the run."""
    if isinstance(outcome, FeedFetch):
        return outcome
    problem = Problem("fetch", type(outcome).__name__, f"fetching the feed did not finish: {outcome}",
                      feed.name, feed.location)
    return FeedFetch(feed, now(), None, problem)


def read_feed(fetch: FeedFetch, state: RunState) -> FeedRead:
    """Parse a fetched feed and keep the entries that are new or changed since the last run,
    with the feed's pages still to fetch (whatever the feed answered: a 304 lists nothing)."""
    feed = fetch.feed
    retries = state.pending.get(feed.name, ())
    first_seen = {p.entry.entry_id: state.first_seen[p.entry.entry_id] for p in retries
                  if p.entry.entry_id in state.first_seen}
    if fetch.result is None:
        problem = fetch.problem or Problem("fetch", "unknown", "no response", feed.name, feed.location)
        status = int(problem.kind[5:]) if problem.kind.startswith("HTTP ") else None
        attempt = FeedAttempt(feed.name, feed.location, fetch.attempted_at, ok=False, status=status,
                              error=problem.message, retry_not_before=fetch.retry_not_before)
        return FeedRead(feed, attempt, problems=(problem,), retries=retries, first_seen=first_seen)
    result = fetch.result
    base = dict(feed_id=feed.name, location=feed.location, attempted_at=fetch.attempted_at,
                status=result.status, etag=result.etag, last_modified=result.last_modified)
    if result.not_modified:
        return FeedRead(feed, FeedAttempt(**base, ok=True, entries_seen=0), not_modified=True,
                        retries=retries, first_seen=first_seen)
    try:
        parsed: ParsedFeed = parse_feed(result.body, feed_id=feed.name, url=result.final_url,
                                        headers=result.headers, local_root=_local_root(feed))
    except FeedError as exc:
        problem = Problem("parse", type(exc).__name__, str(exc), feed.name, result.final_url)
        # The cursor must not move: a feed that was not read has not been seen.
        attempt = FeedAttempt(feed.name, feed.location, fetch.attempted_at, ok=False, status=result.status, error=str(exc))
        return FeedRead(feed, attempt, problems=(problem,), retries=retries, first_seen=first_seen)
    problems = tuple(Problem("parse", "feed", p, feed.name, result.final_url) for p in parsed.problems)
    fresh = tuple(e for e in parsed.entries if state.entry_hashes.get(e.entry_id) != e.entry_hash)
    first_seen.update((e.entry_id, state.first_seen[e.entry_id]) for e in fresh if e.entry_id in state.first_seen)
    attempt = FeedAttempt(**base, ok=True, entries_seen=len(parsed.entries))
    return FeedRead(feed, attempt, fresh, problems, retries=retries, first_seen=first_seen)


def read_feeds(fetches: Sequence[FeedFetch], state: RunState) -> list[FeedRead]:
    """Parse every fetched feed (a batch step: parsing is quick and needs no network)."""
    return [read_feed(f, state) for f in fetches]


def config_problems(settings: Settings) -> list[Problem]:
    """Skipped configuration entries, recorded like any other problem of the run."""
    return [Problem("config", "config", f"{p.source}: {p.message}") for p in settings.problems]


def page_policy(settings: Settings) -> PagePolicy:
    return PagePolicy(settings.fetch.page_budget_seconds, settings.fetch.max_page_attempts)


# Pages are fetched on threads, but parsed one at a time: lxml and trafilatura hand the GIL back
# and forth so often that parsing on several threads was measured twice as slow as in turn.
_PARSING = threading.Lock()


def fetch_page(fetcher: Fetcher, feed: FeedConfig, entry: Entry) -> tuple[PageContent | None, Problem | None, bool]:
    """The linked page's content, or the problem that kept us from it, and whether that
    problem may pass (a timeout, a 5xx), so the page is tried again on the next run."""
    assert entry.link is not None
    try:
        result = fetcher.fetch(entry.link, local_root=_local_root(feed))
    except FetchError as exc:
        return None, Problem("page", type(exc).__name__, str(exc), feed.name, entry.link), exc.transient
    try:
        with _PARSING:
            page = extract_page(result.body, result.final_url, content_type=result.headers.get("content-type"))
    except Exception as exc:  # a malformed page must not take the run down with it
        return None, Problem("page", "malformed-page", f"page could not be parsed ({type(exc).__name__}: {exc}); "
                             "kept the feed's summary", feed.name, entry.link), False
    if not page.text:
        return page, Problem("page", "no-article-text", "the page has no extractable article text; kept the feed's summary",
                             feed.name, entry.link), False
    return page, None, False


@dataclass(frozen=True)
class _PageOutcome:
    entry: Entry
    queued: PendingPage | None     # its pending row, when it was waiting from an earlier run
    page: PageContent | None
    problem: Problem | None
    state: str                     # done (read, not needed or failed for good), retry, not reached
    at: datetime


def build_articles(fetcher: Fetcher, read: FeedRead, *, now: Clock = utc_now, page_workers: int | None = None,
                   policy: PagePolicy = PagePolicy()) -> EntryArticles:
    """Article candidates for a feed's fresh entries, fetching linked pages where needed, and
    the pages still to fetch from earlier runs (first: they have waited longest).

    Pages are fetched on a small thread pool; the fetcher's own global and per-host limits
    decide how many requests are really in flight. Page fetching stops at the feed's time
    budget: pages not reached wait for the next run, like pages that failed for a passing reason
    (up to ``policy.max_attempts`` failures). An entry whose page is missing is stored with the
    feed's summary now; the page's text becomes its next version.
    """
    deadline = now() + timedelta(seconds=policy.budget_seconds)
    fresh_ids = {e.entry_id for e in read.entries}
    queued = {p.entry.entry_id: p for p in read.retries}
    work = [(p.entry, p) for p in read.retries if p.entry.entry_id not in fresh_ids]
    work += [(e, queued.get(e.entry_id)) for e in read.entries]

    def one(item: tuple[Entry, PendingPage | None]) -> _PageOutcome:
        entry, waiting = item
        if not needs_page(entry, read.feed):
            return _PageOutcome(entry, waiting, None, None, "done", now())
        if now() >= deadline:
            return _PageOutcome(entry, waiting, None, None, "not reached", now())
        page, problem, transient = fetch_page(fetcher, read.feed, entry)
        return _PageOutcome(entry, waiting, page, problem, "retry" if transient else "done", now())

    # A feed's pages mostly share one host, so more workers than its per-host limit only wait.
    page_workers = page_workers or fetcher.settings.per_host_concurrency
    if len(work) > 1 and page_workers > 1:
        with ThreadPoolExecutor(max_workers=min(page_workers, len(work))) as pool:
            outcomes = list(pool.map(one, work))
    else:
        outcomes = [one(item) for item in work]
    candidates, rows, problems, pending, done = [], [], [], [], []
    for out in outcomes:
        entry, fresh = out.entry, out.entry.entry_id in fresh_ids
        if out.problem:
            problems.append(out.problem)
        waiting = _still_pending(out)
        if waiting is not None and waiting.attempts >= policy.max_attempts:
            problems.append(Problem("page", "gave-up", f"gave up on the page after {waiting.attempts} failed attempts; "
                                    "kept the feed's summary", read.feed.name, entry.link))
            waiting = None
        if waiting is not None:
            pending.append(waiting)
        elif out.queued is not None:
            done.append(entry.entry_id)
        if not fresh and not (out.page is not None and out.page.text):
            continue  # a page from an earlier run that is still missing: its summary is stored already
        candidate = from_entry(entry, read.feed, page=out.page, fetched_at=out.at,
                               first_seen=read.first_seen.get(entry.entry_id))
        if not candidate.text and not candidate.title:
            problems.append(Problem("parse", "empty-entry", "entry has neither title nor text; skipped",
                                    read.feed.name, entry.link))
            continue
        candidates.append(candidate)
        if fresh:
            rows.append({
                "entry_id": entry.entry_id, "feed_id": entry.feed_id, "guid": entry.guid, "link": entry.link,
                "title": entry.title, "published_at": utc_naive(entry.published_at),
                "updated_at": utc_naive(entry.updated_at), "entry_hash": entry.entry_hash, "article_id": None,
                "first_seen_at": utc_naive(out.at), "last_seen_at": utc_naive(out.at),
            })
    not_reached = sum(1 for out in outcomes if out.state == "not reached")
    if not_reached:
        problems.append(Problem("page", "page-budget", f"the feed's page budget of {policy.budget_seconds:g} s ran out; "
                                f"{not_reached} pages left for the next run", read.feed.name, read.feed.location))
    return EntryArticles(read.feed, tuple(candidates), tuple(rows), tuple(problems), tuple(pending), tuple(done))


def _still_pending(out: _PageOutcome) -> PendingPage | None:
    """The page's pending row after this run (the entry as last read), None once it is done."""
    before = out.queued
    if out.state == "done":
        return None
    if out.state == "not reached":  # not tried: no attempt counted
        return replace(before, entry=out.entry) if before else PendingPage(out.entry, 0, out.at)
    return PendingPage(out.entry, (before.attempts if before else 0) + 1, before.first_queued_at if before else out.at,
                       out.at, out.problem.message if out.problem else None)


def pages_or_failure(read: FeedRead, outcome: EntryArticles | BaseException) -> EntryArticles:
    """A feed's articles, or the failure of the task that fetched its pages (its timeout is a
    backstop): then the feed counts as not read, so its cursor stays and nothing is lost."""
    if isinstance(outcome, EntryArticles):
        return outcome
    message = f"fetching the feed's pages did not finish: {type(outcome).__name__}: {outcome}"
    return EntryArticles(read.feed, (), (), (Problem("page", type(outcome).__name__, message, read.feed.name,
                                                     read.feed.location),), failed=message)


def store_run(warehouse: Warehouse, run_id: str, started_at: datetime, reads: Sequence[FeedRead],
              built: Sequence[EntryArticles], *, extra_problems: Sequence[Problem] = (),
              skipped: Sequence[FeedSummary] = (), trigger: str = "run", now: Clock = utc_now) -> IngestReport:
    """Store every feed's articles, entries, pending pages, cursor and problems in one transaction."""
    failed = {b.feed.name: b.failed for b in built if b.failed}
    # A feed whose pages were not built was not read: its cursor must not move past its entries.
    reads = [replace(r, attempt=replace(r.attempt, ok=False, error=failed[r.feed.name], etag=None, last_modified=None),
                     not_modified=False) if r.feed.name in failed else r for r in reads]
    candidates = [c for b in built for c in b.candidates]
    problems = list(extra_problems) + [p for r in reads for p in r.problems] + [p for b in built for p in b.problems]
    with warehouse.transaction() as conn:
        index = store.load_syndication_index(conn)
        stored: StoreResult = store.store_articles(conn, candidates, index)
        entry_rows = [dict(row, article_id=stored.entry_article.get(row["entry_id"])) for b in built for row in b.entry_rows]
        store.store_entries(conn, entry_rows)
        store.store_pending_pages(conn, [p for b in built for p in b.pending], [e for b in built for e in b.pages_done])
        store.record_feed_attempts(conn, [
            replace(r.attempt, new_articles=stored.per_feed_new.get(r.feed.name, 0)) for r in reads])
        store.record_problems(conn, run_id, problems, now())
        report = _report(run_id, started_at, reads, stored, problems, skipped)
        store.record_run(conn, {
            "run_id": run_id, "started_at": utc_naive(started_at), "finished_at": utc_naive(now()),
            "trigger": trigger, "feeds_ok": len(reads) - report.feeds_failed, "feeds_failed": report.feeds_failed,
            "entries_seen": sum(r.attempt.entries_seen for r in reads), "new_articles": len(stored.new_articles),
            "new_versions": len(stored.new_versions), "duplicates": len(stored.duplicates), "problems": len(problems),
        })
    return report


def _report(run_id: str, started_at: datetime, reads: Sequence[FeedRead], stored: StoreResult,
            problems: Sequence[Problem], skipped: Sequence[FeedSummary] = ()) -> IngestReport:
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
    report.feeds.extend(skipped)
    return report


# --- a whole ingestion run without Prefect -----------------------------------------------------

def run_ingest(settings: Settings, feeds: Sequence[FeedConfig] | None = None, *, fetcher: Fetcher | None = None,
               warehouse: Warehouse | None = None, trigger: str = "run", now: Clock = utc_now) -> IngestReport:
    """Fetch, parse and store the given feeds (default: the enabled configured feeds) that are
    due (see :func:`plan_feeds`)."""
    feeds = [f for f in (settings.feeds if feeds is None else feeds) if f.enabled]
    warehouse = warehouse or make_warehouse(settings)
    own_fetcher = fetcher is None
    fetcher = fetcher or make_fetcher(settings)
    started = now()
    run_id = new_run_id(started)
    policy = page_policy(settings)
    try:
        state = load_state(warehouse, feeds)
        plan = plan_feeds(feeds, state.cursors, now=started)
        with ThreadPoolExecutor(max_workers=max(1, settings.fetch.max_concurrency)) as pool:
            fetches = list(pool.map(lambda f: fetch_feed(fetcher, f, state.cursors.get(f.name), now=now), plan.due))
            reads = read_feeds(fetches, state)
            built = list(pool.map(lambda r: build_articles(fetcher, r, now=now, policy=policy), reads))
    finally:
        if own_fetcher:
            fetcher.close()
    report = store_run(warehouse, run_id, started, reads, built, extra_problems=config_problems(settings),
                       skipped=plan.skipped, trigger=trigger, now=now)
    warehouse.publish_snapshot()
    return report


def read_document_file(location: str, max_bytes: int) -> tuple[bytes, str]:
    """The bytes of a file given by hand, refused beyond the fetch size cap, and its path."""
    path = Path(location).expanduser().resolve()
    if path.exists() and not path.is_file():  # a folder, or a FIFO that would block the read
        raise EvwatchError(f"cannot read {path}: not a regular file")
    try:
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        raise EvwatchError(f"cannot read {path}: {exc.strerror}") from None
    if len(body) > max_bytes:
        raise EvwatchError(f"cannot read {path}: larger than the cap of {max_bytes} bytes (fetch.max_bytes)")
    return body, str(path)


def ingest_document(settings: Settings, location: str, *, title: str | None = None,
                    published: datetime | None = None, source: str | None = None,
                    fetcher: Fetcher | None = None, warehouse: Warehouse | None = None,
                    now: Clock = utc_now) -> IngestReport:
    """Store one article given by hand: a file (HTML, Markdown, text) or a URL."""
    warehouse = warehouse or make_warehouse(settings)
    started = now()
    run_id = new_run_id(started)
    if is_http_url(location):
        own = fetcher is None
        fetcher = fetcher or make_fetcher(settings)
        try:
            result = fetcher.fetch(location.strip())
        finally:
            if own:
                fetcher.close()
        body, where, ctype = result.body, result.final_url, result.headers.get("content-type")
    else:
        (body, where), ctype = read_document_file(location, settings.fetch.max_bytes), None
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
