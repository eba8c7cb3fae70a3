"""Timeline: the chart and its figure on hand-made rows, the click -> URL function, the page on the sample."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pagetree import by_id, md_rows, query_of, texts, walk

from app import create_app
from dashboard import db, state
from dashboard.figures import timeline as ft
from dashboard.logic import timeline as tl
from dashboard.logic.windows import Contract, find_windows
from dashboard.pages import timeline as page
from dashboard.views import EXPORTS
from etl.sample import SAMPLE_WINDOWS

D = date
TODAY = D(2026, 11, 23)
START = D(2022, 4, 1)
REVS = next(w for w in SAMPLE_WINDOWS if w["value"] == "Revenues and Benefits")


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def graph(tree) -> dict:
    return next(n for n in walk(tree) if n["type"] == "Graph")["props"]["figure"]


def row(cid, code, end, start=START, max_end=None, group="Revenues and Benefits", **kw):
    return {
        "contract_id": cid,
        "borough_code": code,
        "group": group,
        "supplier": kw.get("supplier", "Northgate"),
        "system": kw.get("system", "Northgate iWorld"),
        "start": start,
        "end": end,
        "max_end": max_end or end,
        "annual_value": kw.get("value", 100_000.0),
    }


def figure_of(rows: list[dict], windows=(), **kw) -> dict:
    """The figure of hand-made rows, as the page draws it: the chart's logic, then the figure."""
    return ft.timeline_figure(tl.chart(rows, windows, **kw), today=TODAY)


def trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t["name"] == name)


def labels(figure: dict) -> list[str]:
    """The rows' names top to bottom: the label trace's text, one per row."""
    names = trace(figure, ft.TRACE_LABELS)
    assert names["y"] == list(range(len(names["y"]))) and names["hoverinfo"] == "skip"
    return names["text"]


def window_of(rows: list[dict]):
    contracts = [
        Contract(
            r["contract_id"],
            r["group"],
            r["borough_code"],
            r["end"],
            r["end"],
            r["max_end"],
            r["supplier"],
            r["system"],
        )
        for r in rows
    ]
    return find_windows(contracts)[0]


HAND = [
    row("a", "E09000007", D(2027, 3, 31), max_end=D(2028, 3, 31)),
    row("b", "E09000003", D(2027, 6, 30)),
    row("c", "E09000012", D(2027, 9, 30), start=None),
    row("d", "E09000003", D(2029, 1, 31), group="Parking", system="Taranto"),
]


# --------------------------------------------------------------------------- figure


def test_bars_start_at_the_start_and_last_until_the_end():
    figure = figure_of(HAND)
    base = trace(figure, ft.TRACE_BASE)
    assert base["type"] == "bar" and base["orientation"] == "h"
    assert base["base"] == ["2022-04-01", "2022-04-01", "2022-04-01"]  # a, b, d: c has no start
    assert base["x"][0] == (D(2027, 3, 31) - D(2022, 4, 1)).days * ft.DAY_MS
    assert figure["layout"]["xaxis"]["type"] == "date"
    # rows: Parking heading, Barnet; Revenues heading, Barnet, Camden, Hackney (by name within a group)
    ticks = labels(figure)
    assert ticks == ["<b>Parking</b>", "Barnet", "<b>Revenues and Benefits</b>", "Barnet", "Camden", "Hackney"]
    assert base["y"] == [4, 3, 1]


def test_extension_periods_are_a_lighter_trace_from_end_to_latest_end():
    figure = figure_of(HAND)
    ext = trace(figure, ft.TRACE_EXTENSION)
    assert ext["base"] == ["2027-03-31"] and ext["x"] == [366 * ft.DAY_MS]
    assert ext["marker"]["color"] != trace(figure, ft.TRACE_BASE)["marker"]["color"]
    assert ext["marker"]["opacity"] < 1


def test_contract_without_start_is_a_marker_at_its_end():
    no_start = trace(figure_of(HAND), ft.TRACE_NO_START)
    assert no_start["type"] == "scatter" and no_start["x"] == ["2027-09-30"]


def test_today_is_a_vertical_line():
    figure = figure_of(HAND)
    (line,) = [s for s in figure["layout"]["shapes"] if s.get("name") == "today"]
    assert line["x0"] == line["x1"] == "2026-11-23" and line["yref"] == "paper"
    assert any(a["text"] == "Today" for a in figure["layout"]["annotations"])


def test_windows_are_shaded_over_their_group_and_clickable():
    windows = window_of(HAND)
    assert len(windows) == 1
    figure = figure_of(HAND, windows)
    (rect,) = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert (rect["x0"], rect["x1"]) == ("2027-03-31", "2027-09-30")
    assert (rect["y0"], rect["y1"]) == (1.5, 5.5)  # the Revenues and Benefits heading to its last row
    assert rect["layer"] == "below" and rect["opacity"] < 0.5
    handles = trace(figure, ft.TRACE_WINDOWS)
    assert "text" not in handles and handles["mode"] == "markers" and handles["y"] == [2]  # labels: the table
    click = json.loads(handles["customdata"][0])
    assert click == {
        "kind": "window",
        "borough": ["E09000003", "E09000007", "E09000012"],
        "group": "Revenues and Benefits",
        "system": ["Northgate iWorld"],
        "end_from": "2027-03-31",
        "end_to": "2027-09-30",
    }


def test_a_window_of_one_day_is_still_visible():
    rows = [row(f"k{i}", code, D(2027, 3, 31)) for i, code in enumerate(("E09000001", "E09000002", "E09000003"))]
    figure = figure_of(rows, window_of(rows))
    (rect,) = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert date.fromisoformat(rect["x1"]) - date.fromisoformat(rect["x0"]) == timedelta(days=2 * ft.MIN_WINDOW_DAYS)


def test_few_traces_and_a_visible_note_when_over_the_cap():
    many = [row(f"c{i}", f"E09{i % 33 + 1:06d}", D(2027, 1, 1) + timedelta(days=i)) for i in range(350)]
    figure = figure_of(many)
    assert len(figure["data"]) <= 5  # terms, extensions, end markers, window handles, row labels
    drawn = len(trace(figure, ft.TRACE_BASE)["x"])
    assert drawn == tl.MAX_DRAWN
    notes = [a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "cap-note"]
    rest = "(those ending soonest from today); narrow the filters to see the rest."
    assert notes == [f"Showing {tl.MAX_DRAWN} of 350 contracts {rest}"]
    assert tl.cap_note(300, 4210, 2).startswith("Showing 300 of 4,210 contracts")
    assert tl.cap_note(10, 10) is None
    assert tl.cap_note(10, 10, 1) == "1 contract has no end date and cannot be drawn."


def test_rows_per_contract_and_unknown_group_last():
    rows = [*HAND, row("e", "E09000001", D(2028, 1, 31), group=None)]
    figure = figure_of(rows, mode="contract")
    ticks = labels(figure)
    assert ticks[-2:] == ["<b>Not known</b>", "City of London · Northgate iWorld"]
    assert ticks.count("Barnet · Northgate iWorld") == 1 and len(ticks) == 1 + 1 + 1 + 3 + 1 + 1
    assert "by contract, grouped by service area" in figure["layout"]["title"]["text"]


def test_names_are_text_in_the_figure():
    rows = [row("x", "E09000001", D(2027, 3, 31), supplier="<img src=x onerror=alert(1)>", group="<b>A</b>")]
    figure = figure_of(rows)
    hover = trace(figure, ft.TRACE_BASE)["hovertext"][0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in hover and "<img" not in hover
    assert labels(figure)[0] == "<b>&lt;b&gt;A&lt;/b&gt;</b>"


def test_no_rows_says_so():
    figure = figure_of([])
    assert any("No dated contracts" in a["text"] for a in figure["layout"]["annotations"])


# --------------------------------------------------------------------------- click -> URL


def click(customdata: str) -> dict:
    return {"points": [{"curveNumber": 0, "pointNumber": 0, "customdata": customdata}]}


def test_click_on_a_bar_opens_its_contracts():
    st = {"borough": ["E09000001"], "supplier": ["Northgate"], "q": "revenues", "group_by": "service_area"}
    href = page.click_href(click(tl.contract_click(HAND[1])), st)
    assert href.startswith("/contracts?")
    assert query_of(href) == {
        "borough": ["E09000003"],
        "supplier": ["Northgate"],
        "service_area": ["Revenues and Benefits"],
        "end_from": ["2027-06-30"],
        "end_to": ["2027-06-30"],
        "q": ["revenues"],
    }


def test_click_on_a_window_opens_all_its_contracts():
    (window,) = window_of(HAND)
    st = {"group_by": "service_area", "min_boroughs": 3, "source": "survey", "end_from": "2020-01-01"}
    href = page.click_href(click(tl.window_click(window)), st)
    assert query_of(href) == {
        "borough": ["E09000003", "E09000007", "E09000012"],
        "service_area": ["Revenues and Benefits"],
        "end_from": ["2027-03-31"],
        "end_to": ["2027-09-30"],
        "source": ["survey"],
    }
    assert "min_boroughs" not in href  # the contracts view has no window parameters


def test_click_grouped_by_system_and_manufacturer():
    (window,) = window_of(HAND)
    by_system = query_of(page.click_href(click(tl.window_click(window)), {"group_by": "system"}))
    assert by_system["system"] == ["Revenues and Benefits"]  # the group is the system when grouped by system
    by_maker = query_of(page.click_href(click(tl.window_click(window)), {"group_by": "manufacturer"}))
    assert by_maker["system"] == ["Northgate iWorld"] and "manufacturer" not in by_maker


def test_click_on_nothing_or_crafted_data_goes_nowhere_bad():
    assert page.click_href(None, {}) is None
    assert page.click_href({"points": []}, {}) is None
    assert page.click_href(click("not json"), {}) is None
    assert page.click_href(click(json.dumps({"kind": "other"})), {}) is None
    crafted = json.dumps({"kind": "contract", "borough": ["E09000003", "'; DROP"], "end_from": "tomorrow"})
    assert query_of(page.click_href(click(crafted), {})) == {"borough": ["E09000003"]}


# --------------------------------------------------------------------------- page on the sample


def test_revenues_and_benefits_window_is_shaded(sample_build, render_page):
    search = "?group_by=service_area&service_area=Revenues%20and%20Benefits"
    figure = graph(render_page(create_app(sample_build[0]), "/timeline", search))
    rects = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert f"window Revenues and Benefits|{REVS['end_from'].isoformat()}" in [s["name"] for s in rects]
    handles = trace(figure, ft.TRACE_WINDOWS)
    clicks = [json.loads(c) for c in handles["customdata"]]
    assert sorted(REVS["boroughs"]) in [c["borough"] for c in clicks]
    assert "Contract terms by borough, grouped by service area" in figure["layout"]["title"]["text"]


def test_cap_note_and_table_on_the_whole_sample(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/timeline", "")
    with db.cursor(sample_build[0]) as cur:
        (dated,) = cur.execute(  # ended contracts are left out unless the URL says ended=show
            "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND end_date IS NOT NULL AND is_it "
            "IS NOT FALSE AND stage = 'contract' AND greatest(end_date, max_end_date) >= current_date"
        ).fetchone()
    assert dated > tl.MAX_DRAWN
    note = texts(by_id(tree, "timeline-note"))
    assert any(f"Showing {tl.MAX_DRAWN} of {dated:,} contracts" in t for t in note)
    assert len(md_rows(by_id(tree, "timeline-table"))) == tl.MAX_DRAWN


def test_options_show_the_url_and_write_it_back(sample_build, render_page):
    search = "?service_area=Housing&group_by=system&window_months=9"
    tree = render_page(create_app(sample_build[0]), "/timeline", search)
    assert by_id(tree, page.OPTION_IDS["rows"])["props"]["value"] == "borough"
    assert by_id(tree, page.OPTION_IDS["group_by"])["props"]["value"] == "system"
    assert by_id(tree, page.RESULTS)["props"]["data-search"] == tl.VIEW.search(tl.VIEW.parse(search))
    assert tl.search_for_options(search, "borough", "system") is None  # the URL says it already
    assert query_of(tl.search_for_options(search, "contract", "system")) == {**query_of(search), "rows": ["contract"]}
    by_area = tl.search_for_options(search, "borough", "service_area")  # the default grouping: no key
    assert query_of(by_area) == {"service_area": ["Housing"], "window_months": ["9"]}
    assert query_of(tl.search_for_options(search, "sideways", "evil")) == query_of(by_area)  # forged: defaults
    rule = next(n for n in walk(by_id(tree, "timeline-rule")) if n["type"] == "Link")
    assert query_of(rule["props"]["href"]) == query_of(search)


def test_bad_rows_value_falls_back(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/timeline", "?rows=sideways&service_area=Housing")
    assert any("Timeline rows" in t and "ignored" in t for t in texts(tree))
    assert "by borough" in graph(tree)["layout"]["title"]["text"]


def test_export_is_the_drawn_contracts(sample_build, render_page):
    assert EXPORTS["timeline"] is tl.timeline_table
    st = state.parse_query("?service_area=Revenues%20and%20Benefits")
    with db.cursor(sample_build[0]) as cur:
        headings, rows = EXPORTS["timeline"](cur, st)
    tree = render_page(create_app(sample_build[0]), "/timeline", "?service_area=Revenues%20and%20Benefits")
    assert headings == tl.TABLE_HEADINGS
    assert len(rows) == len(md_rows(by_id(tree, "timeline-table")))
    assert {r[0] for r in rows} == {"Revenues and Benefits"}


# --------------------------------------------------------------------------- rows never overlap, labels never collide


def bars_by_row(figure: dict) -> dict[int, list[tuple[date, date]]]:
    """Per row, the spans drawn on it (term bars and extension bars), from the figure itself."""
    out: dict[int, list[tuple[date, date]]] = {}
    for t in figure["data"]:
        if t["type"] != "bar":
            continue
        for y, base, x in zip(t["y"], t["base"], t["x"], strict=True):
            start = date.fromisoformat(base)
            out.setdefault(y, []).append((start, start + timedelta(days=x // ft.DAY_MS)))
    return out


def test_a_borough_with_two_contracts_at_once_gets_two_lanes():
    rows = [
        row("a", "E09000003", D(2027, 3, 31)),  # Barnet: two revenues contracts running together
        row("b", "E09000003", D(2028, 3, 31), start=D(2023, 4, 1)),
        row("c", "E09000003", D(2031, 3, 31), start=D(2028, 4, 1)),  # after both: the first lane free
        row("d", "E09000007", D(2027, 6, 30)),
    ]
    figure = figure_of(rows)
    ticks = labels(figure)
    assert ticks == ["<b>Revenues and Benefits</b>", "Barnet", "Barnet (2)", "Camden"]
    for spans in bars_by_row(figure).values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), spans  # nothing drawn over anything
    lanes = tl.borough_lanes([r for r in rows if r["borough_code"] == "E09000003"])
    assert [[c["contract_id"] for c in lane] for lane in lanes] == [["a", "c"], ["b"]]


def test_an_extension_or_an_end_marker_counts_as_drawn():
    rows = [
        row("a", "E09000003", D(2027, 3, 31), max_end=D(2029, 3, 31)),
        row("b", "E09000003", D(2028, 3, 31), start=D(2027, 5, 1)),  # starts inside a's extension
        row("c", "E09000003", D(2026, 1, 31), start=None),  # a marker at its end, inside a's term
    ]
    lanes = tl.borough_lanes(rows)
    assert [[c["contract_id"] for c in lane] for lane in lanes] == [["a"], ["c", "b"]]  # b starts after c's mark


def test_window_labels_are_a_table_not_text_on_the_chart(sample_build, render_page):
    search = "?group_by=service_area&service_area=Revenues%20and%20Benefits"
    tree = render_page(create_app(sample_build[0]), "/timeline", search)
    windows = [t for t in graph(tree)["data"] if t["name"] != ft.TRACE_LABELS]  # only the rows' names are text
    assert windows and all(t.get("mode") != "markers+text" and "text" not in t for t in windows)
    table = by_id(tree, "timeline-windows")
    rows = md_rows(table)
    start = f"{REVS['end_from'].day} {REVS['end_from']:%B %Y}"
    planted = [r for r in rows if r[0] == "Revenues and Benefits" and r[1].startswith(start)]
    assert len(planted) == 1 and planted[0][2] == str(len(REVS["boroughs"]))


def test_overdue_windows_say_so_under_the_chart(sample_build):
    with db.cursor(sample_build[0]) as cur:
        st = {"service_area": ["Revenues and Benefits"]}
        m = tl.model(cur, st, today=REVS["end_from"] - timedelta(days=1))  # procurement long due
        drawn, _ = tl.fitted(m)
        rows = tl.window_rows(m, drawn)
        after = tl.model(cur, st, today=D(2100, 1, 1))
    start = f"{REVS['end_from'].day} {REVS['end_from']:%B %Y}"
    (planted,) = [r for r in rows if r[1].startswith(start)]
    assert planted[3].endswith(": should already have started") and planted[4] == "Procurement overdue"
    assert all(r[3].endswith("should already have started") == (r[4] == "Procurement overdue") for r in rows)
    assert after["windows"] == [] and after["ended_windows"] == len(m["windows"])
    assert "made only of ended contracts not shaded" in tl.summary(after)


# --------------------------------------------------------------------------- the figure budget


def test_the_figure_is_kept_under_its_budget_and_the_note_says_so(sample_build, monkeypatch):
    with db.cursor(sample_build[0]) as cur:
        m = tl.model(cur, {})
        drawn, figure = tl.fitted(m)
        assert ft.json_bytes(figure) <= tl.FIGURE_BUDGET and len(drawn["bars"]) == tl.MAX_DRAWN
        full = ft.json_bytes(figure)
        budget = full * 3 // 4
        monkeypatch.setattr(tl, "FIGURE_BUDGET", budget)
        drawn, figure = tl.fitted(m)
        _, exported = tl.timeline_table(cur, {})
    assert ft.json_bytes(figure) <= budget and tl.MIN_DRAWN <= len(drawn["bars"]) < tl.MAX_DRAWN
    assert f"kept under {budget // 1000} KB" in drawn["note"]
    assert len(exported) == len(drawn["bars"])  # the export holds what is drawn


def test_the_figure_sent_for_the_whole_sample_is_within_budget(sample_build, render_page):
    for search in ("", "?rows=contract", "?group_by=system"):
        figure = graph(render_page(create_app(sample_build[0]), "/timeline", search))
        assert ft.json_bytes(figure) <= tl.FIGURE_BUDGET, search


# --------------------------------------------------------------------------- live by default, a short page


def test_ended_contracts_are_left_out_and_counted_unless_shown(sample_build):
    with db.cursor(sample_build[0]) as cur:
        (ended,) = cur.execute(
            "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE AND stage = "
            "'contract' AND greatest(end_date, max_end_date) < current_date"
        ).fetchone()
        hidden, shown = tl.model(cur, {}), tl.model(cur, {"ended": "show"})
        tree = page.content(cur, {})
        shown_tree = page.content(cur, {"ended": "show"})
    assert ended > 0 and hidden["ended"] == ended and shown["ended"] == 0
    assert shown["total"] == hidden["total"] + ended
    assert all(max(c["end"], c["max_end"] or c["end"]) >= date.today() for c in hidden["rows"])
    assert texts(by_id(tree, "timeline-ended"))[0].startswith(f"{ended} ended contracts are left out")
    assert any("Hide them" in t for t in texts(by_id(shown_tree, "timeline-ended")))


def test_the_page_lists_the_first_windows_and_links_to_all(sample_build):
    with db.cursor(sample_build[0]) as cur:
        m = tl.model(cur, {})
        drawn, _ = tl.fitted(m)
        every = tl.window_rows(m, drawn)
        tree = page.content(cur, {})
    assert len(every) > tl.WINDOWS_LISTED
    assert len(md_rows(by_id(tree, "timeline-windows"))) == tl.WINDOWS_LISTED
    link = by_id(tree, "timeline-all-windows")
    assert link["props"]["href"].startswith("/windows") and f"all {len(every)}" in link["props"]["children"]


def test_bad_url_values_stay_until_dismissed(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/timeline", "?borough=E09000099")
    alerts = [n for n in walk(tree) if "url-problem" in (n["props"].get("className") or "")]
    assert alerts and all(a["type"] == "Alert" and a["props"]["dismissable"] for a in alerts)
    assert any("E09000099" in t for a in alerts for t in texts(a))


def test_at_most_max_shaded_windows_are_shaded_soonest_to_act_first(sample_build, monkeypatch):
    monkeypatch.setattr(tl, "MAX_SHADED", 5)
    with db.cursor(sample_build[0]) as cur:
        m = tl.model(cur, {})
        drawn, figure = tl.fitted(m)
    groups = {r.group for r in drawn["rows"]}
    eligible = sorted(w.procurement_start for w in m["windows"] if w.group in groups)
    assert len(eligible) > 5
    assert [w["procurement_start"] for w in drawn["windows"]] == eligible[:5]
    assert len([s for s in figure["layout"]["shapes"] if s["type"] == "rect"]) == 5
    assert len(trace(figure, ft.TRACE_WINDOWS)["x"]) == 5
    assert f"the 5 soonest to act of {len(m['windows'])} windows shaded" in tl.summary(m)
