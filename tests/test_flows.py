"""The Prefect flows import, validate and run for real against a temporary Prefect API."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.support import write_config

pytestmark = pytest.mark.flow

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Flow test</title>
<item><title>Xiaomi SU7 deliveries pass 100,000</title><link>https://flow.example/su7</link>
<guid>flow-1</guid><pubDate>Tue, 01 Apr 2025 08:00:00 GMT</pubDate>
<description>Xiaomi said its SU7 electric sedan passed 100,000 deliveries, a milestone for the carmaker.</description></item>
</channel></rss>
"""


def test_every_flow_module_imports_and_its_flows_validate():
    from prefect import Flow

    for name in ("flows.pipeline", "flows.serve"):
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Flow):
                value.validate_parameters({})


def test_pipeline_flow_runs_stores_and_records_an_artifact(prefect_api, tmp_path: Path):
    from prefect.client.orchestration import get_client

    from flows.pipeline import evwatch_pipeline

    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    config = write_config(tmp_path, feeds="feeds:\n  - {name: flowtest, path: feed.xml}\n")

    summary = evwatch_pipeline(config=str(config))
    assert [(f.feed, f.status, f.new_articles) for f in summary.feeds] == [("flowtest", "ok", 1)]

    again = evwatch_pipeline(config=str(config))
    assert again.new_articles == 0 and again.nothing_new

    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["evwatch-run-summary"])))
    assert any("flowtest" in (a.data or "") for a in artifacts)


def test_serve_builds_a_scheduled_deployment_with_one_run_at_a_time(tmp_path: Path):
    from evwatch.config import load_settings
    from flows.serve import deployments

    config = write_config(tmp_path, settings="schedule: {interval_minutes: 30, digest_cron: '0 6 * * 1-5'}\n")
    built = deployments(load_settings(config, env={}))
    pipeline = next(d for d in built if d.name == "evwatch-scheduled")
    assert pipeline.schedules[0].schedule.interval.total_seconds() == 30 * 60
    assert pipeline.concurrency_limit == 1
    digest = next(d for d in built if d.name == "evwatch-daily-digest")
    assert digest.schedules[0].schedule.cron == "0 6 * * 1-5"


def test_fetch_tasks_have_a_timeout_beyond_the_library_bounds():
    from pydantic import ValidationError

    from evwatch.config import FetchConfig
    from flows.pipeline import build_articles, fetch_feed

    # The library bounds page fetching by the feed's page budget, which may not exceed 1200 s;
    # the task timeout is a backstop beyond it.
    with pytest.raises(ValidationError):
        FetchConfig(page_budget_seconds=1201)
    assert build_articles.timeout_seconds > 1200
    defaults = FetchConfig()
    assert fetch_feed.timeout_seconds > (defaults.retries + 1) * defaults.deadline + defaults.retries * defaults.max_retry_after


def test_the_demo_run_records_its_alert_summary_and_the_digest_flow_sends_the_day_once(prefect_api, demo_config: Path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.pipeline import evwatch_digest, evwatch_pipeline

    summary = evwatch_pipeline(config=str(demo_config))
    assert "[NEW]" in summary.alert_text
    with get_client(sync_client=True) as client:
        runs = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["evwatch-run-summary"])))
        assert any("## Alert summary" in (a.data or "") and "[NEW]" in (a.data or "") for a in runs)

        assert evwatch_digest(config=str(demo_config), hours=24 * 365 * 3) == 1     # the whole demo period
        assert evwatch_digest(config=str(demo_config)) == 0                          # nothing since
        digests = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["evwatch-digest"])))
    assert digests and "digest" in (digests[0].data or "").lower()
