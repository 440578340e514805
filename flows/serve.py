"""Serving evwatch's flows as Prefect deployments on the configured schedules."""

from __future__ import annotations

from datetime import timedelta

from evwatch.runtime import prepare_prefect_environment

prepare_prefect_environment()

from prefect import serve  # noqa: E402
from prefect.schedules import Cron, Interval  # noqa: E402

from evwatch.config import Settings  # noqa: E402
from flows.pipeline import evwatch_digest, evwatch_pipeline  # noqa: E402


def deployments(settings: Settings) -> list:
    """The pipeline every ``interval_minutes`` (one run at a time), and the daily digest."""
    parameters = {"config": str(settings.config_file), "db": str(settings.db_path), "trigger": "serve"}
    return [
        evwatch_pipeline.to_deployment(
            name="evwatch-scheduled",
            schedules=[Interval(timedelta(minutes=settings.schedule.interval_minutes), timezone=settings.schedule.timezone)],
            parameters=parameters,
            concurrency_limit=1,
            description="The evwatch pipeline on the configured interval.",
        ),
        evwatch_digest.to_deployment(
            name="evwatch-daily-digest",
            schedules=[Cron(settings.schedule.digest_cron, timezone=settings.schedule.timezone)],
            parameters={"config": parameters["config"], "db": parameters["db"], "hours": 24},
            concurrency_limit=1,
            description="The daily digest of every watch, context items included.",
        ),
    ]


def serve_deployments(settings: Settings) -> None:
    serve(*deployments(settings))
