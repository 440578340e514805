"""Company mentions: catalogue aliases, references such as "the Korean firm", unresolved organisations.

- Catalogue aliases come from the shared ``NameIndex`` (Aho-Corasick, whole words, longest match).
  An ambiguous alias ("SDI", "Mi") counts only when its group is named unambiguously in the same
  article (text or title). A possessive "'s" / "’s" belongs to the surface.
- A reference — "the Korean firm", "the South Korean tech giant", "the Beijing-based company",
  "the Chinese smartphone maker" — is resolved to the most recently mentioned catalogue company
  that fits its nationality, city and descriptor (catalogue ``country``, ``based_in``,
  ``descriptors``). A bare "the company" is never resolved.
- An organisation that is not in the catalogue surfaces as ``resolved=False`` only on clear
  evidence: a legal suffix (Inc., Co., Ltd., Kft.), an industry word ending the name (Motors,
  Securities, Research), a noun before it ("a startup called", "analysts at", "joint venture"),
  an apposition after it (", a Californian maker of"), or an acronym or CamelCase name acting in a
  business sentence ("BYD said", "by TechInsights"). Sentence-initial words, months, countries,
  people, products and catalogue names never do.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from evwatch.extract.catalogue import Catalogue, Company
from evwatch.extract.matching import NameHit
from evwatch.extract.records import ArticleText, CompanyMention, Sentence
from evwatch.extract.sentences import SentenceLocator

POSSESSIVE = ("'s", "’s")

GENERIC_HEADS = frozenset({"firm", "company", "group", "giant", "corporation", "business"})

LEGAL_SUFFIXES = frozenset(
    "Inc Inc. Corp Corp. Co Co. Ltd Ltd. LLC plc PLC AG SE GmbH Kft Kft. S.A. N.V. SpA Limited Corporation "
    "Company Bhd Bhd. Pte Pte.".split()
)
INDUSTRY_SUFFIXES = frozenset(
    "Motors Motor Automotive Auto Technologies Technology Tech Energy Solar Electronics Semiconductor "
    "Semiconductors Systems Robotics Mobility Materials Battery Batteries Power Labs Networks Software "
    "Capital Securities Bank Group Holdings Industries International Partners Ventures Research Audio "
    "Cells Devices Microelectronics Chemical Chemicals Display Displays Optoelectronics Dynamics "
    "Aerospace Logistics Investments Consulting Analytics Insights Intelligence".split()
)
MONTHS_AND_DAYS = frozenset(
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday".split()
)

# A run of capitalised words (possibly joined by "&"), the candidates for unresolved organisations.
# It starts with its first letter and checks what precedes it afterwards, so that ``re`` skips to
# capitals at C speed (a pattern that starts with a lookbehind is tried at every position).
_CAP_RUN = re.compile(r"[A-Z](?<![\w&.][A-Z])[\w&.\-]*(?:[ ](?:&[ ])?[A-Z][\w&.\-]*)*")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]{1,4}")
_CAMEL = re.compile(r"[A-Z][a-z]+[A-Z]\w*")
_NOUN_BEFORE = re.compile(
    r"(?:startup|start-up|company|firm|supplier|maker|carmaker|automaker|chipmaker|manufacturer|rival|partner|"
    r"subsidiary|brand|analysts? at|research firm|consultancy|investor|fund|lender|"
    r"joint venture|venture|affiliate|peer|competitor)\s+$",
    re.IGNORECASE,
)
# The words of _NOUN_BEFORE, for a test with str.endswith (a search for "...\s+$" tries every
# position of the window).
_NOUN_ENDINGS = (
    "startup", "start-up", "company", "firm", "supplier", "maker", "manufacturer", "rival", "partner",
    "subsidiary", "brand", "analyst at", "analysts at", "consultancy", "investor",
    "fund", "lender", "venture", "affiliate", "peer", "competitor",
)
# Both are used with ``pattern.match(text, end)``, which anchors at ``end`` (a "^" would not).
_APPOSITION_AFTER = re.compile(
    r",\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?(?:maker|company|firm|startup|start-up|supplier|manufacturer|"
    r"provider|developer|producer|operator|group|brand|carmaker|automaker|chipmaker|unit|subsidiary)\b",
    re.IGNORECASE,
)
_ACTION_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:said|says|signed|announced|reported|partnered|agreed|plans|will|has|shares|"
    r"unveiled|launched|confirmed|denied)\b"
)
_SOURCE_BEFORE = re.compile(r"(?:\bby|\bfrom|\bwith|\bat|according to|shares of)\s+$", re.IGNORECASE)


class CompanyFinder:
    """Finds company mentions in one article; built once per catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        heads = set(GENERIC_HEADS)
        for company in catalogue.companies.values():
            heads.update(d.split()[-1] for d in company.descriptors)
        head_pattern = "|".join(sorted((re.escape(h) for h in heads), key=len, reverse=True))
        head_initials = "".join(sorted({re.escape(h[0]) for h in heads}))
        # "\b[Tt]he <up to four words> <head>". Most "the"s start no reference, so the pattern is
        # written to fail fast: it starts with the literal "he" (the "T" or "t" is checked behind
        # it), so that re skips ahead with its literal-prefix search instead of trying every "t";
        # words and spaces are possessive (a word ends only at a space, so giving characters back
        # cannot help); a head is tried only where a word starts with a head's initial. A match
        # therefore starts one character after the reference does.
        self._reference = re.compile(
            rf"he(?<=[Tt]he)(?<!\w[Tt]he)\s++((?:[\w.&’'-]++\s++){{0,4}}?)"
            rf"(?=[{head_initials}])({head_pattern})\b(?!['’]s\b)"
        )
        self._parsed: dict[tuple[str, str], tuple[str, str, str | None]] = {}
        self._country_words = sorted(catalogue.countries, key=len, reverse=True)
        all_aliases = {a for c in catalogue.companies.values() for a in (*c.aliases, *c.ambiguous_aliases)}
        all_aliases |= {a for p in catalogue.people.values() for a in p.aliases}
        all_aliases |= {a for p in catalogue.products.values() for a in p.aliases}
        self._stop_words = (
            {w for w in catalogue.not_organisations} | set(catalogue.countries) | MONTHS_AND_DAYS | all_aliases
        )

    # ---- public --------------------------------------------------------------------------------

    def find(
        self,
        article: ArticleText,
        sentences: Sequence[Sentence],
        hits: Sequence[NameHit],
        title_hits: Sequence[NameHit] = (),
        *,
        locator: SentenceLocator | None = None,
    ) -> list[CompanyMention]:
        """All company mentions in ``article.text``, in text order."""
        text = article.text
        locator = locator or SentenceLocator(list(sentences))
        company_hits = [h for h in hits if h.category == "company"]
        named_groups = {
            self.catalogue.group_of(h.name) for h in (*company_hits, *title_hits)
            if h.category == "company" and not h.ambiguous
        }
        mentions: list[CompanyMention] = []
        for hit in company_hits:
            company = self.catalogue.companies[hit.name]
            if hit.ambiguous and (company.group not in named_groups or _hyphenated(text, hit.start, hit.end)):
                continue                        # "SDI" with no Samsung named; "Park Mi-young"
            end = hit.end + 2 if text.startswith(POSSESSIVE, hit.end) else hit.end
            mention = self._mention(article, locator, company.name, company.group, hit.start, end, True, company.kind)
            if mention:
                mentions.append(mention)
        mentions.extend(self._references(article, locator, mentions))
        mentions.extend(self._unresolved(article, locator, hits, mentions))
        mentions.sort(key=lambda m: (m.char_start, m.char_end))
        return mentions

    # ---- references ----------------------------------------------------------------------------

    def _references(
        self, article: ArticleText, locator: SentenceLocator, known: list[CompanyMention]
    ) -> list[CompanyMention]:
        text = article.text
        if not known:
            return []
        antecedents = sorted((m for m in known if m.resolved), key=lambda m: m.char_start)
        found = []
        parsed = self._parsed
        for match in self._reference.finditer(text):
            key = match.groups()                  # the same few phrases recur: parse each once
            reading = parsed.get(key)
            if reading is None:
                if len(parsed) > 50_000:
                    parsed.clear()
                reading = parsed[key] = self._parse_reference(*key)
            country, city, descriptor = reading
            if descriptor is None:
                continue
            start = match.start() - 1             # the "T" or "t" before the match
            for mention in reversed(antecedents):
                if mention.char_start >= start:
                    continue
                if self._fits(self.catalogue.companies[mention.company], country, city, descriptor):
                    end = _with_possessive(text, match.end())
                    ref = self._mention(article, locator, mention.company, mention.parent_company,
                                        start, end, True, mention.kind)
                    if ref:
                        found.append(ref)
                    break
        return found

    def _parse_reference(self, modifiers: str, head: str) -> tuple[str, str, str | None]:
        """(country code, city, descriptor) of "the <modifiers> <head>"; descriptor None if too vague."""
        words = modifiers.split()
        country = city = ""
        rest = " ".join(words)
        for word in self._country_words:
            if rest == word or rest.startswith(word + " "):
                country = self.catalogue.countries[word]
                rest = rest[len(word):].strip()
                break
        words = rest.split()
        if words and words[0].lower().endswith("-based"):
            city = words[0][: -len("-based")]
            words = words[1:]
        phrase = " ".join([*words, head]).lower()
        if phrase in GENERIC_HEADS:
            return (country, city, phrase) if (country or city) else ("", "", None)
        tokens = phrase.split()
        # The longest descriptor ending the phrase: "world's largest battery maker" -> "battery maker".
        for i in range(len(tokens)):
            candidate = " ".join(tokens[i:])
            if candidate in self._all_descriptors:
                return country, city, candidate
        return "", "", None

    @property
    def _all_descriptors(self) -> set[str]:
        cached = self.__dict__.get("_descriptor_cache")
        if cached is None:
            cached = {d for c in self.catalogue.companies.values() for d in c.descriptors} | GENERIC_HEADS
            self.__dict__["_descriptor_cache"] = cached
        return cached

    def _fits(self, company: Company, country: str, city: str, descriptor: str) -> bool:
        if country and company.country != country:
            return False
        if city:
            city_country = self.catalogue.countries.get(city, "")
            if city not in company.based_in and city_country != company.country:
                return False
        return descriptor in GENERIC_HEADS or descriptor in company.descriptors

    # ---- unresolved organisations ----------------------------------------------------------------

    def _unresolved(
        self,
        article: ArticleText,
        locator: SentenceLocator,
        hits: Sequence[NameHit],
        known: list[CompanyMention],
    ) -> list[CompanyMention]:
        text = article.text
        taken = _Spans([(h.start, h.end) for h in hits if h.category != "company"]
                       + [(m.char_start, m.char_end) for m in known])
        found: list[CompanyMention] = []
        names: set[str] = set()
        stop_words = self._stop_words
        sentences, sentence_starts = locator.sentences, locator.starts
        for match in _CAP_RUN.finditer(text):
            start, end = match.span()
            if taken.overlaps(start, end):
                continue
            run = match.group()
            if run in stop_words and " " not in run and run[-1] != ".":
                continue                        # a lone common word: "The", "In", "EV", "Reuters"
            if end < len(text) and text[end] == "$":
                continue                        # a currency prefix: "HK$3.2bn", "NT$2.1bn", "US$"
            words = run.split(" ")
            if words[-1].endswith(".") and words[-1] not in LEGAL_SUFFIXES:
                words[-1] = words[-1].rstrip(".")
                end = start + len(" ".join(words))
            i = bisect_right(sentence_starts, start) - 1
            if i < 0 or start >= sentences[i].end:
                continue
            sentence = sentences[i]
            # Capitalisation says nothing at a sentence start: drop a leading common word.
            while words and (words[0] in stop_words or (start == sentence.start and len(words) > 1
                                                        and words[0] in _SENTENCE_OPENERS)):
                start += len(words[0]) + 1
                words = words[1:]
            if not words or not MONTHS_AND_DAYS.isdisjoint(words):
                continue
            # The evidence test comes first: it turns down most runs and costs less than naming them.
            if not self._is_organisation(text, start, end, words, at_sentence_start=start == sentence.start):
                continue
            name = _strip_legal(words)
            if not name or name in stop_words or " ".join(words) in stop_words:
                continue
            names.add(name)
            mention = self._mention(article, locator, name, name, start, _with_possessive(text, end), False, "")
            if mention:
                found.append(mention)
        # Later mentions of a name already shown to be an organisation count too.
        for name in names:
            for start, end in _whole_name(text, name):
                if any(m.char_start <= start < m.char_end for m in found):
                    continue
                if taken.overlaps(start, end):
                    continue
                mention = self._mention(article, locator, name, name, start, _with_possessive(text, end), False, "")
                if mention:
                    found.append(mention)
        return found

    def _is_organisation(self, text: str, start: int, end: int, words: list[str], *, at_sentence_start: bool) -> bool:
        last = words[-1]
        if last in LEGAL_SUFFIXES and len(words) > 1:
            return True
        if last in INDUSTRY_SUFFIXES and len(words) > 1:
            return True
        if not at_sentence_start and _noun_before(text[max(0, start - 40):start]):
            return True
        if text.startswith(",", end) and _APPOSITION_AFTER.match(text, end, min(len(text), end + 80)):
            return True
        # A capital and then lower case only ("Buyers") is neither an acronym nor CamelCase: a
        # cheap test first, since most runs left here are such words.
        if len(words) == 1 and not last[1:].islower() and (_ACRONYM.fullmatch(last) or _CAMEL.fullmatch(last)):
            return bool(_ACTION_AFTER.match(text, end, min(len(text), end + 30))
                        or _SOURCE_BEFORE.search(text[max(0, start - 40):start]))
        return False

    # ---- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _mention(
        article: ArticleText, locator: SentenceLocator, company: str, parent: str,
        start: int, end: int, resolved: bool, kind: str,
    ) -> CompanyMention | None:
        sentence = locator.at(start)
        if sentence is None:
            return None
        return CompanyMention(
            article_id=article.article_id, company=company, parent_company=parent,
            surface=article.text[start:end], sentence_index=sentence.index, sentence=sentence.text,
            char_start=start, char_end=end, resolved=resolved, kind=kind,
        )


_SENTENCE_OPENERS = frozenset(
    "The A An In On At For But And Its It This That These Those While After Before Meanwhile However Still "
    "Also Analysts Shares According Under With By From As If When Separately Earlier Later Last Next".split()
)


class _Spans:
    """Sorted character spans with a fast overlap test (against the eight spans starting last
    before ``end``)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self._starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        # _reach[i]: the furthest end among the eight spans before span i (the last one's end
        # when the spans do not nest, the usual case).
        if all(a <= b for a, b in zip(ends, ends[1:])):
            self._reach = [-1, *ends]
        else:
            self._reach = [-1] + [max(ends[max(0, i - 8):i]) for i in range(1, len(ends) + 1)]

    def overlaps(self, start: int, end: int) -> bool:
        return self._reach[bisect_left(self._starts, end)] > start


def _hyphenated(text: str, start: int, end: int) -> bool:
    """A short form joined to a word by a hyphen is part of that word ("Mi-young", "pre-SDI")."""
    return (start > 0 and text[start - 1] == "-") or (end < len(text) and text[end] == "-")


def _noun_before(before: str) -> bool:
    """``_NOUN_BEFORE.search(before)``: a naming noun, then spaces, ends the window."""
    if not before or not before[-1].isspace():
        return False
    if not before.isascii():
        return _NOUN_BEFORE.search(before) is not None
    words = before.lower().split()
    if words and words[-1] in ("called", "named"):
        # "a startup called Prime Motors", but not "Xiaomi named Zhang Wei" or "a battery called"
        return len(words) > 1 and words[-2].endswith(_NOUN_ENDINGS)
    return before.rstrip().lower().endswith(_NOUN_ENDINGS)


def _whole_name(text: str, name: str):  # noqa: ANN202 - generator of spans
    """Spans of ``name`` in ``text`` not inside a longer word or "&" name, left to right, like
    ``re.finditer(r"(?<![\w&])NAME(?![\w&])")`` but with str.find."""
    size = len(name)
    at = text.find(name)
    while at != -1:
        end = at + size
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if (before == "&" or before == "_" or before.isalnum()) or (after == "&" or after == "_" or after.isalnum()):
            at = text.find(name, at + 1)
            continue
        yield at, end
        at = text.find(name, end)


def _strip_legal(words: list[str]) -> str:
    kept = list(words)
    while len(kept) > 1 and kept[-1] in LEGAL_SUFFIXES:
        kept.pop()
    name = " ".join(kept)
    for mark in POSSESSIVE:
        name = name.removesuffix(mark)
    return name.rstrip(".,")


def _with_possessive(text: str, end: int) -> int:
    return end + 2 if text.startswith(POSSESSIVE, end) else end
