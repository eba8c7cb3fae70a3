"""Windows page: the planted windows on the sample, parameter validation, URL round trip, exports.

The planted windows come from ``etl.sample.SAMPLE_WINDOWS`` (what the sample generator put in),
so the page is checked against the plan, not against itself.
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlsplit

import plotly
import pytest
from pagetree import by_id, md_rows, query_of, texts, walk

from app import create_app
from dashboard import db
from dashboard.logic import windows as wa
from dashboard.pages import windows as page
from dashboard.views import EXPORTS
from etl import reference
from etl.sample import SAMPLE_WINDOWS

NAMES = reference.borough_names()
MOSAIC = next(w for w in SAMPLE_WINDOWS if w["value"] == "Mosaic")
REVS = next(w for w in SAMPLE_WINDOWS if w["value"] == "Revenues and Benefits")


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def plain(tree):
    """Components from content() called directly, as the JSON the browser gets."""
    return json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))


def has_class(node: dict, name: str) -> bool:
    return name in str(node["props"].get("className", "")).split()


def cards(tree) -> list[dict]:
    return [n for n in walk(tree) if n["type"] == "Article" and has_class(n, "window-card")]


def card_group(card: dict) -> str:
    heading = next(n for n in walk(card) if n["type"] == "H3")
    return heading["props"]["children"][1]


def borough_links(card: dict) -> list[str]:
    """The links of a card's boroughs line (Markdown: ``[name](<href>)``)."""
    line = next(n for n in walk(card) if has_class(n, "window-boroughs"))
    return re.findall(r"\]\(<([^>]+)>\)", line["props"]["children"])


def card_boroughs(card: dict) -> list[str]:
    """The borough codes a card links to, from its boroughs line."""
    return [href.split("?")[0].removeprefix("/borough/") for href in borough_links(card)]


def card_link(card: dict, class_name: str) -> str:
    return next(n for n in walk(card) if has_class(n, class_name))["props"]["href"]


def planted_card(tree, planted: dict) -> dict:
    start, end = planted["end_from"], planted["end_to"]
    span = f"Contracts end {start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    found = [c for c in cards(tree) if card_group(c) == planted["value"] and span in texts(c)]
    assert len(found) == 1, [card_group(c) for c in cards(tree)]
    return found[0]


def listing(render_page, app, search: str) -> list:
    """Every page of the windows list for ``search``, rendered as the browser gets them, in order."""
    trees = []
    for number in range(1, wa.MAX_WINDOWS // wa.PAGE_SIZE + 2):
        sep = "&" if search else "?"
        tree = render_page(app, "/windows", search + (f"{sep}page={number}" if number > 1 else ""))
        trees.append(tree)
        if by_id(tree, page.PAGER[1])["props"]["disabled"]:
            return trees
    raise AssertionError("the pager never ends")


@pytest.fixture
def sample_cur(sample_build):
    with db.cursor(sample_build[0]) as cursor:
        yield cursor


# --------------------------------------------------------------------------- the planted windows


def test_mosaic_window_lists_exactly_its_boroughs(sample_build, render_page):
    tree = listing(render_page, create_app(sample_build[0]), "?group_by=system")
    card = planted_card(tree, MOSAIC)
    assert card_boroughs(card) == sorted(MOSAIC["boroughs"])
    line = next(n for n in walk(card) if has_class(n, "window-boroughs"))["props"]["children"]
    assert line.startswith(f"**{len(MOSAIC['boroughs'])} boroughs:** [")


def test_revenues_and_benefits_window_by_service_area(sample_build, render_page):
    tree = listing(render_page, create_app(sample_build[0]), "?group_by=service_area")
    card = planted_card(tree, REVS)
    assert card_boroughs(card) == sorted(REVS["boroughs"])
    names = [NAMES[code] for code in REVS["boroughs"]]
    shown = {r[0] for r in md_rows(card)}
    assert set(names) <= shown  # names also in the contracts table, as text


@pytest.mark.parametrize("planted", SAMPLE_WINDOWS, ids=lambda w: f"{w['group_by']}={w['value']}")
def test_every_planted_window_under_its_own_filter(sample_build, render_page, planted):
    search = wa.VIEW.search({"group_by": planted["group_by"], planted["group_by"]: [planted["value"]]})
    tree = listing(render_page, create_app(sample_build[0]), search)
    assert card_boroughs(planted_card(tree, planted)) == sorted(planted["boroughs"])


def test_window_card_says_when_to_start_and_what_is_there(sample_cur):
    tree = plain(page.content(sample_cur, {"group_by": "system", "system": ["Mosaic"]}, today=date(2026, 1, 1)))
    rendered = texts(tree)
    assert any("start procurement by 30 June 2026" in t for t in rendered)  # 31 Dec 2027 less 18 months
    who = texts(next(n for n in walk(tree) if has_class(n, "window-who")))
    assert {"Incumbent suppliers: ", "Systems: ", "Total annual value: "} <= set(who)
    assert "Servelec HSC Limited" in who and "Mosaic" in who  # names as plain text, not Markdown escapes


# --------------------------------------------------------------------------- parameters


def test_window_params_fall_back_to_defaults():
    p = wa.window_params({"group_by": "evil", "min_boroughs": "abc", "window_months": "0", "lead_months": "99"})
    assert p == wa.PARAM_DEFAULTS
    p = wa.window_params(
        {"group_by": ["system", "supplier"], "min_boroughs": 4, "extensions": "max", "rank": "soonest"}
    )
    assert p["group_by"] == "supplier" and p["min_boroughs"] == 4 and p["extensions"] == "max"
    assert p["rank"] == "soonest"
    assert wa.window_params({"min_boroughs": True})["min_boroughs"] == 3  # a boolean is not a number
    assert wa.window_params(None) == wa.PARAM_DEFAULTS


def test_bad_min_boroughs_falls_back_and_says_so(sample_build, render_page):
    tree = listing(render_page, create_app(sample_build[0]), "?min_boroughs=abc&group_by=system")
    rendered = texts(tree)
    assert any("Minimum boroughs" in t and "ignored" in t for t in rendered)
    alert = next(n for n in walk(tree) if has_class(n, "url-problem"))  # kept until the reader dismisses it
    assert alert["type"] == "Alert" and alert["props"]["dismissable"] is True and "Minimum boroughs" in texts(alert)[0]
    assert by_id(tree, "windows-min_boroughs")["props"]["value"] == 3
    assert by_id(tree, "windows-group_by")["props"]["value"] == "system"
    assert card_boroughs(planted_card(tree, MOSAIC)) == sorted(MOSAIC["boroughs"])


def test_unknown_grouping_is_refused(sample_build, render_page, sample_cur):
    tree = listing(render_page, create_app(sample_build[0]), "?group_by=evil")
    assert any("Group windows by" in t and "ignored" in t for t in texts(tree))
    assert by_id(tree, "windows-group_by")["props"]["value"] == "service_area"
    # a hand-made state bypassing the URL check is still never used as an identifier
    forged = {"group_by": "borough_code; DROP TABLE contracts"}
    tree = [
        plain(page.content(sample_cur, {**forged, "page": n})) for n in range(1, wa.MAX_WINDOWS // wa.PAGE_SIZE + 1)
    ]
    assert by_id(tree, "windows-group_by")["props"]["value"] == "service_area"
    assert card_boroughs(planted_card(tree, REVS)) == sorted(REVS["boroughs"])


# --------------------------------------------------------------------------- URL round trip


FULL = "?group_by=system&min_boroughs=4&window_months=9&lead_months=12&extensions=max&rank=value"


def test_controls_show_the_url_and_write_it_back(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/windows", FULL)
    values = [by_id(tree, page.CONTROL_IDS[name])["props"]["value"] for name in wa.PARAM_NAMES]
    assert dict(zip(wa.PARAM_NAMES, values, strict=True)) == wa.window_params(wa.VIEW.parse(FULL))
    assert wa.search_for_controls(FULL, values) is None  # nothing changed: no navigation
    changed = [5 if name == "min_boroughs" else v for name, v in zip(wa.PARAM_NAMES, values, strict=True)]
    new = wa.search_for_controls(FULL + "&borough=E09000007", changed)
    assert wa.window_params(wa.VIEW.parse(new)) == {**wa.window_params(wa.VIEW.parse(FULL)), "min_boroughs": 5}
    assert wa.VIEW.parse(new)["borough"] == ["E09000007"]  # filters stay
    defaults = [wa.PARAM_DEFAULTS[name] for name in wa.PARAM_NAMES]
    assert wa.search_for_controls(FULL, defaults) == ""  # defaults leave the URL empty
    assert wa.search_for_controls("", [None, None, "x", 7, None, None]) == "?lead_months=7"


def test_window_links_carry_filters_and_parameters(sample_build, render_page):
    search = "?group_by=system&min_boroughs=4&window_months=9&source=survey"
    tree = listing(render_page, create_app(sample_build[0]), search)
    card = planted_card(tree, MOSAIC)
    timeline = card_link(card, "window-timeline")
    assert timeline.startswith("/timeline?")
    q = query_of(timeline)
    assert q["group_by"] == ["system"] and q["system"] == ["Mosaic"] and q["source"] == ["survey"]
    assert q["min_boroughs"] == ["4"] and q["window_months"] == ["9"]
    assert (q["end_from"], q["end_to"]) == ([MOSAIC["end_from"].isoformat()], [MOSAIC["end_to"].isoformat()])
    export = card_link(card, "window-export")
    assert export.startswith("/export/window_contracts.csv?") and query_of(export) == q
    page_link = by_id(tree, "windows-timeline-link")["props"]["href"]
    assert query_of(page_link) == query_of("/timeline" + search)
    boroughs = borough_links(card)
    assert all(query_of(href) == {"source": ["survey"]} for href in boroughs)


def test_a_card_leads_to_the_list_of_exactly_its_contracts(sample_build, render_page, sample_cur):
    app = create_app(sample_build[0])
    card = planted_card(listing(render_page, app, "?group_by=system"), MOSAIC)
    q = query_of(card_link(card, "window-list"))
    assert q["system"] == ["Mosaic"] and q["stage"] == ["contract"]
    from dashboard.logic import contracts as contracts_logic

    st = contracts_logic.VIEW.parse("?" + urlsplit(card_link(card, "window-list")).query)
    listed = list(contracts_logic.contracts_table(sample_cur, st)[1])
    exported_st = wa.VIEW.parse("?" + urlsplit(card_link(card, "window-export")).query)
    _, exported = EXPORTS["window_contracts"](sample_cur, exported_st)
    in_window = [r for r in exported if r[1] == "Mosaic" and r[2] == MOSAIC["end_from"]]
    assert len(listed) == len(in_window) == len(MOSAIC["boroughs"])
    # a card is a summary: its contracts' table stays closed until asked for
    assert [n["props"].get("open") for n in walk(card) if n["type"] == "Details"] == [False]


def test_a_card_names_a_few_suppliers_and_counts_the_rest():
    assert wa._list(["A", "B", "C"], 5) == "A, B, C and 2 more"
    assert wa._list(["A", "B", "C"], 3) == "A, B, C"
    assert wa._list([], 0) == wa.NOT_RECORDED
    assert wa.list_state({"group_by": "manufacturer"}, None) is None  # that view has no manufacturer filter


def test_the_timeline_of_a_window_shows_that_window(sample_build, render_page):
    app = create_app(sample_build[0])
    card = planted_card(listing(render_page, app, "?group_by=system"), MOSAIC)
    href = card_link(card, "window-timeline")
    tree = render_page(app, "/timeline", "?" + urlsplit(href).query)
    graph = next(n for n in walk(tree) if n["type"] == "Graph")
    rects = [s for s in graph["props"]["figure"]["layout"]["shapes"] if s["type"] == "rect"]
    assert [s["name"] for s in rects] == [f"window Mosaic|{MOSAIC['end_from'].isoformat()}"]


# --------------------------------------------------------------------------- exports


def test_exports_hold_the_windows_shown(sample_build, render_page, sample_cur):
    st = {"group_by": "system"}
    assert EXPORTS["windows"] is wa.windows_table
    assert EXPORTS["window_contracts"] is wa.window_contracts_table
    tree = listing(render_page, create_app(sample_build[0]), "?group_by=system")
    shown = cards(tree)
    headings, rows = EXPORTS["windows"](sample_cur, st)
    assert headings == wa.WINDOW_HEADINGS
    assert [r[2] for r in rows] == [card_group(c) for c in shown]
    assert [r[7] for r in rows] == ["; ".join(NAMES[code] for code in card_boroughs(c)) for c in shown]
    mosaic = next(r for r in rows if r[2] == "Mosaic" and r[3] == MOSAIC["end_from"])
    assert (mosaic[4], mosaic[6]) == (MOSAIC["end_to"], len(MOSAIC["boroughs"]))
    _, contract_rows = EXPORTS["window_contracts"](sample_cur, st)
    assert len(contract_rows) == sum(r[8] for r in rows)
    assert {r[5] for r in contract_rows if r[0] == rows.index(mosaic) + 1} == set(MOSAIC["boroughs"])


def test_export_of_one_window_is_that_window(sample_build, render_page, sample_cur):
    card = planted_card(listing(render_page, create_app(sample_build[0]), "?group_by=system"), MOSAIC)
    st = wa.VIEW.parse("?" + urlsplit(card_link(card, "window-export")).query)
    _, rows = EXPORTS["window_contracts"](sample_cur, st)
    assert sorted({r[5] for r in rows}) == sorted(MOSAIC["boroughs"])
    assert {r[1] for r in rows} == {"Mosaic"}


def test_export_route_returns_the_windows(sample_build):
    app = create_app(sample_build[0])
    response = app.server.test_client().get("/export/windows.csv?group_by=system&system=Mosaic")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Mosaic" in body and NAMES[MOSAIC["boroughs"][0]] in body


# --------------------------------------------------------------------------- extensions, unknown ends, past


@pytest.fixture
def hand_db(tmp_path, contracts_db_builder):
    """Three boroughs' Revenues and Benefits contracts line up only if Hackney's extension is taken;
    Islington's end date is unknown; three Parking contracts ended together in 2020."""

    def contract(code, end, max_end=None, area="Revenues and Benefits", system="Northgate iWorld"):
        return {
            "borough_code": code,
            "service_area": area,
            "system_name": system,
            "supplier_name": "Northgate",
            "end_date": end,
            "max_end_date": max_end or end,
            "annual_value": 100_000.0,
        }

    d = date
    return contracts_db_builder(
        tmp_path / "hand.duckdb",
        [
            contract("E09000007", d(2030, 3, 31)),
            contract("E09000003", d(2030, 6, 30)),
            contract("E09000012", d(2029, 3, 31), max_end=d(2030, 3, 31)),
            {**contract("E09000019", None), "max_end_date": None},
            *(
                contract(code, d(2020, 3, 31), area="Parking", system="Taranto")
                for code in ("E09000001", "E09000002", "E09000005")
            ),
        ],
    )


def test_extensions_show_which_contracts_only_line_up_with_them(hand_db, render_page):
    app = create_app(hand_db)
    base = render_page(app, "/windows", "")
    assert cards(base) == []
    assert any("1 window made only of contracts that have ended is hidden" in t for t in texts(base))
    (ended,) = cards(render_page(app, "/windows", "?ended=show"))  # on request: the Parking window of 2020
    assert card_group(ended) == "Parking" and "Ended" in texts(ended)
    assert any(
        "Including 1 window made only of contracts" in t for t in texts(render_page(app, "/windows", "?ended=show"))
    )
    tree = render_page(app, "/windows", "?extensions=max")
    (card,) = cards(tree)
    assert card_boroughs(card) == ["E09000003", "E09000007", "E09000012"]
    note = next(n for n in walk(card) if has_class(n, "window-extensions"))
    assert "Hackney" in note["props"]["children"] and "1 of these contracts" in note["props"]["children"]
    unknown = next(n for n in walk(card) if has_class(n, "window-unknown"))
    assert any("Islington (Northgate iWorld)" in t for t in texts(unknown))
    link = query_of(card_link(card, "window-timeline"))
    assert link["extensions"] == ["max"] and link["end_from"] == ["2029-03-31"] and link["end_to"] == ["2030-06-30"]


# --------------------------------------------------------------------------- time-aware, paged, in-page options


def test_an_overdue_window_says_it_should_already_have_started(sample_cur):
    st = {"group_by": "system", "system": ["Mosaic"]}
    late = plain(page.content(sample_cur, st, today=date(2026, 7, 1)))  # a day after 30 June 2026
    (card,) = [c for c in cards(late) if card_group(c) == "Mosaic"]
    assert any("start procurement by 30 June 2026: should already have started" in t for t in texts(card))
    assert "Procurement overdue" in texts(card)
    on_time = plain(page.content(sample_cur, st, today=date(2026, 6, 30)))
    (card,) = [c for c in cards(on_time) if card_group(c) == "Mosaic"]
    assert not any("should already have started" in t for t in texts(card)) and "Ending" in texts(card)
    rows = md_rows(card)  # every contract carries its status
    assert rows and all(r[6] in ("Ending", "Running", "Procurement overdue") for r in rows)


def test_ended_windows_are_hidden_counted_and_shown_on_request(hand_db, sample_cur):
    with db.cursor(hand_db) as cur:
        hidden = wa.model(cur, {}, today=date(2026, 12, 1))
        shown = wa.model(cur, {"ended": "show"}, today=date(2026, 12, 1))
        _, rows = wa.windows_table(cur, {"ended": "show"})
    assert (hidden["total"], hidden["ended"], shown["total"]) == (0, 1, 1)
    assert [w.group for w in shown["windows"]] == ["Parking"] and rows[0][-1] == "Ended"
    assert wa.VIEW.parse("?ended=show&page=2") == {"ended": "show", "page": 2}
    assert wa.VIEW.parse("?ended=yes&page=0") == {}


def test_the_list_is_paged_and_the_export_holds_every_page(sample_build, render_page, sample_cur):
    app = create_app(sample_build[0])
    trees = listing(render_page, app, "?group_by=system")
    assert len(trees) > 1, "the sample has more than one page of system windows"
    ranks = [int(c["props"]["id"].removeprefix("window-")) for t in trees for c in cards(t)]
    assert ranks == list(range(1, len(ranks) + 1))
    assert all(len(cards(t)) <= wa.PAGE_SIZE for t in trees)
    _, rows = EXPORTS["windows"](sample_cur, {"group_by": "system", "page": 2})
    assert [r[0] for r in rows] == ranks  # the export is the whole list, whatever the page
    second = texts(by_id(trees[1], "windows-page"))
    n = wa.PAGE_SIZE
    assert second == [f"Windows {n + 1} to {min(2 * n, len(ranks))} of {len(ranks)} · page 2 of {len(trees)}"]


def test_options_write_the_url_and_go_back_to_the_first_page():
    search = "?group_by=system&page=3"
    values = [wa.window_params(wa.VIEW.parse(search))[name] for name in wa.PARAM_NAMES]
    assert page.options_to_search(search, page.CONTROL_IDS["min_boroughs"], [*values, False]) is None
    more = [4 if name == "min_boroughs" else v for name, v in zip(wa.PARAM_NAMES, values, strict=True)]
    assert page.options_to_search(search, page.CONTROL_IDS["min_boroughs"], [*more, False]) == (
        "?min_boroughs=4&group_by=system"
    )
    assert page.options_to_search(search, page.ENDED, [*values, True]) == "?group_by=system&ended=show"
    assert page.options_to_search(search, page.PAGER[1], [*values, False]) == "?group_by=system&page=4"
    assert page.options_to_search("?page=2", page.PAGER[0], [*values, False]) == ""  # the pager moves the page only
    assert page.options_to_search("", page.PAGER[0], [*values, False]) is None  # no page before the first


def callback(client, output: str, inputs: dict, states: dict) -> dict | None:
    """Post one of the app's callbacks as the browser does: the response's props, None for no update."""
    dep = next(d for d in client.get("/_dash-dependencies").get_json() if output in d["output"])
    values = {**inputs, **states}

    def props(items):
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    body = {
        "output": dep["output"],
        "outputs": [
            {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in dep["output"].strip(".").split("...")
        ],
        "inputs": props(dep["inputs"]),
        "state": props(dep["state"]),
        "changedPropIds": list(inputs),
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    return None if response.status_code == 204 else response.get_json()["response"]


def test_an_option_redraws_only_the_results_and_tells_the_shell(sample_build):
    from members import member_client

    client = member_client(create_app(sample_build[0]))
    base = "http://localhost/windows"
    shell = {"url.search": "?group_by=system", "url.href": base + "?group_by=system"}
    states = {"windows-url.pathname": "/windows", "windows-results.data-search": "?group_by=system", **shell}
    new = "?min_boroughs=4&group_by=system"
    out = callback(client, "windows-results.children", {"windows-url.search": new}, states)
    assert out["windows-results"]["data-search"] == new
    assert out["url"] == {"search": new, "href": base + new}  # the address the browser already shows
    assert out["windows-min_boroughs"] == {"value": 4}  # the controls follow the URL (back/forward)
    count = next(n for n in walk(out["windows-results"]["children"]) if n["props"].get("id") == "windows-count")
    assert count["props"]["children"].endswith("windows") or count["props"]["children"].endswith("window")
    same = {**states, "windows-results.data-search": new}
    assert callback(client, "windows-results.children", {"windows-url.search": new}, same) is None
    away = {**states, "windows-url.pathname": "/timeline"}  # leaving the page: the router draws it
    assert callback(client, "windows-results.children", {"windows-url.search": new}, away) is None


def test_tables_as_markdown_keep_every_value_as_its_own_text():
    hostile = ["a|b", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "*bold* _it_ `code`", "1\\2", "&amp;"]
    table = page.markdown_table(["Name", "Value"], [[h, 1.5] for h in hostile], "Hostile names")
    markdown = table.children[1]
    assert type(markdown).__name__ == "Markdown" and not getattr(markdown, "dangerously_allow_html", None)
    assert md_rows(plain(table)) == [[h, "1.5"] for h in hostile]  # one cell each, unescaped to itself
    assert markdown.children.split("\n")[1] == "|---|---:|"  # numbers right-aligned
    assert "\n" not in page.markdown_text("two\nlines") and page.markdown_text("") == " "
