"""Process-wide defaults evwatch sets before Prefect is imported."""

from __future__ import annotations

import logging
import os

PREFECT_DEFAULTS = {
    # evwatch does not send Prefect's usage telemetry anywhere unless the user turns it on.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # A fresh ephemeral API took 18 s to start on a 2-core machine against a 20 s default.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def prepare_prefect_environment() -> None:
    """Set evwatch's Prefect defaults, leaving anything the user set alone."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def quiet_prefect_console(level: int = logging.WARNING) -> None:
    """Keep Prefect's console output to warnings (the run's logs still reach the Prefect API)."""
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.server", "uvicorn", "docket"):
        for handler in logging.getLogger(name).handlers:
            if handler.__class__.__name__ in ("PrefectConsoleHandler", "StreamHandler"):
                handler.setLevel(level)
