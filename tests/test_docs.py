"""The docs cannot drift: README names every command, table and view, and CI runs the README's
test command."""

from __future__ import annotations

import re
from pathlib import Path

from evwatch.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands_demo_then_tests():
    demo, tests = _quick_start_commands()
    assert "evwatch run" in demo
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command():
    _, tests = _quick_start_commands()
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_documents_every_command():
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"evwatch {name}" in README, f"README does not mention `evwatch {name}`"


def test_readme_documents_every_table_and_view():
    sql = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "warehouse").rglob("*.sql")))
    names = set(re.findall(r"CREATE (?:OR REPLACE )?(?:TABLE|VIEW) (\w+)", sql))
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert not missing, f"README does not describe: {missing}"


def test_every_view_file_states_its_grain():
    for view in sorted((ROOT / "warehouse" / "views").glob("*.sql")):
        header = view.read_text(encoding="utf-8").split("CREATE", 1)[0]
        assert "one row per" in header, f"{view.name} does not say what one row is"


def test_the_benchmark_figures_are_written_down_with_their_machine():
    text = (Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert "articles/s" in text and "cores" in text and "GiB" in text
    assert "FIGURES_TABLE" not in text and "TODO" not in text
