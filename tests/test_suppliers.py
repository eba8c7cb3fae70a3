"""Supplier canonicalisation: reference names, company numbers, fuzzy matches and the alias file."""

from pathlib import Path

import pytest

from etl.normalise.suppliers import AliasFile, apply_suppliers, read_aliases, resolve_suppliers

NO_ALIASES = AliasFile({}, set())


def canon(spellings, aliases=NO_ALIASES):
    return {raw: (m.canonical, m.method) for raw, m in resolve_suppliers(spellings, aliases).items()}


def test_case_punctuation_and_legal_suffixes_are_one_supplier():
    result = canon([("NEC SOFTWARE SOLUTIONS UK LTD", None), ("NEC Software Solutions UK Limited", None)])
    assert set(result.values()) == {("NEC Software Solutions UK Limited", "reference")}


def test_html_entities_and_mojibake():
    result = canon([("Smith &amp; Jones Ltd", None), ("Smith & Jones Limited", None), ("Smith & Jones Limited", None)])
    assert {c for c, _ in result.values()} == {"Smith & Jones Limited"}
    assert canon([("CafÃ© Systems Ltd", None)])["CafÃ© Systems Ltd"][0] == "Café Systems Limited"


def test_unknown_company_takes_its_most_common_spelling():
    result = canon([("ACME WIDGETS LTD", None), ("Acme Widgets Limited", None), ("Acme Widgets Limited", None)])
    assert result["ACME WIDGETS LTD"] == ("Acme Widgets Limited", "exact")


def test_company_number_joins_different_names():
    result = canon([("Acme Widgets Ltd", "01234567"), ("Widget Holdings", "1234567"), ("Acme Widgets Ltd", None)])
    assert result["Widget Holdings"] == ("Acme Widgets Limited", "company_number")


def test_fuzzy_match_joins_near_identical_spellings_only():
    result = canon([("Bytes Software Service Ltd", None), ("Agilisys Limited", None), ("Agilysys Ltd", None)])
    assert result["Bytes Software Service Ltd"] == ("Bytes Software Services Limited", "fuzzy")
    assert result["Agilisys Limited"][0] != result["Agilysys Ltd"][0]  # two real, different companies


def test_alias_file_confirms_and_forbids(tmp_path: Path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        "alias,canonical,decision,note\n"
        "Bloggs IT,Acme Widgets Limited,same,bought in 2020\n"
        "Bytes Software Service Ltd,Bytes Software Services Limited,distinct,really a different firm\n"
    )
    result = canon([("Bloggs IT", None), ("Bytes Software Service Ltd", None)], read_aliases(path))
    assert result["Bloggs IT"] == ("Acme Widgets Limited", "alias")
    assert result["Bytes Software Service Ltd"][0] == "Bytes Software Service Limited"


def test_bad_alias_file_names_the_line(tmp_path: Path):
    path = tmp_path / "aliases.csv"
    path.write_text("alias,canonical,decision\nFoo,,same\n")
    with pytest.raises(ValueError, match="aliases.csv line 2"):
        read_aliases(path)


def test_repository_alias_file_is_applied():
    records = [{"supplier_raw": "Northgate Public Services (UK) Limited"}, {"supplier_raw": None}]
    matches = apply_suppliers(records)
    assert records[0]["supplier_name"] == "NEC Software Solutions UK Limited"
    assert records[1]["supplier_name"] is None
    assert [m.method for m in matches] == ["alias"]
