"""The technology scope (issue 10, item 6): every record says whether it is a technology contract
and why; every view, export and report counts technology contracts by default, says how many
others are hidden, and shows them with ``scope=all``.

The real-data tests read ../shared/realdata (skipped when it is absent). The named examples were
read by hand from the files: the notice identifier, title, buyer and CPV codes are as the CSV
export and the OCDS packages give them.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import duckdb
import pytest
from pagetree import by_id, texts
from test_buyers_real import CSV_DIR, OCDS_DIR

from app import create_app
from dashboard import filters, queries, state, views
from dashboard.logic import report as rep
from etl.build import build, read_contracts
from etl.link import contract_row
from etl.normalise import scope
from etl.normalise.cpv import cpv_is_it
from etl.records import blank_record

TODAY = date(2026, 3, 1)
needs_real = pytest.mark.skipif(
    not (CSV_DIR.is_dir() and OCDS_DIR.is_dir()),
    reason=f"real Contracts Finder data not found beside the project ({CSV_DIR.parent}); it is never committed",
)


def notice(title: str, codes: list[str], description: str | None = None, source: str = "contracts_finder") -> dict:
    return {"source": source, "cpv_codes": codes, "title": title, "description": description}


# --------------------------------------------------------------------------- the rule, record by record


@pytest.mark.parametrize(
    ("rec", "is_it", "reason"),
    [
        ({"source": "survey", "cpv_codes": [], "title": "Grounds maintenance"}, True, "survey row"),
        (notice("Campus Microsoft LIcense", ["48000000"]), True, "CPV 48000000"),
        (notice("HR and payroll system", ["48450000", "72000000", "79631000"]), True, "CPV 48450000, 72000000"),
        (notice("Electricity Supplies for Housing", ["09310000"]), False, "CPV 09310000: no technology code"),
        # a software licence under a research CPV code: the title's word is specific enough to decide
        (notice("SMITS Software License Maintenance", ["73200000"]), True,
         "title rule 'software', though CPV 73200000 has no technology code"),
        # "system" alone is not: a CPV code that is not technology stands
        (notice("Fire Safety Systems Servicing", ["75251110"]), False, "CPV 75251110: no technology code"),
        # a technology code only among secondary codes: the title decides, both ways
        (notice("CCTV System Upgrade", ["51000000", "72200000"]), True,
         "title rule 'systems'; technology CPV 72200000 is not the main code (51000000)"),
        (notice("Building Term Services Framework", ["50000000", "50334400"]), False,
         "technology CPV 50334400 is not the main code (50000000); no technology word in the title"),
        # no CPV code (contract registers): the title, else the description
        (notice("Idox Uniform planning system", [], source="register"), True, "title rule 'systems'; no CPV code"),
        (notice("Contract 42", [], "Hosting and support of the housing system", "register"), True,
         "description rule 'hosting and cloud'; no CPV code"),
        (notice("Agency staff - neutral vendor", [], source="register"), False,
         "title rule 'agency staffing' (not technology); no CPV code"),
        (notice("Grounds maintenance", [], source="register"), False,
         "title rule 'facilities and environment' (not technology); no CPV code"),
        (notice("Wholesaler/Retailer Risk Allocation Model", []), False,
         "no CPV code; no technology word in the title or description"),
        # masks: a technology word that means something else is set aside first
        (notice("Dynamic purchasing system for home care", []), False,
         "title rule 'care services' (not technology); no CPV code"),
        (notice("Fire alarm system maintenance", []), False,
         "no CPV code; no technology word in the title or description"),
        (notice("Dynamic purchasing system for software licences", []), True, "title rule 'software'; no CPV code"),
        # IT in capitals is technology; "it" in a sentence is not
        (notice("Provision of an IT Consultancy Framework", ["79000000"]), True,
         "title rule 'ICT', though CPV 79000000 has no technology code"),
        (notice("Help when people need it", []), False, "no CPV code; no technology word in the title or description"),
    ],
)  # fmt: skip
def test_each_record_is_decided_with_a_reason(rec, is_it, reason):
    assert scope.decide(rec) == (is_it, reason)


def test_cpv_alone_decides_by_the_main_code():
    assert cpv_is_it(["48000000", "45000000"]) is True
    assert cpv_is_it(["45000000", "85000000"]) is False
    assert cpv_is_it(["45000000", "72000000"]) is None  # only a secondary code: the title decides
    assert cpv_is_it([]) is None


def test_apply_scope_sets_both_fields_on_every_record():
    records = [
        {**blank_record(), **notice("Repairs and maintenance", ["50000000"])},
        {**blank_record(), "source": "survey"},
    ]
    scope.apply_scope(records)
    assert [(r["is_it"], r["it_reason"]) for r in records] == [
        (False, "CPV 50000000: no technology code"),
        (True, "survey row"),
    ]


def test_a_survey_row_keeps_its_linked_contract_technology():
    survey = {**blank_record(), "record_id": "s", "source": "survey", "is_it": True, "it_reason": "survey row"}
    cf = {**blank_record(), "record_id": "n", "source": "contracts_finder", "is_it": False,
          "it_reason": "CPV 79993000: no technology code"}  # fmt: skip
    row = contract_row([(survey, None), (cf, 0.9)])
    assert (row["is_it"], row["it_reason"]) == (True, "survey row")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"rule": "x", "kind": "maybe", "overrides_cpv": "", "pattern": "x"}, "kind 'maybe'"),
        ({"rule": "x", "kind": "not_technology", "overrides_cpv": "yes", "pattern": "x"}, "overrides_cpv"),
        ({"rule": "x", "kind": "technology", "overrides_cpv": "", "pattern": "(unclosed"}, "does not compile"),
    ],
)
def test_a_bad_rules_file_names_its_line(row, message):
    with pytest.raises(ValueError, match=rf"it_title_rules.csv line 2: .*{message}"):
        scope.parse_rules([row])


def test_the_rules_file_reads():
    kinds = [r.kind for r in scope.rules()]
    assert kinds[: kinds.index("technology")] == ["mask"] * kinds.index("technology")  # masks come first
    assert {"technology", "not_technology"} <= set(kinds)


# --------------------------------------------------------------------------- on the real files


@pytest.fixture(scope="module")
def real_records() -> dict[tuple[str, str], dict]:
    """Every record of the real CSV exports and OCDS packages, scoped, by (file, notice id or ocid)."""
    records = read_contracts([CSV_DIR, OCDS_DIR]).records
    scope.apply_scope(records)
    return {(r["source_file"], r["source_ref"]): r for r in records}


@needs_real
def test_most_real_notices_are_not_technology(real_records):
    by_kind: dict[str, list[bool]] = {}
    for (file, _), rec in real_records.items():
        by_kind.setdefault("csv" if file.endswith(".csv") else "ocds", []).append(rec["is_it"])
    assert {k: (len(v), sum(v)) for k, v in by_kind.items()} == {"csv": (1001, 152), "ocds": (100, 7)}
    boroughs = [r["is_it"] for r in real_records.values() if r["borough_code"]]
    assert (len(boroughs), sum(boroughs)) == (34, 1)  # London borough buyers: only a CCTV system is technology
    assert all(r["is_it"] in (True, False) and r["it_reason"] for r in real_records.values())


@needs_real
@pytest.mark.parametrize(
    ("file", "ref", "title", "is_it", "reason"),
    [
        # technology: software licences, whatever the CPV code says
        ("search-export-2020-a.csv", "tender_248594/886721", "Campus Microsoft LIcense", True, "CPV 48000000"),
        ("search-export-2020-a.csv", "DERBSCC001-DN489231-39339861", "CCP017 SAP Licences and Support & Maintenance",
         True, "CPV 48000000"),
        ("search-export-2020-a.csv", "CCSO20A68.",
         "RM6068 - SMITS Software License Maintenance & Support Renewal Sept 2020", True,
         "title rule 'software', though CPV 73200000 has no technology code"),
        # a borough's CCTV system: the software code is secondary, the title names a system
        ("search-export-2020-a.csv", "RBG001-DN479909-00029959",
         "SPS 2158 - CCTV System Upgrade, Operation and Maintenance", True,
         "title rule 'systems'; technology CPV 72200000 is not the main code (51000000)"),
        # not technology: agency staff, repairs, electricity, supported living
        ("search-export-2020-a.csv", "Award notice for a contract for a provision of agency workers",
         "Award notice for a contract for a provision of agency workers", False, "CPV 79600000: no technology code"),
        ("search-export-2020-a.csv", "tender_217461/878736", "Hammersmith and Fulham Repairs and Maintenance", False,
         "CPV 50000000: no technology code"),
        ("search-export-2020-a.csv", "tender_249456/885033", "Electricity Supplies for Housing Oct 2020 to Sept 2021",
         False, "CPV 09310000: no technology code"),
        ("search-export-2020-a.csv", "20200920173030-28", "Mental Health Supported Living Service - South", False,
         "CPV 85000000, 85300000, 85310000 and 1 more: no technology code"),
        # 32 CPV codes, two of them IT repair codes among the building ones: not technology
        ("search-export-2020-a.csv", "COV - 8155 - AWARD", "COV - Building Term Services Framework 2020 - AWARD", False,
         "technology CPV 50334400, 50324200 is not the main code (50000000); no technology word in the title"),
        # OCDS packages
        ("ocds-b5fd17raw-2151c2ad-a80a-4bdd-8346-c8917fe8578d.json", None, "Cyber Security Services", True,
         "CPV 72000000"),
        ("ocds-b5fd17raw-7858b596-6c82-4407-b517-f64fd195b721.json", None, "Void Property Repair Service Contract 2019",
         False, "CPV 45000000, 50000000: no technology code"),
    ],
)  # fmt: skip
def test_named_real_notices(real_records, file, ref, title, is_it, reason):
    found = [r for (f, r_ref), r in real_records.items() if f == file and ref in (None, r_ref)]
    assert len(found) == 1
    rec = found[0]
    assert rec["title"] == title
    assert (rec["is_it"], rec["it_reason"]) == (is_it, reason)


# --------------------------------------------------------------------------- what every view counts


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """The real CSV exports and OCDS packages, built."""
    db = tmp_path_factory.mktemp("scope_real") / "real.duckdb"
    build(db, contracts=[CSV_DIR, OCDS_DIR])
    return db


@pytest.fixture(scope="module")
def real_and_sample_db(tmp_path_factory, sample_inputs):
    """The sample surveys with the real exports: what the issue loaded when the value nearly doubled."""
    db = tmp_path_factory.mktemp("scope_mixed") / "mixed.duckdb"
    build(db, surveys=[sample_inputs.surveys], contracts=[CSV_DIR, OCDS_DIR])
    return db


def headline(db, st: dict) -> tuple[int, int, float]:
    with duckdb.connect(str(db), read_only=True) as cur:
        h = queries.headline(cur, st, today=TODAY)
    return h["contracts"], h["boroughs"], round(h["annual_value"], 2)


@needs_real
def test_overview_total_with_and_without_scope_all_on_the_real_exports(real_db):
    assert headline(real_db, {}) == (1, 1, 498_461.54)  # the technology count: Greenwich's CCTV system
    assert headline(real_db, {"scope": "all"}) == (34, 20, 81_867_250.96)
    with duckdb.connect(str(real_db), read_only=True) as cur:
        assert queries.scope_counts(cur, {}) == {"technology": 1, "other": 33}
        assert queries.scope_counts(cur, {}, boroughs_only=False) == {"technology": 159, "other": 942}


@needs_real
def test_overview_total_with_and_without_scope_all_on_the_sample_surveys_and_real_exports(real_and_sample_db):
    assert headline(real_and_sample_db, {}) == (584, 22, 93_685_961.54)  # 583 survey rows and the CCTV system
    assert headline(real_and_sample_db, {"scope": "all"}) == (617, 29, 175_054_750.96)


def test_overview_total_with_and_without_scope_all_on_the_sample(full_sample_build):
    db, _ = full_sample_build
    assert headline(db, {}) == (613, 22, 97_247_159.54)  # the technology count
    # 11 more: grounds maintenance, facilities, street lighting, traffic signals, agency staff
    assert headline(db, {"scope": "all"}) == (624, 22, 106_602_159.54)


@needs_real
def test_overview_page_says_what_is_hidden_and_links_to_it(real_db, render_page):
    app = create_app(real_db)
    page = render_page(app, "/")
    notice = by_id(page, "scope-notice")
    assert texts(notice) == [
        "Technology contracts only: 33 contracts that match these filters are not technology and are hidden. ",
        "Show all contracts",
    ]
    assert by_id(notice, "scope-link")["props"]["href"] == "/?scope=all"
    assert texts(by_id(page, "stat-contracts"))[1] == "1"
    everything = render_page(app, "/", "?scope=all")
    notice = by_id(everything, "scope-notice")
    assert texts(notice)[0] == "Showing all contracts, technology or not (33 of them are not technology). "
    assert by_id(notice, "scope-link")["props"]["href"] == "/"
    assert texts(by_id(everything, "stat-contracts"))[1] == "34"


@needs_real
@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_every_page_says_how_many_are_hidden(real_and_sample_db, render_page, view):
    path = view.path.replace("<code>", "E09000007")
    page = render_page(create_app(real_and_sample_db), path, "?q=a")
    counted = {"q": "a", **({"borough": ["E09000007"]} if "<code>" in view.path else {})}
    with duckdb.connect(str(real_and_sample_db), read_only=True) as cur:
        hidden = queries.scope_counts(cur, counted)["other"]
    assert hidden > 0
    notice = by_id(page, "scope-notice")
    assert f" {hidden:,} contracts that match these filters are not technology" in texts(notice)[0]
    assert by_id(notice, "scope-link")["props"]["href"] == f"{path}?q=a&scope=all"


@needs_real
def test_exports_say_the_scope_and_hold_the_rows_shown(real_db):
    client = create_app(real_db).server.test_client()

    def export(search: str) -> tuple[list[str], list[list[str]]]:
        text = client.get(f"/export/contracts.csv{search}").get_data(as_text=True).lstrip("\ufeff")
        notes = [f"# Scope: {client.get(f'/export/contracts.json{search}').get_json()['scope']}"]
        rows = list(csv.reader(io.StringIO(text)))  # the header is the first line; the scope is in the JSON
        return notes, rows[1:]

    notes, rows = export("")
    assert "# Scope: technology contracts only; 33 contracts that are not technology match these filters and are" \
           " hidden (scope=all shows them)" in notes  # fmt: skip
    assert len(rows) == 1
    notes, rows = export("?scope=all")
    assert "# Scope: all contracts, technology or not (33 of them are not technology)" in notes
    assert len(rows) == 34


@needs_real
def test_the_report_says_its_scope(real_and_sample_db):
    with duckdb.connect(str(real_and_sample_db), read_only=True) as cur:
        default = rep.build_report(cur, {}, TODAY)
        everything = rep.build_report(cur, {"scope": "all"}, TODAY)
    assert (default.subject, default.scope_counts) == ("All technology contracts", {"technology": 584, "other": 33})
    assert dict(rep.about_rows(default))["Scope"] == (
        "technology contracts only; 33 contracts that are not technology match these filters and are hidden "
        "(scope=all shows them)"
    )
    assert 'id="report-scope" data-scope="it" data-technology="584" data-other="33"' in rep.render_html(default)
    assert everything.subject == "All contracts"
    assert everything.numbers["contracts"] - default.numbers["contracts"] == 33  # every contract here is running
    assert 'data-scope="all"' in rep.render_html(everything)


# --------------------------------------------------------------------------- the URL and the filter bar


def test_scope_is_a_shared_filter_of_every_view_with_one_url_for_the_default():
    assert all(view.key_set["scope"] is state.FILTERS["scope"] for view in views.ALL)
    assert state.parse_query("scope=it&q=x") == {"q": "x"}  # the default is never written
    assert state.to_query({"scope": "all", "q": "x"}) == "q=x&scope=all"
    assert state.check_query("scope=everything") == ({}, ["Scope: 'everything' is not one of it, all; ignored."])
    with pytest.raises(ValueError, match="scope"):
        queries.where_clause({"scope": "everything"})


def _controls(**given) -> list:
    return [given.get(c.key, c.empty) for c in filters.CONTROLS]


def test_the_filter_bar_keeps_and_sets_the_scope():
    # another filter changes: scope=all stays
    out = filters.sync("filter-q", "?scope=all", _controls(q="pay", scope="all"), with_options=False)
    assert out[0] == "?q=pay&scope=all"
    # the scope control writes the key, and its default removes it
    assert filters.sync("filter-scope", "?q=pay", _controls(q="pay", scope="all"), with_options=False)[0] == (
        "?q=pay&scope=all"
    )
    assert filters.sync("filter-scope", "?q=pay&scope=all", _controls(q="pay"), with_options=False)[0] == "?q=pay"
    # a link with scope=all sets the control; the navbar carries it to every page
    out = filters.sync(None, "?scope=all", _controls(), with_options=False)
    assert out[1 + [c.key for c in filters.CONTROLS].index("scope")] == "all"
    assert filters.nav_links("/", "?scope=all", [{"relative_path": "/contracts"}]) == ["/contracts?scope=all", False]
