"""Developments: facts of a watched story with a stable key, and how they change.

An :class:`Observation` is what one article says about one fact; a :class:`Development` is the
fact as the warehouse knows it after all reports so far; a :class:`Change` is what one report
did to it (created it, advanced or ended its stage, revised its figure, exposed a conflict).
Corroborations add sources and raise confidence but are not changes: they never alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

#: Stages of a partnership, in the order they normally advance.
STAGE_ORDER = ("speculated", "in_talks", "agreed", "operational")
#: Stages that end a partnership's normal course; reaching one is always a change.
TERMINAL_STAGES = ("ended", "denied")

#: Roles of a report among a development's sources.
ROLE_FIRST = "first report"          # created the development
ROLE_CORROBORATION = "corroboration"  # said the same again (or the same figure in another unit)
ROLE_UPDATE = "update"                # moved the stage or revised the figure
ROLE_CONFLICT = "conflict"            # disagreed with a report of about the same time
ROLE_COPY = "copy"                    # a syndicated copy of a report already counted
ROLE_SUPERSEDED = "superseded"        # a report of a state left behind: read late, a replaced value
                                      # restated, or a stage going back


def advances(old: str | None, new: str | None) -> bool:
    """Whether moving from stage ``old`` to ``new`` is news: forwards along STAGE_ORDER, or to a
    terminal stage it was not in. Anything else is a move back (agreed → speculated, or ended →
    in talks): what a stale or rewritten report says, not a change."""
    if new == old or new is None:
        return False
    if new in TERMINAL_STAGES:
        return True
    if old in TERMINAL_STAGES:
        return False
    if old not in STAGE_ORDER or new not in STAGE_ORDER:
        return True                     # a stage outside the vocabulary: any move is news
    return STAGE_ORDER.index(new) > STAGE_ORDER.index(old)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (naive ones are taken to be UTC, as the warehouse stores them)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a development needs to know about the article that reported it."""

    article_id: str
    published_at: datetime
    source: str
    url: str | None
    title: str
    duplicate_of: str | None = None     # syndicated copies count once
    relevance: float = 0.0
    relevance_label: str = "none"


@dataclass(frozen=True, slots=True)
class Observation:
    """One article's report of one fact."""

    key: str                     # stable: e.g. "partnership|Samsung|Xiaomi|supply|batteries"
    kind: str                    # partnership, meeting, figure
    article: ArticleMeta
    evidence: str                # the sentence
    subject: str | None = None   # partnership: group of company_a (the supplier for supply); figure: company
    object: str | None = None    # partnership: group of company_b
    relation: str | None = None
    topic: str | None = None
    stage: str | None = None
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    period: str | None = None
    figure_kind: str | None = None
    units: tuple[str, ...] = ()  # the named units (e.g. "Samsung SDI") behind the groups
    context_values: tuple[float, ...] = ()  # figure: other values the same article gives for the
                                            # fact (the 300,000 in "raised from 300,000 to 350,000")


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str                   # created, stage, value, status
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class SourceRef:
    article_id: str
    role: str                    # first report, corroboration, update, conflict, copy, superseded
    published_at: datetime
    source: str
    url: str | None
    title: str
    evidence: str
    stage: str | None = None
    value: float | None = None
    unit: str | None = None
    relevance: float = 0.0
    relevance_label: str = ""
    duplicate_of: str | None = None   # the article this report is a syndicated copy of

    @property
    def outlet(self) -> str:
        """Who published it: the outlet's name, else the URL's host, else the article itself."""
        if self.source:
            return self.source
        if self.url and "//" in self.url:
            return self.url.split("//", 1)[1].split("/", 1)[0]
        return self.article_id


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One field of one change of a development (a row of ``development_history``)."""

    changed_at: datetime         # publication time of the report that changed it
    change: str                  # new, updated, conflict
    field: str                   # created, stage, value, status
    old: str | None
    new: str | None
    article_id: str


@dataclass
class Development:
    development_id: str
    watch: str
    kind: str
    key: str
    summary: str
    subject: str | None
    object: str | None
    relation: str | None
    topic: str | None
    stage: str | None
    metric: str | None
    value: float | None
    unit: str | None
    period: str | None
    figure_kind: str | None
    status: str                  # new, updated, conflict
    conflict: str | None
    score: float
    reasons: tuple[str, ...]
    alert_class: str             # now, digest, none
    evidence: str
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime | None
    first_article_id: str
    source_count: int
    sources: list[SourceRef] = field(default_factory=list)
    held: bool = False           # speculative and not yet backed by enough independent sources to alert
    conflict_claims: tuple[str, ...] = ()   # while status is conflict: the disagreeing stages or values
    units: tuple[str, ...] = ()  # the named units behind the groups (e.g. "Samsung SDI")
    history: list[HistoryEntry] = field(default_factory=list)

    def copy(self) -> Development:
        """A copy whose source and history lists can grow without touching this one."""
        return replace(self, sources=list(self.sources), history=list(self.history))

    def counted_sources(self) -> list[SourceRef]:
        """The reports that count: every source but syndicated copies."""
        return [s for s in self.sources if s.role != ROLE_COPY]


@dataclass(frozen=True)
class Change:
    """What one report did to a development: the unit an alert is made of."""

    development: Development      # the state after the change
    change: str                   # new, updated, conflict
    fields: tuple[FieldChange, ...]
    trigger: SourceRef            # the report that caused it
    at: datetime                  # the trigger's publication time

    @property
    def alert_class(self) -> str:
        """now, digest or none: how the watch wants to hear about this development."""
        return self.development.alert_class
