"""Ingestion, end to end: feeds and pages served by a real local HTTP server, the real pipeline
(``run_ingest``, ``ingest_document``) and a real DuckDB file in tmp_path. A fixed clock stands in
for the time of the run; nothing of ours is mocked.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from evwatch import pipeline
from evwatch.config import Settings, load_settings
from evwatch.pipeline import IngestReport, ingest_document, run_ingest
from evwatch.report import RunSummary
from tests.helpers import (
    ARTICLES, NOW, Clock, item, make_settings, page, rows, rss, table_counts, unused_port, words_changed,
)

pytestmark = pytest.mark.timeout(30)

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
#: Tables a rerun may touch even when nothing changed at the sources.
BOOKKEEPING = {"feeds", "runs", "fetch_problems"}


def content_counts(db: Path) -> dict[str, int]:
    """Row counts of every table but the run's bookkeeping."""
    return {table: n for table, n in table_counts(db).items() if table not in BOOKKEEPING}


def serve_feed(server: HTTPServer, path: str, body: str | bytes) -> str:
    server.expect_request(path).respond_with_data(body, content_type=RSS_TYPE)
    return server.url_for(path)


def serve_page(server: HTTPServer, path: str, body: str) -> str:
    server.expect_request(path).respond_with_data(body, content_type=HTML_TYPE)
    return server.url_for(path)


def requested(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def ingest(settings: Settings, clock: Clock | None = None) -> IngestReport:
    return run_ingest(settings, now=clock or Clock())


def articles(db: Path) -> list[dict]:
    """The ``articles`` view (latest version of each article), oldest first."""
    columns = ["article_id", "url", "source", "title", "published_at", "date_trusted", "duplicate_of", "text",
               "version", "feed_id"]
    found = rows(db, f"SELECT {', '.join(columns)} FROM articles ORDER BY published_at, title")
    return [dict(zip(columns, r)) for r in found]


def feed_health(db: Path) -> dict[str, dict]:
    columns = ["feed_id", "healthy", "consecutive_failures", "last_status", "last_error", "entries_seen",
               "total_articles"]
    return {r[0]: dict(zip(columns, r)) for r in rows(db, f"SELECT {', '.join(columns)} FROM feed_health")}


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def on_other_site(url: str) -> str:
    """The same local server under another host name: another site, as far as identity goes."""
    return url.replace("//localhost:", "//127.0.0.1:", 1)


def with_etag(server: HTTPServer, path: str, body: str, etag: str = '"v1"') -> str:
    """Serve a feed that answers a conditional GET carrying its ETag with 304."""
    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=RSS_TYPE, headers={"ETag": etag})

    server.expect_request(path).respond_with_handler(feed)
    return server.url_for(path)


def answers(server: HTTPServer, path: str, *responses: Response, content_type: str = HTML_TYPE) -> None:
    """Serve ``path`` with the given responses in turn, the last one for ever after."""
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request)
        return responses[min(len(calls), len(responses)) - 1]

    server.expect_request(path).respond_with_handler(handler)


def html(body: str) -> Response:
    return Response(body, content_type=HTML_TYPE)


def pending_pages(db: Path) -> list[tuple]:
    return rows(db, "SELECT link, attempts FROM pending_pages ORDER BY link")


# --------------------------------------------------------------------------- full text

def test_summary_only_entry_is_completed_from_its_linked_page(httpserver, tmp_path):
    title, text = ARTICLES["sdi-xiaomi"]
    canonical = httpserver.url_for(
        "/autos/sdi-xiaomi-battery-talks?utm_source=share&utm_campaign=x&fbclid=abc&id=7#comments")
    serve_page(httpserver, "/autos/sdi-xiaomi", page(title, text, canonical=canonical))
    link = httpserver.url_for("/autos/sdi-xiaomi?utm_source=rss&utm_medium=feed")
    url = serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, permalink=True, link=link,
                                                   summary="Samsung SDI is in talks with Xiaomi.")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    report = ingest(settings)

    assert requested(httpserver) == ["/feed.xml", "/autos/sdi-xiaomi"]
    [article] = articles(settings.db_path)
    assert article["url"] == httpserver.url_for("/autos/sdi-xiaomi-battery-talks?id=7")
    assert article["title"] == title
    assert article["text"] == text.replace("\n\n", "\n")  # the article's paragraphs, and only them
    for boilerplate in ("Home", "Subscribe", "Sign in", "Most read", "Markets close mixed", "Copyright", "Privacy"):
        assert boilerplate not in article["text"]
    assert rows(settings.db_path, "SELECT origin, link FROM article_versions") == [("page", link)]
    assert report.new_articles == [article["article_id"]] and report.problems == []


def test_full_content_entry_needs_no_page_request(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/tech/harman-audio")
    url = serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, summary="Harman buys a startup.",
                                                   content=text)))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    ingest(settings)

    assert requested(httpserver) == ["/feed.xml"]
    [article] = articles(settings.db_path)
    assert (article["url"], article["text"]) == (link, text)
    assert rows(settings.db_path, "SELECT origin FROM article_versions") == [("feed",)]


def test_a_canonical_link_to_the_home_page_is_ignored(httpserver, tmp_path):
    items = []
    for name in ("display", "harman"):
        title, text = ARTICLES[name]
        link = serve_page(httpserver, f"/news/{name}", page(title, text, canonical=httpserver.url_for("/")))
        items.append(item(title, guid=link, link=link, summary=title))
    settings = make_settings(tmp_path, [{"name": "wire", "url": serve_feed(httpserver, "/feed.xml", rss(*items))}])

    ingest(settings)

    assert sorted((a["url"], a["version"]) for a in articles(settings.db_path)) == [
        (httpserver.url_for("/news/display"), 1), (httpserver.url_for("/news/harman"), 1)]


def test_page_without_article_text_keeps_the_summary_and_records_why(httpserver, tmp_path):
    serve_page(httpserver, "/video/42", (Path(__file__).parent / "fixtures" / "pages" / "no-article-text.html").read_text())
    link = httpserver.url_for("/video/42")
    url = serve_feed(httpserver, "/feed.xml", rss(item("Lei Jun video interview", guid=link, link=link,
                                                   summary="Watch Lei Jun on Xiaomi's car plans.")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    ingest(settings)

    [article] = articles(settings.db_path)
    assert article["text"] == "Watch Lei Jun on Xiaomi's car plans."
    assert rows(settings.db_path, "SELECT stage, kind, url FROM fetch_problems") == [("page", "no-article-text", link)]


# --------------------------------------------------------------------------- versions, copies, duplicates

def test_entry_changed_at_the_source_becomes_a_new_version_of_the_same_article(httpserver, tmp_path):
    title, text = ARTICLES["lei-jun"]
    link = httpserver.url_for("/autos/lei-jun-target")
    url = serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, content=text)))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])
    first = ingest(settings)

    corrected = words_changed(text, {"40,000 cars in June": "42,000 cars in June"})
    httpserver.clear()
    serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, content=corrected)))
    second = ingest(settings, Clock(NOW.replace(hour=13)))

    [article] = articles(settings.db_path)
    assert (article["article_id"], article["version"], article["text"]) == (first.new_articles[0], 2, corrected)
    assert second.new_versions == [article["article_id"]] and second.new_articles == []
    assert rows(settings.db_path, "SELECT version, text FROM article_versions ORDER BY version") == [
        (1, text), (2, corrected)]


def test_syndicated_copy_in_another_feed_is_stored_and_points_to_the_original(httpserver, tmp_path):
    title, text = ARTICLES["sdi-xiaomi"]
    copy = words_changed(text, {"according to three people": "according to several people",
                                "Shares of Samsung SDI rose 4 percent": "Samsung SDI stock gained 4 percent"})
    original_url = httpserver.url_for("/wire/sdi-xiaomi")
    copy_url = httpserver.url_for("/reprint/2025/06/30/samsung-sdi-xiaomi")
    wire = serve_feed(httpserver, "/wire.xml", rss(item(title, guid=original_url, link=original_url, content=text,
                                                    published="Mon, 30 Jun 2025 08:00:00 GMT")))
    reprint = serve_feed(httpserver, "/reprint.xml", rss(item(f"{title} - Reprint Daily", guid=copy_url, link=copy_url,
                                                          content=copy, published="Mon, 30 Jun 2025 11:30:00 GMT")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": wire}, {"name": "reprint", "url": reprint}])

    report = ingest(settings)

    original, reprinted = articles(settings.db_path)
    assert (original["url"], original["duplicate_of"]) == (original_url, None)
    assert (reprinted["url"], reprinted["duplicate_of"]) == (copy_url, original["article_id"])
    [(similarity,)] = rows(settings.db_path, "SELECT similarity FROM article_versions WHERE duplicate_of IS NOT NULL")
    assert 0.6 <= similarity < 1.0
    assert report.duplicates == [reprinted["article_id"]]
    assert {f.feed: (f.new_articles, f.duplicates) for f in report.feeds} == {"wire": (1, 0), "reprint": (1, 1)}


def test_identical_content_under_another_url_is_stored_once(httpserver, tmp_path):
    title, text = ARTICLES["display"]
    first_url, second_url = httpserver.url_for("/a/display-hyundai"), httpserver.url_for("/mirror/display-hyundai.html")
    one = serve_feed(httpserver, "/one.xml", rss(item(title, guid=first_url, link=first_url, content=text,
                                                  published="Mon, 30 Jun 2025 08:00:00 GMT")))
    two = serve_feed(httpserver, "/two.xml", rss(item(title, guid=second_url, link=second_url,
                                                  content=text.replace(". ", ".  ").upper(),
                                                  published="Mon, 30 Jun 2025 09:00:00 GMT")))
    settings = make_settings(tmp_path, [{"name": "one", "url": one}, {"name": "two", "url": two}])

    report = ingest(settings)

    [article] = articles(settings.db_path)
    assert (article["url"], article["version"]) == (first_url, 1)
    assert len(report.new_articles) == 1
    # Both feeds' entries lead to the one article, and the second URL now finds it too.
    assert rows(settings.db_path, "SELECT DISTINCT article_id FROM entries") == [(article["article_id"],)]
    assert rows(settings.db_path, "SELECT article_id FROM article_aliases WHERE alias = ?",
                [f"url:{second_url}"]) == [(article["article_id"],)]


def test_duplicate_guid_within_a_feed_is_stored_once(httpserver, tmp_path):
    guid = "urn:uuid:5c0f4a1e-1111-4d8b-9a4e-000000000001"
    url = serve_feed(httpserver, "/feed.xml", rss(
        item("Samsung SDI in talks with Xiaomi", guid=guid, summary="Talks on battery supply."),
        item("Samsung SDI in talks with Xiaomi (updated)", guid=guid, summary="Talks on battery supply, updated."),
    ))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    report = ingest(settings)

    assert [a["title"] for a in articles(settings.db_path)] == ["Samsung SDI in talks with Xiaomi"]
    assert table_counts(settings.db_path)["entries"] == 1
    assert [p.message for p in report.problems] == [f"duplicate entry {guid!r} in the feed; kept the first"]


def test_same_guid_in_two_feeds_is_stored_once(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    guid = "tag:news.example,2025-06-30:harman-audio"
    top = serve_feed(httpserver, "/top.xml", rss(item(title, guid=guid, link=httpserver.url_for("/top/h"), content=text)))
    tech = serve_feed(httpserver, "/tech.xml", rss(item(title, guid=guid, link=httpserver.url_for("/tech/h"), content=text)))
    settings = make_settings(tmp_path, [{"name": "top", "url": top}, {"name": "tech", "url": tech}])

    ingest(settings)

    [article] = articles(settings.db_path)
    assert table_counts(settings.db_path)["article_versions"] == 1
    assert rows(settings.db_path, "SELECT feed_id, article_id FROM entries ORDER BY feed_id") == [
        ("tech", article["article_id"]), ("top", article["article_id"])]


# --------------------------------------------------------------------------- reruns

def test_rerun_without_changes_stores_nothing_new(httpserver, tmp_path):
    sdi_title, sdi_text = ARTICLES["sdi-xiaomi"]
    harman_title, harman_text = ARTICLES["harman"]
    sdi_url = serve_page(httpserver, "/sdi", page(sdi_title, sdi_text))
    harman_url = httpserver.url_for("/harman")
    url = serve_feed(httpserver, "/feed.xml", rss(
        item(sdi_title, guid=sdi_url, link=sdi_url, summary="Talks on batteries."),
        item(harman_title, guid=harman_url, link=harman_url, content=harman_text),
        item("A brief without link or date", summary="Xiaomi will hold its annual meeting in Beijing."),
    ))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])
    ingest(settings)
    before = content_counts(settings.db_path)
    httpserver.clear()
    serve_page(httpserver, "/sdi", page(sdi_title, sdi_text))
    serve_feed(httpserver, "/feed.xml", rss(
        item(sdi_title, guid=sdi_url, link=sdi_url, summary="Talks on batteries."),
        item(harman_title, guid=harman_url, link=harman_url, content=harman_text),
        item("A brief without link or date", summary="Xiaomi will hold its annual meeting in Beijing."),
    ))

    report = ingest(settings, Clock(NOW.replace(hour=14)))

    assert content_counts(settings.db_path) == before
    assert before["article_versions"] == 3
    assert (report.new_articles, report.new_versions, report.problems) == ([], [], [])
    assert requested(httpserver) == ["/feed.xml"]  # unchanged entries: no page fetched again


def test_rerun_asks_with_the_etag_and_a_304_changes_nothing(httpserver, tmp_path):
    title, text = ARTICLES["display"]
    link = httpserver.url_for("/display")
    body = rss(item(title, guid=link, link=link, content=text))

    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(body, content_type=RSS_TYPE, headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    settings = make_settings(tmp_path, [{"name": "wire", "url": httpserver.url_for("/feed.xml")}])
    ingest(settings)
    before = content_counts(settings.db_path)

    report = ingest(settings, Clock(NOW.replace(hour=15)))

    first_request, second_request = (request for request, _ in httpserver.log)
    assert "If-None-Match" not in first_request.headers
    assert second_request.headers["If-None-Match"] == '"v1"'
    assert [(s.feed, s.status, s.new_articles) for s in report.feeds] == [("wire", "not modified", 0)]
    assert content_counts(settings.db_path) == before
    assert rows(settings.db_path, "SELECT etag, last_status, consecutive_failures FROM feeds") == [('"v1"', 304, 0)]
    assert feed_health(settings.db_path)["wire"]["entries_seen"] == 1  # a 304 does not empty the feed


# --------------------------------------------------------------------------- syndication partners and other outlets

def test_a_copy_whose_canonical_names_another_site_stays_its_own_article_linked_to_the_original(httpserver, tmp_path):
    title, text = ARTICLES["sdi-xiaomi"]
    original = httpserver.url_for("/wire/sdi-xiaomi")
    wire = serve_feed(httpserver, "/wire.xml", rss(item(title, guid=original, link=original, content=text,
                                                    published="Mon, 30 Jun 2025 08:00:00 GMT")))
    # The partner republishes the opening with a paragraph of its own; its rel=canonical names
    # the original outlet's URL, on another site.
    excerpt = text.split("\n\n")[0] + "\n\nPartner Daily readers can follow the story on our electric vehicle page."
    serve_page(httpserver, "/partner/sdi-xiaomi", page(title, excerpt, canonical=original))
    copy_link = on_other_site(httpserver.url_for("/partner/sdi-xiaomi"))
    partner = serve_feed(httpserver, "/partner.xml", rss(item(title, guid=copy_link, link=copy_link,
                                                          summary="Samsung SDI is in talks with Xiaomi.",
                                                          published="Mon, 30 Jun 2025 10:00:00 GMT")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": wire, "source": "Wire"},
                                        {"name": "partner", "url": on_other_site(partner), "source": "Partner Daily"}])

    report = ingest(settings)

    original_article, copy = articles(settings.db_path)
    assert (original_article["url"], original_article["source"], original_article["version"]) == (original, "Wire", 1)
    assert original_article["text"] == text
    assert (copy["url"], copy["source"], copy["version"]) == (copy_link, "Partner Daily", 1)
    assert copy["text"] == excerpt.replace("\n\n", "\n")
    # Too little shared text for MinHash to call it a copy: the page's own canonical links it.
    assert copy["duplicate_of"] == original_article["article_id"]
    assert report.new_versions == [] and report.duplicates == [copy["article_id"]]
    assert rows(settings.db_path, "SELECT article_id FROM article_aliases WHERE alias = ?", [f"url:{original}"]) == [
        (original_article["article_id"],)]


def test_another_outlets_article_under_the_same_guid_is_another_article(httpserver, tmp_path):
    guid = "article-2025-06-30-000123"   # long enough to count as global, yet only unique per publisher
    harman_title, harman_text = ARTICLES["harman"]
    display_title, display_text = ARTICLES["display"]
    one = serve_feed(httpserver, "/one.xml", rss(item(harman_title, guid=guid, link=httpserver.url_for("/one/a"),
                                                  content=harman_text, published="Mon, 30 Jun 2025 08:00:00 GMT")))
    other_link = on_other_site(httpserver.url_for("/other/a"))
    other = serve_feed(httpserver, "/other.xml", rss(item(display_title, guid=guid, link=other_link, content=display_text,
                                                      published="Mon, 30 Jun 2025 09:00:00 GMT")))
    settings = make_settings(tmp_path, [{"name": "one", "url": one}, {"name": "other", "url": on_other_site(other)}])

    report = ingest(settings)

    assert [(a["title"], a["source"], a["version"]) for a in articles(settings.db_path)] == [
        (harman_title, "one", 1), (display_title, "other", 1)]
    assert len(report.new_articles) == 2 and report.new_versions == []


def test_another_outlets_feed_linking_to_an_article_adds_no_version_to_it(httpserver, tmp_path):
    title, text = ARTICLES["lei-jun"]
    link = httpserver.url_for("/autos/lei-jun-target")
    wire = serve_feed(httpserver, "/wire.xml", rss(item(title, guid=link, link=link, content=text,
                                                    published="Mon, 30 Jun 2025 08:00:00 GMT")))
    rewritten = words_changed(text, {"told shareholders on Thursday": "said on Thursday"})
    digest = serve_feed(httpserver, "/digest.xml", rss(item(f"{title} (digest)", guid="digest-77", link=link,
                                                        content=rewritten, published="Mon, 30 Jun 2025 12:00:00 GMT")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": wire, "source": "Wire"},
                                        {"name": "digest", "url": digest, "source": "Morning Digest"}])

    report = ingest(settings)

    [article] = articles(settings.db_path)
    assert (article["source"], article["version"], article["text"]) == ("Wire", 1, text)
    assert report.new_versions == []
    assert rows(settings.db_path, "SELECT DISTINCT article_id FROM entries") == [(article["article_id"],)]


# --------------------------------------------------------------------------- pages tried again

def test_a_page_that_failed_for_a_passing_reason_is_fetched_again_though_the_feed_answers_304(httpserver, tmp_path):
    title, text = ARTICLES["sdi-xiaomi"]
    link = httpserver.url_for("/autos/sdi-xiaomi")
    answers(httpserver, "/autos/sdi-xiaomi", Response("busy", status=503), html(page(title, text)))
    url = with_etag(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, summary="Samsung SDI is in talks.")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    first = ingest(settings)
    assert [a["text"] for a in articles(settings.db_path)] == ["Samsung SDI is in talks."]
    assert pending_pages(settings.db_path) == [(link, 1)]
    assert [(p.stage, p.kind) for p in first.problems] == [("page", "HTTPStatusError")]

    second = ingest(settings, Clock(NOW.replace(hour=13)))

    assert requested(httpserver) == ["/feed.xml", "/autos/sdi-xiaomi", "/feed.xml", "/autos/sdi-xiaomi"]
    assert [(s.feed, s.status) for s in second.feeds] == [("wire", "not modified")]
    [article] = articles(settings.db_path)
    assert (article["version"], article["text"]) == (2, text.replace("\n\n", "\n"))
    assert second.new_versions == [article["article_id"]]
    assert pending_pages(settings.db_path) == []


def test_the_watch_takes_in_the_page_read_a_run_after_its_summary(httpserver, tmp_path):
    from evwatch.pipeline import extract_stale, make_warehouse
    from evwatch.watching import update_developments

    title, text = ARTICLES["sdi-xiaomi"]
    link = httpserver.url_for("/autos/sdi-xiaomi")
    busy = Response("busy", status=503)
    answers(httpserver, "/autos/sdi-xiaomi", busy, busy, html(page(title, text)))   # down for the first run's tries
    url = with_etag(httpserver, "/feed.xml", rss(item("Battery news", guid=link, link=link, summary="A battery story.")))
    from tests.support import write_config as write_config_with_catalogue

    config = write_config_with_catalogue(tmp_path, feeds=f"feeds:\n  - {{name: wire, url: '{url}'}}\n")
    settings = load_settings(config, env={})
    warehouse = make_warehouse(settings)

    def run(clock: Clock) -> list:
        ingest(settings, clock)
        extract_stale(warehouse, settings, now=clock)
        return [w.articles for w in update_developments(warehouse, settings, now=clock).watches]

    assert run(Clock()) == [1]                              # the summary, with nothing to develop
    assert rows(settings.db_path, "SELECT count(*) FROM developments") == [(0,)]
    assert run(Clock(NOW.replace(hour=13))) == [1]          # the page: the same article again
    assert ("partnership", "Samsung", "Xiaomi") in rows(
        settings.db_path, "SELECT kind, subject, object FROM developments")
    assert run(Clock(NOW.replace(hour=14))) == [0]          # and never again after that


def test_a_summary_kept_because_the_page_failed_never_replaces_the_pages_text(httpserver, tmp_path):
    title, text = ARTICLES["display"]
    link = httpserver.url_for("/display")
    answers(httpserver, "/display", html(page(title, text)), Response("busy", status=503))
    serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, summary="OLED dashboards.")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": httpserver.url_for("/feed.xml")}])
    ingest(settings)
    httpserver.clear_log()
    # The feed edits its summary, so the entry is read again, while the page is down.
    httpserver.clear()
    answers(httpserver, "/display", Response("busy", status=503))
    serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, summary="OLED dashboards for Hyundai.")))

    report = ingest(settings, Clock(NOW.replace(hour=13)))

    [article] = articles(settings.db_path)
    assert (article["version"], article["text"]) == (1, text.replace("\n\n", "\n"))
    assert report.new_versions == []
    assert pending_pages(settings.db_path) == [(link, 1)]


def test_a_page_that_keeps_failing_is_given_up_after_the_configured_attempts(httpserver, tmp_path):
    link = httpserver.url_for("/down")
    answers(httpserver, "/down", Response("busy", status=503))
    url = with_etag(httpserver, "/feed.xml", rss(item("Harman buys a startup", guid=link, link=link,
                                                      summary="Harman agreed to buy a Munich audio startup.")))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}], fetch={"max_page_attempts": 2})

    ingest(settings)
    assert pending_pages(settings.db_path) == [(link, 1)]
    second = ingest(settings, Clock(NOW.replace(hour=13)))
    third = ingest(settings, Clock(NOW.replace(hour=14)))

    assert pending_pages(settings.db_path) == []
    assert [p.kind for p in second.problems] == ["HTTPStatusError", "gave-up"]
    assert third.problems == [] and requested(httpserver).count("/down") == 2
    assert [a["text"] for a in articles(settings.db_path)] == ["Harman agreed to buy a Munich audio startup."]


def test_pages_beyond_the_feeds_page_budget_wait_for_the_next_run(httpserver, tmp_path):
    clock = Clock()
    items, texts = [], {}
    for name in ("display", "harman", "lei-jun"):
        title, text = ARTICLES[name]
        texts[title] = text.replace("\n\n", "\n")

        def slow(request: Request, body: str = page(title, text)) -> Response:
            clock.advance(seconds=60)   # each page takes a minute of the run's clock
            return html(body)

        httpserver.expect_request(f"/news/{name}").respond_with_handler(slow)
        link = httpserver.url_for(f"/news/{name}")
        items.append(item(title, guid=link, link=link, summary=f"Summary of {name}.",
                          published=f"Mon, 30 Jun 2025 0{len(items) + 6}:00:00 GMT"))
    url = with_etag(httpserver, "/feed.xml", rss(*items))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}],
                             fetch={"page_budget_seconds": 90, "per_host_concurrency": 1})

    first = ingest(settings, clock)

    assert requested(httpserver) == ["/feed.xml", "/news/display", "/news/harman"]
    assert [p.kind for p in first.problems] == ["page-budget"]
    assert "90 s ran out; 1 pages left for the next run" in first.problems[0].message
    assert pending_pages(settings.db_path) == [(httpserver.url_for("/news/lei-jun"), 0)]
    assert [a["text"] for a in articles(settings.db_path)][-1] == "Summary of lei-jun."

    clock.advance(hours=1)
    ingest(settings, clock)

    assert {a["title"]: a["text"] for a in articles(settings.db_path)} == texts
    assert pending_pages(settings.db_path) == []


def test_a_page_step_that_did_not_finish_leaves_the_feed_unread_and_its_cursor_in_place(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/harman")
    url = with_etag(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, content=text)))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])
    warehouse = pipeline.make_warehouse(settings)
    feeds = list(settings.feeds)
    state = pipeline.load_state(warehouse, feeds)
    with pipeline.make_fetcher(settings) as fetcher:
        reads = pipeline.read_feeds([pipeline.fetch_feed(fetcher, feeds[0], None)], state)

    # What the flow gets back from a page task that hit its timeout (the backstop).
    built = [pipeline.pages_or_failure(reads[0], TimeoutError("Task run exceeded timeout of 1800 second(s)"))]
    report = pipeline.store_run(warehouse, "r1", NOW, reads, built)

    assert [(s.feed, s.status) for s in report.feeds] == [("wire", "failed")]
    assert rows(settings.db_path, "SELECT etag, consecutive_failures FROM feeds") == [(None, 1)]
    assert table_counts(settings.db_path)["article_versions"] == 0
    ingest(settings)   # the next run reads the feed in full (no 304) and stores the article
    assert [a["title"] for a in articles(settings.db_path)] == [title]


# --------------------------------------------------------------------------- when a feed is fetched

def test_a_feed_polled_less_often_than_the_schedule_is_skipped_until_it_is_due(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/harman")
    url = serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, content=text)))
    settings = make_settings(tmp_path, [{"name": "slow", "url": url, "poll_minutes": 30}])
    clock = Clock()
    ingest(settings, clock)

    clock.advance(minutes=15)
    skipped = ingest(settings, clock)
    clock.advance(minutes=14, seconds=45)   # a run a few seconds early for its slot still polls
    due = ingest(settings, clock)

    [summary] = skipped.feeds
    assert (summary.status, summary.note) == ("skipped", "not due: read 15 min ago, polled every 30 min")
    assert not RunSummary.from_ingest(skipped).needs_attention and skipped.feeds_failed == 0
    assert [s.status for s in due.feeds] == ["ok"]
    assert requested(httpserver) == ["/feed.xml", "/feed.xml"]
    assert rows(settings.db_path, "SELECT last_attempt_at FROM feeds") == [(naive(clock.now),)]


def test_a_polled_feed_that_failed_is_tried_again_on_the_next_run(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/harman")
    answers(httpserver, "/feed.xml", Response("down", status=500),
            Response(rss(item(title, guid=link, link=link, content=text)), content_type="application/rss+xml"))
    settings = make_settings(tmp_path, [{"name": "slow", "url": httpserver.url_for("/feed.xml"), "poll_minutes": 1440}])
    clock = Clock()
    assert [s.status for s in ingest(settings, clock).feeds] == ["failed"]
    clock.advance(minutes=15)
    assert [s.status for s in ingest(settings, clock).feeds] == ["ok"]     # not a day later


def test_an_absurd_retry_after_is_capped_not_a_crash(httpserver, tmp_path):
    httpserver.expect_request("/feed.xml").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "99999999999999999999"}))
    settings = make_settings(tmp_path, [{"name": "wire", "url": httpserver.url_for("/feed.xml")}])
    assert [s.status for s in ingest(settings).feeds] == ["failed"]
    [(not_before,)] = rows(settings.db_path, "SELECT retry_not_before FROM feeds")
    assert not_before is not None


def test_a_long_retry_after_is_remembered_and_the_feed_left_alone_until_then(httpserver, tmp_path):
    title, text = ARTICLES["display"]
    link = httpserver.url_for("/display")
    answers(httpserver, "/feed.xml", Response("slow down", status=503, headers={"Retry-After": "3600"}),
            Response(rss(item(title, guid=link, link=link, content=text))), content_type=RSS_TYPE)
    settings = make_settings(tmp_path, [{"name": "busy", "url": httpserver.url_for("/feed.xml")}])
    clock = Clock()
    first = ingest(settings, clock)
    assert rows(settings.db_path, "SELECT retry_not_before FROM feeds") == [(naive(NOW + timedelta(hours=1)),)]

    clock.advance(minutes=15)
    waiting = ingest(settings, clock)
    clock.advance(minutes=46)
    after = ingest(settings, clock)

    assert [s.status for s in first.feeds] == ["failed"]
    [summary] = waiting.feeds
    assert summary.status == "backing off" and "2025-07-01 13:00 UTC" in summary.note
    assert waiting.feeds_failed == 0
    assert [s.status for s in after.feeds] == ["ok"]
    assert requested(httpserver) == ["/feed.xml", "/feed.xml"]
    assert rows(settings.db_path, "SELECT retry_not_before FROM feeds") == [(None,)]


def test_an_undated_entry_keeps_its_first_seen_date_in_every_version(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed.xml", rss(item("Xiaomi annual meeting", guid="brief-1",
                                                       summary="Xiaomi will hold its annual meeting in Beijing.")))
    settings = make_settings(tmp_path, [{"name": "briefs", "url": url}])
    ingest(settings)
    httpserver.clear()
    serve_feed(httpserver, "/feed.xml", rss(item("Xiaomi annual meeting", guid="brief-1",
                                                 summary="Xiaomi will hold its annual meeting in Beijing on Thursday.")))

    ingest(settings, Clock(NOW.replace(hour=18)))

    assert rows(settings.db_path, "SELECT version, published_at, date_trusted, fetched_at FROM article_versions ORDER BY 1") == [
        (1, naive(NOW), False, naive(NOW)), (2, naive(NOW), False, naive(NOW.replace(hour=18)))]


# --------------------------------------------------------------------------- failing feeds

def test_dead_host_and_failing_feed_are_recorded_while_other_feeds_are_stored(httpserver, tmp_path):
    title, text = ARTICLES["lei-jun"]
    link = httpserver.url_for("/lei-jun")
    good = serve_feed(httpserver, "/good.xml", rss(item(title, guid=link, link=link, content=text)))
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    dead = f"http://127.0.0.1:{unused_port()}/feed.xml"
    settings = make_settings(tmp_path, [
        {"name": "dead", "url": dead}, {"name": "broken", "url": httpserver.url_for("/broken.xml")},
        {"name": "good", "url": good},
    ], fetch={"retries": 1})

    first = ingest(settings)
    second = ingest(settings, Clock(NOW.replace(hour=13)))

    health = feed_health(settings.db_path)
    assert health["dead"]["consecutive_failures"] == 2 and not health["dead"]["healthy"]
    assert health["dead"]["last_error"].startswith("ConnectError: ")
    assert health["dead"]["last_error"].endswith(f"({dead})")
    assert health["broken"]["consecutive_failures"] == 2 and not health["broken"]["healthy"]
    assert (health["broken"]["last_status"], health["broken"]["last_error"]) == (
        500, f"HTTP 500 ({httpserver.url_for('/broken.xml')})")
    assert health["good"]["healthy"] and health["good"]["consecutive_failures"] == 0
    assert [a["title"] for a in articles(settings.db_path)] == [title]
    assert requested(httpserver).count("/broken.xml") == 4  # two runs, each one try and one retry
    for report in (first, second):
        assert {s.feed: s.status for s in report.feeds} == {"dead": "failed", "broken": "failed", "good": "ok"}
        assert report.feeds_failed == 2
    assert rows(settings.db_path, "SELECT feed_id, stage, kind, count(*) FROM fetch_problems GROUP BY ALL ORDER BY 1") == [
        ("broken", "fetch", "HTTP 500", 2), ("dead", "fetch", "FetchError", 2)]


@pytest.mark.parametrize("fixture, message", [
    ("not-a-feed-empty.xml", "not a feed: an empty body where a feed was expected"),
    ("not-a-feed-html.html", "not a feed: an HTML page where a feed was expected"),
    ("not-a-feed-json.json", "not a feed: JSON where a feed was expected"),
])
def test_not_a_feed_is_a_failed_feed_never_no_news(httpserver, tmp_path, fixture, message):
    url = serve_feed(httpserver, "/feed", (FEEDS / fixture).read_bytes())
    settings = make_settings(tmp_path, [{"name": "moved", "url": url}])

    report = ingest(settings)

    [summary] = report.feeds
    assert (summary.status, summary.error) == ("failed", f"moved: {message}")
    health = feed_health(settings.db_path)["moved"]
    assert (health["healthy"], health["consecutive_failures"], health["last_error"]) == (False, 1, f"moved: {message}")
    assert rows(settings.db_path, "SELECT stage, kind, message FROM fetch_problems") == [
        ("parse", "NotAFeedError", f"moved: {message}")]
    assert table_counts(settings.db_path)["article_versions"] == 0


def test_feed_with_no_items_is_healthy_no_news(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed", (FEEDS / "rss2-no-items.xml").read_bytes())
    settings = make_settings(tmp_path, [{"name": "quiet", "url": url}])

    report = ingest(settings)

    assert [(s.status, s.entries, s.error) for s in report.feeds] == [("ok", 0, None)]
    health = feed_health(settings.db_path)["quiet"]
    assert (health["healthy"], health["consecutive_failures"], health["entries_seen"]) == (True, 0, 0)


def test_malformed_feed_keeps_its_readable_entries_and_records_the_problem(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed", (FEEDS / "malformed-unescaped-ampersand.xml").read_bytes())
    # The items link to bad.example, which is not served: full_text "never" keeps the test offline.
    settings = make_settings(tmp_path, [{"name": "bad", "url": url, "full_text": "never"}])

    report = ingest(settings)

    assert [a["title"] for a in articles(settings.db_path)] == [
        "Harman Q2 results", "Samsung & Xiaomi sign MoU", "Xiaomi YU7 orders top 240,000"]
    assert report.feeds[0].status == "ok"
    [(kind, message)] = rows(settings.db_path, "SELECT kind, message FROM fetch_problems")
    assert kind == "feed" and message.startswith("feed is not well-formed (SAXParseException")


# --------------------------------------------------------------------------- identity, dates, links

def test_entry_without_guid_link_or_date_keeps_one_identity_across_runs(httpserver, tmp_path):
    body = rss(item("Xiaomi to hold annual meeting", summary="Xiaomi will hold its annual meeting in Beijing on Thursday."))
    url = serve_feed(httpserver, "/feed.xml", body)
    settings = make_settings(tmp_path, [{"name": "briefs", "url": url}])
    first = ingest(settings)
    later = Clock(NOW.replace(hour=18))

    second = ingest(settings, later)

    [article] = articles(settings.db_path)
    assert first.new_articles == [article["article_id"]] and second.new_articles == []
    assert (article["published_at"], article["date_trusted"], article["url"]) == (naive(NOW), False, None)
    assert rows(settings.db_path, "SELECT date_note FROM article_versions") == [("missing",)]
    assert table_counts(settings.db_path)["entries"] == 1


def test_future_and_pre_1990_dates_fall_back_to_first_seen_and_are_not_trusted(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed.xml", rss(
        item("From the future", guid="t1", summary="A story dated 2035.", published="Mon, 01 Jan 2035 10:00:00 GMT"),
        item("From 1985", guid="t2", summary="A story dated 1985.", published="Fri, 01 Mar 1985 10:00:00 GMT"),
        item("Ordinary", guid="t3", summary="A story dated yesterday.", published="Mon, 30 Jun 2025 10:00:00 GMT"),
    ))
    settings = make_settings(tmp_path, [{"name": "time", "url": url}])

    ingest(settings)

    stored = rows(settings.db_path,
                  "SELECT title, published_at, date_trusted, date_note FROM article_versions ORDER BY title")
    assert stored == [
        ("From 1985", naive(NOW), False, "before 1990 (1985-03-01T10:00:00+00:00)"),
        ("From the future", naive(NOW), False, "in the future (2035-01-01T10:00:00+00:00)"),
        ("Ordinary", datetime(2025, 6, 30, 10, 0), True, None),
    ]


def test_relative_links_resolve_against_the_feed_url_after_redirects(httpserver, tmp_path):
    title, text = ARTICLES["display"]
    httpserver.expect_request("/old/feed.xml").respond_with_data(
        "", status=301, headers={"Location": "/feeds/v2/all.xml"})
    serve_feed(httpserver, "/feeds/v2/all.xml", rss(item(title, link="story-1.html", summary="OLED dashboards.")))
    serve_page(httpserver, "/feeds/v2/story-1.html", page(title, text))
    settings = make_settings(tmp_path, [{"name": "moved", "url": httpserver.url_for("/old/feed.xml")}])

    ingest(settings)

    assert requested(httpserver) == ["/old/feed.xml", "/feeds/v2/all.xml", "/feeds/v2/story-1.html"]
    [article] = articles(settings.db_path)
    assert article["url"] == httpserver.url_for("/feeds/v2/story-1.html")
    assert article["text"].startswith("Samsung Display has won an order")


def test_javascript_data_and_file_links_are_dropped_and_never_requested(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed.xml", rss(
        item("Script link", guid="u1", link="javascript:alert(document.cookie)", summary="One."),
        item("Data link", guid="u2", link="data:text/html,<script>alert(1)</script>", summary="Two."),
        item("File link", guid="u3", link="file:///etc/passwd", summary="Three."),
    ))
    settings = make_settings(tmp_path, [{"name": "unsafe", "url": url, "full_text": "always"}])

    ingest(settings)

    assert requested(httpserver) == ["/feed.xml"]
    assert rows(settings.db_path, "SELECT title, url, link FROM article_versions ORDER BY title") == [
        ("Data link", None, None), ("File link", None, None), ("Script link", None, None)]
    assert rows(settings.db_path, "SELECT stage, message FROM fetch_problems ORDER BY message") == [
        ("parse", "unsafe or unsupported link dropped: data:text/html,<script>alert(1)</script>"),
        ("parse", "unsafe or unsupported link dropped: file://etc/passwd"),  # as feedparser rewrites it
        ("parse", "unsafe or unsupported link dropped: javascript:alert(document.cookie)"),
    ]


def test_a_link_with_an_impossible_port_is_dropped_and_the_run_goes_on(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/harman")
    url = serve_feed(httpserver, "/feed.xml", rss(
        item("Broken link", guid="b1", link="http://news.example:99999/a", summary="A link no client can follow."),
        item(title, guid=link, link=link, content=text),
    ))
    settings = make_settings(tmp_path, [{"name": "wire", "url": url}])

    report = ingest(settings)

    assert rows(settings.db_path, "SELECT title, url FROM article_versions ORDER BY title") == [
        ("Broken link", None), (title, link)]
    assert [p.message for p in report.problems] == ["unsafe or unsupported link dropped: http://news.example:99999/a"]


# --------------------------------------------------------------------------- hostile and messy text

def test_entity_expansion_feed_is_cut_off_quickly_and_stores_nothing_large(httpserver, tmp_path):
    url = serve_feed(httpserver, "/feed.xml", (FEEDS / "billion-laughs.xml").read_bytes())
    settings = make_settings(tmp_path, [{"name": "lol", "url": url}])
    ingest(settings)  # a first run pays for imports and creating the warehouse
    httpserver.clear()
    serve_feed(httpserver, "/feed.xml", (FEEDS / "billion-laughs.xml").read_bytes().replace(b"Laughs", b"Laughs again"))

    started = time.perf_counter()
    ingest(settings, Clock(NOW.replace(hour=13)))
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    [(longest,)] = rows(settings.db_path,
                        "SELECT max(greatest(length(title), length(text), length(summary))) FROM article_versions")
    assert longest < 100
    kinds = rows(settings.db_path, "SELECT DISTINCT message FROM fetch_problems WHERE message LIKE 'entity%'")
    assert kinds == [("entity declarations in the feed's DTD were removed (possible entity-expansion attack)",)]


def test_titles_are_stored_as_plain_clean_capped_text(httpserver, tmp_path):
    feeds = []
    for name in ("markup-in-titles.xml", "control-characters.xml", "overlong-title.xml"):
        url = serve_feed(httpserver, f"/{name}", (FEEDS / name).read_bytes())
        feeds.append({"name": name.removesuffix(".xml"), "url": url})
    settings = make_settings(tmp_path, feeds)

    ingest(settings)

    titles = dict(rows(settings.db_path, "SELECT guid, title FROM article_versions"))
    assert titles["m1"] == "Samsung & Xiaomi: a “deal” worth €1bn"
    assert titles["m2"] == "Bold move by Xiaomi"
    assert titles["m3"] == "AT&T and Harman <3 in-car 5G"
    assert titles["m5"] == "Lei Jun: price<cost deals will not last"
    assert titles["c1"] == "Samsung SDI Xiaomi deal"
    assert titles["c2"] == "Harman results"
    assert len(titles["long-1"]) == 500 and titles["long-1"].endswith("…")
    texts = [t for (t,) in rows(settings.db_path, "SELECT title || summary || text FROM article_versions")]
    assert not any(ch in text for text in texts for ch in "\x00\x01\x08\x0b\x1b\x1f\x7f\u200b\u2028")


# --------------------------------------------------------------------------- configuration problems

def test_skipped_feed_entry_is_recorded_and_the_other_feeds_run(httpserver, tmp_path):
    title, text = ARTICLES["harman"]
    link = httpserver.url_for("/harman")
    url = serve_feed(httpserver, "/feed.xml", rss(item(title, guid=link, link=link, content=text)))
    settings = make_settings(tmp_path, [{"name": "no location"}, {"name": "good", "url": url}])

    report = ingest(settings)

    assert [s.feed for s in report.feeds] == ["good"]
    assert len(articles(settings.db_path)) == 1
    [(stage, message)] = rows(settings.db_path, "SELECT stage, message FROM fetch_problems")
    assert stage == "config"
    assert message.startswith(f"{tmp_path / 'feeds.yaml'}: feeds[0] (no location): ")


# --------------------------------------------------------------------------- single documents

def test_ingest_html_file_reads_title_and_main_text(tmp_path):
    title, text = ARTICLES["display"]
    path = tmp_path / "display.html"
    path.write_text(page(title, text, canonical="https://display.example/2025/hyundai-oled?utm_source=x",
                         published="2025-06-30T09:00:00+09:00"), encoding="utf-8")
    settings = make_settings(tmp_path / "config")

    report = ingest_document(settings, str(path), now=Clock())

    [article] = articles(settings.db_path)
    assert (article["title"], article["text"]) == (title, text.replace("\n\n", "\n"))
    assert article["url"] == "https://display.example/2025/hyundai-oled"
    assert (article["published_at"], article["date_trusted"]) == (datetime(2025, 6, 30, 0, 0), True)
    assert (article["source"], article["feed_id"]) == ("display.example", None)   # the host it says it lives at
    assert report.new_articles == [article["article_id"]]


def test_a_hand_given_page_is_from_the_outlet_it_names(tmp_path):
    title, text = ARTICLES["display"]
    path = tmp_path / "display.html"
    html = page(title, text).replace("<head>", '<head><meta property="og:site_name" content="Display Weekly">', 1)
    path.write_text(html, encoding="utf-8")
    settings = make_settings(tmp_path / "config")
    ingest_document(settings, str(path), now=Clock())
    assert [a["source"] for a in articles(settings.db_path)] == ["Display Weekly"]


def test_a_hand_given_text_file_with_nothing_better_is_from_its_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Samsung SDI weighs a Xiaomi deal\n\nSamsung SDI could supply battery cells to Xiaomi.\n",
                    encoding="utf-8")
    settings = make_settings(tmp_path / "config")
    ingest_document(settings, str(path), now=Clock())
    assert [a["source"] for a in articles(settings.db_path)] == ["notes.txt"]


def test_ingest_markdown_file_takes_its_heading_as_title(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Xiaomi raises its target\n\nLei Jun said **350,000** cars would be delivered, "
                    "see [the filing](https://example.com/filing).\n\n- deliveries up\n- orders up\n", encoding="utf-8")
    settings = make_settings(tmp_path / "config")

    ingest_document(settings, str(path), now=Clock())

    [article] = articles(settings.db_path)
    assert article["title"] == "Xiaomi raises its target"
    assert article["text"] == "Lei Jun said 350,000 cars would be delivered, see the filing.\n\ndeliveries up\norders up"


def test_ingest_text_file_takes_its_first_line_as_title(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_text("Samsung SDI denies Xiaomi deal\n\nSamsung SDI said nothing had been decided.\nShares fell.\n",
                    encoding="utf-8")
    settings = make_settings(tmp_path / "config")

    ingest_document(settings, str(path), title=None, source="Desk notes", now=Clock())

    [article] = articles(settings.db_path)
    assert (article["title"], article["text"], article["source"]) == (
        "Samsung SDI denies Xiaomi deal", "Samsung SDI said nothing had been decided.\nShares fell.", "Desk notes")
    assert (article["published_at"], article["date_trusted"]) == (naive(NOW), False)


def test_ingest_url_fetches_the_page_from_the_server(httpserver, tmp_path):
    title, text = ARTICLES["lei-jun"]
    url = serve_page(httpserver, "/autos/lei-jun", page(title, text))
    settings = make_settings(tmp_path / "config")

    ingest_document(settings, url + "?utm_source=newsletter", now=Clock())

    assert requested(httpserver) == ["/autos/lei-jun"]
    [article] = articles(settings.db_path)
    assert (article["url"], article["title"], article["source"]) == (url, title, f"localhost:{httpserver.port}")
    assert article["text"].startswith("Xiaomi founder and chief executive Lei Jun told shareholders")


def test_ingesting_the_same_file_twice_stores_it_once(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_text("Harman buys a startup\n\nHarman agreed to buy a Munich audio startup.\n", encoding="utf-8")
    settings = make_settings(tmp_path / "config")

    first = ingest_document(settings, str(path), now=Clock())
    second = ingest_document(settings, str(path), now=Clock(NOW.replace(hour=13)))

    assert len(first.new_articles) == 1 and (second.new_articles, second.new_versions) == ([], [])
    assert table_counts(settings.db_path)["article_versions"] == 1
