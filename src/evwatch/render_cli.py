"""Terminal rendering of run summaries (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from evwatch.report import RunSummary


def print_run_summary(console: Console, summary: RunSummary) -> None:
    table = Table(title=f"evwatch run {summary.run_id}")
    for column in ("feed", "status", "entries", "new articles", "syndicated copies", "problems"):
        table.add_column(column, justify="left" if column in ("feed", "status") else "right")
    for f in summary.feeds:
        status = f"[red]{f.status}[/]" if f.status == "failed" else f.status
        table.add_row(f.feed, status, str(f.entries), str(f.new_articles), str(f.duplicates), str(f.problems))
    console.print(table)
    for f in summary.feeds:
        if f.note:
            console.print(f"{f.feed}: {f.status}, {f.note}", markup=False)
    if summary.nothing_new:
        console.print(f"Nothing new: {summary.feeds_fetched} feeds checked, no new or changed articles.")
    else:
        console.print(
            f"Stored {summary.new_articles} new articles ({summary.duplicates} syndicated copies) "
            f"and {summary.new_versions} new versions."
        )
    if summary.extracted_articles:
        found = ", ".join(f"{v} {k}" for k, v in summary.mentions.items())
        console.print(f"Extracted from {summary.extracted_articles} articles: {found}.")
    for problem in summary.problems[:20]:
        console.print(f"[yellow]problem[/] {problem}")
    if len(summary.problems) > 20:
        console.print(f"[yellow]… {len(summary.problems) - 20} more problems in the fetch_problems table[/]")
    if summary.alert_text:
        console.print()
        console.print(summary.alert_text, markup=False)
    elif summary.developments_new or summary.developments_updated:
        console.print(f"{summary.developments_new} new and {summary.developments_updated} updated developments "
                      "(digest only: nothing alerts at once).")
    else:
        console.print("No new developments: nothing to alert.")
    if summary.alerts_sent or summary.alerts_pending:
        pending = f", {summary.alerts_pending} still pending (see `evwatch alerts`)" if summary.alerts_pending else ""
        console.print(f"Alerts delivered: {summary.alerts_sent}{pending}.")
