"""Configuration: read once at the edge, validated with pydantic, with messages that name the
file, the key and what was expected.

Layout (paths inside a file are relative to that file's folder)::

    config/evwatch.yaml   settings: warehouse, fetch limits, schedule, and which files hold
                          the feeds, the entity catalogue, the watches and the alert channels
    config/feeds.yaml     the feeds to poll
    config/alerts.yaml    alert channels (Apprise URLs, a folder, the terminal)

Environment variables override settings: ``EVWATCH_CONFIG`` (the settings file),
``EVWATCH_DB`` (the database file) and, for any other key, ``EVWATCH__SECTION__KEY``
(e.g. ``EVWATCH__FETCH__READ_TIMEOUT=20``). Secrets never live in these files: an alert channel
URL names them as ``${VARIABLE}`` and they are read from the environment when sending.

A structural error (bad YAML, unknown key, wrong type) raises :class:`ConfigError`; the command
line turns it into exit code 2. One bad entry in the feeds list is different: it is reported as a
:class:`ConfigProblem` naming the file and the entry, skipped, and the other feeds still run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evwatch.errors import ConfigError
from evwatch.paths import default_config_file, warehouse_dir

ENV_PREFIX = "EVWATCH__"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseSettings(_Strict):
    path: Path = Field(default_factory=lambda: warehouse_dir() / "evwatch.duckdb")
    lock_timeout_seconds: float = Field(30.0, ge=0)
    snapshot: bool = True  # keep a read snapshot so `evwatch query` never blocks a run


class FetchConfig(_Strict):
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(10.0, gt=0)
    deadline: float = Field(30.0, gt=0)
    max_bytes: int = Field(10_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    retries: int = Field(3, ge=0, le=10)
    backoff_base: float = Field(0.5, ge=0)
    max_retry_after: float = Field(60.0, ge=0)
    max_concurrency: int = Field(8, ge=1, le=64)
    per_host_concurrency: int = Field(2, ge=1, le=16)
    allowed_hosts: list[str] = Field(default_factory=list)
    user_agent: str | None = None
    #: Time one feed's linked pages may take in a run; pages not reached wait for the next run.
    #: At most 20 minutes, so the flow's task timeout (a backstop) always lies beyond it.
    page_budget_seconds: float = Field(180.0, gt=0, le=1200)
    #: How often a page that fails for a passing reason (timeout, 5xx) is tried, over runs.
    max_page_attempts: int = Field(5, ge=1, le=50)

    @field_validator("allowed_hosts")
    @classmethod
    def _lower(cls, hosts: list[str]) -> list[str]:
        return [h.strip().lower().strip("[]") for h in hosts if h.strip()]


class ScheduleSettings(_Strict):
    interval_minutes: int = Field(15, ge=1)
    digest_cron: str = "0 7 * * *"
    timezone: str = "UTC"


class FeedConfig(_Strict):
    """One feed: a URL, or a local path (whose linked pages may be read inside its folder)."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    url: str | None = None
    path: Path | None = None
    full_text: Literal["auto", "always", "never"] = "auto"
    poll_minutes: int | None = Field(None, ge=1)
    enabled: bool = True
    source: str | None = None  # outlet name shown to users; defaults to the feed name

    @model_validator(mode="after")
    def _one_location(self) -> "FeedConfig":
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' or 'path'")
        if self.url is not None and not re.match(r"^https?://", self.url, re.I):
            raise ValueError("'url' must start with http:// or https://")
        return self

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    @property
    def outlet(self) -> str:
        return self.source or self.name


class ChannelConfig(_Strict):
    """One alert channel. ``apprise`` URLs may name secrets as ``${VARIABLE}``."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    type: Literal["apprise", "file", "terminal"]
    url: str | None = None
    path: Path | None = None
    format: Literal["text", "markdown", "html"] | None = None
    enabled: bool = True
    watches: list[str] = Field(default_factory=list)  # empty: every watch
    digest: bool = True   # also receives the daily digest
    timeout_seconds: float = Field(15.0, gt=0)
    # The longest message body this channel takes; unset: what its service accepts (see alerts/channels.py).
    max_chars: int | None = Field(None, ge=500)

    @model_validator(mode="after")
    def _needs(self) -> "ChannelConfig":
        if self.type == "apprise" and not self.url:
            raise ValueError("an 'apprise' channel needs 'url'")
        if self.type == "file" and self.path is None:
            raise ValueError("a 'file' channel needs 'path'")
        return self

    def resolved_url(self, env: Mapping[str, str] | None = None) -> str:
        """The Apprise URL with ``${VARIABLE}`` secrets filled in from the environment."""
        env = os.environ if env is None else env
        url = self.url or ""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(
                    f"environment variable {name} is not set", key=f"channels.{self.name}.url"
                )
            return env[name]

        return _PLACEHOLDER.sub(fill, url)


class SettingsFile(_Strict):
    """The shape of config/evwatch.yaml."""

    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    feeds_file: Path = Path("feeds.yaml")
    catalogue_file: Path = Path("catalogue.yaml")
    watches_file: Path = Path("watches.yaml")
    alerts_file: Path = Path("alerts.yaml")


@dataclass(frozen=True)
class ConfigProblem:
    """A configuration entry that was skipped; the rest of the run goes on."""

    source: str   # file and key, e.g. "config/feeds.yaml: feeds[3]"
    message: str


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, validated."""

    config_file: Path
    warehouse: WarehouseSettings
    fetch: FetchConfig
    schedule: ScheduleSettings
    feeds: tuple[FeedConfig, ...]
    channels: tuple[ChannelConfig, ...]
    catalogue_file: Path
    watches_file: Path
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def db_path(self) -> Path:
        return self.warehouse.path

    def feed(self, name: str) -> FeedConfig:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        raise ConfigError(f"no feed named {name!r}", path=str(self.config_file), key="feeds")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML{where}: {problem}", path=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping at the top level, got {type(data).__name__}", path=str(path))
    return data


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """One line per problem: 'key.path: what was expected (got ...)'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__")
        key = ".".join(p for p in (prefix, loc) if p)
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
        lines.append(f"{key}: {msg}{shown}" if key else f"{msg}{shown}")
    return "; ".join(lines)


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """``EVWATCH__FETCH__READ_TIMEOUT=20`` → ``{"fetch": {"read_timeout": "20"}}``."""
    tree: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if parts:
            node[parts[-1]] = yaml.safe_load(value) if value else value
    return tree


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(base: Path, path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _load_list(path: Path, key: str, model: type[BaseModel]) -> tuple[list[Any], list[ConfigProblem]]:
    """Validate each entry of a list on its own, so one bad entry does not sink the others."""
    data = _read_yaml(path)
    unknown = set(data) - {key}
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}; expected only '{key}'", path=str(path))
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise ConfigError(f"expected a list, got {type(raw).__name__}", path=str(path), key=key)
    items, problems, names = [], [], set()
    for index, entry in enumerate(raw):
        source = f"{path}: {key}[{index}]"
        if isinstance(entry, dict) and entry.get("name"):
            source += f" ({entry['name']})"
        try:
            item = model.model_validate(entry)
        except ValidationError as exc:
            problems.append(ConfigProblem(source, describe_validation_error(exc)))
            continue
        if item.name in names:  # type: ignore[attr-defined]
            problems.append(ConfigProblem(source, f"duplicate name {item.name!r}"))  # type: ignore[attr-defined]
            continue
        names.add(item.name)  # type: ignore[attr-defined]
        items.append(item)
    return items, problems


def load_settings(
    config_file: Path | str | None = None,
    *,
    db: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Load and validate the settings file and the files it names.

    Precedence: explicit arguments (``--config``, ``--db``), then environment variables, then
    the files, then defaults.
    """
    env = os.environ if env is None else env
    path = Path(config_file or env.get("EVWATCH_CONFIG") or default_config_file()).expanduser().resolve()
    data = _merge(_read_yaml(path), _env_overrides(env))
    try:
        parsed = SettingsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc), path=str(path)) from None

    base = path.parent
    db_override = db or env.get("EVWATCH_DB")
    db_path = Path(db_override).expanduser().resolve() if db_override else _resolve(base, parsed.warehouse.path)
    warehouse = parsed.warehouse.model_copy(update={"path": db_path})

    feeds_path = _resolve(base, parsed.feeds_file)
    feeds, problems = _load_list(feeds_path, "feeds", FeedConfig)
    feeds = [
        f.model_copy(update={"path": _resolve(feeds_path.parent, f.path)}) if f.path is not None else f
        for f in feeds
    ]
    alerts_path = _resolve(base, parsed.alerts_file)
    channels: list[ChannelConfig] = []
    if alerts_path.exists():
        channels, channel_problems = _load_list(alerts_path, "channels", ChannelConfig)
        if channel_problems:  # a broken alert channel must not go unnoticed until an alert is lost
            raise ConfigError("; ".join(f"{p.source}: {p.message}" for p in channel_problems))
        channels = [
            c.model_copy(update={"path": _resolve(alerts_path.parent, c.path)}) if c.path is not None else c
            for c in channels
        ]
    return Settings(
        config_file=path,
        warehouse=warehouse,
        fetch=parsed.fetch,
        schedule=parsed.schedule,
        feeds=tuple(feeds),
        channels=tuple(channels),
        catalogue_file=_resolve(base, parsed.catalogue_file),
        watches_file=_resolve(base, parsed.watches_file),
        problems=tuple(problems),
    )


def feed_from_location(location: str) -> FeedConfig:
    """A feed given on the command line (``evwatch run --feed PATH_OR_URL``)."""
    if re.match(r"^https?://", location, re.I):
        name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", re.sub(r"^https?://", "", location, flags=re.I)).strip("-.")
        return FeedConfig(name=name[:100] or "feed", url=location)
    path = Path(location).expanduser().resolve()
    if not path.is_file():
        raise ConfigError("feed file not found", path=str(path), key="--feed")
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", path.stem).strip("-.") or "feed"
    return FeedConfig(name=name[:100], path=path)
