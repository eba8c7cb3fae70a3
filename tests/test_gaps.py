"""Gaps said loudly (issue 11): a survey return that loads without a wanted column says so
everywhere (the printed table, ``--report``, ``load_files``, the overview's coverage box, the
borough page); warnings are printed per file by kind; rejected returns show under their borough.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from pagetree import by_id, texts, walk

from app import create_app
from etl.accounting import (
    WANTED_FIELDS,
    file_report,
    format_headers,
    format_warnings,
    status_text,
    survey_gaps,
    warning_kind,
    warning_kinds,
)
from etl.extract.result import ReadResult
from etl.extract.survey_fields import FIELD_NAMES
from etl.template import BOROUGH_CELL, build_template

ROOT = Path(__file__).resolve().parents[1]
CAMDEN = "E09000007"
NO_SUPPLIER = "loaded with gaps: no supplier column"
D = datetime
# the template's rows without the supplier: service area, system, manufacturer, start, end, extension,
# annual, total, hosting, confidence, satisfaction, value for money, comments
ROWS = [
    ["Adult Social Care", "Mosaic", "Servelec", D(2022, 4, 1), D(2027, 3, 31), "+1+1", 250000, 1250000, "Hosted",
     "High", 3, 3, "Reviewing options"],
    ["Revenues and Benefits", "Academy", "Capita", D(2021, 4, 1), D(2026, 9, 30), None, 180000, 900000,
     "On premises", 2, 2, 3, None],
    ["HR and Payroll", "iTrent", "MHR", D(2023, 1, 1), D(2027, 12, 31), None, 95000, None, "Cloud SaaS",
     "High", 4, 4, "Happy"],
]  # fmt: skip


def write_no_supplier_return(folder: Path, name: str = "return.xlsx") -> Path:
    """Camden's return on the template (``etl.template``) with the supplier column deleted, as a borough
    that does not hold that answer sends it; two confidence scores are words (two warnings)."""
    wb = build_template()
    wb["Instructions"][BOROUGH_CELL] = "Camden"
    ws = wb["Systems"]
    supplier = 1 + [c.value for c in ws[1]].index("Supplier (contracting party)")
    ws.delete_cols(supplier)
    assert "Supplier (contracting party)" not in [c.value for c in ws[1]]
    for i, row in enumerate(ROWS, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / name)
    return folder / name


def write_unreadable_return(folder: Path, name: str = "camden_contacts.xlsx") -> Path:
    """A return the reader rejects (no header row of systems), named after its borough."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Phone"])
    wb.active.append(["A. Person", "020 7974 4444"])
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / name)
    return folder / name


def run_build(surveys: Path, db: Path, report: Path, *extra: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--surveys", str(surveys), "--out", str(db), "--report", str(report),
         *extra],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def load_files(db: Path) -> dict[str, dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("SELECT * FROM load_files")
        names = [d[0] for d in cursor.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def inner_text(node) -> str:
    """A component's text in document order, as a browser shows it."""
    if isinstance(node, list):
        return "".join(map(inner_text, node))
    if isinstance(node, dict):
        return inner_text(node.get("props", {}).get("children"))
    return "" if node is None else str(node)


def items(tree, list_id: str) -> list[str]:
    return [inner_text(li) for li in walk(by_id(tree, list_id)) if li["type"] == "Li"]


@pytest.fixture(scope="module")
def gaps_build(tmp_path_factory) -> tuple[Path, dict, str]:
    """(database, --report JSON, printed output) of a build of the no-supplier return, an unreadable
    Camden return and a text file, run as a person runs it."""
    root = tmp_path_factory.mktemp("gaps")
    surveys = root / "surveys"
    write_no_supplier_return(surveys)
    write_unreadable_return(surveys)
    (surveys / "notes.txt").write_text("not a return", encoding="utf-8")
    db, report = root / "gaps.duckdb", root / "report.json"
    out = run_build(surveys, db, report)
    return db, json.loads(report.read_text(encoding="utf-8")), out


# --------------------------------------------------------------------------- gaps, from mapped_fields


def survey_result(mapped: set[str], error: str | None = None, kind: str = "survey") -> ReadResult:
    result = ReadResult(Path("/x/camden_return.xlsx"), kind, mapped_fields=mapped)
    if error:
        result.reject_file(kind, error)
    return result


def test_the_wanted_fields_are_fields_of_the_survey():
    assert set(WANTED_FIELDS) <= set(FIELD_NAMES)
    assert list(WANTED_FIELDS.values()) == ["supplier", "system", "service area", "end date"]


@pytest.mark.parametrize(
    ("missing", "status", "gaps"),
    [
        (set(), "loaded", []),
        ({"supplier"}, "loaded with gaps", ["no supplier column"]),
        ({"supplier", "contract_end"}, "loaded with gaps", ["no supplier column", "no end date column"]),
        (set(WANTED_FIELDS), "loaded with gaps",
         ["no supplier column", "no system column", "no service area column", "no end date column"]),
    ],
)  # fmt: skip
def test_a_survey_return_without_a_wanted_column_is_loaded_with_gaps(missing, status, gaps):
    mapped = set(FIELD_NAMES) - missing
    report = file_report(survey_result(mapped))
    assert (report.status, report.gaps) == (status, gaps)
    assert status_text(vars(report)) == (f"loaded with gaps: {', '.join(gaps)}" if gaps else "loaded")


def test_gaps_are_for_loaded_survey_returns_only():
    assert survey_gaps(survey_result(set(), error="camden_return.xlsx: no recognisable header row")) == []
    assert survey_gaps(survey_result(set(), kind="cf_csv")) == []
    assert file_report(survey_result(set(), kind="cf_csv")).status == "loaded"
    rejected = file_report(survey_result(set(), error="camden_return.xlsx: no recognisable header row"))
    assert (rejected.status, rejected.gaps, status_text(vars(rejected))) == ("rejected", [], "rejected")


def test_a_rejected_return_takes_its_borough_from_its_file_name():
    rejected = file_report(survey_result(set(), error="camden_return.xlsx: no recognisable header row"))
    assert (rejected.borough_code, rejected.borough_from) == (CAMDEN, "file name")
    other = file_report(
        ReadResult(Path("/x/return_final_v2.xlsx"), "survey", error="return_final_v2.xlsx: no borough found")
    )
    assert (other.borough_code, other.borough_from) == (None, None)


# --------------------------------------------------------------------------- warnings by kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("confidence: score given as 'Medium', read as 3", "confidence"),
        ("contract end: '30/02/2027' is not a real date", "contract end"),
        ("8 suppliers named; supplier is the first, 'Secure Healthcare Ltd'", "N suppliers named"),
        ('2 suppliers named; supplier is the first, "O\'Brien & Sons Ltd"', "N suppliers named"),
        ("Companies House number '216961173' is not valid", "Companies House number '…' is not valid"),
        ("end_date is the notice's estimate, not the contract's",
         "end_date is the notice's estimate, not the contract's"),
        ("tender value 0.1 GBP is a placeholder; taken as unknown", "tender value N GBP is a placeholder"),
        ("ocid 'ocds-b5fd17raw-1' read as 'ocds-b5fd17-1': the same notice under a republisher's prefix",
         "ocid '…' read as '…'"),
        ("maximum end date 30/09/2027 is not the end date plus the extension options; kept",
         "maximum end date N is not the end date plus the extension…"),
        ("reference 'R-1' also on an earlier row (occurrence 2)",
         "reference '…' also on an earlier row (occurrence N)"),
    ],
)  # fmt: skip
def test_the_kind_of_a_warning(text, kind):
    assert warning_kind(text) == kind


def test_a_long_warning_kind_is_cut():
    kind = warning_kind("x" * 100)
    assert kind == "x" * 59 + "…"


def survey_with_warnings() -> ReadResult:
    result = ReadResult(Path("/x/r.xlsx"), "survey")
    warnings = [
        ["confidence: score given as 'High', read as 4", "annual cost: approximate amount 'c £5k' taken as 5,000"],
        [],
        ["confidence: score given as 'Low', read as 2"],
    ]
    result.records = [
        {"source_ref": f"r.xlsx#Systems!{i + 2}", "warnings": w, "borough_code": CAMDEN} for i, w in enumerate(warnings)
    ]
    return result


def test_warnings_are_grouped_by_kind_most_first_with_where_each_was():
    assert warning_kinds(survey_with_warnings()) == [
        {"kind": "confidence", "count": 2, "warnings": [
            {"at": "Systems!2", "text": "confidence: score given as 'High', read as 4"},
            {"at": "Systems!4", "text": "confidence: score given as 'Low', read as 2"}]},
        {"kind": "annual cost", "count": 1, "warnings": [
            {"at": "Systems!2", "text": "annual cost: approximate amount 'c £5k' taken as 5,000"}]},
    ]  # fmt: skip
    assert file_report(survey_with_warnings()).warnings == 3


def test_warnings_print_one_example_per_kind_and_every_one_verbose():
    rows = [vars(file_report(survey_with_warnings())), {"file": "clean.csv", "warning_kinds": []}]
    assert format_warnings(rows) == [
        "",
        "Warnings by file and kind (one example each; -v prints every one):",
        "  r.xlsx: 3 warnings",
        "    2  confidence   e.g. Systems!2: confidence: score given as 'High', read as 4",
        "    1  annual cost  e.g. Systems!2: annual cost: approximate amount 'c £5k' taken as 5,000",
    ]
    assert format_warnings(rows, verbose=True) == [
        "",
        "Warnings by file and kind:",
        "  r.xlsx: 3 warnings",
        "    2  confidence",
        "         Systems!2: confidence: score given as 'High', read as 4",
        "         Systems!4: confidence: score given as 'Low', read as 2",
        "    1  annual cost",
        "         Systems!2: annual cost: approximate amount 'c £5k' taken as 5,000",
    ]
    assert format_warnings([{"file": "clean.csv", "warning_kinds": []}]) == []


def test_a_warning_kind_that_is_its_text_says_where_it_was_first():
    kinds = [{"kind": "no buyer name", "count": 2, "warnings": [{"at": "ocds-1", "text": "no buyer name"}] * 2}]
    assert format_warnings([{"file": "x.json", "warning_kinds": json.dumps(kinds)}])[-1] == (
        "    2  no buyer name  first at ocds-1"
    )


def test_headers_print_with_how_each_was_mapped():
    headers = [
        {"sheet": "Systems", "column": "A", "header": "Service area", "field": "service_area", "how": "map"},
        {"sheet": "Systems", "column": "D", "header": "Vendor", "field": None, "how": "ambiguous"},
    ]
    assert format_headers([{"file": "r.xlsx", "headers": json.dumps(headers)}, {"file": "x.csv", "headers": None}]) == [
        "",
        "r.xlsx: headers",
        "  Systems!A 'Service area' -> service_area (map)",
        "  Systems!D 'Vendor' -> - (ambiguous)",
    ]


# --------------------------------------------------------------------------- a return with no supplier column


def test_the_printed_table_says_loaded_with_gaps_in_a_column_of_its_own(gaps_build):
    _, _, out = gaps_build
    lines = out.splitlines()
    header = lines[0].split()
    assert header[-1] == "status"
    status_at = lines[0].index("status")
    (row,) = [line for line in lines if line.startswith("return.xlsx ")]
    assert row[status_at:] == NO_SUPPLIER
    assert row.split()[1:4] == ["survey", CAMDEN, "3"]  # source, borough, read
    (rejected,) = [line for line in lines if line.startswith("camden_contacts.xlsx ")]
    assert rejected[status_at:] == "REJECTED"
    assert rejected.split()[1:3] == ["survey", CAMDEN]
    assert f"return.xlsx: {NO_SUPPLIER}" in lines  # and again below the table, with the file's other problems
    assert "  survey: 3 files (2 rejected, 1 loaded with gaps), 3 read, 3 loaded, 0 merged, 0 rejected, " in out


def test_the_report_says_loaded_with_gaps(gaps_build):
    db, report, _ = gaps_build
    files = {f["file"]: f for f in report["files"]}
    ret = files["return.xlsx"]
    assert (ret["status"], ret["gaps"], ret["status_text"]) == ("loaded with gaps", ["no supplier column"], NO_SUPPLIER)
    assert (ret["records_read"], ret["loaded"], ret["balanced"]) == (3, 3, True)
    assert report["by_source"]["survey"]["files_with_gaps"] == 1
    assert files["camden_contacts.xlsx"]["status_text"] == "rejected"
    assert files["notes.txt"]["borough_code"] is None
    # every header cell of the return, as the reader named it, in the report and in load_files
    assert ret["headers"] == json.loads(load_files(db)["return.xlsx"]["headers"])
    assert {h["header"] for h in ret["headers"]} >= {"Service area", "System / product", "Contract end"}
    assert not any(h["field"] == "supplier" for h in ret["headers"])


def test_load_files_say_loaded_with_gaps(gaps_build):
    db, _, _ = gaps_build
    files = load_files(db)
    ret = files["return.xlsx"]
    assert (ret["status"], ret["gaps"]) == ("loaded with gaps", ["no supplier column"])
    with duckdb.connect(str(db), read_only=True) as con:
        said = con.execute(
            "SELECT status || ': ' || array_to_string(gaps, ', ') FROM load_files WHERE file = 'return.xlsx'"
        ).fetchall()
    assert said == [(NO_SUPPLIER,)]
    for f in files.values():  # the identity holds whatever the status
        assert f["records_read"] == f["loaded"] + f["merged"] + f["rejected"] + f["skipped"], f
    assert {name: f["status"] for name, f in files.items()} == {
        "return.xlsx": "loaded with gaps",
        "camden_contacts.xlsx": "rejected",
        "notes.txt": "rejected",
    }
    assert (files["camden_contacts.xlsx"]["borough_code"], files["camden_contacts.xlsx"]["borough_from"]) == (
        CAMDEN,
        "file name",
    )
    kinds = json.loads(ret["warning_kinds"])
    assert [(k["kind"], k["count"]) for k in kinds] == [("confidence", 2)]
    assert [w["at"] for w in kinds[0]["warnings"]] == ["Systems!2", "Systems!4"]


def test_warnings_are_printed_per_file_and_all_of_them_with_verbose(gaps_build, tmp_path):
    _, _, out = gaps_build
    assert "  return.xlsx: 2 warnings" in out.splitlines()
    assert "    2  confidence  e.g. Systems!2: confidence: score given as 'High', read as 4" in out.splitlines()
    assert "Systems!4" not in out
    surveys = tmp_path / "surveys"
    write_no_supplier_return(surveys)
    verbose = run_build(surveys, tmp_path / "v.duckdb", tmp_path / "v.json", "-v").splitlines()
    at = verbose.index("  return.xlsx: 2 warnings")
    assert verbose[at + 1 : at + 4] == [
        "    2  confidence",
        "         Systems!2: confidence: score given as 'High', read as 4",
        "         Systems!4: confidence: score given as 'High', read as 4",
    ]
    assert "return.xlsx: headers" in verbose
    assert "  Systems!A 'Service area' -> service_area (map)" in verbose


def test_the_borough_page_says_loaded_with_gaps_and_shows_the_rejected_return(gaps_build, render_page):
    db, _, _ = gaps_build
    tree = render_page(create_app(db), f"/borough/{CAMDEN}")
    reason = load_files(db)["camden_contacts.xlsx"]["reason"].removeprefix("camden_contacts.xlsx: ")
    assert texts(by_id(tree, "coverage-survey")) == [
        "Yes, with gaps: 1 file, 3 rows in the database; 1 more file rejected.",
        f"camden_contacts.xlsx: rejected: {reason}",
        f"return.xlsx: {NO_SUPPLIER}; 3 rows loaded of 3 read (0 rejected, 0 skipped)",
    ]
    assert texts(by_id(tree, "survey-notice")) == [
        "Survey returns that loaded with gaps or were rejected:",
        f"camden_contacts.xlsx: rejected: {reason}",
        f"return.xlsx: {NO_SUPPLIER}",
    ]


def test_the_overview_coverage_box_lists_gaps_and_rejected_returns_by_borough(gaps_build, render_page):
    db, _, _ = gaps_build
    tree = render_page(create_app(db), "/")
    files = load_files(db)
    camden_reason = files["camden_contacts.xlsx"]["reason"].removeprefix("camden_contacts.xlsx: ")
    notes_reason = files["notes.txt"]["reason"].removeprefix("notes.txt: ")
    assert texts(by_id(tree, "coverage-summary")) == [
        "3 survey returns: 0 loaded in full, 1 loaded with gaps, 2 rejected."
    ]
    assert items(tree, "coverage-problems") == [
        f"Camden: camden_contacts.xlsx: rejected: {camden_reason}",
        f"Camden: return.xlsx: {NO_SUPPLIER}",
        f"Borough not known: notes.txt: rejected: {notes_reason}",
    ]
    links = [n["props"]["href"] for n in walk(by_id(tree, "coverage-problems")) if n["type"] == "Link"]
    assert links == [f"/borough/{CAMDEN}"] * 2


def test_a_borough_whose_only_return_was_rejected(tmp_path, render_page):
    surveys = tmp_path / "surveys"
    write_unreadable_return(surveys)
    db = tmp_path / "rejected.duckdb"
    run_build(surveys, db, tmp_path / "r.json")
    tree = render_page(create_app(db), f"/borough/{CAMDEN}")
    assert texts(by_id(tree, "coverage-survey"))[0] == "Returned, but not loaded: 1 file rejected."


def test_the_full_sample_has_no_gaps(full_sample_build, render_page):
    db, result = full_sample_build
    surveys = [f for f in result.files if f.source == "survey"]
    assert {(f.status, tuple(f.gaps)) for f in surveys} == {("loaded", ())}
    tree = render_page(create_app(db), "/")
    assert texts(by_id(tree, "coverage-summary")) == [
        "22 survey returns: 22 loaded in full, 0 loaded with gaps, 0 rejected."
    ]
    assert "coverage-problems" not in json.dumps(tree)
