"""Shared fixtures. Library tests need neither Prefect nor the network; flow tests share one
Prefect test API per test run (starting one takes seconds)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from evwatch.runtime import prepare_prefect_environment

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo"

# Tests never send telemetry and never use the developer's own Prefect profile or server.
os.environ.pop("PREFECT_API_URL", None)
prepare_prefect_environment()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A temporary Prefect API for the whole test run (imported here so library tests stay fast)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    """The shipped configuration and demo corpus, with the warehouse and outputs in tmp_path."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = (config / "evwatch.yaml").read_text(encoding="utf-8")
    text = text.replace("path: ../warehouse/evwatch.duckdb", f"path: {tmp_path / 'evwatch.duckdb'}")
    (config / "evwatch.yaml").write_text(text, encoding="utf-8")
    alerts = (config / "alerts.yaml").read_text(encoding="utf-8").replace("../out/alerts", str(tmp_path / "alerts"))
    (config / "alerts.yaml").write_text(alerts, encoding="utf-8")
    return config / "evwatch.yaml"
