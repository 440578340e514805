"""The ``evwatch`` command. The only place that turns errors into messages and exit codes:
0 ok, 1 finished with problems that need attention (a feed failed, an alert is pending),
2 bad usage or configuration."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from evwatch.config import Settings, load_settings
from evwatch.errors import ConfigError, EvwatchError, WarehouseLockedError
from evwatch.runtime import prepare_prefect_environment

EXIT_OK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="evwatch",
    help="News intelligence for one watched story: ingest feeds and articles, extract facts into "
         "a DuckDB warehouse, and alert on new developments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables need room; a pipe or a CI log has no width of its own, so give it one.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", "-c", help="Settings file (default: config/evwatch.yaml, or $EVWATCH_CONFIG).",
    show_default=False)]
DbOption = Annotated[Optional[Path], typer.Option(
    "--db", help="DuckDB warehouse file (default: warehouse/evwatch.duckdb, or $EVWATCH_DB).", show_default=False)]


@contextmanager
def handled_errors() -> Iterator[None]:
    """Map evwatch's errors to a message on stderr and an exit code."""
    try:
        yield
    except ConfigError as exc:
        err_console.print(f"[bold red]configuration error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except WarehouseLockedError as exc:
        err_console.print(f"[bold red]warehouse locked:[/] {exc}")
        raise typer.Exit(EXIT_ATTENTION) from None
    except EvwatchError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_ATTENTION) from None


def _settings(config: Path | None, db: Path | None, *, announce: bool = True) -> Settings:
    settings = load_settings(config, db=db)
    for problem in settings.problems if announce else ():
        err_console.print(f"[yellow]skipped config entry[/] {problem.source}: {problem.message}")
    return settings


def _run_flow(call: Callable[[], Any], message: str, verbose: bool) -> Any:
    """Run a Prefect flow with a spinner, Prefect's console logs kept to warnings."""
    prepare_prefect_environment()
    import logging

    from evwatch.runtime import quiet_prefect_console

    with console.status(message, spinner="dots"):
        import flows.pipeline  # noqa: F401  (imports Prefect, configures its logging)

        if not verbose:
            quiet_prefect_console(logging.WARNING)
        return call()


@app.command()
def run(
    config: ConfigOption = None,
    db: DbOption = None,
    feed: Annotated[Optional[list[str]], typer.Option(
        "--feed", help="Run on this feed (path or URL) instead of the configured ones; repeatable.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's run logs.")] = False,
) -> None:
    """Run the pipeline once as a Prefect flow and print a summary (and the alert summary)."""
    with handled_errors():
        settings = _settings(config, db, announce=False)  # validate before Prefect starts: bad config is exit 2
        from evwatch.render_cli import print_run_summary

        def call() -> Any:
            from flows.pipeline import evwatch_pipeline

            return evwatch_pipeline(config=str(settings.config_file), db=str(settings.db_path),
                                    feeds=list(feed) if feed else None)

        summary = _run_flow(call, "Running evwatch-pipeline…", verbose)
        print_run_summary(console, summary)
        raise typer.Exit(EXIT_ATTENTION if summary.needs_attention else EXIT_OK)


@app.command()
def ingest(
    location: Annotated[str, typer.Argument(help="An HTML, Markdown or text file, or an http(s) URL.")],
    title: Annotated[Optional[str], typer.Option(help="Headline, if the document has none or a wrong one.")] = None,
    published: Annotated[Optional[datetime], typer.Option(help="Publication time (ISO 8601, UTC if no zone).")] = None,
    source: Annotated[Optional[str], typer.Option(help="Outlet name.")] = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Store one article given by hand (the first report of a story often arrives this way),
    extract it, and print the alert it raises, if any."""
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.pipeline import extract_stale, ingest_document, make_warehouse
        from evwatch.watching import deliver, update_developments

        report = ingest_document(settings, location, title=title, published=published, source=source)
        if report.new_articles:
            note = " (a syndicated copy of a stored article)" if report.duplicates else ""
            console.print(f"Stored new article {report.new_articles[0]}{note}.")
        elif report.new_versions:
            console.print(f"Stored a new version of article {report.new_versions[0]}.")
        else:
            console.print("Already stored: nothing changed.")
            return
        warehouse = make_warehouse(settings)
        extract_stale(warehouse, settings)
        watched = update_developments(warehouse, settings)
        delivered = deliver(warehouse, settings)
        warehouse.publish_snapshot()
        if watched.alert_text:
            console.print()
            console.print(watched.alert_text, markup=False)
        else:
            console.print("No new developments: nothing to alert.")
        if not delivered.ok:
            raise typer.Exit(EXIT_ATTENTION)


@app.command()
def feeds(config: ConfigOption = None, db: DbOption = None) -> None:
    """Show each feed's health: last attempt and success, status, failures, counts."""
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.pipeline import make_warehouse
        from evwatch.warehouse.reports import feed_health

        with make_warehouse(settings).read() as conn:
            rows = {r["feed_id"]: r for r in feed_health(conn)}
        table = Table(title="Feeds")
        columns = ("feed", "location", "healthy", "last attempt", "last success", "status", "failures", "entries",
                   "new", "total", "last error")
        for column in columns:
            table.add_column(column)
        unhealthy = False
        for feed_config in settings.feeds:
            r = rows.pop(feed_config.name, None)
            if r is None:
                table.add_row(feed_config.name, feed_config.location, "never run" if feed_config.enabled else "disabled",
                              *[""] * (len(columns) - 3))
                continue
            unhealthy |= not r["healthy"] and feed_config.enabled
            table.add_row(*_feed_health_cells(r))
        for r in rows.values():  # feeds run with --feed, not in the configuration
            table.add_row(*_feed_health_cells(r))
        console.print(table)
        raise typer.Exit(EXIT_ATTENTION if unhealthy else EXIT_OK)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A read-only SQL query, e.g. \"select count(*) from articles\".")],
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json (an array of one object per row).")] = "table",
    live: Annotated[bool, typer.Option("--live", help="Read the live file instead of the snapshot (waits if a run holds it).")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Query the warehouse with plain SQL, read-only, without ever blocking a scheduled run."""
    if format not in ("table", "csv", "json"):
        err_console.print(f"[bold red]error:[/] --format must be table, csv or json, not {format!r}")
        raise typer.Exit(EXIT_USAGE)
    with handled_errors():
        settings = _settings(config, db)
        import duckdb

        from evwatch.pipeline import make_warehouse

        with make_warehouse(settings).read(live=live, sandboxed=True) as conn:
            try:
                cursor = conn.execute(sql)
            except duckdb.PermissionException as exc:
                err_console.print("[bold red]query refused:[/] `evwatch query` is read-only and reads only the "
                                  "warehouse: no COPY, EXPORT, ATTACH, INSTALL or LOAD, and no other files "
                                  f"({exc})")
                raise typer.Exit(EXIT_USAGE) from None
            except duckdb.Error as exc:
                err_console.print(f"[bold red]query failed:[/] {exc}")
                raise typer.Exit(EXIT_USAGE) from None
            columns = [d[0] for d in cursor.description] if cursor.description else []
            rows = cursor.fetchall() if columns else []
        _print_rows(columns, rows, format)


def _feed_health_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["feed_id"], r["location"], "yes" if r["healthy"] else "[red]no[/]", _fmt(r["last_attempt_at"]),
        _fmt(r["last_success_at"]), _fmt(r["last_status"]), str(r["consecutive_failures"]), str(r["entries_seen"]),
        str(r["new_articles"]), str(r["total_articles"]), (r["last_error"] or "")[:80],
    ]


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _print_rows(columns: list[str], rows: list[tuple], format: str) -> None:
    if format == "json":
        sys.stdout.write(json.dumps([dict(zip(columns, map(_jsonable, r))) for r in rows], ensure_ascii=False, indent=2) + "\n")
    elif format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[_jsonable(v) for v in r] for r in rows])
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(*[_fmt(v) if not isinstance(v, str) else (v if len(v) <= 200 else v[:199] + "…") for v in r])
        console.print(table)
        console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


@app.command()
def serve(config: ConfigOption = None, db: DbOption = None) -> None:
    """Serve the pipeline as a Prefect deployment on the configured schedule (one run at a time).

    Without PREFECT_API_URL this starts a local Prefect API for as long as it runs; with it, the
    deployment is registered on that server, where its UI shows runs and artifacts.
    """
    with handled_errors():
        settings = _settings(config, db)
        prepare_prefect_environment()
        from flows.serve import serve_deployments

        serve_deployments(settings)


@app.command()
def developments(
    watch: Annotated[Optional[str], typer.Option(help="Watch name (default: the first in watches.yaml).")] = None,
    limit: Annotated[int, typer.Option(help="How many developments to show.")] = 50,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Show a watch's timeline: its developments, newest first, with status, score and sources."""
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.pipeline import make_warehouse
        from evwatch.watching import timeline

        chosen, entries = timeline(make_warehouse(settings), settings, watch, limit)
        table = Table(title=f"Developments of {chosen.name}")
        for column in ("last change", "kind", "summary", "status", "class", "score", "sources"):
            table.add_column(column, overflow="fold")
        for e in entries:
            row = dataclasses.asdict(e)
            status = "held (awaiting sources)" if row.get("held") else str(row.get("status", ""))
            table.add_row(_fmt(row.get("updated_at") or row.get("first_seen_at")), str(row.get("kind", "")),
                          str(row.get("summary", "")), status, str(row.get("alert_class", "")),
                          f"{row.get('score', 0):.2f}", str(row.get("source_count", "")))
        console.print(table)
        if not entries:
            console.print("No developments yet: run `evwatch run` first.")


@app.command()
def alerts(
    limit: Annotated[int, typer.Option(help="How many alerts to show.")] = 20,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Show recent alerts and their delivery state per channel (pending, sent, failed)."""
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.pipeline import make_warehouse
        from evwatch.warehouse.alerts import recent_alerts

        with make_warehouse(settings).read(live=True) as conn:
            rows = recent_alerts(conn, limit)
        table = Table(title="Alerts")
        for column in ("created", "kind", "watch", "channel", "status", "attempts", "sent", "summary", "last error"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(_fmt(r.get("created_at")), str(r.get("kind", "")), str(r.get("watch", "")),
                          str(r.get("channel", "")), str(r.get("status", "")), str(r.get("attempts", "")),
                          _fmt(r.get("sent_at")), str(r.get("summary", "")), str(r.get("last_error") or "")[:120])
        console.print(table)
        stuck = any(r.get("status") in ("pending", "sending", "failed") for r in rows)
        raise typer.Exit(EXIT_ATTENTION if stuck else EXIT_OK)


@app.command()
def digest(
    hours: Annotated[int, typer.Option(help="How far a watch's first digest looks back; later digests start where the previous one ended.")] = 24,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Render and send the digest now: every change since the previous digest (context items
    included), each change in exactly one digest. Exit code 1 when a channel could not take it."""
    with handled_errors():
        settings = _settings(config, db)
        from datetime import timedelta

        from evwatch.pipeline import make_warehouse
        from evwatch.watching import send_digest

        warehouse = make_warehouse(settings)
        messages = send_digest(warehouse, settings, period=timedelta(hours=hours))
        warehouse.publish_snapshot()
        if not messages:
            console.print("Nothing new since the last digest: no digest sent.")
        for message in messages:
            console.print(message.text, markup=False)
        if not messages.delivered:
            err_console.print("[bold yellow]attention:[/] the digest is not delivered on every channel yet; "
                              "`evwatch alerts` shows why, and the next run retries.")
            raise typer.Exit(EXIT_ATTENTION)


@app.command()
def replay(
    watch: Annotated[Optional[str], typer.Option(help="Watch name (default: the first in watches.yaml).")] = None,
    batches: Annotated[int, typer.Option(min=1, help="Replay in this many runs (the result must not depend on it).")] = 1,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json (one object per alert).")] = "table",
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Replay stored articles in publication order into a fresh watch state and print which
    alerts would have fired: try a watch definition before trusting it. Nothing is written."""
    if format not in ("table", "json"):
        err_console.print(f"[bold red]error:[/] --format must be table or json, not {format!r}")
        raise typer.Exit(EXIT_USAGE)
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.pipeline import make_warehouse
        from evwatch.watching import replay_watch

        fired = replay_watch(make_warehouse(settings), settings, watch, batches=batches)
        if format == "json":
            sys.stdout.write(json.dumps([{
                "at": f.at.isoformat(), "watch": f.watch, "key": f.key, "kind": f.kind, "status": f.status,
                "alert_class": f.alert_class, "summary": f.summary, "article_id": f.article_id, "url": f.url,
            } for f in fired], ensure_ascii=False, indent=2) + "\n")
            return
        table = Table(title="Alerts the stored articles would have fired")
        for column in ("at", "status", "class", "kind", "summary", "article"):
            table.add_column(column, overflow="fold")
        for f in fired:
            table.add_row(_fmt(f.at), f.status, f.alert_class, f.kind, f.summary, f.url or f.article_id)
        console.print(table)


@app.command()
def reextract(
    all_articles: Annotated[bool, typer.Option("--all", help="Re-extract every article, not only stale ones.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Recompute mentions from stored text (no refetch) after the catalogue, the watches or the
    extractor changed; each article's old rows are replaced in one transaction."""
    with handled_errors():
        settings = _settings(config, db)
        from rich.progress import Progress

        from evwatch.pipeline import extract_stale, make_warehouse

        with Progress(console=console, transient=True) as bar:
            task_id = bar.add_task("Extracting", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task_id, completed=done, total=total)

            warehouse = make_warehouse(settings)
            report = extract_stale(warehouse, settings, everything=all_articles, progress=advance)
            warehouse.publish_snapshot()
        if report.articles == 0:
            console.print("Nothing to re-extract: every article is up to date with the catalogue and extractor.")
        else:
            found = ", ".join(f"{v} {k}" for k, v in report.mentions.items())
            console.print(f"Re-extracted {report.articles} articles: {found}.")


@app.command(name="eval")
def evaluate(
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Print extraction precision, recall and F1 per kind, and relevance accuracy, on the
    annotated gold sets in tests/gold (the demo corpus is read from disk, not the warehouse)."""
    with handled_errors():
        settings = _settings(config, db)
        from evwatch.quality import evaluate_gold_sets

        console.print(evaluate_gold_sets(settings), markup=False)


@app.command()
def bench(
    entries: Annotated[int, typer.Option(help="Feed entries (each with a linked page) to generate and ingest.")] = 10_000,
    feeds: Annotated[int, typer.Option(help="Feeds to spread the entries over.")] = 20,
    extraction: Annotated[bool, typer.Option(help="Also time the extraction stage.")] = True,
    article_benchmark: Annotated[bool, typer.Option(help="Also score page extraction on the article-extraction benchmark.")] = True,
) -> None:
    """Measure ingestion speed and peak memory against a bare floor, and extraction quality.

    Pages are generated and served on 127.0.0.1; nothing leaves the machine. Figures are printed,
    not asserted: write them in docs/benchmarks.md with the machine they came from.
    """
    from evwatch.bench import format_figures, run_benchmarks

    with console.status(f"Benchmarking on {entries:,} entries…", spinner="dots"):
        figures = run_benchmarks(entries, feeds, article_benchmark=article_benchmark, extraction=extraction)
    console.print(format_figures(figures), markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
