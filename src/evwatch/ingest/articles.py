"""From feed entries, pages and files to article candidates ready to store.

Pure functions: they take what was fetched and return typed records; the warehouse decides
what is new, what is a new version and what is a syndicated copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evwatch.config import FeedConfig
from evwatch.ingest.feeds import Entry
from evwatch.ingest.html import html_to_text
from evwatch.ingest.normalize import (
    canonical_url, clean_line, clean_text, content_hash, detect_language, is_http_url, same_site, stable_id,
    trusted_date,
)
from evwatch.ingest.pages import MAX_TITLE_CHARS, PageContent, extract_page

#: A GUID this long (or a URL) is taken to be globally unique; shorter ones only within a feed.
GLOBAL_GUID_CHARS = 16


@dataclass(frozen=True, slots=True)
class ArticleCandidate:
    """An article as read from its source, before the warehouse gives it an identity."""

    url: str | None             # canonical
    link: str | None            # as found
    source: str
    feed_id: str | None
    entry_id: str | None
    guid: str | None
    title: str
    summary: str
    text: str
    raw_html: str | None
    published_at: datetime
    date_trusted: bool
    date_note: str | None
    language: str | None
    origin: str                 # feed, page, manual
    fetched_at: datetime
    content_hash: str
    #: A rel=canonical on another site (a syndication partner naming the original outlet): not
    #: this article's identity, only a hint of which stored article it copies.
    canonical_hint: str | None = None
    #: The text is the feed's because the linked page could not be read: never a new version
    #: over text that came from the page.
    summary_fallback: bool = False

    @property
    def aliases(self) -> tuple[str, ...]:
        """Keys under which this article is recognised again."""
        keys = []
        if self.url:
            keys.append(f"url:{self.url}")
        if is_http_url(self.link):
            link = canonical_url(self.link)
            if link != self.url:
                keys.append(f"url:{link}")
        if self.guid:
            unique = len(self.guid) >= GLOBAL_GUID_CHARS or self.guid.startswith(("http://", "https://", "urn:", "tag:"))
            keys.append(f"guid:{self.guid}" if unique else f"guid:{self.feed_id}:{self.guid}")
        if self.entry_id:
            keys.append(f"entry:{self.entry_id}")
        keys.append(f"content:{self.content_hash}")
        return tuple(keys)

    @property
    def proposed_id(self) -> str:
        """The id a new article gets: from its canonical URL, else its entry, else its content."""
        if self.url:
            return stable_id("url", self.url)
        if self.entry_id:
            return stable_id("entry", self.entry_id)
        return stable_id("content", self.content_hash)


def needs_page(entry: Entry, feed: FeedConfig) -> bool:
    """Whether the linked page must be fetched to get the full text."""
    if not entry.link or feed.full_text == "never":
        return False
    return feed.full_text == "always" or not entry.has_full_content


def trusted_canonical(canonical: str | None, *locations: str | None) -> tuple[str | None, str | None]:
    """A page's rel=canonical as (identity, hint): the identity when it is on the site of one of
    the locations the page was reached by (its final URL, the feed's link), else only a hint.

    Syndication partners publish copies whose canonical names the original outlet's URL;
    taking it as identity would file the copy as a new version of the original. A page read
    from a file (a mirrored feed's folder, a document given by hand) has no site of its own:
    its canonical URL says where it was published.
    """
    if not canonical:
        return None, None
    sites = [location for location in locations if is_http_url(location)]
    if not sites or any(same_site(canonical, location) for location in sites):
        return canonical, None
    return None, canonical


def from_entry(entry: Entry, feed: FeedConfig, *, page: PageContent | None, fetched_at: datetime,
               first_seen: datetime | None = None) -> ArticleCandidate:
    """The article of a feed entry, with the linked page's text when it was fetched.

    ``first_seen`` is when the entry was first seen (an undated entry is dated by it, whichever
    run stores the version); it defaults to ``fetched_at`` for an entry seen for the first time.
    """
    if page is not None and page.text:
        text, raw_html, origin = page.text, page.html, "page"
    else:
        text = entry.content_text or entry.summary
        raw_html, origin = entry.content_html, "feed"
    title = entry.title or (page.title if page else "") or clean_line(text[:120], MAX_TITLE_CHARS)
    url, hint = trusted_canonical(page.canonical_url if page else None, page.url if page else None, entry.link)
    if url is None and is_http_url(entry.link):
        url = canonical_url(entry.link)
    published = entry.published_at or (page.published_at if page else None)
    published_at, trusted, note = trusted_date(published, first_seen or fetched_at, now=fetched_at)
    language = (page.language if page is not None and page.text else None) or detect_language(f"{title}\n{text}")
    return ArticleCandidate(
        url=url, link=entry.link, source=feed.outlet, feed_id=feed.name, entry_id=entry.entry_id,
        guid=entry.guid, title=title, summary=entry.summary, text=text, raw_html=raw_html,
        published_at=published_at, date_trusted=trusted, date_note=note, language=language,
        origin=origin, fetched_at=fetched_at, content_hash=content_hash(title, text), canonical_hint=hint,
        summary_fallback=origin == "feed" and needs_page(entry, feed),
    )


def from_document(body: bytes, *, location: str, fetched_at: datetime, title: str | None = None,
                  published: datetime | None = None, source: str | None = None,
                  content_type: str | None = None) -> ArticleCandidate:
    """One article given by hand: an HTML, Markdown or text file, or a fetched URL."""
    is_url = is_http_url(location)
    suffix = Path(location.split("?")[0]).suffix.lower()
    looks_html = (content_type or "").lower().startswith(("text/html", "application/xhtml")) or suffix in (".html", ".htm") or (
        not suffix and body.lstrip()[:1] == b"<"
    )
    url: str | None = canonical_url(location) if is_url else None
    raw_html: str | None = None
    hint: str | None = None
    site_name = ""
    if looks_html:
        page = extract_page(body, location, content_type=content_type)
        text, raw_html = page.text, page.html
        found_title = page.title
        own, hint = trusted_canonical(page.canonical_url, location)
        url = own or url
        published = published or page.published_at
        site_name = page.site_name
    else:
        raw = body.decode("utf-8", errors="replace")
        text, found_title = _plain_or_markdown(raw, markdown=suffix in (".md", ".markdown"), take_title=not title)
    final_title = clean_line(title or found_title or text[:120], MAX_TITLE_CHARS)
    published_at, trusted, note = trusted_date(published, fetched_at)
    # The outlet: as the page names itself, else the host it was read from or says it lives at;
    # a file's own name only when nothing better is known.
    default_source = site_name or (location.split("/")[2] if is_url else (
        url.split("/")[2] if url and is_http_url(url) else Path(location).name))
    return ArticleCandidate(
        url=url, link=location if is_url else None, source=source or default_source, feed_id=None,
        entry_id=None, guid=None, title=final_title, summary="", text=text, raw_html=raw_html,
        published_at=published_at, date_trusted=trusted, date_note=note,
        language=detect_language(f"{final_title}\n{text}"), origin="manual", fetched_at=fetched_at,
        content_hash=content_hash(final_title, text), canonical_hint=hint,
    )


def _plain_or_markdown(raw: str, *, markdown: bool, take_title: bool = True) -> tuple[str, str]:
    """Text and title of a text or Markdown file: front matter's title, a first heading, or a
    short first line standing alone above the body."""
    lines = raw.replace("\r\n", "\n").split("\n")
    title = ""
    if markdown and lines and lines[0].strip() == "---":  # front matter
        try:
            end = lines.index("---", 1)
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                if key.strip().lower() == "title":
                    title = value.strip().strip("\"'")
            lines = lines[end + 1 :]
        except ValueError:
            pass
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and not title and take_title:
        first = lines[0].strip()
        has_body = any(line.strip() for line in lines[1:])
        if markdown and first.startswith("#"):
            title = first.lstrip("#").strip()
            lines.pop(0)
        elif has_body and len(first) <= 200 and not lines[1].strip():
            title = first
            lines.pop(0)
    body = "\n".join(lines)
    if markdown:
        import re

        body = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body)           # images
        body = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", body)         # links keep their text
        # [ \t], not \s: a marker must not swallow the blank line before it (a paragraph break).
        body = re.sub(r"^[ \t]{0,3}(#{1,6}|>|[-*+]|\d+\.)[ \t]+", "", body, flags=re.M)
        body = re.sub(r"(\*\*|__|\*|_|`)(\S.*?\S|\S)\1", r"\2", body)
        body = html_to_text(body) if "<" in body else body
    return clean_text(body), title
