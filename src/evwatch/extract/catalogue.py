"""The entity catalogue (config/catalogue.yaml): companies, people and products known by name.

Validated once at load: a wrong key or value raises ConfigError naming the file, the key path and
what was expected; cross-references (a parent, a person's company, a product's maker) must name
catalogue companies, and an alias may belong to one entity only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evwatch.config import _read_yaml, describe_validation_error
from evwatch.errors import ConfigError
from evwatch.watch import TOPICS

CompanyKind = Literal["conglomerate", "tech", "carmaker", "supplier", "chipmaker", "mobility"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_blank(values: list[str]) -> list[str]:
    if any(not v.strip() for v in values):
        raise ValueError("expected non-empty strings")
    return values


class CompanyEntry(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    ambiguous_aliases: list[str] = Field(default_factory=list)
    parent: str = ""
    owners: list[str] = Field(default_factory=list)
    kind: CompanyKind
    country: str = Field("", pattern=r"^([A-Z]{2})?$")
    based_in: list[str] = Field(default_factory=list)
    descriptors: list[str] = Field(default_factory=list)
    supplies: list[str] = Field(default_factory=list)

    _aliases_not_blank = field_validator("aliases", "ambiguous_aliases")(_no_blank)

    @field_validator("supplies")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TOPICS]
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; expected some of {list(TOPICS)}")
        return value


class PersonEntry(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    ambiguous_aliases: list[str] = Field(default_factory=list)
    role: str = ""
    company: str = ""

    _aliases_not_blank = field_validator("aliases", "ambiguous_aliases")(_no_blank)


class ProductEntry(_Strict):
    name: str = Field(min_length=1)
    company: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    topic: str = ""

    _aliases_not_blank = field_validator("aliases")(_no_blank)

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        if value and value not in TOPICS:
            raise ValueError(f"unknown topic {value!r}; expected one of {list(TOPICS)} or empty")
        return value


class CatalogueFile(_Strict):
    countries: dict[str, list[str]] = Field(default_factory=dict)
    not_organisations: list[str] = Field(default_factory=list)
    companies: list[CompanyEntry] = Field(min_length=1)
    people: list[PersonEntry] = Field(default_factory=list)
    products: list[ProductEntry] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    group: str                      # top-level company ("Samsung" for Samsung SDI; itself if top-level)
    kind: str
    country: str
    aliases: tuple[str, ...]
    ambiguous_aliases: tuple[str, ...]
    owners: tuple[str, ...]
    based_in: tuple[str, ...]
    descriptors: tuple[str, ...]
    supplies: frozenset[str]        # its own topics, or for a group the union of its units'


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    aliases: tuple[str, ...]
    ambiguous_aliases: tuple[str, ...]
    role: str
    company: str


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    company: str
    aliases: tuple[str, ...]
    topic: str


@dataclass(frozen=True)
class Catalogue:
    """Known companies, people and products, with lookups used across extraction."""

    companies: dict[str, Company]
    people: dict[str, Person]
    products: dict[str, Product]
    countries: dict[str, str]                 # "South Korean" -> "KR"
    not_organisations: frozenset[str]
    path: str = ""
    _product_by_alias: dict[str, Product] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for product in self.products.values():
            for alias in (product.name, *product.aliases):
                self._product_by_alias[alias] = product

    def group_of(self, company: str) -> str:
        """The group of a catalogue company; an unknown name is its own group."""
        known = self.companies.get(company)
        return known.group if known else company

    @property
    def groups(self) -> set[str]:
        return {c.group for c in self.companies.values()}

    def product_maker(self, product: str) -> str:
        """The company that makes a product, by its name or an alias ("" if unknown)."""
        found = self._product_by_alias.get(product)
        return found.company if found else ""

    def related(self, a: str, b: str) -> bool:
        """True when two companies are one business: same group, or a joint venture and its owner."""
        if self.group_of(a) == self.group_of(b):
            return True
        ca, cb = self.companies.get(a), self.companies.get(b)
        return bool((ca and b in ca.owners) or (cb and a in cb.owners))


def load_catalogue(path: Path | str) -> Catalogue:
    """Read and validate the catalogue file; ConfigError names the file, key and expectation."""
    path = Path(path)
    try:
        parsed = CatalogueFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc), path=str(path)) from None
    return build_catalogue(parsed, path=str(path))


def build_catalogue(parsed: CatalogueFile, *, path: str = "") -> Catalogue:
    """Check cross-references and derive groups; used by load_catalogue and by tests."""

    def fail(message: str, key: str) -> ConfigError:
        return ConfigError(message, path=path or None, key=key)

    entries = {c.name: c for c in parsed.companies}
    if len(entries) != len(parsed.companies):
        names = [c.name for c in parsed.companies]
        raise fail(f"duplicate company name(s) {sorted({n for n in names if names.count(n) > 1})}", "companies")

    def group(name: str, seen: tuple[str, ...] = ()) -> str:
        parent = entries[name].parent
        if not parent:
            return name
        if parent in seen:
            raise fail(f"parent cycle through {parent!r}", "companies")
        return group(parent, (*seen, name))

    for i, entry in enumerate(parsed.companies):
        for key, names in (("parent", [entry.parent] if entry.parent else []), ("owners", entry.owners)):
            unknown = [n for n in names if n not in entries]
            if unknown:
                raise fail(f"unknown company {unknown[0]!r}; expected a catalogue company name",
                           f"companies.{i}.{key}")

    _check_unique_aliases(parsed, fail)

    supplies: dict[str, set[str]] = {name: set(e.supplies) for name, e in entries.items()}
    for name in entries:
        supplies[group(name)] |= set(entries[name].supplies)
    companies = {
        e.name: Company(
            name=e.name, group=group(e.name), kind=e.kind, country=e.country,
            aliases=tuple(e.aliases), ambiguous_aliases=tuple(e.ambiguous_aliases), owners=tuple(e.owners),
            based_in=tuple(e.based_in), descriptors=tuple(d.lower() for d in e.descriptors),
            supplies=frozenset(supplies[e.name]),
        )
        for e in parsed.companies
    }
    people = {}
    for i, p in enumerate(parsed.people):
        if p.company and p.company not in companies:
            raise fail(f"unknown company {p.company!r}; expected a catalogue company name", f"people.{i}.company")
        people[p.name] = Person(p.name, tuple(p.aliases), tuple(p.ambiguous_aliases), p.role, p.company)
    products = {}
    for i, pr in enumerate(parsed.products):
        if pr.company not in companies:
            raise fail(f"unknown company {pr.company!r}; expected a catalogue company name", f"products.{i}.company")
        products[pr.name] = Product(pr.name, pr.company, tuple(pr.aliases), pr.topic)
    countries = {word: code for code, words in parsed.countries.items() for word in words}
    return Catalogue(
        companies=companies, people=people, products=products, countries=countries,
        not_organisations=frozenset(parsed.not_organisations), path=path,
    )


def _check_unique_aliases(parsed: CatalogueFile, fail) -> None:  # noqa: ANN001 - local error factory
    owner: dict[str, str] = {}
    sections = (("companies", parsed.companies), ("people", parsed.people))
    for section, entries in sections:
        for i, entry in enumerate(entries):
            for alias in (*entry.aliases, *entry.ambiguous_aliases):
                previous = owner.setdefault(alias, entry.name)
                if previous != entry.name:
                    raise fail(f"alias {alias!r} already belongs to {previous!r}; an alias names one entity",
                               f"{section}.{i}.aliases")


# ---- matching names in text -------------------------------------------------------------------

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


@dataclass(frozen=True, slots=True)
class NameHit:
    start: int
    end: int
    category: str        # company, person, product
    name: str            # canonical name of the entity
    ambiguous: bool      # matched through an ambiguous alias


class NameIndex:
    """One Aho-Corasick automaton over every company, person and product alias.

    Aliases match case-sensitively; Latin-script aliases only as whole words; the leftmost
    longest match wins, so "Samsung SDI" is one company and not "Samsung" plus "SDI".
    """

    def __init__(self, catalogue: Catalogue) -> None:
        import ahocorasick

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
        self._automaton = ahocorasick.Automaton()
        for alias, payload in entries.items():
            self._automaton.add_word(alias, (len(alias), not has_cjk(alias), payload[0]))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[NameHit]:
        """Whole-word, leftmost-longest, non-overlapping alias matches in ``text``."""
        return _leftmost_longest(_bounded_candidates(self._automaton.iter(text), text), NameHit)


def _bounded_candidates(matches, text: str) -> list[tuple[int, int, object]]:  # noqa: ANN001 - automaton iterator
    """(start, -end, payload) of automaton matches that are whole words where they must be."""
    candidates = []
    size = len(text)
    word = _ASCII_WORD
    for last, (length, needs_boundary, payload) in matches:
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
        candidates.append((start, ~last, payload))      # ~last == -(last + 1) == -end
    return candidates


def _leftmost_longest(candidates: list, make):  # noqa: ANN001, ANN202 - NameHit or TermHit factory
    candidates.sort()
    hits = []
    reached = 0
    for start, neg_end, payload in candidates:
        if start >= reached:
            reached = -neg_end
            hits.append(make(start, reached, *payload))
    return hits


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


@dataclass(frozen=True, slots=True)
class TermHit:
    start: int
    end: int
    label: str           # the list the term came from ("batteries", "cooperation", ...)


class TermIndex:
    """Aho-Corasick over labelled term lists; a term with a capital letter matches only as written.

    Terms match the ASCII-lower-cased text (A-Z only). The automaton runs over ``fold_case`` of
    the text, which ``find`` callers may pass in to share it; a match in a stretch with other
    than ASCII characters is kept only if the A-Z lower-casing gives the term too.
    """

    def __init__(self, terms: dict[str, list[str]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, str | None]]] = {}
        for label, words in terms.items():
            for word in words:
                exact = word if word != ascii_lower(word) else None
                entries.setdefault(ascii_lower(word), []).append((label, exact))
        for key, payload in entries.items():
            self._automaton.add_word(key, (len(key), not has_cjk(key), (key, tuple(payload))))
        self._empty = not entries
        # Folding lower-cases more than A-Z: exact only when no term holds a cased non-ASCII letter.
        self._foldable = not any(
            not c.isascii() and (c.lower() != c or c.upper() != c) for key in entries for c in key
        )
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str, folded: str | None = None) -> list[TermHit]:
        """Term matches, leftmost-longest and non-overlapping; one hit per label of a term.

        ``folded`` is ``fold_case(text)`` when the caller already has it."""
        if self._empty:
            return []
        ascii_text = text.isascii()
        if ascii_text:
            lowered = text.lower() if folded is None else folded
        elif self._foldable:
            lowered = fold_case(text) if folded is None else folded
        else:
            lowered = text.translate(_ASCII_LOWER)
            ascii_text = True                  # the lowering is exact: no check per match
        candidates = []
        for start, neg_end, (key, payload) in _bounded_candidates(self._automaton.iter(lowered), text):
            end = -neg_end
            surface = text[start:end]
            if not ascii_text and not surface.isascii() and surface.translate(_ASCII_LOWER) != key:
                continue
            labels = tuple(label for label, exact in payload if exact is None or surface == exact)
            if labels:
                candidates.append((start, neg_end, labels))
        candidates.sort()
        hits: list[TermHit] = []
        reached = 0
        for start, neg_end, labels in candidates:
            if start >= reached:
                hits.extend(TermHit(start, -neg_end, label) for label in labels)
                reached = -neg_end
        return hits
