"""From an expiry to its market: the notices matched to each expiring contract (same borough, same
service area or system, later than its start, a planning, tender or award stage or a UK1-UK6 type),
the gap flag's words, the status in SQL against ``dashboard.status``, ended contracts hidden and
shown, and whom to call (members and the public)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from handmade import record, write_records

from dashboard import access, db, status
from dashboard.logic import expiring as view
from dashboard.queries import expiring as q
from etl import reference

TODAY = date(2026, 4, 1)
CAMDEN, HACKNEY = "E09000007", "E09000012"


def notice(rid: str, **values) -> dict:
    """A Contracts Finder tender for Camden's Revenues and Benefits, published in 2025."""
    base = {"source": "contracts_finder", "stage": "tender", "published_date": date(2025, 6, 1),
            "title": f"Notice {rid}", "source_url": f"https://example.org/{rid}", "supplier_name": None}  # fmt: skip
    return record(rid, **{**base, **values})


@pytest.fixture
def market_db(tmp_path):
    records = [
        record("camden", system_name="OpenRevenues", start_date=date(2020, 4, 1), end_date=date(2026, 9, 30),
               contact_name="A. Patel", contact_email="a.patel@camden.example", contact_phone="020 7974 0000"),
        notice("same-area", contact_name="Procurement Team", contact_email="procurement@camden.example"),
        notice("same-system", service_area="Finance", system_name="OpenRevenues", stage="planning"),
        notice("by-type", stage=None, notice_type="UK4"),
        notice("award", stage="award", notice_type="UK6"),
        notice("other-borough", borough_code=HACKNEY),
        notice("other-area", service_area="Parking"),
        notice("before-start", published_date=date(2019, 1, 1), start_date=date(2019, 6, 1)),
        notice("a-contract", stage="contract", notice_type="UK7", end_date=date(2031, 1, 1)),
        notice("cancelled", stage="cancelled", notice_type="UK12"),
        record("hackney", borough_code=HACKNEY, service_area="Parking", start_date=date(2021, 1, 1),
               end_date=date(2026, 12, 31)),
        record("unknown", borough_code="E09000019", service_area=None, end_date=date(2027, 1, 31)),
        record("ended", borough_code=HACKNEY, service_area="Libraries", end_date=date(2026, 1, 31)),
        record("extended", borough_code=HACKNEY, service_area="Housing", end_date=date(2026, 2, 28),
               max_end_date=date(2027, 2, 28)),
    ]  # fmt: skip
    return write_records(tmp_path / "market.duckdb", records)


def by_record(rows: list[dict], cur, rid: str) -> dict:
    (cid,) = cur.execute("SELECT contract_id FROM contracts WHERE list_contains(record_ids, ?)", [rid]).fetchone()
    return next(r for r in rows if r["contract_id"] == cid)


def test_notices_match_by_borough_and_service_area_or_system_after_the_start(market_db):
    with db.cursor(market_db) as cur:
        rows, _ = view.view_rows(cur, {"months": 12}, TODAY)
        camden = by_record(rows, cur, "camden")
        hackney = by_record(rows, cur, "hackney")
    found = {n["record_id"] for n in camden["notices"]}
    assert found == {"same-area", "same-system", "by-type", "award"}
    assert camden["notice_count"] == 4 and not camden["gap"]
    assert hackney["notices"] == [] and hackney["gap"]  # the Parking tender is Camden's, not Hackney's


def test_a_notice_list_is_cut_but_counted(tmp_path):
    records = [record("c", start_date=date(2020, 1, 1), end_date=date(2026, 12, 31))]
    records += [notice(f"n{i}", published_date=date(2025, 1, 1) + timedelta(days=i)) for i in range(8)]
    with db.cursor(write_records(tmp_path / "many.duckdb", records)) as cur:
        (row,) = view.view_rows(cur, {"months": 12}, TODAY)[0]
    assert row["notice_count"] == 8 and len(row["notices"]) == q.NOTICES_SHOWN
    assert [n["record_id"] for n in row["notices"]] == ["n7", "n6", "n5", "n4", "n3"]  # newest first


def test_the_gap_says_what_was_searched(market_db):
    names = reference.borough_names()
    with db.cursor(market_db) as cur:
        rows, _ = view.view_rows(cur, {"months": 12}, TODAY)
        hackney = by_record(rows, cur, "hackney")
        unknown = by_record(rows, cur, "unknown")
    assert (
        view.searched(hackney, names)
        == "no planning, tender or award notice from Hackney for Parking since January 2021"
    )
    assert unknown["gap"] and "service area and system are not known" in view.searched(unknown, names)


def test_matching_is_one_query_for_the_pages_rows(market_db):
    """The page's rows and their notices come from one statement, however many rows there are."""
    calls = []

    class Counting:
        def __init__(self, cur):
            self.cur = cur

        def execute(self, sql, params=None):
            calls.append(sql)
            return self.cur.execute(sql, params)

    with db.cursor(market_db) as cur:
        rows, _ = view.view_rows(Counting(cur), {"months": 12}, TODAY)
    assert len(rows) >= 3 and len(calls) == 1


@pytest.mark.parametrize("today", [date(2026, 4, 1), date(2026, 2, 28), date(2027, 3, 31), date(2025, 9, 30)])
@pytest.mark.parametrize("horizon", [3, 24])
def test_status_in_sql_is_dashboard_status(full_sample_cur, today, horizon):
    rows = full_sample_cur.execute("SELECT contract_id, end_date, max_end_date FROM contracts").fetchall()
    expected = {cid: status.status(end, most, today, horizon, q.LEAD_MONTHS) for cid, end, most in rows}
    assert q.statuses(full_sample_cur, today, horizon) == expected
    assert len(set(expected.values())) >= 3


def test_add_months_in_sql_is_the_etls(full_sample_cur):
    days = [date(2024, 1, 28) + timedelta(days=i) for i in range(0, 800)]
    for months in (-18, 12, 1):
        got = full_sample_cur.execute(
            f"SELECT d, {q.add_months_sql('d', 'm')} FROM (SELECT unnest(?::DATE[]) AS d, CAST(? AS INTEGER) AS m)",
            [days, months],
        ).fetchall()
        assert got == [(d, reference.add_months(d, months)) for d in days]


def test_ended_contracts_are_hidden_counted_and_shown_on_request(market_db):
    st = {"months": 12, "end_from": "2026-01-01", "end_to": "2027-03-31"}  # "extended" runs to February 2027
    with db.cursor(market_db) as cur:
        hidden, _ = view.view_rows(cur, st, TODAY)
        shown, _ = view.view_rows(cur, {**st, "ended": "show"}, TODAY)
        n = view.ended_in_period(cur, st, TODAY)
        extended = by_record(hidden, cur, "extended")
    assert {r["status"] for r in hidden} <= set(status.ACTIONABLE)
    assert [r["status"] for r in shown].count("ended") == n == 1 == len(shown) - len(hidden)
    assert extended["status"] == "overdue"  # past its end, running on an extension: not ended
    assert extended["procurement_start"] == reference.add_months(date(2027, 2, 28), -q.LEAD_MONTHS)
    assert view.ended_sentence(n, False) == "1 contract of this period has ended and is hidden."


def test_members_see_the_survey_contact_and_the_public_the_notices(market_db):
    with access.members(True), db.cursor(market_db) as cur:
        member = by_record(view.view_rows(cur, {"months": 12}, TODAY)[0], cur, "camden")
    with access.members(False), db.cursor(market_db) as cur:
        public = by_record(view.view_rows(cur, {"months": 12}, TODAY)[0], cur, "camden")
    assert view.contact(member) == {"name": "A. Patel", "email": "a.patel@camden.example",
                                    "phone": "020 7974 0000", "from": "survey return"}  # fmt: skip
    assert public["survey_contact"] is None
    found = view.contact(public)
    assert (found["name"], found["from"]) == ("Procurement Team", "market notice")
    assert "A. Patel" not in view.contact_text(found)
