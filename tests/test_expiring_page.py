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
# The end that counts today (dashboard.status.effective_end), written out again: the extended end once
# the base end has passed, while the extension runs.
EFFECTIVE_END = "CASE WHEN end_date < ? AND max_end_date >= ? THEN max_end_date ELSE end_date END"
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
            AND end_date IS NOT NULL AND ({EFFECTIVE_END}) BETWEEN ? AND ?
            ORDER BY ({EFFECTIVE_END}), borough_code, contract_id""",
        [*params, TODAY, TODAY, TODAY, end, TODAY, TODAY],
    ).fetchall()
    rows, cut = view.view_rows(full_sample_cur, st, TODAY)
    assert [r["contract_id"] for r in rows] == [c for (c,) in expected]
    assert rows and not cut
    assert [r["last_end"] for r in rows] == sorted(r["last_end"] for r in rows)


def test_filter_bar_dates_replace_the_months(full_sample_cur):
    st = {"months": 3, "end_from": "2027-01-01", "end_to": "2027-06-30", "scope": "all"}  # not about the scope
    rows, _ = view.view_rows(full_sample_cur, st, TODAY)
    (n,) = full_sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND stage = 'contract' "
        f"AND ({EFFECTIVE_END}) BETWEEN DATE '2027-01-01' AND DATE '2027-06-30'",
        [TODAY, TODAY],
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
    months, kind = by_id(tree, expiring_page.MONTHS_ID), by_id(tree, expiring_page.KIND_ID)
    assert (props(months)["value"], props(kind)["value"]) == (6, "both")  # the controls show the URL
    assert [o["value"] for o in props(months)["options"]] == [3, 6, 12, 18, 24]
    to, values = expiring_page.options_to_search, [None, 6, "both"]
    assert to(query, expiring_page.MONTHS_ID, [None, 12, "both"]) == view.VIEW.search({**st, "months": 12})
    assert to(query, expiring_page.KIND_ID, [None, 6, "end"]) == view.VIEW.search({**st, "kind": "end"})
    assert to(query, expiring_page.MONTHS_ID, values) is None and to(query, expiring_page.KIND_ID, values) is None
    (camden,) = (
        duckdb.connect(str(hand_db), read_only=True)
        .execute("SELECT contract_id FROM contracts WHERE list_contains(record_ids, 'camden')")
        .fetchone()
    )
    assert [props(r)["data-contract"] for r in table_rows(tree)] == [camden]  # the one ending within 6 months


def test_empty_period_says_why_and_links_ways_to_widen_it(hand_db):
    st = {"months": 3, "borough": ["E09000019"]}
    with db.cursor(hand_db) as cur:
        tree = expiring_page.content(cur, st, today=TODAY)
        empty = by_id(tree, "expiring-empty")
        said = texts(empty)
        assert said.startswith("No contracts end within 3 months under these filters (Borough: Islington).")
        widen = {texts(n): props(n)["href"] for n in walk(empty) if props(n).get("href")}
        assert widen == {"look 24 months ahead": view.VIEW.href({**st, "months": 24}),
                         "clear the filters": view.VIEW.href({"months": 3})}  # fmt: skip
        # each way out lists something: Islington's Academy ends within 24 months, Camden's within 3
        for href in widen.values():
            wider, _ = view.VIEW.check_query(href.split("?", 1)[1])
            assert view.model(cur, wider, TODAY)["rows"]
    assert not table_rows(tree)


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
    assert texts(by_id(tree, "expiring-ended-toggle")) == "Show them"
    flipped = expiring_page.options_to_search(f"?end_from={since}&page=2", "expiring-ended-toggle", [None] * 3)
    assert view.VIEW.parse(flipped) == {"end_from": since, "ended": "show"}  # a new list: its first page
    shown = render_page(app, "/expiring", f"?end_from={since}&ended=show")
    statuses = {props(r)["data-contract"]: props(r)["data-status"] for r in table_rows(shown)}
    assert statuses["c-barnet-1"] == "ended" and "Ended" in texts(shown)


def test_the_public_is_told_contacts_are_for_members(tiny_db, render_page):
    app = create_app(tiny_db)
    public = texts(render_page(app, "/expiring", "?months=24", member=False))
    member = texts(render_page(app, "/expiring", "?months=24"))
    assert view.MEMBERS_CONTACTS in public and view.MEMBERS_CONTACTS not in member


# --------------------------------------------------------------------------- paging, extensions, URL problems

MANY = 60  # contracts ending one a week from TODAY: more than two pages


@pytest.fixture
def many_db(tmp_path):
    """60 Camden contracts ending a week apart, one of them running on an extension; 5 tenders for Camden's
    Revenues and Benefits, so each such contract has more market notices than a row shows."""
    boroughs = ["E09000007", "E09000012", "E09000019"]
    records = [
        record(f"c{i:02}", borough_code=boroughs[i % 3], service_area="Revenues and Benefits" if i % 3 == 0 else
               "Parking", start_date=date(2020, 1, 1), end_date=TODAY + timedelta(days=7 * (i + 1)),
               annual_value=1000.0 * (i + 1))
        for i in range(MANY)
    ]  # fmt: skip
    records.append(record("ext", start_date=date(2020, 1, 1), end_date=date(2026, 2, 28),
                          max_end_date=date(2026, 8, 31), system_name="OpenRevenues"))  # fmt: skip
    records += [
        record(f"t{i}", source="contracts_finder", stage="tender", start_date=None, end_date=None,
               published_date=date(2025, 1, 1) + timedelta(days=i), title=f"Tender {i}",
               source_url=f"https://example.org/t{i}")
        for i in range(5)
    ]  # fmt: skip
    return write_records(tmp_path / "many.duckdb", records)


def test_the_page_shows_one_page_of_the_list_and_the_summary_counts_them_all(many_db):
    with db.cursor(many_db) as cur:
        every, cut = view.view_rows(cur, {"months": 24}, TODAY)
        n = -(-(MANY + 1) // view.PAGE_SIZE)
        pages = [view.model(cur, {"months": 24, "page": i}, TODAY) for i in range(1, n + 1)]
        first = expiring_page.content(cur, {"months": 24}, today=TODAY)
    assert len(every) == MANY + 1 and not cut and n >= 3  # the exports' rows: every page
    assert [len(m["rows"]) for m in pages] == [view.PAGE_SIZE] * (n - 1) + [MANY + 1 - (n - 1) * view.PAGE_SIZE]
    assert [r["contract_id"] for m in pages for r in m["rows"]] == [r["contract_id"] for r in every]
    assert len(table_rows(first)) == view.PAGE_SIZE
    assert texts(by_id(first, "expiring-page")) == f"Rows 1-{view.PAGE_SIZE} of {MANY + 1} · page 1 of {n}"
    last = (n - 1) * view.PAGE_SIZE + 1
    assert view.page_text(pages[-1]) == f"Rows {last}-{MANY + 1} of {MANY + 1} · page {n} of {n}"
    summary = texts(by_id(first, "expiring-summary"))
    assert summary.startswith(f"{MANY + 1} contracts in 3 boroughs end between")
    gaps = sum(1 for r in every if r["gap"])
    assert f"; {gaps} flagged as a gap" in summary and 0 < gaps < len(every)
    graph = next(n for n in walk(first) if type(n).__name__ == "Graph")
    assert sum(graph.figure["data"][0]["y"]) == len(every)  # the chart counts every page


def test_a_page_past_the_end_shows_the_last_and_a_bad_page_is_reported():
    assert view.paged(3 * view.PAGE_SIZE - 1, 9) == (3, 3, 2 * view.PAGE_SIZE)
    assert view.paged(0, 2) == (1, 1, 0)
    st, problems = view.VIEW.check({"page": "0"})
    assert st == {} and len(problems) == 1 and "Page" in problems[0]


def test_a_contract_on_an_extension_is_listed_by_the_end_it_runs_to(many_db):
    """Its base end (28 February 2026) passed before TODAY; its extension runs to 31 August 2026."""
    with db.cursor(many_db) as cur:
        (ext,) = cur.execute("SELECT contract_id FROM contracts WHERE list_contains(record_ids, 'ext')").fetchone()
        rows, _ = view.view_rows(cur, {"months": 6}, TODAY)
        at = [r["contract_id"] for r in rows].index(ext)
        tree = expiring_page.content(cur, {"months": 6, "page": at // view.PAGE_SIZE + 1}, today=TODAY)
        export = view.export_rows(rows)
    row = next(r for r in rows if r["contract_id"] == ext)
    assert (row["on_extension"], row["last_end"], row["status"]) == (True, date(2026, 8, 31), "overdue")
    assert row["procurement_start"] == date(2025, 2, 28)  # 18 months before the end it runs to
    assert [r["last_end"] for r in rows] == sorted(r["last_end"] for r in rows)  # placed by that end
    shown = next(r for r in table_rows(tree) if props(r)["data-contract"] == ext)
    assert "on extension to 31 August 2026" in texts(shown) and "28 February 2026" in texts(shown)
    line = export[rows.index(row)]
    assert line[view.EXPORT_COLUMNS.index("On extension to")] == date(2026, 8, 31)
    assert {x[view.EXPORT_COLUMNS.index("On extension to")] for x in export if x is not line} == {None}
    from icalendar import Calendar

    events = {str(e["UID"]): e for e in Calendar.from_ical(view.contract_calendar(rows)).walk("VEVENT")}
    assert events[f"{ext}-end@citytools"].decoded("DTSTART") == date(2026, 8, 31)


def test_a_row_shows_three_notices_and_links_the_rest(many_db):
    with db.cursor(many_db) as cur:
        tree = expiring_page.content(cur, {"months": 24}, today=TODAY)
        rows = view.model(cur, {"months": 24}, TODAY)["rows"]
    camden = next(r for r in rows if r["borough_code"] == "E09000007" and not r["on_extension"])
    assert camden["notice_count"] == 5
    shown = next(r for r in table_rows(tree) if props(r)["data-contract"] == camden["contract_id"])
    links = [n for n in walk(shown) if "market-notice" in (props(n).get("className") or "")]
    assert len(links) == view.PAGE_NOTICES
    more = next(n for n in walk(shown) if props(n).get("className") == "more-notices")
    assert texts(more) == "and 2 more"
    href = props(more)["href"]
    assert href.startswith("/contracts?")
    from dashboard.logic import contracts as contracts_view

    assert contracts_view.VIEW.parse(href.split("?", 1)[1]) == {
        "borough": ["E09000007"], "service_area": ["Revenues and Benefits"], "stage": ["award", "planning", "tender"]
    }  # fmt: skip


def test_the_options_write_the_url():
    to = expiring_page.options_to_search
    previous, following = expiring_page.PAGER
    none = [None, None, None]
    assert to("?months=24", following, none) == "?months=24&page=2"
    assert to("?months=24&page=3", previous, none) == "?months=24&page=2"
    assert to("?months=24&page=2", previous, none) == "?months=24"
    assert to("?months=24", previous, none) is None  # no page before the first
    assert to("?months=24&page=3", expiring_page.CPV_ID, ["72", 24, "end"]) == "?months=24&cpv=72"  # page 1
    assert to("?cpv=72&page=3", expiring_page.CPV_ID, ["72", 12, "end"]) is None  # set from the URL, not changed
    assert to("?months=24&page=3", expiring_page.MONTHS_ID, [None, 6, "end"]) == "?months=6"  # a new list
    assert to("?page=3", expiring_page.MONTHS_ID, [None, 12, "end"]) is None  # the default, shown
    assert to("?page=3", expiring_page.KIND_ID, [None, 12, "both"]) == "?kind=both&page=3"  # the same list
    assert view.VIEW.parse(to("?page=3&ended=show", "expiring-ended-toggle", none)) == {}
    # the filter bar's end dates apply: no horizon is shown, and the radio set back to none writes nothing
    assert expiring_page.control_values(view.VIEW.parse("?end_from=2027-01-01&months=6")) == [None, None, "end"]
    assert to("?end_from=2027-01-01&months=6", expiring_page.MONTHS_ID, [None, None, "end"]) is None


def test_an_option_redraws_only_the_parts_it_changes():
    parts = view.redrawn_parts
    assert parts(None, {"months": 24}) == view.PARTS  # what the page shows is not known
    assert parts({"months": 24}, {"months": 24, "page": 2}) == {"rows", "files"}  # the links carry the page
    assert parts({"months": 24, "page": 2}, {"months": 24, "page": 2, "kind": "both"}) == {"files"}
    assert parts({"months": 24}, {"months": 24, "page": 1}) == set()
    for other in ({"months": 12}, {"months": 24, "cpv": "72"}, {"months": 24, "ended": "show"},
                  {"months": 24, "borough": ["E09000007"], "page": 2}):  # fmt: skip
        assert parts({"months": 24, "page": 2}, other) == view.PARTS, other


def _options_client(many_db):
    from members import member_client

    return member_client(create_app(many_db)), "http://localhost/expiring"


def _redraw(client, base, shown: str, new: str, shell: str | None = None) -> dict | None:
    from test_windows_page import callback

    shell = shown if shell is None else shell
    states = {"expiring-url.pathname": "/expiring", "expiring-results.data-search": shown, "url.search": shell,
              "url.href": base + shell, "expiring-cpv.value": view.VIEW.parse(shown).get("cpv"),
              "expiring-months.value": 24, "expiring-kind.value": "end"}  # fmt: skip
    return callback(client, "expiring-rows.children", {"expiring-url.search": new}, states)


def test_paging_redraws_only_the_rows_through_the_app(many_db):
    client, base = _options_client(many_db)
    new = "?months=24&page=2"
    out = _redraw(client, base, "?months=24", new)
    assert out["expiring-results"]["data-search"] == new
    assert out["url"] == {"search": new, "href": base + new}
    # not the summary nor the chart: the rows and the links that carry the page
    assert set(out) == {"expiring-results", "expiring-rows", "expiring-files", "expiring-calendar-links", "url"}
    listed = [n["props"]["data-contract"] for n in walk(out["expiring-rows"]["children"])
              if n["props"].get("data-contract")]  # fmt: skip
    with db.cursor(many_db) as cur:
        every, _ = view.view_rows(cur, {"months": 24})
    assert listed == [r["contract_id"] for r in every][view.PAGE_SIZE : 2 * view.PAGE_SIZE]
    # the export of a paged URL still holds every row
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/export/expiring.csv" + new).get_data(as_text=True))))
    assert len(csv_rows) == len(every)


def test_a_url_the_shell_already_has_is_left_to_the_router(many_db):
    """The filter bar, a link or back/forward move the shell's location too: the router draws the page."""
    client, base = _options_client(many_db)
    assert _redraw(client, base, "?months=24", "?months=6", shell="?months=6") is None
    assert _redraw(client, base, "?months=24", "?months=6")["expiring-results"] == {"data-search": "?months=6"}


def test_another_list_updates_the_chart_in_place_and_another_kind_only_the_links(many_db):
    client, base = _options_client(many_db)
    out = _redraw(client, base, "?months=24&page=2", "?months=6")
    assert {"expiring-head", "expiring-rows", "expiring-month-chart", "expiring-month-table"} <= set(out)
    assert out["expiring-months"] == {"value": 6}  # the radio follows the URL (back or forward)
    with db.cursor(many_db) as cur:
        m = view.model(cur, {"months": 6})
    assert sum(out["expiring-month-chart"]["figure"]["data"][0]["y"]) == m["totals"]["contracts"] > 0
    out = _redraw(client, base, "?months=24", "?months=24&kind=both")
    assert set(out) == {"expiring-results", "expiring-files", "expiring-calendar-links", "url", "expiring-kind"}
    hrefs = {n["props"].get("href") for n in walk(out["expiring-calendar-links"]["children"])}
    assert "/calendar.ics?months=24&kind=both" in hrefs


def test_ignored_url_values_stay_until_dismissed_above_the_results(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/expiring", "?months=7&page=x")
    alerts = [n for n in walk(tree) if "url-problem" in (props(n).get("className") or "")]
    assert len(alerts) == 2 and all(props(a)["dismissable"] for a in alerts)
    results = by_id(tree, "expiring-results")
    assert not [n for n in walk(results) if "url-problem" in (props(n).get("className") or "")]
    assert "Ending within (months)" in texts(alerts[0]) and "Page" in texts(alerts[1])


def test_one_statement_gives_the_numbers_and_a_page_the_last_when_past_the_end(many_db):
    from dashboard.queries.expiring import listing, summary

    args = {"filters": {}, "months": 24, "today": TODAY}
    with db.cursor(many_db) as cur:
        every, _ = view.view_rows(cur, {"months": 24}, TODAY)
        totals, first = listing(cur, **args, page=1, page_size=10)
        _, beyond = listing(cur, **args, page=999, page_size=10)
        alone, none = listing(cur, **args, page_size=0)
        assert totals == alone == summary(cur, **args)
    assert totals["contracts"] == len(every) and none == []
    ids = [r["contract_id"] for r in every]
    assert [r["contract_id"] for r in first] == ids[:10]
    assert [r["contract_id"] for r in beyond] == ids[(len(ids) - 1) // 10 * 10 :]  # the last page
