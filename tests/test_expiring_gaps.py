"""The gap rule's count (``listing``, ``summary``, ``gap_count``: by ``market``'s latest notice per key)
against the rule itself (each row's flag, notice by notice), on a small hand-built database with
contracts whose own record is a market notice (a contract award notice, UK6)."""

from datetime import date

import duckdb
import pytest
from handmade import record, write_records

from dashboard import cache
from dashboard.queries.expiring import expiring, gap_count, listing, market, summary

TODAY = date(2026, 11, 23)


def _contract(rid: str, system: str, area: str, start: date | None, end: date, **values) -> dict:
    return record(rid, system_name=system, service_area=area, supplier_name=f"Supplier {rid}", start_date=start,
                  end_date=end, **values)  # fmt: skip


def _tender(rid: str, area: str, day: date) -> dict:
    return record(rid, source="contracts_finder", stage="tender", service_area=area, supplier_name=None,
                  title=f"{area} tender", published_date=day)  # fmt: skip


@pytest.fixture
def db(tmp_path):
    records = [
        # awarded by a UK6 notice of its own, no other notice: its own award is no sign of a new procurement
        _contract("own", "Own1", "Revenues and Benefits", date(2025, 6, 1), date(2027, 6, 30),
                  source="contracts_finder", notice_type="UK6", published_date=date(2025, 7, 1)),
        # its own UK6 notice and a later tender for its service area: matched
        _contract("own2", "Park1", "Parking", date(2025, 1, 1), date(2027, 8, 31),
                  source="contracts_finder", notice_type="UK6", published_date=date(2025, 2, 1)),
        _tender("parking-tender", "Parking", date(2026, 1, 1)),
        _tender("waste-tender", "Waste", date(2025, 1, 1)),
        _contract("waste-before", "W1", "Waste", date(2024, 1, 1), date(2027, 3, 31)),  # the tender came later
        _contract("waste-after", "W2", "Waste", date(2025, 6, 1), date(2027, 4, 30)),  # started after it
        _contract("waste-nostart", "W3", "Waste", None, date(2027, 5, 31)),  # no start: any notice counts
        _contract("waste-far", "W4", "Waste", date(2025, 6, 1), date(2028, 9, 30)),  # due after the gap horizon
    ]  # fmt: skip
    path = tmp_path / "g.duckdb"
    write_records(path, records, meta={})
    with duckdb.connect(str(path), read_only=True) as con:
        yield con
    cache.unbind(con)


EXPECTED = {"Own1": True, "Park1": False, "W1": False, "W2": True, "W3": False, "W4": False}


def test_each_rows_gap_flag_follows_the_rule(db):
    rows = expiring(db, {}, months=24, today=TODAY)
    assert {r["system_name"]: r["gap"] for r in rows} == EXPECTED


@pytest.mark.parametrize(
    "filters", [{}, {"scope": "all"}, {"service_area": ["Waste"]}, {"system": ["Own1", "Park1"]},
                {"end_from": "2027-04-01", "end_to": "2027-12-31"}],
)  # fmt: skip
@pytest.mark.parametrize("cached", [False, True])
def test_the_counts_are_the_rows_flags(db, filters, cached):
    """The whole list's count, page by page or not, and the report's, are the flags of the rows listed."""
    if cached:  # as the app reads: ``market`` kept per build and reader
        cache.clear()
        cache.bind(db, ("g", 1, True))
    rows = expiring(db, filters, months=24, today=TODAY)
    flagged = sum(r["gap"] for r in rows)
    assert summary(db, filters, months=24, today=TODAY)["gaps"] == flagged
    totals, page = listing(db, filters, months=24, today=TODAY, page=2, page_size=2)
    last = min(2, max(1, -(-len(rows) // 2)))  # page 2, or the last page when there is no second
    assert totals["gaps"] == flagged and page == rows[(last - 1) * 2 : last * 2]
    start = date.fromisoformat(filters.get("end_from", TODAY.isoformat()))
    end = date.fromisoformat(filters["end_to"]) if "end_to" in filters else date(2028, 11, 23)
    assert gap_count(db, filters, start, end, TODAY) == flagged
    assert flagged or filters.get("system")  # something to count in most cases


def test_market_keeps_the_latest_notice_per_key_and_the_contracts_with_their_own(db):
    found = market.uncached(db, "it")
    assert ("E09000007", "Waste", date(2025, 1, 1)) in found["service_area"]
    assert ("E09000007", "Parking", date(2026, 1, 1)) in found["service_area"]
    own = dict(found["own"])
    assert set(own.values()) == {True, False} and len(own) == 2  # own2 is matched by the tender, own is not
