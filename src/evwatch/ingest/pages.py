"""Main-text extraction from article pages, with trafilatura.

trafilatura scores best on the public article-extraction benchmark (``evwatch bench`` prints our
F1 on it). Metadata that trafilatura reduces (it keeps only the day of a publication time) is
read from the page head ourselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import trafilatura
from bs4 import UnicodeDammit
from lxml import html as lxml_html

from evwatch.ingest.normalize import (
    canonical_url, clean_line, clean_text, detect_language, parse_datetime,
)

MAX_TITLE_CHARS = 500
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
)
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)


@dataclass(frozen=True, slots=True)
class PageContent:
    title: str
    text: str
    canonical_url: str | None   # as the page declares it, on any host: the caller decides whether to trust it
    published_at: datetime | None
    language: str | None
    html: str
    url: str = ""               # where the page was read from (after redirects)
    site_name: str = ""         # the outlet as the page names itself (og:site_name and the like)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text: the declared charset if it decodes, else what the bytes say they are."""
    declared = _CHARSET.search(content_type or "")
    candidates = [declared.group(1)] if declared else []
    return UnicodeDammit(body, known_definite_encodings=candidates, is_html=True).unicode_markup or ""


def _head_metadata(markup: str, page_url: str) -> tuple[str | None, datetime | None]:
    try:
        tree = lxml_html.fromstring(markup[:500_000], base_url=page_url)
    except (ValueError, lxml_html.etree.ParserError):
        return None, None
    canonical = None
    for href in tree.xpath('//link[translate(@rel,"CANONICAL","canonical")="canonical"]/@href'):
        absolute = lxml_html.urljoin(page_url, href.strip())
        if not absolute.startswith(("http://", "https://")):
            continue
        if urlsplit(absolute).path in ("", "/") and urlsplit(page_url).path not in ("", "/"):
            # A CMS template giving every article the home page as canonical names no article;
            # following it would merge all of a site's articles into one.
            continue
        canonical = absolute
        break
    published = None
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _DATE_META:
            published = parse_datetime(meta.get("content"))
            if published:
                break
    if published is None:
        for stamp in tree.xpath("//time[@datetime]/@datetime")[:1]:
            published = parse_datetime(stamp)
    return canonical, published


def extract_page(body: bytes | str, url: str, *, content_type: str | None = None) -> PageContent:
    """The article in a page: title, main text, canonical URL, publication time, language.

    A page with no extractable article gives ``text == ""``; the caller reports it.
    """
    markup = body if isinstance(body, str) else decode_html(body, content_type)
    canonical, published = _head_metadata(markup, url)
    document = trafilatura.bare_extraction(
        markup, url=url if url.startswith("http") else None, favor_precision=True,
        include_comments=False, include_tables=True, with_metadata=True,
    )
    title, text, site_name = "", "", ""
    if document is not None:
        site_name = clean_line(document.sitename or "", 80)
        title = clean_line(document.title or "", MAX_TITLE_CHARS)
        text = clean_text(document.text or "")
        if published is None and document.date:
            published = parse_datetime(document.date)
        first, _, rest = text.partition("\n")
        if title and first.strip() == title:  # trafilatura repeats the headline as the first line
            text = rest.strip()
    return PageContent(
        title=title,
        text=text,
        canonical_url=canonical_url(canonical) if canonical else None,
        published_at=published,
        language=detect_language(text) if text else None,
        html=markup,
        url=url,
        site_name=site_name,
    )
