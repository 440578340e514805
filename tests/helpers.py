"""Shared helpers for the ingestion tests.

A config folder written into ``tmp_path`` (settings + feeds, the local test server's hosts
allowed), builders for RSS items and article pages, a small corpus of realistic article texts,
a fixed clock, and read-only looks into a warehouse file. Nothing here replaces our own code:
tests run the real pipeline against a real DuckDB file and a real local HTTP server.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import yaml

from evwatch.config import Settings, load_settings

#: Limits for tests: fail fast, never retry with real sleeps, allow the local test server.
TEST_FETCH: dict[str, Any] = {
    "connect_timeout": 2, "read_timeout": 3, "deadline": 5, "retries": 0, "backoff_base": 0.01,
    "max_concurrency": 4, "per_host_concurrency": 2, "allowed_hosts": ["127.0.0.1", "localhost"],
}
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def write_config(folder: Path, feeds: Sequence[dict[str, Any]] = (), *, fetch: dict[str, Any] | None = None,
                 warehouse: dict[str, Any] | None = None, channels: Sequence[dict[str, Any]] | None = None) -> Path:
    """Write ``evwatch.yaml`` and ``feeds.yaml`` (and ``alerts.yaml`` if channels are given)
    into ``folder``; the warehouse is ``folder/evwatch.duckdb``. Returns the settings file."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "warehouse": {"path": "evwatch.duckdb", "lock_timeout_seconds": 5, **(warehouse or {})},
        "fetch": {**TEST_FETCH, **(fetch or {})},
    }
    (folder / "evwatch.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    (folder / "feeds.yaml").write_text(yaml.safe_dump({"feeds": list(feeds)}, sort_keys=False), encoding="utf-8")
    if channels is not None:
        (folder / "alerts.yaml").write_text(yaml.safe_dump({"channels": list(channels)}), encoding="utf-8")
    return folder / "evwatch.yaml"


def make_settings(folder: Path, feeds: Sequence[dict[str, Any]] = (), **options: Any) -> Settings:
    """Settings loaded from a config folder written by :func:`write_config` (no environment)."""
    return load_settings(write_config(folder, feeds, **options), env={})


class Clock:
    """A fixed clock for the pipeline's ``now``; ``advance`` moves it on."""

    def __init__(self, start: datetime = NOW):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def unused_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- feeds and pages

def rss(*items: str, title: str = "Test Wire", encoding: str = "utf-8") -> str:
    """An RSS 2.0 document around the given ``<item>`` strings."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f"<channel><title>{escape(title)}</title><link>https://news.example/</link>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def item(title: str | None = None, *, guid: str | None = None, permalink: bool = False, link: str | None = None,
         summary: str | None = None, content: str | None = None, published: str | None = None) -> str:
    """One RSS ``<item>``; ``content`` becomes ``content:encoded`` (paragraphs in ``<p>``)."""
    parts = []
    if title is not None:
        parts.append(f"<title>{escape(title)}</title>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="{str(permalink).lower()}">{escape(guid)}</guid>')
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if summary is not None:
        parts.append(f"<description>{escape(summary)}</description>")
    if content is not None:
        html = "".join(f"<p>{escape(p)}</p>" for p in content.split("\n\n"))
        parts.append(f"<content:encoded><![CDATA[{html}]]></content:encoded>")
    if published is not None:
        parts.append(f"<pubDate>{published}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


NAV = "Home World Business Technology Markets Subscribe Sign in"
FOOTER = "Copyright 2025 Example Media Group. All rights reserved. Privacy policy. Cookie settings."


def page(title: str, text: str, *, canonical: str | None = None, published: str | None = None) -> str:
    """An article page with site navigation and a footer around the article (boilerplate that
    extraction must leave out)."""
    head = f"<title>{escape(title)} | Example News</title>"
    if canonical:
        head += f'<link rel="canonical" href="{escape(canonical)}">'
    if published:
        head += f'<meta property="article:published_time" content="{published}">'
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    links = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in NAV.split(" ", 5)[:5])
    return (
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{head}</head><body>"
        f'<header><nav><ul>{links}</ul><a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a></nav></header>'
        f"<main><article><h1>{escape(title)}</h1>{paragraphs}</article></main>"
        f'<aside><h3>Most read</h3><ul><li><a href="/x">Markets close mixed</a></li></ul></aside>'
        f"<footer><p>{FOOTER}</p></footer></body></html>"
    )


# --------------------------------------------------------------------------- article texts

ARTICLES: dict[str, tuple[str, str]] = {
    "sdi-xiaomi": (
        "Samsung SDI in talks to supply batteries for Xiaomi's next electric SUV",
        "Samsung SDI is in advanced talks with Xiaomi to supply cylindrical battery cells for the Chinese "
        "smartphone maker's second electric vehicle, according to three people familiar with the discussions.\n\n"
        "The deal, if signed, would make the South Korean battery maker one of the first foreign suppliers "
        "to Xiaomi EV, which has so far relied on CATL and BYD's FinDreams unit for the packs in its SU7 sedan. "
        "The people said the companies were discussing volumes of around 100,000 vehicles a year from 2026.\n\n"
        "Xiaomi declined to comment. A Samsung SDI spokesperson said the company does not comment on "
        "discussions with customers. Shares of Samsung SDI rose 4 percent in Seoul on Tuesday after the report.",
    ),
    "display": (
        "Samsung Display to build OLED cockpit screens for Hyundai from 2027",
        "Samsung Display has won an order to supply large curved OLED panels for the dashboards of Hyundai "
        "Motor's next generation of electric cars, the company said in a regulatory filing on Monday.\n\n"
        "The panels will be made at the Asan campus, where the company is converting an older LCD line to "
        "automotive OLED. Production is due to start in the second half of 2027, and the contract runs for "
        "five years. Samsung Display did not disclose the value of the order, but analysts at a Seoul "
        "brokerage estimated it at more than one trillion won over the life of the programme.\n\n"
        "Automotive screens are a small but fast growing part of the display market, as carmakers replace "
        "dials and buttons with wide touch screens that stretch across the cabin.",
    ),
    "lei-jun": (
        "Lei Jun says Xiaomi will deliver 350,000 cars this year",
        "Xiaomi founder and chief executive Lei Jun told shareholders on Thursday that the company now "
        "expects to deliver 350,000 electric cars this year, raising its target for the second time since "
        "January as demand for the YU7 crossover outstrips supply.\n\n"
        "Speaking at the annual meeting in Beijing, Lei said the second phase of the Yizhuang factory would "
        "reach full output in the autumn and that a third plant was being planned. Xiaomi delivered more "
        "than 40,000 cars in June alone, its best month since sales began.\n\n"
        "Investors have rewarded the push into cars: Xiaomi's Hong Kong listed shares have more than doubled "
        "over the past twelve months, making it one of the best performing large technology stocks in Asia.",
    ),
    "harman": (
        "Harman buys in-car audio startup to deepen software push",
        "Harman International, the Samsung Electronics subsidiary that supplies infotainment systems to "
        "carmakers, has agreed to buy a small Munich startup that makes software for spatial audio in cars.\n\n"
        "Terms were not disclosed. The startup employs about sixty people and its software runs on the "
        "central computers that are replacing dozens of separate control units in modern vehicles. Harman "
        "said the purchase would let it sell audio features as over the air upgrades after a car is sold.\n\n"
        "The deal is the third acquisition by Harman in two years, as Samsung looks for growth outside its "
        "memory chip and smartphone businesses, both of which swing with the global economic cycle.",
    ),
    # Same topic as "sdi-xiaomi" (Samsung SDI, Xiaomi, batteries) but a different article.
    "sdi-xiaomi-denied": (
        "Samsung SDI denies battery supply agreement with Xiaomi",
        "Samsung SDI on Wednesday denied a newspaper report that it had signed a contract to provide "
        "battery cells to Xiaomi's car unit, saying in a filing to the Korea Exchange that nothing had "
        "been decided.\n\n"
        "The Korean company said it reviews many opportunities with electric vehicle makers in China and "
        "elsewhere and would disclose any agreement once it was concluded. Xiaomi also said it had no "
        "information to share on its suppliers for future models.\n\n"
        "Analysts said a tie up would make sense for both sides, since Samsung SDI needs new customers as "
        "sales to European carmakers slow, while Xiaomi wants more than two sources of cells as it expands "
        "production. Samsung SDI shares gave up part of their earlier gains after the denial.",
    ),
}


def words_changed(text: str, changes: dict[str, str]) -> str:
    """The text with a few words replaced, as an outlet re-running a wire story would."""
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# --------------------------------------------------------------------------- looking into a warehouse

def rows(db: Path, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Rows of a query against the warehouse file, opened read-only and closed again."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql, params).fetchall() if params is not None else conn.execute(sql).fetchall()
    finally:
        conn.close()


def table_counts(db: Path) -> dict[str, int]:
    """Row count of every table in the warehouse."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()
