"""Watch definitions: which story evwatch follows and what about it matters (config/watches.yaml).

A watch names two sides (catalogue groups) whose cooperation is the story, the topics and terms
that describe it, how an article's relevance is labelled, and which developments alert at once or
wait for the digest. Several watches may coexist; the first in the file is the default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evwatch.config import _read_yaml, describe_validation_error
from evwatch.errors import ConfigError

DEFAULT_WATCH = "samsung-xiaomi-ev"

#: The topic vocabulary shared with partnership mentions (docs/CONTRACTS.md).
TOPICS = (
    "batteries", "displays", "chips", "memory", "automotive_electronics", "infotainment", "ev",
    "autonomous_driving", "cameras", "software", "other",
)
FIGURE_KINDS = ("actual", "target", "forecast")
FIGURE_METRICS = (
    "deliveries", "units_sold", "orders", "revenue", "profit", "loss", "capacity", "investment", "price",
    "market_share", "production", "growth", "shipments", "employees", "valuation", "other",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertRule(_Strict):
    """One kind of development that alerts (or goes into the digest).

    ``companies`` are catalogue groups; a development matches when one of its companies belongs
    to one of them (any company if empty). ``between_sides`` asks for one company on each side.
    """

    kind: Literal["partnership", "meeting", "figure"]
    between_sides: bool = False
    companies: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    figure_kinds: list[str] = Field(default_factory=list)

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in FIGURE_METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; expected some of {list(FIGURE_METRICS)}")
        return value

    @field_validator("figure_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in FIGURE_KINDS]
        if unknown:
            raise ValueError(f"unknown figure kind(s) {unknown}; expected some of {list(FIGURE_KINDS)}")
        return value


class CoreRule(_Strict):
    score: float = Field(0.75, ge=0, le=1)
    min_ev_terms: int = Field(1, ge=0)
    min_ev_terms_without_partnership: int = Field(3, ge=0)


class ContextRule(_Strict):
    score: float = Field(0.5, ge=0, le=1)
    lead_sentences: int = Field(2, ge=0)
    min_side_ev_sentences: int = Field(2, ge=1)


class AdjacentRule(_Strict):
    score: float = Field(0.25, ge=0, le=1)
    min_ev_terms: int = Field(1, ge=0)


class RelevanceSettings(_Strict):
    """How an article is labelled; see config/watches.yaml for what each setting means."""

    ev_topics: list[str] = Field(default_factory=lambda: ["ev"])
    cooperation_terms: list[str] = Field(default_factory=list)
    adjacent_companies: list[str] = Field(default_factory=list)
    adjacent_terms: list[str] = Field(default_factory=list)
    core: CoreRule = CoreRule()
    context: ContextRule = ContextRule()
    adjacent: AdjacentRule = AdjacentRule()
    ev_terms_saturation: int = Field(5, ge=1)

    @model_validator(mode="after")
    def _ordered_scores(self) -> RelevanceSettings:
        if not self.adjacent.score < self.context.score < self.core.score:
            raise ValueError("expected adjacent.score < context.score < core.score")
        return self


class Watch(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    side_a: list[str] = Field(min_length=1)
    side_b: list[str] = Field(min_length=1)
    topics: dict[str, list[str]] = Field(default_factory=dict)
    relevance: RelevanceSettings = RelevanceSettings()
    alert_now: list[AlertRule] = Field(default_factory=list)
    digest: list[AlertRule] = Field(default_factory=list)
    min_relevance: float = Field(0.5, ge=0, le=1)
    min_sources_speculative: int = Field(1, ge=1)

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = [t for t in value if t not in TOPICS]
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; expected some of {list(TOPICS)}")
        return value

    @model_validator(mode="after")
    def _ev_topics_defined(self) -> Watch:
        missing = [t for t in self.relevance.ev_topics if t not in self.topics]
        if missing:
            raise ValueError(f"relevance.ev_topics names topic(s) {missing} that are not under topics")
        return self

    def side_of(self, group: str) -> str:
        """'a', 'b' or '' for a catalogue group."""
        if group in self.side_a:
            return "a"
        if group in self.side_b:
            return "b"
        return ""


class _WatchesFile(_Strict):
    watches: list[Watch] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> _WatchesFile:
        names = [w.name for w in self.watches]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate watch name(s) {duplicates}")
        return self


def load_watches(path: Path | str) -> list[Watch]:
    """Read and validate a watches file; the first watch is the default.

    Raises ConfigError naming the file, the key path and what was expected.
    """
    path = Path(path)
    try:
        parsed = _WatchesFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc), path=str(path)) from None
    return parsed.watches


def check_groups(watches: list[Watch], groups: set[str], *, path: str = "") -> None:
    """Fail if a watch names a side or alert company that is not a catalogue group."""
    for index, watch in enumerate(watches):
        named = {
            f"watches.{index}.side_a": watch.side_a,
            f"watches.{index}.side_b": watch.side_b,
            **{f"watches.{index}.alert_now.{i}.companies": r.companies for i, r in enumerate(watch.alert_now)},
            **{f"watches.{index}.digest.{i}.companies": r.companies for i, r in enumerate(watch.digest)},
        }
        for key, names in named.items():
            unknown = [n for n in names if n not in groups]
            if unknown:
                raise ConfigError(f"unknown catalogue group(s) {unknown}", path=path or None, key=key)


def get_watch(watches: list[Watch], name: str | None = None) -> Watch:
    """The watch called ``name``; the first one when no name is given."""
    if name is None:
        return watches[0]
    for watch in watches:
        if watch.name == name:
            return watch
    raise ConfigError(f"no watch named {name!r}; expected one of {[w.name for w in watches]}", key="watches")
