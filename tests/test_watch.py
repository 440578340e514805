"""Watch definitions (config/watches.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evwatch.errors import ConfigError
from evwatch.watch import DEFAULT_WATCH, AlertRule, get_watch, load_watches

ROOT = Path(__file__).resolve().parents[1]
WATCHES = ROOT / "config" / "watches.yaml"


@pytest.fixture(scope="module")
def default_watch():
    return get_watch(load_watches(WATCHES))


def write(tmp_path: Path, watches: list[dict]) -> Path:
    path = tmp_path / "watches.yaml"
    path.write_text(yaml.safe_dump({"watches": watches}), encoding="utf-8")
    return path


def minimal(name: str = "w", **extra) -> dict:
    return {"name": name, "side_a": ["Samsung"], "side_b": ["Xiaomi"], "topics": {"ev": ["EV"]}, **extra}


def test_the_default_watch_comes_first(default_watch):
    assert default_watch.name == DEFAULT_WATCH
    assert (default_watch.side_a, default_watch.side_b) == (["Samsung"], ["Xiaomi"])


def test_default_watch_alerts_at_once_on_cooperation_between_the_sides(default_watch):
    assert AlertRule(kind="partnership", between_sides=True) in default_watch.alert_now
    assert AlertRule(kind="meeting", between_sides=True) in default_watch.alert_now


def test_default_watch_alerts_at_once_on_xiaomi_delivery_targets(default_watch):
    rule = AlertRule(kind="figure", companies=["Xiaomi"], metrics=["deliveries"], figure_kinds=["target"])
    assert rule in default_watch.alert_now


def test_default_watch_digests_xiaomi_figures_and_samsung_partnerships(default_watch):
    kinds = {(r.kind, tuple(r.companies)) for r in default_watch.digest}
    assert {("figure", ("Xiaomi",)), ("partnership", ("Samsung",))} <= kinds


def test_side_of_tells_which_side_a_group_is_on(default_watch):
    assert [default_watch.side_of(g) for g in ("Samsung", "Xiaomi", "Tesla")] == ["a", "b", ""]


def test_several_watches_coexist_and_are_found_by_name(tmp_path):
    watches = load_watches(write(tmp_path, [minimal("first"), minimal("second")]))
    assert get_watch(watches, "second").name == "second"
    assert get_watch(watches).name == "first"


def test_an_unknown_watch_name_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no watch named 'third'"):
        get_watch(load_watches(write(tmp_path, [minimal("first")])), "third")


def test_an_unknown_topic_names_the_key_and_the_vocabulary(tmp_path):
    path = write(tmp_path, [minimal(topics={"tyres": ["tyre"]})])
    with pytest.raises(ConfigError, match=r"watches\.0\.topics: .*unknown topic.*'batteries'") as caught:
        load_watches(path)
    assert str(path) in str(caught.value)


def test_an_alert_rule_kind_outside_the_vocabulary_is_rejected(tmp_path):
    path = write(tmp_path, [minimal(alert_now=[{"kind": "rumour"}])])
    with pytest.raises(ConfigError, match=r"watches\.0\.alert_now\.0\.kind"):
        load_watches(path)


def test_an_unknown_metric_in_an_alert_rule_is_rejected(tmp_path):
    path = write(tmp_path, [minimal(digest=[{"kind": "figure", "metrics": ["mood"]}])])
    with pytest.raises(ConfigError, match=r"watches\.0\.digest\.0\.metrics: .*unknown metric"):
        load_watches(path)


def test_duplicate_watch_names_are_rejected(tmp_path):
    with pytest.raises(ConfigError, match="duplicate watch name"):
        load_watches(write(tmp_path, [minimal("w"), minimal("w")]))


def test_relevance_floors_must_rise_from_adjacent_to_core(tmp_path):
    path = write(tmp_path, [minimal(relevance={"core": {"score": 0.4}, "context": {"score": 0.5}})])
    with pytest.raises(ConfigError, match="adjacent.score < context.score < core.score"):
        load_watches(path)


def test_a_side_that_is_no_catalogue_group_is_rejected_when_building_the_extractor(tmp_path):
    from evwatch.extract.catalogue import load_catalogue
    from evwatch.extract.pipeline import Extractor

    watches = load_watches(write(tmp_path, [minimal(side_b=["Xiaomy"])]))
    with pytest.raises(ConfigError, match=r"watches\.0\.side_b: unknown catalogue group"):
        Extractor(load_catalogue(ROOT / "config" / "catalogue.yaml"), watches)
