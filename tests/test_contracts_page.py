"""The contracts view: paged, sorted queries, the grid's row requests, and the page from the URL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pagetree import walk

from app import create_app
from dashboard import db
from dashboard.logic import contracts as logic
from dashboard.pages import contracts as page
from dashboard.queries import contracts as q

BARNET = "E09000003"
BRENT = "E09000005"


def ids(rows) -> list[str]:
    return [r["contract_id"] for r in rows]


# --------------------------------------------------------------------------- queries


def test_default_order_is_soonest_end_first_without_non_borough_buyers(cur):
    assert ids(q.contracts_page(cur)) == ["c-barnet-1", "c-col", "c-bd", "c-barnet-2"]


def test_sort_descending_puts_unknown_values_last(cur):
    rows = q.contracts_page(cur, sort=q.parse_sort("-annual_value"))
    assert ids(rows) == ["c-bd", "c-col", "c-barnet-2", "c-barnet-1"]
    assert [r["annual_value"] for r in rows] == [250_000, 100_000, 50_000, None]


def test_sort_by_borough_name_not_code(cur):
    rows = q.contracts_page(cur, sort=q.parse_sort("borough,-end_date"))
    assert [r["borough"] for r in rows] == ["Barking and Dagenham", "Barnet", "Barnet", "City of London"]
    assert ids(rows)[1:3] == ["c-barnet-2", "c-barnet-1"]


@pytest.mark.parametrize(
    "spec", ["supplier_name", "title; DROP TABLE contracts", "record_ids", "-records", "", None, "1", "disagreements"]
)
def test_sort_outside_the_whitelist_falls_back_to_the_default(spec):
    assert q.parse_sort(spec) == list(q.DEFAULT_SORT)


def test_sort_keeps_whitelisted_columns_and_drops_the_rest():
    assert q.parse_sort("bogus,-total_value,title,-total_value") == [("total_value", True), ("title", False)]
    assert q.sort_spec(q.parse_sort("end_date")) == ""  # the default is left out of URLs
    assert q.sort_spec([("title", False), ("annual_value", True)]) == "title,-annual_value"


def test_paging_with_limit_and_offset(cur):
    assert ids(q.contracts_page(cur, offset=1, limit=2)) == ["c-col", "c-bd"]
    assert q.contracts_page(cur, offset=10, limit=2) == []
    assert len(q.contracts_page(cur, limit=10_000_000)) == 4  # capped at MAX_PAGE, not an error


def test_filters_apply_and_count_agrees(cur):
    rows = q.contracts_page(cur, {"borough": [BARNET]})
    assert ids(rows) == ["c-barnet-1", "c-barnet-2"]
    assert q.count(cur, {"borough": [BARNET]}) == 2
    assert q.count(cur, {"source": "survey"}) == 2


def test_rows_carry_provenance_and_sources(cur):
    bd = next(r for r in q.contracts_page(cur) if r["contract_id"] == "c-bd")
    assert bd["sources"] == "contracts_finder, survey"
    started = (date.today() - timedelta(days=1000)).isoformat()  # conftest: every tiny record started then
    survey, notice = "survey: survey.xlsx#r-bd-survey", "contracts_finder: notices.csv#r-bd-cf"
    assert bd["records"] == f"contract {started}, {survey}; contract {started}, {notice}"
    assert bd["borough"] == "Barking and Dagenham" and bd["buyer"] == "Barking and Dagenham"


def test_disagreements_are_listed_with_each_sources_value(tmp_path, contracts_db_builder):
    path = contracts_db_builder(
        tmp_path / "d.duckdb",
        [
            {
                "disagreements": {"end_date": {"x-0": "2027-03-31", "other": "2027-06-30"}},
                "source_url": "https://www.contractsfinder.service.gov.uk/notice/1",
                "match_score": 0.91,
            },
            {},
        ],
    )
    with db.cursor(path) as c:
        rows = q.contracts_page(c, sort=q.parse_sort("-disagreement"))
    assert rows[0]["disagreement"] is True
    assert rows[0]["disagreements"] == "end date: 2027-03-31 (survey), 2027-06-30 (other)"
    assert rows[0]["source_url"].startswith("https://") and rows[0]["match_score"] == 0.91
    assert rows[1]["disagreement"] is False and rows[1]["disagreements"] == ""


def test_sorted_page_of_100_on_the_sample_matches_duckdb(sample_build):
    path, _ = sample_build
    with db.cursor(path) as c:
        rows = q.contracts_page(c, {}, q.parse_sort("-annual_value"), offset=100, limit=100)
        expected = c.execute(
            "SELECT contract_id FROM contracts WHERE borough_code IS NOT NULL "
            "ORDER BY annual_value DESC NULLS LAST, contract_id LIMIT 100 OFFSET 100"
        ).fetchall()
    assert len(rows) == 100
    assert ids(rows) == [cid for (cid,) in expected]


def test_all_rows_stream_in_the_same_order_as_the_pages(sample_build):
    path, _ = sample_build
    sort = q.parse_sort("supplier,-end_date")
    with db.cursor(path) as c:
        paged = [r for off in range(0, 700, 100) for r in q.contracts_page(c, {}, sort, offset=off, limit=100)]
        streamed = list(q.contracts_rows(c, {}, sort, batch=64))
        total = q.count(c, {})
    assert ids(streamed) == ids(paged)
    assert len(streamed) == total


# --------------------------------------------------------------------------- the grid's requests


def test_grid_callback_returns_the_rows_of_a_request(sample_build):
    path, _ = sample_build
    app = create_app(path)
    request = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "annual_value", "sort": "desc"}]}
    with app.server.app_context():
        response = page.rows_response(f"borough={BRENT}", request)
        more = page.rows_response(f"borough={BRENT}", {**request, "startRow": 20, "endRow": 40})
    with db.cursor(path) as c:
        expected = c.execute(
            "SELECT contract_id, annual_value FROM contracts WHERE borough_code = ? "
            "ORDER BY annual_value DESC NULLS LAST, contract_id",
            [BRENT],
        ).fetchall()
    assert response["rowCount"] == len(expected) == 25
    assert [r["contract_id"] for r in response["rowData"]] == [cid for cid, _ in expected]
    assert response["rowData"][0]["annual_value"] == f"£{expected[0][1]:,.0f}"
    assert [r["contract_id"] for r in more["rowData"]] == [cid for cid, _ in expected[20:40]]
    json.dumps(response)  # plain JSON for the browser


def test_grid_request_with_an_unknown_sort_column_gets_the_default_order(cur):
    response = logic.rows_block(cur, "", {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "record_ids"}]})
    assert [r["contract_id"] for r in response["rowData"]] == ["c-barnet-1", "c-col", "c-bd", "c-barnet-2"]
    assert response["rowCount"] == 4


def test_grid_callback_through_dash(tiny_db):
    """The MATCH callback: Dash hands it the request and the grid's id, which holds its query."""
    client = create_app(tiny_db).server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if "getRowsResponse" in d["output"])
    grid_id = {"type": "contracts-grid", "query": f"borough={BARNET}&sort=-end_date"}
    body = {
        "output": dep["output"],
        "outputs": {"id": grid_id, "property": "getRowsResponse"},
        "inputs": [
            {
                "id": grid_id,
                "property": "getRowsRequest",
                "value": {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "end_date", "sort": "desc"}]},
            }
        ],
        "state": [{"id": grid_id, "property": "id", "value": grid_id}],
        "changedPropIds": [json.dumps(grid_id, separators=(",", ":")) + ".getRowsRequest"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    out = response.get_json()["response"]
    (payload,) = out.values()
    rows = payload["getRowsResponse"]["rowData"]
    assert [r["contract_id"] for r in rows] == ["c-barnet-2", "c-barnet-1"]


def test_a_sort_in_the_grid_is_written_to_the_url():
    desc = {"sortModel": [{"colId": "annual_value", "sort": "desc"}]}
    assert logic.search_for_sort("?borough=E09000001", desc) == "?borough=E09000001&sort=-annual_value"
    assert logic.search_for_sort("?borough=E09000001&sort=-annual_value", desc) is None
    default = {"sortModel": [{"colId": "end_date", "sort": "asc"}]}
    assert logic.search_for_sort("?sort=-annual_value", default) == ""
    assert logic.search_for_sort("?sort=bogus", default) is None  # already the default order
    assert logic.search_for_sort("", None) is None


# --------------------------------------------------------------------------- the page


def test_page_renders_count_grid_and_links_from_the_url(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/contracts", f"?borough={BARNET}&sort=-annual_value&utm=x")
    nodes = list(walk(page))
    count = next(n for n in nodes if n["props"].get("id") == "contracts-count")
    assert count["props"]["children"] == "2 contracts match"
    grid = next(n for n in nodes if n["type"] == "AgGrid")
    assert grid["props"]["id"] == {"type": "contracts-grid", "query": f"borough={BARNET}&sort=-annual_value"}
    assert grid["props"]["rowModelType"] == "infinite"
    sorted_cols = {c["field"]: c["sort"] for c in grid["props"]["columnDefs"] if c.get("sort")}
    assert sorted_cols == {"annual_value": "desc"}
    headings = [c["headerName"] for c in grid["props"]["columnDefs"] if not c.get("hide")]
    for heading in (
        "Borough",
        "Buyer",
        "Supplier",
        "System",
        "Service area",
        "Title",
        "Start",
        "End",
        "Latest end",
        "Annual value (£)",
        "Total value (£)",
        "Sources",
        "Match score",
        "Sources disagree",
        "Notice",
    ):
        assert heading in headings
    links = {n["props"]["id"]: n["props"]["href"] for n in nodes if "download" in str(n["props"].get("id", ""))}
    assert links["contracts-download-csv"] == f"/export/contracts.csv?borough={BARNET}&sort=-annual_value"
    assert links["contracts-download-xlsx"] == f"/export/contracts.xlsx?borough={BARNET}&sort=-annual_value"


def test_page_reports_what_it_ignored(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/contracts", "?borough=E09000099&end_from=tomorrow")
    text = json.dumps(page)
    assert "4 contracts match" in text
    assert "not the ONS code" in text and "not a date" in text


def test_default_sort_is_left_out_of_the_grid_id(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/contracts", "?sort=end_date")
    grid = next(n for n in walk(page) if n["type"] == "AgGrid")
    assert grid["props"]["id"]["query"] == ""


def test_page_without_a_database_says_how_to_build_it(tmp_path, render_page):
    page = render_page(create_app(tmp_path / "none.duckdb"), "/contracts")
    assert any(n["props"].get("id") == "no-database" for n in walk(page))


def test_grid_id_changes_with_the_filters_so_the_grid_refetches(tiny_db, render_page):
    app = create_app(tiny_db)
    a = next(n for n in walk(render_page(app, "/contracts", "")) if n["type"] == "AgGrid")
    b = next(n for n in walk(render_page(app, "/contracts", f"?borough={BARNET}")) if n["type"] == "AgGrid")
    assert a["props"]["id"] != b["props"]["id"]
    assert logic.VIEW.parse(b["props"]["id"]["query"]) == {"borough": [BARNET]}


def test_a_framework_says_how_many_suppliers_it_has(tmp_path, contracts_db_builder):
    from dashboard.logic import contracts as logic

    path = contracts_db_builder(
        tmp_path / "f.duckdb",
        [{"supplier_name": "Capita", "supplier_count": 15, "title": "Framework"}, {"title": "Single"}],
    )
    with db.cursor(path) as cur:
        block = logic.rows_block(cur, "", {"startRow": 0, "endRow": 10})
    shown = {r["title"]: r["supplier"] for r in block["rowData"]}
    assert shown == {"Framework": "Capita and 14 others (framework)", "Single": "Civica"}


# --------------------------------------------------------------------------- stage, status, lifecycle


@pytest.fixture
def lifecycle_db(tmp_path):
    """Camden's contract (a survey row and its award, changed once), a live Camden tender, a Hackney plan."""
    from handmade import record, write_records

    from etl.link import build_contracts

    award = record(
        "award", source="contracts_finder", start_date=date(2024, 4, 1), end_date=date(2027, 3, 31),
        published_date=date(2024, 2, 1), notice_type="UK7", source_url="https://example.org/award",
        history=[{"date": "2025-01-10", "notice_type": "UK10", "what": "contract change", "notice_id": "ch-1"}],
        supplier_key="civica", title="OpenRevenues revenues and benefits system",
    )  # fmt: skip
    survey = record("row", start_date=date(2024, 4, 1), end_date=date(2027, 3, 31), system_name="OpenRevenues",
                    supplier_key="civica")  # fmt: skip
    tender = record("tender", source="contracts_finder", stage="tender", service_area="Parking", title="Parking")
    plan = record("plan", source="contracts_finder", stage="planning", borough_code="E09000012", title="Plan")
    records = [award, survey, tender, plan]
    assert len(build_contracts(records)) == 3, "the survey row and its award are one contract"
    return write_records(tmp_path / "life.duckdb", records)


def test_stage_filter_is_whitelisted_and_applied(lifecycle_db):
    st, problems = logic.VIEW.check({"stage": ["tender", "planning", "bogus"]})
    assert st == {"stage": ["planning", "tender"]} and len(problems) == 1 and "Stage" in problems[0]
    with db.cursor(lifecycle_db) as cur:
        assert [r["stage"] for r in q.contracts_page(cur, {"stage": ["tender"]})] == ["tender"]
        assert sorted(r["stage"] for r in q.contracts_page(cur, st)) == ["planning", "tender"]
        assert q.count(cur, {"stage": ["contract"]}) == 1
        assert q.count(cur, {"stage": "'; DROP TABLE contracts; --"}) == 3  # not a stage: no filter, no harm


def test_rows_carry_stage_status_and_lifecycle(lifecycle_db):
    with db.cursor(lifecycle_db) as cur:
        rows = {r["stage"]: r for r in q.contracts_page(cur)}
    contract = rows["contract"]
    steps = [(s["stage"], s["notice_type"]) for s in contract["lifecycle"]]
    assert steps[-1] == ("contract change", "UK10") and ("contract", "UK7") in steps
    assert [s["date"] for s in contract["lifecycle"]] == sorted(s["date"] for s in contract["lifecycle"])
    assert "contract change UK10 2025-01-10" in contract["records"]
    today = date(2026, 4, 1)
    assert logic.grid_row(contract, today)["status"] == "Procurement overdue"
    assert logic.grid_row(rows["tender"], today)["status"] == ""  # a tender is not a contract yet
    assert "lifecycle" not in logic.grid_row(contract, today)  # the grid gets text, not the list


def test_one_contract_shows_its_lifecycle_with_links(lifecycle_db, render_page):
    with db.cursor(lifecycle_db) as cur:
        (cid,) = cur.execute("SELECT contract_id FROM contracts WHERE stage = 'contract'").fetchone()
    page = render_page(create_app(lifecycle_db), "/contracts", f"?scope=all&contract={cid}")
    panel = next(n for n in walk(page) if n["props"].get("id") == "contracts-lifecycle")
    items = [n for n in walk(panel) if n["type"] == "Li"]
    assert len(items) == 3  # the award, the survey row and the change
    hrefs = {n["props"].get("href") for n in walk(panel) if n["props"].get("href")}
    assert hrefs == {"https://example.org/award"}
    missing = render_page(create_app(lifecycle_db), "/contracts", "?contract=c-none")
    assert any("No contract with that id" in str(n["props"].get("children")) for n in walk(missing))
