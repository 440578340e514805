"""The watch steps of a run: from stored mentions to developments, the alert outbox, delivery,
the daily digest and replays.

Each watch folds the articles it has not yet taken into account into its developments; the
changes that alert at once are rendered into one message, and the developments and that message
are stored in one transaction, so an alert is never recorded without its facts nor the facts
without their alert. Delivery then sends what is pending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from evwatch.alerts.channels import render_for_channels
from evwatch.alerts.deliver import DeliveryReport, deliver_pending
from evwatch.alerts.render import RenderedMessage
from evwatch.config import Settings
from evwatch.developments.facts import observations
from evwatch.developments.model import ArticleMeta, Change, Development, FieldChange, as_utc
from evwatch.developments.novelty import apply
from evwatch.developments.replay import FiredAlert, replay
from evwatch.extract.catalogue import load_catalogue
from evwatch.extract.records import ArticleExtraction
from evwatch.warehouse import alerts as outbox
from evwatch.warehouse import developments as store
from evwatch.warehouse.articles import utc_naive
from evwatch.warehouse.db import Warehouse, execute, query_text
from evwatch.warehouse.mentions import load_extractions
from evwatch.watch import Watch, load_watches

Clock = Callable[[], datetime]


@dataclass
class WatchRun:
    """What one run did for one watch."""

    watch: str
    articles: int = 0
    new: int = 0
    updated: int = 0
    conflicts: int = 0
    alert: RenderedMessage | None = None     # the run's alert summary, if anything alerts at once
    alert_ids: list[str] = field(default_factory=list)


@dataclass
class WatchReport:
    watches: list[WatchRun] = field(default_factory=list)
    delivery: DeliveryReport | None = None

    @property
    def alert_text(self) -> str:
        return "\n\n".join(w.alert.text for w in self.watches if w.alert is not None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def company_groups(settings: Settings) -> dict[str, str]:
    catalogue = load_catalogue(settings.catalogue_file)
    return {name: catalogue.group_of(name) for name in catalogue.companies}


def stored_articles(conn, watch: Watch, *, everything: bool = False) -> list[tuple[ArticleMeta, ArticleExtraction]]:
    """Extracted articles the watch has not taken into account (``everything``: all of them)."""
    rows = execute(conn, query_text("watch_articles_todo"), {"watch": watch.name, "all": everything})
    metas = [
        ArticleMeta(article_id=r[0], published_at=as_utc(r[1]), source=r[2] or "", url=r[3], title=r[4] or "",
                    duplicate_of=r[5], relevance=float(r[6] or 0.0), relevance_label=r[7] or "none")
        for r in rows
    ]
    extractions = load_extractions(conn, [m.article_id for m in metas]) if metas else {}
    empty = lambda article_id: ArticleExtraction(article_id=article_id)  # noqa: E731
    return [(m, extractions.get(m.article_id) or empty(m.article_id)) for m in metas]


def fold_watch(warehouse: Warehouse, settings: Settings, watch: Watch, groups: dict[str, str], *,
               now: datetime) -> WatchRun:
    """Fold a watch's new articles into its developments and queue the run's alert."""
    with warehouse.write() as conn:
        state = store.load_state(conn, watch.name)
        pending = stored_articles(conn, watch)
    run = WatchRun(watch.name, articles=len(pending))
    if not pending:
        return run
    found = [o for meta, extraction in pending for o in observations(extraction, meta, watch, groups=groups)]
    applied = apply(state, found, watch, now=now)
    changes: list[Change] = list(applied.changes)
    run.new = sum(1 for c in changes if c.change == "new")
    run.updated = sum(1 for c in changes if c.change == "updated")
    run.conflicts = sum(1 for c in changes if c.change == "conflict")
    urgent = [c for c in changes if c.alert_class == "now"]
    copies: dict[str, RenderedMessage] = {}
    if urgent:
        targets = outbox.channels_for(settings.channels, watch=watch.name, kind="alert")
        run.alert, copies = render_for_channels(watch.name, urgent, targets, kind="alert")
    with warehouse.transaction() as conn:
        store.save(conn, watch.name, applied.state, changes, [m.article_id for m, _ in pending], now)
        if run.alert is not None:
            run.alert_ids = outbox.enqueue(
                conn, run.alert, watch=watch.name, kind="alert", copies=copies,
                development_ids=[c.development.development_id for c in urgent], channels=settings.channels, now=now)
    return run


def update_developments(warehouse: Warehouse, settings: Settings, *, now: Clock = _utc_now) -> WatchReport:
    """Every watch takes the newly extracted articles into account; alerts go to the outbox."""
    watches = load_watches(settings.watches_file)
    groups = company_groups(settings)
    moment = now()
    return WatchReport([fold_watch(warehouse, settings, w, groups, now=moment) for w in watches])


def deliver(warehouse: Warehouse, settings: Settings, *, now: Clock = _utc_now, out: TextIO | None = None) -> DeliveryReport:
    """Send what the outbox holds for the configured channels."""
    return deliver_pending(warehouse, settings.channels, now=now, out=out)


# --- the daily digest -------------------------------------------------------------------------

def _digest_changes(conn, watch: Watch, start: datetime, end: datetime) -> list[Change]:
    """Changes of the watch's developments reported by articles taken into account in the period."""
    rows = execute(conn, query_text("digest_changes"),
                   {"watch": watch.name, "start": utc_naive(start), "end": utc_naive(end)})
    if not rows:
        return []
    wanted: dict[str, set[str]] = {}
    for development_id, article_id in rows:
        wanted.setdefault(development_id, set()).add(article_id)
    changes = []
    for dev in store.load_state(conn, watch.name).values():
        articles = wanted.get(dev.development_id)
        if not articles or dev.alert_class == "none":
            continue
        for article_id in sorted(articles):
            entries = [h for h in dev.history if h.article_id == article_id]
            trigger = next((s for s in dev.sources if s.article_id == article_id), None)
            if not entries or trigger is None:
                continue
            fields = tuple(FieldChange(h.field, h.old, h.new) for h in entries)
            changes.append(Change(development=dev, change=entries[-1].change, fields=fields, trigger=trigger,
                                  at=as_utc(entries[-1].changed_at)))
    return changes


class DigestReport(list[RenderedMessage]):
    """The digests one :func:`send_digest` made (a list of messages, as before), their outbox
    rows, and what the delivery that followed did (the whole outbox's, other alerts' included)."""

    def __init__(self, messages: Sequence[RenderedMessage] = (), delivery: DeliveryReport | None = None,
                 alert_ids: Sequence[str] = ()):
        super().__init__(messages)
        self.delivery = delivery if delivery is not None else DeliveryReport()
        self.alert_ids = list(alert_ids)       # the outbox rows of these digests, one per channel

    @property
    def delivered(self) -> bool:
        """Every channel took this digest (other alerts' trouble is not the digest's)."""
        failed = {*self.delivery.retrying, *self.delivery.gave_up, *self.delivery.deferred}
        return not failed.intersection(self.alert_ids)


def send_digest(warehouse: Warehouse, settings: Settings, *, now: Clock = _utc_now, period: timedelta = timedelta(days=1),
                out: TextIO | None = None) -> DigestReport:
    """Render the digest of every watch (context items included), deliver it, and report both.

    A digest covers the changes since the end of the watch's previous digest, however long ago
    (a missed or failed digest run loses nothing); the first digest of a watch looks back
    ``period``. So each change is in exactly one digest however often it runs. Nothing is sent
    for a watch with nothing new."""
    end = now()
    rendered, alert_ids = [], []
    for watch in load_watches(settings.watches_file):
        with warehouse.write() as conn:
            previous = outbox.last_digest_end(conn, watch.name)
            start = previous if previous is not None else end - period
            changes = _digest_changes(conn, watch, start, end)
        if not changes:
            continue
        targets = outbox.channels_for(settings.channels, watch=watch.name, kind="digest")
        message, copies = render_for_channels(watch.name, changes, targets, kind="digest", period=(start, end))
        with warehouse.transaction() as conn:
            if outbox.record_digest(conn, watch=watch.name, period=(start, end), message_id=message.stamp, now=end):
                alert_ids += outbox.enqueue(conn, message, watch=watch.name, kind="digest", copies=copies,
                                            development_ids=[c.development.development_id for c in changes],
                                            channels=settings.channels, now=end)
                rendered.append(message)
    return DigestReport(rendered, deliver(warehouse, settings, now=now, out=out), alert_ids)


# --- replay -----------------------------------------------------------------------------------

def replay_watch(warehouse: Warehouse, settings: Settings, watch_name: str | None = None, *,
                 batches: int = 1) -> list[FiredAlert]:
    """Which alerts the stored articles would have fired, replayed in publication order into a
    fresh state of the watch (nothing is written)."""
    watches = load_watches(settings.watches_file)
    watch = next((w for w in watches if w.name == watch_name), None) if watch_name else watches[0]
    if watch is None:
        from evwatch.errors import ConfigError

        raise ConfigError(f"no watch named {watch_name!r}", path=str(settings.watches_file), key="watches")
    with warehouse.read(live=True) as conn:
        articles = stored_articles(conn, watch, everything=True)
    return replay(articles, watch, batches=batches, groups=company_groups(settings))


def timeline(warehouse: Warehouse, settings: Settings, watch_name: str | None = None, limit: int = 50):
    watches = load_watches(settings.watches_file)
    watch = next((w for w in watches if w.name == watch_name), None) if watch_name else watches[0]
    if watch is None:
        from evwatch.errors import ConfigError

        raise ConfigError(f"no watch named {watch_name!r}", path=str(settings.watches_file), key="watches")
    with warehouse.read() as conn:
        return watch, store.timeline(conn, watch, limit)


__all__ = ["DigestReport", "WatchReport", "WatchRun", "update_developments", "deliver", "send_digest", "replay_watch",
           "timeline", "Development"]
