"""Normalising what the web gives us: the keys that make a rerun change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from evwatch.ingest.normalize import (
    canonical_url, clean_line, clean_text, content_hash, is_http_url, parse_datetime, same_site, stable_id,
    trusted_date,
)

SEEN = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("url, canonical", [
    ("https://news.example/a?utm_source=rss&utm_medium=feed&utm_campaign=x&id=7",
     "https://news.example/a?id=7"),
    ("https://news.example/a?fbclid=IwAR0abc&gclid=xyz&msclkid=1&mc_cid=2&mc_eid=3",
     "https://news.example/a"),
    ("https://news.example/a?UTM_Source=x&Id=7", "https://news.example/a?Id=7"),      # parameter names, any case
    ("https://news.example/a#comments", "https://news.example/a"),
    ("https://NEWS.Example.:443/a", "https://news.example/a"),
    ("http://news.example:80/a", "http://news.example/a"),
    ("http://news.example:8080/a", "http://news.example:8080/a"),                     # not a default port: kept
    ("https://news.example", "https://news.example/"),
    ("https://news.example//2025//06/a", "https://news.example/2025/06/a"),
    ("https://news.example/a?b=2&a=1", "https://news.example/a?b=2&a=1"),             # order is the page's own
    ("https://news.example/a?q=", "https://news.example/a?q="),
    ("  https://news.example/a  ", "https://news.example/a"),
    ("https://news.example/Article/ID", "https://news.example/Article/ID"),          # paths are case-sensitive
    ("mailto:desk@news.example", "mailto:desk@news.example"),                          # not http(s): untouched
    ("http://[2001:DB8::1]:8080/a?utm_source=x", "http://[2001:db8::1]:8080/a"),     # IPv6 keeps its brackets
    ("http://news.example:99999/a?utm_source=x", "http://news.example:99999/a?utm_source=x"),  # not a URL: as given
    ("http://[::1/a", "http://[::1/a"),
    ("https://news.example/2025/\x01sdi-\u200bxiaomi\x7f", "https://news.example/2025/sdi-xiaomi"),   # controls go
    ("https://news.example/har\tman\n-results\ufeff?id=1", "https://news.example/harman-results?id=1"),
])
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_canonical_url_is_idempotent():
    once = canonical_url("https://News.example:443/a//b?utm_source=x&id=1#top")
    assert canonical_url(once) == once == "https://news.example/a/b?id=1"


@pytest.mark.parametrize("a, b, same", [
    ("https://www.example.com/a", "https://example.com/b", True),           # a leading www. is the same host
    ("https://news.example.com/a", "https://example.com/b", True),          # a subdomain is the same site
    ("https://news.example.com/a", "https://sport.example.com/b", True),    # the same registrable domain
    ("https://www.bbc.co.uk/a", "https://news.bbc.co.uk/b", True),          # by the public suffix list
    ("https://finance.yahoo.com/a", "https://www.reuters.com/b", False),    # a syndication partner
    ("https://a.co.uk/x", "https://b.co.uk/y", False),                      # a public suffix is no site
    ("http://localhost:8080/a", "http://127.0.0.1:8080/a", False),
    ("https://news.example/a", "https://news.example/b", True),              # hosts outside the list: by name
    ("https://news.example/a", "not a url", False),
])
def test_same_site(a, b, same):
    assert same_site(a, b) is same and same_site(b, a) is same


@pytest.mark.parametrize("value, is_url", [
    ("https://news.example/a", True), ("HTTPS://news.example/a", True), ("Http://news.example", True),
    ("  https://news.example/a", True), ("file:///etc/passwd", False), ("news.html", False), ("", False), (None, False),
])
def test_is_http_url(value, is_url):
    assert is_http_url(value) is is_url


def test_a_plausible_date_is_trusted():
    published = datetime(2025, 6, 30, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    assert trusted_date(published, SEEN) == (datetime(2025, 6, 30, 10, 0, tzinfo=UTC), True, None)


def test_a_missing_date_falls_back_to_first_seen():
    assert trusted_date(None, SEEN) == (SEEN, False, "missing")


def test_a_date_in_the_future_is_not_trusted():
    future = SEEN + timedelta(days=3)
    assert trusted_date(future, SEEN) == (SEEN, False, f"in the future ({future.isoformat()})")


def test_up_to_a_day_ahead_is_tolerated_as_clock_skew():
    ahead = SEEN + timedelta(hours=23)
    assert trusted_date(ahead, SEEN) == (ahead, True, None)


def test_a_date_is_in_the_future_of_now_not_of_the_first_sighting():
    republished = SEEN + timedelta(days=3)   # an entry first seen three days before it was redated
    assert trusted_date(republished, SEEN, now=republished) == (republished, True, None)
    assert trusted_date(None, SEEN, now=republished) == (SEEN, False, "missing")


def test_a_date_before_1990_is_not_trusted():
    old = datetime(1989, 12, 31, 23, 59, tzinfo=UTC)
    assert trusted_date(old, SEEN) == (SEEN, False, "before 1990 (1989-12-31T23:59:00+00:00)")
    assert trusted_date(datetime(1990, 1, 1, tzinfo=UTC), SEEN)[1] is True


def test_naive_times_are_taken_as_utc():
    assert trusted_date(datetime(2025, 6, 30, 10, 0), SEEN.replace(tzinfo=None)) == (
        datetime(2025, 6, 30, 10, 0, tzinfo=UTC), True, None)


@pytest.mark.parametrize("text, moment", [
    ("2025-06-30T10:00:00Z", datetime(2025, 6, 30, 10, 0, tzinfo=UTC)),
    ("2025-06-30T19:00:00+09:00", datetime(2025, 6, 30, 10, 0, tzinfo=UTC)),
    ("Mon, 30 Jun 2025 10:00:00 GMT", datetime(2025, 6, 30, 10, 0, tzinfo=UTC)),
    ("Mon, 30 Jun 2025 18:00:00 +0800", datetime(2025, 6, 30, 10, 0, tzinfo=UTC)),
    ("2025-06-30", datetime(2025, 6, 30, 0, 0, tzinfo=UTC)),
    ("yesterday", None),
    ("", None),
])
def test_parse_datetime(text, moment):
    assert parse_datetime(text) == moment


def test_content_hash_ignores_whitespace_case_and_punctuation_noise():
    title, text = "Xiaomi raises target", "Lei Jun said Xiaomi will deliver 350,000 cars.\n\nDemand is strong."
    same = content_hash(title, text)
    reflowed = "Lei Jun said Xiaomi will deliver 350,000 cars. Demand is strong."
    assert content_hash("  XIAOMI raises   target ", reflowed) == same
    assert content_hash(title, text.replace(" ", "\u00a0 \t")) == same
    assert content_hash(title, text + "\n") == same


def test_content_hash_changes_when_a_word_or_number_changes():
    title, text = "Xiaomi raises target", "Lei Jun said Xiaomi will deliver 350,000 cars."
    assert content_hash(title, text.replace("350,000", "360,000")) != content_hash(title, text)
    assert content_hash("Xiaomi cuts target", text) != content_hash(title, text)


def test_stable_id_is_deterministic_and_separates_its_parts():
    assert stable_id("feed", "guid-1") == stable_id("feed", "guid-1")
    assert len(stable_id("feed", "guid-1")) == 16
    assert stable_id("ab", "c") != stable_id("a", "bc")
    assert stable_id("a", None) == stable_id("a", "")


def test_clean_text_strips_control_characters_and_keeps_paragraphs():
    raw = "Samsung\x00 SDI\x07 and\u200b Xiaomi\r\n\r\n\r\n  signed\ta   deal.\x7f\ufeff"
    assert clean_text(raw) == "Samsung SDI and Xiaomi\n\nsigned a deal."


def test_clean_line_caps_long_lines_with_an_ellipsis():
    line = clean_line("word " * 200, 50)
    assert len(line) == 50 and line.endswith("…") and "\n" not in line
    assert clean_line("  short\ntitle  ", 50) == "short title"
