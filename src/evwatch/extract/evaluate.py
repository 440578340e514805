"""Extraction quality on gold sets (tests/gold/*.yaml; format in docs/CONTRACTS.md).

``evaluate`` runs an Extractor over gold documents and scores each kind by precision, recall and
F1, and relevance by accuracy, for the dev split, the heldout split and all documents:

- companies   the set of canonical names of resolved mentions
- unresolved  the set of organisations outside the catalogue (hard cases annotate them)
- people      (person, company)
- figures     (value within 0.5%, unit, company), matched one to one
- partnerships (pair, relation); the pair is ordered only for supply (a supplies b)
- stages      (pair, relation, stage): a partnership with the stage the sentence gives it
- topics      (pair, relation, topic): a partnership with what it is about

A predicted unit matches a gold company that names its group ("Samsung SDI" where the gold says
"Samsung"), never the other way round. A kind is scored for a document only when the document
annotates it (an empty list means "nothing expected"); a set may narrow that with ``scored:``.
Documents given by ``url:`` or ``file:`` take their text from the ``articles`` mapping the caller
supplies (keyed by url, file or id); without it they are skipped and listed as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from evwatch.errors import ConfigError
from evwatch.extract.catalogue import Catalogue
from evwatch.extract.pipeline import Extractor
from evwatch.extract.records import ArticleExtraction, ArticleText

KINDS = ("companies", "unresolved", "people", "figures", "partnerships", "stages", "topics")
SPLITS = ("dev", "heldout", "all")
EXCLUDED_FILES = frozenset({"demo_timeline.yaml"})   # a timeline of developments, not extraction gold


@dataclass(frozen=True)
class GoldDocument:
    id: str
    set: str
    split: str
    annotations: dict[str, Any]               # kind -> gold list, "relevance" -> label
    article: ArticleText | None = None        # inline title/text
    source: str = ""                          # url or file for stored articles
    source_key: str = ""


@dataclass(frozen=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


@dataclass(frozen=True)
class SplitScores:
    documents: int = 0
    kinds: dict[str, Score] = field(default_factory=dict)
    relevance_correct: int = 0
    relevance_total: int = 0

    @property
    def relevance_accuracy(self) -> float:
        return self.relevance_correct / self.relevance_total if self.relevance_total else 1.0


@dataclass(frozen=True)
class Mismatch:
    document: str
    split: str
    kind: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationReport:
    splits: dict[str, SplitScores]
    mismatches: tuple[Mismatch, ...] = ()
    skipped: tuple[str, ...] = ()

    def f1(self, kind: str, split: str = "all") -> float:
        return self.splits[split].kinds.get(kind, Score()).f1

    def relevance_accuracy(self, split: str = "all") -> float:
        return self.splits[split].relevance_accuracy


def format_mismatches(report: EvaluationReport, kinds: Sequence[str] = ()) -> str:
    """One line per document and kind where the extractor and the gold disagree."""
    lines = []
    for m in report.mismatches:
        if not kinds or m.kind in kinds:
            lines.append(f"{m.document} [{m.split}] {m.kind}: missing {list(m.missing)} extra {list(m.extra)}")
    return "\n".join(lines)


# ---- loading gold ------------------------------------------------------------------------------

def gold_files(directory: Path | str) -> list[Path]:
    """Every gold file in a folder, except the developments timeline."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name not in EXCLUDED_FILES)


def load_gold(paths: Iterable[Path | str]) -> list[GoldDocument]:
    """Read gold files; ConfigError names the file and the document that is malformed."""
    documents: list[GoldDocument] = []
    for path in map(Path, paths):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read gold file: {exc}", path=str(path)) from None
        set_name = str(data.get("set", path.stem))
        scored = data.get("scored")
        for i, doc in enumerate(data.get("documents") or []):
            key = f"documents.{i}"
            if not isinstance(doc, dict) or "id" not in doc:
                raise ConfigError("expected a mapping with an id", path=str(path), key=key)
            split = doc.get("split", "dev")
            if split not in ("dev", "heldout"):
                raise ConfigError(f"expected split dev or heldout, got {split!r}", path=str(path), key=f"{key}.split")
            kinds = [k for k in (*KINDS, "relevance") if k in doc and (scored is None or k in scored)]
            annotations = {k: doc[k] if doc[k] is not None else [] for k in kinds}
            article = None
            if "text" in doc:
                article = ArticleText(article_id=str(doc["id"]), title=str(doc.get("title") or ""),
                                      text=str(doc["text"]), published_at=_when(doc.get("published")))
            documents.append(GoldDocument(
                id=str(doc["id"]), set=set_name, split=split, annotations=annotations, article=article,
                source=str(doc.get("url") or doc.get("file") or ""),
            ))
    return documents


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12))
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


# ---- scoring -----------------------------------------------------------------------------------

def evaluate(
    extractor: Extractor,
    documents: Sequence[GoldDocument],
    articles: Mapping[str, ArticleText] | None = None,
) -> EvaluationReport:
    """Run ``extractor`` on the gold documents and score every annotated kind per split."""
    articles = articles or {}
    runnable: list[tuple[GoldDocument, ArticleText]] = []
    skipped: list[str] = []
    for doc in documents:
        article = doc.article or articles.get(doc.source) or articles.get(doc.id)
        if article is None:
            skipped.append(doc.id)
        else:
            runnable.append((doc, article))
    extractions = extractor.extract_many(article for _, article in runnable)

    totals = {s: {k: Score() for k in KINDS} for s in SPLITS}
    counts = {s: [0, 0, 0] for s in SPLITS}        # documents, relevance correct, relevance total
    mismatches: list[Mismatch] = []
    for (doc, _), extraction in zip(runnable, extractions):
        for split in (doc.split, "all"):
            counts[split][0] += 1
        for kind in KINDS:
            annotated = "partnerships" if kind in ("stages", "topics") else kind
            if annotated not in doc.annotations:
                continue
            score, missing, extra = _score(kind, doc.annotations[annotated], extraction, extractor.catalogue)
            for split in (doc.split, "all"):
                totals[split][kind] = totals[split][kind] + score
            if missing or extra:
                mismatches.append(Mismatch(doc.id, doc.split, kind, tuple(missing), tuple(extra)))
        if "relevance" in doc.annotations:
            predicted = extraction.relevance.label if extraction.relevance else "none"
            correct = predicted == doc.annotations["relevance"]
            for split in (doc.split, "all"):
                counts[split][1] += correct
                counts[split][2] += 1
            if not correct:
                mismatches.append(Mismatch(doc.id, doc.split, "relevance", (doc.annotations["relevance"],), (predicted,)))
    splits = {
        s: SplitScores(documents=counts[s][0], kinds=totals[s], relevance_correct=counts[s][1],
                       relevance_total=counts[s][2])
        for s in SPLITS
    }
    return EvaluationReport(splits=splits, mismatches=tuple(mismatches), skipped=tuple(skipped))


def _score(kind: str, gold: list[Any], extraction: ArticleExtraction, catalogue: Catalogue) -> tuple[Score, list[str], list[str]]:
    def matches(predicted: str, expected: str) -> bool:
        return predicted == expected or catalogue.group_of(predicted) == expected

    if kind == "companies":
        return _sets(set(gold), {m.company for m in extraction.companies if m.resolved})
    if kind == "unresolved":
        return _sets(set(gold), {m.company for m in extraction.companies if not m.resolved})
    if kind == "people":
        expected = {(g["person"], g.get("company") or "") for g in gold}
        predicted = {(p.person, p.company) for p in extraction.people}
        return _keyed(expected, predicted, lambda p, g: p[0] == g[0] and (p[1] == g[1] or (g[1] and matches(p[1], g[1]))))
    if kind in ("partnerships", "stages", "topics"):
        detail = {"partnerships": None, "stages": "stage", "topics": "topic"}[kind]

        def key(a: str, b: str, relation: str, value: str) -> tuple[str, ...]:
            return _pair_key(a, b, relation) + ((value,) if detail else ())

        expected = {key(g["company_a"], g["company_b"], g["relation"], str(g.get(detail) or "") if detail else "")
                    for g in gold}
        predicted = {key(p.company_a, p.company_b, p.relation, getattr(p, detail) if detail else "")
                     for p in extraction.partnerships}

        def same(p: tuple[str, ...], g: tuple[str, ...]) -> bool:
            if p[2:] != g[2:]:
                return False
            if matches(p[0], g[0]) and matches(p[1], g[1]):
                return True
            return g[2] != "supply" and matches(p[0], g[1]) and matches(p[1], g[0])

        return _keyed(expected, predicted, same)
    if kind == "figures":
        return _figures(gold, extraction, matches)
    raise ValueError(f"unknown kind {kind!r}")


def _pair_key(a: str, b: str, relation: str) -> tuple[str, str, str]:
    if relation != "supply":
        a, b = sorted((a, b))
    return a, b, relation


def _sets(expected: set[str], predicted: set[str]) -> tuple[Score, list[str], list[str]]:
    missing, extra = sorted(expected - predicted), sorted(predicted - expected)
    return Score(len(expected & predicted), len(extra), len(missing)), missing, extra


def _keyed(expected: set, predicted: set, same) -> tuple[Score, list[str], list[str]]:  # noqa: ANN001
    """Each prediction counts once against the gold item it matches; unmatched ones are false.

    Exact matches are paired first, and a looser match (a unit for its group) takes a gold item
    nobody has matched yet before one already found, so the score does not depend on set order.
    """
    found = expected & predicted
    extra = []
    for p in sorted(predicted - expected, key=str):
        hit = next((g for g in sorted(expected - found, key=str) if same(p, g)), None)
        if hit is None and not any(same(p, g) for g in found):
            extra.append(p)
        elif hit is not None:
            found.add(hit)
    missing = expected - found
    return (Score(len(found), len(extra), len(missing)),
            sorted(map(str, missing)), sorted(map(str, extra)))


def _figures(gold: list[dict], extraction: ArticleExtraction, matches) -> tuple[Score, list[str], list[str]]:  # noqa: ANN001
    expected = {(float(g["value"]), str(g["unit"]), g.get("company") or "") for g in gold}
    predicted = {(f.value, f.unit, f.company) for f in extraction.figures}

    def same(p: tuple[float, str, str], g: tuple[float, str, str]) -> bool:
        close = abs(p[0] - g[0]) <= 0.005 * abs(g[0]) if g[0] else p[0] == 0
        return close and p[1] == g[1] and (p[2] == g[2] or bool(g[2] and matches(p[2], g[2])))

    return _keyed(expected, predicted, same)


# ---- the table ---------------------------------------------------------------------------------

def format_report(report: EvaluationReport) -> str:
    """A plain-text table: one row per kind, precision / recall / F1 per split."""
    header = f"{'kind':<14}" + "".join(
        f"{f'{s} ({report.splits[s].documents} docs)':<26}" for s in SPLITS)
    lines = [header, f"{'':<14}" + "".join(f"{'P     R     F1':<26}" for _ in SPLITS)]
    for kind in KINDS:
        row = f"{kind:<14}"
        for s in SPLITS:
            score = report.splits[s].kinds.get(kind, Score())
            cell = f"{score.precision:.2f}  {score.recall:.2f}  {score.f1:.2f}" if score.tp + score.fp + score.fn else "-"
            row += f"{cell:<26}"
        lines.append(row)
    row = f"{'relevance acc':<14}"
    for s in SPLITS:
        sp = report.splits[s]
        cell = f"{sp.relevance_accuracy:.2f} ({sp.relevance_correct}/{sp.relevance_total})" if sp.relevance_total else "-"
        row += f"{cell:<26}"
    lines.append(row)
    if report.skipped:
        lines.append(f"skipped (no stored article): {len(report.skipped)}")
    return "\n".join(lines)
