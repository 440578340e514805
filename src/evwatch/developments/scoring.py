"""How much a development matters now: a score in 0..1 and the reasons, as short phrases.

The score adds up what a reader weighs: whether the watch alerts on this kind of development at
once or only in the digest, how far it has got (an agreed deal over a rumour; a figure that was
reported over one that is forecast), how many independent outlets reported it (syndicated copies
do not count), how relevant the best report was, and how recently it was reported. Sources that
disagree take some confidence away. Deterministic given ``now``.

    part                      weight   grows with
    alert class               0.35     now 0.35, digest 0.20, none 0.05
    stage / figure kind       0.15     operational, agreed 0.15; denied, ended 0.12; in_talks 0.10;
                                       speculated 0; actual, target 0.12; forecast 0.06
    independent sources       0.20     0.20 * (1 - 0.5 ** (n - 1)): 0, 0.10, 0.15, 0.175, ...
    relevance                 0.15     the best report's relevance score
    recency                   0.15     halves every 7 days since the last report
    conflict                  -0.10    while sources disagree
"""

from __future__ import annotations

from datetime import datetime, timedelta

from evwatch.developments.facts import STAGE_WORDS, classify_development, rule_reason
from evwatch.developments.model import Development, as_utc
from evwatch.watch import Watch

CLASS_WEIGHT = {"now": 0.35, "digest": 0.20, "none": 0.05}
STAGE_WEIGHT = {"operational": 0.15, "agreed": 0.15, "denied": 0.12, "ended": 0.12, "in_talks": 0.10,
                "speculated": 0.0}
FIGURE_KIND_WEIGHT = {"actual": 0.12, "target": 0.12, "forecast": 0.06}
SOURCES_WEIGHT = 0.20
RELEVANCE_WEIGHT = 0.15
RECENCY_WEIGHT = 0.15
RECENCY_HALF_LIFE = timedelta(days=7)
CONFLICT_PENALTY = 0.10


def alert_class(dev: Development, watch: Watch) -> str:
    """now (alert at once), digest (daily digest only) or none, from the watch's rules."""
    return classify_development(dev, watch)[0]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _ago(moment: datetime, now: datetime) -> str:
    days = (as_utc(now) - as_utc(moment)) // timedelta(days=1)
    if days <= 0:
        return "reported today"
    return "reported yesterday" if days == 1 else f"reported {days} days ago"


def score(dev: Development, watch: Watch, *, now: datetime) -> tuple[float, tuple[str, ...]]:
    """The development's score in 0..1 and the reasons behind it."""
    klass, rule = classify_development(dev, watch)
    reasons = [rule_reason(rule, dev)]
    total = CLASS_WEIGHT[klass]

    if dev.kind == "figure":     # the rule's reason already names the kind of figure
        total += FIGURE_KIND_WEIGHT.get(dev.figure_kind or "", 0.0)
    else:
        total += STAGE_WEIGHT.get(dev.stage or "", 0.0)
        reasons.append(f"stage: {STAGE_WORDS.get(dev.stage or '', dev.stage)}")

    counted = dev.counted_sources()
    copies = len(dev.sources) - len(counted)
    n = max(dev.source_count, 1)
    total += SOURCES_WEIGHT * (1 - 0.5 ** (n - 1))
    reasons.append(_plural(dev.source_count, "independent source")
                   + (f" (+{_plural(copies, 'syndicated copy')})".replace("copys", "copies") if copies else ""))

    best = max(counted or dev.sources, key=lambda s: (s.relevance, s.published_at), default=None)
    if best is not None and best.relevance > 0:
        total += RELEVANCE_WEIGHT * min(best.relevance, 1.0)
        reasons.append(f"{best.relevance_label or 'relevance'}{' relevance' if best.relevance_label else ''} "
                       f"{best.relevance:.2f}")

    age = max(as_utc(now) - as_utc(dev.last_seen_at), timedelta(0))
    total += RECENCY_WEIGHT * 0.5 ** (age / RECENCY_HALF_LIFE)
    reasons.append(_ago(dev.last_seen_at, now))

    if dev.status == "conflict":
        total -= CONFLICT_PENALTY
        reasons.append("sources disagree")
    if dev.held:
        reasons.append(f"speculative: waiting for a {_ordinal(watch.min_sources_speculative)} independent source")
    return round(min(max(total, 0.0), 1.0), 4), tuple(reasons)
