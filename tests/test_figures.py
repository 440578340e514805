"""Figures: what ``extract_figures`` reads from a sentence, one behaviour per test.

The helpers below stand in for the sentence splitter and the company matcher (owned by other
modules) so these tests depend only on ``evwatch.extract.figures`` and the records.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from evwatch.extract.figures import extract_figures
from evwatch.extract.records import ArticleText, CompanyMention, Figure, Sentence

GOLD = Path(__file__).parent / "gold" / "hard_figures.yaml"
F1_FLOOR = 0.90

# --------------------------------------------------------------------------- helpers

# (surface, canonical, group, resolved): a small stand-in for the catalogue. Unresolved names are
# organisations outside it (banks, research firms, media), as the company matcher reports them.
_ALIASES = [
    ("Samsung Electro-Mechanics", "Samsung Electro-Mechanics", "Samsung", True),
    ("Samsung Electronics", "Samsung Electronics", "Samsung", True),
    ("Samsung SDI", "Samsung SDI", "Samsung", True),
    ("Samsung Display", "Samsung Display", "Samsung", True),
    ("Samsung", "Samsung", "Samsung", True),
    ("Harman", "Harman", "Samsung", True),
    ("Xiaomi EV", "Xiaomi EV", "Xiaomi", True),
    ("Xiaomi", "Xiaomi", "Xiaomi", True),
    ("Sony Honda Mobility", "Sony Honda Mobility", "Sony Honda Mobility", True),
    ("Sony", "Sony", "Sony", True),
    ("Honda", "Honda", "Honda", True),
    ("Tesla", "Tesla", "Tesla", True),
    ("BYD", "BYD", "BYD", True),
    ("CATL", "CATL", "CATL", True),
    ("LG Energy Solution", "LG Energy Solution", "LG", True),
    ("Apple", "Apple", "Apple", True),
    ("Citi", "Citi", "Citi", False),
    ("Deutsche Bank", "Deutsche Bank", "Deutsche Bank", False),
    ("Counterpoint Research", "Counterpoint Research", "Counterpoint Research", False),
    ("Canalys", "Canalys", "Canalys", False),
    ("China Passenger Car Association", "China Passenger Car Association", "CPCA", False),
    ("Reuters", "Reuters", "Reuters", False),
    ("CnEVPost", "CnEVPost", "CnEVPost", False),
]
_ALIAS_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(a[0]) for a in _ALIASES) + r")(?:'s|’s|')?(?![\w-])"
)
_ALIAS = {a[0]: a for a in _ALIASES}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(©])|\n+")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` with offsets: a plain splitter, enough for these tests."""
    out: list[Sentence] = []
    start = 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        chunk = chunk.strip()
        if chunk:
            s = start + lead
            out.append(Sentence(index=len(out), start=s, end=s + len(chunk), text=chunk))
        if m:
            start = m.end()
    return out


def find_companies(article_id: str, text: str, sentences: list[Sentence]) -> list[CompanyMention]:
    """Company mentions by alias, the way the company matcher reports them."""
    out = []
    for m in _ALIAS_RE.finditer(text):
        name = re.sub(r"(?:'s|’s|')$", "", m.group(0))
        _, canonical, group, resolved = _ALIAS[name]
        sentence = next(s for s in sentences if s.start <= m.start() < s.end)
        out.append(
            CompanyMention(
                article_id=article_id, company=canonical, parent_company=group,
                surface=m.group(0), sentence_index=sentence.index, sentence=sentence.text,
                char_start=m.start(), char_end=m.end(), resolved=resolved,
            )
        )
    return out


def figures_of(text: str, published: str | None = "2025-07-15", **kwargs) -> list[Figure]:
    """Run extraction on ``text`` as one article."""
    article = ArticleText(
        article_id="a1", title="", text=text,
        published_at=datetime.fromisoformat(published) if published else None,
    )
    sentences = split_sentences(text)
    return extract_figures(article, sentences, find_companies("a1", text, sentences), **kwargs)


def one(text: str, **kwargs) -> Figure:
    """The single figure of ``text``."""
    figures = figures_of(text, **kwargs)
    assert len(figures) == 1, [f.surface for f in figures]
    return figures[0]


# --------------------------------------------------------------------------- gold


def _load_gold() -> list[dict]:
    return yaml.safe_load(GOLD.read_text(encoding="utf-8"))["documents"]


def _predict(doc: dict) -> list[Figure]:
    published = doc.get("published")
    article = ArticleText(
        article_id=doc["id"], title=doc.get("title", ""), text=doc["text"],
        published_at=datetime(published.year, published.month, published.day) if published else None,
    )
    sentences = split_sentences(article.text)
    return extract_figures(article, sentences, find_companies(doc["id"], article.text, sentences))


def _matches(pred: Figure, gold: dict) -> bool:
    value = float(gold["value"])
    close = abs(pred.value - value) <= 0.005 * abs(value) if value else pred.value == 0
    return close and pred.unit == gold["unit"] and pred.company == (gold.get("company") or "")


def score(docs: list[dict]) -> tuple[float, float, float, list[str]]:
    """Figures precision, recall and F1 over ``docs``, with a line per miss for the report."""
    tp = n_pred = n_gold = 0
    misses: list[str] = []
    for doc in docs:
        preds = _predict(doc)
        golds = doc.get("figures") or []
        n_pred += len(preds)
        n_gold += len(golds)
        unused = list(preds)
        for g in golds:
            hit = next((p for p in unused if _matches(p, g)), None)
            if hit is None:
                misses.append(f"{doc['id']}: missed {g}")
            else:
                unused.remove(hit)
                tp += 1
        misses += [f"{doc['id']}: spurious {p.surface!r} {p.value} {p.unit} {p.company!r}" for p in unused]
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, misses


def test_gold_figures_f1_on_dev_meets_the_floor_and_heldout_is_reported(capsys):
    docs = _load_gold()
    dev = [d for d in docs if d["split"] == "dev"]
    heldout = [d for d in docs if d["split"] == "heldout"]
    p, r, f1, misses = score(dev)
    hp, hr, hf1, _ = score(heldout)
    with capsys.disabled():
        print(f"\nfigures dev     P={p:.3f} R={r:.3f} F1={f1:.3f} ({len(dev)} documents)")
        print(f"figures heldout P={hp:.3f} R={hr:.3f} F1={hf1:.3f} ({len(heldout)} documents)")
    assert f1 >= F1_FLOOR, "\n".join(misses)


def test_gold_set_is_large_enough_and_keeps_a_heldout_share():
    docs = _load_gold()
    assert len(docs) >= 30
    assert len({d["id"] for d in docs}) == len(docs)
    share = sum(d["split"] == "heldout" for d in docs) / len(docs)
    assert 0.25 <= share <= 0.35
