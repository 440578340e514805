"""Developments: the facts of a watched story, what is new about them, and how much they matter.

    facts.observations(extraction, article, watch)   what one article says, as keyed observations
    novelty.apply(state, observations, watch, now=)  the developments after them, the changes, the reports
    scoring.score(development, watch, now=)          0..1 and the reasons
    replay.replay(articles, watch, batches=)         the alerts a history of articles would have fired

All of them are plain functions of records; warehouse/developments.py stores the state.
(``replay`` is not re-exported here: it would hide its module of the same name.)
"""

from evwatch.developments.facts import observations
from evwatch.developments.model import (
    ArticleMeta,
    Change,
    Development,
    FieldChange,
    HistoryEntry,
    Observation,
    SourceRef,
)
from evwatch.developments.novelty import Applied, Report, apply, development_id
from evwatch.developments.replay import FiredAlert
from evwatch.developments.scoring import alert_class, score

__all__ = [
    "Applied", "ArticleMeta", "Change", "Development", "FieldChange", "FiredAlert", "HistoryEntry", "Observation",
    "Report", "SourceRef", "alert_class", "apply", "development_id", "observations", "score",
]
