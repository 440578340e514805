"""Partnership mentions: pairs, relation, stage, topic and supply direction."""

from __future__ import annotations

import pytest

from extract_support import build_extractor, extract_with


@pytest.fixture(scope="module")
def extract():
    return extract_with(build_extractor())


def deals(text, extract):
    return [(p.company_a, p.company_b, p.relation, p.stage, p.topic) for p in extract(text).partnerships]


def test_a_supplier_is_company_a(extract):
    assert deals("Samsung SDI will supply batteries to BMW.", extract) == [
        ("Samsung SDI", "BMW", "supply", "agreed", "batteries")]


def test_the_supplier_after_from_is_company_a(extract):
    assert deals("BMW ordered cylindrical cells from Samsung SDI.", extract)[0][:3] == ("Samsung SDI", "BMW", "supply")


def test_the_subject_of_use_is_the_customer(extract):
    assert deals("Xpeng will use Nvidia's chips in its SUVs.", extract)[0][:3] == ("Nvidia", "Xpeng", "supply")


def test_the_pair_names_both_units_and_groups(extract):
    [p] = extract("Samsung Display signed an agreement to supply OLED panels to Xiaomi EV.").partnerships
    assert (p.company_a, p.group_a, p.company_b, p.group_b) == ("Samsung Display", "Samsung", "Xiaomi EV", "Xiaomi")


@pytest.mark.parametrize("text, stage", [
    ("Samsung SDI could supply batteries to Xiaomi, people familiar said.", "speculated"),
    ("Samsung SDI is in talks to supply batteries to Xiaomi.", "in_talks"),
    ("Samsung SDI signed a deal to supply batteries to Xiaomi.", "agreed"),
    ("Samsung SDI already supplies batteries to Xiaomi.", "operational"),
    ("Samsung SDI has ended its deal to supply batteries to Xiaomi.", "ended"),
    ("Samsung SDI denied reports that it would supply batteries to Xiaomi.", "denied"),
])
def test_the_stage_comes_from_the_sentence_cues(extract, text, stage):
    assert [d[3] for d in deals(text, extract)] == [stage]


def test_two_deals_in_one_sentence_give_two_mentions(extract):
    text = "Samsung SDI will supply batteries to BMW, while LG Energy Solution signed a deal to provide cells to Tesla."
    assert [d[:3] for d in deals(text, extract)] == [
        ("Samsung SDI", "BMW", "supply"), ("LG Energy Solution", "Tesla", "supply")]


def test_a_supplier_named_only_as_the_korean_firm_still_pairs(extract):
    text = "Samsung SDI has been expanding. Xiaomi said the Korean firm will supply batteries for its YU7."
    assert [d[:3] for d in deals(text, extract)] == [("Samsung SDI", "Xiaomi", "supply")]


def test_a_company_is_not_paired_with_its_own_group(extract):
    assert deals("Samsung said Samsung SDI will supply batteries to Samsung Electronics.", extract) == []


def test_a_group_gives_way_to_its_unit_in_the_same_clause(extract):
    text = "Samsung's battery arm Samsung SDI could supply cells for Xiaomi's next SUV."
    assert [d[:3] for d in deals(text, extract)] == [("Samsung SDI", "Xiaomi", "supply")]


def test_joint_venture_owners_pair_with_each_other_not_with_the_venture(extract):
    text = "Sony and Honda formed Sony Honda Mobility as a joint venture to build electric cars."
    assert [d[:4] for d in deals(text, extract)] == [("Sony", "Honda", "joint_venture", "operational")]


def test_people_stand_for_their_companies_in_a_meeting(extract):
    assert deals("Lee Jae-yong met Lei Jun in Beijing on Friday.", extract) == [
        ("Samsung Electronics", "Xiaomi", "meeting", "operational", "")]


def test_the_two_companies_in_the_next_sentence_refer_to_the_previous_pair(extract):
    text = "Lee Jae-yong met Lei Jun in Beijing. The two companies discussed a battery supply deal."
    assert [d[:3] for d in deals(text, extract)][-1] == ("Samsung Electronics", "Xiaomi", "supply")


def test_coordinated_suppliers_each_pair_with_the_customer(extract):
    text = "Xiaomi currently sources the cells for its SU7 sedan from CATL and BYD."
    assert [d[:3] for d in deals(text, extract)] == [("CATL", "Xiaomi", "supply"), ("BYD", "Xiaomi", "supply")]


def test_competition_pairs_makers_through_their_products(extract):
    assert [d[:3] for d in deals("Xiaomi's SU7 competes with Tesla's Model 3.", extract)] == [
        ("Xiaomi", "Tesla", "competition")]


def test_names_without_a_relation_cue_form_no_partnership(extract):
    assert deals("Samsung launched the Galaxy S25 in Seoul, and Xiaomi unveiled a phone in Beijing.", extract) == []


def test_the_topic_follows_the_watch_priority_order(extract):
    text = "Samsung Display will supply OLED panels for the cockpit of Xiaomi's electric SUV."
    assert deals(text, extract)[0][4] == "displays"


def test_a_partnership_spans_its_sentence(extract):
    text = "Intro. Samsung SDI will supply batteries to BMW."
    [p] = extract(text).partnerships
    assert text[p.char_start:p.char_end] == p.sentence == "Samsung SDI will supply batteries to BMW."


# ---- the stage is read from what the sentence asserts, not from its attribution ----------------

@pytest.mark.parametrize("text, stage", [
    ("Samsung SDI signed a battery supply deal with Xiaomi in May.", "agreed"),
    ("Samsung SDI signed a battery supply deal with Xiaomi, Reuters reported.", "agreed"),
    ("Lee Jae-yong met Lei Jun in Beijing, according to people familiar with the visit.", "operational"),
    ("Samsung SDI is reportedly supplying batteries to Xiaomi.", "speculated"),
    ("Samsung Display is a candidate to supply OLED panels to Xiaomi.", "speculated"),
    ("Samsung SDI stopped supplying batteries to Xiaomi last year.", "ended"),
    ("Battery supply talks between Samsung SDI and Xiaomi have collapsed.", "ended"),
    ("Samsung SDI said reports of a battery deal with Xiaomi were untrue.", "denied"),
    ("Samsung SDI said it had not signed any battery supply agreement with Xiaomi.", "denied"),
    ("Samsung SDI and Xiaomi are exploring a deal under which Samsung SDI would supply battery cells.", "in_talks"),
    ("The deal, if signed, would make Samsung SDI one of the first foreign battery suppliers to Xiaomi.", "speculated"),
    ("Samsung SDI has been picked by Xiaomi as its battery supplier.", "agreed"),
])
def test_stage_cues(extract, text, stage):
    assert {d[3] for d in deals(text, extract)} == {stage}, deals(text, extract)


def test_in_talks_with_does_not_make_the_customer_a_supplier(extract):
    assert deals("Xiaomi is in talks with Samsung SDI on battery supply.", extract) == [
        ("Samsung SDI", "Xiaomi", "supply", "in_talks", "batteries")]


# ---- several deals or several suppliers in one sentence ---------------------------------------

def test_two_deals_joined_by_and_stay_two_deals(extract):
    found = deals("Samsung SDI will supply batteries to Xiaomi, and LG Display will provide screens to Tesla.", extract)
    assert sorted(d[:2] for d in found) == [("LG Display", "Tesla"), ("Samsung SDI", "Xiaomi")]


def test_each_supplier_supplies_what_its_own_part_of_the_sentence_names(extract):
    found = deals("Samsung SDI could provide battery cells for Xiaomi's cars, Samsung Display could offer "
                  "screens for their dashboards, and Samsung Electronics could sell Xiaomi AI chips.", extract)
    assert {(d[0], d[4]) for d in found} == {
        ("Samsung SDI", "batteries"), ("Samsung Display", "displays"), ("Samsung Electronics", "chips")}


def test_the_terms_nearest_a_supplier_are_what_it_supplies(extract):
    found = deals("Xiaomi buys DRAM from Samsung Electronics and has used OLED displays from Samsung Display.", extract)
    assert {(d[0], d[4]) for d in found} == {("Samsung Electronics", "memory"), ("Samsung Display", "displays")}


def test_a_category_named_with_and_other_is_a_topic_too(extract):
    found = deals("Samsung Electro-Mechanics, which makes camera modules and other automotive electronics, "
                  "is a candidate supplier to Xiaomi.", extract)
    assert {(d[0], d[3], d[4]) for d in found} == {
        ("Samsung Electro-Mechanics", "speculated", "cameras"),
        ("Samsung Electro-Mechanics", "speculated", "automotive_electronics")}


def test_a_pronoun_carries_the_customer_into_the_next_clause(extract):
    found = deals("Harman could supply Xiaomi with infotainment systems, while Samsung Electro-Mechanics "
                  "could provide camera modules for its cars.", extract)
    assert {(d[0], d[1], d[4]) for d in found} == {
        ("Harman", "Xiaomi", "infotainment"), ("Samsung Electro-Mechanics", "Xiaomi", "cameras")}


def test_a_contrasted_company_takes_no_part(extract):
    found = deals("Samsung SDI, not CATL, will supply the battery cells for Xiaomi's next SUV.", extract)
    assert [d[:2] for d in found] == [("Samsung SDI", "Xiaomi")]


@pytest.mark.parametrize("text, expected", [
    ("Xiaomi has tapped Samsung SDI for batteries and Samsung Display for OLED panels.",
     {("Samsung SDI", "Xiaomi", "supply", "agreed", "batteries"),
      ("Samsung Display", "Xiaomi", "supply", "agreed", "displays")}),
    ("Samsung's Harman will provide the audio system for the YU7, the companies said on Monday.",
     {("Harman", "Xiaomi EV", "supply", "agreed", "infotainment")}),
    ("Samsung Electro-Mechanics said it had begun mass production of camera modules for Xiaomi's SU7.",
     {("Samsung Electro-Mechanics", "Xiaomi", "supply", "operational", "cameras")}),
    ("Xiaomi's new sedan runs on Nvidia's Drive Thor chips.", {("Nvidia", "Xiaomi", "supply", "operational", "chips")}),
    ("The YU7 takes aim at Tesla's Model Y, the best-selling electric SUV in China.",
     {("Xiaomi EV", "Tesla", "competition", "operational", "ev")}),
])
def test_supply_phrasings_of_business_news(extract, text, expected):
    assert set(deals(text, extract)) == expected


def test_the_subject_of_a_passive_choice_is_the_one_chosen(extract):
    assert [d[:2] for d in deals("Samsung SDI has been picked by Xiaomi as its battery supplier.", extract)] == [
        ("Samsung SDI", "Xiaomi")]
