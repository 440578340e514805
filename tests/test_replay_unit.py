"""Replay: the alerts a history of articles would have fired, whatever the batches.

The main test rebuilds the demo corpus at the level of mentions from the annotated timeline
(tests/gold/demo_timeline.yaml: each development's first report, corroborations, updates and
conflicts, the articles that must stay silent, and the hand-ingested "later" article), replays it
and checks every alert, every development and every source role against the annotations. The
end-to-end replay over real extraction output lives with the pipeline tests.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from evwatch.developments.facts import figure_key, meeting_key, partnership_key
from evwatch.developments.model import ArticleMeta
from evwatch.developments.replay import replay
from evwatch.extract.catalogue import load_catalogue
from evwatch.extract.records import ArticleExtraction, Figure, PartnershipMention, Relevance
from tests.test_developments import WATCH, deal, extraction, fig, meta

ROOT = Path(__file__).resolve().parents[1]
TIMELINE = yaml.safe_load((ROOT / "tests" / "gold" / "demo_timeline.yaml").read_text(encoding="utf-8"))
GOLD = {doc.get("url") or doc.get("file"): doc
        for doc in yaml.safe_load((ROOT / "tests" / "gold" / "demo.yaml").read_text(encoding="utf-8"))["documents"]}
CATALOGUE = load_catalogue(ROOT / "config" / "catalogue.yaml")
GROUPS = {name: company.group for name, company in CATALOGUE.companies.items()}
RELEVANCE = {"core": 0.9, "context": 0.6, "adjacent": 0.4, "none": 0.0}

# --------------------------------------------------------------------------- the corpus, from the annotations

@dataclass
class Article:
    id: str
    published: datetime
    copy_of: str | None = None
    deals: list[PartnershipMention] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.id.split("//")[1].split("/")[0] if "//" in self.id else "seoulledger.example"


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _key(k: dict[str, Any]) -> str:
    """The evwatch key of a timeline development (figures count for their company's group)."""
    if k["kind"] == "figure":
        return figure_key(GROUPS.get(k["company"], k["company"]), k["metric"], str(k["period"]), k["figure_kind"])
    a, b = k["groups"]
    if k["kind"] == "meeting":
        return meeting_key(a, b, str(k["date"]))
    return partnership_key(k["relation"], a, b, k["topic"])[0]


def _label(k: dict[str, Any]) -> str:
    """The timeline's own label of a development ("figure Xiaomi deliveries 2025 target")."""
    if k["kind"] == "figure":
        return f"figure {k['company']} {k['metric']} {k['period'] or '-'} {k['figure_kind']}"
    a, b = k["groups"]
    if k["kind"] == "meeting":
        return f"meeting {a}-{b} {k['date']}"
    return f"{k['relation']}/{k['topic']} {a}-{b}"


def _ident(report: dict[str, Any]) -> str:
    return report.get("url") or report["file"]


def _article(articles: dict[str, Article], report: dict[str, Any]) -> Article:
    found = articles.setdefault(_ident(report), Article(_ident(report), _when(report["published"])))
    if report.get("syndicated"):
        found.copy_of = report["copy_of"]
    return found


def _mention(art: Article, k: dict[str, Any], report: dict[str, Any], *, unit: str, old: float | None = None,
             companies: tuple[str, str] | None = None) -> None:
    """Add to an article the mention(s) a report of development ``k`` stands for."""
    index = len(art.deals) + len(art.figures)
    if k["kind"] == "figure":
        value = float(report["value"])
        if old is None:
            art.figures.append(fig(k["company"], value, metric=k["metric"], unit=unit, period=str(k["period"]),
                                   kind=k["figure_kind"], index=index))
        else:   # the article gives the old value too: "raised from <old> to <new>"
            sentence = f"{k['company']} raised it from {old:,.0f} to {value:,.0f} {unit}."
            for v in (old, value):
                art.figures.append(fig(k["company"], v, metric=k["metric"], unit=unit, period=str(k["period"]),
                                       kind=k["figure_kind"], sentence=sentence, index=index))
        for other in report.get("also_as", []):
            art.figures.append(fig(k["company"], float(other["value"]), metric=k["metric"], unit=other["unit"],
                                   period=str(k["period"]), kind=k["figure_kind"], index=index))
        return
    a, b = companies or k["groups"]       # the named units when the annotation gives them (Samsung SDI)
    if k["kind"] == "meeting":
        year, month = str(k["date"]).split("-")
        sentence = f"Lee Jae-yong met Lei Jun in {calendar.month_name[int(month)]} {year}."
        art.deals.append(deal(a, b, report["stage"], relation="meeting", topic="ev", sentence=sentence, index=index))
        return
    for stage in (report["stage"], *report.get("also_mentioned_stages", [])):
        art.deals.append(deal(a, b, stage, relation=k["relation"], topic=k["topic"], index=index))


def corpus(*, later: bool = False) -> list[tuple[ArticleMeta, ArticleExtraction]]:
    """The demo corpus as (article, extraction) pairs built from the timeline's annotations."""
    articles: dict[str, Article] = {}
    for dev in TIMELINE["developments"]:
        k, first = dev["key"], dev["first_report"]
        unit = first.get("unit", "units")
        names = tuple(first["companies"]) if "companies" in first else None
        units_by_value = {float(first["value"]): unit} if "value" in first else {}
        units_by_value |= {float(o["value"]): o["unit"] for o in first.get("also_as", [])}
        _mention(_article(articles, first), k, first, unit=unit, companies=names)
        for report in dev["corroborations"] + dev["conflicts"]:
            note_old = 300_000.0 if "restates the earlier value" in report.get("note", "") else None
            value_unit = units_by_value.get(float(report["value"]), unit) if "value" in report else unit
            _mention(_article(articles, report), k, report, unit=value_unit, old=note_old, companies=names)
        for report in dev["updates"]:
            if report["field"] == "value":
                _mention(_article(articles, report), k, {**report, "value": report["new"]}, unit=unit,
                         old=float(report["old"]))
            else:
                _mention(_article(articles, report), k, {**report, "stage": report["new"]}, unit=unit,
                         companies=names)
    # The silent articles: each also names a tempting Samsung-Xiaomi deal and a Xiaomi target.
    for quiet in TIMELINE["no_alert"]:
        if quiet["url"] not in articles:
            art = _article(articles, quiet)
            art.deals.append(deal("Samsung SDI", "Xiaomi", "agreed"))
            art.figures.append(fig("Xiaomi", 999_999))
    if later:
        spec = TIMELINE["later"]
        art = _article(articles, spec)
        k = spec["alert"]["key"]
        _mention(art, k, {"value": spec["alert"]["new"]}, unit="units", old=float(spec["alert"]["old"]))
        art.figures.append(fig("Xiaomi", 32.8e9, metric="revenue", unit="CNY", period="2024", kind="actual", index=5))
        art.figures.append(fig("Xiaomi", 240_000, metric="orders", unit="orders", period="2025-06", kind="actual",
                               index=6))

    pairs = []
    for art in articles.values():
        gold = GOLD.get(art.id)
        label = gold["relevance"] if gold else "core"          # the later article is about the story itself
        m = ArticleMeta(article_id=art.id, published_at=art.published, source=art.source, url=art.id,
                        title=art.id.rsplit("/", 1)[-1], duplicate_of=art.copy_of, relevance=RELEVANCE[label],
                        relevance_label=label)
        x = ArticleExtraction(article_id=art.id, figures=tuple(art.figures), partnerships=tuple(art.deals),
                              relevance=Relevance(art.id, RELEVANCE[label], label))
        pairs.append((m, x))
    return pairs


def expected_alerts() -> Counter:
    """(article, status, key, alert class) for every alert and digest item the timeline lists
    ("released" is the first alert of a held speculative development: a new one)."""
    keys = {_label(d["key"]): _key(d["key"]) for d in TIMELINE["developments"]}
    status = {"new": "new", "released": "new", "update": "updated", "conflict": "conflict"}
    found: Counter = Counter()
    for entry in TIMELINE["alerting_articles"] + TIMELINE["digest_or_held_only"]:
        for klass, items in (("now", entry.get("alerts", [])), ("digest", entry.get("digest", []))):
            for item in items:
                change, label = item.split(": ", 1)
                found[(_ident(entry), status[change], keys[label], klass)] += 1
    return found


# --------------------------------------------------------------------------- tests

def test_the_demo_timeline_fires_exactly_the_annotated_alerts():
    state: dict = {}
    fired = replay(corpus(), WATCH, groups=GROUPS, final_state=state)
    assert Counter((a.article_id, a.status, a.key, a.alert_class) for a in fired) == expected_alerts()
    assert [a.at for a in fired] == sorted(a.at for a in fired)
    quiet = {q["url"] for q in TIMELINE["no_alert"]}
    assert not quiet & {a.article_id for a in fired}

    # every development, its alert class, first report and the role of every report, as annotated
    assert set(state) == {_key(d["key"]) for d in TIMELINE["developments"]}
    for dev in TIMELINE["developments"]:
        got = state[_key(dev["key"])]
        assert got.alert_class == dev["alert"], got.key
        assert got.first_article_id == _ident(dev["first_report"]), got.key
        roles = {s.article_id: s.role for s in got.sources}
        expected = {_ident(r): ("copy" if r.get("syndicated") else "corroboration") for r in dev["corroborations"]}
        expected |= {_ident(r): "update" for r in dev["updates"]}
        expected |= {_ident(r): "conflict" for r in dev["conflicts"]}
        expected[got.first_article_id] = "first report"
        assert roles == expected, got.key
        assert got.source_count == len({s.outlet for s in got.sources if s.role != "copy"}), got.key
        assert got.status == ("conflict" if dev["conflicts"] else "updated" if dev["updates"] else "new"), got.key
        # speculation held until a second outlet: released by the annotated report, or still waiting
        assert got.held == ("held_until_sources" in dev and "alert_released_by" not in dev), got.key
        if "alert_released_by" in dev:
            (release,) = [a for a in fired if a.key == got.key and a.status == "new"]
            assert release.article_id == _ident(dev["alert_released_by"]), got.key


def test_the_later_article_fires_exactly_one_alert():
    before = replay(corpus(), WATCH, groups=GROUPS)
    state: dict = {}
    after = replay(corpus(later=True), WATCH, groups=GROUPS, final_state=state)
    assert after[:len(before)] == before
    (alert,) = after[len(before):]
    spec = TIMELINE["later"]
    assert (alert.article_id, alert.status, alert.alert_class) == (spec["file"], "updated", "now")
    assert alert.key == _key(spec["alert"]["key"])
    assert [(f.field, f.old, f.new) for f in alert.fields] == [("value", "350000", "400000")]
    assert alert.summary == "Xiaomi deliveries target 2025: 400,000 units"
    for corroborated in ("figure|Xiaomi|revenue|2024|actual", "figure|Xiaomi|orders|2025-06|actual"):
        assert state[corroborated].sources[-1].article_id == spec["file"]
        assert state[corroborated].sources[-1].role == "corroboration"


@pytest.mark.parametrize("batches", [2, 3, 7, 100])
def test_replay_does_not_depend_on_the_number_of_batches(batches):
    pairs = corpus(later=True)
    assert replay(pairs, WATCH, groups=GROUPS, batches=batches) == replay(pairs, WATCH, groups=GROUPS, batches=1)


def test_one_source_is_enough_for_speculation_when_the_watch_says_so():
    fired = replay(corpus(), WATCH.model_copy(update={"min_sources_speculative": 1}), groups=GROUPS)
    briefing = {a.key for a in fired if a.article_id == "config/demo/standalone/lee-lei-meeting-briefing.html"}
    assert {f"partnership|Samsung|Xiaomi|supply|{topic}" for topic in
            ("batteries", "chips", "cameras", "automotive_electronics", "infotainment")} <= briefing


def test_replay_of_nothing_fires_nothing():
    assert replay([], WATCH) == []
    x = extraction("a", deals=(deal("Samsung SDI", "Xiaomi", "agreed"),))
    quiet = meta("a", datetime(2025, 3, 22, tzinfo=UTC), label="none")
    assert replay([(quiet, x)], WATCH, batches=3) == []
    noisy = meta("a", datetime(2025, 3, 22, tzinfo=UTC))
    (alert,) = replay([(noisy, x), (meta("b", noisy.published_at + timedelta(days=1), "AutoDaily"),
                                    extraction("b", deals=(deal("Samsung SDI", "Xiaomi", "agreed"),)))], WATCH)
    assert (alert.status, alert.article_id, alert.alert_class) == ("new", "a", "now")
