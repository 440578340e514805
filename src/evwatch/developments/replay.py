"""Replay stored articles into a fresh state and list the alerts (and digest items) that would
have fired: each :class:`FiredAlert` says which by its ``alert_class`` (now: alerted at once;
digest: only in the daily digest), and whoever shows them must show that too.

Used to check the alert policy against an annotated timeline and to try a watch's rules on the
history before switching them on. The articles are taken in publication order (ties by article
id) and cut into ``batches`` consecutive runs, each folded in like one pipeline run; since the
order is the same however they are cut, the alerts do not depend on the number of batches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from evwatch.developments.facts import observations
from evwatch.developments.model import ArticleMeta, Change, Development, FieldChange, as_utc
from evwatch.developments.novelty import apply
from evwatch.extract.records import ArticleExtraction
from evwatch.watch import Watch


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """An alert (or digest item) a change would have raised."""

    at: datetime                 # publication time of the triggering article
    watch: str
    key: str
    kind: str                    # partnership, meeting, figure
    status: str                  # new, updated, conflict
    summary: str
    article_id: str              # the triggering article
    url: str | None
    alert_class: str             # now (alerted at once) or digest
    fields: tuple[FieldChange, ...] = ()


def fired_alert(change: Change) -> FiredAlert:
    dev = change.development
    return FiredAlert(at=change.at, watch=dev.watch, key=dev.key, kind=dev.kind, status=change.change,
                      summary=dev.summary, article_id=change.trigger.article_id, url=change.trigger.url,
                      alert_class=dev.alert_class, fields=change.fields)


def replay(articles: Sequence[tuple[ArticleMeta, ArticleExtraction]], watch: Watch, *, batches: int = 1,
           groups: Mapping[str, str] | None = None, final_state: dict[str, Development] | None = None,
           ) -> list[FiredAlert]:
    """The alerts replaying ``articles`` into a fresh state would fire, in order.

    One per change whose development alerts at once (``alert_class`` now) or goes into the digest
    (digest). ``groups`` maps companies to groups (see :func:`facts.observations`); pass a dict as
    ``final_state`` to receive the developments at the end.
    """
    if batches < 1:
        raise ValueError(f"batches must be at least 1, got {batches}")
    ordered = sorted(articles, key=lambda pair: (as_utc(pair[0].published_at), pair[0].article_id))
    size = -(-len(ordered) // batches) if ordered else 0
    state: dict[str, Development] = {}
    fired: list[FiredAlert] = []
    for start in range(0, len(ordered), size or 1):
        batch = ordered[start:start + size]
        found = [o for meta, extraction in batch for o in observations(extraction, meta, watch, groups=groups)]
        now = max(as_utc(meta.published_at) for meta, _ in batch)
        state, changes, _ = apply(state, found, watch, now=now)
        fired.extend(fired_alert(c) for c in changes if c.development.alert_class in ("now", "digest"))
    if final_state is not None:
        final_state.clear()
        final_state.update(state)
    return fired
