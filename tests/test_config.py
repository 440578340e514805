"""Configuration is validated once, at the edge: errors name the file, the key and what was
expected; one bad feed entry is skipped and reported; the environment overrides the files and
supplies secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from evwatch.config import ConfigProblem, load_settings
from evwatch.errors import ConfigError
from tests.helpers import write_config

GOOD_FEED = {"name": "wire", "url": "https://wire.example/feed.xml"}


def config_error(config: Path, **options) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(config, **{"env": {}, **options})
    return str(caught.value)


def test_settings_load_with_paths_relative_to_the_config_folder(tmp_path):
    settings = load_settings(write_config(tmp_path, [GOOD_FEED, {"name": "local", "path": "demo/local.xml"}]), env={})

    assert settings.db_path == tmp_path / "evwatch.duckdb"
    assert [f.location for f in settings.feeds] == ["https://wire.example/feed.xml", str(tmp_path / "demo" / "local.xml")]
    assert settings.fetch.allowed_hosts == ["127.0.0.1", "localhost"]
    assert settings.problems == ()


def test_bad_yaml_names_the_file_and_the_line(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])
    config.write_text("fetch:\n  read_timeout: 10\n   retries: 2\n", encoding="utf-8")

    message = config_error(config)

    assert message.startswith(f"{config}: invalid YAML at line 3, column 11: ")


def test_bad_yaml_in_the_feeds_file_names_that_file(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])
    (tmp_path / "feeds.yaml").write_text("feeds:\n  - name: [unclosed\n", encoding="utf-8")

    assert config_error(config).startswith(f"{tmp_path / 'feeds.yaml'}: invalid YAML at line 3")


def test_unknown_key_names_the_file_and_the_key(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED], fetch={"read_timout": 20})

    assert config_error(config) == f"{config}: fetch.read_timout: Extra inputs are not permitted (got 20)"


def test_unknown_top_level_key_in_the_feeds_file_names_it(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])
    (tmp_path / "feeds.yaml").write_text("feeds: []\nfeed: []\n", encoding="utf-8")

    assert config_error(config) == f"{tmp_path / 'feeds.yaml'}: unknown key(s) ['feed']; expected only 'feeds'"


def test_wrong_type_names_the_file_the_key_and_what_was_expected(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED], fetch={"read_timeout": "soon"})

    assert config_error(config) == (
        f"{config}: fetch.read_timeout: Input should be a valid number, unable to parse string as a number (got 'soon')")


def test_feeds_that_are_not_a_list_are_an_error(tmp_path):
    config = write_config(tmp_path)
    (tmp_path / "feeds.yaml").write_text("feeds: {name: wire}\n", encoding="utf-8")

    assert config_error(config) == f"{tmp_path / 'feeds.yaml'}: feeds: expected a list, got dict"


def test_one_bad_feed_entry_is_a_problem_naming_file_and_index_and_the_others_load(tmp_path):
    feeds = [
        GOOD_FEED,
        {"name": "ftp", "url": "ftp://files.example/feed.xml"},
        {"name": "both", "url": "https://a.example/", "path": "a.xml"},
        {"name": "second", "url": "https://second.example/rss", "full_text": "always"},
        {"name": "wire", "url": "https://elsewhere.example/"},
        "not a mapping",
    ]
    settings = load_settings(write_config(tmp_path, feeds), env={})
    feeds_file = tmp_path / "feeds.yaml"

    assert [f.name for f in settings.feeds] == ["wire", "second"]
    assert settings.problems == (
        ConfigProblem(f"{feeds_file}: feeds[1] (ftp)", "'url' must start with http:// or https://"),
        ConfigProblem(f"{feeds_file}: feeds[2] (both)", "give exactly one of 'url' or 'path'"),
        ConfigProblem(f"{feeds_file}: feeds[4] (wire)", "duplicate name 'wire'"),
        ConfigProblem(f"{feeds_file}: feeds[5]",
                      "Input should be a valid dictionary or instance of FeedConfig (got 'not a mapping')"),
    )


def test_feed_entry_with_unknown_key_is_a_problem_naming_the_key(tmp_path):
    typo = {"name": "typo", "url": "https://t.example/", "ful_text": "always"}
    settings = load_settings(write_config(tmp_path, [GOOD_FEED, typo]), env={})

    assert [f.name for f in settings.feeds] == ["wire"]
    assert settings.problems == (
        ConfigProblem(f"{tmp_path / 'feeds.yaml'}: feeds[1] (typo)",
                      "ful_text: Extra inputs are not permitted (got 'always')"),
    )


def test_missing_config_file_is_named(tmp_path):
    assert config_error(tmp_path / "nowhere.yaml") == f"{tmp_path / 'nowhere.yaml'}: file not found"


# --------------------------------------------------------------------------- the environment

def test_evwatch_db_overrides_the_warehouse_path(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])

    settings = load_settings(config, env={"EVWATCH_DB": str(tmp_path / "elsewhere" / "x.duckdb")})

    assert settings.db_path == tmp_path / "elsewhere" / "x.duckdb"


def test_db_argument_wins_over_evwatch_db(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])

    settings = load_settings(config, db=tmp_path / "cli.duckdb", env={"EVWATCH_DB": str(tmp_path / "env.duckdb")})

    assert settings.db_path == tmp_path / "cli.duckdb"


def test_double_underscore_variables_override_any_key(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED], fetch={"read_timeout": 10})

    settings = load_settings(config, env={"EVWATCH__FETCH__READ_TIMEOUT": "20", "EVWATCH__WAREHOUSE__SNAPSHOT": "false",
                                          "UNRELATED": "1"})

    assert settings.fetch.read_timeout == 20.0
    assert settings.warehouse.snapshot is False
    assert settings.fetch.connect_timeout == 2.0  # keys not overridden keep the file's value


def test_a_bad_override_is_reported_like_a_bad_file_value(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED])

    message = config_error(config, env={"EVWATCH__FETCH__READ_TIMEOUT": "-1"})

    assert message == f"{config}: fetch.read_timeout: Input should be greater than 0 (got -1)"


def test_evwatch_config_names_the_settings_file(tmp_path):
    config = write_config(tmp_path / "elsewhere", [GOOD_FEED])

    settings = load_settings(env={"EVWATCH_CONFIG": str(config)})

    assert settings.config_file == config and [f.name for f in settings.feeds] == ["wire"]


# --------------------------------------------------------------------------- secrets in alert channels

CHANNEL = {"name": "team", "type": "apprise", "url": "tgram://${TG_TOKEN}/${TG_CHAT}"}


def test_channel_secrets_are_read_from_the_environment(tmp_path):
    settings = load_settings(write_config(tmp_path, [GOOD_FEED], channels=[CHANNEL]), env={})

    [channel] = settings.channels
    assert channel.url == "tgram://${TG_TOKEN}/${TG_CHAT}"  # never stored resolved
    assert channel.resolved_url({"TG_TOKEN": "123:abc", "TG_CHAT": "-42"}) == "tgram://123:abc/-42"


def test_missing_secret_is_a_config_error_naming_the_variable(tmp_path):
    settings = load_settings(write_config(tmp_path, [GOOD_FEED], channels=[CHANNEL]), env={})

    with pytest.raises(ConfigError) as caught:
        settings.channels[0].resolved_url({"TG_TOKEN": "123:abc"})

    assert str(caught.value) == "channels.team.url: environment variable TG_CHAT is not set"


def test_a_broken_alert_channel_is_an_error_not_a_skipped_entry(tmp_path):
    config = write_config(tmp_path, [GOOD_FEED], channels=[{"name": "mail", "type": "apprise"}])

    assert config_error(config) == f"{tmp_path / 'alerts.yaml'}: channels[0] (mail): an 'apprise' channel needs 'url'"


def test_page_fetching_has_a_budget_per_feed_and_a_bounded_number_of_attempts(tmp_path):
    settings = load_settings(write_config(tmp_path, [GOOD_FEED]), env={})
    assert (settings.fetch.page_budget_seconds, settings.fetch.max_page_attempts) == (180.0, 5)

    # At most 20 minutes: the flow's task timeout, a backstop, lies beyond it.
    message = config_error(write_config(tmp_path, [GOOD_FEED], fetch={"page_budget_seconds": 3600}))
    assert "fetch.page_budget_seconds" in message and "1200" in message
    assert "fetch.max_page_attempts" in config_error(write_config(tmp_path, [GOOD_FEED], fetch={"max_page_attempts": 0}))
