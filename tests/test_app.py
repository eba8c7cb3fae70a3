"""The app through Flask's test client: the index page, the shell, and the overview page.

Dash pages fill the page body through the pages router callback, not /_dash-layout (which
holds only the shell), so the overview is rendered with ``render_page`` from conftest.py.
"""

from __future__ import annotations

import importlib
import math
import re
from datetime import date
from urllib.parse import quote

import duckdb
import pytest
from dash import html
from dash.development.base_component import Component
from pagetree import by_id, md_rows, texts, walk

import app as app_module
from app import create_app
from dashboard import db
from dashboard.pages import borough, contracts, expiring, overview
from dashboard.texts import NO_DATABASE, SAMPLE_NOTICE


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def test_index_page_declares_its_language(tiny_db):
    response = create_app(tiny_db).server.test_client().get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>City Tools</title>" in html
    assert "/assets/vendor/bootstrap.min.css" in html and "/assets/style.css" in html


def test_assets_are_served_locally(tiny_db):
    client = create_app(tiny_db).server.test_client()
    assert client.get("/assets/vendor/bootstrap.min.css").status_code == 200
    assert client.get("/assets/style.css").status_code == 200


def test_layout_is_the_shell_with_navbar(tiny_db):
    layout = create_app(tiny_db).server.test_client().get("/_dash-layout").get_json()
    assert "City Tools" in texts(layout)
    assert "Overview" in texts(layout)
    assert any(n["props"].get("id") == "_pages_content" for n in walk(layout))


def test_overview_shows_sample_notice_and_headline_numbers(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/")
    assert by_id(page, "sample-notice")["props"]["role"] == "status"
    assert SAMPLE_NOTICE in texts(page)
    assert "3 of 33" in texts(by_id(page, "stat-boroughs"))
    assert "4" in texts(by_id(page, "stat-contracts"))
    assert "3" in texts(by_id(page, "stat-systems"))
    assert "4" in texts(by_id(page, "stat-suppliers"))
    assert "£400k" in texts(by_id(page, "stat-annual-value"))
    assert "1" in texts(by_id(page, "stat-ending-12m"))
    assert "2" in texts(by_id(page, "stat-ending-24m"))
    assert "Data as of 1 March 2026" in texts(by_id(page, "data-as-of"))


def test_overview_charts_have_titles_and_table_alternatives(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/")
    graphs = [n for n in walk(page) if n["type"] == "Graph"]
    titles = [g["props"]["figure"]["layout"]["title"]["text"] for g in graphs]
    assert titles == ["Contracts by borough, by source of the record", "Contracts by service area"]
    details = [n for n in walk(page) if n["type"] == "Details"]
    assert len(details) == 2
    boroughs = [row[0] for row in md_rows(details[0])]
    assert "Barking and Dagenham" in boroughs and "Westminster" in boroughs  # zero rows too
    assert len(boroughs) == 33 and "O'Brien & Sons Ltd" not in boroughs


def test_overview_renders_data_as_text_only(tiny_db, render_page):
    """No HTML from the data: the chart tables are Markdown whose every value is escaped
    (``layout.markdown_text``: no link, tag or emphasis can come from a value), never raw HTML."""
    page = render_page(create_app(tiny_db), "/")
    assert not [n for n in walk(page) if "dangerously_allow_html" in n["props"]]
    tables = [n for n in walk(page) if n["type"] == "Markdown"]
    assert len(tables) == 2
    for table in tables:
        for line in table["props"]["children"].split("\n")[2:]:
            cells = line.strip("|").split(" | ")
            assert all(not re.search(r"[<>\[\]()*_`]", c) for c in cells), line  # every mark a reference


def test_no_sample_notice_for_real_data(tiny_db_not_sample, render_page):
    page = render_page(create_app(tiny_db_not_sample), "/")
    assert SAMPLE_NOTICE not in texts(page)
    assert "4" in texts(by_id(page, "stat-contracts"))


def test_missing_database_shows_how_to_build_it(tmp_path, render_page):
    app = create_app(tmp_path / "missing.duckdb")
    assert app.server.test_client().get("/").status_code == 200
    page = render_page(app, "/")
    assert NO_DATABASE in texts(page)
    assert "make data" in NO_DATABASE
    assert not [n for n in walk(page) if n["type"] == "Graph"]


def test_unreadable_database_says_to_rebuild(tmp_path, render_page):
    path = tmp_path / "broken.duckdb"
    path.write_text("not a database")
    page = render_page(create_app(path), "/")
    assert any("could not be read" in t for t in texts(page))


def test_default_database_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYTOOLS_DB", str(tmp_path / "from-env.duckdb"))
    assert create_app().server.config[db.CONFIG_KEY] == str(tmp_path / "from-env.duckdb")


def test_importing_app_without_a_database_works(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYTOOLS_DB", str(tmp_path / "absent.duckdb"))
    module = importlib.reload(app_module)
    assert module.server is module.app.server
    assert module.server.test_client().get("/").status_code == 200


def not_plain(node, where: str = "") -> list[str]:
    """Where a layout tree holds something other than components and plain JSON values.

    Plain means what the standard library's ``json.dumps(allow_nan=False)`` accepts. Dash's own
    encoder turns a date, a numpy number or a plotly Figure into JSON without complaint, so the
    rendered response cannot show them; the tree the page function returns can.
    """
    if isinstance(node, Component):
        return not_plain(node.to_plotly_json()["props"], f"{where}/{type(node).__name__}")
    if isinstance(node, dict):
        return [bad for key, value in node.items() for bad in not_plain(value, f"{where}.{key}")]
    if isinstance(node, list | tuple):
        return [bad for i, value in enumerate(node) for bad in not_plain(value, f"{where}[{i}]")]
    if isinstance(node, float) and not math.isfinite(node):
        return [f"{where}: {node!r}"]
    if node is None or isinstance(node, str | int | float):  # bool is an int
        return []
    return [f"{where}: {type(node).__name__}"]


def test_the_plain_data_check_finds_what_it_looks_for():
    assert not_plain([html.P("5 March 2026", title="x"), {"y": [1, 2.5, None, True]}]) == []
    assert not_plain([html.P(date(2026, 3, 5))]) == ["[0]/P.children: date"]
    assert not_plain({"figure": {"data": [{"x": {1, 2}}]}, "v": float("nan")}) == [
        ".figure.data[0].x: set",
        ".v: nan",
    ]


@pytest.mark.parametrize(
    ("page", "path", "kwargs"),
    [(overview, "/", {}), (contracts, "/contracts", {}), (expiring, "/expiring", {}),
     (borough, "/borough/E09000003", {"code": "E09000003"})],
    ids=["overview", "contracts", "expiring", "borough"],
)  # fmt: skip
def test_layout_is_plain_data(tiny_db, page, path, kwargs):
    """The page tree is components and plain JSON values: no figure objects, dates, numpy values or NaN."""
    app = create_app(tiny_db)
    with app.server.test_request_context(path):
        tree = page.layout(**kwargs)
    assert any(isinstance(n, Component) and getattr(n, "id", None) == "data-as-of" for n in _components(tree))
    assert not_plain(tree) == []


def _components(node):
    """Every component of a tree of Dash components (not yet turned into JSON)."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from _components(child)
    elif isinstance(node, Component):
        yield node
        yield from _components(getattr(node, "children", None))


def test_overview_on_the_built_sample(sample_build, render_page):
    """The real ETL output, not a hand-made database: the notice shows and the counts agree."""
    db, result = sample_build
    page = render_page(create_app(db), "/")
    assert SAMPLE_NOTICE in texts(page)
    assert "22 of 33" in texts(by_id(page, "stat-boroughs"))
    assert f"{result.contracts:,}" in texts(by_id(page, "stat-contracts"))


def test_merged_survey_and_open_data_show_in_the_overview(full_sample_build, render_page):
    """The sample's notices that are the same contracts as survey rows appear as one contract each."""
    db, _ = full_sample_build
    page = render_page(create_app(db), "/")
    details = next(n for n in walk(page) if n["type"] == "Details")
    headings = [h.strip() for h in next(n for n in walk(details) if n["type"] == "Markdown")["props"]["children"]
                .split("\n")[0].strip("|").split("|")]  # fmt: skip
    assert "Survey and open data" in headings
    with duckdb.connect(str(db), read_only=True) as con:
        (both,) = con.execute(
            "SELECT count(*) FROM contracts WHERE list_contains(sources, 'survey') AND len(sources) > 1"
            " AND borough_code IS NOT NULL"
        ).fetchone()
    assert both >= 17
    figure = next(n for n in walk(page) if n["type"] == "Graph")["props"]["figure"]
    both_trace = next(t for t in figure["data"] if t["name"] == "Survey and open data")
    assert sum(both_trace["x"]) == both


def test_every_page_says_when_the_returns_were_made_and_the_latest_notice(full_sample_build, render_page):
    """The build date alone would hide that the sample's returns are from 2019."""
    path, _ = full_sample_build
    with db.cursor(path) as cur:
        (latest,) = cur.execute(
            "SELECT max(published_date) FROM contract_records WHERE source NOT IN ('survey', 'listing')"
        ).fetchone()
    line = "".join(texts(by_id(render_page(create_app(path), "/contracts"), "data-as-of")))
    assert " · survey returns made June 2019" in line
    assert f" · latest notice published {latest.day} {latest:%B %Y}" in line


# --------------------------------------------------------------------------- the shell: phone, keyboard, cross-filters


def test_shell_has_a_collapsing_menu_a_folded_filter_bar_and_a_skip_link(tiny_db):
    from dashboard import filters
    from dashboard.layout import CONTENT

    tree = create_app(tiny_db).server.test_client().get("/_dash-layout").get_json()
    toggle = by_id(tree, filters.MENU_TOGGLE)["props"]
    assert (toggle["aria-controls"], toggle["aria-expanded"]) == (filters.MENU, "false")
    assert by_id(tree, filters.MENU)["props"]["is_open"] is False
    assert by_id(tree, "skip-content")["props"]["href"] == f"#{CONTENT}"
    assert by_id(tree, filters.FILTER_TOGGLE)["props"]["aria-controls"] == filters.FILTER_BODY
    assert "open" not in by_id(tree, filters.FILTER_BODY)["props"]["className"].split()
    # the content the skip link lands on comes after the filter bar
    ids = [n["props"].get("id") for n in walk(tree)]
    assert ids.index(filters.BAR) < ids.index(CONTENT)


@pytest.mark.parametrize(
    ("search", "n", "label"),
    [("", 0, "Filters"), ("?borough=E09000007&borough=E09000005", 1, "Filters (1 set)"),
     ("?borough=E09000007&q=pay&scope=all&window_months=6", 3, "Filters (3 set)"), ("?borough=nonsense", 0, "Filters")],
)  # fmt: skip
def test_filters_set_counts_the_urls_filters(search, n, label):
    from dashboard import filters

    assert filters.filters_set(search) == n
    assert filters.toggle_label(filters.filters_set(search)) == label


@pytest.mark.parametrize(
    ("click", "value"),
    [({"points": [{"customdata": "E09000007"}]}, "E09000007"),
     ({"points": [{"customdata": ["Housing &amp; &lt;Homes&gt;", "reading", 3]}]}, "Housing & <Homes>"),
     ({"points": [{"customdata": None}]}, None), ({"points": []}, None), (None, None), ("x", None),
     ({"points": [{"customdata": {"a": 1}}]}, None), ({"points": [{"customdata": "  "}]}, None)],
)  # fmt: skip
def test_clicked_value_reads_customdata_and_nothing_else(click, value):
    from dashboard import filters

    assert filters.clicked_value(click) == value


def test_cross_filter_adds_the_clicked_value_and_keeps_the_views_keys():
    from dashboard import filters

    def click(v):
        return {"points": [{"customdata": v}]}

    new = filters.cross_filtered(click("E09000007"), "?measure=annual_value", "/matrix", "borough")
    assert new == "?borough=E09000007&measure=annual_value"
    both = filters.cross_filtered(click("E09000005"), new, "/matrix", "borough")
    assert both == "?borough=E09000005&borough=E09000007&measure=annual_value"
    assert filters.cross_filtered(click("E09000005"), both, "/matrix", "borough") is None  # already there
    assert filters.cross_filtered(click("nonsense"), "", "/", "borough") is None  # not a borough: no change
    assert filters.cross_filtered(click("E09000007"), "", "/", "measure") is None  # only list filters


def test_same_view_compares_meaning_not_spelling():
    """A control echoing the URL must not rewrite it: the page's notes on ignored values would go."""
    from dashboard import filters

    assert filters.same_view("", "?cpv=zz&months=99", "/expiring")
    assert filters.same_view("?borough=E09000007", "?borough=e09000007&borough=XYZ", "/")
    assert not filters.same_view("?borough=E09000005", "?borough=E09000007", "/")


def test_overview_bars_filter_by_borough_and_service_area(tiny_db, render_page):
    from dashboard import filters

    tree = render_page(create_app(tiny_db), "/")
    boroughs = by_id(tree, "overview-borough-chart")["props"]["figure"]["data"][0]
    assert boroughs["customdata"][0] == "E09000001"
    areas = by_id(tree, "overview-service-area-chart")["props"]["figure"]["data"][0]
    by_area = dict(zip(areas["y"], areas["customdata"], strict=True))
    assert by_area["Not known"] is None  # no filter picks contracts without an area
    first = areas["y"][0]
    new = filters.cross_filtered({"points": [{"customdata": by_area[first]}]}, "", "/", "service_area")
    assert new == "?service_area=" + quote(first)


def test_overview_headline_says_how_few_suppliers_hold_half(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/")
    # tiny: 4 contracts, 4 suppliers with one each, so two hold half
    assert texts(by_id(tree, "overview-headline"))[0] == "2 suppliers hold 50% of contracts"


def test_overview_empty_result_says_why_and_how_to_widen(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/", "?supplier=Nobody%20Ltd&end_from=2020-01-01")
    message = by_id(tree, "overview-empty")
    words = " ".join(texts(message))
    assert "No contracts match these filters (Supplier: Nobody Ltd; Contract end from: 2020-01-01)" in words
    link = next(n for n in walk(message) if n["type"] == "Link")
    assert link["props"]["href"] == "/"  # cleared
    assert not any(n["props"].get("id") == "overview-borough-chart" for n in walk(tree))


def _view_paths() -> list[str]:
    from dashboard import views

    return [v.path.replace("<code>", "E09000007") for v in views.ALL]


@pytest.mark.parametrize("path", _view_paths())
def test_bad_url_values_are_dismissable_warnings_on_every_view(tiny_db, render_page, path):
    """Every view says what it ignored in its URL in a warning kept until dismissed (issue 13, part 8)."""
    tree = render_page(create_app(tiny_db), path, "?end_from=not-a-date&page=-3")
    alerts = [n for n in walk(tree) if "url-problem" in (n["props"].get("className") or "")]
    assert alerts and all(a["props"]["dismissable"] is True for a in alerts)
    assert any("not-a-date" in " ".join(texts(a)) for a in alerts)
