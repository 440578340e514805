"""Where evwatch finds its project folders.

evwatch runs from a checkout (``pip install -e .``): ``config/`` and ``warehouse/`` sit at the
project root, two levels above this package. ``EVWATCH_HOME`` points elsewhere when the package
is installed another way.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    home = os.environ.get("EVWATCH_HOME")
    if home:
        return Path(home).expanduser().resolve()
    return Path(__file__).resolve().parents[2]


def config_dir() -> Path:
    return project_root() / "config"


def warehouse_dir() -> Path:
    return project_root() / "warehouse"


def default_config_file() -> Path:
    return config_dir() / "evwatch.yaml"
