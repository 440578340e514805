"""Syndicated copies: MinHash finds a text republished with a few words changed, and leaves two
different articles on the same story apart."""

from __future__ import annotations

import re

import pytest

from evwatch.ingest.dedup import COPY_THRESHOLD, MIN_WORDS, SyndicationIndex, signature, similarity
from evwatch.pipeline import ingest_document
from tests.helpers import ARTICLES, NOW, Clock, make_settings, rows, words_changed

ORIGINAL = ARTICLES["sdi-xiaomi"][1]
#: The wire story as another outlet ran it: three edits in about 115 words.
REPRINT = words_changed(ORIGINAL, {
    "according to three people": "according to several people",
    "Shares of Samsung SDI rose 4 percent": "Samsung SDI stock gained 4 percent",
    "Xiaomi declined to comment.": "Xiaomi did not comment.",
})


@pytest.fixture
def index() -> SyndicationIndex:
    """Every article of the test corpus, stored under its name."""
    index = SyndicationIndex()
    for name, (_, text) in ARTICLES.items():
        index.add(name, signature(text))
    return index


def test_a_copy_with_a_few_words_changed_is_found(index):
    copy = index.original_of("reprint", signature(REPRINT))

    assert copy is not None
    assert (copy.article_id, copy.original_id) == ("reprint", "sdi-xiaomi")
    assert COPY_THRESHOLD <= copy.similarity < 1.0


def test_a_different_article_on_the_same_story_is_not_a_copy():
    # Same companies, same deal, same week: written separately, so not a copy.
    denial = ARTICLES["sdi-xiaomi-denied"][1]
    index = SyndicationIndex()
    index.add("sdi-xiaomi", signature(ORIGINAL))

    assert index.original_of("denial", signature(denial)) is None
    assert similarity(signature(ORIGINAL), signature(denial)) < 0.1


def test_no_two_articles_of_the_corpus_pair_up():
    index = SyndicationIndex()
    for name, (_, text) in ARTICLES.items():
        assert index.original_of(name, signature(text)) is None, name
        index.add(name, signature(text))


def test_case_and_punctuation_do_not_make_a_different_text():
    noisy = ORIGINAL.upper().replace(". ", " .\n\n  ").replace("'", "’").replace(" ", "  ")
    assert similarity(signature(ORIGINAL), signature(noisy)) == 1.0


def test_an_article_is_never_its_own_original(index):
    assert index.original_of("sdi-xiaomi", signature(ORIGINAL)) is None


def test_the_closest_original_wins():
    lightly = words_changed(ORIGINAL, {"Xiaomi declined to comment.": "Xiaomi did not comment."})
    index = SyndicationIndex()
    index.add("reprint", signature(REPRINT))
    index.add("original", signature(ORIGINAL))

    copy = index.original_of("new", signature(lightly))

    assert copy is not None and copy.original_id == "original"


def test_texts_too_short_to_judge_have_no_signature():
    words = re.findall(r"\w+", ORIGINAL)
    assert signature(" ".join(words[: MIN_WORDS - 1])) is None
    assert signature(" ".join(words[:MIN_WORDS])) is not None


def test_a_copy_arriving_in_a_later_run_is_found_from_the_stored_signatures(tmp_path):
    title = ARTICLES["sdi-xiaomi"][0]
    (tmp_path / "original.txt").write_text(f"{title}\n\n{ORIGINAL}\n", encoding="utf-8")
    (tmp_path / "reprint.txt").write_text(f"{title} (reprint)\n\n{REPRINT}\n", encoding="utf-8")
    settings = make_settings(tmp_path / "config")

    first = ingest_document(settings, str(tmp_path / "original.txt"), now=Clock())
    second = ingest_document(settings, str(tmp_path / "reprint.txt"), now=Clock(NOW.replace(hour=13)))

    [original] = first.new_articles
    [reprint] = second.new_articles
    assert second.duplicates == [reprint]
    assert rows(settings.db_path, "SELECT duplicate_of FROM articles WHERE article_id = ?", [reprint]) == [(original,)]
