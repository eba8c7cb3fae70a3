"""The filter bar: source filter SQL, narrowing option lists, URL sync, navbar links, wiring."""

from __future__ import annotations

import dash
import pytest
from pagetree import walk

from app import create_app
from dashboard import db, filters, queries, state
from dashboard.queries import filters as options

CONTROL_IDS = [c.id for c in filters.CONTROLS]


# --------------------------------------------------------------------------- source filter


@pytest.mark.parametrize(
    ("source", "contracts"),
    [
        (None, 4),
        ("survey", 2),  # c-col, c-bd (survey + contracts_finder)
        ("open_data", 3),  # c-bd, both Barnet contracts (contracts_finder, register)
        (["survey", "open_data"], 4),  # both named: no filter
    ],
)
def test_source_filter(cur, source, contracts):
    assert queries.headline(cur, {"source": source})["contracts"] == contracts


def test_unknown_source_is_refused(cur):
    with pytest.raises(ValueError, match="source"):
        queries.where_clause({"source": "twitter"})


# --------------------------------------------------------------------------- options


def test_options_have_labels_with_counts_and_borough_names(cur):
    lists = options.filter_options(cur, {})
    assert lists["borough"] == [
        {"label": "Barking and Dagenham (1)", "value": "E09000002"},
        {"label": "Barnet (2)", "value": "E09000003"},
        {"label": "City of London (1)", "value": "E09000001"},
    ]
    assert [o["value"] for o in lists["supplier"]] == ["Capita", "Civica", "Northgate", "O'Brien & Sons Ltd"]
    assert [o["value"] for o in lists["system"]] == ["Capita One", "Civica Pay", "Northgate Revenues"]


def test_setting_a_borough_narrows_suppliers_to_that_boroughs(cur):
    lists = options.filter_options(cur, {"borough": ["E09000003"]})
    assert [o["value"] for o in lists["supplier"]] == ["Capita", "O'Brien & Sons Ltd"]
    assert [o["value"] for o in lists["service_area"]] == ["Education and Schools"]
    # a filter's own list is not narrowed by itself: the other boroughs can still be added
    assert len(lists["borough"]) == 3


def test_setting_a_supplier_narrows_boroughs(cur):
    lists = options.filter_options(cur, {"supplier": ["Civica"]})
    assert [o["value"] for o in lists["borough"]] == ["E09000001"]  # TfL's Civica contract has no borough


def test_a_selected_value_stays_in_its_list_even_at_zero(cur):
    lists = options.filter_options(cur, {"borough": ["E09000001"], "supplier": ["Capita"]})
    assert {"label": "Capita (0)", "value": "Capita"} in lists["supplier"]


def test_option_lists_are_capped_most_contracts_first(cur):
    counts = options.facet_counts(cur, {}, "supplier", limit=1)
    assert counts == {"Capita": 1}  # every supplier has one contract here: ties go alphabetically
    assert options.facet_counts(cur, {"supplier": ["Northgate"]}, "supplier", limit=1)["Northgate"] == 1


def test_facet_outside_the_whitelist_is_refused(cur):
    with pytest.raises(KeyError):
        options.facet_counts(cur, {}, "title; DROP TABLE contracts")


def test_source_counts_under_the_other_filters(cur):
    assert options.source_counts(cur, {}) == {"survey": 2, "open_data": 3, "all": 4}
    assert options.source_counts(cur, {"borough": ["E09000003"], "source": "survey"}) == {
        "survey": 0,
        "open_data": 2,
        "all": 2,
    }


def test_options_on_the_sample_narrow_to_the_boroughs_suppliers(sample_build):
    path, _ = sample_build
    with db.cursor(path) as c:
        lists = options.filter_options(c, {"borough": ["E09000005"]})
        sql = "SELECT DISTINCT supplier_name FROM contracts WHERE borough_code = ? AND supplier_name IS NOT NULL"
        expected = {s for (s,) in c.execute(sql, ["E09000005"]).fetchall()}
        everyone = options.filter_options(c, {})
    assert {o["value"] for o in lists["supplier"]} == expected
    assert len(everyone["supplier"]) > len(lists["supplier"])


# --------------------------------------------------------------------------- sync (the callback's logic)


def _values(**given) -> list:
    return [given.get(c.key, c.empty) for c in filters.CONTROLS]


def test_first_load_sets_the_controls_from_the_url(tiny_db):
    app = create_app(tiny_db)
    with app.server.app_context():
        out = filters.sync(None, "?borough=E09000003&q=capita&source=open_data&sort=title", _values())
    search, *rest = out
    values, lists, sources = rest[: len(filters.CONTROLS)], rest[len(filters.CONTROLS) : -1], rest[-1]
    assert search is dash.no_update
    assert values[0] == ["E09000003"]
    assert values[CONTROL_IDS.index("filter-q")] == "capita"
    assert values[-1] == "open_data"
    assert values[1] is dash.no_update  # supplier already empty: left alone
    assert [o["value"] for o in lists[1]] == ["Capita"]  # suppliers narrowed by borough, q and source
    assert sources[0]["value"] == filters.SOURCE_ALL and "(" in sources[0]["label"]


def test_a_views_own_option_does_not_resend_the_option_lists(tiny_db):
    """Another page or sort of the same filters: the bar's lists stay as they are (every dropdown
    would be redrawn for nothing); other filters, or a first load, send them."""
    app = create_app(tiny_db)
    shown = _values(borough=["E09000003"])
    with app.server.app_context():
        same = filters.sync("url", "?borough=E09000003&page=2&sort=title", shown, has_lists=True)
        other = filters.sync("url", "?borough=E09000001&page=2", shown, has_lists=True)
        first = filters.sync("url", "?borough=E09000003&page=2", shown)  # Dash's first call names the URL too
    n = len(filters.CONTROLS)
    assert all(v is dash.no_update for v in same)
    assert all(v is not dash.no_update for v in other[1 + n :])
    assert other[1] == ["E09000001"]
    assert all(v is not dash.no_update for v in first[1 + n :])


def test_a_control_change_writes_the_url_and_keeps_view_keys(tiny_db):
    app = create_app(tiny_db)
    with app.server.app_context():
        out = filters.sync(
            "filter-borough", "?sort=-title", _values(borough=["E09000003", "E09000001"]), pathname="/contracts"
        )
    assert out[0] == "?borough=E09000001&borough=E09000003&sort=-title"
    assert all(v is dash.no_update for v in out[1 : 1 + len(filters.CONTROLS)])  # never overwrite what is typed


def test_dates_text_and_source_controls_write_their_keys():
    out = filters.sync(
        "filter-end_from",
        "",
        _values(end_from="2026-01-01", end_to="2026-12-31", q="  pay ", source="open_data"),
        with_options=False,
    )
    assert state.parse_query(out[0]) == {
        "end_from": "2026-01-01",
        "end_to": "2026-12-31",
        "q": "pay",
        "source": "open_data",
    }


def test_both_sources_means_no_source_key():
    out = filters.sync("filter-source", "?source=survey", _values(source=filters.SOURCE_ALL), with_options=False)
    assert out[0] == ""


def test_an_unchanged_url_is_not_written_again():
    out = filters.sync("filter-borough", "?borough=E09000001", _values(borough=["E09000001"]), with_options=False)
    assert out[0] is dash.no_update


def test_clear_empties_the_filters_and_keeps_the_sort():
    out = filters.sync(
        filters.CLEAR,
        "?borough=E09000001&q=x&sort=title",
        _values(borough=["E09000001"], q="x"),
        with_options=False,
        pathname="/contracts",
    )
    assert out[0] == "?sort=title"
    assert out[1:] == [c.empty for c in filters.CONTROLS]


def test_options_without_a_database_are_empty(tmp_path):
    app = create_app(tmp_path / "missing.duckdb")
    with app.server.app_context():
        lists, sources = filters.options_for({})
    assert lists == {key: [] for key in filters.LISTS}
    assert [o["value"] for o in sources] == [filters.SOURCE_ALL, "survey", "open_data"]


def test_nav_links_carry_the_filters_but_not_view_keys():
    pages = [{"relative_path": "/"}, {"relative_path": "/contracts"}]
    out = filters.nav_links("/contracts", "?borough=E09000001&sort=title", pages)
    assert out == ["/?borough=E09000001", "/contracts?borough=E09000001", False, True]


# --------------------------------------------------------------------------- in the app


def test_filter_bar_is_in_the_shell_outside_the_page_container(tiny_db):
    layout = create_app(tiny_db).server.test_client().get("/_dash-layout").get_json()
    ids = [n["props"].get("id") for n in walk(layout)]
    assert "filter-bar" in ids and "url" in ids
    assert ids.index("filter-bar") < ids.index("_pages_content")
    content = next(n for n in walk(layout) if n["props"].get("id") == "_pages_content")
    assert not [n for n in walk(content["props"].get("children")) if n["props"].get("id") == "filter-bar"]
    location = next(n for n in walk(layout) if n["props"].get("id") == "url")
    assert location["props"]["refresh"] == "callback-nav"


def test_sync_callback_through_dash(tiny_db):
    """The wiring: Dash calls the callback with the URL and the controls, and gets the narrowed options."""
    client = create_app(tiny_db).server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"].startswith("..url.search...filter-borough.value"))
    values = {"url.search": "?borough=E09000003", "url.pathname": "/"}
    body = {
        "output": dep["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1]} for o in dep["output"].strip(".").split("...")
        ],
        "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in dep["inputs"]],
        "changedPropIds": ["url.search"],
        "state": [{**x, "value": values.get(f"{x['id']}.{x['property']}")} for x in dep["state"]],  # no lists yet
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    out = response.get_json()["response"]
    assert out["filter-borough"]["value"] == ["E09000003"]
    assert [o["value"] for o in out["filter-supplier"]["options"]] == ["Capita", "O'Brien & Sons Ltd"]


def test_overview_renders_under_the_url_filters(tiny_db, render_page):
    page = render_page(create_app(tiny_db), "/", "?borough=E09000003&borough=E09000002")
    card = next(n for n in walk(page) if n["props"].get("id") == "stat-contracts")
    assert "3" in str(card)
    links = {
        n["props"]["id"]: n["props"]["href"]
        for n in walk(page)
        if str(n["props"].get("id", "")).startswith("contracts-download")
    }
    assert links == {
        "contracts-download-csv": "/export/contracts.csv?borough=E09000002&borough=E09000003",
        "contracts-download-xlsx": "/export/contracts.xlsx?borough=E09000002&borough=E09000003",
    }


def test_every_callback_id_is_in_the_shell_or_a_page(tiny_db):
    """What Dash's own check would do on the first request (switched off in create_app, see there)."""
    import json

    import dash as dash_module
    from plotly.utils import PlotlyJSONEncoder

    app = create_app(tiny_db)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    with app.server.test_request_context():
        pages = dash_module.page_registry.values()
        trees = [app.layout, *(p["layout"]() if callable(p["layout"]) else p["layout"] for p in pages)]
    known = set()
    for tree in trees:
        for node in walk(json.loads(json.dumps(tree, cls=PlotlyJSONEncoder))):
            if isinstance(node["props"].get("id"), str):
                known.add(node["props"]["id"])
    used = set()
    for dep in deps:
        for item in dep["inputs"] + dep["state"]:
            if isinstance(item["id"], str) and not item["id"].startswith("{"):  # pattern ids match many
                used.add(item["id"])
        for part in dep["output"].strip(".").split("..."):
            ident = part.rsplit(".", 1)[0].split("@")[0]
            if not ident.startswith("{"):
                used.add(ident)
    assert used - known == set()


def test_a_filter_change_keeps_the_current_views_own_keys_only():
    """On /expiring, ``months`` is the view's and stays; ``sort`` belongs to another view and goes."""
    out = filters.sync("filter-q", "?months=6&sort=title", _values(q="pay"), with_options=False, pathname="/expiring")
    assert out[0] == "?q=pay&months=6"
    out = filters.sync("filter-q", "?months=6", _values(q="pay"), with_options=False, pathname="/borough/E09000007")
    assert out[0] == "?q=pay"
