"""Systems page: its queries, figures, rendered page and export, on the tiny and the sample databases.

The acceptance criterion of the issue: choosing the system "Mosaic" lists exactly the sample
boroughs that run it (``SAMPLE_SYSTEM_BOROUGHS`` of etl.sample), both from the query function
and on the page as the browser gets it.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import plotly.graph_objects as go
import pytest
from market_helpers import (
    MD_LINK,
    as_json,
    assert_export_is_the_table,
    csv_lines,
    figures,
    links,
    md_text,
    table_headings,
    table_rows,
    text,
)
from pagetree import by_id, walk

from app import create_app
from dashboard import format
from dashboard import links as app_links
from dashboard.figures.systems import end_timeline, score_bars, system_usage_bar
from dashboard.layout import markdown_text
from dashboard.logic import systems as logic
from dashboard.pages import systems as page
from dashboard.queries import systems as q
from dashboard.views import EXPORTS
from etl import reference
from etl.sample import SAMPLE_SYSTEM_BOROUGHS

CAMDEN = "E09000007"
INJECTIONS = ["Mosaic' OR '1'='1", "x'); DROP TABLE contracts; --", 'Mosaic" OR 1=1 --']


def text_of_markdown(node) -> str:
    return "\n".join(n["props"]["children"] for n in walk(node) if n["type"] == "Markdown")


def has_id(tree, component_id: str) -> bool:
    return any(n["props"].get("id") == component_id for n in walk(tree))


# --------------------------------------------------------------------------- queries, tiny database


def test_ranking_lists_borough_systems_only(cur):
    result = q.ranking(cur)
    assert result["total"] == 3  # the TfL contract has no borough and no system
    assert [r["system"] for r in result["rows"]] == ["Capita One", "Civica Pay", "Northgate Revenues"]
    civica = result["rows"][1]
    assert civica["boroughs"] == civica["contracts"] == civica["suppliers"] == 1
    assert civica["earliest_end"] == civica["latest_end"] == date.today() + timedelta(days=30)
    assert civica["confidence"] is None and civica["confidence_n"] == 0


def test_system_contracts_tiny(cur):
    result = q.system_contracts(cur, {"system": "Northgate Revenues"})
    assert result["total"] == 1
    (row,) = result["rows"]
    assert (row["borough_code"], row["supplier"], row["annual_value"]) == ("E09000002", "Northgate", 250_000)
    assert q.system_contracts(cur, {}) == {"rows": [], "total": 0}


def test_ranking_respects_other_filters(cur):
    assert [r["system"] for r in q.ranking(cur, {"borough": "E09000003"})["rows"]] == ["Capita One"]
    assert q.ranking(cur, {"supplier": "O'Brien & Sons Ltd"})["rows"] == []  # a quote is data; no system
    assert [r["system"] for r in q.ranking(cur, {"q": "civica"})["rows"]] == ["Civica Pay"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_are_literal_values(cur, value):
    assert q.system_contracts(cur, {"system": value})["rows"] == []
    assert q.ranking(cur, {"supplier": value})["rows"] == []
    assert q.ranking(cur)["total"] == 3  # nothing was dropped or changed


# --------------------------------------------------------------------------- queries, sample database


def test_mosaic_lists_exactly_the_sample_boroughs_that_run_it(sample_cur):
    rows = q.system_contracts(sample_cur, {"system": "Mosaic"})["rows"]
    assert sorted({r["borough_code"] for r in rows}) == SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    assert {r["system"] for r in rows} == {"Mosaic"}


def test_every_sample_system_lists_its_boroughs(sample_cur):
    for system, boroughs in SAMPLE_SYSTEM_BOROUGHS.items():
        rows = q.system_contracts(sample_cur, {"system": system})["rows"]
        assert sorted({r["borough_code"] for r in rows}) == boroughs, system


def test_ranking_matches_a_direct_count(sample_cur):
    result = q.ranking(sample_cur)
    direct = sample_cur.execute(
        """
        SELECT system_name, count(DISTINCT borough_code), count(*), count(DISTINCT supplier_name),
               min(end_date), max(end_date), avg(confidence), count(confidence)
        FROM contracts WHERE borough_code IS NOT NULL AND system_name IS NOT NULL GROUP BY system_name
        """
    ).fetchall()
    assert result["total"] == len(direct) == len(SAMPLE_SYSTEM_BOROUGHS)
    expected = {r[0]: r[1:] for r in direct}
    for row in result["rows"]:
        got = (row["boroughs"], row["contracts"], row["suppliers"], row["earliest_end"], row["latest_end"])
        assert got == expected[row["system"]][:5]
        assert row["confidence"] == pytest.approx(expected[row["system"]][5])
        assert row["confidence_n"] == expected[row["system"]][6]
    order = [(-r["boroughs"], -r["contracts"], r["system"]) for r in result["rows"]]
    assert order == sorted(order)
    assert next(r for r in result["rows"] if r["system"] == "Mosaic")["boroughs"] == len(
        SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    )


def test_mosaic_contract_fields_match_the_table(sample_cur):
    rows = q.system_contracts(sample_cur, {"system": "Mosaic"})["rows"]
    direct = sample_cur.execute(
        """
        SELECT borough_code, supplier_name, end_date, max_end_date, annual_value, confidence, satisfaction
        FROM contracts WHERE system_name = 'Mosaic' AND borough_code IS NOT NULL ORDER BY borough_code
        """
    ).fetchall()
    got = sorted(
        (r["borough_code"], r["supplier"], r["end_date"], r["max_end_date"], r["annual_value"], r["confidence"],
         r["satisfaction"])
        for r in rows
    )  # fmt: skip
    assert got == direct
    ends = [r["end_date"] for r in rows]
    assert ends == sorted(ends)  # soonest end first


def test_mosaic_scores_match_a_direct_average(sample_cur):
    summary = q.summarise_scores(q.score_counts(sample_cur, {"system": "Mosaic"}), ["Mosaic"])
    assert [s["measure"] for s in summary] == ["confidence", "satisfaction"]
    for s in summary:
        column = q.SCORES[s["measure"]][0]
        mean, n, missing = sample_cur.execute(
            f"SELECT avg({column}), count({column}), count(*) - count({column}) FROM contracts "
            "WHERE system_name = 'Mosaic' AND borough_code IS NOT NULL"
        ).fetchone()
        assert (s["n"], s["missing"]) == (n, missing)
        assert s["mean"] == pytest.approx(mean)
        assert sum(s["distribution"].values()) == n


def test_summarise_scores_on_hand_made_counts():
    counts = [
        {"system": "B", "measure": "satisfaction", "score": 5, "n": 1},
        {"system": "A", "measure": "confidence", "score": 1, "n": 2},
        {"system": "A", "measure": "confidence", "score": 4, "n": 2},
        {"system": "A", "measure": "confidence", "score": None, "n": 3},
    ]
    a, b = q.summarise_scores(counts, ["A", "B"])
    assert (a["system"], a["n"], a["missing"], a["mean"]) == ("A", 4, 3, 2.5)
    assert a["distribution"] == {1: 2, 2: 0, 3: 0, 4: 2, 5: 0}
    assert (b["system"], b["measure"], b["mean"]) == ("B", "satisfaction", 5)


def test_camden_filter_restricts_everything(sample_cur):
    camden = {"borough": CAMDEN}
    ranking = q.ranking(sample_cur, camden, limit=1000)["rows"]
    (direct,) = sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code = ? AND system_name IS NOT NULL", [CAMDEN]
    ).fetchone()
    assert sum(r["contracts"] for r in ranking) == direct
    assert {r["boroughs"] for r in ranking} == {1}
    system = next(s for s, boroughs in SAMPLE_SYSTEM_BOROUGHS.items() if CAMDEN in boroughs and len(boroughs) > 1)
    rows = q.system_contracts(sample_cur, {**camden, "system": system})["rows"]
    assert {r["borough_code"] for r in rows} == {CAMDEN}
    assert CAMDEN not in SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    assert q.system_contracts(sample_cur, {**camden, "system": "Mosaic"})["rows"] == []
    assert q.boroughs_in_data(sample_cur, {**camden, "system": "Mosaic"}) == 1


# --------------------------------------------------------------------------- links and figures


def test_href_keeps_other_keys_and_encodes_any_name():
    name = "A&B 'x' <y>?=#"
    st = {"borough": ["E09000001", "E09000002"], "system": "Old", "q": "pay"}
    link = page.cell_href(logic.Link("systems", {"system": name}), st)
    parts = urlsplit(link)
    assert parts.path == "/systems"
    assert parse_qs(parts.query) == {"borough": ["E09000001", "E09000002"], "system": [name], "q": ["pay"]}
    assert app_links.href("systems", {"system": "Old", "borough": ""}, system=None) == "/systems"
    # a link to another view carries only that view's keys (``rank_by`` is the suppliers view's)
    assert app_links.href("contracts", {"rank_by": "value", "borough": "E09000001"}, supplier="X") == (
        "/contracts?borough=E09000001&supplier=X"
    )
    assert page.cell_href(logic.Link("borough", {"code": CAMDEN}), st) == f"/borough/{CAMDEN}"


def test_figures_are_valid_plotly_and_count_right():
    today = date(2026, 3, 5)
    items = [
        {"label": "Camden", "group": "Mosaic", "end": date(2027, 3, 31), "max_end": date(2029, 3, 31), "detail": "x"},
        {"label": "Brent", "group": "Mosaic", "end": date(2026, 6, 30), "max_end": None, "detail": "<b>y</b>"},
        {"label": "Ealing", "group": "Mosaic", "end": None, "max_end": None, "detail": "z"},
    ]
    timeline = end_timeline(items, "When each borough's Mosaic contract ends", today)
    go.Figure(timeline)
    dots = next(t for t in timeline["data"] if t["mode"] == "markers")
    assert dots["x"] == ["2027-03-31", "2026-06-30"] and dots["y"] == ["Camden", "Brent"]
    assert dots["hovertext"][1] == "&lt;b&gt;y&lt;/b&gt;"  # names are shown, never applied as markup
    extension = next(t for t in timeline["data"] if t["mode"] == "lines+markers")
    assert extension["x"] == ["2027-03-31", "2029-03-31", None]
    assert "1 contract without an end date not shown" in [a["text"] for a in timeline["layout"]["annotations"]]
    assert timeline["layout"]["title"]["text"] == "When each borough's Mosaic contract ends"

    usage = system_usage_bar([{"system": f"S{i}", "boroughs": 20 - i, "contracts": 20 - i} for i in range(20)], 15)
    go.Figure(usage)
    assert len(usage["data"][0]["y"]) == 15
    assert usage["layout"]["title"]["text"] == "The 15 systems used by the most boroughs"

    summary = q.summarise_scores([{"system": "A", "measure": "confidence", "score": 3, "n": 2}], ["A"])
    scores = score_bars(summary)
    go.Figure(scores)
    assert [t["x"] for t in scores["data"]] == [[0], [0], [2], [0], [0]]
    go.Figure(end_timeline([], "Nothing", today))
    go.Figure(system_usage_bar([]))
    assert logic.show(date(2027, 3, 31), "date") == format.short_date(date(2027, 3, 31)) == "31 Mar 2027"


# --------------------------------------------------------------------------- content, export, rendered page


def test_content_and_export_show_the_same_rows(sample_cur):
    assert EXPORTS["systems"] is logic.export_table
    for filters in ({}, {"system": "Mosaic"}, {"system": ["Mosaic", "ArcGIS"], "borough": ["E09000005", CAMDEN]}):
        tree = as_json(page.content(sample_cur, filters))
        table_id = "systems-boroughs-table" if filters else "systems-table"
        assert_export_is_the_table(tree, table_id, *EXPORTS["systems"](sample_cur, filters))
        for fig in figures(tree):
            go.Figure(fig)


def test_export_of_several_systems_names_the_system(sample_cur):
    st = {"system": ["Mosaic", "ArcGIS"], "ended": "show"}
    headings, rows = EXPORTS["systems"](sample_cur, st)
    assert EXPORTS["systems"](sample_cur, {**st, "page": 2})[1] == rows  # every page: the page shown is no matter
    assert headings[:2] == ["Borough", "System"]
    assert len(rows) > q.DETAIL_LIMIT  # more than the page on screen
    assert {r[1] for r in rows} == {"Mosaic", "ArcGIS"}
    assert len(rows) == len(SAMPLE_SYSTEM_BOROUGHS["Mosaic"]) + len(SAMPLE_SYSTEM_BOROUGHS["ArcGIS"])


def test_content_reports_a_bad_date_instead_of_failing(cur):
    tree = as_json(page.content(cur, {"end_from": "not-a-date"}))
    assert "end_from" in text(by_id(tree, "systems-bad-filter"))


def test_rendered_page_for_mosaic_lists_its_boroughs(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/systems", "?system=Mosaic&ended=show")
    expected = SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    hrefs = links(tree, "systems-boroughs-table")
    assert sorted(hrefs) == [f"/borough/{code}" for code in expected]
    names = reference.borough_names()
    assert sorted(r[0] for r in table_rows(tree, "systems-boroughs-table")) == sorted(names[c] for c in expected)
    assert text(by_id(tree, "systems-question")) == "Which boroughs use Mosaic"
    titles = [f["layout"]["title"]["text"] for f in figures(tree)]
    assert "When each borough's Mosaic contract ends" in titles
    timeline = figures(tree)[titles.index("When each borough's Mosaic contract ends")]
    dots = next(t for t in timeline["data"] if t["mode"] == "markers")
    assert sorted(dots["y"]) == sorted(names[c] for c in expected)
    assert by_id(tree, "systems-back")["props"]["href"] == "/systems?ended=show"


def test_rendered_ranking_links_each_system_keeping_the_filters(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/systems", f"?borough={CAMDEN}&q=a")
    rows = table_rows(tree, "systems-table")
    hrefs = links(tree, "systems-table")
    assert len(hrefs) == len(rows) > 0
    for row, link in zip(rows, hrefs, strict=True):
        parts = urlsplit(link)
        assert parts.path == "/systems"
        assert parse_qs(parts.query) == {"borough": [CAMDEN], "q": ["a"], "system": [row[0]]}
    assert {r[1] for r in rows} == {"1"}  # one borough: Camden


def test_rendered_page_reports_ignored_url_parts(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/systems", "?system=Mosaic&borough=E09000099&ended=show")
    warnings = [n for n in walk(tree) if "url-problem" in (n["props"].get("className") or "")]
    assert any("E09000099" in text(w) for w in warnings)
    assert all(w["type"] == "Alert" and w["props"]["dismissable"] for w in warnings)  # kept until dismissed
    assert sorted(links(tree, "systems-boroughs-table")) == [f"/borough/{c}" for c in SAMPLE_SYSTEM_BOROUGHS["Mosaic"]]


def test_export_route_returns_the_rows_on_screen(sample_db, render_page):
    app = create_app(sample_db)
    search = f"?system=Mosaic&system=ArcGIS&borough=E09000005&borough={CAMDEN}&borough=E09000009&ended=show"
    tree = render_page(app, "/systems", search)
    export_link = by_id(tree, "systems-download-csv")["props"]["href"]
    assert export_link.startswith("/export/systems.csv?")
    lines = csv_lines(app, export_link)
    rows = table_rows(tree, "systems-boroughs-table")
    assert lines[0] == table_headings(tree, "systems-boroughs-table")
    assert [line[0] for line in lines[1:]] == [r[0] for r in rows]
    assert {line[1] for line in lines[1:]} == {"Mosaic", "ArcGIS"}


def test_rendered_page_treats_an_injection_attempt_as_a_name(tiny_db, render_page):
    tree = render_page(create_app(tiny_db), "/systems", "?system=Civica+Pay%27+OR+%271%27%3D%271")
    assert "Civica Pay' OR '1'='1" in text(by_id(tree, "systems-not-found"))
    assert not has_id(tree, "systems-boroughs-table")
    tree = render_page(create_app(tiny_db), "/systems", "?system=Civica+Pay")
    assert [r[0] for r in table_rows(tree, "systems-boroughs-table")] == ["City of London"]


# --------------------------------------------------------------------------- status and whom to call


def test_each_contract_says_its_status_by_the_one_rule(sample_cur):
    from dashboard import status

    table, result = logic.main_table(sample_cur, {"system": "Mosaic", "ended": "show"})
    col = table.headings.index("Status")
    today = date.today()
    assert [r[col] for r in table.rows] == [
        status.status(r["end_date"], r["max_end_date"], today) for r in result["rows"]
    ]
    assert [r[col] for r in table.export()[1]] == [status.label(r[col]) for r in table.rows]  # words in the export
    ended = logic.detail_table(result["rows"], False, today=date(2100, 1, 1))
    assert {r[col] for r in ended.rows} == {"ended"}  # judged on the day given


def test_contact_cells_link_only_safe_emails():
    text_, link = logic.contact_cells({"name": "R. Chen", "email": "r.chen@example.org", "phone": "020 7000 0000"})
    assert text_ == "R. Chen · 020 7000 0000" and link.values == {"email": "r.chen@example.org"}
    assert logic.contact_cells({"name": "X", "email": "javascript:alert(1)", "phone": None}) == ("X", None)
    assert logic.contact_cells(None) == (None, None)
    assert page.cell_href(link, {}) == "mailto:r.chen@example.org"


def test_systems_show_whom_to_call_to_members_and_say_so_to_the_public(full_sample_build, render_page):
    from dashboard.queries import my_borough as contacts_q

    app = create_app(full_sample_build[0])
    system = "Northgate iWorld"
    member = render_page(app, "/systems", f"?system={system}")
    contact = table_headings(member, "systems-boroughs-table").index("Contact")
    shown = [r[contact] for r in table_rows(member, "systems-boroughs-table") if r[contact] != "–"]
    from dashboard import db

    with db.cursor(full_sample_build[0]) as cur:
        _t, result = logic.main_table(cur, {"system": system})
        known = contacts_q.contacts(cur, [r["contract_id"] for r in result["rows"]])
    assert shown and len(shown) == len(known)
    mails = [href for _t, href in MD_LINK.findall(text_of_markdown(by_id(member, "systems-boroughs-table")))
             if href.startswith("mailto:")]  # fmt: skip
    safe = [app_links.safe_email(c["email"]) for c in known.values()]
    assert mails and sorted(mails) == sorted(f"mailto:{e}" for e in safe if e)
    assert not [n for n in walk(member) if n["props"].get("id") == "systems-contacts-note"]
    public = render_page(app, "/systems", f"?system={system}", member=False)
    assert "signed-in members" in text(by_id(public, "systems-contacts-note"))
    public_shown = [r[contact] for r in table_rows(public, "systems-boroughs-table") if r[contact] != "–"]
    assert len(public_shown) < len(shown)


# --------------------------------------------------------------------------- live by default, badges, pages


def _ended_in_sample(cur, system: str) -> int:
    (n,) = cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE AND system_name = ? "
        "AND greatest(end_date, max_end_date) < current_date",
        [system],
    ).fetchone()
    return n


def test_ended_contracts_are_hidden_by_default_and_counted(sample_cur):
    system = sample_cur.execute(  # the sample system with the most ended contracts
        "SELECT system_name FROM contracts WHERE borough_code IS NOT NULL AND greatest(end_date, max_end_date) "
        "< current_date AND system_name IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]
    ended = _ended_in_sample(sample_cur, system)
    assert ended > 0
    tree = as_json(page.content(sample_cur, {"system": system}))
    shown = as_json(page.content(sample_cur, {"system": system, "ended": "show"}))
    statuses = [r[table_headings(tree, "systems-boroughs-table").index("Status")]
                for r in table_rows(tree, "systems-boroughs-table")]  # fmt: skip
    assert "Ended" not in statuses
    assert len(table_rows(shown, "systems-boroughs-table")) == len(statuses) + ended
    note = by_id(tree, "systems-ended")
    assert text(note).startswith(f"{format.plural(ended, 'ended contract')}")
    assert parse_qs(urlsplit(links(note)[0]).query)["ended"] == ["show"]
    assert "Hide them" in text(by_id(shown, "systems-ended"))


def test_status_is_said_in_words_of_the_one_rule(sample_cur):
    from dashboard import status

    tree = as_json(page.content(sample_cur, {"system": "Mosaic", "ended": "show"}))
    col = table_headings(tree, "systems-boroughs-table").index("Status")
    _, result = logic.main_table(sample_cur, {"system": "Mosaic", "ended": "show"})
    keys = [status.status(r["end_date"], r["max_end_date"], date.today()) for r in result["rows"]]
    assert len(set(keys)) > 1  # more than one status to tell apart
    assert [r[col] for r in table_rows(tree, "systems-boroughs-table")] == [status.label(k) for k in keys]


def test_tables_are_one_markdown_component_with_every_link(sample_cur):
    """The ranking and the detail tables: one Markdown component each (not a component per cell, link
    and badge), no raw HTML, and a link for every system name, borough and safe contact email."""
    for st, table_id in (({}, "systems-table"), ({"system": "Mosaic", "ended": "show"}, "systems-boroughs-table")):
        tree = as_json(page.content(sample_cur, st))
        table = by_id(tree, table_id)
        kinds = {n["type"] for n in walk(table)}
        assert kinds == {"Div", "P", "Markdown"}, kinds
        (md,) = [n for n in walk(table) if n["type"] == "Markdown"]
        assert md["props"].get("dangerously_allow_html") is not True
        assert "markdown-links" in table["props"]["className"].split()
        rows = table_rows(tree, table_id)
        assert len(links(tree, table_id)) == len(rows) > 0  # a system's page, or a borough's


def test_a_cell_link_is_text_and_an_unsafe_href_no_link():
    name = "A [b](c) *d* <i>"
    assert page.cell_markdown(name, "text", "/systems?system=A") == f"[{markdown_text(name)}](</systems?system=A>)"
    (found,) = MD_LINK.findall(page.cell_markdown(name, "text", "/systems?system=A"))
    assert found[1] == "/systems?system=A" and md_text(found[0]) == name  # the name's marks are its own text
    assert page.cell_markdown("x", "text", "/a<script>") == "x"
    assert page.cell_markdown(None, "text", "/systems") == "–"
    assert page.cell_markdown("ended", "status", None) == "Ended"


def test_ranking_is_paged_and_every_page_links_on(sample_cur):
    first = as_json(page.content(sample_cur, {"ended": "show"}))
    total = q.ranking(sample_cur, {}, limit=10_000)["total"]
    assert total > q.RANKING_LIMIT
    assert len(table_rows(first, "systems-table")) == q.RANKING_LIMIT
    pager = by_id(first, "systems-pager")
    assert f"of {total:,}" in text(pager)
    seen = []
    for n in range(1, logic.pages(total, q.RANKING_LIMIT) + 1):
        tree = as_json(page.content(sample_cur, {"ended": "show", "page": n}))
        seen += [r[0] for r in table_rows(tree, "systems-table")]
        assert has_id(tree, "systems-usage-chart") == (n == 1)  # the chart heads the first page only
    assert len(seen) == len(set(seen)) == total
    beyond = as_json(page.content(sample_cur, {"ended": "show", "page": 999}))  # past the end: the last page
    assert table_rows(beyond, "systems-table")[-1][0] == seen[-1]


def test_columns_left_out_on_a_phone_stay_in_the_export(sample_cur):
    tree = as_json(page.content(sample_cur, {}))
    headings = table_headings(tree, "systems-table")
    classes = by_id(tree, "systems-table")["props"]["className"].split()
    hidden = [h for j, h in enumerate(headings) if page.PHONE_HIDDEN.format(j + 1) in classes]
    exported, _ = EXPORTS["systems"](sample_cur, {})
    assert hidden and set(hidden) < set(exported) and "System" not in hidden
    assert hidden == [c.heading for c in logic.RANKING_COLUMNS if not c.phone]
