"""Feed parsing: feedparser on bytes our own fetcher read, never feedparser's own fetching.

Like feedparser itself, this never gives up on a feed that is partly readable: a feed marked
bozo keeps its readable entries and the problem is returned with them. What is not a feed at all
(an empty body, an HTML page, JSON) raises :class:`NotAFeedError`, so it is reported as such and
never mistaken for "no news".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser

from evwatch.errors import NotAFeedError
from evwatch.ingest.html import html_to_text
from evwatch.ingest.normalize import canonical_url, clean_line, clean_text, stable_id

MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 20_000
MAX_CONTENT_CHARS = 2_000_000
MAX_ENTRIES = 1_000
#: Entry content at least this long (in characters of text) counts as the full article.
FULL_CONTENT_CHARS = 600

# An internal DTD subset is where entity-expansion attacks live; real feeds do not need one.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.S | re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry, cleaned, with links made absolute and unsafe links dropped."""

    entry_id: str
    feed_id: str
    guid: str | None
    link: str | None
    title: str
    summary: str                 # plain text
    content_html: str | None     # the entry's full HTML content, when the feed carries it
    content_text: str            # plain text of content_html ("" without)
    published_at: datetime | None
    updated_at: datetime | None
    author: str | None
    entry_hash: str              # changes when the entry changes at the source

    @property
    def has_full_content(self) -> bool:
        return len(self.content_text) >= FULL_CONTENT_CHARS or (
            bool(self.content_text) and len(self.content_text) > 2 * max(len(self.summary), 1)
        )


@dataclass(frozen=True)
class ParsedFeed:
    feed_id: str
    title: str
    version: str
    entries: tuple[Entry, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)


def _struct_time_to_utc(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _safe_link(link: str | None, base_url: str, local_root: Path | None) -> str | None:
    """Only http(s) links; file links only inside the local feed's own folder."""
    if not link:
        return None
    link = link.strip()
    scheme = urlsplit(link).scheme.lower()
    if scheme in ("http", "https"):
        return link
    if scheme == "file" and local_root is not None:
        parts = urlsplit(link)
        # feedparser's resolver turns file:///a/b into file://a/b: the "host" is the first folder.
        host = parts.netloc if parts.netloc not in ("", "localhost") else ""
        path = Path(unquote(f"/{host}{parts.path}" if host else parts.path)).resolve()
        if path.is_relative_to(local_root.resolve()):
            return path.as_uri()
    return None


def _looks_like(body: bytes) -> str | None:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if not head:
        return "an empty body"
    if head[:1] in (b"{", b"["):
        return "JSON"
    if head.startswith(b"<!doctype html") or b"<html" in head[:512] or (
        b"<head" in head and b"<rss" not in head and b"<feed" not in head
    ):
        return "an HTML page"
    return None


def parse_feed(body: bytes, *, feed_id: str, url: str, headers: dict[str, str] | None = None,
               local_root: Path | None = None, max_entries: int = MAX_ENTRIES) -> ParsedFeed:
    """Parse feed bytes fetched from ``url`` (the final URL, so relative links resolve)."""
    what = _looks_like(body)
    if what:
        raise NotAFeedError(f"not a feed: {what} where a feed was expected", feed=feed_id)
    problems: list[str] = []
    if _ENTITY_DECL.search(body[:65536]):
        body = _INTERNAL_SUBSET.sub(b"", body, count=1)
        problems.append("entity declarations in the feed's DTD were removed (possible entity-expansion attack)")
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    response_headers["content-location"] = url
    response_headers.setdefault("content-type", "application/xml")
    parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=True,
                              resolve_relative_uris=True)
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problems.append(f"feed is not well-formed ({type(exc).__name__}: {str(exc)[:300]}); readable entries kept")
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeedError("not a feed: no RSS or Atom structure found", feed=feed_id)

    entries: list[Entry] = []
    seen: set[str] = set()
    raw_entries = parsed.entries
    if len(raw_entries) > max_entries:
        problems.append(f"feed has {len(raw_entries)} entries; only the first {max_entries} were read")
        raw_entries = raw_entries[:max_entries]
    for raw in raw_entries:
        entry = _entry(raw, feed_id=feed_id, base_url=url, local_root=local_root, problems=problems)
        if entry.entry_id in seen:
            problems.append(f"duplicate entry {entry.guid or entry.link or entry.title!r} in the feed; kept the first")
            continue
        seen.add(entry.entry_id)
        entries.append(entry)
    title = clean_line(html_to_text(parsed.feed.get("title", "") or ""), MAX_TITLE_CHARS)
    return ParsedFeed(feed_id, title, parsed.get("version", "") or "", tuple(entries), tuple(problems))


def _entry(raw: Any, *, feed_id: str, base_url: str, local_root: Path | None, problems: list[str]) -> Entry:
    raw_link = raw.get("link")
    link = _safe_link(raw_link, base_url, local_root)
    if raw_link and link is None:
        problems.append(f"unsafe or unsupported link dropped: {str(raw_link)[:200]}")
    title = clean_line(html_to_text(raw.get("title", "") or ""), MAX_TITLE_CHARS)
    summary = clean_text(html_to_text((raw.get("summary", "") or "")[:MAX_SUMMARY_CHARS]))
    content_html = None
    contents = raw.get("content") or []
    if contents:
        content_html = max((c.get("value", "") or "" for c in contents), key=len)[:MAX_CONTENT_CHARS] or None
    content_text = clean_text(html_to_text(content_html)) if content_html else ""
    if content_text and summary and content_text.startswith(summary[:200]) and len(summary) > len(content_text):
        content_text = summary
    published = _struct_time_to_utc(raw.get("published_parsed")) or _struct_time_to_utc(raw.get("created_parsed"))
    updated = _struct_time_to_utc(raw.get("updated_parsed"))
    if published is None and updated is not None and "published" not in raw:
        published = None  # an updated stamp alone is not a publication date; trust rules decide later
    guid = clean_line(str(raw.get("id") or ""), 2000) or None
    identity = guid or (canonical_url(link) if link else None)
    if identity:
        entry_id = stable_id(feed_id, identity)
    else:
        entry_id = stable_id(feed_id, "no-id", title, summary[:500], published.isoformat() if published else "")
    entry_hash = stable_id(title, summary, content_text, link, updated.isoformat() if updated else "", length=32)
    author = clean_line(str(raw.get("author") or ""), 200) or None
    return Entry(
        entry_id=entry_id, feed_id=feed_id, guid=guid, link=link, title=title, summary=summary,
        content_html=content_html, content_text=content_text, published_at=published,
        updated_at=updated, author=author, entry_hash=entry_hash,
    )
