"""Helpers for tests that need a configuration folder of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_config(folder: Path, *, feeds: str = "feeds: []\n", settings: str = "", alerts: str | None = None,
                 copy_catalogue: bool = True) -> Path:
    """A config folder for a test: evwatch.yaml, feeds.yaml, the real catalogue and watches."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evwatch.yaml").write_text(
        "warehouse: {path: evwatch.duckdb, lock_timeout_seconds: 5}\n"
        "fetch: {allowed_hosts: ['127.0.0.1', 'localhost'], retries: 1, backoff_base: 0.01,"
        " connect_timeout: 2, read_timeout: 2, deadline: 5}\n" + settings,
        encoding="utf-8",
    )
    (folder / "feeds.yaml").write_text(feeds, encoding="utf-8")
    (folder / "alerts.yaml").write_text(alerts if alerts is not None else "channels: []\n", encoding="utf-8")
    if copy_catalogue:
        for name in ("catalogue.yaml", "watches.yaml"):
            if (ROOT / "config" / name).exists():
                shutil.copy(ROOT / "config" / name, folder / name)
    return folder / "evwatch.yaml"
