"""From mentions to facts: the observations one article makes about the developments a watch follows.

A fact has a stable key, so reports of it from different articles, days and outlets meet:

    partnership|<group A>|<group B>|<relation>|<topic>   supply keeps supplier -> customer; other
                                                         relations sort the two groups
    meeting|<group>|<group>|<YYYY-MM>                    groups sorted; the month the meeting took
                                                         place (named in the sentence, else the article's)
    figure|<group>|<metric>|<period>|<kind>              e.g. figure|Xiaomi|deliveries|2025|target

Companies count for their group (Samsung SDI for Samsung, Xiaomi EV for Xiaomi); the named units
are kept on the observation for display. Observed are the facts one of the watch's rules asks for
(alert_now, digest) and any other fact about a watched side (recorded with alert class none:
a rival, a third-party supplier, a margin), and only in articles relevant enough for the watch. Several
mentions of one fact in one article make one observation: the most advanced stage of a
partnership; for a figure, the value of the first sentence that gives it, and within that
sentence the new value of a revision ("raised from 300,000 to 350,000" -> 350,000, with 300,000
kept as context).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from evwatch.developments.model import ArticleMeta, Development, Observation, as_utc
from evwatch.extract.records import ArticleExtraction, Figure, PartnershipMention
from evwatch.watch import AlertRule, Watch

#: Relations that are not cooperation: recorded when a watched side is in them, never alerted.
RIVALRY_RELATIONS = frozenset({"competition"})
#: Relations whose direction means something (company_a supplies company_b); others are symmetric.
DIRECTED_RELATIONS = frozenset({"supply"})
#: How strong a stage is as evidence within one article: a denial or an end outranks a rumour.
STAGE_RANK = {"speculated": 0, "in_talks": 1, "agreed": 2, "operational": 3, "ended": 4, "denied": 5}
#: Relevance labels that never feed a development.
IRRELEVANT_LABELS = frozenset({"none", ""})
#: Counting units that name the same thing.
UNIT_ALIASES = {"vehicles": "units", "cars": "units", "deliveries": "units", "units": "units"}
#: Two values of a figure are the same when they differ by at most this fraction.
SAME_VALUE_TOLERANCE = 0.005

STAGE_WORDS = {"speculated": "speculated", "in_talks": "in talks", "agreed": "agreed",
               "operational": "operational", "ended": "ended", "denied": "denied"}
MEETING_WORDS = {"speculated": "reported, unconfirmed", "in_talks": "being arranged", "agreed": "agreed",
                 "operational": "took place", "ended": "ended", "denied": "denied"}
TOPIC_WORDS = {"ev": "electric vehicles", "other": "other things"}
RELATION_WORDS = {"partnership": "partnership", "talks": "talks", "competition": "competition",
                  "joint_venture": "joint venture", "investment": "investment", "acquisition": "acquisition",
                  "supply": "supply"}


# --------------------------------------------------------------------------- rules

def is_relevant(article: ArticleMeta, watch: Watch) -> bool:
    """Whether an article may feed the watch's developments.

    Label none never does; otherwise the score must reach ``watch.min_relevance``. An adjacent
    article (another tech-auto story) does only when the watch lowered ``min_relevance`` to the
    adjacent level on purpose, since its score can touch the default bar.
    """
    if article.relevance_label in IRRELEVANT_LABELS or article.relevance < watch.min_relevance:
        return False
    return article.relevance_label != "adjacent" or watch.min_relevance <= watch.relevance.adjacent.score


def rule_matches(rule: AlertRule, watch: Watch, kind: str, groups: tuple[str, ...], *,
                 metric: str | None = None, figure_kind: str | None = None) -> bool:
    """Whether a fact of ``kind`` about ``groups`` is one the rule asks for."""
    if rule.kind != kind:
        return False
    sides = {watch.side_of(g) for g in groups}
    if rule.between_sides:
        # A partnership or meeting needs one group on each side; a figure, its company on either.
        if kind == "figure" and not sides - {""}:
            return False
        if kind != "figure" and not {"a", "b"} <= sides:
            return False
    if rule.companies and not any(g in rule.companies for g in groups):
        return False
    if kind == "figure":
        if rule.metrics and metric not in rule.metrics:
            return False
        if rule.figure_kinds and figure_kind not in rule.figure_kinds:
            return False
    return True


def classify(watch: Watch, kind: str, groups: tuple[str, ...], *, metric: str | None = None,
             figure_kind: str | None = None, relation: str | None = None) -> tuple[str, AlertRule | None]:
    """The alert class of a fact ("now", "digest" or "none") and the rule that gave it."""
    if relation in RIVALRY_RELATIONS:
        return "none", None
    for alert_class, rules in (("now", watch.alert_now), ("digest", watch.digest)):
        for rule in rules:
            if rule_matches(rule, watch, kind, groups, metric=metric, figure_kind=figure_kind):
                return alert_class, rule
    return "none", None


def classify_development(dev: Development | Observation, watch: Watch) -> tuple[str, AlertRule | None]:
    """:func:`classify` for a development (or an observation) by its fields."""
    groups = tuple(g for g in (dev.subject, dev.object) if g)
    return classify(watch, dev.kind, groups, metric=dev.metric, figure_kind=dev.figure_kind, relation=dev.relation)


def follows(watch: Watch, kind: str, groups: tuple[str, ...], **fields: str | None) -> bool:
    """Whether the watch keeps a fact: a rule asks for it, or a watched side is in it."""
    return any(watch.side_of(g) for g in groups) or classify(watch, kind, groups, **fields)[0] != "none"


def rule_reason(rule: AlertRule | None, dev: Development | Observation) -> str:
    """Why the watch follows a development, as a short phrase."""
    if rule is None:
        return "recorded only: no alert rule asks for it"
    if dev.kind == "figure":
        return f"{dev.subject} {dev.metric} {dev.figure_kind}"
    if rule.between_sides:
        return f"{dev.kind} between watched sides"
    if rule.companies:
        return f"{dev.kind} involving {' or '.join(rule.companies)}"
    return dev.kind


# --------------------------------------------------------------------------- observations

def observations(extraction: ArticleExtraction, article: ArticleMeta, watch: Watch, *,
                 groups: Mapping[str, str] | None = None) -> list[Observation]:
    """The facts one article reports that the watch follows, one observation per fact key.

    ``groups`` maps a company to its group when the caller knows more than the article's own
    company mentions (the catalogue); a company with no known group is its own group.
    """
    if not is_relevant(article, watch):
        return []
    article = replace(article, published_at=as_utc(article.published_at))
    group_of = _group_map(extraction, groups)
    found = [*_partnership_observations(extraction.partnerships, article, watch),
             *_figure_observations(extraction.figures, article, watch, group_of)]
    return sorted(found, key=lambda o: o.key)


def _group_map(extraction: ArticleExtraction, groups: Mapping[str, str] | None) -> dict[str, str]:
    found = dict(groups or {})
    for m in extraction.companies:
        found.setdefault(m.company, m.parent_company or m.company)
    for p in extraction.partnerships:
        found.setdefault(p.company_a, p.group_a or p.company_a)
        found.setdefault(p.company_b, p.group_b or p.company_b)
    return found


def partnership_key(relation: str, group_a: str, group_b: str, topic: str) -> tuple[str, str, str]:
    """The key of a partnership and its subject and object groups (supplier first for supply)."""
    a, b = (group_a, group_b) if relation in DIRECTED_RELATIONS else tuple(sorted((group_a, group_b)))
    return f"partnership|{a}|{b}|{relation}|{topic}", a, b


def meeting_key(group_a: str, group_b: str, month: str) -> str:
    a, b = sorted((group_a, group_b))
    return f"meeting|{a}|{b}|{month}"


def figure_key(group: str, metric: str, period: str, figure_kind: str) -> str:
    return f"figure|{group}|{metric}|{period}|{figure_kind}"


def _partnership_observations(mentions: Iterable[PartnershipMention], article: ArticleMeta,
                              watch: Watch) -> list[Observation]:
    by_key: dict[str, list[tuple[PartnershipMention, str, str]]] = defaultdict(list)
    info: dict[str, tuple[str, str, str, str | None]] = {}
    for p in mentions:
        ga, gb = p.group_a or p.company_a, p.group_b or p.company_b
        if ga == gb:
            continue
        kind = "meeting" if p.relation == "meeting" else "partnership"
        if not follows(watch, kind, (ga, gb), relation=p.relation):
            continue
        if kind == "meeting":
            month = meeting_month(p.sentence, article.published_at)
            key = meeting_key(ga, gb, month)
            subject, obj = sorted((ga, gb))
            info[key] = (kind, subject, obj, month)
        else:
            key, subject, obj = partnership_key(p.relation, ga, gb, p.topic or "")
            info[key] = (kind, subject, obj, None)
        by_key[key].append((p, ga, gb))

    found = []
    for key, hits in by_key.items():
        kind, subject, obj, month = info[key]
        # The strongest evidence: the most advanced stage, then the earliest sentence.
        best, _, _ = max(hits, key=lambda h: (STAGE_RANK.get(h[0].stage, -1), -h[0].sentence_index))
        units: list[str] = []
        for side in (subject, obj):
            for p, ga, gb in hits:
                for company, group in ((p.company_a, ga), (p.company_b, gb)):
                    if group == side and company != group and company not in units:
                        units.append(company)
        found.append(Observation(
            key=key, kind=kind, article=article, evidence=best.sentence, subject=subject, object=obj,
            relation=best.relation, topic=(best.topic or "") if kind == "partnership" else None,
            stage=best.stage, period=month, units=tuple(units),
        ))
    return found


def normal_unit(unit: str) -> str:
    return UNIT_ALIASES.get(unit, unit)


def same_value(a: float, b: float) -> bool:
    """Whether two values of one figure (in one unit) are the same report, rounding aside."""
    return abs(a - b) <= SAME_VALUE_TOLERANCE * max(abs(a), abs(b)) or abs(a - b) < 1e-9


def _figure_observations(figures: Iterable[Figure], article: ArticleMeta, watch: Watch,
                         group_of: Mapping[str, str]) -> list[Observation]:
    rows = [(f, group_of.get(f.company, f.company)) for f in figures if f.company]
    # A figure without a period shares the period of its sibling in the same sentence
    # ("350k in 2025, up from an earlier goal of 300,000").
    periods: dict[tuple, set[str]] = defaultdict(set)
    for f, g in rows:
        if f.period:
            periods[(f.sentence_index, g, f.metric, f.kind)].add(f.period)
    by_key: dict[str, list[tuple[Figure, str, str]]] = defaultdict(list)
    for f, g in rows:
        period = f.period
        if not period and len(siblings := periods[(f.sentence_index, g, f.metric, f.kind)]) == 1:
            period = next(iter(siblings))
        if not follows(watch, "figure", (g,), metric=f.metric, figure_kind=f.kind):
            continue
        by_key[figure_key(g, f.metric, period, f.kind)].append((f, g, period))

    found = []
    for key, hits in by_key.items():
        hits.sort(key=lambda h: (h[0].sentence_index, h[0].char_start))
        first_sentence = [h for h in hits if h[0].sentence_index == hits[0][0].sentence_index]
        best, group, period = _newest(first_sentence)
        unit = normal_unit(best.unit)
        context: list[float] = []
        for f, _, _ in hits:
            if normal_unit(f.unit) == unit and not same_value(f.value, best.value) \
                    and not any(same_value(f.value, v) for v in context):
                context.append(float(f.value))
        found.append(Observation(
            key=key, kind="figure", article=article, evidence=best.sentence, subject=group,
            metric=best.metric, value=float(best.value), unit=unit, period=period, figure_kind=best.kind,
            units=(best.company,) if best.company != group else (), context_values=tuple(context),
        ))
    return found


_NEW_CUE = re.compile(r"\b(?:to|now|at|raised to|increased to|lifted to|cut to|lowered to)\W*$", re.I)
_OLD_CUE = re.compile(
    r"\b(?:from|previous|previously|earlier|original|originally|initial|initially|prior|old|former|versus|vs"
    r"|compared (?:with|to)|instead of|rather than)\b(?:\W+\w+){0,4}\W*$", re.I)


def _newest(hits: list[tuple[Figure, str, str]]) -> tuple[Figure, str, str]:
    """Of one figure's mentions in one sentence, the one giving the current value.

    A value after "to"/"now" is new, one after "from"/"earlier"/"previous" is old; otherwise the
    later one wins (a revision names the old value first more often than not). Only mentions in
    the unit of the first one compete: "32.8 billion yuan (US$4.5bn)" is one value, twice.
    """
    unit = normal_unit(hits[0][0].unit)
    hits = [h for h in hits if normal_unit(h[0].unit) == unit]

    def cue(hit: tuple[Figure, str, str]) -> int:
        f = hit[0]
        at = f.sentence.find(f.surface)
        prefix = f.sentence[:at] if at >= 0 else ""
        if _NEW_CUE.search(prefix):
            return 2
        return 0 if _OLD_CUE.search(prefix) else 1

    return max(enumerate(hits), key=lambda ih: (cue(ih[1]), ih[0]))[1]


# --------------------------------------------------------------------------- meeting dates

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_ABBR = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH_NAME = re.compile(
    r"\b(" + "|".join(calendar.month_name[1:]) + r")\b(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?(?:\s+(\d{4})\b)?"
    r"|\b(" + "|".join(list(calendar.month_abbr[1:]) + ["Sept"]) + r")\.?\s+\d{1,2}\b(?:,?\s+(\d{4})\b)?")
_MONTH_CJK = re.compile(r"(?:(\d{4})\s*[년年]\s*)?(\d{1,2})\s*[월月]")
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_MONTHS_AGO = re.compile(r"\b(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+months?\s+(?:ago|earlier|after|since)\b",
                         re.I)
_THIS_MONTH = re.compile(r"\b(last|next|this)\s+month\b", re.I)
_WEEKDAY = re.compile(r"\b(?:on|last)\s+(" + "|".join(calendar.day_name) + r")\b")
_DAYS_AGO = re.compile(r"\b(yesterday|last week)\b", re.I)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _nearest_year(month: int, published: datetime) -> int:
    """The year that puts ``month`` closest to the publication date (ties go to the past)."""
    here = published.year * 12 + published.month
    return min((published.year - 1, published.year, published.year + 1),
               key=lambda y: (abs(y * 12 + month - here), y * 12 + month > here))


def meeting_month(sentence: str, published: datetime) -> str:
    """The month a sentence's meeting took place, "YYYY-MM".

    A month the sentence names ("on Saturday, March 22", "in March", "3월") wins, in the year
    that puts it nearest the article; then "two months after", "last month"; then a weekday,
    "yesterday" or "last week" counted back from the article's date; else the article's month.
    A later article recalling the meeting thus reports the same meeting, not a new one.
    """
    if m := _MONTH_NAME.search(sentence):
        name, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        month = _MONTHS.get(name.lower()) or _MONTH_ABBR[name.lower().rstrip(".")]
        return f"{int(year) if year else _nearest_year(month, published):04d}-{month:02d}"
    if (m := _MONTH_CJK.search(sentence)) and 1 <= int(m.group(2)) <= 12:
        month = int(m.group(2))
        return f"{int(m.group(1)) if m.group(1) else _nearest_year(month, published):04d}-{month:02d}"
    if m := _MONTHS_AGO.search(sentence):
        word = m.group(1).lower()
        year, month = _shift(published.year, published.month, -(int(word) if word.isdigit() else _NUMBER_WORDS[word]))
        return f"{year:04d}-{month:02d}"
    if m := _THIS_MONTH.search(sentence):
        year, month = _shift(published.year, published.month, {"last": -1, "this": 0, "next": 1}[m.group(1).lower()])
        return f"{year:04d}-{month:02d}"
    day = published
    if m := _WEEKDAY.search(sentence):
        wanted = list(calendar.day_name).index(m.group(1))
        day = published - timedelta(days=(published.weekday() - wanted) % 7)
    elif m := _DAYS_AGO.search(sentence):
        day = published - timedelta(days=1 if m.group(1).lower() == "yesterday" else 7)
    return f"{day.year:04d}-{day.month:02d}"


# --------------------------------------------------------------------------- descriptions

def format_value(value: float | None) -> str | None:
    """A figure's value as stored in history: "350000", "17.1"."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _pretty(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e6 else \
        (f"{value / 1e9:,.4g} billion" if abs(value) >= 1e9 else
         f"{value / 1e6:,.4g} million" if abs(value) >= 1e6 else f"{value:,.4g}")


def _via(units: tuple[str, ...]) -> str:
    return f" (via {', '.join(units)})" if units else ""


def summarize(dev: Development) -> str:
    """One line saying what a development is now."""
    if dev.kind == "figure":
        owner = f"{dev.subject} ({', '.join(dev.units)})" if dev.units else dev.subject
        what = f"{owner} {dev.metric} {dev.figure_kind}" + (f" {dev.period}" if dev.period else "")
        unit = f" {dev.unit}" if dev.unit else ""
        if dev.status == "conflict" and dev.conflict_claims:
            values = " or ".join(_pretty(float(c)) for c in dev.conflict_claims)
            return f"{what}: {values}{unit} (sources disagree)"
        return f"{what}: {_pretty(dev.value) if dev.value is not None else '?'}{unit}"
    conflict = dev.status == "conflict" and dev.conflict_claims
    if dev.kind == "meeting":
        year, _, month = (dev.period or "").partition("-")
        when = f"{calendar.month_name[int(month)]} {year}" if month.isdigit() and 1 <= int(month) <= 12 \
            else (dev.period or "date unknown")
        stage = " or ".join(MEETING_WORDS.get(c, c) for c in dev.conflict_claims) + " (sources disagree)" \
            if conflict else MEETING_WORDS.get(dev.stage or "", dev.stage or "")
        return f"{dev.subject}–{dev.object} meeting, {when}: {stage}{_via(dev.units)}"
    topic = TOPIC_WORDS.get(dev.topic or "", (dev.topic or "").replace("_", " "))
    stage = " or ".join(STAGE_WORDS.get(c, c) for c in dev.conflict_claims) + " (sources disagree)" \
        if conflict else STAGE_WORDS.get(dev.stage or "", dev.stage or "")
    if dev.relation == "supply":
        what = f"{dev.subject} supplying {dev.object}" + (f" with {topic}" if topic else "")
    else:
        what = f"{dev.subject}–{dev.object} {RELATION_WORDS.get(dev.relation or '', dev.relation or '')}" \
            + (f" on {topic}" if topic else "")
    return f"{what}: {stage}{_via(dev.units)}"


def short_label(key: str) -> str:
    """A development's key as a short label: "Xiaomi deliveries 2025 target",
    "meeting Samsung-Xiaomi 2025-03", "supply/batteries Samsung-Xiaomi"."""
    parts = key.split("|")
    if parts[0] == "figure":
        _, group, metric, period, kind = parts
        return f"{group} {metric} {period or '-'} {kind}"
    if parts[0] == "meeting":
        return f"meeting {parts[1]}-{parts[2]} {parts[3]}"
    _, a, b, relation, topic = parts
    return f"{relation}/{topic or '-'} {a}-{b}"
