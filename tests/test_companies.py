"""Company mentions: catalogue aliases, references and unresolved organisations."""

from __future__ import annotations

import pytest

from extract_support import build_extractor, extract_with


@pytest.fixture(scope="module")
def extract():
    return extract_with(build_extractor())


def names(extraction, resolved=True):
    return [m.company for m in extraction.companies if m.resolved is resolved]


def test_offsets_index_the_article_text_exactly(extract):
    text = "Samsung’s unit Samsung SDI met 小米 and Acme Motors Co. said it partnered with them."
    for mention in extract(text).companies:
        assert text[mention.char_start:mention.char_end] == mention.surface


def test_straight_and_curly_possessives_belong_to_the_surface(extract):
    found = extract("Samsung's chips and Xiaomi’s cars.").companies
    assert [(m.company, m.surface) for m in found] == [("Samsung", "Samsung's"), ("Xiaomi", "Xiaomi’s")]


def test_the_longest_alias_wins(extract):
    found = extract("Samsung SDI will build the plant.").companies
    assert [(m.company, m.parent_company, m.surface) for m in found] == [("Samsung SDI", "Samsung", "Samsung SDI")]


def test_cjk_and_hangul_aliases_match_without_word_boundaries(extract):
    assert names(extract("삼성전자는 샤오미와 협력했다. 小米汽车发布新车。")) == ["Samsung Electronics", "Xiaomi", "Xiaomi EV"]


def test_an_alias_inside_a_longer_word_does_not_match(extract):
    assert names(extract("Sonya Kim drove a Hondas-style kart.")) == []


def test_aliases_are_case_sensitive(extract):
    assert names(extract("He ate an apple at the SONY store.")) == []


def test_an_ambiguous_alias_counts_when_its_group_is_named(extract):
    found = extract("Samsung SDI said demand is slowing. SDI shares fell.").companies
    assert [(m.company, m.surface) for m in found] == [("Samsung SDI", "Samsung SDI"), ("Samsung SDI", "SDI")]


def test_an_ambiguous_alias_alone_does_not_count(extract):
    assert names(extract("The studio bought new SDI routers.")) == []


def test_an_ambiguous_alias_counts_when_the_title_names_its_group(extract):
    assert names(extract("SDI shares fell.", title="Samsung SDI results")) == ["Samsung SDI"]


def test_the_korean_firm_refers_to_the_last_korean_company(extract):
    found = extract("Samsung SDI is expanding. Xiaomi said the Korean firm will supply it.").companies
    assert [(m.company, m.surface) for m in found][-1] == ("Samsung SDI", "the Korean firm")


def test_a_descriptor_reference_needs_a_company_that_fits_it(extract):
    found = extract("Samsung Display shipped panels to Xiaomi. The Chinese smartphone maker will use them.").companies
    assert (found[-1].company, found[-1].surface) == ("Xiaomi", "The Chinese smartphone maker")


def test_a_city_based_reference_uses_where_the_company_is_based(extract):
    found = extract("Samsung SDI is in talks with Xiaomi. The Beijing-based company is also talking to CATL.").companies
    assert ("Xiaomi", "The Beijing-based company") in [(m.company, m.surface) for m in found]


def test_a_bare_the_company_is_not_resolved(extract):
    assert names(extract("Xiaomi delivered cars. The company said demand was strong.")) == ["Xiaomi"]


def test_an_organisation_with_a_legal_suffix_surfaces_unresolved(extract):
    found = [m for m in extract("Acme Motors Co. said it will build vans.").companies if not m.resolved]
    assert [(m.company, m.parent_company, m.surface, m.kind) for m in found] == [
        ("Acme Motors", "Acme Motors", "Acme Motors Co.", "")]


def test_an_analyst_firm_after_analysts_at_surfaces_unresolved(extract):
    assert names(extract("Demand is strong, analysts at Morgan Stanley said."), resolved=False) == ["Morgan Stanley"]


def test_an_apposition_marks_an_organisation(extract):
    text = "Harman agreed to acquire Voltwave Audio, a Californian maker of sound systems."
    assert names(extract(text), resolved=False) == ["Voltwave Audio"]


def test_sentence_initial_words_people_countries_and_news_agencies_are_not_organisations(extract):
    text = ("Shares of Xiaomi rose in Hong Kong. Still, Robert Smith said the EU and the US may act, "
            "Bloomberg reported on Monday.")
    assert names(extract(text), resolved=False) == []


def test_a_later_mention_of_an_unresolved_organisation_counts_too(extract):
    found = extract("Voltaic Systems Inc. raised money. Xiaomi may work with Voltaic Systems.").companies
    assert [m.surface for m in found if not m.resolved] == ["Voltaic Systems Inc.", "Voltaic Systems"]


def test_a_product_is_not_a_company_mention(extract):
    assert names(extract("The SU7 and the Galaxy S25 sold well.")) == []


# ---- organisations outside the catalogue: what marks one, and what does not ---------------------

def _unresolved(text: str) -> list[str]:
    from extract_support import build_extractor, extract_with

    return [m.company for m in extract_with(build_extractor())(text).companies if not m.resolved]


def test_an_apposition_after_the_name_marks_an_organisation():
    assert "Desay SV" in _unresolved("Desay SV, a Huizhou-based cockpit supplier, won an order from Xiaomi.")


def test_an_acronym_that_acts_marks_an_organisation():
    assert "ZKW" in _unresolved("ZKW said it would supply headlamps to Xiaomi.")


def test_a_currency_prefix_is_not_an_organisation():
    assert _unresolved("The stake is valued at HK$3.2bn, or about NT$2.1bn.") == []


def test_a_person_or_product_after_named_or_called_is_not_an_organisation():
    assert _unresolved("Xiaomi named Zhang Wei head of its car unit, and launched a battery called Prime Cell.") == []
    assert "Prime Motors" in _unresolved("Xiaomi bought a stake in a startup called Prime Motors.")


def test_a_short_alias_inside_a_hyphenated_name_is_not_the_company():
    from extract_support import build_extractor, extract_with

    found = extract_with(build_extractor())("Xiaomi's shares rose, said Park Mi-young, an analyst.").companies
    assert [m.surface for m in found if m.company == "Xiaomi"] == ["Xiaomi's"]
