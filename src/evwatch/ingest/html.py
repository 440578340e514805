"""HTML to plain text for feed-supplied snippets (titles, summaries, entry content).

Full pages go through trafilatura in ``pages``; these fragments are small and already the
article, so beautifulsoup4 is enough: drop scripts and styles, keep paragraph breaks.
"""

from __future__ import annotations

import html as html_lib
import re

from bs4 import BeautifulSoup

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article")
_TAG = re.compile(r"<[a-zA-Z!/]")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment; text without markup is only unescaped."""
    if not fragment:
        return ""
    if not _TAG.search(fragment):
        return html_lib.unescape(fragment)
    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup(["script", "style", "noscript", "iframe", "object", "embed", "template", "svg"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n" if tag.name != "br" else "\n")
    return soup.get_text()
