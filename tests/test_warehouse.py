"""The DuckDB warehouse: migrations, views, data checks, locks held by other processes, a run
killed half-way, and the read snapshot. Real database files in tmp_path, real processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from evwatch.errors import WarehouseLockedError
from evwatch.pipeline import run_ingest
from evwatch.warehouse.db import Warehouse, check_files, execute, migrate, migrations, view_files
from tests.helpers import (
    ARTICLES, NOW, Clock, item, make_settings, page, rows, rss, table_counts, unused_port, words_changed,
)

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[1]
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def python_env() -> dict[str, str]:
    """The environment for a child Python that imports evwatch from this checkout."""
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


class Holder:
    """Another process that opens the database file (read-write) and keeps it open."""

    def __init__(self, db: Path):
        code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True,
                                        env=python_env())
        assert self.process.stdout.readline().strip() == "open"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def holder() -> Iterator[type[Holder]]:
    started: list[Holder] = []

    def start(db: Path) -> Holder:
        started.append(Holder(db))
        return started[-1]

    yield start
    for h in started:
        if h.process.poll() is None:
            h.stop()


# --------------------------------------------------------------------------- schema

def test_migrations_are_recorded_and_applied_once(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=5)
    with warehouse.write() as conn:
        first = execute(conn, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")

    with warehouse.write() as conn:
        again = migrate(conn)
        second = execute(conn, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")

    assert [(v, n) for v, n, _ in first] == [(m.version, m.name) for m in migrations()]
    assert first[0][:2] == (1, "ingestion")
    assert again == [] and second == first


def test_every_view_file_creates_its_view(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=5)
    expected = {re.search(r"CREATE OR REPLACE VIEW (\w+)", p.read_text()).group(1) for p in view_files()}
    with warehouse.write() as conn:
        views = {r[0] for r in execute(conn, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
        for view in expected:
            execute(conn, f"SELECT * FROM {view} LIMIT 0")
    assert {"articles", "feed_health"} <= expected
    assert expected <= views


# --------------------------------------------------------------------------- checks after a realistic ingest

@pytest.fixture(scope="module")
def realistic_warehouse(tmp_path_factory) -> Iterator[Path]:
    """Two runs over feeds with full-content and summary-only entries, a syndicated copy, an
    exact mirror, an entry updated between runs, a duplicate GUID, a dead feed and a non-feed."""
    folder = tmp_path_factory.mktemp("realistic")
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        u = server.url_for
        sdi_title, sdi_text = ARTICLES["sdi-xiaomi"]
        lei_title, lei_text = ARTICLES["lei-jun"]
        display_title, display_text = ARTICLES["display"]
        harman_title, harman_text = ARTICLES["harman"]
        denied_title, denied_text = ARTICLES["sdi-xiaomi-denied"]

        def feeds(lei: str) -> None:
            server.clear()
            server.expect_request("/wire.xml").respond_with_data(rss(
                item(sdi_title, guid=u("/wire/sdi"), link=u("/wire/sdi?utm_source=rss"), content=sdi_text,
                     published="Mon, 30 Jun 2025 08:00:00 GMT"),
                item(lei_title, guid=u("/wire/lei"), link=u("/wire/lei"), content=lei,
                     published="Mon, 30 Jun 2025 09:00:00 GMT"),
                item(display_title, guid=u("/wire/display"), link=u("/wire/display"), summary="OLED dashboards.",
                     published="Mon, 30 Jun 2025 10:00:00 GMT"),
                item(denied_title, guid="urn:uuid:77", link=u("/wire/denied"), content=denied_text),
                item(denied_title, guid="urn:uuid:77", link=u("/wire/denied"), content=denied_text),
            ), content_type=RSS_TYPE)
            server.expect_request("/wire/display").respond_with_data(
                page(display_title, display_text, canonical=u("/news/display?utm_campaign=a")), content_type=HTML_TYPE)
            server.expect_request("/reprint.xml").respond_with_data(rss(
                item(sdi_title, guid=u("/reprint/sdi"), link=u("/reprint/sdi"), published="Mon, 30 Jun 2025 12:00:00 GMT",
                     content=words_changed(sdi_text, {"three people": "several people"})),
                item(harman_title, guid=u("/reprint/harman"), link=u("/reprint/harman"), content=harman_text),
            ), content_type=RSS_TYPE)
            server.expect_request("/mirror.xml").respond_with_data(rss(
                item(harman_title, guid=u("/mirror/harman"), link=u("/mirror/harman"), content=harman_text),
            ), content_type=RSS_TYPE)
            server.expect_request("/moved.xml").respond_with_data("<!DOCTYPE html><html></html>", content_type=HTML_TYPE)

        settings = make_settings(folder, [
            {"name": "wire", "url": u("/wire.xml")}, {"name": "reprint", "url": u("/reprint.xml")},
            {"name": "mirror", "url": u("/mirror.xml")}, {"name": "moved", "url": u("/moved.xml")},
            {"name": "dead", "url": f"http://127.0.0.1:{unused_port()}/feed.xml"},
        ])
        feeds(lei_text)
        run_ingest(settings, now=Clock())
        feeds(words_changed(lei_text, {"350,000": "360,000"}))
        report = run_ingest(settings, now=Clock(NOW.replace(hour=13)))
        assert report.new_versions and report.feeds_failed == 2
        yield settings.db_path
    finally:
        server.clear()
        server.stop()


def test_the_realistic_ingest_stored_what_it_should(realistic_warehouse):
    counts = table_counts(realistic_warehouse)
    # sdi, lei (2 versions), display, denied, the sdi reprint, harman (mirror stored once)
    assert (counts["article_versions"], rows(realistic_warehouse, "SELECT count(*) FROM articles")[0][0]) == (7, 6)
    assert rows(realistic_warehouse, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == [(1,)]


@pytest.mark.parametrize("check", check_files(), ids=lambda p: p.name)
def test_data_check_returns_no_rows_after_a_realistic_ingest(realistic_warehouse, check):
    assert rows(realistic_warehouse, check.read_text(encoding="utf-8")) == []


# --------------------------------------------------------------------------- other processes

def test_database_held_by_another_process_fails_the_run_naming_it_then_a_rerun_succeeds(tmp_path, holder, httpserver):
    title, text = ARTICLES["harman"]
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(item(title, guid="urn:uuid:1", content=text)), content_type=RSS_TYPE)
    settings = make_settings(tmp_path, [{"name": "wire", "url": httpserver.url_for("/feed.xml")}],
                             warehouse={"lock_timeout_seconds": 1})
    other = holder(settings.db_path)

    started = time.monotonic()
    with pytest.raises(WarehouseLockedError) as caught:
        run_ingest(settings, now=Clock())
    waited = time.monotonic() - started

    assert f"(PID {other.pid})" in str(caught.value)
    assert str(settings.db_path) in str(caught.value)
    assert 1.0 <= waited < 5.0
    other.stop()
    report = run_ingest(settings, now=Clock())
    assert len(report.new_articles) == 1
    assert table_counts(settings.db_path)["article_versions"] == 1


def test_reads_use_the_snapshot_while_another_process_holds_the_live_file(tmp_path, holder, httpserver):
    title, text = ARTICLES["display"]
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(item(title, guid="urn:uuid:2", content=text)), content_type=RSS_TYPE)
    settings = make_settings(tmp_path, [{"name": "wire", "url": httpserver.url_for("/feed.xml")}],
                             warehouse={"lock_timeout_seconds": 0.5})
    run_ingest(settings, now=Clock())
    warehouse = Warehouse(settings.db_path, lock_timeout=0.5)
    holder(settings.db_path)

    with warehouse.read() as conn:
        assert execute(conn, "SELECT title FROM articles") == [(title,)]
    with pytest.raises(WarehouseLockedError):
        with warehouse.read(live=True):
            pass


# --------------------------------------------------------------------------- a run killed half-way

RUN_SCRIPT = textwrap.dedent("""
    import sys
    from evwatch.config import load_settings
    from evwatch.pipeline import run_ingest
    run_ingest(load_settings(sys.argv[1], env={}))
""")


class SlowPages:
    """A threaded local server: one feed of summary-only entries whose pages are slow to load."""

    def __init__(self, pages: int = 6, delay: float = 0.4):
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.start()
        self.delay = delay
        self.page_requests = threading.Semaphore(0)
        names = list(ARTICLES)
        self.pages = {f"/p/{i}": ARTICLES[names[i % len(names)]] for i in range(pages)}
        # Distinct texts per page, so every page is its own article.
        self.pages = {path: (f"{t} (part {i})", f"Part {i}. " + x.replace("\n\n", f"\n\nPart {i}. "))
                      for i, (path, (t, x)) in enumerate(self.pages.items())}
        feed = rss(*(item(t, guid=self.server.url_for(path), link=self.server.url_for(path), summary=t[:40])
                     for path, (t, _) in self.pages.items()))
        self.server.expect_request("/feed.xml").respond_with_data(feed, content_type=RSS_TYPE)
        self.server.expect_request(re.compile(r"/p/\d+")).respond_with_handler(self._page)

    def _page(self, request: Request) -> Response:
        self.page_requests.release()
        time.sleep(self.delay)
        title, text = self.pages[request.path]
        return Response(page(title, text), content_type=HTML_TYPE)

    def url(self) -> str:
        return self.server.url_for("/feed.xml")

    def stop(self) -> None:
        self.server.clear()
        self.server.stop()


@pytest.fixture
def slow_pages() -> Iterator[SlowPages]:
    server = SlowPages()
    yield server
    server.stop()


def test_run_killed_while_fetching_pages_loses_and_duplicates_nothing_on_rerun(tmp_path, slow_pages):
    killed = make_settings(tmp_path / "killed", [{"name": "slow", "url": slow_pages.url()}])
    process = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, str(killed.config_file)], env=python_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not slow_pages.page_requests.acquire(timeout=0.1):
            assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.1)  # pages are being fetched: the run is half-way
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    slow_pages.delay = 0.0

    run_ingest(killed, now=Clock())
    clean = make_settings(tmp_path / "clean", [{"name": "slow", "url": slow_pages.url()}])
    run_ingest(clean, now=Clock())

    assert table_counts(killed.db_path) == table_counts(clean.db_path)
    assert table_counts(killed.db_path)["article_versions"] == len(slow_pages.pages)
    assert rows(killed.db_path, "SELECT count(*) FROM runs") == [(1,)]
    assert sorted(rows(killed.db_path, "SELECT article_id, version, content_hash FROM article_versions")) == sorted(
        rows(clean.db_path, "SELECT article_id, version, content_hash FROM article_versions"))
