"""No input takes a page down, and no export can attack (issue 12, parts 3 and 4).

Through the Flask test client of ``create_app`` on hand-made databases, and by direct calls:
every URL value of every view within its range (``end_from=9999-01-01`` was a 500), forged
``/_dash-update-component`` bodies of every callback with values of every wrong type and size,
chart labels that stay text whatever a supplier is called, an email check that cannot backtrack,
CSV cells that stay one cell in every delimiter, infinite sums that are shown as unknown, and a
borough page that shows the borough of its path.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date, timedelta

import openpyxl
import pytest
from handmade import record, write_records
from hypothesis import given, settings
from hypothesis import strategies as st
from members import member_client
from pagetree import render, texts, walk

from app import create_app
from dashboard import exports, format, links, state, views, xlsx
from dashboard.figures import esc
from dashboard.figures import expiring as fexp
from dashboard.figures import matrix as fmatrix
from dashboard.figures import overview as fover
from dashboard.figures import suppliers as fsup
from dashboard.figures import systems as fsys
from dashboard.figures import timeline as ftl
from dashboard.logic import timeline as tl
from dashboard.logic.windows import find_windows
from dashboard.queries import SOURCE_GROUPS
from dashboard.queries.windows import Contract

TODAY = date.today()
HOSTILE = (
    '<a href="https://evil.example">Tender documents</a> <b>BOLD</b> <br>BREAK <i>IT</i> '
    '<span style="color:red">S</span> &lt;x&gt;'
)
# What must never reach plotly raw: each of HOSTILE's tags, and its entity (plotly would decode it
# to "<x>"; escaped, it shows as the characters "&lt;x&gt;" the supplier's name holds).
RAW = ("<a", "</a>", "<b>BOLD", "<br>BREAK", "<i>IT", "<span", "&lt;x&gt;")


# An "address" the old check (a repeated class either side of the dot) took seconds on: 3.8 s at
# 16 KB, 29 s at 64 KB, quadratic; every page listing the contact paid it on every render.
BACKTRACKS = "a@" + "." * 16_384 + "<"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """Open-data contracts (public: every field reaches an anonymous request) with hostile names,
    a 64 KB contact email, cells with every delimiter, and values that sum to infinity."""
    ends = [TODAY + timedelta(days=d) for d in (60, 90, 120, 150)]
    recs = [
        record(
            f"h{i}",
            source="contracts_finder",
            borough_code=code,
            supplier_name=HOSTILE if i % 2 == 0 else f'x;=1+1|=2\t,"=HYPERLINK(""http://evil.example"")" {i}',
            system_name=HOSTILE,
            title=f"-2+3;@SUM(1)|{i}\n=1+1\r\n@cmd",
            end_date=end,
            max_end_date=end + timedelta(days=365),
            annual_value=1e308,
            total_value=1e308,
            contact_name="A Buyer",
            contact_email=BACKTRACKS if i == 0 else "buyer@example.org",
        )
        for i, (code, end) in enumerate(zip(("E09000007", "E09000012", "E09000019", "E09000001"), ends, strict=True))
    ]
    return write_records(tmp_path_factory.mktemp("hostile") / "hostile.duckdb", recs)


@pytest.fixture(scope="module")
def app(hostile_db):
    return create_app(hostile_db)


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def page_texts(client, path: str, search: str = "") -> list[str]:
    return texts(render(client, path, search))


# --------------------------------------------------------------------------- 1. URL values in range


@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_every_key_of_every_view_drops_and_reports_values_out_of_range(view):
    for name, key in view.key_set.items():
        for value in ("9999-01-01", "0001-01-01", "99999", "-99999", "x" * 5000, "\x00x"):
            parsed, problems = view.check({name: value})
            if name in parsed:  # kept: then it is valid, canonical and in range
                kept = parsed[name][0] if key.multiple else parsed[name]
                assert key.parse(str(kept)) == kept
                assert len(str(kept)) <= 2 * state.MAX_TEXT + 20
            else:
                assert problems, (view.stem, name, value[:20])
    for name in ("end_from", "end_to"):
        parsed, problems = view.check({name: "9999-01-01"})
        assert name not in parsed
        assert problems == [
            f"{state.FILTERS[name].label}: 9999-01-01 is not between 1990-01-01 and 2100-12-31; ignored."
        ]


def test_integer_keys_are_kept_within_their_limits():
    view = views.get("windows")
    assert view.check({"window_months": "36"})[0] == {"window_months": 36}
    for value in ("37", "0", "-1", "99999999999999999999", "1e3", "nan"):
        parsed, problems = view.check({"window_months": value})
        assert parsed == {} and len(problems) == 1, value
    expiring = views.get("expiring")
    assert expiring.check({"months": "5"})[0] == {}  # not one of the horizons


def test_report_window_date_is_within_range():
    view = views.get("report")
    assert view.check({"window": "Parking|2027-01-01"})[0] == {"window": "Parking|2027-01-01"}
    parsed, problems = view.check({"window": "Parking|9999-01-01"})
    assert parsed == {} and "9999-01-01 is not between" in problems[0]
    long_group = view.check({"window": "P" * 500 + "|2027-01-01"})[0]["window"]
    assert long_group == "P" * state.MAX_TEXT + "|2027-01-01"


@pytest.mark.parametrize(
    "url",
    [
        "/export/expiring.csv?end_from=9999-01-01",
        "/export/expiring.xlsx?end_from=9999-01-01",
        "/export/expiring.csv?end_to=9999-12-31&months=36",
        "/calendar.ics?end_from=9999-01-01",
        "/report/html?window=Parking%7C9999-01-01",
        "/report/xlsx?end_from=9999-01-01",
    ],
)
def test_far_dates_are_not_a_server_error(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400), (url, response.status_code)
    if "xlsx" not in url:  # the file, its X-CityTools-Ignored header or the 400 says what was ignored
        said = response.get_data() + response.headers.get("X-CityTools-Ignored", "").encode()
        assert b" is not between 1990-01-01 and 2100-12-31" in said


def test_expiring_page_with_a_far_date_renders_and_says_what_it_ignored(client):
    shown = " ".join(page_texts(client, "/expiring", "?end_from=9999-01-01"))
    assert "9999-01-01 is not between 1990-01-01 and 2100-12-31" in shown


@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_every_page_and_export_takes_hostile_values_of_all_its_keys(client, view):
    bad = ["9999-01-01", "99999", "-1", "x" * 3000, "%00", "%ED%A0%80", "E09000099", "a,b;c"]
    query = "?" + "&".join(f"{name}={v}" for name in view.key_set for v in bad)
    render(client, view.path.replace("<code>", "E09000007"), query)  # asserts a 200
    for name in view.exports:
        for fmt in exports.FORMATS:
            response = client.get(f"/export/{name}.{fmt}{query}")
            assert response.status_code == 200, (name, fmt)
            response.get_data()  # a streamed CSV fails while it is read, not when it starts


# --------------------------------------------------------------------------- 2. forged callbacks

GRID = {"type": "contracts-grid", "query": "end_from=9999-01-01"}
MANY = "?end_from=9999-01-01&" + "&".join(f"supplier={i}" for i in range(5000))
WRONG = [None, 12345, -1, 1.5e308, True, {"a": 1}, [{"x": 1}], [["a"]], ["x"] * 5000, "x" * 100_000, "9999-01-01",
         ["E09000001", {"k": []}], MANY]  # fmt: skip
# Dash's own pages router calls str methods on its location: dashboard/serving.py refuses other shapes.
ROUTER = "_pages_location"
DEFAULTS = {"pathname": "/", "search": ""}


def dependencies(client) -> list[dict]:
    return [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]


def _ident(text: str) -> object:
    return GRID if text.startswith("{") else text


def _outputs(dep: dict) -> object:
    out = dep["output"]
    if out.startswith(".."):
        parts = [p.rsplit(".", 1) for p in out.strip(".").split("...")]
        return [{"id": _ident(i), "property": p} for i, p in parts]
    i, p = out.rsplit(".", 1) if not out.startswith("{") else (out[: out.rindex("}") + 1], out[out.rindex("}") + 2 :])
    return {"id": _ident(i), "property": p}


def _item(x: dict, value: object) -> object:
    if '"ALL"' in x["id"]:
        return [{"id": GRID, "property": x["property"], "value": value}]
    return {"id": _ident(x["id"]), "property": x["property"], "value": value}


def forged(dep: dict, slot: tuple[str, int] | None, value: object) -> dict:
    """A callback body as the renderer sends it, with ``value`` in one input or state (the others
    as a page would hold them: a path, an empty search, the grid's own id)."""

    def given(kind: str, j: int, x: dict) -> object:
        if (kind, j) == slot:
            return value
        return GRID if x["property"] == "id" else DEFAULTS.get(x["property"])

    changed = dep["inputs"][slot[1] if slot and slot[0] == "inputs" else 0]
    return {
        "output": dep["output"],
        "outputs": _outputs(dep),
        "inputs": [_item(x, given("inputs", j, x)) for j, x in enumerate(dep["inputs"])],
        "state": [_item(x, given("state", j, x)) for j, x in enumerate(dep["state"])],
        "changedPropIds": [f"{changed['id']}.{changed['property']}"],
    }


def post(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def test_forged_callbacks_with_wrong_types_and_sizes_are_never_a_server_error(client):
    failures, sent = [], 0
    for dep in dependencies(client):
        slots = [("inputs", j, x) for j, x in enumerate(dep["inputs"])]
        slots += [("state", j, x) for j, x in enumerate(dep["state"])]
        for kind, j, x in slots:
            for value in WRONG:
                response = post(client, forged(dep, (kind, j), value))
                sent += 1
                if response.status_code >= 500:
                    failures.append((dep["output"][:40], x["id"], x["property"], repr(value)[:30]))
    assert sent > 300
    assert not failures, failures


def test_the_pages_router_refuses_a_pathname_that_is_not_text(client):
    dep = next(d for d in dependencies(client) if "_pages_content.children" in d["output"])
    assert post(client, forged(dep, ("inputs", 0), 12345)).status_code < 500


def test_the_contracts_grid_refuses_an_id_that_is_not_its_own(client):
    dep = next(d for d in dependencies(client) if "getRowsResponse" in d["output"])
    body = forged(dep, ("inputs", 0), {"startRow": 0, "endRow": 10})
    body["state"][0]["value"] = 12345
    assert post(client, body).status_code < 500


def test_the_filter_bar_reads_at_most_max_values_of_a_list(client):
    """A forged body with thousands of supplier values writes a URL with the first ``MAX_VALUES``."""
    dep = next(d for d in dependencies(client) if d["output"].startswith("..url.search...filter-borough.value"))
    slot = next(j for j, x in enumerate(dep["inputs"]) if x["id"] == "filter-supplier")
    values = [f"s{i:05d}" for i in range(20_000)]
    body = forged(dep, ("inputs", slot), values)
    body["changedPropIds"] = ["filter-supplier.value"]
    response = post(client, body)
    assert response.status_code == 200
    search = response.get_json()["response"]["url"]["search"]
    assert state.parse_query(search)["supplier"] == values[: state.MAX_VALUES]


def test_list_values_are_capped_before_they_are_parsed():
    """The cost of a list is bounded by ``MAX_VALUES``, whatever its length: count the parser's calls."""
    calls = []

    def parse(value: str) -> str:
        calls.append(value)
        return state.text(value)

    keys = {"supplier": state.Key("supplier", parse, multiple=True, label="Supplier")}
    parsed, problems = state.check_params({"supplier": [f"s{i}" for i in range(100_000)]}, keys)
    assert len(calls) == len(parsed["supplier"]) == state.MAX_VALUES
    assert problems == [f"Supplier: more than {state.MAX_VALUES} values; only the first {state.MAX_VALUES} were read."]


@pytest.mark.parametrize(
    ("given", "kept", "problem"),
    [
        ({"supplier": {"a": 1}}, {}, "Supplier: a value of the wrong kind (dict); ignored."),
        ({"supplier": [["Capita"]]}, {}, "Supplier: a value of the wrong kind (list); ignored."),
        ({"supplier": 12345}, {}, "Supplier: a value of the wrong kind (int); ignored."),
        ({"q": True}, {}, "Text contains: a value of the wrong kind (bool); ignored."),
        ({"borough": ["E09000007", {"k": []}]}, {"borough": ["E09000007"]}, "wrong kind (dict)"),
        ({"q": "a" * 100_000}, {"q": "a" * state.MAX_TEXT}, "longer than 200 characters; shortened"),
        ({"q": "x\x00y\ud800"}, {"q": "xy\ufffd"}, None),
    ],
)
def test_values_of_the_wrong_type_are_ignored_and_reported(given, kept, problem):
    parsed, problems = state.check_params(given)
    assert parsed == kept
    assert (problem is None and problems == []) or any(problem in p for p in problems)


def test_a_search_that_is_not_text_is_an_empty_query():
    assert state.check_query({"a": 1}) == ({}, ["The link's query was not text (dict); ignored."])
    assert state.check_query(12345)[0] == {}
    assert views.at({"a": 1}) is views.get("overview")  # a forged pathname: the default view's keys


# --------------------------------------------------------------------------- 3. chart labels are text


def strings(node, path: str = "", shown_custom: bool = True):
    """Every string a figure dict holds, with where, leaving out what plotly never draws: a
    trace's ``customdata`` when no hover template shows it (a click payload), shapes' names."""
    if isinstance(node, dict):
        template = str(node.get("hovertemplate", ""))
        for k, v in node.items():
            if k == "customdata" and "customdata" not in template:
                continue
            if k == "name" and ".shapes" in path:
                continue
            yield from strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def assert_plain_text(figure: dict, reached: bool = True) -> None:
    found = list(strings(figure))
    raw = [(where, text[:80]) for where, text in found if any(r in text for r in RAW)]
    assert not raw, raw
    if reached:  # the hostile name is in the figure, as the characters it is made of
        assert any(esc(HOSTILE) in text for _, text in found)


class Measure:
    label = HOSTILE
    title = HOSTILE
    kind = "count"


def _timeline_chart() -> dict:
    names = ["E09000007", "E09000012", "E09000019"]
    rows = [
        {"contract_id": f"c{i}", "borough_code": code, "group": HOSTILE, "supplier": HOSTILE, "system": HOSTILE,
         "start": TODAY - timedelta(days=900), "end": TODAY + timedelta(days=200 + i),
         "max_end": TODAY + timedelta(days=500), "annual_value": 1.0}
        for i, code in enumerate(names)
    ]  # fmt: skip
    contracts = [Contract(r["contract_id"], r["group"], r["borough_code"], r["end"], r["end"], r["max_end"],
                          r["supplier"], r["system"]) for r in rows]  # fmt: skip
    windows, _ = find_windows(contracts)
    assert windows  # the window's group is drawn too
    return tl.chart(rows, windows, mode="contract")


FIGURES = {
    "overview.borough_bar": lambda: fover.borough_bar(
        [{"name": HOSTILE, "total": 3, **dict.fromkeys(SOURCE_GROUPS, 1)}], SOURCE_GROUPS
    ),
    "overview.service_area_bar": lambda: fover.service_area_bar([{"service_area": HOSTILE, "contracts": 2}]),
    "matrix.tile_figure": lambda: fmatrix.tile_figure({"E09000001": 3.0}, Measure()),
    "suppliers.share_bar": lambda: fsup.share_bar(
        [{"supplier": HOSTILE, "contracts_share": 70.0}, {"supplier": "All others", "contracts_share": 30.0}],
        "contracts",
        HOSTILE,
        others="All others",
    ),
    "suppliers.hhi_bar": lambda: fsup.hhi_bar(
        [{"service_area": HOSTILE, "hhi": 5000, "band": "high", "reading": HOSTILE, "suppliers": 2}], [1500, 2500]
    ),
    "suppliers.vfm_scatter": lambda: fsup.vfm_scatter(
        [{"service_area": HOSTILE, "vendors": 3, "score": 2.5, "scores": 4, "boroughs": 2}]
    ),
    "systems.system_usage_bar": lambda: fsys.system_usage_bar([{"system": HOSTILE, "boroughs": 3, "contracts": 4}]),
    "systems.score_bars": lambda: fsys.score_bars(
        [{"system": HOSTILE, "label": HOSTILE, "distribution": {1: 2, 5: 1}, "n": 3}], several_systems=True
    ),
    "systems.end_timeline": lambda: fsys.end_timeline(
        [
            {
                "label": HOSTILE,
                "group": HOSTILE,
                "end": TODAY,
                "max_end": TODAY + timedelta(days=90),
                "detail": HOSTILE,
            },
            {"label": "Camden", "group": "Other", "end": TODAY, "max_end": None, "detail": None},
            {"label": HOSTILE, "group": HOSTILE, "end": None, "max_end": None, "detail": HOSTILE},
        ],
        f"When {HOSTILE}'s contracts end, by borough",
        TODAY,
        group_label=HOSTILE,
    ),  # fmt: skip
    "timeline.timeline_figure": lambda: ftl.timeline_figure(_timeline_chart(), today=TODAY),
    "timeline.label_trace": lambda: {"data": [ftl.label_trace(_timeline_chart()["rows"])]},
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_shows_hostile_names_as_text(name):
    assert_plain_text(FIGURES[name]())


def test_figures_without_names_hold_no_markup_either():
    assert_plain_text(fexp.month_bar([("2027-03", 2), ("2027-04", 0)]), reached=False)


def test_every_figure_function_has_a_hostile_case():
    """A new figure function (public, returning a dict) gets a case in ``FIGURES``, or this fails."""
    import inspect

    modules = {"overview": fover, "matrix": fmatrix, "suppliers": fsup, "systems": fsys, "timeline": ftl}
    figures = {
        f"{stem}.{n}"
        for stem, m in modules.items()
        for n, f in inspect.getmembers(m, inspect.isfunction)
        if f.__module__ == m.__name__ and not n.startswith("_") and inspect.signature(f).return_annotation == "dict"
    }
    assert figures - {"matrix.cell_style"} == set(FIGURES)  # cell_style: a table cell's CSS, not a figure


@pytest.mark.parametrize(("path", "search"), [("/suppliers", "?supplier="), ("/systems", "?system=")])
def test_pages_draw_a_hostile_name_as_text(client, path, search):
    """The case found: a supplier named as a link was a live link in the profile chart's title."""
    from urllib.parse import quote

    tree = render(client, path, search + quote(HOSTILE))
    graphs = [n["props"]["figure"] for n in walk(tree) if n.get("type") == "Graph"]
    assert graphs
    for figure in graphs:
        assert_plain_text(figure, reached=False)
    assert any(esc(HOSTILE) in text for figure in graphs for _, text in strings(figure))


# --------------------------------------------------------------------------- 4. no backtracking


OLD_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")  # the old check, for comparison


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(st.text(alphabet="ab.@ <>\"'\t-_1é", max_size=40))
def test_email_check_answers_as_the_old_expression_did(text):
    assert (links.safe_email(text) is not None) == bool(OLD_EMAIL.fullmatch(text.strip()))


def test_email_check_refuses_what_is_not_an_address():
    assert links.safe_email("buyer@example.org") == "buyer@example.org"
    local = "a" * 64
    fits = f"{local}@{'b' * (links.MAX_EMAIL - len(local) - 5)}.org"
    assert len(fits) == links.MAX_EMAIL and links.safe_email(fits) == fits
    assert links.safe_email("x" + fits) is None  # one character over RFC 5321's 254
    assert links.safe_email("a" * 65_536) is None  # the case that took 9.5 s per page
    assert links.safe_email("a@" + "b" * 65_536) is None
    assert links.safe_email(BACKTRACKS) is None
    for bad in ("a@b", "@b.c", "a@.c", "a b@c.d", "a@b@c.d", '"a"@b.c', "<a@b.c>", None, 12):
        assert links.safe_email(bad) is None, bad


def test_expiring_page_lists_a_backtracking_email_as_text_not_a_link(client):
    tree = render(client, "/expiring", "")
    mailto = [n["props"]["href"] for n in walk(tree) if str(n["props"].get("href", "")).startswith("mailto:")]
    assert mailto and all(len(h) < 300 for h in mailto)


# --------------------------------------------------------------------------- 5. exports cannot attack

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@pytest.mark.parametrize("name", sorted(views.EXPORTS))
def test_every_csv_cell_and_line_is_inert_in_every_delimiter(app, name):
    """Read with each delimiter Excel may be set to, no cell of any line starts a formula: every cell
    is quoted (one cell whatever the delimiter) and text that starts like a formula is neutralised."""
    query = {"q": 'x","=HYPERLINK(""http://evil.example"")', "supplier": ["=1+2;=3", "a|=b\t=c"]}
    for search in ({}, query):
        body = member_client(app).get(f"/export/{name}.csv", query_string=search).get_data().decode("utf-8-sig")
        for delimiter in (",", ";", "\t", "|"):
            for row in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter):
                bad = [c for c in row if c.startswith(TRIGGERS) and not _number(c)]
                assert not bad, (name, delimiter, bad)
        # every cell quoted: the file is exactly its cells written with QUOTE_ALL
        again = io.StringIO()
        csv.writer(again, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(
            csv.reader(io.StringIO(body, newline=""))
        )
        assert again.getvalue() == body, name


def test_data_cells_are_quoted_and_neutralised_where_a_cell_could_start(client):
    body = client.get("/export/contracts.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    titles = [r[rows_header(rows).index("Title")] for r in rows[rows_header_at(rows) + 1 :]]
    assert "'-2+3;'@SUM(1)|0\n'=1+1\r\n'@cmd" in titles  # whole, read back with the file's own delimiter


def rows_header_at(rows: list[list[str]]) -> int:
    return next(i for i, r in enumerate(rows) if not r[0].startswith("# "))


def rows_header(rows: list[list[str]]) -> list[str]:
    return rows[rows_header_at(rows)]


def test_one_neutralise_rule_for_csv_and_xlsx():
    for text in ("=1", "+1", "-1", "@a", "\tx", "\rx", "\uff1dSUM(1)"):
        assert exports.csv_cell(text) == xlsx.neutralise(text) == "'" + text
    assert exports.neutralise is xlsx.neutralise


# --------------------------------------------------------------------------- 6. infinity is unknown


def test_money_and_numbers_that_are_not_finite_are_unknown():
    for value in (math.inf, -math.inf, math.nan):
        assert format.money(value) == format.DASH
        assert format.pounds(value, missing="?") == "?"
        assert format.integer(value) == format.DASH
        for kind in ("int", "money", "pct", "score"):
            assert format.cell(value, kind) == format.DASH
        assert exports.csv_cell(value) == ""
    assert format.money(2.5e6) == "£2.5m" and format.cell(3, "int") == "3"


def test_pages_and_exports_stand_sums_that_overflow(app):
    """Four annual values of 1e308 sum to infinity: /suppliers and two Excel exports were 500s."""
    member = member_client(app)
    for path in ("/suppliers", "/systems", "/windows", "/", "/matrix"):
        render(member, path, "?scope=all")
    for name in sorted(views.EXPORTS):
        for fmt in exports.FORMATS:
            response = member.get(f"/export/{name}.{fmt}")
            assert response.status_code == 200, (name, fmt)
            response.get_data()
    book = openpyxl.load_workbook(io.BytesIO(member.get("/export/suppliers.xlsx").get_data()))
    numbers = [c.value for row in book.worksheets[0].iter_rows(min_row=2) for c in row if isinstance(c.value, float)]
    assert all(math.isfinite(v) for v in numbers)


def test_xlsx_writes_infinity_as_an_empty_cell(tmp_path):
    out = tmp_path / "inf.xlsx"
    book = xlsx.Book(str(out))
    book.sheet("S").write([math.inf, math.nan, 1.5, "x"])
    book.close()
    (row,) = openpyxl.load_workbook(out)["S"].iter_rows(values_only=True)
    assert row == (None, None, 1.5, "x")


# --------------------------------------------------------------------------- 7. the path's borough


def test_the_borough_of_the_path_wins_over_a_code_in_the_query(client):
    shown = page_texts(client, "/borough/E09000007", "?code=E09000001")
    assert "Camden" in shown and "City of London" not in " ".join(shown)
