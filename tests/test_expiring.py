"""Expiring contracts, the gap flag and the calendar feed, on a small hand-built database."""

from datetime import date, datetime

import duckdb
import pytest
from handmade import record, write_records
from icalendar import Calendar

from dashboard.logic.expiring import contract_calendar
from dashboard.queries.expiring import expiring

TODAY = date(2026, 11, 23)


@pytest.fixture
def db(tmp_path):
    records = [
        record(
            "soon",
            system_name="OpenRevenues",
            end_date=date(2027, 3, 31),
            max_end_date=date(2028, 3, 31),
            annual_value=120_000.0,
        ),  # fmt: skip
        record("later", system_name="iTrent", service_area="HR and Payroll", end_date=date(2029, 3, 31)),
        record("past", system_name="Old", end_date=date(2025, 3, 31)),
        record("covered", borough_code="E09000019", system_name="Academy", end_date=date(2027, 6, 30)),
        record(
            "tender",
            source="contracts_finder",
            stage="tender",
            borough_code="E09000019",
            title="Revenues and benefits system",
            contact_name="A Buyer",
            contact_email="buyer@example.org",
            cpv_codes=["48000000"],
        ),  # fmt: skip
        record(
            "notice",
            source="contracts_finder",
            borough_code="E09000019",
            supplier_name="Capita",
            title="Parking",
            service_area="Parking",
            end_date=date(2027, 1, 31),
            contact_name="P Officer",
            contact_email="parking@example.org",
            cpv_codes=["48100000", "72000000"],
            source_url="https://example.org/n",
        ),  # fmt: skip
    ]
    path = tmp_path / "e.duckdb"
    write_records(path, records, meta={})
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


def test_contracts_ending_in_the_next_months_soonest_first(db):
    rows = expiring(db, {}, months=12, today=TODAY)
    assert [r["title"] or r["system_name"] for r in rows] == ["Parking", "OpenRevenues", "Academy"]
    soon = rows[1]
    assert soon["max_end_date"] == date(2028, 3, 31)
    assert soon["procurement_start"] == date(2025, 9, 30)  # 18 months before the end
    assert len(expiring(db, {}, months=3, today=TODAY)) == 1


def test_gap_flag_means_no_tender_seen_for_that_borough_and_service(db):
    gaps = {r["system_name"] or r["title"]: r["gap"] for r in expiring(db, {}, months=24, today=TODAY)}
    assert gaps == {"Parking": True, "OpenRevenues": True, "Academy": False}


def test_filters_contact_and_cpv_division(db):
    rows = expiring(db, {"borough": ["E09000019"]}, months=12, today=TODAY)
    assert [r["title"] or r["system_name"] for r in rows] == ["Parking", "Academy"]
    parking = rows[0]
    assert (parking["contact_email"], parking["cpv_division"], parking["source_url"]) == (
        "parking@example.org", "48", "https://example.org/n")  # fmt: skip
    assert [r["title"] for r in expiring(db, {}, months=12, today=TODAY, cpv_division="72")] == ["Parking"]


def test_calendar_parses_back_with_one_event_per_contract(db):
    rows = expiring(db, {}, months=24, today=TODAY)
    ics = contract_calendar(rows, stamp=datetime(2026, 11, 23, 9, 0))
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == len(rows) == 3
    by_uid = {str(e["UID"]): e for e in events}
    soon = next(r for r in rows if r["system_name"] == "OpenRevenues")
    event = by_uid[f"{soon['contract_id']}-end@citytools"]
    assert event.decoded("DTSTART") == date(2027, 3, 31)
    assert event.decoded("DTEND") == date(2027, 4, 1)
    assert "Civica UK Limited" in str(event["DESCRIPTION"])


def test_calendar_procurement_starts_and_both(db):
    rows = expiring(db, {}, months=24, today=TODAY)
    starts = Calendar.from_ical(contract_calendar(rows, kind="procurement")).walk("VEVENT")
    assert sorted(e.decoded("DTSTART") for e in starts) == sorted(r["procurement_start"] for r in rows)
    assert len(Calendar.from_ical(contract_calendar(rows, kind="both")).walk("VEVENT")) == 6
    with pytest.raises(ValueError):
        contract_calendar(rows, kind="weekly")
