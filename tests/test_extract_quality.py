"""Extraction quality on our hand-written hard cases: floors that may only rise.

Scores tests/gold/hard_cases.yaml and, when present, tests/gold/hard_figures.yaml. Run
`python -m evwatch.extract.evaluate`-style reporting through format_report for the full table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evwatch.extract.evaluate import evaluate, format_report, gold_files, load_gold
from extract_support import build_extractor

GOLD = Path(__file__).resolve().parent / "gold"
FLOORS = {"companies": 0.95, "people": 0.90, "partnerships": 0.80, "figures": 0.90}
RELEVANCE_FLOOR = 0.90


@pytest.fixture(scope="module")
def report():
    files = [GOLD / "hard_cases.yaml"] + [p for p in [GOLD / "hard_figures.yaml"] if p.exists()]
    return evaluate(build_extractor(), load_gold(files))


@pytest.mark.parametrize("kind", ["companies", "people", "partnerships"])
def test_f1_stays_above_its_floor(report, kind):
    assert report.f1(kind) >= FLOORS[kind], format_report(report)


def test_figures_f1_stays_above_its_floor(report):
    try:
        import evwatch.extract.figures  # noqa: F401
    except ImportError:
        pytest.skip("extract/figures.py is not there yet")
    assert report.f1("figures") >= FLOORS["figures"], format_report(report)


def test_relevance_accuracy_stays_above_its_floor(report):
    assert report.relevance_accuracy() >= RELEVANCE_FLOOR, format_report(report)


def test_gold_files_exclude_the_developments_timeline():
    assert "demo_timeline.yaml" not in [p.name for p in gold_files(GOLD)]


def test_documents_without_stored_text_are_skipped_not_failed():
    demo = [d for d in load_gold(gold_files(GOLD)) if d.article is None]
    skipped = evaluate(build_extractor(), demo[:2]).skipped
    assert len(skipped) == len(demo[:2])
