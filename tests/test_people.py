"""Person mentions: catalogue people with the role and company the text states."""

from __future__ import annotations

import pytest

from evwatch.extract.people import normalise_roles
from extract_support import build_extractor, extract_with


@pytest.fixture(scope="module")
def extract():
    return extract_with(build_extractor())


def people(text, extract):
    return [(p.person, p.role, p.company) for p in extract(text).people]


def test_title_and_company_before_the_name(extract):
    assert people("Samsung Electronics Chairman Lee Jae-yong arrived.", extract) == [
        ("Lee Jae-yong", "chairman", "Samsung Electronics")]


def test_company_and_roles_in_an_apposition_after_the_name(extract):
    assert people("Lei Jun, Xiaomi's founder and CEO, spoke.", extract) == [("Lei Jun", "founder, ceo", "Xiaomi")]


def test_role_of_company_after_the_name(extract):
    assert people("Lee Jae-yong, chairman of Samsung Electronics, spoke.", extract) == [
        ("Lee Jae-yong", "chairman", "Samsung Electronics")]


def test_the_company_s_role_takes_the_company_named_before(extract):
    assert people("Xiaomi grew fast, Lu Weibing, the company's president, said.", extract) == [
        ("Lu Weibing", "president", "Xiaomi")]


def test_aliases_resolve_to_the_canonical_person(extract):
    found = people("Jay Y. Lee met Jay Lee fans; 이재용 was there.", extract)
    assert [p[0] for p in found] == ["Lee Jae-yong"] * 3


def test_a_possessive_company_without_a_title(extract):
    assert people("Xiaomi's Lei Jun waved.", extract) == [("Lei Jun", "", "Xiaomi")]


def test_a_group_named_for_a_catalogue_person_means_the_unit_the_catalogue_knows(extract):
    assert people("Samsung's Jay Lee waved.", extract) == [("Lee Jae-yong", "", "Samsung Electronics")]
    assert people("Samsung chairman Jay Lee toured the plant.", extract) == [
        ("Lee Jae-yong", "chairman", "Samsung Electronics")]


def test_a_catalogue_person_keeps_another_company_the_text_gives_him(extract):
    assert people("Lei Jun, the chairman of Honda, spoke.", extract)[0][2] == "Honda"


def test_korean_order_person_company_title(extract):
    assert people("이재용 삼성전자 회장은 말했다.", extract) == [("Lee Jae-yong", "chairman", "Samsung Electronics")]


def test_no_title_and_no_company_stay_empty(extract):
    assert people("Lee Jae-yong met Lei Jun on Friday.", extract) == [("Lee Jae-yong", "", ""), ("Lei Jun", "", "")]


def test_a_later_bare_mention_keeps_what_the_article_stated(extract):
    found = people("Lei Jun, Xiaomi's founder, spoke. Lei Jun later left.", extract)
    assert found == [("Lei Jun", "founder", "Xiaomi"), ("Lei Jun", "founder", "Xiaomi")]


def test_a_title_without_a_company_goes_to_the_person_s_company_named_in_the_article(extract):
    assert people("Xiaomi showed the YU7. Founder Lei Jun said orders were strong.", extract) == [
        ("Lei Jun", "founder", "Xiaomi")]


def test_an_unknown_person_with_a_title_and_a_company_is_found(extract):
    assert people("Rivian chief executive Robert Scaringe said no.", extract) == [("Robert Scaringe", "ceo", "Rivian")]


def test_an_unknown_name_without_a_company_is_not_a_person_mention(extract):
    assert people("Chief executive Robert Scaringe said no.", extract) == []


def test_roles_are_normalised_in_a_fixed_order():
    assert normalise_roles("Chief Executive, Chairman and Founder") == "founder, chairman, ceo"
    assert normalise_roles("vice-chairman") == "vice chairman"
    assert normalise_roles("executive chairman") == "executive chairman"


def test_person_offsets_index_the_text(extract):
    text = "Samsung Electronics Chairman Lee Jae-yong met Lei Jun."
    for p in extract(text).people:
        assert text[p.char_start:p.char_end] == p.surface


def test_a_bare_surname_refers_back_to_the_person_named_in_full(extract):
    found = people("Samsung Electronics chairman Lee Jae-yong toured the plant. Lee later met Lei Jun. "
                   "President Lee Jae-myung welcomed the visit.", extract)
    assert [p[0] for p in found] == ["Lee Jae-yong", "Lee Jae-yong", "Lei Jun"]


def test_a_bare_surname_alone_is_nobody(extract):
    assert people("Lee toured the plant on Friday.", extract) == []
