"""Normalising what the web gives us: canonical URLs, stable ids, trusted dates, clean text,
content hashes and language.

Everything here is a pure function so that the same input always yields the same keys: that
is what makes a rerun change nothing.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that track the reader rather than name the page.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_hsenc", "_hsmi", "mkt_tok", "cmpid", "ncid", "ocid", "sr_share", "spm", "share", "ref_src",
    "ref_url", "guccounter", "guce_referrer", "guce_referrer_sig", "oly_enc_id", "oly_anon_id",
    "vero_id", "wt.mc_id", "__twitter_impression", "s_cid", "rss", "from", "taid", "cid",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "itm_")

#: A publication date outside this window is not trusted.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]")
# In a URL even tabs and newlines are noise (browsers drop them too), so all C0 controls go.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b\u2028\u2029\ufeff]")
_HTTP_URL = re.compile(r"^https?://", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def strip_control(text: str) -> str:
    """Remove control and invisible characters (keeping newlines and tabs as spaces)."""
    return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Plain text as stored: NFC, no control characters, single spaces, paragraphs kept."""
    text = unicodedata.normalize("NFC", strip_control(text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(text: str, limit: int) -> str:
    """A one-line field (title, author) cleaned and capped."""
    line = _SPACES.sub(" ", strip_control(text).replace("\n", " ")).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def clean_url(url: str) -> str:
    """A URL without control or invisible characters and surrounding spaces."""
    return _URL_CONTROL.sub("", url).strip()


def is_http_url(value: str | None) -> bool:
    """Whether the value is an http(s) URL (the scheme in any case: ``HTTPS://`` too)."""
    return bool(value) and _HTTP_URL.match(value.strip()) is not None


def canonical_url(url: str) -> str:
    """The URL with tracking parameters, fragment, default port, case noise and control
    characters removed."""
    url = clean_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a broken IPv6 host or a port that is not 0-65535: nothing to normalise
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def _site(url: str) -> str:
    """The registrable domain of a URL's host (news.example.com → example.com, by the public
    suffix list), else the host itself without a leading "www."."""
    from tld import get_fld

    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    return get_fld(host, fix_protocol=True, fail_silently=True) or host.removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """Whether two URLs belong to one site: the same registrable domain (www.example.com,
    news.example.com and example.com do; example.com and yahoo.com do not)."""
    site_a, site_b = _site(a), _site(b)
    if not site_a or not site_b:
        return False
    return site_a == site_b or site_a.endswith("." + site_b) or site_b.endswith("." + site_a)


def stable_id(*parts: str | None, length: int = 16) -> str:
    """A short, stable hex id from the given parts (None and "" count as empty)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def content_hash(title: str, text: str) -> str:
    """Hash of the normalised title and text: unchanged content gives the same hash whatever
    the whitespace or case noise."""
    norm = re.sub(r"\W+", " ", f"{title}\n{text}".casefold()).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def trusted_date(published: datetime | None, first_seen: datetime, *,
                 now: datetime | None = None) -> tuple[datetime, bool, str | None]:
    """The publication time to store, whether it is trusted, and why not.

    A missing date, a date in the future (of ``now``, default the first-seen time) or one
    before 1990 falls back to the first-seen time.
    """
    first_seen = as_utc(first_seen)
    if published is None:
        return first_seen, False, "missing"
    published = as_utc(published)
    if published > as_utc(now or first_seen) + FUTURE_TOLERANCE:
        return first_seen, False, f"in the future ({published.isoformat()})"
    if published < EARLIEST_PLAUSIBLE:
        return first_seen, False, f"before 1990 ({published.isoformat()})"
    return published, True, None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 or RFC 822 date string as UTC, or None if it cannot be read."""
    if not value:
        return None
    value = value.strip()
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


_identifier_lock = threading.Lock()
_identifier = None


def _language_identifier():
    # Loading the model takes a second and a lot of memory: do it once, even when many fetch
    # threads ask for it at the same moment.
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid import langid

            _identifier = langid._get_identifier()
    return _identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text."""
    sample = text[:600]  # enough words to tell a language; the classifier's cost grows with length
    words = re.findall(r"\w+", sample)
    if len(words) < 8 and not (len(words) >= 1 and len(sample.strip()) >= 20 and not sample.isascii()):
        return None
    language, _ = _language_identifier().classify(sample)
    return language
