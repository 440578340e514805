"""Novelty: which reports are news (new, updated, conflict) and which only corroborate.

Each test tells a small story of reports about one development, fed to the pure ``apply`` the
way the pipeline does, and checks the changes (what would alert) and the development after.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evwatch.developments.model import ArticleMeta, FieldChange, Observation
from evwatch.developments.novelty import Applied, apply
from evwatch.watch import load_watches

ROOT = Path(__file__).resolve().parents[1]
WATCH = load_watches(ROOT / "config" / "watches.yaml")[0].model_copy(update={"min_sources_speculative": 1})
NOW = datetime(2025, 12, 31, tzinfo=UTC)
DAY0 = datetime(2025, 3, 22, 6, 30, tzinfo=UTC)
BATTERIES = "partnership|Samsung|Xiaomi|supply|batteries"
MEETING = "meeting|Samsung|Xiaomi|2025-03"
TARGET = "figure|Xiaomi|deliveries|2025|target"
FIRST_YEAR = "figure|Xiaomi|deliveries|first year|actual"


def article(article_id: str, days: float, source: str = "Korea Business Times", *,
            copy_of: str | None = None) -> ArticleMeta:
    return ArticleMeta(article_id=article_id, published_at=DAY0 + timedelta(days=days), source=source,
                       url=f"https://news.example/{article_id}", title=article_id, duplicate_of=copy_of,
                       relevance=0.9, relevance_label="core")


def meeting(a: ArticleMeta, stage: str = "operational") -> Observation:
    return Observation(key=MEETING, kind="meeting", article=a, evidence="Lee met Lei Jun.", subject="Samsung",
                       object="Xiaomi", relation="meeting", stage=stage, period="2025-03")


def battery_deal(a: ArticleMeta, stage: str) -> Observation:
    return Observation(key=BATTERIES, kind="partnership", article=a, evidence=f"SDI and Xiaomi: {stage}.",
                       subject="Samsung", object="Xiaomi", relation="supply", topic="batteries", stage=stage,
                       units=("Samsung SDI",))


def target(a: ArticleMeta, value: float, *, context: tuple[float, ...] = (), unit: str = "units") -> Observation:
    return Observation(key=TARGET, kind="figure", article=a, evidence=f"Xiaomi aims at {value:,.0f}.",
                       subject="Xiaomi", metric="deliveries", value=value, unit=unit, period="2025",
                       figure_kind="target", context_values=context)


def first_year(a: ArticleMeta, value: float) -> Observation:
    return Observation(key=FIRST_YEAR, kind="figure", article=a, evidence=f"Xiaomi delivered {value:,.0f}.",
                       subject="Xiaomi", metric="deliveries", value=value, unit="units", period="first year",
                       figure_kind="actual")


def run(*observations: Observation, state=None, watch=WATCH) -> Applied:
    return apply(state or {}, list(observations), watch, now=NOW)


def changes_of(result: Applied) -> list[tuple[str, str, tuple[FieldChange, ...]]]:
    return [(c.change, c.trigger.article_id, tuple(f for f in c.fields if f.field != "created"))
            for c in result.changes]


# --------------------------------------------------------------------------- new and corroborated

def test_a_first_meeting_is_one_new_development():
    result = run(meeting(article("k1", 0)))
    assert changes_of(result) == [("new", "k1", ())]
    (change,) = result.changes
    assert change.fields[0].field == "created" and change.alert_class == "now"
    dev = result.state[MEETING]
    assert (dev.status, dev.stage, dev.source_count, dev.first_article_id) == ("new", "operational", 1, "k1")
    assert dev.summary == "Samsung–Xiaomi meeting, March 2025: took place"
    assert [(h.change, h.field) for h in dev.history] == [("new", "created")]


def test_reports_from_other_outlets_corroborate_raise_source_count_and_score_and_never_alert():
    first = run(meeting(article("k1", 0)))
    later = run(meeting(article("t1", 1, "TechAsia Review")), meeting(article("a1", 2, "AutoDaily")),
                state=first.state)
    assert later.changes == []
    before, after = first.state[MEETING], later.state[MEETING]
    assert (before.source_count, after.source_count) == (1, 3)
    assert after.score > before.score
    assert "3 independent sources" in after.reasons
    assert [(s.article_id, s.role) for s in after.sources] == [
        ("k1", "first report"), ("t1", "corroboration"), ("a1", "corroboration")]
    assert after.last_seen_at == article("a1", 2).published_at
    assert after.status == "new" and after.updated_at is None


def test_the_same_outlet_again_corroborates_but_is_not_another_independent_source():
    result = run(meeting(article("k1", 0)), meeting(article("k2", 1)))
    assert changes_of(result) == [("new", "k1", ())]
    assert result.state[MEETING].source_count == 1
    assert len(result.state[MEETING].sources) == 2


def test_a_syndicated_copy_published_before_its_original_still_counts_once():
    copy = meeting(article("w1", 0, "Global Newswire", copy_of="t1"))
    original = meeting(article("t1", 0.5, "TechAsia Review"))
    together = run(copy, original)
    in_turn = run(original, state=run(copy).state)
    for result in (together, in_turn):
        dev = result.state[MEETING]
        assert [(s.article_id, s.role) for s in dev.sources] == [("w1", "first report"), ("t1", "copy")]
        assert dev.source_count == 1
        assert changes_of(result)[1:] == []


def test_a_syndicated_copy_is_recorded_as_a_copy_and_not_counted():
    first = run(meeting(article("t1", 0, "TechAsia Review")))
    copied = run(meeting(article("w1", 1, "Global Newswire", copy_of="t1")), state=first.state)
    assert copied.changes == []
    dev = copied.state[MEETING]
    assert [(s.article_id, s.role) for s in dev.sources] == [("t1", "first report"), ("w1", "copy")]
    assert dev.source_count == 1
    assert dev.score == first.state[MEETING].score
    assert dev.last_seen_at == first.state[MEETING].last_seen_at


# --------------------------------------------------------------------------- stages

def test_each_stage_advance_is_one_update_with_the_old_and_new_stage():
    result = run(battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 40), "in_talks"),
                 battery_deal(article("t1", 41, "TechAsia Review"), "in_talks"),
                 battery_deal(article("a1", 90, "AutoDaily"), "agreed"))
    assert changes_of(result) == [
        ("new", "k1", ()),
        ("updated", "k2", (FieldChange("stage", "speculated", "in_talks"),)),
        ("updated", "a1", (FieldChange("stage", "in_talks", "agreed"),)),
    ]
    dev = result.state[BATTERIES]
    assert (dev.status, dev.stage, dev.updated_at) == ("updated", "agreed", article("a1", 90).published_at)
    assert [s.role for s in dev.sources] == ["first report", "update", "corroboration", "update"]
    assert [(h.change, h.field, h.old, h.new) for h in dev.history] == [
        ("new", "created", None, dev.history[0].new),
        ("updated", "stage", "speculated", "in_talks"),
        ("updated", "stage", "in_talks", "agreed"),
    ]
    assert result.changes[1].development.stage == "in_talks"     # each change carries the state it made


def test_a_denial_is_an_update():
    result = run(battery_deal(article("k1", 0), "in_talks"), battery_deal(article("a1", 80, "AutoDaily"), "denied"),
                 battery_deal(article("k2", 100), "denied"))
    assert changes_of(result) == [("new", "k1", ()),
                                  ("updated", "a1", (FieldChange("stage", "in_talks", "denied"),))]
    assert result.state[BATTERIES].summary == "Samsung supplying Xiaomi with batteries: denied (via Samsung SDI)"


def test_a_stage_moving_back_weeks_later_is_a_stale_report_not_an_update():
    # a rewritten rumour long after the deal was agreed, or old talks recalled after it ended
    result = run(battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 30), "agreed"),
                 battery_deal(article("t1", 90, "TechAsia Review"), "speculated"),
                 battery_deal(article("a1", 120, "AutoDaily"), "ended"),
                 battery_deal(article("t2", 200, "TechAsia Review"), "in_talks"))
    assert changes_of(result) == [("new", "k1", ()),
                                  ("updated", "k2", (FieldChange("stage", "speculated", "agreed"),)),
                                  ("updated", "a1", (FieldChange("stage", "agreed", "ended"),))]
    dev = result.state[BATTERIES]
    assert (dev.stage, dev.status) == ("ended", "updated")
    assert [s.role for s in dev.sources] == ["first report", "update", "superseded", "update", "superseded"]
    assert dev.source_count == 3            # a stale report still says the development exists


def test_a_stage_flipping_back_within_days_is_one_conflict_not_flapping():
    result = run(battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 30), "in_talks"),
                 battery_deal(article("t1", 31, "TechAsia Review"), "speculated"),
                 battery_deal(article("a1", 32, "AutoDaily"), "in_talks"),
                 battery_deal(article("t2", 33, "TechAsia Review"), "speculated"))
    assert [(c, a) for c, a, _ in changes_of(result)] == [("new", "k1"), ("updated", "k2"), ("conflict", "t1")]
    dev = result.state[BATTERIES]
    assert (dev.status, dev.stage) == ("conflict", "in_talks")
    assert dev.conflict == ("in talks (Korea Business Times, AutoDaily) vs "
                            "speculated (Korea Business Times, TechAsia Review)")
    # a stage neither side claimed settles it
    settled = run(battery_deal(article("a2", 60, "AutoDaily"), "agreed"), state=result.state)
    assert changes_of(settled) == [("updated", "a2", (FieldChange("stage", "in_talks", "agreed"),
                                                      FieldChange("status", "conflict", "updated")))]
    assert settled.state[BATTERIES].conflict is None


def test_an_older_report_read_late_is_superseded_not_a_change():
    result = run(battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 30), "in_talks"))
    late = run(battery_deal(article("t0", 20, "TechAsia Review"), "speculated"), state=result.state)
    assert late.changes == []
    assert late.state[BATTERIES].sources[-1].role == "superseded"


# --------------------------------------------------------------------------- figures

def test_a_figure_revised_a_month_later_is_one_update():
    result = run(target(article("t1", 0, "TechAsia Review"), 300_000),
                 target(article("a1", 20, "AutoDaily"), 300_000),
                 target(article("k1", 55), 350_000),
                 target(article("t2", 56, "TechAsia Review"), 350_000))
    assert changes_of(result) == [("new", "t1", ()), ("updated", "k1", (FieldChange("value", "300000", "350000"),))]
    dev = result.state[TARGET]
    assert (dev.value, dev.status) == (350_000, "updated")
    assert dev.summary == "Xiaomi deliveries target 2025: 350,000 units"


def test_an_article_that_gives_the_old_value_revises_even_within_days():
    result = run(target(article("k1", 0), 200_000), target(article("t1", 0.5, "TechAsia Review"), 240_000,
                                                           context=(200_000,)))
    assert changes_of(result) == [("new", "k1", ()), ("updated", "t1", (FieldChange("value", "200000", "240000"),))]


def test_a_later_article_restating_the_revision_corroborates():
    state = run(target(article("t1", 0, "TechAsia Review"), 300_000),
                target(article("a1", 100, "AutoDaily"), 350_000, context=(300_000,))).state
    result = run(target(article("k1", 101), 350_000, context=(300_000,)), state=state)
    assert result.changes == [] and result.state[TARGET].sources[-1].role == "corroboration"


def test_different_values_within_days_are_one_conflict_not_flapping():
    result = run(first_year(article("t1", 6, "TechAsia Review"), 135_000),
                 first_year(article("a1", 6.2, "AutoDaily"), 136_854))
    assert changes_of(result) == [("new", "t1", ()), ("conflict", "a1", (FieldChange("status", "new", "conflict"),))]
    dev = result.state[FIRST_YEAR]
    assert (dev.status, dev.value, dev.conflict_claims) == ("conflict", 135_000, ("135000", "136854"))
    assert dev.conflict == "135,000 units (TechAsia Review) vs 136,854 units (AutoDaily)"
    assert "sources disagree" in dev.reasons and "135,000 or 136,854" in dev.summary
    # more reports of either value, days or months later, change nothing
    more = run(first_year(article("w1", 7, "Global Newswire", copy_of="a1"), 136_854),
               first_year(article("k1", 8), 135_000),
               first_year(article("k2", 58), 137_000),
               first_year(article("t2", 97, "TechAsia Review"), 136_854),
               first_year(article("x1", 98, "Other Wire"), 135_000), state=result.state)
    assert more.changes == []
    assert more.state[FIRST_YEAR].status == "conflict"
    assert [s.role for s in more.state[FIRST_YEAR].sources][2:] == ["copy"] + ["corroboration"] * 4


def test_a_third_value_within_days_joins_the_conflict_without_another_change():
    result = run(first_year(article("t1", 0, "TechAsia Review"), 135_000),
                 first_year(article("a1", 1, "AutoDaily"), 136_854),
                 first_year(article("k1", 2), 140_000))
    assert [c for c, _, _ in changes_of(result)] == ["new", "conflict"]
    assert result.state[FIRST_YEAR].conflict_claims == ("135000", "136854", "140000")


def test_a_clear_revision_settles_a_conflict():
    state = run(first_year(article("t1", 0, "TechAsia Review"), 135_000),
                first_year(article("a1", 1, "AutoDaily"), 136_854)).state
    result = run(first_year(article("k1", 60), 150_000), state=state)
    assert changes_of(result) == [("updated", "k1", (FieldChange("value", "135000", "150000"),
                                                     FieldChange("status", "conflict", "updated")))]
    dev = result.state[FIRST_YEAR]
    assert (dev.status, dev.value, dev.conflict, dev.conflict_claims) == ("updated", 150_000, None, ())


def test_a_value_restated_months_after_it_was_replaced_is_a_stale_report_not_a_conflict():
    state = run(target(article("t1", 0, "TechAsia Review"), 300_000),
                target(article("a1", 100, "AutoDaily"), 350_000)).state
    result = run(target(article("k1", 101), 300_000), target(article("k2", 160), 300_000),
                 target(article("k3", 170), 350_000), target(article("x1", 175, "Other Wire"), 300_000), state=state)
    assert result.changes == []
    dev = result.state[TARGET]
    assert (dev.value, dev.status) == (350_000, "updated")
    assert [s.role for s in dev.sources][2:] == ["superseded", "superseded", "corroboration", "superseded"]


def test_a_settled_conflict_does_not_flap_when_old_claims_are_restated():
    state = run(first_year(article("t1", 0, "TechAsia Review"), 135_000),
                first_year(article("a1", 1, "AutoDaily"), 136_854),
                first_year(article("k1", 60), 150_000)).state
    assert (state[FIRST_YEAR].value, state[FIRST_YEAR].status) == (150_000, "updated")
    # the losing claims come back, within days of the revision and months later: no change either way
    result = run(first_year(article("a2", 62, "AutoDaily"), 136_854),
                 first_year(article("t2", 90, "TechAsia Review"), 136_854),
                 first_year(article("k2", 95), 150_000),
                 first_year(article("x1", 100, "Other Wire"), 135_000),
                 first_year(article("a3", 130, "AutoDaily"), 136_854), state=state)
    assert result.changes == []
    dev = result.state[FIRST_YEAR]
    assert (dev.value, dev.status, dev.conflict_claims) == (150_000, "updated", ())
    assert [s.role for s in dev.sources][3:] == ["superseded", "superseded", "corroboration", "superseded",
                                                 "superseded"]


def test_an_article_that_cuts_back_to_the_old_value_explicitly_is_an_update():
    state = run(target(article("t1", 0, "TechAsia Review"), 300_000),
                target(article("a1", 100, "AutoDaily"), 350_000)).state
    result = run(target(article("k1", 160), 300_000, context=(350_000,)), state=state)
    assert changes_of(result) == [("updated", "k1", (FieldChange("value", "350000", "300000"),))]


def test_a_minor_difference_long_after_corroborates():
    state = run(target(article("t1", 0, "TechAsia Review"), 350_000)).state
    result = run(target(article("k1", 60), 352_000), state=state)    # 0.6%: rounding, not a revision
    assert result.changes == [] and result.state[TARGET].value == 350_000
    assert result.state[TARGET].sources[-1].role == "corroboration"


def test_the_same_figure_in_another_unit_corroborates():
    state = run(target(article("t1", 0, "TechAsia Review"), 32.8e9, unit="CNY")).state
    result = run(target(article("k1", 1), 4.5e9, unit="USD"), state=state)
    assert result.changes == [] and result.state[TARGET].source_count == 2


# --------------------------------------------------------------------------- speculation, order, idempotence

def test_speculation_waits_for_enough_independent_sources():
    watch = WATCH.model_copy(update={"min_sources_speculative": 2})
    first = run(battery_deal(article("k1", 0), "speculated"),
                battery_deal(article("w1", 0.5, "Global Newswire", copy_of="k1"), "speculated"),
                battery_deal(article("k2", 1), "speculated"), watch=watch)
    assert first.changes == []
    assert first.state[BATTERIES].held
    assert any("waiting for a 2nd independent source" in r for r in first.state[BATTERIES].reasons)
    second = run(battery_deal(article("t1", 2, "TechAsia Review"), "speculated"), state=first.state, watch=watch)
    assert changes_of(second) == [("new", "t1", ())]
    assert second.changes[0].at == article("t1", 2).published_at
    assert not second.state[BATTERIES].held
    assert [(h.change, h.article_id) for h in second.state[BATTERIES].history] == [("new", "t1")]


def test_held_speculation_alerts_once_its_stage_moves_on():
    watch = WATCH.model_copy(update={"min_sources_speculative": 2})
    result = run(battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 5), "in_talks"), watch=watch)
    assert changes_of(result) == [("new", "k2", (FieldChange("stage", "speculated", "in_talks"),))]
    assert result.state[BATTERIES].status == "new"


def test_observations_are_taken_in_publication_order_whatever_order_they_come_in():
    reports = [battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 40), "in_talks"),
               battery_deal(article("a1", 90, "AutoDaily"), "agreed"), target(article("t1", 3, "TechAsia Review"), 1)]
    forward, backward = run(*reports), run(*reversed(reports))
    assert forward.state == backward.state
    assert changes_of(forward) == changes_of(backward)


def test_same_time_ties_are_broken_by_article_id():
    a, b = article("b", 0, "AutoDaily"), article("a", 0, "TechAsia Review")
    result = run(first_year(a, 136_854), first_year(b, 135_000))
    assert result.state[FIRST_YEAR].first_article_id == "a"


def test_feeding_the_same_observations_twice_changes_nothing():
    reports = [battery_deal(article("k1", 0), "speculated"), battery_deal(article("k2", 40), "in_talks"),
               first_year(article("t1", 6, "TechAsia Review"), 135_000),
               first_year(article("a1", 6.2, "AutoDaily"), 136_854)]
    once = run(*reports)
    frozen = {k: d.copy() for k, d in once.state.items()}
    twice = run(*reports, state=once.state)
    assert twice.changes == [] and twice.reports == []
    assert twice.state == once.state == frozen
    # within one call too: the same article counted once per key
    assert run(*reports, *reports).state == once.state


def test_apply_leaves_the_given_state_untouched():
    state = run(battery_deal(article("k1", 0), "speculated")).state
    before = {k: replace(d, sources=list(d.sources), history=list(d.history)) for k, d in state.items()}
    run(battery_deal(article("k2", 40), "in_talks"), battery_deal(article("t1", 41, "TechAsia Review"), "in_talks"),
        state=state)
    assert state == before
