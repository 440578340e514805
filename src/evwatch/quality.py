"""Extraction quality on our annotated gold sets (``evwatch eval`` and the quality floors).

The demo corpus's gold names articles by canonical URL or file, so its texts are produced the
way users get them: the demo feeds are ingested into a throwaway warehouse first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from evwatch.config import FeedConfig, Settings
from evwatch.extract.evaluate import EvaluationReport, evaluate, format_report, gold_files, load_gold
from evwatch.extract.records import ArticleText
from evwatch.ingest.articles import from_document
from evwatch.paths import config_dir, project_root
from evwatch.pipeline import make_extractor, run_ingest, utc_now
from evwatch.warehouse.db import Warehouse

DEMO_FEED_SUFFIXES = (".xml", ".atom", ".rss")


def gold_dir() -> Path:
    return project_root() / "tests" / "gold"


def demo_articles(settings: Settings) -> dict[str, ArticleText]:
    """The demo corpus as stored articles, keyed by canonical URL, and hand-given files by path."""
    demo = config_dir() / "demo"
    feeds = [FeedConfig(name=p.stem, path=p) for p in sorted(demo.iterdir()) if p.suffix in DEMO_FEED_SUFFIXES]
    articles: dict[str, ArticleText] = {}
    with tempfile.TemporaryDirectory(prefix="evwatch-eval-") as tmp:
        warehouse = Warehouse(Path(tmp) / "eval.duckdb", snapshot=False)
        run_ingest(settings, feeds, warehouse=warehouse, trigger="eval")
        with warehouse.read(live=True) as conn:
            for article_id, url, title, text, published, source in conn.execute(
                "SELECT article_id, url, title, text, published_at, source FROM articles"
            ).fetchall():
                if url:
                    articles[url] = ArticleText(article_id, title or "", text or "", published, source or "")
    for folder in ("standalone", "later"):
        for path in sorted((demo / folder).glob("*")) if (demo / folder).exists() else []:
            candidate = from_document(path.read_bytes(), location=str(path), fetched_at=utc_now())
            key = str(path.relative_to(project_root()))
            articles[key] = ArticleText(key, candidate.title, candidate.text, candidate.published_at, candidate.source)
    return articles


def evaluate_gold(settings: Settings, directory: Path | None = None) -> EvaluationReport:
    documents = load_gold(gold_files(directory or gold_dir()))
    return evaluate(make_extractor(settings), documents, demo_articles(settings))


def evaluate_gold_sets(settings: Settings, directory: Path | None = None) -> str:
    return format_report(evaluate_gold(settings, directory))
