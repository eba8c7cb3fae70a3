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


def _framework_record(rid: str, names: list[str]) -> dict:
    from etl.records import new_record

    suppliers = [{"name": n, "id": None, "company_number": None} for n in names]
    return new_record(
        "contracts_finder", f"ocds-x-{rid}", "f.json", record_id=rid, supplier_raw=names[0], suppliers=suppliers
    )


def test_every_supplier_of_a_framework_is_kept_canonical_and_in_order():
    from etl.link import build_contracts, contract_supplier_rows

    records = [
        _framework_record("f1", ["CAPITA BUSINESS SERVICES LTD", "Civica UK Ltd", "Acme Widgets Ltd"]),
        _framework_record("one", ["Acme Widgets Limited"]),
    ]
    apply_suppliers(records, NO_ALIASES)
    contracts = build_contracts(records)
    rows = contract_supplier_rows(contracts, records)
    framework = [r for r in rows if r["record_id"] == "f1"]
    assert [(r["position"], r["supplier_raw"]) for r in framework] == [
        (1, "CAPITA BUSINESS SERVICES LTD"),
        (2, "Civica UK Ltd"),
        (3, "Acme Widgets Ltd"),
    ]
    # the same canonical name as the record's own supplier, and the third is the other record's company
    assert framework[0]["supplier_name"] == records[0]["supplier_name"]
    assert framework[2]["supplier_name"] == records[1]["supplier_name"] == "Acme Widgets Limited"
    by_id = {c["record_ids"][0]: c for c in contracts}
    assert (by_id["f1"]["supplier_count"], by_id["one"]["supplier_count"]) == (3, 1)


def test_a_record_with_one_supplier_and_no_list_names_it():
    from etl.records import new_record

    rec = new_record("survey", "s.xlsx#1", "s.xlsx", supplier_raw="Civica UK Ltd")
    apply_suppliers([rec], NO_ALIASES)
    assert [s["name"] for s in rec["suppliers"]] == ["Civica UK Ltd"]
    assert rec["suppliers"][0]["canonical"] == rec["supplier_name"]
