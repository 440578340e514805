"""Relevance for the default watch: core, context, adjacent, none — driven by config/watches.yaml."""

from __future__ import annotations

import pytest

from evwatch.extract.pipeline import Extractor
from evwatch.watch import get_watch
from extract_support import build_extractor, extract_with


@pytest.fixture(scope="module")
def extractor():
    return build_extractor()


@pytest.fixture(scope="module")
def extract(extractor):
    return extract_with(extractor)


def label(text, extract, title=""):
    return extract(text, title).relevance.label


def test_a_samsung_xiaomi_ev_supply_is_core(extract):
    assert label("Samsung SDI could supply batteries for Xiaomi's YU7 electric SUV.", extract) == "core"


def test_a_meeting_of_the_two_chiefs_about_cars_is_core(extract):
    assert label("Lee Jae-yong met Lei Jun in Beijing to discuss electric vehicles.", extract) == "core"


def test_xiaomi_ev_business_alone_is_context(extract):
    assert label("Xiaomi delivered 40,000 SU7 sedans in October.", extract) == "context"


def test_samsung_automotive_business_with_another_carmaker_is_context(extract):
    assert label("Samsung SDI will supply batteries to BMW.", extract) == "context"


def test_another_tech_auto_tie_up_is_adjacent(extract):
    assert label("Sony and Honda formed a joint venture to build electric cars.", extract) == "adjacent"


def test_apple_s_car_project_is_adjacent(extract):
    assert label("Apple has scrapped its electric car project.", extract) == "adjacent"


@pytest.mark.parametrize("text", [
    "Samsung launched the Galaxy S25 while Xiaomi unveiled the Xiaomi 15. Both phones have bigger batteries.",
    "Samsung kept its lead in TV shipments while Xiaomi gained share.",
    "Memory chip prices rose, lifting Samsung Electronics, while Xiaomi warned on smartphone margins.",
    "Samsung Electronics supplies LPDDR5X memory for Xiaomi's flagship smartphones.",
])
def test_both_sides_named_outside_cars_is_none(extract, text):
    assert label(text, extract) == "none"


def test_a_side_named_in_passing_deep_in_another_story_is_not_context(extract):
    text = ("Sony Honda Mobility opened reservations for the Afeela 1. The sedan has big screens. "
            "It will be built in Ohio. Deliveries start in 2026. Rivals include Xiaomi's SU7 electric sedan.")
    assert label(text, extract) == "adjacent"


def test_the_title_counts_for_a_side(extract):
    text = "Deliveries start next year. Demand for electric cars is strong. Prices fell. The plant is big."
    assert label(text, extract, title="Xiaomi plans a second factory") == "context"


def test_scores_fall_in_the_label_band_from_the_watch(extractor, extract):
    settings = extractor.watch.relevance
    bands = {"core": (settings.core.score, 1.0), "context": (settings.context.score, settings.core.score),
             "adjacent": (settings.adjacent.score, settings.context.score), "none": (0.0, settings.adjacent.score)}
    for text in ("Samsung SDI could supply batteries for Xiaomi's YU7.", "Xiaomi delivered 40,000 SU7 sedans.",
                 "Apple scrapped its electric car.", "Samsung sold TVs."):
        relevance = extract(text).relevance
        low, high = bands[relevance.label]
        assert low <= relevance.score <= high


def test_reasons_say_what_was_found(extract):
    reasons = extract("Samsung SDI could supply batteries for Xiaomi's YU7 electric SUV.").relevance.reasons
    assert reasons[0] == "both sides named: Samsung, Xiaomi"
    assert "EV terms: 2" in reasons
    assert "partnership between sides: supply/batteries" in reasons


def test_labels_follow_the_watch_settings_not_code(extractor):
    watch = get_watch(extractor.watches)
    stricter = watch.model_copy(update={"relevance": watch.relevance.model_copy(
        update={"core": watch.relevance.core.model_copy(update={"min_ev_terms": 5})})})
    strict = extract_with(Extractor(extractor.catalogue, [stricter]))
    assert label("Samsung SDI could supply batteries for Xiaomi's YU7 electric SUV.", strict) == "context"
