"""``/calendar.ics``: parsed back with icalendar, one event per row of the expiring page, right dates, 400s.

tiny_db (conftest) has end dates relative to today: c-col ends in 30 days, c-bd in 400 days,
c-barnet-2 in 800 days, c-barnet-1 ended 100 days ago, c-tfl (no borough) in 60 days.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from icalendar import Calendar

from app import create_app
from dashboard import db
from dashboard.logic import expiring as view
from etl.reference import add_months


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def client_for(path):
    """The app's test client: ``create_app`` registers ``/calendar.ics`` (pages/expiring.register)."""
    return create_app(path).server.test_client()


def events(response) -> list:
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data).walk("VEVENT")


def test_one_event_per_row_with_the_end_dates(tiny_db):
    found = events(client_for(tiny_db).get("/calendar.ics?months=24"))
    today = date.today()
    with db.cursor(tiny_db) as cur:
        rows, _ = view.view_rows(cur, view.VIEW.parse("months=24"), today)
    assert len(found) == len(rows) == 2
    by_uid = {str(e["UID"]): e for e in found}
    assert set(by_uid) == {"c-col-end@citytools", "c-bd-end@citytools"}
    assert by_uid["c-col-end@citytools"].decoded("DTSTART") == today + timedelta(days=30)
    assert by_uid["c-bd-end@citytools"].decoded("DTSTART") == today + timedelta(days=400)
    assert by_uid["c-bd-end@citytools"].decoded("DTEND") == today + timedelta(days=401)
    assert "Northgate" in str(by_uid["c-bd-end@citytools"]["DESCRIPTION"])


def test_procurement_starts_are_18_months_before_the_end(tiny_db):
    found = events(client_for(tiny_db).get("/calendar.ics?months=24&kind=procurement"))
    con = duckdb.connect(str(tiny_db), read_only=True)
    ends = con.execute("SELECT contract_id, end_date FROM contracts WHERE contract_id IN ('c-col', 'c-bd')").fetchall()
    expected = {f"{cid}-procure@citytools": add_months(end, -18) for cid, end in ends}  # a month end stays one
    assert {str(e["UID"]): e.decoded("DTSTART") for e in found} == expected


def test_both_kinds_and_filters(tiny_db):
    client = client_for(tiny_db)
    assert len(events(client.get("/calendar.ics?months=24&kind=both"))) == 4
    assert len(events(client.get("/calendar.ics"))) == 1  # the page's default: 12 months
    only = events(client.get("/calendar.ics?months=24&service_area=Revenues+and+Benefits"))
    assert [str(e["UID"]) for e in only] == ["c-bd-end@citytools"]
    assert events(client.get("/calendar.ics?months=24&borough=E09000033")) == []


def test_filter_bar_dates_replace_the_months(tiny_db):
    start, end = date.today() + timedelta(days=300), date.today() + timedelta(days=900)
    found = events(client_for(tiny_db).get(f"/calendar.ics?months=3&end_from={start}&end_to={end}"))
    assert sorted(str(e["UID"]) for e in found) == ["c-barnet-2-end@citytools", "c-bd-end@citytools"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("kind=weekly", "Calendar events"),
        ("months=7", "Ending within"),
        ("end_from=2026-13-01", "Contract end from"),
        ("borough=Camden", "Borough"),
        ("end_from=2027-01-01&end_to=2026-01-01", "after"),
    ],
)
def test_bad_parameters_are_a_400_with_the_reason(tiny_db, query, says):
    response = client_for(tiny_db).get(f"/calendar.ics?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert says in response.get_data(as_text=True)


def test_no_database_is_a_503(tmp_path):
    response = client_for(tmp_path / "missing.duckdb").get("/calendar.ics")
    assert response.status_code == 503


def test_events_link_back_to_the_app_and_to_the_notice(tiny_db):
    found = events(client_for(tiny_db).get("/calendar.ics?months=24"))
    by_uid = {str(e["UID"]): e for e in found}
    event = by_uid["c-bd-end@citytools"]
    assert str(event["URL"]) == "http://localhost/contracts?scope=all&contract=c-bd"  # absolute, from the request
    description = str(event["DESCRIPTION"])
    assert "In City Tools: http://localhost/contracts?scope=all&contract=c-bd" in description
    assert "Status: Procurement overdue" in description  # ends in 400 days: inside the 18-month lead


@pytest.fixture
def contact_db(tmp_path):
    from handmade import record, write_records

    soon = date.today() + timedelta(days=200)
    records = [
        record("owner", end_date=soon, contact_name="A. Patel", contact_email="a.patel@camden.example"),
        record("open", source="contracts_finder", borough_code="E09000012", service_area="Parking", end_date=soon,
               contact_name="Parking Team", source_url="https://example.org/notice/9"),
    ]  # fmt: skip
    return write_records(tmp_path / "contacts.duckdb", records)


def test_contacts_ride_with_events_for_members_only(contact_db):
    from members import member_client

    app = create_app(contact_db)
    member = {str(e["UID"]).split("-end")[0]: e for e in events(member_client(app).get("/calendar.ics"))}
    public_body = app.server.test_client().get("/calendar.ics").get_data(as_text=True)
    public = {str(e["UID"]).split("-end")[0]: e for e in Calendar.from_ical(public_body).walk("VEVENT")}
    assert "A. Patel" in str(member["cowner"]["CONTACT"]) and "A. Patel" not in public_body
    assert "CONTACT" not in public["cowner"]
    assert "Parking Team" in str(public["copen"]["CONTACT"])  # a notice's contact is public
    assert "Notice: https://example.org/notice/9" in str(public["copen"]["DESCRIPTION"])
