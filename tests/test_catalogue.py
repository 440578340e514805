"""The entity catalogue (config/catalogue.yaml): loading, validation and lookups."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evwatch.errors import ConfigError
from evwatch.extract.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "config" / "catalogue.yaml"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE)


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


MINIMAL = {"companies": [{"name": "Samsung", "aliases": ["Samsung"], "kind": "conglomerate"}]}


def test_shipped_catalogue_holds_more_than_sixty_companies(catalogue):
    assert len(catalogue.companies) >= 60


def test_samsung_units_belong_to_the_samsung_group(catalogue):
    units = ["Samsung Electronics", "Samsung SDI", "Samsung Display", "Samsung Electro-Mechanics", "Harman"]
    assert {catalogue.group_of(u) for u in units} == {"Samsung"}


def test_xiaomi_ev_belongs_to_xiaomi_and_waymo_to_alphabet(catalogue):
    assert catalogue.group_of("Xiaomi EV") == "Xiaomi"
    assert catalogue.group_of("Waymo") == "Alphabet"


def test_a_joint_venture_is_related_to_its_owners_but_not_their_rivals(catalogue):
    assert catalogue.related("Sony Honda Mobility", "Sony")
    assert catalogue.related("Honda", "Sony Honda Mobility")
    assert not catalogue.related("Sony Honda Mobility", "Toyota")


def test_an_unknown_name_is_its_own_group(catalogue):
    assert catalogue.group_of("Acme Motors") == "Acme Motors"


def test_aliases_include_other_scripts(catalogue):
    assert {"三星", "삼성"} <= set(catalogue.companies["Samsung"].aliases)
    assert {"小米", "샤오미"} <= set(catalogue.companies["Xiaomi"].aliases)


def test_people_carry_aliases_role_and_company(catalogue):
    lee = catalogue.people["Lee Jae-yong"]
    assert {"Jay Y. Lee", "Jay Lee", "이재용"} <= set(lee.aliases)
    assert (lee.role, lee.company) == ("chairman", "Samsung Electronics")
    assert catalogue.people["Lei Jun"].company == "Xiaomi"


def test_product_maker_looks_up_names_and_aliases(catalogue):
    assert catalogue.product_maker("SU7") == "Xiaomi EV"
    assert catalogue.product_maker("SU7 Ultra") == "Xiaomi EV"
    assert catalogue.product_maker("Galaxy S25") == "Samsung Electronics"
    assert catalogue.product_maker("Model T") == ""


def test_a_group_supplies_what_its_units_supply(catalogue):
    assert "batteries" in catalogue.companies["Samsung"].supplies
    assert "batteries" not in catalogue.companies["Samsung Electronics"].supplies


def test_an_unknown_key_names_the_file_and_the_key_path(tmp_path):
    data = {"companies": [{"name": "Samsung", "aliases": ["Samsung"], "kind": "conglomerate", "colour": "blue"}]}
    with pytest.raises(ConfigError) as caught:
        load_catalogue(write(tmp_path, data))
    assert str(tmp_path / "catalogue.yaml") in str(caught.value)
    assert "companies.0.colour" in str(caught.value)


def test_a_bad_kind_says_what_was_expected(tmp_path):
    data = {"companies": [{"name": "Samsung", "aliases": ["Samsung"], "kind": "bank"}]}
    with pytest.raises(ConfigError, match=r"companies\.0\.kind: .*'carmaker'"):
        load_catalogue(write(tmp_path, data))


def test_a_parent_must_be_a_catalogue_company(tmp_path):
    data = {"companies": [{"name": "Samsung SDI", "aliases": ["Samsung SDI"], "kind": "supplier", "parent": "Samsong"}]}
    with pytest.raises(ConfigError, match=r"companies\.0\.parent: unknown company 'Samsong'") as caught:
        load_catalogue(write(tmp_path, data))
    assert caught.value.key == "companies.0.parent"


def test_an_alias_may_name_only_one_company(tmp_path):
    data = {"companies": [
        {"name": "Samsung", "aliases": ["Samsung"], "kind": "conglomerate"},
        {"name": "Samsung Electronics", "aliases": ["Samsung"], "kind": "tech"},
    ]}
    with pytest.raises(ConfigError, match="alias 'Samsung' already belongs to 'Samsung'"):
        load_catalogue(write(tmp_path, data))


def test_a_product_must_name_a_catalogue_maker(tmp_path):
    data = {**MINIMAL, "products": [{"name": "SU7", "company": "Xiaomi EV", "aliases": ["SU7"]}]}
    with pytest.raises(ConfigError, match=r"products\.0\.company"):
        load_catalogue(write(tmp_path, data))


def test_supplies_must_use_the_topic_vocabulary(tmp_path):
    data = {"companies": [{"name": "Samsung", "aliases": ["Samsung"], "kind": "conglomerate", "supplies": ["tyres"]}]}
    with pytest.raises(ConfigError, match=r"companies\.0\.supplies: .*unknown topic"):
        load_catalogue(write(tmp_path, data))
