"""Per-record work done once per distinct value in ``ocds_fields`` (issue 14) gives what the
direct calls give, and records never share a cached object."""

from __future__ import annotations

import pytest

from etl.extract.ocds_fields import release_record, source_of
from etl.normalise.cpv import classify


def _release(ocid: str, *cpv: str) -> dict:
    items = [{"id": str(i), "classification": {"scheme": "CPV", "id": code}} for i, code in enumerate(cpv[1:], 1)]
    return {
        "ocid": ocid,
        "date": "2026-01-05T10:00:00Z",
        "buyer": {"name": "London Borough of Camden"},
        "tender": {"status": "active", "title": "Software", "classification": {"scheme": "CPV", "id": cpv[0]},
                   "items": items},
    }  # fmt: skip


def _record(release: dict) -> dict:
    record, skip = release_record(release, "x.jsonl", release, None)
    assert skip is None and record is not None
    return record


@pytest.mark.parametrize("codes", [("72000000",), ("45000000", "72200000"), ("79000000-4", "72000000", "79000000")])
def test_cpv_fields_are_what_classify_gives_and_no_record_shares_its_codes(codes):
    first, second = _record(_release("ocds-b5fd17-1", *codes)), _record(_release("ocds-b5fd17-2", *codes))
    expected = classify(list(first["cpv_codes"]))
    for record in (first, second):
        assert {k: record[k] for k in expected} == expected
    assert first["cpv_codes"] == second["cpv_codes"] and first["cpv_codes"] is not second["cpv_codes"]
    first["cpv_codes"].append("99999999")  # a later stage changing one record's list leaves the others alone
    assert _record(_release("ocds-b5fd17-3", *codes))["cpv_codes"] == second["cpv_codes"]


@pytest.mark.parametrize(
    ("ocid", "source"),
    [
        ("ocds-b5fd17-1", "contracts_finder"),
        ("ocds-b5fd17raw-1", "contracts_finder"),
        ("ocds-h6vhtk-000149", "find_a_tender"),
        ("ocds-zzzzzz-1", "ocds"),
    ],
)
def test_a_record_s_source_is_its_ocid_s(ocid, source):
    assert _record(_release(ocid, "72000000"))["source"] == source_of(ocid) == source
