"""Extraction quality on our hand-written hard cases: floors that may only rise.

Scores tests/gold/hard_cases.yaml, tests/gold/hard_figures.yaml and the blind set
tests/gold/blind_2026_12.yaml (written without reading the rules; every document held out).
`evwatch eval` prints the same table, with the demo corpus's gold too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evwatch.extract.evaluate import evaluate, format_report, gold_files, load_gold
from extract_support import build_extractor

GOLD = Path(__file__).resolve().parent / "gold"
# Floors only ever rise: set just under what the extractor scores, so that a change that makes
# it worse fails here. The issue's own bar (companies 0.95, people 0.90, figures 0.90,
# partnerships 0.80, relevance 0.90) is the least each may be.
FLOORS = {"companies": 0.98, "unresolved": 0.80, "people": 0.97, "figures": 0.96,
          "partnerships": 0.88, "stages": 0.80, "topics": 0.86}
RELEVANCE_FLOOR = 0.95
# Documents kept out of rule-writing are scored only; their floors say how the extractor does on
# text it has not seen (docs/benchmarks.md has the figures).
HELDOUT_FLOORS = {"companies": 0.95, "unresolved": 0.65, "people": 0.95, "figures": 0.94, "partnerships": 0.80,
                  "stages": 0.65, "topics": 0.80}
HELDOUT_RELEVANCE_FLOOR = 0.95


@pytest.fixture(scope="module")
def report():
    files = [GOLD / "hard_cases.yaml", GOLD / "hard_figures.yaml", GOLD / "blind_2026_12.yaml"]
    return evaluate(build_extractor(), load_gold(files))


@pytest.mark.parametrize("kind", ["companies", "unresolved", "people", "partnerships", "stages", "topics"])
def test_f1_stays_above_its_floor(report, kind):
    assert report.f1(kind) >= FLOORS[kind], format_report(report)


@pytest.mark.parametrize("kind", sorted(HELDOUT_FLOORS))
def test_heldout_f1_stays_above_its_floor(report, kind):
    assert report.f1(kind, "heldout") >= HELDOUT_FLOORS[kind], format_report(report)


def test_heldout_relevance_accuracy_stays_above_its_floor(report):
    assert report.relevance_accuracy("heldout") >= HELDOUT_RELEVANCE_FLOOR, format_report(report)


def test_a_loose_match_takes_an_unmatched_gold_item_first():
    from evwatch.extract.evaluate import _keyed

    def same(p, g):
        return p == g or (p, g) == ("Samsung SDI", "Samsung")

    score, missing, extra = _keyed({"Samsung", "Samsung SDI"}, {"Samsung SDI", "Samsung Display"},
                                   lambda p, g: same(p, g) or (p == "Samsung Display" and g == "Samsung"))
    assert (score.tp, score.fp, score.fn) == (2, 0, 0)


def test_figures_f1_stays_above_its_floor(report):
    assert report.f1("figures") >= FLOORS["figures"], format_report(report)


def test_relevance_accuracy_stays_above_its_floor(report):
    assert report.relevance_accuracy() >= RELEVANCE_FLOOR, format_report(report)


def test_gold_files_exclude_the_developments_timeline():
    assert "demo_timeline.yaml" not in [p.name for p in gold_files(GOLD)]


def test_documents_without_stored_text_are_skipped_not_failed():
    demo = [d for d in load_gold(gold_files(GOLD)) if d.article is None]
    skipped = evaluate(build_extractor(), demo[:2]).skipped
    assert len(skipped) == len(demo[:2])


# ---- every gold set, the demo corpus's included (what `evwatch eval` prints) ---------------------

EVERY_SET_FLOORS = {"companies": 0.98, "people": 0.97, "figures": 0.97, "partnerships": 0.83, "stages": 0.74,
                    "topics": 0.78}


@pytest.fixture(scope="module")
def every_set(tmp_path_factory):
    from evwatch.config import load_settings
    from evwatch.quality import evaluate_gold

    settings = load_settings(Path(__file__).resolve().parents[1] / "config" / "evwatch.yaml",
                             db=tmp_path_factory.mktemp("eval") / "eval.duckdb", env={})
    return evaluate_gold(settings)


@pytest.mark.parametrize("kind", sorted(EVERY_SET_FLOORS))
def test_every_gold_set_stays_above_its_floor(every_set, kind):
    assert every_set.f1(kind) >= EVERY_SET_FLOORS[kind], format_report(every_set)
    assert not every_set.skipped, every_set.skipped


def test_every_gold_set_relevance_stays_above_its_floor(every_set):
    assert every_set.relevance_accuracy() >= RELEVANCE_FLOOR, format_report(every_set)
