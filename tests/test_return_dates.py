"""When each return was made (issue 11, item 5): a survey return's date is its template cell
("Date of this return"), else its workbook's own properties, else ``--survey-date``; it is stored
per file (``load_files``) and per record, and the borough page says when the return was made and
when the borough's latest notice was published.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
from pagetree import by_id, texts

from app import create_app
from dashboard.logic import borough as logic
from etl.build import build
from etl.extract.survey import read_survey
from etl.extract.workbook import read_properties
from etl.template import BOROUGH_CELL, DATE_CELL, DATE_LABEL, build_template

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "contracts"
CAMDEN = "E09000007"
CREATED, MODIFIED = dt.datetime(2025, 11, 20, 9, 30), dt.datetime(2026, 1, 12, 16, 5)
ROWS = [
    ["Adult Social Care", "Mosaic", "Servelec", "Servelec"],
    ["Revenues and Benefits", "Academy", "Capita", "Capita"],
]


def write_return(path: Path, day: object = None, created=CREATED, modified=MODIFIED) -> Path:
    """Camden's return on the template, with ``day`` in its date cell and the given core properties
    (openpyxl stamps 'modified' with the clock on save, so core.xml is rewritten after)."""
    wb = build_template()
    wb["Instructions"][BOROUGH_CELL] = "Camden"
    wb["Instructions"][DATE_CELL] = day
    for i, row in enumerate(ROWS, start=2):
        for j, value in enumerate(row, start=1):
            wb["Systems"].cell(row=i, column=j, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    core = core_xml(created, modified)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, core if info.filename == "docProps/core.xml" else src.read(info))
    return path


def core_xml(created: dt.datetime | None, modified: dt.datetime | None) -> bytes:
    """docProps/core.xml as Excel writes it, with only the dates given."""
    dates = "".join(
        f'<dcterms:{tag} xsi:type="dcterms:W3CDTF">{day:%Y-%m-%dT%H:%M:%SZ}</dcterms:{tag}>'
        for tag, day in (("created", created), ("modified", modified))
        if day
    )
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>a borough officer</dc:creator>{dates}</cp:coreProperties>"
    ).encode()


def write_csv_return(path: Path) -> Path:
    """The same return as a CSV: no cover cell, no properties."""
    lines = ["Service area,System name,Supplier (contracting party),Manufacturer / vendor"]
    path.write_text("\n".join([*lines, *(",".join(r) for r in ROWS)]) + "\n", encoding="utf-8")
    return path


def rows_of(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_template_has_the_date_cell_labelled_beside_the_borough():
    intro = build_template()["Instructions"]
    assert (intro["A4"].value, BOROUGH_CELL) == ("Borough", "B4")
    assert (intro["A5"].value, DATE_CELL, DATE_LABEL) == ("Date of this return", "B5", "Date of this return")
    assert intro[DATE_CELL].number_format == "DD/MM/YYYY"


def test_the_properties_reader_gives_created_and_modified(tmp_path):
    props = read_properties(write_return(tmp_path / "camden.xlsx"))
    assert (props.created, props.modified, props.keywords) == (CREATED, MODIFIED, "")
    assert read_properties(write_csv_return(tmp_path / "camden.csv")) == type(props)()


def test_the_template_cell_wins_over_properties_and_the_survey_date(tmp_path):
    path = write_return(tmp_path / "camden.xlsx", dt.datetime(2026, 3, 3))
    result = read_survey(path, survey_date=dt.date(2026, 4, 1))
    assert (result.return_date, result.return_date_from) == (dt.date(2026, 3, 3), "template cell")
    assert [r["return_date"] for r in result.records] == [dt.date(2026, 3, 3)] * 2
    assert result.notes == []


def test_a_date_typed_as_text_in_the_cell_is_read(tmp_path):
    result = read_survey(write_return(tmp_path / "camden.xlsx", "03/03/2026"))
    assert (result.return_date, result.return_date_from) == (dt.date(2026, 3, 3), "template cell")


def test_properties_are_used_when_the_cell_is_blank_modified_before_created(tmp_path):
    result = read_survey(write_return(tmp_path / "a.xlsx"), survey_date=dt.date(2026, 4, 1))
    assert (result.return_date, result.return_date_from) == (dt.date(2026, 1, 12), "workbook properties")
    result = read_survey(write_return(tmp_path / "b.xlsx", modified=None))
    assert (result.return_date, result.return_date_from) == (dt.date(2025, 11, 20), "workbook properties")


def test_a_cell_that_is_not_a_date_is_a_note_and_properties_are_used(tmp_path):
    result = read_survey(write_return(tmp_path / "camden.xlsx", "last spring"))
    assert (result.return_date, result.return_date_from) == (dt.date(2026, 1, 12), "workbook properties")
    assert len(result.notes) == 1
    assert result.notes[0].startswith("cell labelled 'Date of this return' on sheet 'Instructions': ")
    assert result.notes[0].endswith("; not used")


def test_the_survey_date_is_used_when_the_return_gives_none(tmp_path):
    path = write_return(tmp_path / "camden.xlsx", created=None, modified=None)
    result = read_survey(path, survey_date=dt.date(2026, 2, 14))
    assert (result.return_date, result.return_date_from) == (dt.date(2026, 2, 14), "--survey-date")
    assert [r["return_date"] for r in result.records] == [dt.date(2026, 2, 14)] * 2
    result = read_survey(path)
    assert (result.return_date, result.return_date_from) == (None, None)
    assert [r["return_date"] for r in result.records] == [None, None]


def test_the_command_stores_the_dates_per_file_and_per_record(tmp_path):
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    write_return(surveys / "camden_return.xlsx", dt.datetime(2026, 3, 3))
    write_csv_return(surveys / "islington_return.csv")
    db, report = tmp_path / "t.duckdb", tmp_path / "report.json"
    command = [sys.executable, "-m", "etl", "build", "--surveys", str(surveys), "--out", str(db)]
    done = subprocess.run(
        [*command, "--survey-date", "2026-02-14", "--report", str(report)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert rows_of(db, "SELECT file, return_date, return_date_from FROM load_files ORDER BY file") == [
        ("camden_return.xlsx", dt.date(2026, 3, 3), "template cell"),
        ("islington_return.csv", dt.date(2026, 2, 14), "--survey-date"),
    ]
    assert rows_of(db, "SELECT source_file, return_date, count(*) FROM contract_records GROUP BY ALL ORDER BY 1") == [
        ("camden_return.xlsx", dt.date(2026, 3, 3), 2),
        ("islington_return.csv", dt.date(2026, 2, 14), 2),
    ]
    files = json.loads(report.read_text(encoding="utf-8"))["files"]
    assert [(f["return_date"], f["return_date_from"]) for f in files] == [
        ("2026-03-03", "template cell"),
        ("2026-02-14", "--survey-date"),
    ]
    bad = subprocess.run([*command, "--survey-date", "3/3/2026"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "'3/3/2026' is not a date as YYYY-MM-DD" in bad.stderr


def test_the_borough_page_says_when_the_return_was_made_and_the_latest_notice(tmp_path, render_page):
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    write_return(surveys / "camden_return.xlsx", dt.datetime(2026, 3, 3))
    contracts = [FIXTURES / "fts_lifecycle.json", FIXTURES / "system_listing.csv"]
    db = tmp_path / "t.duckdb"
    build(db, [surveys], contracts)
    tree = render_page(create_app(db), f"/borough/{CAMDEN}")
    assert texts(by_id(tree, "coverage-return-date")) == ["Survey return made 3 March 2026 (template cell)"]
    assert texts(by_id(tree, "coverage-latest-notice")) == ["Latest notice published 1 September 2026"]
    tree = render_page(create_app(db), "/borough/E09000033")  # Westminster: a listing as of 1 March 2025 only
    assert texts(by_id(tree, "coverage-latest-notice")) == ["No published notice"]
    tree = render_page(create_app(db), "/borough/E09000004")  # Bexley: no return, no notice
    assert texts(by_id(tree, "coverage-return-date")) == ["No survey return"]
    assert texts(by_id(tree, "coverage-latest-notice")) == ["No published notice"]


def test_the_return_date_words():
    def f(status, day, how="workbook properties"):
        return {"file": "x.xlsx", "status": status, "return_date": day, "return_date_from": how}

    cov = {"survey_files": [f("loaded", dt.date(2025, 5, 1)), f("loaded", dt.date(2026, 3, 3), "template cell")]}
    assert logic.return_date_text(cov) == "Survey return made 3 March 2026 (template cell)"
    cov = {"survey_files": [f("rejected", dt.date(2026, 6, 1)), f("loaded", dt.date(2025, 5, 1))]}
    assert logic.return_date_text(cov) == "Survey return made 1 May 2025 (workbook properties)"  # loaded first
    assert logic.return_date_text({"survey_files": [f("loaded", None, None)]}) == (
        "Survey return made: date not recorded"
    )
    assert (
        logic.latest_notice_text({"latest_notice": dt.date(2026, 9, 1)}) == "Latest notice published 1 September 2026"
    )


def test_the_cover_says_whom_to_ask_about_the_return_and_the_build_keeps_it(tmp_path):
    """The return's contact (its cover, E4:E6 on the template) is kept per file; none when the cover is blank."""
    from etl.template import CONTACT_CELLS

    (tmp_path / "surveys").mkdir()
    path = write_return(tmp_path / "surveys" / "camden_return.xlsx", dt.date(2026, 3, 3))
    wb = openpyxl.load_workbook(path)
    for cell, value in zip(CONTACT_CELLS, ("A Officer", "a.officer@camden.gov.uk", "020 7974 4444"), strict=True):
        wb["Instructions"][cell.replace("D", "E")] = value
    wb.save(path)
    assert read_survey(path).return_contact == {
        "name": "A Officer",
        "email": "a.officer@camden.gov.uk",
        "phone": "020 7974 4444",
    }
    blank = write_return(tmp_path / "blank.xlsx", dt.date(2026, 3, 3))
    assert read_survey(blank).return_contact is None
    db = build(tmp_path / "c.duckdb", surveys=[tmp_path / "surveys"]).out
    with duckdb.connect(str(db), read_only=True) as con:
        (contact,) = con.execute("SELECT return_contact->>'$.email' FROM load_files").fetchone()
    assert contact == "a.officer@camden.gov.uk"
