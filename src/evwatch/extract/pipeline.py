"""The extraction stage: ArticleText in, ArticleExtraction out.

``Extractor`` is built once from the catalogue and the watches — it holds the automata, the
compiled rules and, when asked for, spaCy's blank pipeline — and then extracts any number of
articles in one process:

    extractor = Extractor.from_files(config_dir / "catalogue.yaml", config_dir / "watches.yaml")
    for extraction in extractor.extract_many(articles):
        ...

Offsets of company, person and figure mentions index ``article.text`` exactly; partnership
mentions span their sentence. The title only informs relevance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from evwatch.errors import ConfigError
from evwatch.extract import partnerships as partnerships_module
from evwatch.extract import people as people_module
from evwatch.extract.catalogue import Catalogue, load_catalogue
from evwatch.extract.companies import CompanyFinder
from evwatch.extract.figures import extract_figures
from evwatch.extract.partnerships import PartnershipFinder
from evwatch.extract.matching import TextIndex
from evwatch.extract.people import PersonFinder
from evwatch.extract.records import ArticleExtraction, ArticleText, Figure, Sentence
from evwatch.extract.relevance import relevance_terms, score_relevance
from evwatch.extract.sentences import SentenceLocator, SpacySplitter, split_sentences
from evwatch.watch import Watch, check_groups, get_watch, load_watches

def _rules_fingerprint() -> str:
    """A digest of the extraction stage's own source files: any change to a rule changes it."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


#: Which rules produced a stored extraction. The series is bumped by hand when the meaning of a
#: field changes; the digest follows every edit of the rules, so `evwatch reextract` (and the
#: pipeline) re-run stored articles after an upgrade without anyone remembering to bump it.
EXTRACTOR_VERSION = f"rules-2026.12+{_rules_fingerprint()}"


class Extractor:
    """Everything extraction needs, built once: the catalogue, the watch, automata and rules."""

    def __init__(
        self,
        catalogue: Catalogue,
        watches: Sequence[Watch],
        *,
        watch: str | None = None,
        sentencizer: Literal["rules", "spacy"] = "rules",
        batch_size: int = 64,
    ) -> None:
        if not watches:
            raise ConfigError("expected at least one watch", key="watches")
        check_groups(list(watches), catalogue.groups)
        for w in watches:
            unknown = [c for c in w.relevance.adjacent_companies if c not in catalogue.companies]
            if unknown:
                raise ConfigError(f"unknown catalogue company(ies) {unknown}",
                                  key=f"watches.{w.name}.relevance.adjacent_companies")
        self.catalogue = catalogue
        self.watches = list(watches)
        self.watch = get_watch(self.watches, watch)
        self.batch_size = batch_size
        self._spacy = SpacySplitter(batch_size) if sentencizer == "spacy" else None

        terms = relevance_terms(self.watch)
        topic_order: list[str] = list(self.watch.topics)
        for other in self.watches:          # every watch's topics name partnership topics
            for topic, words in other.topics.items():
                if topic not in terms:
                    terms[topic] = list(words)
                    topic_order.append(topic)
                elif other is not self.watch:
                    terms[topic] = [*terms[topic], *words]
        self._topics = set(topic_order)
        # One pass of one automaton over an article finds its catalogue names, the watch's terms
        # and where the stages' cue patterns can match (see evwatch.extract.matching).
        self.index = TextIndex(
            catalogue, terms, {**partnerships_module.cue_patterns(), **people_module.cue_patterns()}
        )
        self.companies = CompanyFinder(catalogue)
        self.people = PersonFinder(catalogue)
        self.partnerships = PartnershipFinder(catalogue, topic_order)
        self._products = {
            alias: product.company for product in catalogue.products.values()
            for alias in (product.name, *product.aliases)
        }

    @classmethod
    def from_files(cls, catalogue_path: Path | str, watches_path: Path | str, **options) -> Extractor:  # noqa: ANN003
        """Load and validate both files, then build (ConfigError names the file and the key)."""
        watches = load_watches(watches_path)
        catalogue = load_catalogue(catalogue_path)
        try:
            return cls(catalogue, watches, **options)
        except ConfigError as exc:
            raise ConfigError(str(exc), path=str(watches_path)) from None

    # ---- extraction --------------------------------------------------------------------------

    def extract(self, article: ArticleText) -> ArticleExtraction:
        """Extract one article."""
        sentences = self._spacy.split(article.text) if self._spacy else split_sentences(article.text)
        return self._extract(article, sentences)

    def extract_many(self, articles: Iterable[ArticleText]) -> Iterator[ArticleExtraction]:
        """Extract a stream of articles in order (spaCy, when used, runs batched with nlp.pipe)."""
        if self._spacy is None:
            for article in articles:
                yield self._extract(article, split_sentences(article.text))
            return
        pending: list[ArticleText] = []
        for article in articles:
            pending.append(article)
            if len(pending) >= self.batch_size:
                yield from self._extract_batch(pending)
                pending = []
        yield from self._extract_batch(pending)

    def _extract_batch(self, articles: list[ArticleText]) -> Iterator[ArticleExtraction]:
        assert self._spacy is not None
        for article, sentences in zip(articles, self._spacy.split_many(a.text for a in articles)):
            yield self._extract(article, sentences)

    def _extract(self, article: ArticleText, sentences: list[Sentence]) -> ArticleExtraction:
        scan = self.index.scan(article.text)
        hits, terms, cues = scan.names, scan.terms, scan.cues
        title = self.index.scan(article.title, cues=False) if article.title else None
        title_hits = title.names if title else []
        locator = SentenceLocator(sentences)
        companies = self.companies.find(article, sentences, hits, title_hits, locator=locator)
        people = self.people.find(article, sentences, hits, companies, locator=locator, cues=cues)
        products = [h for h in hits if h.category == "product"]
        topics = [t for t in terms if t.label in self._topics]
        figures: list[Figure] = extract_figures(article, sentences, companies, products=self._products)
        partnerships = self.partnerships.find(article, sentences, companies, people, products, topics, cues)
        relevance = score_relevance(
            article.article_id, self.watch, self.catalogue, sentences, companies, people, products,
            partnerships, terms, title.terms if title else [], title_hits,
        )
        return ArticleExtraction(
            article_id=article.article_id,
            companies=tuple(companies),
            people=tuple(people),
            figures=tuple(figures),
            partnerships=tuple(partnerships),
            relevance=relevance,
            extractor_version=EXTRACTOR_VERSION,
            meta={"watch": self.watch.name, "sentences": str(len(sentences))},
        )


def extract_articles(
    articles: Iterable[ArticleText], catalogue_path: Path | str, watches_path: Path | str
) -> list[ArticleExtraction]:
    """Build an Extractor from the two files and extract every article (a convenience for callers
    that run extraction once)."""
    return list(Extractor.from_files(catalogue_path, watches_path).extract_many(articles))
