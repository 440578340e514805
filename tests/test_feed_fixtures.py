"""Every fixture feed (tests/fixtures/feeds) and page (tests/fixtures/pages), parsed and checked
against what it says about itself.

Like feedparser's own suite: each fixture starts with an XML comment (or has a sibling ``.yaml``
when the body cannot carry one: empty, HTML, JSON, plain text) written in YAML:

    case:          what the fixture covers (required)
    url:           the URL the bytes were read from (default https://news.example/feeds/<file>)
    headers:       response headers the bytes came with
    not_a_feed:    the NotAFeedError message; nothing else is checked then
    entries:       how many entries are read
    titles, links, guids, summaries:  exact values per entry, in order (null: none)
    titles_start, titles_end, title_lengths:  per entry, for titles too long to write out
    published:     per entry, ISO 8601 in UTC or null
    date_trusted:  per entry, after the pipeline's date rules (first seen at 2025-07-01 12:00 UTC)
    full_content:  per entry, whether the entry carries the whole article (no page fetch needed)
    content_contains / text_excludes:  strings every entry's text must / must not contain
    problems:      one text per recorded problem, in order, each the start of the problem's
                   message (an empty list: no problem at all)
    max_seconds:   parsing must finish within this time
    max_chars:     no title, summary or content is longer than this

Pages say, in the same way:

    case, url:     as for feeds (url: where the page was read from)
    content_type:  the Content-Type it was served with (default none)
    title, canonical, published:  what extraction must find (null: nothing)
    text:          the exact main text; or text_starts / text_contains / text_excludes
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from evwatch.config import FeedConfig
from evwatch.errors import NotAFeedError
from evwatch.ingest.articles import from_entry
from evwatch.ingest.feeds import parse_feed
from evwatch.ingest.pages import extract_page
from tests.helpers import NOW

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
PAGES = Path(__file__).parent / "fixtures" / "pages"
PAGE_KEYS = {"case", "url", "content_type", "title", "canonical", "published", "text", "text_starts", "text_contains",
             "text_excludes"}
KNOWN_KEYS = {
    "case", "url", "headers", "not_a_feed", "entries", "titles", "links", "guids", "summaries", "titles_start",
    "titles_end", "title_lengths", "published", "date_trusted", "full_content", "content_contains",
    "text_excludes", "problems", "max_seconds", "max_chars",
}
_COMMENT = re.compile(rb"<!--(.*?)-->", re.S)

pytestmark = pytest.mark.timeout(20)


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix != ".yaml")


def page_files() -> list[Path]:
    return sorted(PAGES.glob("*.html"))


def expectations(path: Path) -> dict[str, Any]:
    """What the fixture says about itself: its sibling .yaml, else its first XML comment."""
    sibling = path.with_suffix(".yaml")
    if sibling.exists():
        return yaml.safe_load(sibling.read_text(encoding="utf-8"))
    match = _COMMENT.search(path.read_bytes())
    assert match, f"{path.name} neither starts with a describing comment nor has a sibling .yaml"
    return yaml.safe_load(match.group(1).decode("utf-8"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_feed(path: Path) -> None:
    expect = expectations(path)
    assert expect.get("case"), f"{path.name}: say what case the fixture covers"
    assert set(expect) <= KNOWN_KEYS, f"{path.name}: unknown keys {set(expect) - KNOWN_KEYS}"
    url = expect.get("url", f"https://news.example/feeds/{path.name}")
    body = path.read_bytes()

    if "not_a_feed" in expect:
        with pytest.raises(NotAFeedError) as caught:
            parse_feed(body, feed_id="fixture", url=url, headers=expect.get("headers"))
        assert str(caught.value) == f"fixture: {expect['not_a_feed']}"
        return

    started = time.perf_counter()
    parsed = parse_feed(body, feed_id="fixture", url=url, headers=expect.get("headers"))
    elapsed = time.perf_counter() - started
    entries = parsed.entries

    assert len(entries) == expect["entries"]
    per_entry = {
        "titles": [e.title for e in entries],
        "links": [e.link for e in entries],
        "guids": [e.guid for e in entries],
        "summaries": [e.summary for e in entries],
        "titles_start": [e.title[: len(s)] for e, s in zip(entries, expect.get("titles_start", []))],
        "titles_end": [e.title[-len(s):] for e, s in zip(entries, expect.get("titles_end", []))],
        "title_lengths": [len(e.title) for e in entries],
        "published": [e.published_at.isoformat() if e.published_at else None for e in entries],
        "full_content": [e.has_full_content for e in entries],
    }
    for key, actual in per_entry.items():
        if key in expect:
            assert actual == expect[key], key
    if "date_trusted" in expect:
        feed = FeedConfig(name="fixture", url=url)
        candidates = [from_entry(e, feed, page=None, fetched_at=NOW) for e in entries]
        assert [c.date_trusted for c in candidates] == expect["date_trusted"]
        for candidate in candidates:  # an untrusted date is replaced by the first-seen time
            assert candidate.date_trusted or candidate.published_at == NOW
    for entry in entries:
        text = "\n".join((entry.title, entry.summary, entry.content_text))
        for wanted in expect.get("content_contains", []):
            assert wanted in entry.content_text
        for unwanted in expect.get("text_excludes", []):
            assert unwanted not in text
        if "max_chars" in expect:
            assert max(len(entry.title), len(entry.summary), len(entry.content_text)) <= expect["max_chars"]
    if "max_chars" in expect:
        assert len(parsed.title) <= expect["max_chars"]

    problems = list(parsed.problems)
    assert len(problems) == len(expect["problems"]), problems
    for problem, start in zip(problems, expect["problems"]):
        assert problem.startswith(start), (problem, start)
    if "max_seconds" in expect:
        assert elapsed < expect["max_seconds"]


def test_every_fixture_is_walked() -> None:
    """A .yaml without its fixture, or a fixture with neither comment nor .yaml, is a mistake."""
    bodies = {p.with_suffix("") for p in fixture_files()}
    for sidecar in FIXTURES.glob("*.yaml"):
        assert sidecar.with_suffix("") in bodies, f"{sidecar.name} describes no fixture"
    assert len(fixture_files()) >= 20 and len(page_files()) >= 4



@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_fixture_page(path: Path) -> None:
    expect = expectations(path)
    assert expect.get("case"), f"{path.name}: say what case the fixture covers"
    assert set(expect) <= PAGE_KEYS, f"{path.name}: unknown keys {set(expect) - PAGE_KEYS}"

    page = extract_page(path.read_bytes(), expect["url"], content_type=expect.get("content_type"))

    for key in ("title", "canonical", "published", "text"):
        if key in expect:
            actual = {"title": page.title, "canonical": page.canonical_url, "text": page.text,
                      "published": page.published_at.isoformat() if page.published_at else None}[key]
            assert actual == expect[key], key
    assert page.text.startswith(expect.get("text_starts", ""))
    for wanted in expect.get("text_contains", []):
        assert wanted in page.text
    for unwanted in expect.get("text_excludes", []):
        assert unwanted not in page.text
