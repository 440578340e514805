"""One Extractor per test module, built from the shipped catalogue and watches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evwatch.extract.pipeline import Extractor
from evwatch.extract.records import ArticleExtraction, ArticleText

CONFIG = Path(__file__).resolve().parents[1] / "config"


def build_extractor(**options) -> Extractor:
    return Extractor.from_files(CONFIG / "catalogue.yaml", CONFIG / "watches.yaml", **options)


def extract_with(extractor: Extractor) -> Callable[..., ArticleExtraction]:
    def extract(text: str, title: str = "") -> ArticleExtraction:
        return extractor.extract(ArticleText(article_id="t", title=title, text=text))

    return extract
