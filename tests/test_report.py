"""Market engagement report: its numbers against independent SQL on the full sample, the same numbers
read back from the workbook (openpyxl) and the HTML (data attributes), spreadsheet injection and
escaping, the charts, the routes, the /reports page and its form's URLs, and the command line."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import quote

import duckdb
import pytest
from handmade import record, write_records
from openpyxl import load_workbook
from pagetree import by_id, texts

from app import create_app
from dashboard import db
from dashboard.figures import report as charts
from dashboard.logic import report as rep
from dashboard.logic.report import HEADLINES, SAMPLE_WARNING, SHEETS, build_report, render_html, write_xlsx
from dashboard.reports import main

TODAY = date(2026, 4, 1)
RB = "Revenues and Benefits"
SCOPE = "service_area = ? AND borough_code IS NOT NULL AND stage = 'contract'"
PERIOD = "end_date BETWEEN DATE '2026-04-01' AND DATE '2028-04-01'"  # TODAY to 24 months on


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


@pytest.fixture(scope="session")
def full_sample(full_sample_build):
    """The sample surveys and open contract data, built once per session (tests/conftest.py)."""
    return full_sample_build[0]


@pytest.fixture
def con(full_sample):
    with duckdb.connect(str(full_sample), read_only=True) as c:
        yield c


@pytest.fixture(scope="module")
def rb_report(full_sample):
    with db.cursor(full_sample) as cur:
        report = build_report(cur, {"service_area": [RB]}, TODAY)
    db.close_all()
    return report


def one(con, sql: str, params=()) -> object:
    return con.execute(sql, list(params)).fetchone()[0]


@pytest.fixture
def expected(con) -> dict:
    """The headline numbers, by plain SQL written for this test."""
    p = [RB]
    return {
        "contracts": one(con, f"SELECT count(*) FROM contracts WHERE {SCOPE}", p),
        "boroughs": one(con, f"SELECT count(DISTINCT borough_code) FROM contracts WHERE {SCOPE}", p),
        "suppliers": one(con, f"SELECT count(DISTINCT supplier_name) FROM contracts WHERE {SCOPE}", p),
        "systems": one(con, f"SELECT count(DISTINCT system_name) FROM contracts WHERE {SCOPE}", p),
        "annual_value": one(con, f"SELECT sum(annual_value) FROM contracts WHERE {SCOPE}", p),
        "ending": one(con, f"SELECT count(*) FROM contracts WHERE {SCOPE} AND {PERIOD}", p),
        "ending_boroughs": one(
            con, f"SELECT count(DISTINCT borough_code) FROM contracts WHERE {SCOPE} AND {PERIOD}", p
        ),
        "ending_value": one(con, f"SELECT sum(annual_value) FROM contracts WHERE {SCOPE} AND {PERIOD}", p),
        "avg_satisfaction": round(one(con, f"SELECT avg(satisfaction) FROM contracts WHERE {SCOPE}", p), 2),
    }


def suppliers_expected(con) -> dict[str, tuple[int, int]]:
    rows = con.execute(
        f"SELECT supplier_name, count(*), count(*) FILTER (WHERE {PERIOD}) FROM contracts WHERE {SCOPE} GROUP BY 1",
        [RB],
    ).fetchall()
    return {s: (n, e) for s, n, e in rows}


def boroughs_expected(con) -> dict[str, tuple[int, int]]:
    rows = con.execute(
        f"SELECT borough_code, count(*), count(*) FILTER (WHERE {PERIOD}) FROM contracts WHERE {SCOPE} GROUP BY 1",
        [RB],
    ).fetchall()
    return {b: (n, e) for b, n, e in rows}


# --------------------------------------------------------------------------- the numbers


def test_numbers_equal_the_database(rb_report, expected, con):
    assert rb_report.numbers["ending"] > 0 and rb_report.numbers["contracts"] > rb_report.numbers["ending"]
    for key, value in expected.items():
        assert rb_report.numbers[key] == pytest.approx(value), key
    assert {s["supplier"]: (s["contracts"], s["ending"]) for s in rb_report.suppliers} == suppliers_expected(con)
    assert {b["borough_code"]: (b["contracts"], b["ending"]) for b in rb_report.boroughs} == boroughs_expected(con)
    assert sum(s["share"] for s in rb_report.suppliers if s["supplier"]) == pytest.approx(100)
    assert sum(q["contracts"] for q in rb_report.quarters) == expected["ending"]
    assert [q["label"] for q in rb_report.quarters][:2] == ["Q2 2026", "Q3 2026"]
    assert len(rb_report.contracts) == expected["contracts"]
    assert len(rb_report.ending) == expected["ending"]


def test_concentration_sentence(rb_report):
    n = rb_report.numbers
    ranked = sorted((s["ending"] for s in rb_report.suppliers if s["supplier"]), reverse=True)
    assert sum(ranked[: n["top_suppliers"]]) * 100 >= 80 * n["ending"]
    assert sum(ranked[: n["top_suppliers"] - 1]) * 100 < 80 * n["ending"]  # the fewest that do
    sentence = rb_report.summary[1]
    assert sentence.startswith(f"{n['ending_boroughs']} boroughs' {RB} contracts end between April 2026")
    assert f"{n['top_suppliers']} suppliers hold {n['top_share']:.0f}% of them" in sentence


def test_gaps_are_the_expiring_query_flags(rb_report, con):
    """Within 18 months, no tender or planning notice for the borough and service area."""
    expected = one(
        con,
        f"""SELECT count(*) FROM contracts c WHERE {SCOPE}
            AND end_date BETWEEN DATE '2026-04-01' AND DATE '2027-10-01'
            AND NOT EXISTS (SELECT 1 FROM contract_records r WHERE r.stage IN ('tender', 'planning')
                            AND r.borough_code = c.borough_code AND r.service_area = c.service_area)""",
        [RB],
    )
    assert rb_report.numbers["gaps"] == expected
    assert sum(1 for c in rb_report.contracts if c["gap"]) == expected


def test_windows_and_a_window_as_the_subject(full_sample, rb_report, con):
    assert rb_report.windows, "the sample plants a Revenues and Benefits window"
    window = rb_report.windows[0]
    with db.cursor(full_sample) as cur:
        report = build_report(cur, {"window": window["key"]}, TODAY)
    assert report.subject_kind == "window"
    assert (report.start, report.end) == (window["start"], window["end"])
    assert report.numbers["ending_boroughs"] == window["boroughs"]
    assert report.numbers["ending"] == one(
        con,
        f"SELECT count(*) FROM contracts WHERE {SCOPE} AND end_date BETWEEN ? AND ?",
        [window["group"], window["start"], window["end"]],
    )
    with db.cursor(full_sample) as cur, pytest.raises(ValueError, match="No joint procurement window"):
        build_report(cur, {"window": f"{RB}|1999-01-01"}, TODAY)


def test_survey_and_sources(rb_report, con):
    counts = con.execute(f"SELECT satisfaction, count(*) FROM contracts WHERE {SCOPE} GROUP BY 1", [RB]).fetchall()
    by_score = dict(counts)
    assert rb_report.survey_totals["satisfaction"]["counts"] == [by_score.get(k, 0) for k in range(1, 6)]
    assert rb_report.status["is_sample"] is True
    assert any("Open Government Licence v3.0" in line for line in rb_report.licences)
    assert any("supplied by London boroughs" in line for line in rb_report.licences)


# --------------------------------------------------------------------------- the workbook


def workbook(report):
    buf = BytesIO()
    write_xlsx(report, buf)
    buf.seek(0)
    return load_workbook(buf)


def sheet_dicts(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_workbook_numbers_equal_the_database(rb_report, expected, con):
    book = workbook(rb_report)
    assert book.sheetnames == list(SHEETS)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    for key, value in expected.items():
        assert summary[HEADLINES[key]] == pytest.approx(value), key
    assert summary["Warning"] == SAMPLE_WARNING
    assert summary["Filters"] == f"Service area: {RB}"
    assert summary["Data as of"] == rb_report.status["data_as_of"]
    suppliers = {
        r["Supplier"]: (r["Contracts"], r["Ending in the period"])
        for r in sheet_dicts(book["Suppliers and market share"])
    }
    assert suppliers == suppliers_expected(con)
    boroughs = {r["Borough code"]: (r["Contracts"], r["Ending in the period"]) for r in sheet_dicts(book["Boroughs"])}
    assert boroughs == boroughs_expected(con)
    contracts = sheet_dicts(book["Contracts"])
    assert len(contracts) == expected["contracts"]
    assert sum(r["Annual value (GBP)"] or 0 for r in contracts) == pytest.approx(expected["annual_value"])
    assert sum(1 for r in contracts if r["Ends in the period"] == "yes") == expected["ending"]
    quarters = sheet_dicts(book["End dates by quarter"])
    assert sum(r["Contracts ending"] for r in quarters) == expected["ending"]
    sources = [c for row in book["Data sources and licence"].iter_rows(values_only=True) for c in row if c]
    assert any("Open Government Licence v3.0" in str(c) for c in sources)
    assert SAMPLE_WARNING in sources


def hostile_db(path):
    """One contract whose every text field is a spreadsheet formula or markup."""
    r = record(
        "x",
        supplier_name='=HYPERLINK("http://evil.example","click")',
        system_name="@SUM(1+1)",
        title="+cmd|' /C calc'!A0",
        buyer_name="-2+3",
        end_date=date(2026, 9, 30),
        annual_value=-5.0,
        satisfaction=2,
        warnings=[],
    )
    other = {
        **r,
        "record_id": "t",
        "borough_code": "E09000012",
        "supplier_name": "<script>alert(1)</script>",
        "title": "\tx",
        "system_name": None,
    }
    return write_records(path, [r, other])


def test_injection_is_neutralised_in_the_workbook(tmp_path):
    path = hostile_db(tmp_path / "hostile.duckdb")
    with db.cursor(path) as cur:
        report = build_report(cur, {}, TODAY)
    book = workbook(report)
    seen = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@", "\t")), (ws.title, c.coordinate, c.value)
                    seen.append(c.value)
    assert '\'=HYPERLINK("http://evil.example","click")' in seen
    assert "'@SUM(1+1)" in seen and "'+cmd|' /C calc'!A0" in seen and "'-2+3" in seen
    assert -5 in [c.value for row in book["Contracts"].iter_rows() for c in row]  # numbers stay numbers
    text = render_html(report)
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --------------------------------------------------------------------------- the HTML


class Figures(HTMLParser):
    """Collects data-figure/data-value pairs, table rows' data attributes, and anything fetched from elsewhere."""

    def __init__(self):
        super().__init__()
        self.figures: dict[str, str] = {}
        self.rows: dict[str, list[dict]] = {}
        self.table: str | None = None
        self.external: list[str] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe", "object") or "src" in a:
            self.external.append(tag)
        if "data-figure" in a:
            self.figures[a["data-figure"]] = a.get("data-value")
        if tag == "table":
            self.table = a.get("id")
            self.rows[self.table] = []
        if tag == "tr" and self.table and any(k.startswith("data-") for k in a):
            self.current = {**a}
            self.rows[self.table].append(self.current)
        if tag == "td" and self.current is not None and "data-key" in a:
            self.current[a["data-key"]] = a.get("data-value")


def parse(text: str) -> Figures:
    p = Figures()
    p.feed(text)
    return p


def test_html_figures_equal_the_database(rb_report, expected, con):
    text = render_html(rb_report)
    found = parse(text)
    assert found.external == [], "the report must not fetch anything"
    for key, value in expected.items():
        assert float(found.figures[key]) == pytest.approx(value), key
    suppliers = {r["data-supplier"]: (int(r["contracts"]), int(r["ending"])) for r in found.rows["table-suppliers"]}
    assert suppliers == suppliers_expected(con)
    boroughs = {r["data-borough"]: (int(r["contracts"]), int(r["ending"])) for r in found.rows["table-boroughs"]}
    assert boroughs == boroughs_expected(con)
    assert len(found.rows["table-ending"]) == expected["ending"]
    bars = dict(
        re.findall(
            r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="[^"]+" '
            r'data-quarter="([^"]+)" data-value="(\d+)"',
            text,
        )
    )
    assert sum(map(int, bars.values())) == expected["ending"]
    assert text.count("<svg") == 3 and 'role="img"' in text
    assert SAMPLE_WARNING in text and "Open Government Licence v3.0" in text
    assert rb_report.summary[0] in html.unescape(text) and rb_report.summary[1] in html.unescape(text)


def test_html_links_only_http_notices(rb_report):
    """A notice link from the data is a link only when it is plain http(s) (links.safe_url)."""
    urls = ["javascript:alert(1)", "https://www.contractsfinder.service.gov.uk/Notice/1", "data:text/html,x", None]
    notices = [{"borough": "Camden", "stage": "tender", "title": f"n{i}", "end_date": date(2027, 1, 1),
                "source_url": url}
               for i, url in enumerate(urls)]  # fmt: skip
    text = render_html(dataclasses.replace(rb_report, notices=notices))
    table = text[text.index('<table id="table-notices"') :]
    table = table[: table.index("</table>")]
    assert re.findall(r'href="([^"]*)"', table) == ["https://www.contractsfinder.service.gov.uk/Notice/1"]
    assert table.count("<td>–</td>") == 3 and "javascript:" not in table and "data:text" not in table


def test_charts_carry_the_report_numbers(rb_report):
    """The charts are data (dashboard.figures.report): every bar and dot is a row of the report."""
    quarters = charts.quarter_chart(rb_report.quarters)
    bars = [e["attrs"] for e in quarters["elements"] if e["tag"] == "rect"]
    assert [(b["data-quarter"], b["data-value"]) for b in bars] == [
        (q["quarter"].isoformat(), q["contracts"]) for q in rb_report.quarters
    ]
    named = [s for s in rb_report.suppliers if s["supplier"]]
    shares = [e["attrs"] for e in charts.share_chart(rb_report.suppliers)["elements"] if e["tag"] == "rect"]
    assert len(shares) == min(len(named), charts.SHARE_BARS) + (len(named) > charts.SHARE_BARS)
    assert sum(b["data-value"] for b in shares) == pytest.approx(100, abs=0.01)
    assert sum(b["data-contracts"] for b in shares) == sum(s["contracts"] for s in named)
    timeline = charts.timeline_chart(rb_report.ending, rb_report.start, rb_report.end)
    dots = [e["attrs"] for e in timeline["elements"] if e["tag"] == "circle"]
    assert sorted(d["data-contract"] for d in dots) == sorted(c["contract_id"] for c in rb_report.ending)
    gaps = {c["contract_id"] for c in rb_report.ending if c["gap"]}
    assert {d["data-contract"] for d in dots if d["fill"] == charts.VERMILLION} == gaps


def test_html_without_sample_data_has_no_warning(tiny_db_not_sample):
    with db.cursor(tiny_db_not_sample) as cur:
        report = build_report(cur, {}, date.today())
    assert SAMPLE_WARNING not in render_html(report)
    assert report.numbers["contracts"] == 4  # conftest: four borough contracts


# --------------------------------------------------------------------------- routes and the page


def client_for(path):
    return create_app(path).server.test_client()


def test_report_routes(full_sample):
    client = client_for(full_sample)
    xlsx = client.get("/report/xlsx?service_area=Revenues+and+Benefits")
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.headers["Content-Disposition"].startswith('attachment; filename="citytools-report-revenues-and-')
    assert load_workbook(BytesIO(xlsx.data)).sheetnames == list(SHEETS)
    page = client.get("/report/html?service_area=Revenues+and+Benefits&months=12")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Market engagement report: Revenues and Benefits" in page.get_data(as_text=True)
    assert client.get("/report/pdf").status_code == 404
    bad = client.get("/report/html?end_from=tomorrow")
    assert bad.status_code == 400 and "Contract end from" in bad.get_data(as_text=True)
    gone = client.get("/report/xlsx?window=Housing%7C1999-01-01")
    assert gone.status_code == 400 and "No joint procurement window" in gone.get_data(as_text=True)


def test_report_route_reads_the_view_keys(full_sample):
    """months and window are the report's own keys: the route reads them (and rejects bad ones)."""
    client = client_for(full_sample)
    bad = client.get("/report/html?service_area=Revenues+and+Benefits&months=7")
    assert bad.status_code == 400 and "Ending within" in bad.get_data(as_text=True)
    page = client.get("/report/html?service_area=Revenues+and+Benefits&months=12").get_data(as_text=True)
    assert "/reports?service_area=Revenues%20and%20Benefits&amp;months=12" in page


def test_reports_page_links_the_downloads_with_its_query(full_sample, render_page):
    st = {"service_area": [RB], "borough": ["E09000012", "E09000003"], "months": 12}
    query = rep.VIEW.search(st)
    tree = render_page(create_app(full_sample), "/reports", query)
    assert query == f"?borough=E09000003&borough=E09000012&service_area={quote(RB)}&months=12"
    assert by_id(tree, "report-download-xlsx")["props"]["href"] == f"/report/xlsx{query}"
    assert by_id(tree, "report-download-html")["props"]["href"] == f"/report/html{query}"
    subject = by_id(tree, "report-subject")["props"]
    assert subject["value"] == RB
    assert RB in [o["value"] for o in subject["options"]]
    assert texts(by_id(tree, "report-on")).count(" (chosen)") == 1
    assert texts(by_id(tree, "report-on"))[1:3] == ["Service area", " (chosen)"]
    assert texts(by_id(tree, "report-preview"))[0] == f"Market engagement report: {RB}"
    assert "Period: the next 12 months" in " ".join(texts(by_id(tree, "report-filters")))


def test_reports_form_writes_the_url():
    choose = rep.search_for_choice
    rb = "service_area=Revenues%20and%20Benefits"
    assert choose("?borough=E09000007", RB) == f"?borough=E09000007&{rb}"
    assert choose("?report_on=window", "Housing|2027-03-31") == "?window=Housing%7C2027-03-31"
    assert choose("?report_on=system", "iTrent") == "?system=iTrent"
    assert choose("?service_area=Housing", None) == ""
    assert choose("?report_on=system", None) is None
    # a dropdown reporting the value it was drawn with changes nothing
    assert choose(f"?{rb}", RB) is None
    assert choose("?service_area=A&service_area=B", None) is None
    # the report_on links keep the rest of the state
    assert rep.on_href({"service_area": [RB]}, "window") == f"/reports?{rb}&report_on=window"
    assert rep.on_href({"service_area": [RB], "report_on": "window"}, "service_area") == f"/reports?{rb}"


def test_window_options_list_current_windows(full_sample):
    with db.cursor(full_sample) as cur:
        options = rep.window_options(cur, {}, TODAY)
    assert options and all("|" in o["value"] for o in options)
    assert any(o["value"].startswith(f"{RB}|") for o in options)


# --------------------------------------------------------------------------- command line


def test_cli_writes_both_files(full_sample, tmp_path, capsys):
    xlsx, html_out = tmp_path / "out" / "report.xlsx", tmp_path / "out" / "report.html"
    code = main(
        [
            "--db",
            str(full_sample),
            "--service-area",
            RB,
            "--today",
            TODAY.isoformat(),
            "--out",
            str(xlsx),
            "--out",
            str(html_out),
        ]
    )
    assert code == 0
    assert load_workbook(xlsx).sheetnames == list(SHEETS)
    assert "Market engagement report: Revenues and Benefits" in html_out.read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out
    assert not list(tmp_path.glob("out/*.tmp"))


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--out", "r.pdf"], 2, ".xlsx or .html"),
        (["--months", "7", "--out", "r.html"], 2, "Ending within"),
        (["--window", "Housing|1999-01-01", "--out", "r.html"], 2, "No joint procurement window"),
    ],
)
def test_cli_errors(full_sample, tmp_path, capsys, args, code, says):
    assert main(["--db", str(full_sample), *args]) == code
    assert says in capsys.readouterr().err


def test_cli_without_a_database(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html")]) == 1
    assert "no database" in capsys.readouterr().err


def test_cli_as_a_module(full_sample, tmp_path):
    out = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.reports", "--db", str(full_sample), "--system", "iTrent", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Market engagement report: iTrent" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("st", "group"), [({"service_area": ["Revenues and Benefits"]}, "service area"), ({"system": ["Mosaic"]}, "system")]
)
def test_the_windows_rule_in_the_report_is_the_one_its_windows_were_found_by(full_sample, st, group):
    with db.cursor(full_sample) as cur:
        report = build_report(cur, st, date.today())
    expected = f"at least 3 boroughs whose contracts for the same {group} end within 6 months of each other"
    assert report.window_rule.startswith(expected)
    assert f"Groups of {report.window_rule}, so that they could procure together." in html.unescape(render_html(report))


# --------------------------------------------------------------------------- a file one can send


def _report_link(text: str) -> str:
    return html.unescape(re.search(r'<a href="([^"]+)" id="report-link">', text).group(1))


def test_links_are_absolute_to_the_host_asked(full_sample):
    client = client_for(full_sample)
    page = client.get("/report/html?service_area=Revenues+and+Benefits", base_url="https://citytools.example")
    link = _report_link(page.get_data(as_text=True))
    assert link == "https://citytools.example/reports?service_area=Revenues%20and%20Benefits"
    book = load_workbook(BytesIO(client.get("/report/xlsx?months=12", base_url="http://10.0.0.5:8050").data))
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Link"] == "http://10.0.0.5:8050/reports?months=12"


def test_cli_links_to_its_base_url(full_sample, tmp_path):
    default, other = tmp_path / "default.html", tmp_path / "other.html"
    assert main(["--db", str(full_sample), "--service-area", RB, "--out", str(default)]) == 0
    assert _report_link(default.read_text(encoding="utf-8")).startswith(rep.DEFAULT_BASE_URL + "reports?service_area=")
    assert main(["--db", str(full_sample), "--base-url", "https://ct.example/app/", "--out", str(other)]) == 0
    assert _report_link(other.read_text(encoding="utf-8")) == "https://ct.example/app/reports"


def test_print_css_numbers_pages_and_keeps_headings_with_what_follows(rb_report):
    text = render_html(rb_report)
    style = text[text.index("<style>") : text.index("</style>")]
    page_rule = style[style.index("@page") :]
    assert 'counter(page) " of " counter(pages)' in page_rule and "@top-left" in page_rule
    assert re.search(r"h1, h2, h3, caption \{ break-after: avoid;", style)
    assert 'a[href^="http"]::after { content: " <" attr(href) ">"' in style  # notice addresses printed
    # the headline grid may break between its cards: kept whole, it jumped to page 2 and left page 1 blank
    assert "figure, .keep, .headline > div, tr" in style and ".headline," not in style


def test_css_strings_cannot_close_the_style(rb_report):
    hostile = 'x"; } body { display: none } </style><script>alert(1)</script>'
    assert rep.css_string(hostile) == '"x' + "".join(f"\\{ord(c):06x}" if not c.isalnum() and c != " " else c
                                                      for c in hostile[1:]) + '"'  # fmt: skip
    text = render_html(dataclasses.replace(rb_report, title=hostile))
    style = text[text.index("<style>") : text.index("</style>")]
    assert "</style" not in style.lower()[7:] and "<script" not in style


# --------------------------------------------------------------------------- the page's preview


@pytest.mark.parametrize(
    "st",
    [{"service_area": [RB]}, {}, {"months": 12, "scope": "all"}, {"supplier": ["Civica UK Limited"]},
     {"system": ["iTrent"], "end_from": "2026-01-01", "end_to": "2027-12-31"}],
)  # fmt: skip
def test_the_preview_says_what_the_files_say(full_sample, st):
    """The page's preview is built without the files' tables, yet its numbers and sentences are the report's."""
    with db.cursor(full_sample) as cur:
        full = build_report(cur, st, TODAY)
        preview = rep.preview_report(cur, st, TODAY)
    assert preview.numbers == full.numbers
    assert preview.summary == full.summary and preview.title == full.title
    assert (preview.start, preview.end) == (full.start, full.end)
    assert full.numbers["ending"] or st != {"service_area": [RB]}  # the main case has something ending
    assert preview.preview and not full.preview
    assert preview.contracts == preview.ending == preview.boroughs == preview.notices == []


@pytest.mark.parametrize(
    ("filters", "start", "end"),
    [({}, TODAY, date(2028, 4, 1)), ({"service_area": [RB]}, TODAY, date(2028, 4, 1)),
     ({"scope": "all"}, date(2025, 1, 1), date(2027, 6, 30)), ({"system": ["iTrent"]}, date(2024, 1, 1), TODAY),
     ({"borough": ["E09000007"], "q": "a"}, date(2026, 9, 1), date(2030, 1, 1))],
)  # fmt: skip
def test_the_previews_gap_count_is_the_expiring_lists(full_sample, filters, start, end):
    """The preview counts gaps with its own statement: the same count as the expiring list's for the period."""
    from dashboard.queries.expiring import summary

    period = filters | {"end_from": start.isoformat(), "end_to": end.isoformat()}
    with db.cursor(full_sample) as cur:
        expected = summary(cur, period, today=TODAY, lead_months=18)["gaps"]
        assert rep.gap_count(cur, filters, start, end, TODAY) == expected
    assert expected or filters != {}  # the sample has gaps to count


def test_a_preview_is_never_written_as_a_file(full_sample, tmp_path):
    with db.cursor(full_sample) as cur:
        preview = rep.preview_report(cur, {"service_area": [RB]}, TODAY)
    with pytest.raises(ValueError, match="preview"):
        render_html(preview)
    with pytest.raises(ValueError, match="preview"):
        write_xlsx(preview, tmp_path / "x.xlsx")


def test_the_preview_reads_no_contract_rows(full_sample):
    """Every statement of the preview returns a few rows (aggregates), whatever the data's size."""
    from bench.pages import recording

    with recording() as log, db.cursor(full_sample) as cur:
        rep.preview_report(cur, {}, TODAY)
    with duckdb.connect(str(full_sample), read_only=True) as c:
        (contracts,) = c.execute("SELECT count(*) FROM contracts WHERE stage = 'contract'").fetchone()
        sizes = {sql: len(c.execute(sql, params).fetchall()) for sql, params, _t in log}
    large = [sql for sql, n in sizes.items() if n >= contracts / 4]
    assert sizes and not large  # not even the windows' contracts: their count is the search's


def test_notice_count_counts_every_notice(full_sample, con):
    (n,) = con.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE "
        "AND stage IN ('tender', 'planning')"
    ).fetchone()
    with db.cursor(full_sample) as cur:
        # whatever the end dates: a notice's are its planned contract's
        assert rep.q.numbers(cur, {}, TODAY, TODAY, 5)[2] == n > 0
        assert rep.q.numbers(cur, {"end_from": "1990-01-01", "end_to": "1990-01-02"}, TODAY, TODAY, 5)[2] == n
        assert len(rep.q.notices(cur, {}, limit=1)) == 1


@pytest.mark.parametrize(
    ("search", "says"),
    [("?window=nonsense", "nonsense"), ("?months=7", "7"), ("?window=Housing%7C1999-01-01", "No joint procurement"),
     ("?end_from=tomorrow&service_area=Revenues+and+Benefits", "tomorrow")],
)  # fmt: skip
def test_bad_url_values_on_the_page_stay_until_dismissed(full_sample, render_page, search, says):
    from pagetree import walk

    tree = render_page(create_app(full_sample), "/reports", search)
    alerts = [n for n in walk(tree) if "url-problem" in str(n["props"].get("className"))]
    assert alerts and all(a["props"]["dismissable"] for a in alerts)
    assert any(says in " ".join(texts(a)) for a in alerts)
    assert by_id(tree, "report-form")  # the form stays, to choose again


# --------------------------------------------------------------------------- windows: SQL search vs oracle


def oracle_windows(cur, st: dict, filters: dict, start: date, end: date) -> list[dict]:
    """The report's windows as the plain-Python search finds them over every contract (the old path)."""
    from dashboard.logic.windows import find_windows
    from dashboard.queries.windows import window_contracts
    from etl import reference

    group_by = rep.window_group(st)
    base = {k: v for k, v in filters.items() if k not in ("end_from", "end_to")}
    found, _unknown = find_windows(window_contracts(cur, group_by, "base", base))
    names = reference.borough_names()
    return [
        {"group_by": group_by, "group": w.group, "key": w.key, "start": w.start, "end": w.end,
         "procurement_start": w.procurement_start, "boroughs": len(w.boroughs),
         "borough_names": "; ".join(names.get(b, b) for b in w.boroughs), "contracts": len(w.contracts),
         "suppliers": "; ".join(w.suppliers), "systems": "; ".join(w.systems), "annual_value": w.annual_value}
        for w in sorted(found, key=lambda w: (-len(w.boroughs), w.start, w.group))
        if not (w.end < start or w.start > end)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "st",
    [{}, {"service_area": [RB]}, {"system": ["iTrent"]}, {"months": 6}, {"scope": "all", "months": 12},
     {"end_from": "2026-06-01", "end_to": "2029-12-31"}, {"borough": ["E09000007", "E09000014", "E09000022"]}],
)  # fmt: skip
def test_the_reports_windows_are_the_oracles(full_sample, st):
    """The report finds its windows with the windows page's SQL search: exactly the windows, in the same
    order and with the same boroughs, contracts, suppliers and value, as the plain-Python search."""
    with db.cursor(full_sample) as cur:
        full = build_report(cur, st, TODAY)
        preview = rep.preview_report(cur, st, TODAY)
        filters, start, end = rep.scope_of(cur, st, TODAY)
        expected = oracle_windows(cur, st, filters, start, end)
    assert full.windows == expected
    # the preview reads no window's contracts: the search's sums, without suppliers and systems
    assert preview.windows == [{k: v for k, v in w.items() if k not in ("suppliers", "systems")} for w in expected]
    assert full.numbers["windows"] == preview.numbers["windows"] == len(expected)
    if not st:
        assert len(expected) > 1  # the sample has windows to compare


def test_a_windows_report_finds_its_window_as_the_oracle_does(full_sample):
    from dashboard.logic.windows import find_windows
    from dashboard.queries.windows import window_contracts

    with db.cursor(full_sample) as cur:
        options = rep.window_options(cur, {}, TODAY)
        oracle, _ = find_windows(window_contracts(cur, "service_area", "base", {}))
        chosen = options[len(options) // 2]["value"]
        report = build_report(cur, {"window": chosen}, TODAY)
    live = sorted((w for w in oracle if w.end >= TODAY), key=lambda w: (w.procurement_start, w.group))
    assert [o["value"] for o in options] == [w.key for w in live]
    window = next(w for w in oracle if w.key == chosen)
    assert (report.start, report.end) == (window.start, window.end)
    assert report.numbers["ending"] == len(window.contracts)  # the window's contracts are the ones ending
