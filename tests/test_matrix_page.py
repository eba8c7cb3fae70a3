"""Boroughs x service areas: its queries, the London tile grid and figure, the page through the router.

Expected values on the built sample come from DuckDB in the test with a different, simpler
query on ``contract_records``, so a wrong join or grouping in the view cannot agree with itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pagetree import by_id, query_of, texts, walk

from app import create_app
from dashboard import db, links, views
from dashboard.figures import matrix as fm
from dashboard.logic import matrix as lm
from dashboard.pages import matrix as page
from dashboard.queries import matrix as mq
from dashboard.views import EXPORTS
from etl import reference

CAMDEN = "E09000007"
INJECTION = "x' OR '1'='1' --"


def grid(tree) -> dict:
    """The matrix: one AgGrid component, its rows and columns as props."""
    node = by_id(tree, "matrix-table")
    assert node["type"] == "AgGrid"
    return node


def grid_rows(tree) -> list[dict]:
    return grid(tree)["props"]["rowData"]


def matrix_rows(tree) -> list[str]:
    return [r["code"] for r in grid_rows(tree)]


def row_of(tree, code: str) -> dict:
    return next(r for r in grid_rows(tree) if r["code"] == code)


def cell_keys(row: dict) -> list[str]:
    """The service-area cells a grid row holds (an empty cell has no key)."""
    return [k for k in row if k not in ("code", "borough", "href") and "__" not in k]


def lines(row: dict) -> list[str]:
    """A grid row's cell text, a cell's lines apart (its systems and its value a line each)."""
    return [line for k in cell_keys(row) for line in row[k].split("\n")]


def leaf_columns(tree) -> list[dict]:
    return [child for d in grid(tree)["props"]["columnDefs"] for child in d.get("children", [d])]


def graph_title(tree) -> str:
    graph = next(n for n in walk(tree) if n["type"] == "Graph")
    return graph["props"]["figure"]["layout"]["title"]["text"]


# --------------------------------------------------------------------------- tile grid and figures


def test_tile_grid_has_every_authority_once_each_in_its_own_place():
    codes = [code for code, *_ in fm.GRID]
    assert sorted(codes) == sorted(b.code for b in reference.boroughs())
    assert len(set(codes)) == 33
    assert len({(row, col) for *_, row, col in fm.GRID}) == 33
    labels = [label for _, label, *_ in fm.GRID]
    assert len(set(labels)) == 33 and all(len(label) == 3 and label.isupper() for label in labels)
    names = reference.borough_names()
    assert all(names[code][0] == label[0] for code, label, *_ in fm.GRID)  # CMD is Camden, not Croydon's code


def test_tile_grid_is_roughly_geographic():
    place = {code: (row, col) for code, _, row, col in fm.GRID}
    names = {b.name: b.code for b in reference.boroughs()}
    assert [c for c, (r, _) in place.items() if r == 0] == [names["Enfield"]]  # the north
    assert place[names["Hillingdon"]][1] == 0 and place[names["Havering"]][1] == fm.COLUMNS - 1
    bottom = {c for c, (r, _) in place.items() if r == fm.ROWS - 1}
    assert bottom == {names["Croydon"], names["Sutton"]}
    city_row, city_col = place["E09000001"]
    assert city_row == fm.ROWS // 2 and abs(city_col - (fm.COLUMNS - 1) / 2) <= 0.5
    assert place[names["Westminster"]] == (city_row, city_col - 1)  # the City's western neighbour


@pytest.mark.parametrize("measure", list(mq.MEASURES))
def test_tile_figure_names_its_measure_and_draws_one_tile_per_borough(measure):
    figure = fm.tile_figure({CAMDEN: 3, "E09000001": 1}, mq.MEASURES[measure])
    assert figure["layout"]["title"]["text"] == mq.MEASURES[measure].title
    assert len(figure["layout"]["shapes"]) == 33
    tiles = figure["data"][0]
    assert len(tiles["x"]) == len(tiles["hovertext"]) == 33
    assert sum("Camden" in h for h in tiles["hovertext"]) == 1


def test_tile_figure_greys_boroughs_without_data_and_scales_the_rest():
    figure = fm.tile_figure({CAMDEN: 10, "E09000001": 0}, mq.MEASURES["contracts"])
    fills = {code: shape["fillcolor"] for (code, *_), shape in zip(fm.GRID, figure["layout"]["shapes"], strict=True)}
    assert fills[CAMDEN] == fm.SEQUENTIAL[-1]
    assert fills["E09000001"] == fm.SEQUENTIAL[0]  # zero is a value, not "no data"
    assert fills["E09000003"] == fm.NO_DATA
    hover = dict(zip((code for code, *_ in fm.GRID), figure["data"][0]["hovertext"], strict=True))
    assert hover["E09000003"] == "Barnet<br>Contracts: no data"
    assert hover[CAMDEN] == "Camden<br>Contracts: 10"
    assert figure["data"][1]["marker"]["showscale"] is True


def test_tile_figure_without_data_says_so():
    figure = fm.tile_figure({}, mq.MEASURES["annual_value"])
    assert {s["fillcolor"] for s in figure["layout"]["shapes"]} == {fm.NO_DATA}
    assert any(a["text"] == "No contracts match" for a in figure["layout"]["annotations"])
    assert len(figure["data"]) == 1  # no colour bar for an empty scale


def test_colours_are_on_the_sequential_scale_with_readable_text():
    assert fm.colour(None, 0, 1) == fm.NO_DATA
    assert fm.colour(-5, 0, 10) == fm.SEQUENTIAL[0]
    assert fm.colour(50, 0, 10) == fm.SEQUENTIAL[-1]
    assert fm.text_colour(fm.SEQUENTIAL[0]) == fm.DARK_TEXT
    assert fm.text_colour(fm.SEQUENTIAL[-1]) == fm.LIGHT_TEXT
    m = mq.MEASURES
    assert fm.domain([2.5, 4.0], m["avg_satisfaction"]) == (1.0, 5.0)
    assert fm.domain([3, None, 7], m["contracts"]) == (0.0, 7.0)
    assert fm.fmt_value(1_250_000, m["annual_value"]) == "£1.2m"
    assert fm.fmt_value(3.25, m["avg_confidence"]) == "3.2"
    assert fm.fmt_value(None, m["contracts"]) == "–"
    assert fm.fmt_value(None, m["avg_confidence"]) == fm.fmt_value(None, m["annual_value"]) == "–"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "contracts"),
        ("suppliers", "suppliers"),
        (["nonsense", "annual_value", "systems"], "annual_value"),
        ("count(*); DROP TABLE contracts", "contracts"),
    ],
)
def test_measure_comes_from_the_whitelist(raw, expected):
    assert mq.measure_key(raw) == expected


def test_link_to_changes_one_key_and_keeps_the_rest():
    query = {"borough": ["E09000001", "E09000003"], "q": "pay & go", "measure": "systems", "end_to": ""}
    href = links.href("matrix", query, measure="annual_value")
    assert query_of(href) == {"borough": ["E09000001", "E09000003"], "q": ["pay & go"], "measure": ["annual_value"]}
    assert links.href("matrix", {}) == "/matrix"


# --------------------------------------------------------------------------- queries on the tiny database


def test_borough_values_per_measure(cur):
    today = date.today()
    assert mq.borough_values(cur, {}, "contracts") == {"E09000001": 1, "E09000002": 1, "E09000003": 2}
    assert mq.borough_values(cur, {}, "systems") == {"E09000001": 1, "E09000002": 1, "E09000003": 1}
    assert mq.borough_values(cur, {}, "annual_value") == {
        "E09000001": 100_000,
        "E09000002": 250_000,
        "E09000003": 50_000,
    }
    assert mq.borough_values(cur, {}, "ending_24m", today) == {"E09000001": 1, "E09000002": 1, "E09000003": 0}
    # from 500 days on, Barnet's 800-day contract is within 24 months and the others have ended
    later = today + timedelta(days=500)
    assert mq.borough_values(cur, {}, "ending_24m", later) == {"E09000001": 0, "E09000002": 0, "E09000003": 1}
    assert mq.borough_values(cur, {}, "avg_satisfaction") == {"E09000001": None, "E09000002": None, "E09000003": None}


def test_borough_values_respect_filters(cur):
    assert mq.borough_values(cur, {"supplier": "Civica"}, "contracts") == {"E09000001": 1}  # TfL's is not a borough's
    assert mq.borough_values(cur, {"q": "o'brien"}, "contracts") == {"E09000003": 1}
    assert mq.borough_values(cur, {"supplier": INJECTION}, "contracts") == {}


def test_matrix_cells_list_systems_with_suppliers(cur):
    values, cells = mq.matrix(cur, {}, "annual_value")
    assert cells[("E09000003", "Education and Schools")] == {
        "contracts": 1,
        "value": 50_000,
        "systems": [{"system": "Capita One", "contracts": 1, "suppliers": ["Capita"], "more_suppliers": 0}],
        "more_systems": 0,
    }
    # a contract without service area or system is kept, in its own column, as a count
    assert cells[("E09000003", None)]["systems"] == [
        {"system": None, "contracts": 1, "suppliers": ["O'Brien & Sons Ltd"], "more_suppliers": 0}
    ]
    assert ("E09000004", "Education and Schools") not in cells
    assert values == mq.borough_values(cur, {}, "annual_value")


@pytest.mark.parametrize("measure", sorted(mq.MEASURES))
def test_one_query_gives_the_tile_values_and_the_cells_of_separate_ones(sample_cur, measure):
    """The grouping-sets query agrees with a plain GROUP BY per borough and per cell, for every measure."""
    values, cells = mq.matrix(sample_cur, {"scope": "all"}, measure)
    alone = mq.borough_values(sample_cur, {"scope": "all"}, measure)
    assert values.keys() == alone.keys()
    assert [values[k] is None for k in alone] == [v is None for v in alone.values()]
    assert {k: v for k, v in values.items() if v is not None} == pytest.approx(
        {k: v for k, v in alone.items() if v is not None}
    )
    expr = mq.MEASURES[measure].sql
    params = [date.today(), date.today()] if mq.MEASURES[measure].dated else []
    plain = sample_cur.execute(
        f"SELECT borough_code, service_area, count(*), {expr} FROM contracts WHERE borough_code IS NOT NULL "
        "GROUP BY ALL",
        params,
    ).fetchall()
    assert {(c, a): n for c, a, n, _v in plain} == {k: c["contracts"] for k, c in cells.items()}
    assert {(c, a): v for c, a, _n, v in plain if v is not None} == pytest.approx(
        {k: c["value"] for k, c in cells.items() if c["value"] is not None}
    )


def test_only_the_systems_shown_leave_the_database_with_how_many_more(sample_cur):
    """Capped, a cell keeps its systems with most contracts (in order) and says how many it left out."""
    _v, full = mq.matrix(sample_cur, {}, "contracts")
    _v, capped = mq.matrix(sample_cur, {}, "contracts", systems_shown=1, suppliers_shown=1)
    assert full.keys() == capped.keys()
    many = [k for k, c in full.items() if len(c["systems"]) > 1]
    assert many, "the sample has cells with several systems"
    for key, cell in full.items():
        got = capped[key]
        assert [s["system"] for s in got["systems"]] == [s["system"] for s in cell["systems"][:1]]
        assert got["more_systems"] == len(cell["systems"]) - 1
        assert full[key]["more_systems"] == 0
        for s_full, s_cap in zip(cell["systems"], got["systems"], strict=False):
            assert s_cap["suppliers"] == s_full["suppliers"][:1]
            assert s_cap["more_suppliers"] == len(s_full["suppliers"]) - len(s_cap["suppliers"])
        counts = [s["contracts"] for s in cell["systems"] if s["system"] is not None]
        assert counts == sorted(counts, reverse=True)  # most contracts first


# --------------------------------------------------------------------------- queries on the built sample


def test_sample_matrix_cells_equal_the_records(sample_cur):
    """Every cell's systems and suppliers are exactly the sample records' for that borough and area."""
    expected: dict[tuple, tuple[set, set]] = {}
    for code, area, system, supplier in sample_cur.execute(
        "SELECT borough_code, service_area, system_name, supplier_name FROM contract_records "
        "WHERE borough_code IS NOT NULL"
    ).fetchall():
        systems, suppliers = expected.setdefault((code, area), (set(), set()))
        systems.add(system)
        if supplier:
            suppliers.add(supplier)
    _values, cells = mq.matrix(sample_cur, {}, "contracts")
    assert cells.keys() == expected.keys()
    for key, cell in cells.items():
        assert {s["system"] for s in cell["systems"]} == expected[key][0], key
        assert {x for s in cell["systems"] for x in s["suppliers"]} == expected[key][1], key
    (records,) = sample_cur.execute("SELECT count(*) FROM contract_records WHERE borough_code IS NOT NULL").fetchone()
    assert sum(c["contracts"] for c in cells.values()) == records


def test_sample_mosaic_boroughs_show_mosaic_in_social_care(sample_cur):
    from etl.sample import SAMPLE_SYSTEM_BOROUGHS

    mosaic = SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    assert mosaic
    _values, cells = mq.matrix(sample_cur, {}, "contracts")
    for code in mosaic:
        names = {
            s["system"]
            for area in ("Adult Social Care", "Children's Social Care")
            for s in cells.get((code, area), {"systems": []})["systems"]
        }
        assert "Mosaic" in names, code
    shown = {code for (code, _), cell in cells.items() if any(s["system"] == "Mosaic" for s in cell["systems"])}
    assert shown == set(mosaic)


def test_sample_tile_values_equal_a_simple_count(sample_cur):
    expected = dict(
        sample_cur.execute(
            "SELECT borough_code, sum(annual_value) FROM contract_records WHERE borough_code IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert mq.borough_values(sample_cur, {}, "annual_value") == pytest.approx(expected)


# --------------------------------------------------------------------------- the page


RENDERERS = Path(__file__).resolve().parent.parent / "assets" / "dashAgGridComponentFunctions.js"
HOSTILE = "<img src=x onerror=alert(1)>"


def test_page_shows_all_boroughs_in_one_grid_with_grouped_headers(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/matrix")
    assert len(matrix_rows(tree)) == 33  # boroughs without contracts are empty rows
    assert matrix_rows(tree)[0] == "E09000002"  # by name: Barking and Dagenham first
    defs = grid(tree)["props"]["columnDefs"]
    assert defs[0]["field"] == "borough" and defs[0]["pinned"] == "left"
    assert [d["headerName"] for d in defs[1:]] == ["Frontline", "Corporate", "Other"]
    areas = [c["headerName"] for c in leaf_columns(tree)[1:]]
    assert areas == [sa.name for sa in reference.service_areas()] + ["Not known"]
    assert "Capita One" in lines(row_of(tree, "E09000003"))
    assert row_of(tree, "E09000004") == {"code": "E09000004", "borough": "Bexley", "href": "/borough/E09000004"}
    assert graph_title(tree) == "Contracts by borough"
    assert by_id(tree, "matrix-caption")["props"]["children"].startswith("Systems each borough runs")
    assert not [n for n in walk(tree) if n["type"] == "Markdown" or "dangerously_allow_html" in n["props"]]


def test_the_grid_scrolls_inside_a_fixed_height_and_uses_only_named_renderers(tiny_db, render_page):
    """A fixed height lets AG Grid draw only the rows in view; no cell style or renderer is a string
    of code for the browser to evaluate (the CSP forbids eval), only renderers the assets define."""
    props = grid(render_page(create_app(tiny_db), "/matrix"))["props"]
    assert props["style"]["height"].startswith("min(75vh,")
    assert props["dashGridOptions"]["rowHeight"] > 0 and props["dashGridOptions"]["enableBrowserTooltips"]
    defined = set(re.findall(r"dagcomponentfuncs\.(\w+) = function", RENDERERS.read_text()))
    columns = leaf_columns(grid_node(props))
    used = {c["cellRenderer"] for c in columns}
    assert used == {"MatrixBorough", "MatrixCell"} and used <= defined
    assert not any(k in c for c in columns for k in ("cellStyle", "valueGetter", "cellClassRules"))


def grid_node(props: dict) -> dict:
    return {"type": "AgGrid", "namespace": "dash_ag_grid", "props": props}


def test_page_borough_filter_shows_only_that_row(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/matrix", f"?borough={CAMDEN}")
    assert matrix_rows(tree) == [CAMDEN]
    assert "LiquidLogic LAS" in lines(row_of(tree, CAMDEN))


def test_page_service_area_filter_limits_columns(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/matrix", "?service_area=Adult+Social+Care")
    assert [c["headerName"] for c in leaf_columns(tree)] == ["Borough", "Adult Social Care"]
    assert {k for r in grid_rows(tree) for k in cell_keys(r)} == {lm.field(0)}


def test_measure_in_the_url_changes_title_and_selector(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/matrix", "?measure=annual_value")
    assert graph_title(tree) == mq.MEASURES["annual_value"].title
    selector = by_id(tree, "measure-selector")
    current = [n for n in walk(selector) if n["props"].get("aria-current")]
    assert [texts(n) for n in current] == [["Annual value"]]
    assert "£250k" in lines(row_of(tree, "E09000002"))
    tree = render_page(create_app(tiny_db), "/matrix", "?measure=bogus")
    assert graph_title(tree) == "Contracts by borough"


def test_cells_are_coloured_on_the_scale_of_their_values(sample_build, render_page):
    """Each cell's background is the scale's colour for its number, on 0..the largest cell (counted
    here with a plain GROUP BY); the largest is the darkest, with white text; empty cells have none."""
    tree = render_page(create_app(sample_build[0]), "/matrix", "?scope=all")
    with db.cursor(sample_build[0]) as cursor:
        (top,) = cursor.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM contracts WHERE borough_code IS NOT NULL "
            "GROUP BY borough_code, service_area)"
        ).fetchone()
    seen = []
    for row in grid_rows(tree):
        for key in cell_keys(row):
            n = int(row[key].rsplit("\n", 1)[1].replace(",", ""))
            assert row[f"{key}__bg"] == fm.colour(n, 0, top), (row["code"], key)
            assert row[f"{key}__fg"] == fm.text_colour(row[f"{key}__bg"])
            seen.append((n, row[f"{key}__bg"], row[f"{key}__fg"]))
    assert max(seen) == (top, fm.SEQUENTIAL[-1], fm.LIGHT_TEXT)
    assert len({bg for _n, bg, _fg in seen}) > 1  # a scale, not one colour


def test_a_cell_without_a_value_is_not_coloured():
    """Average satisfaction of a cell without scores is no data: its text says so, no background."""
    cell = {"contracts": 1, "value": None, "more_systems": 0,
            "systems": [{"system": "Mosaic", "contracts": 1, "suppliers": [], "more_suppliers": 0}]}  # fmt: skip
    got = lm.grid_cell("a0", cell, mq.MEASURES["avg_satisfaction"], 1.0, 5.0)
    assert got == {"a0": "Mosaic\n–", "a0__title": "Suppliers: Mosaic: supplier not recorded"}


def test_a_hostile_system_name_is_text_in_the_grid():
    """Names reach the grid as plain strings and the renderers write them as React text nodes."""
    borough = next(b for b in reference.boroughs() if b.code == CAMDEN)
    entry = {"system": HOSTILE, "contracts": 2, "suppliers": [f"<b>{HOSTILE}</b>"], "more_suppliers": 0}
    cell = {"contracts": 2, "value": 2, "more_systems": 0, "systems": [entry]}
    column = lm.Column("Housing", "Housing", "Frontline")
    m = {"measure": mq.MEASURES["contracts"], "rows": [borough], "columns": [column],
         "cells": {(CAMDEN, "Housing"): cell}, "values": {CAMDEN: 2}, "domain": (0.0, 2.0)}  # fmt: skip
    node = by_id(page.matrix_grid(m, lm.borough_hrefs({})), "matrix-table")
    (row,) = node["props"]["rowData"]
    assert row["a0"] == f"{HOSTILE}\n2"
    assert row["a0__title"] == f"Suppliers: {HOSTILE}: <b>{HOSTILE}</b>"
    js = RENDERERS.read_text()
    assert "innerHTML" not in js and "dangerouslySetInnerHTML" not in js and "eval(" not in js
    assert "dangerously_allow_code" not in node["props"]


def test_links_carry_the_same_query(tiny_db, render_page):
    """URL round trip: every link keeps the filters; the selector changes only ``measure``."""
    search = "?borough=E09000001&borough=E09000003&supplier=Capita&q=one&measure=systems"
    sent = parse_qs(search[1:])
    tree = render_page(create_app(tiny_db), "/matrix", search)
    selector_links = [n["props"]["href"] for n in walk(by_id(tree, "measure-selector")) if n["type"] == "Link"]
    assert len(selector_links) == len(mq.MEASURES) - 1
    for href in selector_links:
        got = query_of(href)
        assert urlsplit(href).path == "/matrix"
        assert got["measure"][0] in mq.MEASURES and got["measure"] != ["systems"]
        assert {k: v for k, v in got.items() if k != "measure"} == {k: v for k, v in sent.items() if k != "measure"}
    tile_links = [n["props"]["href"] for n in walk(tree) if n["type"] == "Link" and "/borough/" in n["props"]["href"]]
    assert len(tile_links) == 33  # the tile map's table lists every tile, as the map shows them
    matrix_links = [r["href"] for r in grid_rows(tree)]
    assert [urlsplit(h).path for h in matrix_links] == ["/borough/E09000003", "/borough/E09000001"]  # by name
    # everything but the borough filter, which the borough page replaces by its own borough
    carried = {k: v for k, v in sent.items() if k != "borough"}
    assert carried == {"supplier": ["Capita"], "q": ["one"], "measure": ["systems"]}
    assert all(query_of(h) == carried for h in tile_links + matrix_links)


def test_injection_in_a_filter_is_a_literal_value(tiny_db, render_page):
    from urllib.parse import quote

    tree = render_page(
        create_app(tiny_db), "/matrix", f"?supplier={quote(INJECTION)}&measure={quote('x; DROP TABLE contracts')}"
    )
    # the empty state says why (the filter, quoted literally) and how to widen it
    assert any(t.startswith("No contracts match these filters (Supplier: x' OR") for t in texts(tree))
    assert len(grid_rows(tree)) == 33 and all(cell_keys(r) == [] for r in grid_rows(tree))
    assert graph_title(tree) == "Contracts by borough"
    with db.cursor(tiny_db) as cursor:
        assert cursor.execute("SELECT count(*) FROM contracts").fetchone() == (5,)


def test_malformed_values_are_reported_and_ignored(tiny_db, render_page, cur):
    tree = render_page(create_app(tiny_db), "/matrix", "?end_from=yesterday&borough=E09000099&measure=bogus")
    warnings = [t for t in texts(tree) if "ignored" in t]
    assert len(warnings) == 3 and any("yesterday" in w for w in warnings)
    assert len(matrix_rows(tree)) == 33  # the bad borough code is dropped, as the export drops it
    # called directly (not through ``state``), a bad date is a message, not an exception
    assert page.content(cur, {"end_from": "yesterday"})[0].id == "filter-error"


def test_export_rows_are_the_rows_on_screen(tiny_db, render_page):
    assert EXPORTS["matrix"] is lm.matrix_table
    with db.cursor(tiny_db) as cursor:
        headings, rows = EXPORTS["matrix"](cursor, {"borough": ["E09000003", "E09000001"]})
    assert headings[:2] == ["Borough", "ONS code"] and headings[2] == "Adult Social Care"
    assert headings[-1] == "Not known"
    tree = render_page(create_app(tiny_db), "/matrix", "?borough=E09000003&borough=E09000001")
    assert [r[1] for r in rows] == matrix_rows(tree) == ["E09000003", "E09000001"]  # Barnet, City of London
    assert headings[2:] == [c["headerName"] for c in leaf_columns(tree)[1:]]
    barnet = dict(zip(headings, rows[0], strict=True))
    assert barnet["Education and Schools"] == "Capita One (Capita)"
    assert barnet["Not known"] == "1 contract without a system name (O'Brien & Sons Ltd)"
    assert barnet["Adult Social Care"] == ""


def test_content_is_a_plain_function(cur):
    """Testable without the router: the same content the page shows, for a given day."""
    out = page.content(cur, {"measure": "ending_24m"}, today=date.today())
    assert out[0].id == "measure-selector"


def test_filter_bar_keeps_the_measure():
    """The matrix's URL keys include ``measure``, so changing a filter does not reset the colouring."""
    view = views.at("/matrix")  # the keys the filter bar keeps on this path
    assert view is lm.VIEW
    assert "measure=systems" in view.with_filters("?measure=systems", {"source": "survey"})
    assert "measure" not in view.parse("?measure=bogus")


def test_export_route_gives_the_rows_on_screen(tiny_db, render_page):
    """Through /export/matrix.csv with the page's query string: the same boroughs, in the same order."""
    import csv
    import io

    app = create_app(tiny_db)
    search = "?borough=E09000003&borough=E09000001&measure=annual_value"
    response = app.server.test_client().get(f"/export/matrix.csv{search}")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()  # the header is the first line
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    assert [r[1] for r in rows[1:]] == matrix_rows(render_page(app, "/matrix", search))


def test_a_cell_shows_its_first_systems_and_says_how_many_more(sample_build, render_page, monkeypatch):
    """On screen a cell lists SYSTEMS_SHOWN systems and 'and N more'; the export lists every one."""
    monkeypatch.setattr(lm, "SYSTEMS_SHOWN", 1)
    app = create_app(sample_build[0])
    with db.cursor(sample_build[0]) as cursor:
        _values, cells = mq.matrix(cursor, {}, "contracts")
        headings, rows = EXPORTS["matrix"](cursor, {})
    (code, area), cell = next((k, c) for k, c in cells.items() if len(c["systems"]) > 1 and k[1])
    tree = render_page(app, "/matrix", f"?borough={code}")
    key = next(c["field"] for c in leaf_columns(tree) if c["headerName"] == area)
    first, *rest = cell["systems"]
    more = f"and {len(rest)} more system" + ("s" if len(rest) > 1 else "")
    row = row_of(tree, code)
    assert row[key] == f"{lm.entry_label(first)}\n{more}\n{cell['contracts']}"
    assert all(name in row[f"{key}__title"] for name in first["suppliers"])
    exported = dict(zip(headings, next(r for r in rows if r[1] == code), strict=True))[area]
    assert all(lm.entry_label(s) in exported for s in cell["systems"])
    assert grid(tree)["props"]["dashGridOptions"]["rowHeight"] == page.CELL_PAD_PX + 3 * page.LINE_PX


def test_the_whole_matrix_is_one_component(sample_build, render_page):
    """Dash's renderer cost grows with components: the matrix section is the same few components for
    one borough as for all 33 (it was one html.Td a cell, ~1,900 components, 2.4 s a colour-by click)."""
    app = create_app(sample_build[0])

    def section(search: str) -> list[dict]:
        tree = render_page(app, "/matrix", search)
        return next(list(walk(n)) for n in walk(tree) if n["type"] == "Section" and by_id(n, "matrix-table"))

    everything, one = section(""), section(f"?borough={CAMDEN}")
    assert len(grid_rows(everything)) == 33 and len(grid_rows(one)) == 1
    assert [n["type"] for n in everything] == [n["type"] for n in one]
    assert not [n for n in everything if n["type"] in ("Table", "Tr", "Td", "Th")]
