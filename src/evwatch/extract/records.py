"""Typed records produced by the extraction stage.

Every mention is traced to its article, its sentence and character offsets into the article's
stored ``text`` (``text[char_start:char_end] == surface`` for company, person and figure
mentions; partnership mentions span their sentence). The same words name these things in
Python, in SQL views and in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What extraction reads of a stored article."""

    article_id: str
    title: str
    text: str
    published_at: datetime | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class CompanyMention:
    article_id: str
    company: str            # canonical name ("Samsung SDI"); for unresolved organisations, the name as written
    parent_company: str     # the group ("Samsung"); equals company for a top-level company
    surface: str            # exactly as written in the text ("Samsung's", "三星", "SDI")
    sentence_index: int
    sentence: str
    char_start: int
    char_end: int
    resolved: bool = True   # False: an organisation not in the catalogue, kept so a new partner can surface
    kind: str = ""          # carmaker, supplier, tech, ... from the catalogue ("" if unresolved)


@dataclass(frozen=True, slots=True)
class PersonMention:
    article_id: str
    person: str             # canonical name ("Lee Jae-yong")
    role: str               # as stated in the text, normalised ("chairman"); "" if not stated
    company: str            # canonical company the role belongs to; "" if not stated
    surface: str
    sentence_index: int
    sentence: str
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class Figure:
    article_id: str
    company: str            # canonical company the figure belongs to; "" if none can be told
    metric: str             # deliveries, units_sold, orders, revenue, profit, capacity, investment, price, market_share, production, ...
    value: float            # normalised: 4.5e9 for "$4.5 billion"; for a range, the low end
    unit: str               # ISO currency (USD, CNY, KRW, EUR), "units", "orders", "percent", "GWh", ...
    period: str             # "2025", "2025-Q1", "2025-H1", "2025-03", "first year", "by 2027", "" if none
    kind: str               # actual, target, forecast
    qualifier: str          # about, over, under, up to, at least, "" if exact
    surface: str
    sentence_index: int
    sentence: str
    char_start: int
    char_end: int
    value_high: float | None = None   # the high end of a range ("300,000 to 350,000")


@dataclass(frozen=True, slots=True)
class PartnershipMention:
    article_id: str
    company_a: str          # for supply: the supplier
    company_b: str          # for supply: the customer
    group_a: str
    group_b: str
    relation: str           # meeting, talks, partnership, supply, joint_venture, investment, acquisition, competition
    stage: str              # speculated, in_talks, agreed, operational, ended, denied
    topic: str              # batteries, displays, chips, memory, automotive_electronics, infotainment, ev, autonomous_driving, ... or ""
    sentence_index: int
    sentence: str
    char_start: int         # the sentence's span in the text
    char_end: int


@dataclass(frozen=True, slots=True)
class Relevance:
    article_id: str
    score: float            # 0..1
    label: str              # core, context, adjacent, none
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleExtraction:
    """Everything extraction found in one article."""

    article_id: str
    companies: tuple[CompanyMention, ...] = ()
    people: tuple[PersonMention, ...] = ()
    figures: tuple[Figure, ...] = ()
    partnerships: tuple[PartnershipMention, ...] = ()
    relevance: Relevance | None = None
    extractor_version: str = ""
    meta: dict[str, str] = field(default_factory=dict)
