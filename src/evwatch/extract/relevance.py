"""Article relevance for a watch: core / context / adjacent / none, a score and the reasons.

Everything that decides comes from the watch (config/watches.yaml), not from code:

- **core** — the story itself: a partnership between the two sides (not competition) with at
  least ``core.min_ev_terms`` EV terms in the article; or, when no partnership was extracted, both
  sides named in one sentence with a cooperation term and ``core.min_ev_terms_without_partnership``
  EV terms.
- **context** — one side's EV business: a side (a company, its person or its product) named with
  an EV term in one of the first ``context.lead_sentences`` sentences, or in the title of an
  article with EV terms, or in at least ``context.min_side_ev_sentences`` sentences anywhere; or a
  side's partnership with a carmaker. A side named in passing deep in another story is not enough.
- **adjacent** — another tech–auto story: a partnership without either side that involves a carmaker
  or comes with EV terms; an ``adjacent_companies`` company in a sentence with EV terms; or an
  ``adjacent_terms`` term.
- **none** — the rest (a phone launch, TV sales, memory prices, even with both sides named).

The score is the label's floor (``core.score``, ``context.score``, ``adjacent.score``, 0 for none)
plus the strength of the evidence within the label's band: EV terms (up to
``ev_terms_saturation``) and how many partnerships support the label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from evwatch.extract.catalogue import Catalogue
from evwatch.extract.matching import NameHit, TermHit
from evwatch.extract.records import CompanyMention, PartnershipMention, PersonMention, Relevance, Sentence
from evwatch.watch import Watch

COOPERATION = "__cooperation__"
ADJACENT = "__adjacent__"


def relevance_terms(watch: Watch) -> dict[str, list[str]]:
    """The labelled term lists a watch needs matched in an article."""
    return {
        **watch.topics,
        COOPERATION: watch.relevance.cooperation_terms,
        ADJACENT: watch.relevance.adjacent_terms,
    }


def score_relevance(
    article_id: str,
    watch: Watch,
    catalogue: Catalogue,
    sentences: Sequence[Sentence],
    companies: Sequence[CompanyMention],
    people: Sequence[PersonMention],
    products: Sequence[NameHit],
    partnerships: Sequence[PartnershipMention],
    terms: Sequence[TermHit],
    title_terms: Sequence[TermHit] = (),
    title_companies: Sequence[NameHit] = (),
) -> Relevance:
    """Label one article for one watch; ``terms`` come from ``relevance_terms(watch)``."""
    settings = watch.relevance
    ev_topics = set(settings.ev_topics)
    ev_hits = [t for t in terms if t.label in ev_topics]
    ev_count = len({(t.start, t.end) for t in ev_hits}) + len({(t.start, t.end) for t in title_terms if t.label in ev_topics})
    sentence_of = _sentence_finder(sentences)

    # Which side each sentence names (companies, people by their company, products by their maker).
    side_sentences: dict[int, set[str]] = {}
    sides_named: dict[str, set[str]] = {"a": set(), "b": set()}

    side_of: dict[str, str] = {}

    def note(group: str, sentence_index: int | None) -> None:
        side = side_of.get(group)
        if side is None:
            side = side_of[group] = watch.side_of(group)
        if side:
            sides_named[side].add(group)
            if sentence_index is not None:
                side_sentences.setdefault(sentence_index, set()).add(side)

    for m in companies:
        note(m.parent_company, m.sentence_index)
    for p in people:
        company = p.company or (catalogue.people[p.person].company if p.person in catalogue.people else "")
        if company:
            note(catalogue.group_of(company), p.sentence_index)
    for hit in products:
        note(catalogue.group_of(catalogue.product_maker(hit.name)), sentence_of(hit.start))
    for hit in title_companies:
        if hit.category == "company" and not hit.ambiguous:
            note(catalogue.group_of(hit.name), None)

    ev_hit_sentences = [sentence_of(t.start) for t in ev_hits]
    ev_sentences = set(ev_hit_sentences)
    side_ev_sentences = [i for i in side_sentences if i in ev_sentences]
    cooperation_sentences = {sentence_of(t.start) for t in terms if t.label == COOPERATION}

    def kind(company: str) -> str:
        known = catalogue.companies.get(company)
        return known.kind if known else ""

    between, side_auto, others = [], [], []
    for p in partnerships:
        if p.relation == "competition":
            continue
        sa, sb = watch.side_of(p.group_a), watch.side_of(p.group_b)
        if {sa, sb} == {"a", "b"}:
            between.append(p)
        elif sa or sb:
            partner = p.company_b if sa else p.company_a
            if kind(partner) == "carmaker":
                side_auto.append(p)
        elif kind(p.company_a) == "carmaker" or kind(p.company_b) == "carmaker" or ev_count:
            others.append(p)

    reasons: list[str] = []
    both = bool(sides_named["a"] and sides_named["b"])
    named = sorted(sides_named["a"] | sides_named["b"])
    if both:
        reasons.append(f"both sides named: {', '.join(named)}")
    elif named:
        reasons.append(f"side named: {', '.join(named)}")
    reasons.append(f"EV terms: {ev_count}")

    def result(label: str, floor: float, ceiling: float, support: int) -> Relevance:
        strength = 0.5 * min(1.0, ev_count / settings.ev_terms_saturation) + 0.5 * min(1.0, support / 2)
        return Relevance(article_id=article_id, score=round(floor + (ceiling - floor) * strength, 3),
                         label=label, reasons=tuple(reasons))

    core = settings.core
    if between and ev_count >= core.min_ev_terms:
        reasons.extend(f"partnership between sides: {p.relation}/{p.topic or '-'}" for p in between[:3])
        return result("core", core.score, 1.0, len(between))
    both_in_sentence = [i for i, s in side_sentences.items() if s == {"a", "b"} and i in cooperation_sentences]
    if both_in_sentence and ev_count >= core.min_ev_terms_without_partnership:
        reasons.append("both sides in a sentence with a cooperation term")
        return result("core", core.score, 1.0, 1)

    context = settings.context
    title_sides = {watch.side_of(catalogue.group_of(h.name)) for h in title_companies
                   if h.category == "company" and not h.ambiguous} - {""}
    lead_ev = [i for i in side_ev_sentences if i < context.lead_sentences]
    if (lead_ev or (title_sides and ev_count) or side_auto
            or len(side_ev_sentences) >= context.min_side_ev_sentences):
        if title_sides and ev_count:
            reasons.append("side named in the title")
        if side_ev_sentences:
            reasons.append(f"side with EV terms in {len(side_ev_sentences)} sentence(s)")
        reasons.extend(f"side partnership with carmaker: {p.company_a}–{p.company_b} {p.relation}" for p in side_auto[:3])
        return result("context", context.score, core.score, len(side_auto) + len(side_ev_sentences))

    adjacent = settings.adjacent
    ev_per_sentence = Counter(i for t, i in zip(ev_hits, ev_hit_sentences) if t.start >= 0)
    adjacent_named = {m.company for m in companies if m.company in settings.adjacent_companies
                      and ev_per_sentence[m.sentence_index] >= max(1, adjacent.min_ev_terms)}
    adjacent_terms = [t for t in (*terms, *title_terms) if t.label == ADJACENT]
    if others or adjacent_named or adjacent_terms:
        reasons.extend(f"tie-up: {p.company_a}–{p.company_b} {p.relation}" for p in others[:3])
        if adjacent_named:
            reasons.append(f"tech-auto company with EV terms: {', '.join(sorted(adjacent_named))}")
        if adjacent_terms:
            reasons.append(f"adjacent terms: {len(adjacent_terms)}")
        return result("adjacent", adjacent.score, context.score, len(others) + len(adjacent_named))
    return result("none", 0.0, adjacent.score * 0.8, 0)


def _sentence_finder(sentences: Sequence[Sentence]):  # noqa: ANN202 - small closure
    from bisect import bisect_right

    starts = [s.start for s in sentences]

    def find(offset: int) -> int | None:
        i = bisect_right(starts, offset) - 1
        return sentences[i].index if i >= 0 and offset < sentences[i].end else None

    return find
