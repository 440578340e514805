"""Facts, scoring and storage of developments.

From an article's mentions to keyed observations (only what the watch follows, from relevant
articles, one observation per fact), the score and its reasons, and a round trip of the state
through a real DuckDB file. The novelty rules themselves are in test_novelty.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from evwatch.developments.facts import meeting_month, observations, short_label
from evwatch.developments.model import ArticleMeta
from evwatch.developments.novelty import apply
from evwatch.developments.scoring import alert_class, score
from evwatch.extract.records import ArticleExtraction, CompanyMention, Figure, PartnershipMention, Relevance
from evwatch.warehouse.db import Warehouse, execute
from evwatch.warehouse.developments import load_state, processed_articles, save, timeline
from evwatch.watch import Watch, load_watches

ROOT = Path(__file__).resolve().parents[1]
WATCH = load_watches(ROOT / "config" / "watches.yaml")[0]
NOW = datetime(2025, 7, 1, 12, tzinfo=UTC)
GROUPS = {"Samsung Electronics": "Samsung", "Samsung SDI": "Samsung", "Samsung Display": "Samsung",
          "Samsung Electro-Mechanics": "Samsung", "Harman": "Samsung", "Xiaomi EV": "Xiaomi"}
LEVELS = {"core": 0.9, "context": 0.6, "adjacent": 0.4, "none": 0.0}


# --------------------------------------------------------------------------- builders (also used by test_replay_unit)

def meta(article_id: str, when: datetime, source: str = "Korea Business Times", *, label: str = "core",
         copy_of: str | None = None, url: str | None = None) -> ArticleMeta:
    return ArticleMeta(article_id=article_id, published_at=when, source=source,
                       url=url or f"https://{source.lower().replace(' ', '')}.example/{article_id}",
                       title=f"Title of {article_id}", duplicate_of=copy_of, relevance=LEVELS[label],
                       relevance_label=label)


def deal(company_a: str, company_b: str, stage: str, *, relation: str = "supply", topic: str = "batteries",
         sentence: str = "", index: int = 0) -> PartnershipMention:
    """A partnership mention (company_a supplies company_b for supply)."""
    return PartnershipMention(
        article_id="", company_a=company_a, company_b=company_b, group_a=GROUPS.get(company_a, company_a),
        group_b=GROUPS.get(company_b, company_b), relation=relation, stage=stage, topic=topic,
        sentence_index=index, sentence=sentence or f"{company_a} and {company_b}: {relation} {topic} {stage}.",
        char_start=0, char_end=0)


def fig(company: str, value: float, *, metric: str = "deliveries", unit: str = "units", period: str = "2025",
        kind: str = "target", sentence: str = "", surface: str = "", index: int = 0, start: int = 0) -> Figure:
    surface = surface or f"{value:,.0f}"
    sentence = sentence or f"{company} aims at {surface} {unit} in {period}."
    return Figure(article_id="", company=company, metric=metric, value=value, unit=unit, period=period, kind=kind,
                  qualifier="", surface=surface, sentence_index=index, sentence=sentence,
                  char_start=start or sentence.find(surface), char_end=0)


def extraction(article_id: str, *, deals: tuple[PartnershipMention, ...] = (), figures: tuple[Figure, ...] = (),
               label: str = "core") -> ArticleExtraction:
    names = {n for d in deals for n in (d.company_a, d.company_b)} | {f.company for f in figures}
    companies = tuple(CompanyMention(article_id, n, GROUPS.get(n, n), n, 0, "", 0, 0) for n in sorted(names))
    return ArticleExtraction(article_id=article_id, companies=companies, figures=figures, partnerships=deals,
                             relevance=Relevance(article_id, LEVELS[label], label))


def facts_of(x: ArticleExtraction, m: ArticleMeta, watch: Watch = WATCH):
    return {o.key: o for o in observations(x, m, watch)}


MARCH_22 = datetime(2025, 3, 22, 6, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- facts: keys

def test_partnership_key_keeps_supplier_to_customer_at_group_level():
    found = facts_of(extraction("a", deals=(deal("Samsung SDI", "Xiaomi", "in_talks"),)), meta("a", MARCH_22))
    (obs,) = found.values()
    assert obs.key == "partnership|Samsung|Xiaomi|supply|batteries"
    assert (obs.subject, obs.object, obs.stage, obs.units) == ("Samsung", "Xiaomi", "in_talks", ("Samsung SDI",))
    # the other way round is another fact: Xiaomi supplying Samsung
    found = facts_of(extraction("b", deals=(deal("Xiaomi", "Samsung SDI", "agreed"),)), meta("b", MARCH_22))
    assert list(found) == ["partnership|Xiaomi|Samsung|supply|batteries"]


def test_symmetric_relations_sort_the_groups():
    found = facts_of(extraction("a", deals=(deal("Xiaomi EV", "Samsung Electronics", "agreed", relation="partnership",
                                                 topic="chips"),)), meta("a", MARCH_22))
    assert list(found) == ["partnership|Samsung|Xiaomi|partnership|chips"]


def test_meeting_key_is_the_two_groups_and_the_month_of_the_meeting():
    x = extraction("a", deals=(deal("Samsung Electronics", "Xiaomi", "operational", relation="meeting", topic="ev",
                                    sentence="Samsung chairman Lee Jae-yong met Lei Jun at Xiaomi's plant."),))
    assert list(facts_of(x, meta("a", MARCH_22))) == ["meeting|Samsung|Xiaomi|2025-03"]


@pytest.mark.parametrize(("sentence", "published", "month"), [
    ("Lee visited Xiaomi's factory on Saturday, March 22, and met Lei Jun.", datetime(2025, 3, 22), "2025-03"),
    ("The report follows a visit by Lee to Xiaomi's Beijing factory in March.", datetime(2025, 5, 21), "2025-03"),
    ("SDI is in talks, two months after Lee visited Xiaomi's plant.", datetime(2025, 5, 19), "2025-03"),
    ("Lee met Lei Jun last month.", datetime(2025, 1, 10), "2024-12"),
    ("Lee met Lei Jun in December.", datetime(2025, 1, 10), "2024-12"),
    ("Lee will meet Lei Jun in April, people said.", datetime(2025, 3, 10), "2025-04"),
    ("Lee met Lei Jun on Saturday.", datetime(2025, 4, 1), "2025-03"),   # Saturday was March 29
    ("Lee met Lei Jun in Beijing.", datetime(2025, 6, 10), "2025-06"),
    ("이재용 회장은 3월 레이쥔 회장을 만났다.", datetime(2025, 5, 2), "2025-03"),
])
def test_meeting_month_is_the_month_the_sentence_names_else_the_article_month(sentence, published, month):
    assert meeting_month(sentence, published.replace(tzinfo=UTC)) == month


def test_figure_key_is_company_group_metric_period_kind():
    found = facts_of(extraction("a", figures=(fig("Xiaomi EV", 350_000),)), meta("a", MARCH_22))
    (obs,) = found.values()
    assert obs.key == "figure|Xiaomi|deliveries|2025|target"
    assert (obs.subject, obs.value, obs.unit, obs.units) == ("Xiaomi", 350_000, "units", ("Xiaomi EV",))
    assert short_label(obs.key) == "Xiaomi deliveries 2025 target"


# --------------------------------------------------------------------------- facts: what the watch follows

def test_facts_about_a_watched_side_are_observed_and_the_rules_say_which_alert():
    x = extraction("a", deals=(
        deal("Samsung SDI", "Xiaomi", "agreed"),                                   # between the sides: alerts
        deal("Samsung SDI", "BMW", "operational"),                                 # Samsung with others: digest
        deal("Samsung SDI", "CATL", "operational", relation="competition"),        # a rivalry: recorded only
        deal("Samsung SDI", "Samsung", "agreed"),                                  # inside one group: never
        deal("Sony", "Honda", "agreed", relation="joint_venture", topic="ev"),      # neither side: never
    ), figures=(
        fig("Xiaomi", 350_000),                                                    # Xiaomi delivery target: alerts
        fig("Xiaomi", 215_900, metric="price", unit="CNY", period="2025-03", kind="actual"),  # digest
        fig("Tesla", 1_000_000, metric="deliveries", period="2025"),               # neither side: never
        fig("Samsung Electronics", 6.5e12, metric="profit", unit="KRW", period="2024-Q4", kind="actual"),  # recorded
    ))
    state, changes, _ = apply({}, observations(x, meta("a", MARCH_22), WATCH), WATCH, now=NOW)
    assert {k: d.alert_class for k, d in state.items()} == {
        "figure|Xiaomi|deliveries|2025|target": "now",
        "figure|Xiaomi|price|2025-03|actual": "digest",
        "figure|Samsung|profit|2024-Q4|actual": "none",
        "partnership|Samsung|Xiaomi|supply|batteries": "now",
        "partnership|Samsung|BMW|supply|batteries": "digest",
        "partnership|CATL|Samsung|competition|batteries": "none",
    }
    assert all(alert_class(d, WATCH) == d.alert_class for d in state.values())
    assert state["partnership|CATL|Samsung|competition|batteries"].reasons[0] == \
        "recorded only: no alert rule asks for it"
    # a rivalry between the two sides is recorded, never alerted
    rivals = extraction("b", deals=(deal("Samsung Electronics", "Xiaomi", "operational", relation="competition",
                                         topic="ev"),))
    state, _, _ = apply({}, observations(rivals, meta("b", MARCH_22), WATCH), WATCH, now=NOW)
    assert [(k, d.alert_class) for k, d in state.items()] == [("partnership|Samsung|Xiaomi|competition|ev", "none")]


@pytest.mark.parametrize("label", ["none", "adjacent"])
def test_articles_not_relevant_to_the_watch_make_no_observation(label):
    x = extraction("a", deals=(deal("Samsung SDI", "Xiaomi", "agreed"),), figures=(fig("Xiaomi", 350_000),),
                   label=label)
    assert observations(x, meta("a", MARCH_22, label=label), WATCH) == []


def test_a_score_below_min_relevance_makes_no_observation():
    m = meta("a", MARCH_22, label="context")
    x = extraction("a", deals=(deal("Samsung SDI", "Xiaomi", "agreed"),), label="context")
    assert observations(x, m, WATCH.model_copy(update={"min_relevance": 0.7})) == []
    assert len(observations(x, m, WATCH)) == 1


def test_several_mentions_of_one_partnership_keep_the_most_advanced_stage():
    x = extraction("a", deals=(
        deal("Samsung Display", "Xiaomi", "speculated", topic="displays", index=3, sentence="Could supply screens."),
        deal("Samsung Display", "Xiaomi", "operational", topic="displays", index=5, sentence="Supplies panels."),
        deal("Samsung Electronics", "Xiaomi", "operational", topic="displays", index=7, sentence="Also panels."),
    ))
    (obs,) = facts_of(x, meta("a", MARCH_22)).values()
    assert (obs.stage, obs.evidence) == ("operational", "Supplies panels.")
    assert obs.units == ("Samsung Display", "Samsung Electronics")


def test_a_denial_outranks_talks_in_the_same_article():
    x = extraction("a", deals=(deal("Samsung SDI", "Xiaomi", "in_talks", index=0),
                               deal("Samsung SDI", "Xiaomi", "denied", index=1)))
    assert facts_of(x, meta("a", MARCH_22))["partnership|Samsung|Xiaomi|supply|batteries"].stage == "denied"


@pytest.mark.parametrize(("sentence", "old_period"), [
    ("Xiaomi raised its 2025 delivery target from 300,000 to 350,000 units.", "2025"),
    ("Xiaomi raised its 2025 delivery target to 350,000 from 300,000 units.", "2025"),
    # the old value has no period of its own: it shares its sibling's
    ("Xiaomi now aims to deliver 350,000 cars in 2025, up from an earlier goal of 300,000.", ""),
])
def test_a_revision_in_one_sentence_observes_the_new_value_and_keeps_the_old_as_context(sentence, old_period):
    new = fig("Xiaomi", 350_000, sentence=sentence)
    old = fig("Xiaomi", 300_000, sentence=sentence, period=old_period)
    ordered = tuple(sorted((new, old), key=lambda f: f.char_start))
    (obs,) = facts_of(extraction("a", figures=ordered), meta("a", MARCH_22)).values()
    assert obs.key == "figure|Xiaomi|deliveries|2025|target"
    assert obs.value == 350_000
    assert obs.context_values == (300_000,)


def test_a_figure_is_observed_from_the_first_sentence_that_gives_it():
    x = extraction("a", figures=(
        fig("Xiaomi", 240_000, metric="orders", unit="orders", period="2025-06", kind="actual", index=0),
        fig("Xiaomi", 200_000, metric="orders", unit="orders", period="2025-06", kind="actual", index=1),
        fig("Xiaomi", 240_000, metric="orders", unit="orders", period="2025-06", kind="actual", index=4),
    ))
    (obs,) = facts_of(x, meta("a", MARCH_22)).values()
    assert (obs.value, obs.context_values) == (240_000, (200_000,))


def test_the_same_figure_in_another_currency_is_not_context():
    sentence = "EV revenue was 32.8 billion yuan (US$4.5bn) in 2024."
    x = extraction("a", figures=(
        fig("Xiaomi", 32.8e9, metric="revenue", unit="CNY", period="2024", kind="actual", sentence=sentence,
            surface="32.8 billion yuan"),
        fig("Xiaomi", 4.5e9, metric="revenue", unit="USD", period="2024", kind="actual", sentence=sentence,
            surface="US$4.5bn"),
    ))
    (obs,) = facts_of(x, meta("a", MARCH_22)).values()
    assert (obs.value, obs.unit, obs.context_values) == (32.8e9, "CNY", ())


# --------------------------------------------------------------------------- alert class and score

def test_score_reasons_read_like_a_sentence_and_the_score_is_deterministic():
    reports = [(f"a{i}", source) for i, source in enumerate(["Korea Business Times", "TechAsia Review", "AutoDaily"])]
    found = [o for aid, source in reports for o in observations(
        extraction(aid, deals=(deal("Samsung SDI", "Xiaomi", "agreed"),)),
        meta(aid, NOW - timedelta(days=3) + timedelta(hours=len(aid)), source), WATCH)]
    state, _, _ = apply({}, found, WATCH, now=NOW)
    dev = state["partnership|Samsung|Xiaomi|supply|batteries"]
    assert dev.reasons == ("partnership between watched sides", "stage: agreed", "3 independent sources",
                           "core relevance 0.90", "reported 2 days ago")
    assert 0 < dev.score <= 1
    assert score(dev, WATCH, now=NOW) == (dev.score, dev.reasons)
    later, _ = score(dev, WATCH, now=NOW + timedelta(days=30))
    assert later < dev.score                                  # older news counts for less


# --------------------------------------------------------------------------- warehouse

def _story() -> list:
    day = datetime(2025, 5, 20, 8, tzinfo=UTC)
    articles = [
        (meta("k1", day, "Korea Business Times"), extraction("k1", deals=(deal("Samsung SDI", "Xiaomi", "in_talks"),),
                                                              figures=(fig("Xiaomi", 300_000),))),
        (meta("t1", day + timedelta(hours=20), "TechAsia Review"),
         extraction("t1", deals=(deal("Samsung SDI", "Xiaomi", "in_talks"),))),
        (meta("w1", day + timedelta(days=1), "Global Newswire", copy_of="t1"),
         extraction("w1", deals=(deal("Samsung SDI", "Xiaomi", "in_talks"),))),
        (meta("a1", day + timedelta(days=21), "AutoDaily"),
         extraction("a1", deals=(deal("Samsung SDI", "Xiaomi", "denied"),))),
        (meta("a2", day + timedelta(days=44), "AutoDaily"), extraction("a2", figures=(fig("Xiaomi", 350_000),))),
    ]
    return [(m.article_id, observations(x, m, WATCH)) for m, x in articles]


def test_state_round_trips_through_the_warehouse(tmp_path):
    story = _story()
    warehouse = Warehouse(tmp_path / "x.duckdb", snapshot=False)
    first, second = story[:3], story[3:]
    state, changes, _ = apply({}, [o for _, found in first for o in found], WATCH, now=NOW)
    with warehouse.transaction() as conn:
        save(conn, WATCH.name, state, changes, [a for a, _ in first], NOW)
    with warehouse.transaction() as conn:
        loaded = load_state(conn, WATCH.name)
        assert loaded == state
        assert processed_articles(conn, WATCH.name) == {"k1", "t1", "w1"}
        state, changes, _ = apply(loaded, [o for _, found in second for o in found], WATCH, now=NOW)
        save(conn, WATCH.name, state, changes, [a for a, _ in second], NOW)
    with warehouse.transaction() as conn:
        assert load_state(conn, WATCH.name) == state
        counts = [execute(conn, f"SELECT count(*) FROM {t}")[0][0]
                  for t in ("developments", "development_sources", "development_history", "watch_articles")]
        # saving the same run again changes nothing
        save(conn, WATCH.name, state, changes, [a for a, _ in second], NOW)
        assert [execute(conn, f"SELECT count(*) FROM {t}")[0][0]
                for t in ("developments", "development_sources", "development_history", "watch_articles")] == counts
        roles = dict(execute(conn, "SELECT article_id, role FROM development_sources s JOIN developments d"
                                   " USING (development_id) WHERE d.kind = 'partnership'"))
        assert roles == {"k1": "first report", "t1": "corroboration", "w1": "copy", "a1": "update"}
        history = execute(conn, "SELECT change, field, old, new, article_id FROM development_history h"
                                " JOIN developments d USING (development_id) WHERE d.kind = 'figure'"
                                " ORDER BY changed_at, field")
        assert history[-1] == ("updated", "value", "300000", "350000", "a2")
        log = execute(conn, "SELECT key, change, field, url FROM development_log ORDER BY changed_at DESC LIMIT 1")
        assert log == [("figure|Xiaomi|deliveries|2025|target", "updated", "value", "https://autodaily.example/a2")]
        listed = timeline(conn, WATCH, limit=10)
    assert [e.key for e in listed] == ["figure|Xiaomi|deliveries|2025|target",
                                       "partnership|Samsung|Xiaomi|supply|batteries"]
    assert listed[0].status == "updated" and listed[0].latest_url == "https://autodaily.example/a2"
    assert listed[1].first_url == "https://koreabusinesstimes.example/k1"
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT source_count, status, stage FROM developments WHERE kind = 'partnership'"
                            ).fetchall() == [(3, "updated", "denied")]
