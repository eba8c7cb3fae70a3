"""Members-only survey answers never reach the public: every page, callback, export, feed and
report, requested anonymously and as a signed-in member.

The database is the real sample (surveys and open data) plus one more return, Bexley's, whose
answers are sentinels no other input contains: a cost, a comment, a contact. Anonymous
responses must contain none of them and no survey score; a member's must contain them (so the
test can fail), and the rule itself is checked where it is enforced, on the cursor.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from members import member_client
from pagetree import render

from app import create_app
from dashboard import access, db, format, signin
from dashboard.views import ALL, EXPORTS
from etl.build import build
from etl.template import BOROUGH_CELL, build_template

BEXLEY = "E09000004"  # no sample return: the sentinel return is the only survey from Bexley
RB = "Revenues and Benefits"
COST, TOTAL, COST2 = 987654, 4938271, 123457
COMMENT = "Confidential ZQX4471 renewal plan"
CONTACT, EMAIL = "Quentin Zaxby", "quentin.zaxby@bexley.gov.uk"
END = dt.date.today() + dt.timedelta(days=300)  # within every view's horizon
ROWS = [
    [RB, "Academy", "Capita", "Capita Business Services Ltd", dt.date(2021, 4, 1), END, "None",
     COST, TOTAL, "On premises", 1, 1, 1, COMMENT, CONTACT, EMAIL, "020 8303 7777"],
    ["Adult Social Care", "Mosaic", "Servelec", "Servelec HSC Limited", dt.date(2022, 4, 1), END, "+1",
     COST2, None, "Hosted", 2, 2, 2, COMMENT, CONTACT, EMAIL, None],
]  # fmt: skip


def sentinels() -> list[str]:
    """Every way the app may print a sentinel answer."""
    out = {COMMENT, "ZQX4471", CONTACT, EMAIL, "8303 7777"}
    for value in (COST, TOTAL, COST2, COST + COST2):
        out |= {str(value), f"{value:,}", format.money(value), format.pounds(value)}
    return sorted(s for s in out if s and s != "—")


@pytest.fixture(scope="module")
def secret_db(tmp_path_factory, sample_inputs) -> Path:
    folder = tmp_path_factory.mktemp("members_only")
    surveys = folder / "surveys"
    shutil.copytree(sample_inputs.surveys, surveys)
    wb = build_template()
    wb["Instructions"][BOROUGH_CELL] = "Bexley"
    for i, row in enumerate(ROWS, start=2):
        for j, value in enumerate(row, start=1):
            wb["Systems"].cell(row=i, column=j, value=value)
    wb.save(surveys / "bexley return.xlsx")
    path = folder / "secret.duckdb"
    build(path, surveys=[surveys], contracts=[sample_inputs.contracts])
    return path


@pytest.fixture(scope="module")
def app(secret_db, tmp_path_factory):
    app = create_app(secret_db)
    member_client(app, tmp_path_factory.mktemp("accounts"))
    return app


# --------------------------------------------------------------------------- the rule, on the cursor


def test_every_rule_names_a_column_the_database_has(secret_db):
    with db.cursor(secret_db) as cur:
        for rule in access.rules():
            names = [r[0] for r in cur.execute(f"DESCRIBE {rule.table}").fetchall()]
            assert rule.column in names, rule


def test_a_public_cursor_reads_no_survey_answer(secret_db):
    counts = "count(annual_value), count(total_value), count(confidence), count(comments), count(contact_email)"
    sql = f"SELECT {counts} FROM contract_records WHERE source = 'survey'"
    with access.members(False), db.cursor(secret_db) as cur:
        assert cur.execute(sql).fetchone() == (0, 0, 0, 0, 0)
        assert cur.execute("SELECT count(confidence), count(satisfaction) FROM contracts").fetchone() == (0, 0)
        assert cur.execute("SELECT count(return_contact) FROM load_files WHERE source = 'survey'").fetchone() == (0,)
        assert cur.execute("SELECT count(*) FROM record_warnings WHERE source = 'survey'").fetchone() == (0,)
        public_values = cur.execute("SELECT count(annual_value) FROM contract_records WHERE source <> 'survey'")
        assert public_values.fetchone()[0] > 0  # open notices' values stay public
    with access.members(True), db.cursor(secret_db) as cur:
        member = cur.execute(sql).fetchone()
        assert all(n > 0 for n in member), member


def test_a_merged_contract_keeps_its_open_values_for_the_public(secret_db):
    sql = """SELECT count(*) FILTER (WHERE total_value IS NOT NULL),
                    count(*) FILTER (WHERE list_contains(coalesce(survey_fields, []), 'total_value'))
             FROM contracts WHERE list_contains(sources, 'survey') AND len(sources) > 1"""
    with access.members(True), db.cursor(secret_db) as cur:
        with_value, from_survey = cur.execute(sql).fetchone()
    with access.members(False), db.cursor(secret_db) as cur:
        public_with_value, _ = cur.execute(sql).fetchone()
    assert with_value > from_survey  # some merged contracts take their total from the notice
    assert public_with_value == with_value - from_survey


# --------------------------------------------------------------------------- every response


def page_requests() -> list[tuple[str, str]]:
    out = []
    for view in ALL:
        path = view.path.replace("<code>", BEXLEY)
        out += [(path, ""), (path, f"?borough={BEXLEY}")]
    out += [("/windows", "?group_by=system"), ("/expiring", "?months=24"), ("/systems", f"?service_area={RB}")]
    # a market where every value is a survey answer: the public's shares are all unknown (was a 500)
    return out + [("/suppliers", "?rank_by=value&borough=E09000028")]


def file_requests() -> list[str]:
    out = [
        f"/export/{name}.{fmt}{q}" for name in EXPORTS for fmt in ("csv", "xlsx") for q in ("", f"?borough={BEXLEY}")
    ]
    out += [f"/report/{kind}?service_area={RB}" for kind in ("html", "xlsx")]
    out += [f"/calendar.ics?borough={BEXLEY}", "/calendar.ics", "/_dash-layout", "/sign-in"]
    return out


def as_text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        wb = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
        )
    return response.get_data(as_text=True)


def grid_rows(client, query: str) -> str:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if "getRowsResponse" in d["output"])
    grid_id = {"type": "contracts-grid", "query": query}
    body = {
        "output": dep["output"],
        "outputs": {"id": grid_id, "property": "getRowsResponse"},
        "inputs": [{"id": grid_id, "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 500}}],
        "state": [{"id": grid_id, "property": "id", "value": grid_id}],
        "changedPropIds": [json.dumps(grid_id, separators=(",", ":")) + ".getRowsRequest"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def everything(client) -> dict[str, str]:
    """Every page (through the pages router callback), callback, export, feed and report, as text."""
    out = {f"page {p}{q}": json.dumps(render(client, p, q)) for p, q in page_requests()}
    for url in file_requests():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
        out[url] = as_text(response)
    out["grid callback"] = grid_rows(client, f"borough={BEXLEY}")
    return out


def test_anonymous_requests_get_no_members_only_answer(app):
    anonymous = everything(app.server.test_client())
    leaks = {(where, s) for where, text in anonymous.items() for s in sentinels() if s in text}
    assert not leaks
    assert "Public view" in anonymous[f"page /borough/{BEXLEY}"]


def test_a_signed_in_member_gets_them(app):
    member = everything(member_client(app))
    found = {s for text in member.values() for s in sentinels() if s in text}
    # comments and contacts are shown nowhere yet, not even to members (issue 13): costs are
    assert {str(COST), f"{COST:,}", format.money(COST)} & found, found
    assert "Signed in as Alice Member" in member[f"page /borough/{BEXLEY}"]


SCORE_HEADINGS = re.compile(r"confidence|satisfaction|value for money", re.I)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_score_columns_are_blank_for_the_public(app, name):
    """Scores 1-5 cannot be told apart by text: the exports' score columns must be empty instead."""
    import csv

    def score_cells(client) -> list[str]:
        out = []
        for query in ("", f"?borough={BEXLEY}", f"?code={BEXLEY}"):
            text = client.get(f"/export/{name}.csv{query}").get_data(as_text=True).lstrip("\ufeff")
            rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
            header, body = rows[0], rows[1:]
            columns = [i for i, h in enumerate(header) if SCORE_HEADINGS.search(h) and "answers" not in h]
            out += [r[i] for r in body for i in columns if r[i].strip() not in ("", "—")]
        return out

    assert score_cells(app.server.test_client()) == []
    if name in ("systems", "borough", "my_borough", "windows", "window_contracts", "matrix"):
        member = score_cells(member_client(app))
        assert member or name in ("windows", "window_contracts", "matrix"), name  # a member sees scores where shown


# --------------------------------------------------------------------------- sign-in itself


def test_wrong_password_unknown_name_and_forged_form_are_refused(app):
    from members import csrf

    client = app.server.test_client()
    for username, password in (("alice", "wrong password"), ("mallory", "correct horse battery staple")):
        response = client.post(signin.SIGN_IN, data={"username": username, "password": password, "csrf": csrf(client)})
        assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    forged = client.post(signin.SIGN_IN, data={"username": "alice", "password": "correct horse battery staple"})
    assert forged.status_code == 400
    assert "Public view" in json.dumps(render(client, f"/borough/{BEXLEY}"))


def test_sign_out_ends_the_session(app, tmp_path):
    fresh = create_app(app.server.config["CITYTOOLS_DB"])
    client = member_client(fresh, tmp_path)
    assert "Signed in as" in json.dumps(render(client, "/"))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(signin.SIGN_IN).get_data(as_text=True)).group(1)
    assert client.post(signin.SIGN_OUT, data={"csrf": token}).status_code == 303
    assert "Public view" in json.dumps(render(client, "/"))


def test_a_changed_password_ends_old_sessions(app, tmp_path):
    from members import accounts_file
    from werkzeug.security import generate_password_hash

    fresh = create_app(app.server.config["CITYTOOLS_DB"])
    client = member_client(fresh, tmp_path)
    accounts_file(tmp_path, password_hash=generate_password_hash("a brand new password"))
    assert "Public view" in json.dumps(render(client, "/"))


def test_sign_in_attempts_are_rate_limited(app, tmp_path):
    from members import csrf, enable_sign_in

    fresh = create_app(app.server.config["CITYTOOLS_DB"])
    enable_sign_in(fresh, tmp_path)
    client = fresh.server.test_client()
    token = csrf(client)
    codes = [
        client.post(signin.SIGN_IN, data={"username": "alice", "password": f"guess {i}", "csrf": token}).status_code
        for i in range(15)
    ]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}


def test_next_never_leaves_the_app():
    tried = ("/borough/E09000004?x=1", "//evil.example", "https://evil.example/", "/\\evil", "")
    assert [signin.safe_next(t) for t in tried] == ["/borough/E09000004?x=1", "/", "/", "/", "/"]


def test_demo_mode_only_on_sample_only_data(app, full_sample_build, monkeypatch):
    monkeypatch.setenv(signin.DEMO_ENV, "1")
    demo = create_app(full_sample_build[0])
    assert "Demo mode" in json.dumps(render(demo.server.test_client(), "/"))
    # the sentinel database holds a return that is not the sample's: demo mode is refused there
    refused = create_app(app.server.config["CITYTOOLS_DB"])
    text = json.dumps(render(refused.server.test_client(), f"/borough/{BEXLEY}"))
    assert "Public view" in text and COMMENT not in text


def test_no_secret_means_nobody_can_sign_in(app):
    fresh = create_app(app.server.config["CITYTOOLS_DB"])
    assert fresh.server.secret_key is None
    page = fresh.server.test_client().get(signin.SIGN_IN).get_data(as_text=True)
    assert "not set up" in page and 'name="password"' not in page


def test_the_report_command_line_is_public_unless_told(secret_db, tmp_path):
    from dashboard.reports import main

    public, member = tmp_path / "public.html", tmp_path / "member.html"
    base = ["--db", str(secret_db), "--borough", BEXLEY, "--service-area", RB]
    assert main([*base, "--out", str(public)]) == 0
    assert main([*base, "--members", "--out", str(member)]) == 0
    cost = format.money(COST)
    assert cost not in public.read_text(encoding="utf-8") and cost in member.read_text(encoding="utf-8")


def test_no_query_reads_around_the_public_views():
    """The public views shadow the tables by name: a query naming a catalog or schema
    (``citytools.main.contracts``), or ``rowid`` (views have none), would read around them."""
    folder = Path(__file__).resolve().parent.parent / "dashboard" / "queries"
    around = re.compile(r"\b\w+\.main\.\w+|\bmain\.(contracts|contract_records|load_files|rejects)\b|\browid\b", re.I)
    for module in folder.glob("*.py"):
        if module.name == "access.py":
            continue
        code = "\n".join(
            line for line in module.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
        )
        assert not around.search(code), (module.name, around.search(code).group(0))


def test_a_malformed_accounts_file_stops_the_app_starting(tmp_path, monkeypatch, secret_db):
    bad = tmp_path / "accounts.toml"
    bad.write_text('[members.bob]\nname = "Bob"\n', encoding="utf-8")  # no password hash
    monkeypatch.setenv(signin.ACCOUNTS_ENV, str(bad))
    with pytest.raises(ValueError, match="password_hash"):
        create_app(secret_db)
