"""The bundled demo, end to end: what a new user sees after the Quick start, and what the
warehouse then answers in plain SQL (issues' acceptance bars)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from evwatch.cli import app
from evwatch.config import load_settings
from evwatch.pipeline import extract_stale, ingest_document, make_warehouse, run_ingest
from evwatch.watching import replay_watch, update_developments

ROOT = Path(__file__).resolve().parents[1]
TIMELINE = yaml.safe_load((ROOT / "tests" / "gold" / "demo_timeline.yaml").read_text(encoding="utf-8"))
STANDALONE = ROOT / "config" / "demo" / "standalone" / "lee-lei-meeting-briefing.html"
LATER = ROOT / "config" / "demo" / "later" / "xiaomi-raises-2025-target-400k.html"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    """The demo corpus ingested and extracted (library steps, no Prefect), the standalone
    briefing given by hand, developments folded: what `evwatch run` + `evwatch ingest` store."""
    tmp = tmp_path_factory.mktemp("demo")
    settings = load_settings(ROOT / "config" / "evwatch.yaml", db=tmp / "demo.duckdb", env={})
    warehouse = make_warehouse(settings)
    run_ingest(settings)
    ingest_document(settings, str(STANDALONE))
    extract_stale(warehouse, settings)
    update_developments(warehouse, settings)
    return {"settings": settings, "warehouse": warehouse, "db": tmp / "demo.duckdb"}


def rows(demo: dict, sql: str) -> list[tuple]:
    with duckdb.connect(str(demo["db"]), read_only=True) as conn:
        return conn.execute(sql).fetchall()


# --- ingestion ---------------------------------------------------------------------------------

def test_every_demo_article_is_stored_once_and_copies_point_to_their_original(demo):
    assert rows(demo, "select count(*) from articles") == [(34,)]  # 33 from feeds + the standalone briefing
    copies = dict(rows(demo, "select a.url, o.url from articles a join articles o on o.article_id = a.duplicate_of"))
    assert copies == {
        "https://wirefeed.example/2025/03/samsung-lee-xiaomi-factory-visit":
            "https://techasia.example/2025/03/jay-y-lee-lei-jun-xiaomi-ev-plant",
        "https://wirefeed.example/2025/03/xiaomi-su7-first-year":
            "https://autodaily.example/2025/03/xiaomi-su7-first-year-deliveries",
    }


def test_every_demo_feed_is_healthy(demo):
    assert rows(demo, "select feed_id, healthy from feed_health order by 1") == [
        ("autodaily", True), ("koreabiz", True), ("techasia", True), ("wirefeed", True)]


# --- extraction (issue: the views hold the expected rows) ---------------------------------------

def test_xiaomis_2025_delivery_target_is_a_target_figure_in_units(demo):
    found = rows(demo, """select distinct kind, unit from figures
                          where company in ('Xiaomi', 'Xiaomi EV') and metric = 'deliveries'
                            and value = 350000 and period = '2025'""")
    assert ("target", "units") in found


def test_xiaomis_2024_ev_revenue_is_4_5e9_usd_actual(demo):
    found = rows(demo, """select distinct company, kind from figures
                          where metric = 'revenue' and value = 4.5e9 and unit = 'USD' and period = '2024'""")
    assert found == [("Xiaomi", "actual")]


def test_samsung_sdi_battery_supply_to_xiaomi_is_speculated(demo):
    found = rows(demo, """select distinct stage from partnership_mentions
                          where company_a = 'Samsung SDI' and group_a = 'Samsung' and company_b = 'Xiaomi'
                            and relation = 'supply' and topic = 'batteries'""")
    assert ("speculated",) in found


def test_samsung_memory_supply_to_xiaomi_is_operational(demo):
    found = rows(demo, """select distinct stage from partnership_mentions
                          where group_a = 'Samsung' and group_b = 'Xiaomi' and relation = 'supply' and topic = 'memory'""")
    assert found == [("operational",)]


def test_lee_jae_yong_is_samsung_electronics_chairman_under_each_spelling(demo):
    found = rows(demo, """select distinct surface from person_mentions
                          where person = 'Lee Jae-yong' and role = 'chairman' and company = 'Samsung Electronics'""")
    assert {s for (s,) in found} >= {"Lee Jae-yong", "Jay Y. Lee", "Jay Lee"}


def test_every_article_has_a_relevance_label_with_reasons(demo):
    assert rows(demo, "select count(*) from articles where relevance_label is null or len(relevance_reasons) = 0") == [(0,)]
    labels = dict(rows(demo, "select url, relevance_label from articles"))
    assert labels["https://wirefeed.example/2025/01/galaxy-s25-launch"] == "none"
    assert labels["https://techasia.example/2025/03/jay-y-lee-lei-jun-xiaomi-ev-plant"] == "core"


def test_mentions_are_traced_to_their_sentence_and_offsets(demo):
    bad = rows(demo, """select count(*) from company_mentions m join articles a using (article_id)
                        where substr(a.text, m.char_start + 1, m.char_end - m.char_start) <> m.surface""")
    assert bad == [(0,)]


def test_reextract_after_a_catalogue_change_updates_the_views_and_a_second_run_changes_nothing(demo, tmp_path):
    import shutil

    settings = demo["settings"]
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    catalogue = config / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # any change counts
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo["db"], db)
    changed = load_settings(config / "evwatch.yaml", db=db, env={})
    first = extract_stale(make_warehouse(changed), changed)
    assert first.articles == 34
    assert extract_stale(make_warehouse(changed), changed).articles == 0
    assert settings.db_path != db


# --- developments and alerts ------------------------------------------------------------------

def _key(key: dict) -> str:
    if key["kind"] == "partnership":
        return "|".join(["partnership", *key["groups"], key["relation"], key["topic"]])
    if key["kind"] == "meeting":
        return "|".join(["meeting", *key["groups"], key["date"]])
    return "|".join(["figure", key["company"], key["metric"], str(key["period"]), key["figure_kind"]])


def _expected_alerts(urls: dict[str, str]) -> set[tuple[str, str, str]]:
    """(status, article url, key) of every alert the annotated timeline says fires at once."""
    expected = set()
    for dev in TIMELINE["developments"]:
        if dev["alert"] != "now":
            continue
        if dev.get("held_until_sources") and not dev.get("alert_released_by") and not dev.get("updates"):
            continue                # speculative, and no second outlet ever reported it
        first = dev.get("alert_released_by") or dev["first_report"]
        where = first["url"] if isinstance(first, dict) and "url" in first else first
        expected.add(("new", urls.get(where, where) if isinstance(where, str) else urls[first["file"]], _key(dev["key"])))
        for update in dev.get("updates") or []:
            expected.add(("updated", update["url"], _key(dev["key"])))
    return expected


def test_replaying_the_demo_fires_each_annotated_alert_once_whatever_the_batches(demo):
    standalone_url = rows(demo, "select url from articles where title like '%briefing%' or url like '%lee-lei-meeting-briefing%'")[0][0]
    urls = {"config/demo/standalone/lee-lei-meeting-briefing.html": standalone_url}
    one = replay_watch(demo["warehouse"], demo["settings"], batches=1)
    four = replay_watch(demo["warehouse"], demo["settings"], batches=4)
    assert [(f.key, f.status, f.article_id) for f in one] == [(f.key, f.status, f.article_id) for f in four]
    fired = [(f.status, f.url, f.key) for f in one if f.alert_class == "now"]
    assert len(fired) == len(set(fired)), "an alert fired twice"
    assert set(fired) == _expected_alerts(urls)
    summaries = {(f.status, f.url, f.key): f.summary for f in one}
    for dev in TIMELINE["developments"]:
        for update in dev.get("updates") or []:
            if dev["alert"] == "now" and update["field"] == "stage":
                assert str(update["new"]).replace("_", " ") in summaries[("updated", update["url"], _key(dev["key"]))]
    no_alert = {a["url"] for a in TIMELINE["no_alert"]}
    assert not [f for f in one if f.alert_class == "now" and f.url in no_alert]


def test_the_replay_command_prints_the_same_alerts_as_json(demo):
    result = runner.invoke(app, ["replay", "--db", str(demo["db"]), "--format", "json", "--batches", "3"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    expected = replay_watch(demo["warehouse"], demo["settings"], batches=1)
    assert [(p["key"], p["status"], p["article_id"]) for p in printed] == [(f.key, f.status, f.article_id) for f in expected]
    assert set(printed[0]) >= {"at", "watch", "key", "kind", "status", "summary", "article_id", "url"}


@pytest.mark.flow
def test_quick_start_run_prints_the_alert_summary_then_nothing_new_then_one_update(prefect_api, demo_config):
    first = runner.invoke(app, ["run", "--config", str(demo_config)])
    assert first.exit_code == 0, first.output
    for feed in ("autodaily", "techasia", "koreabiz", "wirefeed"):
        assert feed in first.output
    assert "[NEW]" in first.output

    second = runner.invoke(app, ["run", "--config", str(demo_config)])
    assert second.exit_code == 0, second.output
    assert "Nothing new" in second.output and "No new developments" in second.output
    assert "[NEW]" not in second.output and "[UPDATED]" not in second.output

    later = runner.invoke(app, ["ingest", str(LATER), "--config", str(demo_config)])
    assert later.exit_code == 0, later.output
    assert later.output.count("[UPDATED]") == 1 and "[NEW]" not in later.output
    assert "350,000 → 400,000" in later.output

    alerts = runner.invoke(app, ["alerts", "--config", str(demo_config)])
    assert alerts.exit_code == 0 and "sent" in alerts.output


def test_the_daily_digest_carries_context_items_and_each_change_only_once(demo, tmp_path):
    import shutil

    from evwatch.watching import send_digest

    db = tmp_path / "digest.duckdb"
    shutil.copy(demo["db"], db)
    settings = load_settings(ROOT / "config" / "evwatch.yaml", db=db, env={})
    settings = type(settings)(**{**settings.__dict__, "channels": ()})  # render and queue only
    first = send_digest(make_warehouse(settings), settings)
    assert len(first) == 1
    assert "digest" in first[0].title and "Xiaomi revenue" in first[0].text  # a context (digest-only) item
    assert send_digest(make_warehouse(settings), settings) == []
