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
from evwatch.ingest.normalize import canonical_url, clean_line, clean_text, clean_url, stable_id

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
    link = clean_url(link or "")
    if not link:
        return None
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0-65535
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return link
    if scheme == "file" and local_root is not None:
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
    mime, _, params = response_headers["content-type"].partition(";")
    mime = mime.strip().lower()
    if (mime == "text/xml" or (mime.startswith("text/") and mime.endswith("+xml"))) and "charset" not in params.lower():
        # RFC 7303 retired RFC 3023's us-ascii default for text/xml without a charset: the
        # document's own declaration decides, as feedparser already does for application/xml.
        response_headers["content-type"] = "application/xml"
    parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=True,
                              resolve_relative_uris=True)
    if parsed.get("bozo"):
        problems.append(_bozo_problem(parsed.get("bozo_exception")))
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
    title = clean_line(_text(parsed.feed, "title"), MAX_TITLE_CHARS)
    return ParsedFeed(feed_id, title, parsed.get("version", "") or "", tuple(entries), tuple(problems))


def _bozo_problem(exc: BaseException | None) -> str:
    """The problem feedparser flagged, in words that say what it was: the feed kept being read."""
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"the feed's declared encoding was wrong ({detail}); read it in the encoding that worked"
    if isinstance(exc, feedparser.NonXMLContentType):
        return f"the feed was not served as XML ({detail}); parsed anyway"
    return f"feed is not well-formed ({detail}); readable entries kept"


def _text(element: Any, key: str, limit: int | None = None) -> str:
    """Plain text of a feed field. feedparser says whether it holds HTML or plain text; plain
    text must not go through an HTML parser, which reads "a<b and c" as a tag and drops words."""
    value = (element.get(key, "") or "")[:limit]
    if (element.get(f"{key}_detail") or {}).get("type") == "text/plain":
        return value
    return html_to_text(value)


def _entry(raw: Any, *, feed_id: str, base_url: str, local_root: Path | None, problems: list[str]) -> Entry:
    raw_link = raw.get("link")
    if raw.get("guidislink") and not re.match(r"^https?://", str(raw_link or ""), re.I):
        # feedparser copies a GUID into the link when there is no <link> (an Atom id, a tag: or
        # urn: GUID): an identifier, not a link that was dropped.
        raw_link = None
    link = _safe_link(raw_link, base_url, local_root)
    if raw_link and link is None:
        problems.append(f"unsafe or unsupported link dropped: {str(raw_link)[:200]}")
    title = clean_line(_text(raw, "title"), MAX_TITLE_CHARS)
    summary = clean_text(_text(raw, "summary", MAX_SUMMARY_CHARS))
    content_html = None
    contents = raw.get("content") or []
    if contents:
        content_html = max((c.get("value", "") or "" for c in contents), key=len)[:MAX_CONTENT_CHARS] or None
    content_text = clean_text(html_to_text(content_html)) if content_html else ""
    if content_text and summary and content_text.startswith(summary[:200]) and len(summary) > len(content_text):
        content_text = summary
    updated = _struct_time_to_utc(raw.get("updated_parsed"))
    # Atom makes <published> optional and RSS 1.0 dates items with dc:date, which feedparser
    # reads as "updated": the source's own stamp is closer to publication than our first-seen
    # time, and the trust rules (not in the future, not before 1990) still apply to it.
    stated = _struct_time_to_utc(raw.get("published_parsed")) or _struct_time_to_utc(raw.get("created_parsed"))
    published = stated or updated
    guid = clean_line(str(raw.get("id") or ""), 2000) or None
    identity = guid or (canonical_url(link) if link else None)
    if identity:
        entry_id = stable_id(feed_id, identity)
    else:
        # Not the updated stamp: an edit at the source must not turn the entry into another one.
        entry_id = stable_id(feed_id, "no-id", title, summary[:500], stated.isoformat() if stated else "")
    entry_hash = stable_id(title, summary, content_text, link, updated.isoformat() if updated else "", length=32)
    author = clean_line(str(raw.get("author") or ""), 200) or None
    return Entry(
        entry_id=entry_id, feed_id=feed_id, guid=guid, link=link, title=title, summary=summary,
        content_html=content_html, content_text=content_text, published_at=published,
        updated_at=updated, author=author, entry_hash=entry_hash,
    )
