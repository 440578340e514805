"""Person mentions: catalogue people by alias, with the role and company the text states.

A role phrase ("chairman", "founder and chief executive", "vice president") is tied to a person and
a company by its position:

    Samsung Electronics Chairman Lee Jae-yong      company, role, person
    Lei Jun, Xiaomi's founder and CEO              person, company, role
    Toshihiro Mibe, chief executive of Honda       person, role, company
    Lu Weibing, the company's president            person, role; the company named before
    Samsung's Jay Lee                              company, person (no role)
    이재용 삼성전자 회장                              person, company, role (Korean order)

Roles are normalised and joined in a fixed order ("founder, chairman, ceo"). A person who is not
in the catalogue is reported only with a role phrase and a company next to a two- or three-word
capitalised name ("Rivian chief executive Robert Scaringe"); precision before recall.
Nothing is taken from the catalogue's usual role or company: role and company are "" if the text
does not state them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from evwatch.extract.catalogue import Catalogue
from evwatch.extract.matching import Cues, NameHit
from evwatch.extract.companies import POSSESSIVE
from evwatch.extract.records import ArticleText, CompanyMention, PersonMention, Sentence
from evwatch.extract.sentences import SentenceLocator

# Normalised role -> spellings (matched case-insensitively, longest first).
ROLE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "founder": ("founder", "co-founder", "cofounder", "창업자", "创始人"),
    "executive chairman": ("executive chairman",),
    "chairman": ("chairman", "chairwoman", "chair", "회장", "董事长", "会长"),
    "vice chairman": ("vice chairman", "vice-chairman", "부회장", "副董事长"),
    "ceo": ("chief executive officer", "chief executive", "ceo", "boss", "대표", "首席执行官"),
    "president": ("president", "사장", "总裁"),
    "vice president": ("vice president", "vice-president", "副总裁"),
    "cfo": ("chief financial officer", "cfo"),
    "coo": ("chief operating officer", "coo"),
    "cto": ("chief technology officer", "cto"),
}
ROLE_ORDER = tuple(ROLE_SPELLINGS)
_SPELLING_TO_ROLE = {s: role for role, spellings in ROLE_SPELLINGS.items() for s in spellings}
_ROLE_WORD = "|".join(sorted((re.escape(s) for s in _SPELLING_TO_ROLE), key=len, reverse=True))
# A role phrase: roles joined by commas, "and", "&"; e.g. "founder, chairman and chief executive".
_ROLES = re.compile(
    rf"(?<![\w-])(?:{_ROLE_WORD})(?:\s*(?:,\s*|\s+and\s+|\s*&\s*)(?:{_ROLE_WORD}))*(?![\w-])", re.IGNORECASE
)
_ROLE_ONE = re.compile(rf"(?<![\w-])(?:{_ROLE_WORD})(?![\w-])", re.IGNORECASE)
_ROLE_AFTER_KOREAN = re.compile(r"\s*(" + _ROLE_WORD + r")", re.IGNORECASE)
_NAME = re.compile(r"[A-Z][a-z]+(?:[ ][A-Z][a-z]+(?:-[a-z]+)?){1,2}")
_NAME_BEFORE_ROLE = re.compile(r"([A-Z][a-z]+(?:[ ][A-Z][a-z]+(?:-[a-z]+)?){1,2}),\s+(?:the\s+|a\s+)?(?:[^,]{0,40}?)$")
_BETWEEN_NAME_AND_ROLE = re.compile(r",\s+(?:the\s+|a\s+)?(?:\S+['’]s\s+|\S+\s+)?")
_COMMA_AFTER_NAME = re.compile(r"\s*,\s*(?:the\s+|a\s+|an\s+)?")
_OF_OR_AT = re.compile(r"\s+(?:of|at)\s+")
_OF_OR_AT_THE = re.compile(r"\s+(?:of|at)\s+(?:the\s+)?")
_BACK_REFERENCE = re.compile(r"(?:(?:the\s+)?(?:company|firm|group)['’]s|its)\s+", re.IGNORECASE)


def cue_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns this module scans whole texts with, by cue label (see TextIndex)."""
    return {"role": _ROLES}


def _role_phrases(text: str, cues: Cues | None, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """``_ROLES.finditer(text, start, end)``; with ``cues``, tried only where a role word starts
    (a case-insensitive pattern that opens with a lookbehind is slow to scan)."""
    end = len(text) if end is None else end
    return _ROLES.finditer(text, start, end) if cues is None else cues.finditer("role", start, end)


def _more_name_after(text: str, end: int) -> bool:
    """A bare surname that another name part follows is someone else: "Lee Jae-myung"."""
    return _NEXT_NAME_PART.match(text, end) is not None


_NEXT_NAME_PART = re.compile(r" [A-Z][a-z]")


def normalise_roles(phrase: str) -> str:
    """'Founder and Chief Executive' -> 'founder, ceo' (fixed order, no duplicates)."""
    roles = {_SPELLING_TO_ROLE[m.group().lower()] for m in _ROLE_ONE.finditer(phrase)}
    return ", ".join(r for r in ROLE_ORDER if r in roles)


class PersonFinder:
    """Finds person mentions in one article; built once per catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._known_aliases = {a for p in catalogue.people.values() for a in p.aliases}

    def find(
        self,
        article: ArticleText,
        sentences: Sequence[Sentence],
        hits: Sequence[NameHit],
        companies: Sequence[CompanyMention],
        *,
        locator: SentenceLocator | None = None,
        cues: Cues | None = None,
    ) -> list[PersonMention]:
        """Catalogue people (and, with a role and a company, others) named in ``article.text``.
        ``cues`` (the Extractor's TextIndex scan, label "role") says where role words start."""
        text = article.text
        locator = locator or SentenceLocator(list(sentences))
        person_hits = [h for h in hits if h.category == "person"]
        named = {h.name for h in person_hits if not h.ambiguous}
        spans: list[tuple[int, int, str]] = [
            (h.start, h.end, h.name) for h in person_hits
            if not h.ambiguous or (h.name in named and not _more_name_after(text, h.end))
        ]
        spans += self._unknown_people(text, spans, companies, locator, cues)
        stated: list[tuple[int, str, str, str]] = []          # (start, person, role, company)
        for start, end, person in sorted(spans):
            sentence = locator.at(start)
            if sentence is None:
                continue
            role, company = self._role_and_company(text, sentence, start, end, companies, cues)
            stated.append((start, person, role, company))
        # A title without a company ("Founder Lei Jun", "Lei Jun, the chairman,") belongs to the
        # person's catalogue company when the article names its group, else to the company just named.
        groups = {c.parent_company for c in companies if c.resolved}
        stated = [
            (start, person, role, self._refine_company(person, company) if company else (
                self._implicit_company(person, start, companies, groups, locator) if role else ""))
            for start, person, role, company in stated
        ]
        # A later "Lei Jun said" keeps the title and company the article gave him before (or after).
        mentions = []
        for (start, person, role, company), (_, end, _) in zip(stated, sorted(spans)):
            if not company:
                same = [s for s in stated if s[1] == person and s[3]]
                earlier = [s for s in same if s[0] < start]
                source = earlier[-1] if earlier else (same[0] if same else None)
                if source:
                    role, company = role or source[2], source[3]
            sentence = locator.at(start)
            mentions.append(PersonMention(
                article_id=article.article_id, person=person, role=role, company=company,
                surface=text[start:end], sentence_index=sentence.index, sentence=sentence.text,
                char_start=start, char_end=end,
            ))
        return mentions

    def _refine_company(self, person: str, company: str) -> str:
        """A catalogue person's unit where the text names only its group: "Samsung chairman Jay
        Lee" is the chairman of Samsung Electronics, as the catalogue knows him."""
        known = self.catalogue.people.get(person)
        if known and known.company and known.company != company and company == self.catalogue.group_of(known.company):
            return known.company
        return company

    def _implicit_company(
        self, person: str, start: int, companies: Sequence[CompanyMention], groups: set[str],
        locator: SentenceLocator,
    ) -> str:
        known = self.catalogue.people.get(person)
        if known and known.company and self.catalogue.group_of(known.company) in groups:
            return known.company
        sentence = locator.at(start)
        earlier = [c for c in companies if c.resolved and c.char_end <= start
                   and sentence is not None and sentence.index - c.sentence_index <= 1]
        return earlier[-1].company if earlier else ""

    # ---- role and company next to a name ---------------------------------------------------------

    def _role_and_company(
        self, text: str, sentence: Sentence, start: int, end: int, companies: Sequence[CompanyMention],
        cues: Cues | None = None,
    ) -> tuple[str, str]:
        in_sentence = [c for c in companies if c.sentence_index == sentence.index]
        # Before the name: "[Company('s)] [roles] NAME" or "Company's NAME".
        roles = None
        for roles in _role_phrases(text, cues, sentence.start, start):
            pass
        if roles and not text[roles.end():start].strip():
            company = _company_ending_at(in_sentence, text, roles.start())
            return normalise_roles(roles.group()), company
        company = _company_ending_at(in_sentence, text, start)
        if company:
            return "", company
        # After the name: ", [the|a] [Company('s)] roles [of|at Company]" or Korean "NAME Company role".
        after_start = end
        rest = text[after_start:sentence.end]
        comma = _COMMA_AFTER_NAME.match(rest)
        if comma is None or not comma.group().strip():
            korean = _company_starting_at(in_sentence, text, after_start)
            if korean:
                m = _ROLES.match(text, korean.char_end, sentence.end)
                if m is None:
                    m = _ROLE_AFTER_KOREAN.match(text, korean.char_end, sentence.end)
                if m:
                    return normalise_roles(m.group()), korean.company
            return "", ""
        position = after_start + comma.end()
        company = ""
        lead = _company_starting_at(in_sentence, text, position)
        if lead:
            company, position = lead.company, lead.char_end
            position += len(text[position:]) - len(text[position:].lstrip())
        else:
            back = _BACK_REFERENCE.match(text, position, min(sentence.end, position + 20))
            if back:
                antecedent = [c for c in companies if c.char_end <= start and c.resolved]
                company = antecedent[-1].company if antecedent else ""
                position = back.end()
        roles = _ROLES.match(text, position, sentence.end)
        if roles is None:
            return "", ""
        tail = _OF_OR_AT_THE.match(text, roles.end(), sentence.end)
        if tail and not company:
            follow = _company_starting_at(in_sentence, text, tail.end())
            company = follow.company if follow else ""
        return normalise_roles(roles.group()), company

    # ---- people outside the catalogue --------------------------------------------------------------

    def _unknown_people(
        self, text: str, known: list[tuple[int, int, str]], companies: Sequence[CompanyMention],
        locator: SentenceLocator, cues: Cues | None = None,
    ) -> list[tuple[int, int, str]]:
        if not companies:
            return []
        found = []
        by_sentence: dict[int, list[CompanyMention]] = {}
        for c in companies:
            by_sentence.setdefault(c.sentence_index, []).append(c)
        for roles in _role_phrases(text, cues):
            sentence = locator.at(roles.start())
            if sentence is None:
                continue
            in_sentence = by_sentence.get(sentence.index, [])
            if not in_sentence:
                continue
            # "Company role NAME"
            name = _NAME.match(text, roles.end() + 1, sentence.end) if text[roles.end():roles.end() + 1] == " " else None
            if name and _company_ending_at(in_sentence, text, roles.start()):
                found.append((name.start(), name.end(), name.group()))
                continue
            # "NAME, role of Company" / "NAME, Company's role"
            head = text[sentence.start:roles.start()]
            m = _NAME_BEFORE_ROLE.search(head)
            if m is None:
                continue
            between = head[m.end(1):]
            has_company = _company_ending_at(in_sentence, text, roles.start()) or _OF_OR_AT.match(
                text, roles.end(), sentence.end) and _company_starting_at(
                in_sentence, text, _OF_OR_AT_THE.match(text, roles.end()).end())
            if has_company and _BETWEEN_NAME_AND_ROLE.fullmatch(between):
                start = sentence.start + m.start(1)
                found.append((start, start + len(m.group(1)), m.group(1)))
        taken = [(s, e) for s, e, _ in known] + [(c.char_start, c.char_end) for c in companies]
        return [
            (s, e, n) for s, e, n in found
            if n not in self._known_aliases and not any(ts < e and s < te for ts, te in taken)
        ]


def _company_ending_at(companies: Sequence[CompanyMention], text: str, position: int) -> str:
    """The company whose mention (with optional possessive) ends just before ``position``."""
    stop = position
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    for mention in companies:
        end = mention.char_end
        if end == stop or (end + 2 == stop and text[end:stop] in POSSESSIVE):
            return mention.company
    return ""


def _company_starting_at(companies: Sequence[CompanyMention], text: str, position: int) -> CompanyMention | None:
    while position < len(text) and text[position] == " ":
        position += 1
    for mention in companies:
        if mention.char_start == position:
            return mention
    return None
