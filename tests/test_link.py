"""Merging records into contracts: survey rows with their notices, re-published notices, disagreements."""

import datetime as dt
import json

from etl.link import build_contracts, match_score, one_record_per_notice
from etl.records import blank_record

D = dt.date


def rec(record_id, source, **values):
    r = blank_record()
    r.update(record_id=record_id, source=source, source_ref=values.pop("source_ref", record_id), stage="contract")
    r.update(borough_code="E09000007", supplier_key="servelec hsc", supplier_name="Servelec HSC Limited")
    r.update(values)
    return r


SURVEY = rec("s1", "survey", system_name="Mosaic", manufacturer="Servelec", service_area="Adult Social Care",
             start_date=D(2022, 4, 1), end_date=D(2027, 3, 31), annual_value=250_000.0, confidence=4)  # fmt: skip
NOTICE = rec("n1", "contracts_finder", source_ref="ocds-b5fd17-1", title="Provision of Mosaic case management system",
             buyer_name="London Borough of Camden", start_date=D(2022, 4, 1), end_date=D(2027, 3, 31),
             total_value=1_250_000.0, source_url="https://example.org/notice/1",
             service_area="Adult Social Care")  # fmt: skip


def by_records(contracts):
    return {tuple(sorted(c["record_ids"])): c for c in contracts}


def test_a_survey_row_and_its_notice_become_one_contract():
    (contract,) = build_contracts([SURVEY, NOTICE])
    assert sorted(contract["record_ids"]) == ["n1", "s1"]
    assert contract["sources"] == ["contracts_finder", "survey"]
    assert contract["match_score"] >= 0.9
    # the borough's own word for what it runs, the notice's for the public record
    assert contract["system_name"] == "Mosaic" and contract["confidence"] == 4
    assert contract["source_url"] == "https://example.org/notice/1"
    assert contract["total_value"] == 1_250_000.0
    assert contract["provenance"]["system_name"] == "s1" and contract["provenance"]["source_url"] == "n1"
    assert contract["disagreements"] is None


def test_disagreeing_end_dates_are_shown_not_resolved():
    notice = {**NOTICE, "end_date": D(2028, 3, 31)}
    (contract,) = build_contracts([SURVEY, notice])
    assert sorted(contract["record_ids"]) == ["n1", "s1"]
    assert contract["disagreements"] == {"end_date": {"s1": "2027-03-31", "n1": "2028-03-31"}}
    assert json.dumps(contract["disagreements"])  # stored as JSON


def test_different_supplier_or_borough_never_links():
    other_supplier = {**NOTICE, "supplier_key": "system c healthcare"}
    other_borough = {**NOTICE, "record_id": "n2", "borough_code": "E09000019"}
    assert match_score(SURVEY, other_supplier) == 0.0
    assert match_score(SURVEY, other_borough) == 0.0
    assert len(build_contracts([SURVEY, other_supplier])) == 2


def test_unrelated_title_and_distant_dates_stay_apart():
    far = {**NOTICE, "title": "Supply of grit salt", "description": "", "service_area": "Highways and Transport",
           "start_date": D(2012, 1, 1), "end_date": D(2015, 1, 1)}  # fmt: skip
    assert match_score(SURVEY, far) < 0.7
    assert len(build_contracts([SURVEY, far])) == 2


def test_each_record_links_once_best_pair_first():
    second_survey = {**SURVEY, "record_id": "s2", "source_ref": "s2", "end_date": D(2026, 3, 31)}
    contracts = by_records(build_contracts([second_survey, SURVEY, NOTICE]))
    assert set(contracts) == {("n1", "s1"), ("s2",)}


def test_the_same_notice_as_csv_and_ocds_is_one_record_and_one_contract():
    """The OCDS record is kept, with what only the CSV row had; the CSV row is dropped, to be counted."""
    csv_row = {**NOTICE, "record_id": "n9", "source_ref": "20201002173029-67601", "source_file": "cf.csv"}
    ocds = {**NOTICE, "source_file": "cf.json", "annual_value": None}
    csv_row["annual_value"] = 12_000.0
    kept, dropped = one_record_per_notice([csv_row, ocds])
    assert [r["record_id"] for r in kept] == ["n1"] and [r["record_id"] for r in dropped] == ["n9"]
    assert kept[0]["annual_value"] == 12_000.0  # filled from the CSV row
    assert kept[0]["warnings"][-1] == ("the same notice as 20201002173029-67601 in cf.csv (counted as merged there)")
    assert [c["record_ids"] for c in build_contracts(kept)] == [["n1"]]


def test_two_csv_notices_with_the_same_content_stay_two():
    a = {**NOTICE, "record_id": "a", "source_ref": "CF-1"}
    b = {**NOTICE, "record_id": "b", "source_ref": "CF-2"}
    kept, dropped = one_record_per_notice([a, b])
    assert (len(kept), dropped) == (2, [])
    assert len(build_contracts([a, b])) == 2
