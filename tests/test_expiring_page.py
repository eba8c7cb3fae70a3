"""Expiring soon page: its rows against direct SQL on the full sample, the gap badge and contacts on a
hand-built database, the URL state (months, cpv, the filter bar's dates), the export and the calendar link."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import duckdb
import pytest
from handmade import record, write_records

from app import create_app
from dashboard import db
from dashboard.logic import expiring as view
from dashboard.pages import expiring as expiring_page

TODAY = date(2026, 4, 1)
RB = "Revenues and Benefits"
TEXT_MATCH = (
    "(lower(title) LIKE ? OR lower(system_name) LIKE ? OR lower(buyer_name) LIKE ? OR lower(supplier_name) LIKE ?)"
)


@pytest.fixture
def hand_db(tmp_path):
    """Camden R&B ends soon, nothing on the market (a gap); Hackney's Parking ends soon but a tender is out."""
    records = [
        record(
            "camden",
            system_name="OpenRevenues",
            end_date=date(2026, 9, 30),
            max_end_date=date(2027, 9, 30),
            annual_value=120_000.0,
        ),
        record(
            "hackney",
            source="contracts_finder",
            borough_code="E09000012",
            service_area="Parking",
            supplier_name='=HYPERLINK("http://x")',
            title="Parking permits",
            end_date=date(2026, 6, 30),
            contact_name="P Officer",
            contact_email="parking@example.org",
            cpv_codes=["48100000"],
            source_url="javascript:alert(1)",
        ),
        record(
            "tender",
            source="contracts_finder",
            stage="tender",
            borough_code="E09000012",
            service_area="Parking",
            title="Parking system",
            end_date=date(2031, 6, 30),
        ),
        record(
            "islington",
            borough_code="E09000019",
            system_name="Academy",
            end_date=date(2028, 3, 31),
            source_url="https://example.org/notice/1",
        ),
    ]
    path = tmp_path / "hand.duckdb"
    return write_records(path, records)


def walk(node):
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
    elif hasattr(node, "to_plotly_json"):
        yield node
        yield from walk(getattr(node, "children", None))
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))


def props(node) -> dict:
    return node["props"] if isinstance(node, dict) else node.to_plotly_json()["props"]


def texts(tree) -> str:
    out = []
    for node in walk(tree):
        children = props(node).get("children")
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str | int | float):
                out.append(str(child))
    return " ".join(out)


def by_id(tree, component_id):
    return next(n for n in walk(tree) if props(n).get("id") == component_id)


def table_rows(tree) -> list:
    return [n for n in walk(tree) if props(n).get("data-contract")]


# --------------------------------------------------------------------------- rows


@pytest.mark.parametrize(
    ("st", "where", "params"),
    [
        ({"months": 24, "service_area": [RB]}, "service_area = ?", [RB]),
        ({"months": 6, "scope": "all"}, "TRUE", []),
        ({"months": 6}, "is_it IS NOT FALSE", []),  # technology contracts by default
        ({"months": 12, "q": "housing"}, TEXT_MATCH, ["%housing%"] * 4),
    ],
)
def test_rows_equal_a_direct_query_on_the_sample(full_sample_cur, st, where, params):
    end = full_sample_cur.execute(
        "SELECT CAST(CAST(? AS DATE) + to_months(?) AS DATE)", [TODAY, st["months"]]
    ).fetchone()[0]
    expected = full_sample_cur.execute(
        f"""SELECT contract_id FROM contracts WHERE {where} AND borough_code IS NOT NULL AND stage = 'contract'
            AND end_date BETWEEN ? AND ? ORDER BY end_date, borough_code, contract_id""",
        [*params, TODAY, end],
    ).fetchall()
    rows, cut = view.view_rows(full_sample_cur, st, TODAY)
    assert [r["contract_id"] for r in rows] == [c for (c,) in expected]
    assert rows and not cut
    assert [r["end_date"] for r in rows] == sorted(r["end_date"] for r in rows)


def test_filter_bar_dates_replace_the_months(full_sample_cur):
    st = {"months": 3, "end_from": "2027-01-01", "end_to": "2027-06-30", "scope": "all"}  # not about the scope
    rows, _ = view.view_rows(full_sample_cur, st, TODAY)
    (n,) = full_sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND stage = 'contract' "
        "AND end_date BETWEEN DATE '2027-01-01' AND DATE '2027-06-30'"
    ).fetchone()
    assert len(rows) == n > 0
    assert view.period({"end_from": "2027-01-01", "months": 6}, TODAY) == (date(2027, 1, 1), date(2027, 7, 1))


def test_cpv_division_keeps_notices_under_it(full_sample_cur):
    rows, _ = view.view_rows(full_sample_cur, {"months": 24, "cpv": "48"}, TODAY)
    assert rows
    for r in rows:
        (codes,) = full_sample_cur.execute(
            "SELECT flatten(list(cpv_codes)) FROM contract_records WHERE list_contains("
            "(SELECT record_ids FROM contracts WHERE contract_id = ?), record_id)",
            [r["contract_id"]],
        ).fetchone()
        assert any(c.startswith("48") for c in codes or [])


def test_url_keys_are_validated():
    st, problems = view.VIEW.check({"months": ["7"], "cpv": "4x", "kind": "weekly"})
    assert st == {}
    assert len(problems) == 3 and "Ending within" in problems[0]
    assert view.VIEW.check({"months": "18", "cpv": "72", "kind": "both"})[0] == {
        "months": 18,
        "cpv": "72",
        "kind": "both",
    }


# --------------------------------------------------------------------------- page content


def test_page_lists_the_rows_with_gap_badges_contacts_and_safe_links(hand_db):
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, {"months": 24}, today=TODAY, host="citytools.example")
    rows = table_rows(tree)
    assert [props(r)["data-contract"] for r in rows] == [
        c
        for (c,) in duckdb.connect(str(hand_db), read_only=True)
        .execute("SELECT contract_id FROM contracts WHERE stage = 'contract' ORDER BY end_date")
        .fetchall()
    ]
    hackney, camden, islington = rows
    assert "Gap" in texts(camden) and "Gap" not in texts(hackney)  # Hackney's Parking has a tender out
    assert "Gap" not in texts(islington)  # ends in 24 months, beyond the 18-month gap horizon
    assert view.GAP_EXPLANATION in texts(by_id(tree, "expiring-gap-explanation"))
    links = {props(n).get("href") for n in walk(hackney) if props(n).get("href")}
    contract_link = "/contracts?scope=all&contract=" + props(hackney)["data-contract"]
    assert links == {"mailto:parking@example.org", contract_link}  # the javascript: notice is not linked
    assert "https://example.org/notice/1" in {props(n).get("href") for n in walk(islington)}
    assert '=HYPERLINK("http://x")' in texts(hackney)  # names are text
    assert "30 September 2027" in texts(camden)  # the latest end with extensions
    summary = texts(by_id(tree, "expiring-summary"))
    assert summary.startswith("3 contracts in 3 boroughs end between 1 April 2026 and 1 April 2028; 1 flagged")


def test_page_state_links_keep_the_query(hand_db):
    st = {"months": 6, "borough": ["E09000007"], "kind": "both"}
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, st, today=TODAY, host="citytools.example")
    query = view.VIEW.search(st)
    assert props(by_id(tree, "expiring-calendar"))["href"] == f"/calendar.ics{query}"
    assert texts(by_id(tree, "expiring-webcal")) == f"webcal://citytools.example/calendar.ics{query}"
    assert props(by_id(tree, "expiring-download-csv"))["href"] == f"/export/expiring.csv{query}"
    assert props(by_id(tree, "expiring-download-xlsx"))["href"] == f"/export/expiring.xlsx{query}"
    hrefs = {props(n).get("href") for n in walk(tree)}
    assert "/expiring" + view.VIEW.search({**st, "months": 12}) in hrefs
    assert "/expiring" + view.VIEW.search({**st, "kind": "end"}) in hrefs
    (camden,) = (
        duckdb.connect(str(hand_db), read_only=True)
        .execute("SELECT contract_id FROM contracts WHERE list_contains(record_ids, 'camden')")
        .fetchone()
    )
    assert [props(r)["data-contract"] for r in table_rows(tree)] == [camden]  # the one ending within 6 months


def test_empty_period_says_so(hand_db):
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, {"months": 3, "borough": ["E09000019"]}, today=TODAY)
    assert "No contracts end in this period" in texts(by_id(tree, "expiring-empty"))


def test_chart_is_titled_with_a_table(hand_db):
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, {"months": 24}, today=TODAY)
    graph = next(n for n in walk(tree) if type(n).__name__ == "Graph")
    assert graph.figure["layout"]["title"]["text"] == "Contracts ending, by month"
    assert sum(graph.figure["data"][0]["y"]) == 3
    assert "Show the table: Contracts ending, by month" in texts(tree)


# --------------------------------------------------------------------------- through the app


def test_rendered_page_and_export_agree(tiny_db, render_page):
    """tiny_db dates are relative to today: c-col ends in 30 days, c-bd in 400, c-barnet-2 in 800."""
    app = create_app(tiny_db)
    tree = render_page(app, "/expiring", "?months=18")
    assert [props(r)["data-contract"] for r in table_rows(tree)] == ["c-col", "c-bd"]
    assert "Expiring soon" in texts(tree)
    response = app.server.test_client().get("/export/expiring.csv?months=18")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()  # the header is the first line
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [r["Borough code"] for r in rows] == ["E09000001", "E09000002"]
    assert [r["End date"] for r in rows] == [(date.today() + timedelta(days=d)).isoformat() for d in (30, 400)]
    assert [r[view.EXPORT_COLUMNS[-1]] for r in rows] == ["yes", "yes"]


def test_rendered_page_reports_bad_parameters(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/expiring", "?months=7&cpv=abc")
    shown = texts(tree)
    assert "Ending within (months)" in shown and "CPV division" in shown
    assert [props(r)["data-contract"] for r in table_rows(tree)] == ["c-col"]  # the default 12 months


# --------------------------------------------------------------------------- time-aware, market, contacts


def test_rows_say_their_status_and_overdue_procurement(hand_db):
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, {"months": 24}, today=TODAY)
    hackney, camden, islington = table_rows(tree)
    assert [props(r)["data-status"] for r in (hackney, camden, islington)] == ["overdue", "overdue", "ending"]
    assert "Procurement overdue" in texts(camden) and "Ending" in texts(islington)
    assert "31 March 2025: should already have started" in texts(camden)  # 18 months before 30 September 2026
    assert "should already have started" not in texts(islington)
    assert "Tender" in texts(hackney)  # the Parking tender is linked as Hackney's market
    assert "No planning, tender or award notice from Camden for Revenues and Benefits or OpenRevenues" in texts(camden)


def test_ended_contracts_are_hidden_said_and_shown_on_request(tiny_db, render_page):
    """tiny_db: c-barnet-1 ended 100 days ago."""
    app = create_app(tiny_db)
    since = (date.today() - timedelta(days=200)).isoformat()
    tree = render_page(app, "/expiring", f"?end_from={since}")
    assert "c-barnet-1" not in [props(r)["data-contract"] for r in table_rows(tree)]
    assert texts(by_id(tree, "expiring-ended")).startswith("1 contract of this period has ended and is hidden.")
    toggle = props(by_id(tree, "expiring-ended-toggle"))["href"]
    assert view.VIEW.parse(toggle.split("?", 1)[1]) == {"end_from": since, "ended": "show"}
    shown = render_page(app, "/expiring", f"?end_from={since}&ended=show")
    statuses = {props(r)["data-contract"]: props(r)["data-status"] for r in table_rows(shown)}
    assert statuses["c-barnet-1"] == "ended" and "Ended" in texts(shown)


def test_the_public_is_told_contacts_are_for_members(tiny_db, render_page):
    app = create_app(tiny_db)
    public = texts(render_page(app, "/expiring", "?months=24", member=False))
    member = texts(render_page(app, "/expiring", "?months=24"))
    assert view.MEMBERS_CONTACTS in public and view.MEMBERS_CONTACTS not in member
