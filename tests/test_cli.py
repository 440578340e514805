"""The evwatch command: exit codes, read-only queries, single documents, feed health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evwatch.cli import app
from tests.support import write_config

runner = CliRunner()

ARTICLE = """<html><head><title>Lee meets Lei | Example</title>
<link rel="canonical" href="https://example.org/2025/03/lee-lei?utm_source=x">
<meta property="article:published_time" content="2025-03-21T09:00:00Z"></head>
<body><nav>Home | Cars | Tech</nav><article><h1>Samsung chairman visits Xiaomi's EV plant</h1>
<p>Samsung Electronics chairman Lee Jae-yong toured the electric vehicle factory of Xiaomi in Beijing
on Friday and met its founder Lei Jun, the first official meeting of the two in seven years.</p>
<p>People who know both companies said the talks touched on batteries, displays and chips for cars,
though neither side announced an agreement after the visit ended in the afternoon.</p>
</article><footer>Copyright 2025 Example Media</footer></body></html>"""


def test_every_command_has_help():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        sub = runner.invoke(app, [name, "--help"])
        assert sub.exit_code == 0, name
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_a_bad_configuration_exits_2_naming_file_and_key(tmp_path: Path):
    config = write_config(tmp_path, settings="fetch: {read_timeout: soon}\n")
    result = runner.invoke(app, ["feeds", "--config", str(config)])
    assert result.exit_code == 2
    assert "evwatch.yaml" in result.output and "fetch.read_timeout" in result.output


def test_a_missing_configuration_file_exits_2(tmp_path: Path):
    result = runner.invoke(app, ["feeds", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_query_prints_json_as_an_array_of_objects(tmp_path: Path):
    config = write_config(tmp_path)
    result = runner.invoke(app, ["query", "--config", str(config), "--format", "json",
                                 "select 42 as answer, 'x' as letter union all select 43, 'y' order by 1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"answer": 42, "letter": "x"}, {"answer": 43, "letter": "y"}]


def test_query_prints_csv(tmp_path: Path):
    config = write_config(tmp_path)
    result = runner.invoke(app, ["query", "--config", str(config), "--format", "csv", "select 1 as a, 2 as b"])
    assert result.stdout.splitlines() == ["a,b", "1,2"]


def test_query_is_read_only(tmp_path: Path):
    config = write_config(tmp_path)
    result = runner.invoke(app, ["query", "--config", str(config), "delete from feeds"])
    assert result.exit_code == 2
    assert "read-only" in result.output.lower()


@pytest.mark.parametrize("sql", [
    "copy (select 1) to 'out.csv'",
    "attach 'other.duckdb' as other",
    "install httpfs",
    "load httpfs",
    "select * from read_csv('secrets.csv')",
    "set enable_external_access = true",
])
def test_query_reaches_nothing_but_the_warehouse(tmp_path: Path, monkeypatch, sql: str):
    config = write_config(tmp_path)
    (tmp_path / "secrets.csv").write_text("token\nhunter2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["query", "--config", str(config), sql])

    assert result.exit_code == 2, result.output
    assert "read-only" in result.output or "locked" in result.output
    assert "hunter2" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".duckdb")) == [
        "evwatch.duckdb", "evwatch.snapshot.duckdb", "secrets.csv"]


def test_query_rejects_an_unknown_format(tmp_path: Path):
    config = write_config(tmp_path)
    result = runner.invoke(app, ["query", "--config", str(config), "--format", "xml", "select 1"])
    assert result.exit_code == 2


def test_ingest_stores_one_article_once(tmp_path: Path):
    config = write_config(tmp_path)
    page = tmp_path / "lee-lei.html"
    page.write_text(ARTICLE, encoding="utf-8")

    first = runner.invoke(app, ["ingest", str(page), "--config", str(config), "--source", "Example Media"])
    assert first.exit_code == 0, first.output
    assert "Stored new article" in first.output
    again = runner.invoke(app, ["ingest", str(page), "--config", str(config)])
    assert "Already stored" in again.output

    rows = runner.invoke(app, ["query", "--config", str(config), "--format", "json",
                               "select url, source, title, published_at from articles"])
    assert json.loads(rows.stdout) == [{
        "url": "https://example.org/2025/03/lee-lei", "source": "Example Media",
        "title": "Samsung chairman visits Xiaomi's EV plant", "published_at": "2025-03-21T09:00:00",
    }]


def test_ingest_takes_title_and_date_from_the_command_line(tmp_path: Path):
    config = write_config(tmp_path)
    note = tmp_path / "note.txt"
    note.write_text("Xiaomi said on Tuesday that its YU7 took 240,000 orders in 18 hours after launch.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(note), "--config", str(config), "--title", "YU7 orders",
                                 "--published", "2025-06-27T10:00:00"])
    assert result.exit_code == 0, result.output
    rows = runner.invoke(app, ["query", "--config", str(config), "--format", "json",
                               "select title, published_at, date_trusted from articles"])
    assert json.loads(rows.stdout) == [{"title": "YU7 orders", "published_at": "2025-06-27T10:00:00", "date_trusted": True}]


def test_ingest_takes_a_url_with_an_uppercase_scheme_for_a_url(httpserver, tmp_path: Path):
    config = write_config(tmp_path)
    httpserver.expect_request("/2025/03/lee-lei").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
    location = httpserver.url_for("/2025/03/lee-lei").replace("http://", "HTTP://")

    result = runner.invoke(app, ["ingest", location, "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "Stored new article" in result.output
    assert len(httpserver.log) == 1


def test_ingest_refuses_a_file_beyond_the_fetch_size_cap(tmp_path: Path):
    config = write_config(tmp_path)
    big = tmp_path / "big.txt"
    big.write_text("Xiaomi delivered cars. " * 50, encoding="utf-8")

    result = runner.invoke(app, ["ingest", str(big), "--config", str(config)], env={"EVWATCH__FETCH__MAX_BYTES": "500"})

    assert result.exit_code == 1
    assert "larger than the cap of 500 bytes (fetch.max_bytes)" in result.output


def test_feeds_shows_each_feeds_last_attempt(tmp_path: Path):
    from evwatch.config import load_settings
    from evwatch.pipeline import run_ingest

    (tmp_path / "broken.xml").write_text("<html><body>Not a feed</body></html>", encoding="utf-8")
    config = write_config(tmp_path, feeds="feeds:\n  - {name: broken, path: broken.xml}\n")
    report = run_ingest(load_settings(config, env={}))

    result = runner.invoke(app, ["feeds", "--config", str(config)])

    assert result.exit_code == 1
    assert "last attempt" in result.output
    assert f"{report.started_at:%Y-%m-%d %H:%M}" in result.output


def test_bench_scores_page_extraction_with_the_benchmarks_own_metric():
    from evwatch.bench import benchmark_scores, shingle_matching

    # Shingles are counted with multiplicity: of five shingles, "a b c d" twice, one is found
    # (as a set it would be one of four).
    assert shingle_matching("a b c d a b c d", "a b c d") == (0.2, 0.0, 0.8)
    assert shingle_matching("one two", "one two") == (1.0, 0.0, 0.0)   # shorter than 4 words: one shingle
    assert shingle_matching("", "") == (0.0, 0.0, 0.0)
    counts = [
        shingle_matching("a b c d e", "a b c d e"),       # perfect: precision 1, recall 1
        shingle_matching("a b c d e f", "a b c d x y"),    # tp 1, fp 2, fn 2
        shingle_matching("a b c d e", ""),                 # nothing predicted: counts for recall only
        shingle_matching("", ""),                          # nothing at all: counts for neither
    ]
    scores = benchmark_scores(counts)
    assert scores["precision"] == pytest.approx((1 + 1 / 3) / 2)
    assert scores["recall"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert scores["f1"] == pytest.approx(2 * scores["precision"] * scores["recall"] / (scores["precision"] + scores["recall"]))


def test_ingest_of_a_missing_file_is_an_error_not_a_crash(tmp_path: Path):
    config = write_config(tmp_path)
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.html"), "--config", str(config)])
    assert result.exit_code == 1
    assert "cannot read" in result.output


@pytest.mark.flow
def test_run_prints_a_summary_and_exits_1_when_a_feed_fails(prefect_api, tmp_path: Path):
    (tmp_path / "good.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Xiaomi YU7 launch'
        '</title><guid>g1</guid><description>Xiaomi launched the YU7 SUV on Thursday evening in Beijing with a '
        'price below the Tesla Model Y.</description></item></channel></rss>', encoding="utf-8")
    (tmp_path / "broken.xml").write_text("<html><body>Not a feed</body></html>", encoding="utf-8")
    config = write_config(tmp_path, feeds="feeds:\n  - {name: good, path: good.xml}\n  - {name: broken, path: broken.xml}\n")

    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "good" in result.output and "broken" in result.output and "failed" in result.output
    assert "not a feed" in result.output

    health = runner.invoke(app, ["feeds", "--config", str(config)])
    assert health.exit_code == 1  # a configured feed is unhealthy

    only_good = runner.invoke(app, ["run", "--config", str(config), "--feed", str(tmp_path / "good.xml")])
    assert only_good.exit_code == 0, only_good.output
