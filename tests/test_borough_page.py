"""The page per borough: its queries, its sections on the tiny database and the sample, not-found codes."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from pagetree import by_id, query_of, texts, walk

from app import create_app
from dashboard import access, db, status
from dashboard.logic import borough as logic
from dashboard.pages import borough as page
from dashboard.queries import borough as bq
from dashboard.views import EXPORTS
from etl import reference

CAMDEN = "E09000007"
BARNET = "E09000003"


def body_rows(tree, table_id: str) -> list[list[str]]:
    tbody = next(n for n in walk(by_id(tree, table_id)) if n["type"] == "Tbody")
    return [texts(tr) for tr in walk(tbody) if tr["type"] == "Tr"]


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (CAMDEN, "Camden"),
        ("e09000007", "Camden"),
        ("camden", "Camden"),
        ("tower-hamlets", "Tower Hamlets"),
        ("Kensington%20and%20Chelsea", "Kensington and Chelsea"),
        ("E09000099", None),
        ("", None),
        (None, None),
        ("E09000007' OR '1'='1", None),
    ],
)
def test_resolve(code, name):
    found = logic.resolve(code)
    assert (found.name if found else None) == name


def test_unknown_code_gets_a_not_found_message(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/borough/E09000099")
    assert "Borough not found" in texts(tree)
    message = texts(by_id(tree, "borough-not-found"))[0]
    assert "E09000099" in message and "E09000033" in message
    tree = render_page(create_app(tiny_db), "/borough/" + quote("<b>x</b>"))
    assert "<b>x</b>" in texts(by_id(tree, "borough-not-found"))[0]  # echoed as text, never markup
    assert not [n for n in walk(tree) if n["type"] == "Markdown" or "dangerously_allow_html" in n["props"]]


def test_browser_title_names_the_borough():
    assert logic.page_title(CAMDEN) == "Camden · City Tools"
    assert logic.page_title("nope") == "Borough not found · City Tools"


def test_borough_page_is_not_in_the_navbar(tiny_db):
    import dash

    create_app(tiny_db)
    entry = next(p for p in dash.page_registry.values() if p["module"] == "dashboard.pages.borough")
    assert entry["nav"] is False and entry["path_template"] == "/borough/<code>"


# --------------------------------------------------------------------------- queries


def test_systems_in_taxonomy_order_with_unknown_area_last(cur):
    rows, total = bq.systems(cur, BARNET)
    assert total == 2
    assert [(r["service_area"], r["system_name"], r["supplier_name"]) for r in rows] == [
        ("Education and Schools", "Capita One", "Capita"),
        (None, None, "O'Brien & Sons Ltd"),
    ]


def test_suppliers_largest_value_first(cur):
    found = bq.page(cur, BARNET)
    assert (found["suppliers"], found["suppliers_total"]) == (
        [
            {"supplier_name": "Capita", "contracts": 1, "systems": 1, "annual_value": 50_000, "valued": 1},
            {"supplier_name": "O'Brien & Sons Ltd", "contracts": 1, "systems": 0, "annual_value": None, "valued": 0},
        ],
        2,
    )


def test_ending_is_relative_to_an_injected_today(cur):
    today = date.today()
    assert bq.page(cur, BARNET, today=today)["ending"] == []  # one ended 100 days ago, one ends in 800
    later = bq.page(cur, BARNET, today=today + timedelta(days=500))["ending"]
    assert [(r["system_name"], r["within_12m"]) for r in later] == [("Capita One", True)]
    city = bq.page(cur, "E09000001", today=today)["ending"]
    assert [(r["end_date"], r["within_12m"]) for r in city] == [(today + timedelta(days=30), True)]
    bd = bq.page(cur, "E09000002", today=today)["ending"]
    assert [r["within_12m"] for r in bd] == [False]  # 400 days: in 12 to 24 months


def test_filters_apply_and_the_page_code_wins(cur):
    rows, total = bq.systems(cur, BARNET, {"borough": "E09000001", "supplier": "Capita"})
    assert total == 1 and rows[0]["system_name"] == "Capita One"
    assert bq.systems(cur, BARNET, {"q": "' OR 1=1 --"}) == ([], 0)


def test_sample_systems_equal_the_records(sample_cur, monkeypatch):
    expected = sorted(
        sample_cur.execute(
            "SELECT service_area, system_name, supplier_name FROM contract_records WHERE borough_code = ?", [CAMDEN]
        ).fetchall()
    )
    rows, total = bq.systems(sample_cur, CAMDEN, limit=bq.EXPORT_LIMIT)
    assert total == len(expected)
    assert sorted((r["service_area"], r["system_name"], r["supplier_name"]) for r in rows) == expected
    order = [sa.name for sa in reference.service_areas()]
    positions = [order.index(r["service_area"]) for r in rows]
    assert positions == sorted(positions)
    (value,) = sample_cur.execute(
        "SELECT sum(annual_value) FROM contract_records WHERE borough_code = ?", [CAMDEN]
    ).fetchone()
    monkeypatch.setattr(bq, "SUPPLIER_LIMIT", 1000)  # every supplier, to check the values add up
    found, total = (bq.page(sample_cur, CAMDEN)[k] for k in ("suppliers", "suppliers_total"))
    assert total == len(found) > 10
    assert sum(s["annual_value"] or 0 for s in found) == pytest.approx(value)


@pytest.mark.parametrize(
    "filters",
    [{}, {"supplier": "Civica UK Limited"}, {"end_from": "2026-01-01", "end_to": "2027-06-30"}, {"scope": "all"},
     {"q": "pay"}, {"service_area": "Revenues and Benefits"}],
)  # fmt: skip
def test_the_page_statement_says_what_each_query_of_the_page_would(sample_cur, filters, monkeypatch):
    """``page`` reads the numbers and the three lists at once: each equal to the query it replaces, written
    here as the plain statement (the headline of the overview, the systems list, suppliers, ending soon)."""
    monkeypatch.setattr(bq, "ROW_LIMIT", 5)
    today = date(2026, 3, 1)
    found = bq.page(sample_cur, CAMDEN, filters, today)
    from dashboard import queries

    assert found["numbers"] == queries.headline(sample_cur, bq.for_borough(filters, CAMDEN), today=today)
    assert (found["systems"], found["numbers"]["contracts"]) == bq.systems(sample_cur, CAMDEN, filters, limit=5)
    where, params = queries.where_clause(bq.for_borough(filters, CAMDEN))
    suppliers = sample_cur.execute(
        f"SELECT supplier_name, count(*), count(DISTINCT system_name), sum(annual_value), count(annual_value) "
        f"FROM contracts WHERE {where} GROUP BY 1 ORDER BY 4 DESC NULLS LAST, 2 DESC, 1 NULLS LAST",
        params,
    ).fetchall()
    assert [tuple(r.values()) for r in found["suppliers"]] == suppliers[: bq.SUPPLIER_LIMIT]
    assert found["suppliers_total"] == len(suppliers)
    ends = sample_cur.execute(
        f"SELECT end_date, contract_id FROM contracts WHERE {where} AND end_date BETWEEN ? AND ? "
        "ORDER BY end_date, service_area NULLS LAST, system_name NULLS LAST, contract_id",
        [*params, today, date(2028, 3, 1)],
    ).fetchall()
    assert [r["end_date"] for r in found["ending"]] == [e for e, _ in ends[: bq.ENDING_LIMIT]]
    assert [r["within_12m"] for r in found["ending"]] == [e <= date(2027, 3, 1) for e, _ in ends[: bq.ENDING_LIMIT]]


def test_sample_coverage(sample_cur):
    cov = bq.coverage(sample_cur, CAMDEN)
    assert [f["file"] for f in cov["survey_files"]] == ["camden_survey_return.xlsx"]
    (rows,) = sample_cur.execute(
        "SELECT count(*) FROM contract_records WHERE source = 'survey' AND borough_code = ?", [CAMDEN]
    ).fetchone()
    assert cov["survey_rows"] == rows == cov["survey_files"][0]["loaded"]
    assert cov["open_data"] == {}
    assert cov["built_at"]
    none = bq.coverage(sample_cur, "E09000004")  # Bexley sent no return in the sample
    assert none["survey_files"] == [] and none["survey_rows"] == 0


# --------------------------------------------------------------------------- the page


def test_page_shows_the_borough(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), f"/borough/{BARNET}")
    assert "Barnet" in texts(tree)
    assert body_rows(tree, "borough-systems-table") == [
        ["Education and Schools", "Capita One", "Capita", *body_rows(tree, "borough-systems-table")[0][3:]],
        ["Not known", "not named", "O'Brien & Sons Ltd", *body_rows(tree, "borough-systems-table")[1][3:]],
    ]
    running, ended = (status.status(date.today() + timedelta(days=d), None, date.today()) for d in (800, -100))
    assert body_rows(tree, "borough-systems-table")[0][5:] == [status.label(running), "£50k", "–", "–", "–"]
    assert body_rows(tree, "borough-systems-table")[1][5] == status.label(ended) == "Ended"
    # Barnet sent no survey return in the tiny database: said atop the page
    assert texts(by_id(tree, "survey-notice")) == ["Barnet has sent no survey return: only open notices are shown."]
    assert [r[0] for r in body_rows(tree, "borough-suppliers-table")] == ["Capita", "O'Brien & Sons Ltd"]
    assert "2" in texts(by_id(tree, "borough-contracts"))
    assert texts(by_id(tree, "coverage-survey")) == ["No: this build has no survey return from this borough."]
    assert texts(by_id(tree, "coverage-open-data")) == ["1 from contracts finder, 1 from register"]
    assert by_id(tree, "contracts-link")["props"]["href"] == f"/contracts?borough={BARNET}"
    assert by_id(tree, "matrix-link")["props"]["href"] == "/matrix"


def test_page_ending_soon_and_survey_rows(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/borough/E09000001")
    assert body_rows(tree, "borough-ending-table")[0][1] == "Within 12 months"
    assert texts(by_id(tree, "borough-ending-summary")) == [
        "Ending within 12 months: 1; within 24 months (including those): 1."
    ]
    assert texts(by_id(tree, "coverage-survey")) == ["Yes: 1 row in the database."]


def test_page_on_the_sample_lists_camden(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/borough/camden")
    assert "Camden" in texts(tree)
    assert len(body_rows(tree, "borough-systems-table")) == bq.ROW_LIMIT  # of 27: the first, and "See them all"
    assert texts(by_id(tree, "borough-systems-cut"))[0] == f"Showing the first {bq.ROW_LIMIT} of 27 contracts. "
    assert "camden_survey_return.xlsx: 27 rows loaded of 27 read (0 rejected, 0 skipped)" in texts(
        by_id(tree, "coverage-survey")
    )


def test_query_round_trip_and_filters(sample_build, render_page):
    """The matrix's query comes in, applies its filters, and goes back out unchanged to the matrix;
    the link to the contracts view carries that view's keys only (``measure`` is the matrix's)."""
    search = f"?supplier=Civica+UK+Limited&measure=annual_value&borough={BARNET}"
    tree = render_page(create_app(sample_build[0]), f"/borough/{CAMDEN}", search)
    assert texts(by_id(tree, "filtered-notice"))  # says the list is filtered
    rows = body_rows(tree, "borough-systems-table")
    assert rows and {r[2] for r in rows} == {"Civica UK Limited"}
    assert query_of(by_id(tree, "matrix-link")["props"]["href"]) == parse_qs(search[1:])
    contracts = query_of(by_id(tree, "contracts-link")["props"]["href"])
    assert contracts == {"supplier": ["Civica UK Limited"], "borough": [CAMDEN]}


def test_injection_in_a_filter_is_a_literal_value(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), f"/borough/{BARNET}", "?q=" + quote("' OR 1=1 --"))
    assert body_rows(tree, "borough-systems-table") == []
    assert "0" in texts(by_id(tree, "borough-contracts"))


def test_export_is_the_systems_table(tiny_db, render_page):
    assert EXPORTS["borough"] is logic.systems_table
    with db.cursor(tiny_db) as cursor:
        headings, rows = EXPORTS["borough"](cursor, {"borough": BARNET})
        assert EXPORTS["borough"](cursor, {}) == (headings, [])  # no borough named: nothing
    assert headings == logic.EXPORT_HEADINGS and headings[: len(logic.SYSTEM_HEADINGS)] == logic.SYSTEM_HEADINGS
    shown = body_rows(render_page(create_app(tiny_db), f"/borough/{BARNET}"), "borough-systems-table")
    assert len(rows) == len(shown)
    assert [r[1] for r in rows] == ["Capita One", None]
    assert rows[0][3] == date.today() + timedelta(days=800)  # raw values for spreadsheets
    assert [r[5] for r in rows] == [r[5] for r in shown]  # the status, as the page says it


def test_borough_page_shows_whom_to_call_to_members_only(full_sample_build, render_page):
    from dashboard.queries import my_borough as contacts_q

    app = create_app(full_sample_build[0])
    code = "E09000014"  # Haringey's survey rows name their contract owners
    member = render_page(app, f"/borough/{code}")
    with db.cursor(full_sample_build[0]) as cur:
        _h, exported = logic.systems_table(cur, {"borough": [code]})
        rows, _ = bq.systems(cur, code)
        known = contacts_q.contacts(cur, [r["contract_id"] for r in rows])
    contact = logic.SYSTEM_HEADINGS.index("Contact")
    shown = [r[contact] for r in body_rows(member, "borough-systems-table")]
    assert [c for c in shown if c != "–"] and len([c for c in shown if c != "–"]) == len(known)
    named = [r[contact] for r in exported if r[contact]]  # the export holds every contract, the page the first
    assert named[: len(known)] == [c for c in shown if c != "–"] and len(exported) >= len(shown)
    assert not [n for n in walk(member) if n["props"].get("id") == "contacts-note"]
    public = render_page(app, f"/borough/{code}", member=False)
    with access.members(False), db.cursor(full_sample_build[0]) as cur:
        open_only = contacts_q.contacts(cur, [r["contract_id"] for r in rows])
    assert {v["source"] for v in open_only.values()} <= {"open notice"} and len(open_only) < len(known)
    public_shown = [r[contact] for r in body_rows(public, "borough-systems-table") if r[contact] != "–"]
    assert len(public_shown) == len(open_only)
    assert "signed-in members" in " ".join(texts(by_id(public, "contacts-note")))


def test_content_takes_an_injected_today(cur):
    barnet = logic.resolve(BARNET)
    later = page.content(cur, barnet, {}, today=date.today() + timedelta(days=500))
    assert "Ending within 12 months: 1; within 24 months (including those): 1." in texts(later)


def test_the_scope_is_not_a_filter_of_the_borough_page():
    """scope=all widens the page; it does not narrow it, so the page does not say it is filtered."""
    assert logic.is_filtered({"scope": "all"}) is False
    assert logic.is_filtered({"scope": "all", "q": "pay"}) is True


def test_a_framework_is_labelled_in_the_boroughs_tables(tmp_path, contracts_db_builder):
    from dashboard.queries import borough as bq

    path = contracts_db_builder(
        tmp_path / "f.duckdb",
        [{"supplier_name": "Capita", "supplier_count": 4, "service_area": "Revenues and Benefits"}],
    )
    with db.cursor(path) as cur:
        rows, _ = bq.systems(cur, CAMDEN)
        ending = bq.page(cur, CAMDEN)["ending"]
    assert logic.system_cells(rows)[0][2] == "Capita and 3 others (framework)"
    assert logic.ending_cells(ending)[0][5] == "Capita and 3 others (framework)"


def test_ending_soon_shows_each_contracts_status_as_a_badge_with_its_words(tiny_db, render_page):
    """The one rule (``dashboard.status``): the word on the badge is the status the rule gives that contract."""
    today = date.today()
    tree = render_page(create_app(tiny_db), "/borough/E09000001")
    (row,) = body_rows(tree, "borough-ending-table")
    from dashboard.logic.my_borough import status_words

    expected = status.status(today + timedelta(days=30), None, today)
    assert logic.ENDING_HEADINGS[2] == "Status" and row[2] == status_words(expected)
    assert status.label(expected) in row[2]
    tbody = next(n for n in walk(by_id(tree, "borough-ending-table")) if n["type"] == "Tbody")
    badges = [n for n in walk(tbody) if n["type"] == "Badge"]
    assert [texts(b) for b in badges] == [[status_words(expected)]]
    assert badges[0]["props"]["color"] == status.BADGES[expected]
    with db.cursor(tiny_db) as cursor:  # as text (no badge) the cells say the status's label
        assert logic.ending_cells(bq.page(cursor, "E09000001")["ending"])[0][2] == status.label(expected)
    # judged on the day the page is for: 500 days on, Barnet's 800-day contract is within 24 months
    with db.cursor(tiny_db) as cursor:
        later = page.content(cursor, logic.resolve(BARNET), {}, today=today + timedelta(days=500))
    table = next(n for n in walk(later) if n["props"].get("id") == "borough-ending-table")
    word = status_words(status.status(today + timedelta(days=800), None, today + timedelta(days=500)))
    assert [r[2] for r in body_rows(table, "borough-ending-table")] == [word]


def test_long_lists_are_cut_and_say_how_many_there_are(tiny_db, render_page, monkeypatch):
    monkeypatch.setattr(bq, "ROW_LIMIT", 1)
    monkeypatch.setattr(bq, "SUPPLIER_LIMIT", 1)
    tree = render_page(create_app(tiny_db), f"/borough/{BARNET}")
    assert len(body_rows(tree, "borough-systems-table")) == 1
    assert texts(by_id(tree, "borough-systems-cut"))[0] == "Showing the first 1 of 2 contracts. "
    assert len(body_rows(tree, "borough-suppliers-table")) == 1
    assert texts(by_id(tree, "borough-suppliers-cut"))[0] == "Showing the first 1 of 2 suppliers. "
    link = next(n for n in walk(by_id(tree, "borough-suppliers-cut")) if n["type"] == "Link")
    assert urlsplit(link["props"]["href"]).path == "/suppliers" and query_of(link["props"]["href"]) == {
        "borough": [BARNET]
    }
    with db.cursor(tiny_db) as cursor:
        _h, exported = logic.systems_table(cursor, {"borough": [BARNET]})
    assert len(exported) == 2  # the export holds every contract, not only the ones the page lists


def test_bad_url_values_stay_until_dismissed(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), f"/borough/{BARNET}", "?end_from=yesterday&measure=bogus")
    alerts = [n for n in walk(tree) if "url-problem" in str(n["props"].get("className"))]
    assert len(alerts) == 2 and all(a["props"]["dismissable"] for a in alerts)
    assert any("yesterday" in " ".join(texts(a)) for a in alerts)


def test_short_lists_fold_after_their_first_rows_and_wide_columns_leave_a_phone(sample_build, render_page):
    """The suppliers and ending-soon lists show their first rows and fold the rest ("Show n more", no
    request); "See them all" still leads to every one; the systems table's secondary columns are left
    out on a phone only (``PHONE_HIDDEN``), so it fits the screen without scrolling sideways."""
    tree = render_page(create_app(sample_build[0]), f"/borough/{CAMDEN}")
    with db.cursor(sample_build[0]) as cur:
        found = bq.page(cur, CAMDEN)
    for table_id, rows in (("borough-suppliers-table", found["suppliers"]), ("borough-ending-table", found["ending"])):
        assert len(rows) > page.FOLD_AFTER  # the sample's Camden has more than fit before the fold
        head, rest = body_rows(tree, table_id), body_rows(tree, f"{table_id}-more")
        assert len(head) == page.FOLD_AFTER and len(head) + len(rest) == len(rows)
        fold = by_id(tree, f"{table_id}-fold")
        assert fold["type"] == "Details" and texts(fold)[0] == f"Show {len(rest)} more"
    shown = body_rows(tree, "borough-suppliers-table") + body_rows(tree, "borough-suppliers-table-more")
    assert [r[0] for r in shown] == [s["supplier_name"] or "not recorded" for s in found["suppliers"]]  # in order
    heads = [n for n in walk(by_id(tree, "borough-systems-table")) if n["type"] == "Th"]
    hidden = [texts(h)[0] for h in heads if page.PHONE_HIDDEN in (h["props"].get("className") or "")]
    assert hidden == ["Service area", "Supplier", "Latest end", "Confidence (1-5)", "Satisfaction (1-5)", "Contact"]
    assert not {"System", "Contract end", "Status"} & set(hidden)
