"""My borough's and the borough page's reads: one page of a borough's contracts, and whom to call.

``listing`` pages, orders and counts in SQL what the page used to do in Python over every contract
of the borough; these tests hold it to that Python (``dashboard.status``, the taxonomy order).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard import access, db, status
from dashboard.logic import my_borough as mb
from dashboard.queries import borough as bq
from dashboard.queries import my_borough as q
from etl import reference

TODAY = date(2026, 12, 1)


def _taxonomy_key(area: str | None) -> tuple[int, str]:
    order = {sa.name: i for i, sa in enumerate(reference.service_areas())}
    return (order.get(area, len(order)) if area else len(order) + 1, area or "")


def expected(cur, code: str, filters: dict, show_ended: bool) -> tuple[list[str], int]:
    """The page's list as the Python rule says it: every contract of the borough, judged by
    ``status.status``, ended ones left out unless shown, in taxonomy order then end date."""
    rows = cur.execute(
        """SELECT contract_id, service_area, end_date, max_end_date FROM contracts
           WHERE borough_code = ? AND stage = 'contract' AND is_it IS NOT FALSE
           ORDER BY service_area NULLS LAST, end_date NULLS LAST, system_name NULLS LAST, contract_id""",
        [code],
    ).fetchall()
    assert not filters, "this reference knows no other filter"
    kept = [r for r in rows if show_ended or status.status(r[2], r[3], TODAY) != "ended"]
    return [r[0] for r in sorted(kept, key=lambda r: _taxonomy_key(r[1]))], len(rows)


@pytest.mark.parametrize("show_ended", [False, True])
def test_listing_pages_the_python_rule_in_order(sample_cur, show_ended):
    sql = "SELECT DISTINCT borough_code FROM contracts WHERE borough_code IS NOT NULL ORDER BY 1"
    codes = [r[0] for r in sample_cur.execute(sql).fetchall()]
    checked = 0
    for code in codes:
        ids, n_all = expected(sample_cur, code, {}, show_ended)
        every = q.listing(sample_cur, code, {}, TODAY, show_ended)
        assert [r["contract_id"] for r in every["rows"]] == ids
        assert (every["listed"], every["all"]) == (len(ids), n_all)
        pages = max(1, -(-len(ids) // 3))
        for page in (1, 2, pages, pages + 5):  # beyond the last page: the last one, as page_of clamps
            got = q.listing(sample_cur, code, {}, TODAY, show_ended, page, 3)
            first = (min(page, pages) - 1) * 3
            assert [r["contract_id"] for r in got["rows"]] == ids[first : first + 3], (code, page)
            assert (got["listed"], got["all"]) == (len(ids), n_all)
        checked += bool(n_all - len(ids)) or show_ended
    assert checked  # some borough had ended contracts to leave out (or all were shown)


def test_listing_of_a_borough_with_none_counts_nothing(sample_cur):
    got = q.listing(sample_cur, "E09000001", {"supplier": ["No such supplier"]}, TODAY, False, 1, 20)
    assert got == {"rows": [], "all": 0, "listed": 0}


def test_listing_counts_the_ended_it_hides(sample_cur):
    code = "E09000007"
    shown = q.listing(sample_cur, code, {}, TODAY, True, 1, 1000)
    hidden = q.listing(sample_cur, code, {}, TODAY, False, 1, 1000)
    ended = [r for r in shown["rows"] if status.status(r["end"], r["max_end"], TODAY) == "ended"]
    assert ended, "the sample has ended contracts"
    assert hidden["all"] == shown["all"] == shown["listed"]
    assert hidden["listed"] == shown["listed"] - len(ended)
    assert not {r["contract_id"] for r in ended} & {r["contract_id"] for r in hidden["rows"]}


def test_listing_counts_a_borough_whose_contracts_have_all_ended(sample_cur):
    """Nothing to list, yet the ended ones are counted (the page says how many it hides)."""
    code = "E09000007"
    shown = q.listing(sample_cur, code, {}, TODAY, True, 1, 1000)
    later = max(r["max_end"] or r["end"] for r in shown["rows"] if r["max_end"] or r["end"])
    after = later + timedelta(days=400)
    dated = [r for r in shown["rows"] if status.status(r["end"], r["max_end"], after) == "ended"]
    got = q.listing(sample_cur, code, {"end_to": later.isoformat()}, after, False, 3, 20)
    assert dated and got == {"rows": [], "all": len(dated), "listed": 0}


def test_the_model_reads_one_page_not_the_whole_borough(sample_cur):
    code = "E09000007"
    m = mb.model(sample_cur, {"borough": [code]}, TODAY)
    assert len(m["rows"]) <= mb.PAGE_SIZE < m["count"] or m["pages"] == 1
    assert m["count"] == q.listing(sample_cur, code, {}, TODAY, False)["listed"]


# --------------------------------------------------------------------------- whom to call


def test_record_contacts_are_the_contracts_contacts(full_sample_cur):
    rows = full_sample_cur.execute("SELECT contract_id, record_ids FROM contracts").fetchall()
    by_records = q.record_contacts(full_sample_cur, dict(rows))
    assert by_records == q.contacts(full_sample_cur, [cid for cid, _r in rows])
    assert {v["source"] for v in by_records.values()} == set(q.CONTACT_FROM.values())


def test_record_contacts_for_the_public_hold_no_survey_contact(full_sample_build):
    with access.members(False), db.cursor(full_sample_build[0]) as cur:
        found = q.record_contacts(cur, dict(cur.execute("SELECT contract_id, record_ids FROM contracts").fetchall()))
    assert found and {v["source"] for v in found.values()} == {"open notice"}


def test_best_contact_ranks_survey_then_cover_then_notice_then_record_id():
    #        contract, record, survey, name, email, phone, known, cover name, email, phone, known
    rows = [
        ("a", "r9", False, "Notice", None, None, True, None, None, None, False),
        ("a", "r5", True, " ", None, None, False, "Cover", None, None, True),
        ("b", "r2", False, "Later", None, None, True, None, None, None, False),
        ("b", "r1", False, "First", None, None, True, None, None, None, False),
        ("c", "r3", True, "Owner", "o@x.gov.uk", None, True, "Cover", None, None, True),
        ("d", "r4", False, "", "", "", False, None, None, None, False),
    ]
    found = q.best_contacts(rows)
    assert {k: (v["name"], v["source"]) for k, v in found.items()} == {
        "a": ("Cover", "survey return cover"),
        "b": ("First", "open notice"),
        "c": ("Owner", "survey return"),
    }


def test_a_long_id_list_is_bound_as_one_parameter():
    few, params = q.any_of("contract_id", ["a", "b"])
    assert (few, params) == ("contract_id IN (?, ?)", ["a", "b"])
    many = [str(i) for i in range(q.MAX_LISTED + 1)]
    sql, params = q.any_of("contract_id", many)
    assert sql.count("?") == 1 and params == [many]


def test_the_borough_page_rows_carry_their_records(sample_cur):
    found = bq.page(sample_cur, "E09000007", {})
    ids = [r["contract_id"] for r in found["systems"]]
    records = dict(sample_cur.execute("SELECT contract_id, record_ids FROM contracts").fetchall())
    assert found["systems"] and all(r["record_ids"] == records[r["contract_id"]] for r in found["systems"])
    by_records = q.record_contacts(sample_cur, {r["contract_id"]: r["record_ids"] for r in found["systems"]})
    assert by_records == q.contacts(sample_cur, ids)


def test_listing_puts_areas_in_taxonomy_order_unknown_ones_after_and_none_last(tmp_path, contracts_db_builder):
    first, second = (sa.name for sa in reference.service_areas()[:2])
    areas = [None, "Zebra crossings", second, "", first, "Abacus", second]
    specs = [
        {"service_area": a, "stage": "contract", "end_date": date(2027, 1, 1 + i), "is_it": True}
        for i, a in enumerate(areas)
    ]
    path = contracts_db_builder(tmp_path / "areas.duckdb", specs)
    with db.cursor(path) as cur:
        rows = q.listing(cur, "E09000007", {}, TODAY, False)["rows"]
    assert [r["service_area"] for r in rows] == [first, second, second, "Abacus", "Zebra crossings", "", None]
