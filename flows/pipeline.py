"""The evwatch pipeline as a Prefect flow: fetch feeds, read them, fetch pages, store articles.

Each task calls one library function; retries, timeouts and concurrency are declared here and
nothing else is. Fetching is one task per feed on a bounded thread pool; parsing and storing
are batch tasks, never one task per article.
"""

from __future__ import annotations

import logging

from evwatch.runtime import prepare_prefect_environment

prepare_prefect_environment()

from prefect import flow, get_run_logger, task, unmapped  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from evwatch import pipeline, watching  # noqa: E402
from evwatch.config import load_settings  # noqa: E402
from evwatch.report import RunSummary, run_summary_markdown  # noqa: E402

# Mapped tasks run on worker threads, where Prefect cannot interrupt a blocking call: it raises
# the timeout once the call returns. Every blocking call of ours is bounded by the fetcher's
# deadline and page fetching by the feed's page budget (fetch.page_budget_seconds, at most 1200 s),
# so these timeouts are a backstop beyond both; a task that hits one fails its feed, not the run.
# A locked warehouse is the transient failure worth a task retry (the lock wait itself is
# bounded in the library).
load_state = task(pipeline.load_state, name="load-state", cache_policy=NO_CACHE, retries=3,
                  retry_delay_seconds=5, retry_jitter_factor=0.5, timeout_seconds=300)
fetch_feed = task(pipeline.fetch_feed, name="fetch-feed", cache_policy=NO_CACHE, retries=1,
                  retry_delay_seconds=5, retry_jitter_factor=0.5, timeout_seconds=900)
read_feeds = task(pipeline.read_feeds, name="read-feeds", cache_policy=NO_CACHE, timeout_seconds=600)
build_articles = task(pipeline.build_articles, name="fetch-pages", cache_policy=NO_CACHE, retries=1,
                      retry_delay_seconds=5, retry_jitter_factor=0.5, timeout_seconds=1800)
store_run = task(pipeline.store_run, name="store-articles", cache_policy=NO_CACHE, retries=3,
                 retry_delay_seconds=10, retry_jitter_factor=0.5, timeout_seconds=1800)
publish_snapshot = task(pipeline.publish_snapshot, name="publish-snapshot", cache_policy=NO_CACHE, retries=3,
                        retry_delay_seconds=10, retry_jitter_factor=0.5, timeout_seconds=600)
update_developments = task(watching.update_developments, name="update-developments", cache_policy=NO_CACHE,
                           retries=2, retry_delay_seconds=10, retry_jitter_factor=0.5, timeout_seconds=1800)
deliver_alerts = task(watching.deliver, name="deliver-alerts", cache_policy=NO_CACHE, timeout_seconds=1800)
send_digest = task(watching.send_digest, name="send-digest", cache_policy=NO_CACHE, retries=2,
                   retry_delay_seconds=30, retry_jitter_factor=0.5, timeout_seconds=1800)
extract_stale = task(pipeline.extract_stale, name="extract-mentions", cache_policy=NO_CACHE, retries=2,
                     retry_delay_seconds=10, retry_jitter_factor=0.5, timeout_seconds=3600)


class _KnownThreadTimeoutWarning(logging.Filter):
    """Drop Prefect's warning, on every mapped task run, that a timeout in a worker thread waits
    for the blocking call to return: that is the backstop we want (see above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "running in a worker thread" not in str(record.msg)


logging.getLogger("prefect.task_runs").addFilter(_KnownThreadTimeoutWarning())


@flow(name="evwatch-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=False)
def evwatch_pipeline(config: str | None = None, db: str | None = None, feeds: list[str] | None = None,
                     trigger: str = "run") -> RunSummary:
    """Run evwatch once: ingest the configured feeds (or the given ones), extract mentions from
    new and changed articles, fold them into each watch's developments, queue and deliver the
    run's alert summary."""
    logger = get_run_logger()
    settings = load_settings(config, db=db)
    feed_list = pipeline.feeds_for(settings, feeds)
    warehouse = pipeline.make_warehouse(settings)
    for problem in settings.problems:
        logger.warning("config entry skipped: %s: %s", problem.source, problem.message)
    started = pipeline.utc_now()
    state = load_state(warehouse, feed_list)
    plan = pipeline.plan_feeds(feed_list, state.cursors, now=started)
    with pipeline.make_fetcher(settings) as fetcher:
        cursors = [state.cursors.get(f.name) for f in plan.due]
        fetched = fetch_feed.map(unmapped(fetcher), plan.due, cursors).result(raise_on_failure=False)
        fetches = [pipeline.fetch_or_failure(feed, outcome) for feed, outcome in zip(plan.due, fetched)]
        reads = read_feeds(fetches, state)
        pages = build_articles.map(unmapped(fetcher), reads, policy=unmapped(pipeline.page_policy(settings)))
        built = [pipeline.pages_or_failure(read, outcome) for read, outcome in zip(reads, pages.result(raise_on_failure=False))]
    report = store_run(warehouse, pipeline.new_run_id(started), started, reads, built,
                       extra_problems=pipeline.config_problems(settings), skipped=plan.skipped, trigger=trigger)
    for feed in report.feeds:
        log = logger.warning if feed.status == "failed" else logger.info
        log("feed %s: %s, %d entries, %d new articles%s", feed.feed, feed.status, feed.entries, feed.new_articles,
            f" ({feed.note})" if feed.note else "")
    extracted = extract_stale(warehouse, settings)
    logger.info("extracted %d articles: %s", extracted.articles, extracted.mentions)
    watched = update_developments(warehouse, settings)
    delivered = deliver_alerts(warehouse, settings)
    summary = RunSummary.from_ingest(report, extracted, watched, delivered)
    publish_snapshot(warehouse)
    create_markdown_artifact(key="evwatch-run-summary", markdown=run_summary_markdown(summary),
                             description="evwatch pipeline run summary, with the run's alert summary")
    return summary


@flow(name="evwatch-digest", log_prints=False)
def evwatch_digest(config: str | None = None, db: str | None = None, hours: int = 24) -> int:
    """Render and send the digest of the last period (context items included), once per period."""
    from datetime import timedelta

    settings = load_settings(config, db=db)
    warehouse = pipeline.make_warehouse(settings)
    messages = send_digest(warehouse, settings, period=timedelta(hours=hours))
    if messages:
        create_markdown_artifact(key="evwatch-digest", markdown="\n\n---\n\n".join(m.markdown for m in messages),
                                 description="evwatch daily digest")
    publish_snapshot(warehouse)
    return len(messages)
