"""What a run did, as one record: shown by the command line, stored as a Prefect artifact."""

from __future__ import annotations

from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from evwatch.pipeline import ExtractReport, FeedSummary, IngestReport

if TYPE_CHECKING:
    from evwatch.alerts.deliver import DeliveryReport
    from evwatch.watching import WatchReport


@dataclass
class RunSummary:
    run_id: str
    feeds: list[FeedSummary] = field(default_factory=list)
    new_articles: int = 0
    new_versions: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)   # the problems that make the exit code 1
    changed_article_ids: list[str] = field(default_factory=list)
    extracted_articles: int = 0
    mentions: dict[str, int] = field(default_factory=dict)
    developments_new: int = 0
    developments_updated: int = 0
    alert_text: str = ""          # the run's alert summary as plain text ("" when nothing is new)
    alerts_sent: int = 0
    alerts_pending: int = 0

    @classmethod
    def from_ingest(cls, report: IngestReport, extracted: ExtractReport | None = None,
                    watched: "WatchReport | None" = None, delivered: "DeliveryReport | None" = None) -> "RunSummary":
        extracted = extracted or ExtractReport()
        runs = watched.watches if watched else []
        return cls(
            developments_new=sum(w.new for w in runs), developments_updated=sum(w.updated + w.conflicts for w in runs),
            alert_text=watched.alert_text if watched else "",
            alerts_sent=len(delivered.sent) if delivered else 0,
            alerts_pending=(len(delivered.retrying) + len(delivered.deferred)) if delivered else 0,
            extracted_articles=extracted.articles, mentions=dict(extracted.mentions),
            run_id=report.run_id, feeds=list(report.feeds), new_articles=len(report.new_articles),
            new_versions=len(report.new_versions), duplicates=len(report.duplicates),
            problems=[_problem_line(p) for p in report.problems],
            attention=[_problem_line(p) for p in report.problems if p.stage == "config"],
            changed_article_ids=report.changed_article_ids,
        )

    @property
    def feeds_fetched(self) -> int:
        """Feeds this run asked for (not those left for later: not due, or backing off)."""
        return sum(1 for f in self.feeds if f.status not in ("skipped", "backing off"))

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if f.status == "failed")

    @property
    def needs_attention(self) -> bool:
        """A feed failed, a configuration entry was skipped or an alert is still pending: exit code 1.

        Other problems (a dropped unsafe link, a page without article text) are recorded and shown
        but do not fail the run."""
        return self.feeds_failed > 0 or bool(self.attention) or self.alerts_pending > 0

    @property
    def nothing_new(self) -> bool:
        return self.new_articles == 0 and self.new_versions == 0


def _problem_line(problem) -> str:
    where = problem.url or problem.feed_id or ""
    return f"[{problem.stage}] {where}: {problem.message}" if where else f"[{problem.stage}] {problem.message}"


def run_summary_markdown(summary: RunSummary) -> str:
    lines = [
        f"# evwatch run {summary.run_id}",
        "",
        f"- feeds: {summary.feeds_fetched - summary.feeds_failed} ok, {summary.feeds_failed} failed, "
        f"{len(summary.feeds) - summary.feeds_fetched} left for a later run",
        f"- new articles: {summary.new_articles} (syndicated copies among them: {summary.duplicates}); "
        f"new versions: {summary.new_versions}",
    ]
    if summary.mentions:
        lines.append("- mentions extracted: " + ", ".join(f"{k} {v}" for k, v in summary.mentions.items()))
    if summary.developments_new or summary.developments_updated:
        lines.append(f"- developments: {summary.developments_new} new, {summary.developments_updated} updated")
    lines += ["", "| feed | status | entries | new articles | copies | problems |", "|---|---|---:|---:|---:|---:|"]
    for f in summary.feeds:
        status = f"{f.status} ({f.note})" if f.note else f.status
        lines.append(f"| {f.feed} | {status} | {f.entries} | {f.new_articles} | {f.duplicates} | {f.problems} |")
    if summary.problems:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in summary.problems[:50]]
        if len(summary.problems) > 50:
            lines.append(f"- … and {len(summary.problems) - 50} more (see the fetch_problems table)")
    if summary.alert_text:
        lines += ["", "## Alert summary", "", "```", summary.alert_text, "```"]
    return "\n".join(lines)
