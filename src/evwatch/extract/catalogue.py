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
