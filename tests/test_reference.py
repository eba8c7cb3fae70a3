"""Borough, service-area and supplier reference data."""

import pytest

from etl.normalise.names import canonical_system, known_supplier, supplier_key
from etl.reference import (
    borough_code,
    borough_names,
    boroughs,
    find_borough_in_text,
    service_area,
    service_areas,
)


def test_33_authorities_with_ons_codes():
    codes = [b.code for b in boroughs()]
    assert codes == [f"E090000{n:02d}" for n in range(1, 34)]
    assert borough_names()["E09000001"] == "City of London"
    assert borough_names()["E09000033"] == "Westminster"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("LB Camden", "E09000007"),
        ("London Borough of Camden Council", "E09000007"),
        ("London Borough Of Camden Council", "E09000007"),
        ("Royal Borough of Kensington and Chelsea", "E09000020"),
        ("RBKC", "E09000020"),
        ("City of London Corporation", "E09000001"),
        ("The Royal Borough of Kingston upon Thames", "E09000021"),
        ("ISLINGTON COUNCIL", "E09000019"),
        ("Tower Hamlets", "E09000030"),
        ("Royal Borough of Greenwich", "E09000011"),
        ("London Borough of Hammersmith & Fulham", "E09000013"),
        ("Westminster City Council", "E09000033"),
        ("Barking & Dagenham", "E09000002"),
    ],
)
def test_borough_spellings(spelling, code):
    assert borough_code(spelling) == code


@pytest.mark.parametrize(
    "name",
    [
        "City of Westminster College",
        "Transport for London",
        "Reading Borough Council",
        "Lewisham Homes",
        "Barnet Homes Ltd",
        "Homes for Haringey Limited",
        "Kingston University",
        "London Fire Brigade",
        "Museum of London",
        "",
        None,
    ],
)
def test_non_boroughs_get_no_code(name):
    assert borough_code(name) is None


def test_borough_in_titles_and_file_names():
    assert find_borough_in_text("LB_Camden_survey_return_2019") == "E09000007"
    assert find_borough_in_text("Royal Borough of Kensington and Chelsea - ICT return") == "E09000020"
    assert find_borough_in_text("hammersmith-and-fulham systems") == "E09000013"
    assert find_borough_in_text("survey return FINAL v2") is None
    assert find_borough_in_text("Camden and Islington shared services") is None  # two boroughs: ambiguous


def test_service_area_synonyms():
    assert service_area("Revs & Bens") == "Revenues and Benefits"
    assert service_area("revenues and benefits") == "Revenues and Benefits"
    assert service_area("Children's Services") == "Children's Social Care"
    assert service_area("Underwater basket weaving") is None
    assert len(service_areas()) >= 20
    assert {sa.group for sa in service_areas()} == {"Frontline", "Corporate"}


def test_supplier_spellings_share_a_canonical_name():
    spellings = [
        "NEC SOFTWARE SOLUTIONS UK LTD",
        "NEC Software Solutions UK Limited",
        "Northgate Public Services (UK) Ltd",
    ]
    assert {known_supplier(s) for s in spellings} == {"NEC Software Solutions UK Limited"}
    assert supplier_key("Bytes Software Services Ltd.") == supplier_key("BYTES SOFTWARE SERVICES LIMITED")
    assert supplier_key("Fish &amp; Chips Ltd") == supplier_key("Fish & Chips Limited")


def test_system_names():
    assert canonical_system("Liquid Logic LCS") == ("LiquidLogic LCS", "System C", "Children's Social Care")
    assert canonical_system("Servelec Mosaic")[0] == "Mosaic"
    assert canonical_system("Homegrown Access DB") == ("Homegrown Access DB", None, None)
