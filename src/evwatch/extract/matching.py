"""Finding catalogue names, watch terms and cue words in text, in one pass.

``TextIndex`` holds one Aho–Corasick automaton (pyahocorasick) over the case-folded text and
answers, for one article, everything the stages look up by string:

- **names**: catalogue company, person and product aliases, case-sensitive (each match in the
  folded text is checked against the text as written), whole words for Latin-script aliases,
  leftmost-longest ("Samsung SDI" is one company, not "Samsung" plus "SDI");
- **terms**: the watch's labelled term lists, matched ASCII-case-insensitively (a term written
  with a capital letter only as written), whole words, leftmost-longest;
- **cues**: where the stages' regular expressions can match. Most cue patterns are
  case-insensitive and start with ``\\b``, which ``re`` cannot skip ahead for: it tries them at
  every position. Each pattern's *anchors* (strings every match starts with, read from the
  parsed pattern) go into the automaton, and ``Cues`` runs the pattern only where one occurs,
  with the same results as ``re``'s ``search`` and ``finditer``.

Exactness rests on ``fold_case``: ASCII letters fold as ``re.IGNORECASE`` compares them, so a
literal in a pattern, a name or a term can match only where its folded form occurs in the folded
text; every candidate is then checked on the text itself.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evwatch.extract.catalogue import Catalogue


def is_word_char(char: str) -> bool:
    """A letter or digit of an alphabetic script: CJK and Hangul need no word boundaries."""
    return (char.isalnum() or char == "_") and ord(char) < 0x1100


def has_cjk(text: str) -> bool:
    return any(ord(c) >= 0x1100 and c.isalpha() for c in text)


_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _word_char(char: str) -> bool:
    # The ASCII test first: names and terms are almost always next to ASCII characters.
    return char in _ASCII_WORD or (char > "\x7f" and is_word_char(char))


def bounded(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not part of a longer word."""
    return (start == 0 or not _word_char(text[start - 1])) and (end == len(text) or not _word_char(text[end]))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """Lowercase A-Z only, so offsets stay those of the original text."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


# Characters that re.IGNORECASE equates with an ASCII letter although str.lower() does not give it.
_IGNORECASE_EXTRAS = (("\u0131", "i"), ("\u017f", "s"))


def fold_case(text: str) -> str:
    """``text`` lower-cased as ``re.IGNORECASE`` compares it with ASCII letters, offsets kept.

    Every ASCII letter of a case-insensitive pattern matches a character of ``text`` exactly
    when it equals the folded character, so a literal search in the folded text finds every
    place where such a pattern can match ("K" (Kelvin sign) folds to "k", "ſ" to "s").
    ``str.lower`` is used because ``str.translate`` is about twenty times slower.
    """
    if text.isascii():
        return text.lower()
    folded = text.lower()
    if len(folded) != len(text):              # "İ" lower-cases to two characters
        folded = "".join("i" if c == "\u0130" else c.lower() if len(c.lower()) == 1 else c for c in text)
    for odd, plain in _IGNORECASE_EXTRAS:
        if odd in folded:
            folded = folded.replace(odd, plain)
    return folded


# ---- automata ----------------------------------------------------------------------------------

# Characters of news text, most frequent first. pyahocorasick looks a character up among a node's
# children one by one, in the order they were added, and a character that starts no key is
# compared with every child of the root: adding the common characters first (each as the start
# of a key that never occurs) makes the scan over plain text two to three times as fast.
_FREQUENT_LOWER = " etaoinsrhldcumfpgywbvk,.x-jqz’'\"0123456789\n()%$:;"
_FREQUENT_UPPER = "TSACIMBPNLRHDWEGOFKJUVYQXZ"
_NEVER = "\uffff"           # a noncharacter: the primer keys end with it and match no real text


def _primed_automaton(frequent: str, value: object):  # noqa: ANN202 - ahocorasick.Automaton
    """An empty automaton whose root looks up ``frequent`` characters first; the primer keys
    carry ``value``, which the scans skip."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for char in frequent:
        automaton.add_word(char + _NEVER, value)
    return automaton


def _name_entries(catalogue: Catalogue) -> dict[str, tuple[str, str, bool]]:
    """Alias -> (category, canonical name, ambiguous); the first entity listed keeps an alias."""
    entries: dict[str, list[tuple[str, str, bool]]] = {}
    for company in catalogue.companies.values():
        for alias in company.aliases:
            entries.setdefault(alias, []).append(("company", company.name, False))
        for alias in company.ambiguous_aliases:
            entries.setdefault(alias, []).append(("company", company.name, True))
    for person in catalogue.people.values():
        for alias in person.aliases:
            entries.setdefault(alias, []).append(("person", person.name, False))
        for alias in person.ambiguous_aliases:
            entries.setdefault(alias, []).append(("person", person.name, True))
    for product in catalogue.products.values():
        for alias in product.aliases:
            entries.setdefault(alias, []).append(("product", product.name, False))
    return {alias: payloads[0] for alias, payloads in entries.items()}


# Hits and participants are built by the hundred per article and never shared outside the
# extraction stage: plain slotted records, since a frozen one costs four times as much to build.
@dataclass(slots=True)
class NameHit:
    start: int
    end: int
    category: str        # company, person, product
    name: str            # canonical name of the entity
    ambiguous: bool      # matched through an ambiguous alias


@dataclass(slots=True)
class TermHit:
    start: int
    end: int
    label: str           # the list the term came from ("batteries", "cooperation", ...)


class NameIndex:
    """One Aho-Corasick automaton over every company, person and product alias.

    Aliases match case-sensitively; Latin-script aliases only as whole words; the leftmost
    longest match wins, so "Samsung SDI" is one company and not "Samsung" plus "SDI".
    (``TextIndex`` finds the same names in its shared pass.)
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._automaton = _primed_automaton(_FREQUENT_LOWER + _FREQUENT_UPPER, (2, False, None))
        for alias, payload in _name_entries(catalogue).items():
            self._automaton.add_word(alias, (len(alias), not has_cjk(alias), payload))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[NameHit]:
        """Whole-word, leftmost-longest, non-overlapping alias matches in ``text``."""
        candidates = []
        size = len(text)
        word = _ASCII_WORD
        for last, (length, needs_boundary, payload) in self._automaton.iter(text):
            if payload is None:                          # a primer key
                continue
            start = last - length + 1
            if needs_boundary:
                if start:
                    char = text[start - 1]
                    if char in word or (char > "\x7f" and is_word_char(char)):
                        continue
                if last + 1 < size:
                    char = text[last + 1]
                    if char in word or (char > "\x7f" and is_word_char(char)):
                        continue
            candidates.append((start, ~last, payload))   # ~last == -(last + 1) == -end
        return _name_hits(candidates)


def _name_hits(candidates: list[tuple[int, int, tuple[str, str, bool]]]) -> list[NameHit]:
    """Leftmost-longest, non-overlapping hits among (start, -end, payload) candidates."""
    candidates.sort()
    hits: list[NameHit] = []
    reached = 0
    for start, neg_end, (category, name, ambiguous) in candidates:
        if start >= reached:
            reached = -neg_end
            hits.append(NameHit(start, reached, category, name, ambiguous))
    return hits


def _term_hits(candidates: list[tuple[int, int, tuple[str, ...]]]) -> list[TermHit]:
    """Leftmost-longest, non-overlapping hits among (start, -end, labels), one per label."""
    candidates.sort()
    hits: list[TermHit] = []
    reached = 0
    for start, neg_end, labels in candidates:
        if start >= reached:
            reached = -neg_end
            for label in labels:
                hits.append(TermHit(start, reached, label))
    return hits


@dataclass(frozen=True, slots=True)
class TextScan:
    """What one pass of a ``TextIndex`` found in a text."""

    folded: str                  # fold_case(text)
    names: list[NameHit]
    terms: list[TermHit]
    cues: Cues


class TextIndex:
    """Names, terms and cue anchors in one automaton over ``fold_case(text)`` (see the module
    docstring); built once, then ``scan`` per text.

    ``catalogue``: the names to find (None: none); ``terms``: label -> term list; ``cues``:
    label -> compiled pattern.
    """

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        terms: dict[str, list[str]] | None = None,
        cues: dict[str, re.Pattern[str]] | None = None,
    ) -> None:
        names = _name_entries(catalogue) if catalogue is not None else {}
        term_entries: dict[str, list[tuple[str, str | None]]] = {}
        for label, words in (terms or {}).items():
            for word in words:
                exact = word if word != ascii_lower(word) else None
                term_entries.setdefault(ascii_lower(word), []).append((label, exact))
        # Folding lower-cases more than A-Z: terms ride in the shared pass only when no term holds
        # a cased non-ASCII letter; names only when none holds a capital sigma (whose lower case
        # depends on the letters around it). Otherwise they get a pass of their own.
        self._terms_folded = not any(
            not c.isascii() and (c.lower() != c or c.upper() != c) for key in term_entries for c in key
        )
        self._names_folded = not any("\u03a3" in alias for alias in names)
        self._names_apart = NameIndex(catalogue) if names and not self._names_folded else None
        self._terms_apart = None if self._terms_folded else _TermsApart(term_entries)

        self._cues = {label: _CuePattern(pattern) for label, pattern in (cues or {}).items()}
        anchors: dict[str, list[str]] = {}
        for label, cue in self._cues.items():
            for key in cue.anchors:
                anchors.setdefault(key, []).append(label)
        folded_names: dict[str, dict[str, tuple[tuple[str, str, bool], bool]]] = {}
        if self._names_folded:
            for alias, payload in names.items():
                folded_names.setdefault(fold_case(alias), {})[alias] = (payload, not has_cjk(alias))
        shared_terms = term_entries if self._terms_folded else {}

        # Each key's value: (length, term, cue labels, names). term: (key, needs_boundary,
        # labels when no term needs its exact spelling else None, (label, exact) pairs);
        # names: {alias as written: (payload, needs_boundary)}.
        self._automaton = _primed_automaton(_FREQUENT_LOWER, (2, None, (), None))
        for key in shared_terms.keys() | anchors.keys() | folded_names.keys():
            term = shared_terms.get(key)
            if term is not None:
                unconditional = tuple(label for label, _ in term) if all(e is None for _, e in term) else None
                term = (key, not has_cjk(key), unconditional, tuple(term))
            self._automaton.add_word(key, (len(key), term, tuple(anchors.get(key, ())), folded_names.get(key)))
        self._automaton.make_automaton()

    def scan(self, text: str, *, cues: bool = True) -> TextScan:
        """Names, terms and (unless ``cues`` is False) cue anchors of ``text``."""
        folded = fold_case(text)
        check = not text.isascii()
        size = len(text)
        word = _ASCII_WORD
        name_candidates: list = []
        term_candidates: list = []
        cue_hits: list[tuple[int, int, tuple[str, ...]]] = []
        for last, (length, term, cue_labels, names) in self._automaton.iter(folded):
            start = last - length + 1
            end = last + 1
            if cue_labels and cues:
                cue_hits.append((start, end, cue_labels))
            if names is not None:
                found = names.get(text[start:end])
                if found is not None and (not found[1] or (
                        (not start or not ((c := text[start - 1]) in word or (c > "\x7f" and is_word_char(c))))
                        and (end == size or not ((c := text[end]) in word or (c > "\x7f" and is_word_char(c)))))):
                    name_candidates.append((start, ~last, found[0]))
            if term is not None:
                key, needs_boundary, labels, payload = term
                if needs_boundary:
                    if start:
                        c = text[start - 1]
                        if c in word or (c > "\x7f" and is_word_char(c)):
                            continue
                    if end < size:
                        c = text[end]
                        if c in word or (c > "\x7f" and is_word_char(c)):
                            continue
                if check or labels is None:
                    surface = text[start:end]
                    if check and not surface.isascii() and surface.translate(_ASCII_LOWER) != key:
                        continue
                    if labels is None:
                        labels = tuple(label for label, exact in payload if exact is None or surface == exact)
                if labels:
                    term_candidates.append((start, ~last, labels))
        names_found = self._names_apart.find(text) if self._names_apart else _name_hits(name_candidates)
        terms_found = self._terms_apart.find(text) if self._terms_apart else _term_hits(term_candidates)
        return TextScan(folded, names_found, terms_found, Cues(text, cue_hits, self._cues))


class _TermsApart:
    """Terms with cased non-ASCII letters: matched on the A-Z-lower-cased text, in a pass of
    their own."""

    def __init__(self, entries: dict[str, list[tuple[str, str | None]]]) -> None:
        self._automaton = _primed_automaton(_FREQUENT_LOWER, None)
        for key, payload in entries.items():
            self._automaton.add_word(key, (len(key), not has_cjk(key), tuple(payload)))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[TermHit]:
        candidates = []
        for last, value in self._automaton.iter(ascii_lower(text)):
            if value is None:
                continue
            length, needs_boundary, payload = value
            start, end = last - length + 1, last + 1
            if needs_boundary and not bounded(text, start, end):
                continue
            labels = tuple(label for label, exact in payload if exact is None or text[start:end] == exact)
            if labels:
                candidates.append((start, -end, labels))
        return _term_hits(candidates)


# ---- cue patterns ------------------------------------------------------------------------------

class _CuePattern:
    """A cue pattern and its anchors: strings that every match starts with ("prefix", so the
    pattern need only be tried where one starts), else strings that every match contains
    ("inside", so it need only run on stretches holding one), else none (always run)."""

    __slots__ = ("pattern", "mode", "anchors")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        prefixes, inside = prefix_anchors(pattern), literal_anchors(pattern)
        if prefixes is not None:
            self.mode, self.anchors = "prefix", prefixes
        elif inside is not None:
            self.mode, self.anchors = "inside", inside
        else:
            self.mode, self.anchors = "always", ()


class Cues:
    """Where the anchors of a ``TextIndex``'s cue patterns occur in one text, and the patterns'
    ``search`` and ``finditer`` run only where they can match (the same results as ``re``)."""

    __slots__ = ("_text", "_cues", "_at")

    def __init__(self, text: str, hits: list[tuple[int, int, tuple[str, ...]]], cues: dict[str, _CuePattern]) -> None:
        self._text = text
        self._cues = cues
        at: dict[str, tuple[list[int], list[int]]] = {}
        hits.sort()
        for start, end, labels in hits:
            for label in labels:
                found = at.get(label)
                if found is None:
                    at[label] = ([start], [end])
                elif found[0][-1] != start or found[1][-1] != end:
                    found[0].append(start)
                    found[1].append(end)
        self._at = at

    def search(self, label: str, string: str, offset: int) -> re.Match[str] | None:
        """``pattern.search(string)`` for ``string == text[offset:offset + len(string)]``."""
        cue = self._cues[label]
        if cue.mode == "always":
            return cue.pattern.search(string)
        at = self._at.get(label)
        if at is None:
            return None
        starts, ends = at
        limit = offset + len(string)
        i = bisect_left(starts, offset)
        if cue.mode == "inside":
            while i < len(starts) and starts[i] < limit:
                if ends[i] <= limit:
                    return cue.pattern.search(string)
                i += 1
            return None
        match = cue.pattern.match
        previous = -1
        while i < len(starts) and starts[i] < limit:
            if starts[i] != previous:
                previous = starts[i]
                found = match(string, previous - offset)
                if found:
                    return found
            i += 1
        return None

    def finditer(self, label: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text, start, end)`` over the whole text."""
        cue = self._cues[label]
        end = len(self._text) if end is None else end
        at = self._at.get(label)
        if cue.mode != "prefix":
            if at is not None or cue.mode == "always":
                yield from cue.pattern.finditer(self._text, start, end)
            return
        if at is None:
            return
        starts = at[0]
        match = cue.pattern.match
        reached = start
        for i in range(bisect_left(starts, start), len(starts)):
            position = starts[i]
            if position >= end:
                break
            if position < reached:
                continue
            found = match(self._text, position, end)
            if found:
                yield found
                reached = found.end() if found.end() > position else position + 1

    def may(self, label: str, start: int, end: int) -> bool:
        """False only when the pattern ``label`` cannot match within text[start:end]."""
        cue = self._cues[label]
        if cue.mode == "always":
            return True
        at = self._at.get(label)
        if at is None:
            return False
        starts, ends = at
        i = bisect_left(starts, start)
        while i < len(starts) and starts[i] < end:
            if ends[i] <= end:
                return True
            i += 1
        return False


def prefix_anchors(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` starts with, read from the
    parsed pattern (lookarounds and ``\\b`` are skipped), or None when there are none.

    With or without ``re.IGNORECASE``, the pattern can then match at a position of ``text``
    only where ``fold_case(text)`` holds one of them.
    """
    from re import _parser

    found, _ = _first(list(_parser.parse(pattern.pattern, pattern.flags)))
    return tuple(sorted(found)) if found and "" not in found else None


def literal_anchors(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which lies within every match of ``pattern`` (a lookahead's
    text counts), read from the parsed pattern; None when the pattern has no such strings."""
    from re import _parser

    found = _required(list(_parser.parse(pattern.pattern, pattern.flags)))
    if not found or "" in found:
        return None
    return tuple(sorted(found))


def _first(items: Iterable) -> tuple[set[str] | None, bool]:
    """(strings one of which every match of the parsed sequence ``items`` starts with, or None;
    whether each of them is a whole match of the sequence)."""
    from re import _constants as c

    prefixes = {""}
    for op, av in items:
        if op is c.LITERAL:
            prefixes = {p + chr(av).lower() for p in prefixes}
            continue
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):       # zero width: what follows starts here
            continue
        sub: set[str] | None = None
        whole = False
        if op is c.SUBPATTERN:
            sub, whole = _first(av[-1])
        elif op is c.BRANCH:
            parts = [_first(a) for a in av[1]]
            if all(part for part, _ in parts):
                sub = set().union(*(part for part, _ in parts))
                whole = all(w for _, w in parts)
        elif op is c.IN and len(av) <= 16 and all(o is c.LITERAL for o, _ in av):
            sub, whole = {chr(v).lower() for _, v in av}, True
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            sub, _ = _first(av[2])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] == 0 and av[1] == 1:
            optional, whole = _first(av[2])            # "(?:mass )?": with it or without
            sub = optional | {""} if optional and whole else None
        if sub is None or len(prefixes) * len(sub) > 512:
            return (None if "" in prefixes else prefixes), False
        prefixes = {p + s for p in prefixes for s in sub}
        if not whole:
            return (None if "" in prefixes else prefixes), False
    return (None if "" in prefixes else prefixes), True


def _required(items: Iterable) -> set[str] | None:
    """Strings one of which every match of the sequence ``items`` (parsed) contains, or None."""
    from re import _constants as c

    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if not candidate:
            return
        if best is None or (min(map(len, candidate)), -len(candidate)) > (min(map(len, best)), -len(best)):
            best = candidate

    run = ""
    for op, av in items:
        if op is c.LITERAL:
            run += chr(av).lower()
            continue
        consider({run} if run else None)
        run = ""
        if op is c.SUBPATTERN:
            consider(_required(av[-1]))
        elif op is c.BRANCH:
            alternatives = [_required(a) for a in av[1]]
            if all(alternatives):
                consider(set().union(*alternatives))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_required(av[2]))
        elif op is c.ASSERT and av[0] == 1:              # a lookahead's text is in the searched text too
            consider(_required(av[1]))
        elif op is c.IN and len(av) <= 8 and all(o is c.LITERAL for o, _ in av):
            consider({chr(v).lower() for _, v in av})
    consider({run} if run else None)
    return best
