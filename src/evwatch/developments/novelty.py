"""What is new: fold observations into developments and say what changed, as a pure function.

``apply(state, observations, watch, now=...)`` takes the developments known so far (by key) and
returns the developments after the observations, the changes they caused and one report per
observation taken into account. It reads no clock, database or network, and leaves its input
untouched, so it can be replayed, batched and tested freely. The rules:

* **new**: the first report of a key. A speculative one (stage speculated) waits, ``held``,
  until ``watch.min_sources_speculative`` independent outlets reported it (or its stage moves
  on); the report that releases it makes the "new" change.
* **updated**: the stage advances (speculated → in talks → agreed → operational) or ends (ended,
  denied); or a figure is revised: a report published after the current value was set gives a
  value never claimed before that differs by at least MATERIAL_CHANGE (2%) and more than
  CONFLICT_WINDOW (7 days) from any report of the current value, or the article itself gives the
  current value as the old one ("raised from 300,000 to 350,000", "cut back from 350,000").
* **conflict**: sources disagree at about the same time: a value never claimed before within
  CONFLICT_WINDOW of a report of the current value (135,000 vs 136,854), or a stage going back
  within the window of a report of the current stage. The development keeps its value and lists
  the claims; more reports of any claimed value corroborate it, a third new value within the
  window joins the claims, and only a clear revision (as above) settles it with an "updated"
  change. One conflict, one change: no flapping.
* **corroboration**: anything else that reports the development: the same stage or value (within
  SAME_VALUE_TOLERANCE, 0.5%), the same figure in another unit or currency, a minor difference
  (under 2%) long after. It adds a source and raises the score; it never makes a change.
* **copy**: a syndicated copy of a report already counted, or an original whose copy (published
  before it) was counted already: recorded, never counted, so the pair counts once.
* **superseded**: a report of a state the development has left behind: published before the
  report that set the current state (read late), a value claimed before and since replaced (a
  restatement of 136,854 after 150,000 settled the conflict), or a stage going back outside the
  window (agreed → speculated from a rewritten rumour). Recorded and counted like a
  corroboration; it never makes a change. A figure moves back to an earlier value only when the
  article says so ("cut back from 350,000 to 300,000").

Independent sources are distinct outlets among the counted (non-copy) reports. Observations are
taken in publication order, ties by article id and key; an article already counted for a key is
ignored, so feeding the same observations twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from evwatch.developments.facts import SAME_VALUE_TOLERANCE, format_value, same_value, summarize
from evwatch.developments.model import (
    ROLE_CONFLICT,
    ROLE_COPY,
    ROLE_CORROBORATION,
    ROLE_FIRST,
    ROLE_SUPERSEDED,
    ROLE_UPDATE,
    Change,
    Development,
    FieldChange,
    HistoryEntry,
    Observation,
    SourceRef,
    advances,
    as_utc,
)
from evwatch.developments.scoring import alert_class, score
from evwatch.watch import Watch

__all__ = ["CONFLICT_WINDOW", "MATERIAL_CHANGE", "SAME_VALUE_TOLERANCE", "Applied", "Report", "apply",
           "development_id"]

#: Reports this close in time that disagree are a conflict, not a revision.
CONFLICT_WINDOW = timedelta(days=7)
#: The smallest relative change of a figure that counts as a revision without the article saying so.
MATERIAL_CHANGE = 0.02


@dataclass(frozen=True, slots=True)
class Report:
    """One observation taken into account: which development it went to, in which role."""

    key: str
    development_id: str
    source: SourceRef
    change: str | None = None      # new, updated, conflict if it caused one


class Applied(NamedTuple):
    """What :func:`apply` returns (unpacks as ``state, changes, reports``)."""

    state: dict[str, Development]
    changes: list[Change]
    reports: list[Report]

    @property
    def touched(self) -> set[str]:
        """Keys of the developments that gained a source."""
        return {r.key for r in self.reports}


def development_id(watch: str, key: str) -> str:
    """The stable id of a watch's development: a hash of the watch name and the fact key."""
    return hashlib.sha1(f"{watch}\x1f{key}".encode()).hexdigest()[:16]


def apply(state: Mapping[str, Development], observations: Sequence[Observation], watch: Watch, *,
          now: datetime) -> Applied:
    """Fold observations into developments; return the new state, the changes and the reports."""
    out: dict[str, Development] = dict(state)
    mine: set[str] = set()            # keys whose development this call already copied or made
    changes: list[Change] = []
    reports: list[Report] = []
    kind: str | None
    fields: list[FieldChange]
    ordered = sorted(observations, key=lambda o: (as_utc(o.article.published_at), o.article.article_id, o.key))
    for obs in ordered:
        dev = out.get(obs.key)
        if dev is not None and _counted(dev, obs.article.article_id):
            continue
        t = as_utc(obs.article.published_at)
        if dev is None:
            dev = _create(obs, watch)
            kind, fields = ("new" if not dev.held else None), []
        else:
            if obs.key not in mine:
                dev = dev.copy()
            was_held = dev.held
            role, kind, fields = _absorb(dev, obs, t)
            dev.sources.append(_ref(obs, role))
            _recount(dev)
            if was_held and not _waits(dev, watch):
                dev.held, kind = False, "new"      # enough sources now: its first alert
            elif dev.held:
                kind = None
        out[obs.key] = dev
        mine.add(obs.key)

        if kind in ("updated", "conflict"):
            dev.status, dev.updated_at = kind, t
        if dev.status == "conflict":
            dev.conflict = _conflict_text(dev)
        dev.summary = summarize(dev)
        dev.alert_class = alert_class(dev, watch)
        if kind == "new":
            fields = [FieldChange("created", None, dev.summary), *fields]
        if kind is not None:
            dev.history.extend(HistoryEntry(t, kind, f.field, f.old, f.new, obs.article.article_id) for f in fields)
        dev.score, dev.reasons = score(dev, watch, now=now)
        ref = dev.sources[-1]
        if kind is not None:
            changes.append(Change(development=dev.copy(), change=kind, fields=tuple(fields), trigger=ref, at=t))
        reports.append(Report(obs.key, dev.development_id, ref, kind))
    return Applied(out, changes, reports)


# --------------------------------------------------------------------------- bookkeeping

def _counted(dev: Development, article_id: str) -> bool:
    return any(s.article_id == article_id for s in dev.sources)


def _ref(obs: Observation, role: str) -> SourceRef:
    a = obs.article
    return SourceRef(
        article_id=a.article_id, role=role, published_at=as_utc(a.published_at), source=a.source, url=a.url,
        title=a.title, evidence=obs.evidence, stage=obs.stage, value=obs.value, unit=obs.unit,
        relevance=a.relevance, relevance_label=a.relevance_label, duplicate_of=a.duplicate_of,
    )


def _recount(dev: Development) -> None:
    counted = dev.counted_sources()
    dev.source_count = len({s.outlet for s in counted})
    dev.last_seen_at = max((s.published_at for s in counted), default=dev.last_seen_at)


def _speculative(dev: Development) -> bool:
    return dev.kind in ("partnership", "meeting") and dev.stage == "speculated"


def _waits(dev: Development, watch: Watch) -> bool:
    """A speculative development not yet reported by enough independent outlets to alert."""
    return _speculative(dev) and dev.source_count < watch.min_sources_speculative


def _create(obs: Observation, watch: Watch) -> Development:
    a, t = obs.article, as_utc(obs.article.published_at)
    dev = Development(
        development_id=development_id(watch.name, obs.key), watch=watch.name, kind=obs.kind, key=obs.key,
        summary="", subject=obs.subject, object=obs.object, relation=obs.relation, topic=obs.topic,
        stage=obs.stage, metric=obs.metric, value=obs.value, unit=obs.unit, period=obs.period,
        figure_kind=obs.figure_kind, status="new", conflict=None, score=0.0, reasons=(), alert_class="none",
        evidence=obs.evidence, first_seen_at=t, last_seen_at=t, updated_at=None, first_article_id=a.article_id,
        source_count=0, sources=[_ref(obs, ROLE_FIRST)], units=obs.units,
    )
    _recount(dev)
    dev.held = _waits(dev, watch)
    return dev


def _since(dev: Development) -> datetime:
    """When the current state was set: the latest first report or update."""
    return max((s.published_at for s in dev.sources if s.role in (ROLE_FIRST, ROLE_UPDATE)),
               default=dev.first_seen_at)


def _near(dev: Development, t: datetime, reported: Callable[[SourceRef], bool]) -> bool:
    """Whether a counted report matching ``reported`` lies within the conflict window of ``t``."""
    return any(abs(s.published_at - t) <= CONFLICT_WINDOW for s in dev.counted_sources()
               if s.role != ROLE_SUPERSEDED and reported(s))


def _stale(dev: Development, value: float) -> bool:
    """Whether a counted report already claimed ``value`` (not the current value or a current
    conflict claim, which the caller checked first): every value ever claimed is remembered, so a
    value that was replaced cannot come back as news by being repeated."""
    return any(_reports_value(dev, value)(s) for s in dev.counted_sources())


def _relative(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


def _with_units(dev: Development, obs: Observation) -> None:
    dev.units = tuple(dict.fromkeys((*dev.units, *obs.units)))


Verdict = tuple[str, str | None, list[FieldChange]]


def _absorb(dev: Development, obs: Observation, t: datetime) -> Verdict:
    """Judge one more report of an existing development; update the development in place."""
    a = obs.article
    if a.duplicate_of and _counted(dev, a.duplicate_of):
        return ROLE_COPY, None, []
    if any(s.duplicate_of == a.article_id for s in dev.counted_sources()):
        return ROLE_COPY, None, []      # its syndicated copy was published, and counted, first
    if dev.kind == "figure":
        return _absorb_figure(dev, obs, t)
    return _absorb_stage(dev, obs, t)


def _resolved(dev: Development) -> list[FieldChange]:
    if dev.status != "conflict":
        return []
    dev.conflict, dev.conflict_claims = None, ()
    return [FieldChange("status", "conflict", "updated")]


def _conflicted(dev: Development, claims: Iterable[str]) -> Verdict:
    old = dev.status
    dev.conflict_claims = tuple(dict.fromkeys(claims))
    return ROLE_CONFLICT, "conflict", [FieldChange("status", old, "conflict")]


# --------------------------------------------------------------------------- stages

def _set_stage(dev: Development, obs: Observation) -> Verdict:
    fields = [FieldChange("stage", dev.stage, obs.stage), *_resolved(dev)]
    dev.stage, dev.evidence = obs.stage, obs.evidence
    _with_units(dev, obs)
    return ROLE_UPDATE, "updated", fields


def _absorb_stage(dev: Development, obs: Observation, t: datetime) -> Verdict:
    """Only an advance or an end is news; a move back is a stale report, or a conflict when a
    report of the current stage is within the window."""
    new, since = obs.stage, _since(dev)
    if dev.status == "conflict" and dev.conflict_claims:
        if new in dev.conflict_claims:
            return ROLE_CORROBORATION, None, []
        return _set_stage(dev, obs) if t >= since and advances(dev.stage, new) else (ROLE_SUPERSEDED, None, [])
    if new == dev.stage:
        return ROLE_CORROBORATION, None, []
    if t < since:
        return ROLE_SUPERSEDED, None, []
    if advances(dev.stage, new):
        return _set_stage(dev, obs)
    if _near(dev, t, lambda s: s.stage == dev.stage):
        return _conflicted(dev, (dev.stage or "", new or ""))
    return ROLE_SUPERSEDED, None, []


# --------------------------------------------------------------------------- figures

def _set_value(dev: Development, obs: Observation) -> Verdict:
    fields = [FieldChange("value", format_value(dev.value), format_value(obs.value)), *_resolved(dev)]
    dev.value, dev.evidence = obs.value, obs.evidence
    _with_units(dev, obs)
    return ROLE_UPDATE, "updated", fields


def _reports_value(dev: Development, value: float) -> Callable[[SourceRef], bool]:
    return lambda s: s.value is not None and s.unit == dev.unit and same_value(s.value, value)


def _absorb_figure(dev: Development, obs: Observation, t: datetime) -> Verdict:
    if obs.value is None or dev.value is None or obs.unit != dev.unit:
        return ROLE_CORROBORATION, None, []       # the same fact in another unit or currency
    value, since = obs.value, _since(dev)
    revises = lambda old: any(same_value(old, c) for c in obs.context_values)  # noqa: E731

    if dev.status == "conflict" and dev.conflict_claims:
        claims = [float(c) for c in dev.conflict_claims]
        if any(same_value(value, c) for c in claims):
            return ROLE_CORROBORATION, None, []
        if t >= since and any(revises(c) for c in claims):
            return _set_value(dev, obs)
        if _stale(dev, value):
            return ROLE_SUPERSEDED, None, []
        if any(_near(dev, t, _reports_value(dev, c)) for c in claims):
            dev.conflict_claims = (*dev.conflict_claims, format_value(value) or "")
            return ROLE_CONFLICT, None, []
        if t >= since and all(_relative(value, c) >= MATERIAL_CHANGE for c in claims):
            return _set_value(dev, obs)
        return (ROLE_SUPERSEDED if t < since else ROLE_CORROBORATION), None, []

    current = dev.value
    if same_value(value, current):
        return ROLE_CORROBORATION, None, []
    stale = _stale(dev, value)
    near = _near(dev, t, _reports_value(dev, current))
    if t < since:   # an older report read late
        if stale or not near:
            return ROLE_SUPERSEDED, None, []
        return _conflicted(dev, (format_value(current) or "", format_value(value) or ""))
    if revises(current):
        return _set_value(dev, obs)
    if stale:
        return ROLE_SUPERSEDED, None, []
    if near:
        return _conflicted(dev, (format_value(current) or "", format_value(value) or ""))
    if _relative(value, current) >= MATERIAL_CHANGE:
        return _set_value(dev, obs)
    return ROLE_CORROBORATION, None, []


def _conflict_text(dev: Development) -> str:
    """The disagreeing claims and who made them: "135,000 units (TechAsia Review) vs 136,854 units (AutoDaily)"."""
    parts = []
    for claim in dev.conflict_claims:
        if dev.kind == "figure":
            reported = _reports_value(dev, float(claim))
            label = f"{float(claim):,.0f}" if float(claim).is_integer() else claim
            label += f" {dev.unit}" if dev.unit else ""
        else:
            reported, label = (lambda s, c=claim: s.stage == c), claim.replace("_", " ")
        outlets = list(dict.fromkeys(s.outlet for s in dev.counted_sources() if reported(s)))
        parts.append(f"{label} ({', '.join(outlets)})" if outlets else label)
    return " vs ".join(parts)
