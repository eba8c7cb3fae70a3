"""The survey ETL on workbooks written here: the template round trip, messy returns, bad files."""

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import msoffcrypto.format.ooxml
import openpyxl
import pytest

import etl.load
from dashboard.queries.expiring import expiring
from etl.build import build
from etl.extract.survey import read_survey
from etl.extract.survey_fields import FIELDS
from etl.template import BOROUGH_CELL, build_template

ROOT = Path(__file__).resolve().parents[1]
D = dt.datetime

TEMPLATE_ROWS = [
    ["Adult Social Care", "Mosaic", "Servelec", "Servelec HSC Limited", D(2022, 4, 1), D(2027, 3, 31), "+1+1",
     250000, 1250000, "Hosted", 4, 3, 3, "Reviewing options"],
    ["Revenues and Benefits", "Academy", "Capita", "Capita Business Services Ltd", D(2021, 4, 1), D(2026, 9, 30),
     "12 months", 180000, 900000, "On premises", 2, 2, 3, None],
    ["HR and Payroll", "iTrent", "MHR", "MHR International UK Limited", D(2023, 1, 1), D(2027, 12, 31), "None",
     95000, None, "Cloud SaaS", 5, 4, 4, "Happy"],
]  # fmt: skip


def rows_of(db: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def fill(ws, rows, first_row=2):
    for i, row in enumerate(rows, start=first_row):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)


@pytest.fixture
def template_return(tmp_path) -> Path:
    """A return made the way a borough makes one: the CLI's template, filled in."""
    path = tmp_path / "surveys" / "return.xlsx"
    subprocess.run([sys.executable, "-m", "etl", "template", str(path)], cwd=ROOT, check=True, capture_output=True)
    wb = openpyxl.load_workbook(path)
    wb["Instructions"][BOROUGH_CELL] = "Camden"
    fill(wb["Systems"], TEMPLATE_ROWS)
    wb.save(path)
    return path


def test_template_has_the_fields_and_dropdowns(tmp_path):
    wb = build_template()
    assert wb.sheetnames == ["Instructions", "Systems", "Lists"]
    header = [c.value for c in wb["Systems"][1]]
    assert header == [f.label for f in FIELDS]
    formulas = {dv.formula1 for dv in wb["Systems"].data_validations.dataValidation}
    assert any("$B$" in f for f in formulas)  # service area list
    assert len(formulas) == 3  # service area, hosting, scale (shared by the three scores)
    assert str(wb["Instructions"].data_validations.dataValidation[0].sqref) == BOROUGH_CELL


def test_filled_template_loads_with_no_warnings(template_return, tmp_path):
    db = tmp_path / "t.duckdb"
    result = build(db, surveys=[template_return.parent])
    (report,) = result.files
    assert (report.records_read, report.loaded, report.rejected, report.skipped) == (3, 3, 0, 0)
    assert report.unmapped_columns == [] and report.notes == []
    assert report.borough_from == "cell labelled 'Borough' on sheet 'Instructions'"
    rows = rows_of(
        db,
        "SELECT borough_code, system_name, supplier_name, service_area, start_date, end_date, max_end_date,"
        " annual_value, total_value, hosting, confidence, len(warnings) FROM contract_records ORDER BY source_ref",
    )
    assert rows[0] == ("E09000007", "Mosaic", "Servelec HSC Limited", "Adult Social Care", dt.date(2022, 4, 1),
                       dt.date(2027, 3, 31), dt.date(2029, 3, 31), 250000.0, 1250000.0, "Hosted", 4, 0)  # fmt: skip
    assert rows[1][2] == "Capita Business Services Limited"
    assert rows[1][6] == dt.date(2027, 9, 30)
    assert rows[2][6] == dt.date(2027, 12, 31)  # "None": no options, latest end is the end
    assert [r[-1] for r in rows] == [0, 0, 0]
    assert rows_of(db, "SELECT count(*) FROM rejects") == [(0,)]
    assert rows_of(db, "SELECT count(*) FROM contracts") == [(3,)]


def test_record_ids_are_stable_across_rebuilds(template_return, tmp_path):
    build(tmp_path / "a.duckdb", surveys=[template_return.parent])
    build(tmp_path / "b.duckdb", surveys=[template_return.parent])
    sql = "SELECT record_id FROM contract_records ORDER BY 1"
    assert rows_of(tmp_path / "a.duckdb", sql) == rows_of(tmp_path / "b.duckdb", sql)


def messy_return(path: Path) -> Path:
    """A return as boroughs really send them: title rows, renamed and merged headers, text values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ICT Systems"
    ws["A1"] = "London Borough of Hackney - ICT systems return 2019"
    ws["A2"] = "Prepared by the ICT contracts team"
    # a two-row header: groups merged over their sub-headers
    ws.append([])
    ws.append(["Service", "Product", "Vendor", "Supplier", "Contract", None, "Extensions", "Annual value",
               "Scores (1-5)", None, "Internal ref"])  # fmt: skip
    ws.merge_cells("E4:F4")
    ws.merge_cells("I4:J4")
    ws.append([None, None, None, None, "Start", "End", None, None, "Confidence", "Satisfaction", None])
    for col in "ABCDGHK":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append(["Revs & Bens", "Northgate iWorld", "NEC", "NEC SOFTWARE SOLUTIONS UK LTD", "01/04/2020", "Sep-2027",
               "+1+1", "£1,250,000", "High", 3, "R-1"])  # fmt: skip
    ws.append([])
    ws.append(["Planning", "Uniform", "Idox", "Idox Software Ltd", "2021", "TBC", "None", "approx £45k", 4, 4, "R-2"])
    ws.append(["Parking", "Taranto", "Imperial", "Imperial Civil Enforcement Solutions", "2020", "30/02/2027", None,
               "N/A", 9, "Medium", "R-3"])  # fmt: skip
    ws.append([None, None, None, None, None, None, None, None, None, None, "note: figures exclude VAT"])
    ws.append(["Total", None, None, None, None, None, None, 1295000, None, None, None])
    wb.create_sheet("Notes")["A1"] = "Any questions to the ICT team"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_messy_return_loads_with_values_and_warnings(tmp_path):
    result = read_survey(messy_return(tmp_path / "return 2019.xlsx"))
    assert result.error is None
    assert result.borough_code == "E09000012"
    assert result.borough_from.startswith("title 'London Borough of Hackney")
    assert result.records_read == 6  # rows 6-11 below the two-row header
    assert len(result.records) == 3
    assert dict(result.skipped) == {"blank row": 1, "note row (text only in unmapped columns)": 1, "totals row": 1}
    assert result.unmapped_columns == ["ICT Systems!K 'Internal ref'"]
    iworld, uniform, taranto = result.records
    assert iworld["service_area"] == "Revenues and Benefits"
    assert iworld["supplier_raw"] == "NEC SOFTWARE SOLUTIONS UK LTD"
    assert (iworld["start_date"], iworld["end_date"], iworld["max_end_date"]) == (
        dt.date(2020, 4, 1), dt.date(2027, 9, 30), dt.date(2029, 9, 30))  # fmt: skip
    assert iworld["annual_value"] == 1_250_000.0
    assert iworld["confidence"] == 4 and iworld["satisfaction"] == 3
    assert iworld["warnings"] == ["confidence: score given as 'High', read as 4"]
    assert uniform["system_name"] == "Idox Uniform" and uniform["end_date"] is None
    assert uniform["annual_value"] == 45_000.0
    assert "contract end: date given as 'TBC', treated as unknown" in uniform["warnings"]
    assert taranto["end_date"] is None
    assert "contract end: '30/02/2027' is not a real date" in taranto["warnings"]
    assert taranto["confidence"] is None and taranto["satisfaction"] == 3
    assert uniform["source_ref"] == "return 2019.xlsx#ICT Systems!8"


def test_borough_column_rows_and_unknown_boroughs(tmp_path):
    path = tmp_path / "shared_service.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Borough", "System", "Supplier", "End date"])
    ws.append(["LB Camden", "Mosaic", "Servelec", "31/03/2028"])
    ws.append(["London Borough of Islington Council", "Mosaic", "Servelec", "31/03/2028"])
    ws.append(["Reading Borough Council", "Mosaic", "Servelec", "31/03/2028"])
    wb.save(path)
    result = read_survey(path)
    assert [r["borough_code"] for r in result.records] == ["E09000007", "E09000019"]
    (reject,) = result.rejects
    assert reject["location"] == "Sheet!4"
    assert reject["reason"] == "borough 'Reading Borough Council' is not a London authority"
    assert reject["raw"]["Borough"] == "Reading Borough Council"


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"not a workbook": write_text(folder / "notes.xlsx", "this is not a spreadsheet")}
    (folder / "empty.xlsx").write_bytes(b"")
    files["empty"] = folder / "empty.xlsx"
    plain = io.BytesIO()
    build_template().save(plain)
    plain.seek(0)
    with open(folder / "locked.xlsx", "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", out)
    files["password"] = folder / "locked.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Phone"])
    wb.active.append(["Ann", "0207"])
    wb.save(folder / "camden_contacts.xlsx")
    files["no header"] = folder / "camden_contacts.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["System", "Supplier", "Contract end"])
    wb.active.append(["Mosaic", "Servelec", "31/03/2028"])
    wb.save(folder / "return_final_v2.xlsx")
    files["no borough"] = folder / "return_final_v2.xlsx"
    files["not xlsx"] = write_text(folder / "notes.txt", "read me")
    return files


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not a workbook", "notes.xlsx: not an Excel workbook (.xlsx); the file is not a zip package"),
        ("empty", "empty.xlsx: the file is empty (0 bytes)"),
        ("password", "locked.xlsx: the workbook is password-protected; please send it without a password"),
        ("no header", "camden_contacts.xlsx: no recognisable header row"),
        ("no borough", "return_final_v2.xlsx: no borough found: no Borough column, no 'Borough' cell on a cover"),
    ],
)
def test_bad_files_are_rejected_with_a_message(tmp_path, kind, message):
    result = read_survey(bad_files(tmp_path)[kind])
    assert result.status == "rejected"
    assert result.error.startswith(message)
    assert result.records == [] and result.rejects[0]["location"] == "(whole file)"


def test_build_goes_on_past_bad_files_and_reports_them(tmp_path, template_return):
    bad_files(template_return.parent)
    db, report = tmp_path / "b.duckdb", tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--surveys", str(template_return.parent), "--out", str(db),
         "--report", str(report)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "REJECTED locked.xlsx: the workbook is password-protected" in proc.stdout
    assert "REJECTED notes.txt: not an .xlsx workbook" in proc.stdout
    files = {f["file"]: f for f in json.loads(report.read_text())["files"]}
    assert files["return.xlsx"]["loaded"] == 3
    rejected = {name for name, f in files.items() if f["status"] == "rejected"}
    assert rejected == {
        "notes.xlsx",
        "empty.xlsx",
        "locked.xlsx",
        "camden_contacts.xlsx",
        "return_final_v2.xlsx",
        "notes.txt",
    }
    assert all(f["balanced"] for f in files.values())
    assert rows_of(db, "SELECT count(*) FROM rejects WHERE location = '(whole file)'") == [(6,)]
    assert rows_of(db, "SELECT count(*), sum(loaded) FROM load_files") == [(7, 3)]


def test_failed_build_leaves_the_previous_database(tmp_path, template_return, monkeypatch):
    db = tmp_path / "keep.duckdb"
    build(db, surveys=[template_return.parent])
    before = db.read_bytes()

    def broken_insert(con, table, frame):
        raise RuntimeError("disk full")

    monkeypatch.setattr(etl.load, "_insert", broken_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        build(db, surveys=[template_return.parent])
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["keep.duckdb"]


def test_missing_input_folder_fails_without_touching_the_database(tmp_path, template_return):
    db = tmp_path / "keep.duckdb"
    build(db, surveys=[template_return.parent])
    before = db.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--surveys", str(tmp_path / "nope"), "--out", str(db)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "build failed, database left as it was: survey folder" in proc.stderr
    assert db.read_bytes() == before


def test_load_runs_keep_history(tmp_path, template_return):
    db = tmp_path / "h.duckdb"
    build(db, surveys=[template_return.parent])
    build(db, surveys=[template_return.parent])
    assert rows_of(db, "SELECT count(*), count(DISTINCT run_id) FROM load_runs") == [(2, 2)]


def test_contacts_are_read_per_row_and_kept_out_of_the_public_expiring_view(tmp_path):
    """The contract owner (name, email, phone) is stored per record; survey contacts are members-only."""
    path = tmp_path / "surveys" / "return.xlsx"
    path.parent.mkdir()
    wb = build_template()
    wb["Instructions"][BOROUGH_CELL] = "Camden"
    labels = [c.value for c in wb["Systems"][1]]
    assert labels[-3:] == ["Contract owner", "Contract owner email", "Contract owner phone"]
    fill(wb["Systems"], [TEMPLATE_ROWS[0] + ["A. Patel", "a.patel@camden.gov.uk", 2079744444],
                         TEMPLATE_ROWS[1] + ["J. Okafor", "J Okafor (ICT)", "020 7974 4444"]])  # fmt: skip
    wb.save(path)
    db = tmp_path / "c.duckdb"
    build(db, surveys=[path.parent])
    rows = rows_of(db, "SELECT contact_name, contact_email, contact_phone, warnings FROM contract_records ORDER BY 1")
    assert rows == [
        ("A. Patel", "a.patel@camden.gov.uk", "02079744444", []),
        ("J. Okafor", "J Okafor (ICT)", "020 7974 4444", ["contact email: 'J Okafor (ICT)' is not an email address"]),
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        ending = expiring(con, {}, months=24, today=dt.date(2026, 1, 1))
    assert [(r["system_name"], r["contact_name"], r["contact_email"]) for r in ending] == [
        ("Academy Revenues and Benefits", None, None),
        ("Mosaic", None, None),
    ]
