"""Survey headers that no column map spells: matched by meaning, ambiguous ones left unread and said so.

Every return here is written by the test, with headers that are in no column map (each test
checks that first), so what is read comes from matching by meaning alone.
"""

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.build import build
from etl.extract import headers
from etl.extract.headers import Match, Words, match_header, words
from etl.extract.survey import read_survey
from etl.extract.survey_fields import COLUMNS, field_for_header
from etl.reference import norm_key
from etl.template import BOROUGH_CELL, build_template

D = dt.datetime

# (header as written, the field it must be read as; None: it must stay unread as ambiguous)
RETURNS = {
    "islington_register.xlsx": [
        ("Dept / service", "service_area"),
        ("SystemName", "system_name"),
        ("Manufactuer", "manufacturer"),
        ("Who supplies it", "supplier"),
        ("Go-live", "contract_start"),
        ("Ends", "contract_end"),
        ("Yearly charge (£)", "annual_cost"),
        ("Lifetime value (£)", "total_value"),
        ("Contract manager", "contact_name"),
        ("Tel no", "contact_phone"),
    ],
    "brent_applications.xlsx": [
        ("Application name", "system_name"),
        ("Software supplier", "supplier"),
        ("Vendor / developer", "manufacturer"),
        ("Commencement date", "contract_start"),
        ("Renewal", "contract_end"),
        ("Total cost", "total_value"),
        ("Cost (£)", None),  # annual or total: ambiguous
        ("Hosted where?", "hosting"),
        ("User satisfaction rating", "satisfaction"),
        ("Contact e-mail", "contact_email"),
    ],
    "hackney_contracts.xlsx": [
        ("Borough name", "borough"),
        ("Service area / function", "service_area"),
        ("App", "system_name"),
        ("Suplier", "supplier"),
        ("Start / end date", None),  # start or end: ambiguous
        ("ContractEndDate", "contract_end"),
        ("Extension available (months)", "extension_options"),
        ("On prem or cloud", "hosting"),
    ],
    "greenwich_systems.xlsx": [
        ("Platform", "system_name"),
        ("Supplier details", "supplier"),
        ("Start date (dd/mm/yyyy)", "contract_start"),
        ("Expiry (dd/mm/yy)", "contract_end"),
        ("Annual spend inc VAT", "annual_cost"),
        ("Satisfaction rating (1-5)", "satisfaction"),
        ("VfM rating", "value_for_money"),
        ("Account owner", "contact_name"),
        ("Notes and plans", "comments"),
    ],
}
ROWS = {
    "islington_register.xlsx": ["Adult Social Care", "Mosaic", "Servelec", "Servelec HSC Ltd", "01/04/2021",
                                "31/03/2027", 250000, 1500000, "A. Patel", 2079744444],
    "brent_applications.xlsx": ["iTrent", "MHR International UK Ltd", "MHR", "01/01/2023", "31/12/2027", 475000,
                                95000, "Cloud", 4, "j.okafor@brent.gov.uk"],
    "hackney_contracts.xlsx": ["Hackney", "Planning", "Uniform", "Idox Software Ltd", "2021 - 2026", "31/03/2026",
                               "+1+1", "On prem"],
    "greenwich_systems.xlsx": ["Academy", "Capita Business Services Ltd", D(2021, 4, 1), D(2026, 9, 30), "£180,000",
                               2, 3, "S. Murphy", "Reviewing options"],
}  # fmt: skip


def write_return(path: Path, header: list[str], rows: list[list], title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Systems"
    if title:
        ws.append([title])
        ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def how_kind(how: str) -> str:
    return "matched" if how.startswith("matched ") else how


def test_the_spellings_are_in_no_column_map():
    spellings = [h for cols in RETURNS.values() for h, _ in cols]
    assert len(spellings) == 37 and len(set(spellings)) == 37
    assert [h for h in spellings if field_for_header(h)] == []
    assert sum(f is None for cols in RETURNS.values() for _, f in cols) == 2


@pytest.mark.parametrize("name", list(RETURNS))
def test_headers_in_no_column_map_are_read_by_meaning(tmp_path, name):
    cols = RETURNS[name]
    title = "Technology contracts 2024" if name.startswith("hackney") else None
    result = read_survey(write_return(tmp_path / name, [h for h, _ in cols], [ROWS[name]], title))
    assert result.error is None
    got = [(h["sheet"], h["column"], h["header"], h["field"], how_kind(h["how"])) for h in result.headers]
    letters = "ABCDEFGHIJ"
    assert got == [("Systems", letters[i], h, f, "matched" if f else "ambiguous") for i, (h, f) in enumerate(cols)]
    assert all(float(h["how"].split()[1]) >= headers.THRESHOLD for h in result.headers if h["field"])
    assert result.mapped_fields == {f for _, f in cols if f}
    assert len(result.records) == 1 and result.rejects == []


def test_the_values_under_matched_headers_load(tmp_path):
    folder = tmp_path / "surveys"
    for name, cols in RETURNS.items():
        title = "Technology contracts 2024" if name.startswith("hackney") else None
        write_return(folder / name, [h for h, _ in cols], [ROWS[name]], title)
    db = tmp_path / "m.duckdb"
    build(db, surveys=[folder])
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT source_file, borough_code, service_area, system_name, manufacturer, supplier_name, start_date,"
            " end_date, max_end_date, annual_value, total_value, hosting, satisfaction, value_for_money,"
            " contact_name, contact_email, contact_phone, comments FROM contract_records ORDER BY source_file"
        ).fetchall()
    assert rows == [
        ("brent_applications.xlsx", "E09000005", "HR and Payroll", "iTrent", "MHR", "MHR International UK Limited",
         dt.date(2023, 1, 1), dt.date(2027, 12, 31), dt.date(2027, 12, 31), None, 475000.0, "Cloud SaaS", 4, None,
         None, "j.okafor@brent.gov.uk", None, None),
        ("greenwich_systems.xlsx", "E09000011", "Revenues and Benefits", "Academy Revenues and Benefits", "Capita",
         "Capita Business Services Limited", dt.date(2021, 4, 1), dt.date(2026, 9, 30), dt.date(2026, 9, 30),
         180000.0, None, None, 2, 3, "S. Murphy", None, None, "Reviewing options"),
        ("hackney_contracts.xlsx", "E09000012", "Planning and Building Control", "Idox Uniform", "Idox",
         "Idox Software Limited", None, dt.date(2026, 3, 31), dt.date(2028, 3, 31), None, None, "On premises", None,
         None, None, None, None, None),
        ("islington_register.xlsx", "E09000019", "Adult Social Care", "Mosaic", "Servelec", "Servelec HSC Limited",
         dt.date(2021, 4, 1), dt.date(2027, 3, 31), dt.date(2027, 3, 31), 250000.0, 1500000.0, None, None, None,
         "A. Patel", None, "02079744444", None),
    ]  # fmt: skip


def test_ambiguous_headers_stay_unread_and_say_which_line_settles_them(tmp_path):
    cols = RETURNS["brent_applications.xlsx"]
    result = read_survey(write_return(tmp_path / "brent.xlsx", [h for h, _ in cols], [ROWS["brent_applications.xlsx"]]))
    assert result.notes == [
        "Systems!G 'Cost (£)' could be annual_cost or total_value: not read; to read it, add to "
        "etl/refdata/survey_columns.csv the line annual_cost,Cost (£)"
    ]
    assert result.unmapped_columns == [f"Systems!{c} {h!r}" for c, (h, _) in zip("ABCDEFGHIJ", cols, strict=True)]
    (record,) = result.records
    assert (record["annual_value"], record["total_value"]) == (None, 475000.0)  # "Total cost" only


def test_the_issue_return_loads_with_suppliers_end_dates_and_values(tmp_path):
    """The template with three headers renamed, as a LOTI data officer tried it."""
    path = tmp_path / "surveys" / "return.xlsx"
    path.parent.mkdir()
    wb = build_template()
    wb["Instructions"][BOROUGH_CELL] = "Camden"
    ws = wb["Systems"]
    renamed = {"D1": "Supplier / reseller", "F1": "Contract expiry (dd/mm/yyyy)", "H1": "Annual cost inc VAT (£)"}
    for cell, header in renamed.items():
        ws[cell] = header
    rows = [
        ["Adult Social Care", "Mosaic", "Servelec", "Servelec HSC Limited", D(2022, 4, 1), D(2027, 3, 31), "+1+1",
         250000, 1250000],
        ["HR and Payroll", "iTrent", "MHR", "MHR International UK Limited", D(2023, 1, 1), "31/12/2027", "None",
         95000],
    ]  # fmt: skip
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(path)
    result = read_survey(path)
    changed = [h for h in result.headers if h["how"] != "map"]
    assert changed == [
        {"sheet": "Systems", "column": "D", "header": "Supplier / reseller", "field": "supplier",
         "how": "matched 1.00"},
        {"sheet": "Systems", "column": "F", "header": "Contract expiry (dd/mm/yyyy)", "field": "contract_end",
         "how": "matched 1.00"},
        {"sheet": "Systems", "column": "H", "header": "Annual cost inc VAT (£)", "field": "annual_cost",
         "how": "matched 1.00"},
    ]  # fmt: skip
    assert len(result.headers) == 17  # the template's 17 columns, each listed
    db = tmp_path / "i.duckdb"
    build(db, surveys=[path.parent])
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            "SELECT supplier_name, end_date, max_end_date, annual_value, len(warnings) FROM contract_records"
            " ORDER BY source_ref"
        ).fetchall()
    assert got == [
        ("Servelec HSC Limited", dt.date(2027, 3, 31), dt.date(2029, 3, 31), 250000.0, 0),
        ("MHR International UK Limited", dt.date(2027, 12, 31), dt.date(2027, 12, 31), 95000.0, 0),
    ]


def test_two_row_headers_match_with_their_group(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ICT"
    ws.append(["System", None, "Supplier details", None, "Contract", None, "Cost (£)"])
    ws.append(["Service area", "System", "Reseller", "Maker", "Commences", "Ends", "Whole life"])
    for rng in ("A1:B1", "C1:D1", "E1:F1"):
        ws.merge_cells(rng)
    ws.append(["Parking", "Taranto", "Imperial Civil Enforcement Solutions", "Imperial", "01/04/2020", "31/03/2027",
               900000])  # fmt: skip
    path = tmp_path / "ealing_two_row.xlsx"
    wb.save(path)
    result = read_survey(path)
    assert [(h["column"], h["header"], h["field"], how_kind(h["how"])) for h in result.headers] == [
        ("A", "Service area", "service_area", "map"),
        ("B", "System", "system_name", "map"),
        ("C", "Reseller", "supplier", "map"),
        ("D", "Maker", "manufacturer", "matched"),
        ("E", "Contract / Commences", "contract_start", "matched"),
        ("F", "Contract / Ends", "contract_end", "matched"),
        ("G", "Cost (£) / Whole life", "total_value", "matched"),
    ]
    assert [field_for_header(h) for h in ("Maker", "Contract Commences", "Contract Ends", "Cost Whole life")] == [
        None
    ] * 4
    (record,) = result.records
    assert (record["start_date"], record["end_date"], record["total_value"]) == (
        dt.date(2020, 4, 1), dt.date(2027, 3, 31), 900000.0)  # fmt: skip


def test_an_exact_line_wins_and_two_headers_never_share_a_field(tmp_path):
    header = ["System", "Supplier / reseller", "Supplier", "Contract end", "End date"]
    row = ["Mosaic", "Servelec", "Servelec HSC Limited", "31/03/2027", "31/03/2029"]
    result = read_survey(write_return(tmp_path / "camden_two.xlsx", header, [row]))
    assert [(h["header"], h["field"], h["how"]) for h in result.headers] == [
        ("System", "system_name", "map"),
        ("Supplier / reseller", None, "ambiguous"),  # matched 1.00, but the map's "Supplier" wins
        ("Supplier", "supplier", "map"),
        ("Contract end", "contract_end", "map"),
        ("End date", None, "ambiguous"),  # both in the map: the leftmost wins
    ]
    assert result.notes == [
        "Systems!B 'Supplier / reseller' also names supplier, which 'Supplier' already gives: not read; to read it,"
        " add to etl/refdata/survey_columns.csv the line supplier,Supplier / reseller",
        "Systems!E 'End date' also names contract_end, which 'Contract end' already gives: not read; to read it,"
        " add to etl/refdata/survey_columns.csv the line contract_end,End date",
    ]
    (record,) = result.records
    assert (record["supplier_raw"], record["end_date"]) == ("Servelec HSC Limited", dt.date(2027, 3, 31))


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Reseller name", "supplier"),
        ("Vendor name", "manufacturer"),
        ("Date contract commences", "contract_start"),
        ("Date contract expires", "contract_end"),
        ("Yearly charge", "annual_cost"),
        ("Lifetime cost", "total_value"),
    ],
)
def test_look_alikes_stay_apart(header, field):
    assert field_for_header(header) is None
    match = match_header(header)
    assert (match.field, match.rivals) == (field, ())
    assert match.score >= headers.THRESHOLD


@pytest.mark.parametrize(
    ("header", "rivals"),
    [
        ("Manufacturer / supplier", ("manufacturer", "supplier")),
        ("Date", ("contract_start", "contract_end")),
        ("Contract", ("contact_name", "total_value", "contract_start", "contract_end")),
    ],
)
def test_headers_that_could_be_two_fields_are_ambiguous(header, rivals):
    assert match_header(header) == Match(None, "ambiguous", match_header(header).score, rivals, rivals[0])


def test_headers_that_mean_nothing_are_not_mapped():
    for header in ("Internal ref", "Title", "Support company", "Mosaic", "London Borough of Hackney - ICT return"):
        assert (match_header(header).field, match_header(header).how) == (None, "not mapped"), header


def test_normalising_drops_hints_and_keeps_meaning():
    assert words("Annual cost inc VAT (£)") == Words(("annual", "cost"), frozenset({"money"}), "cost")
    assert words("Contract expiry (dd/mm/yyyy)") == Words(("contract", "end"), frozenset({"date"}), "end")
    assert words("Satisfaction (1-5)") == Words(("satisfaction",), frozenset({"scale"}))
    assert words("Supplier / reseller") == Words(("supplier", "reseller"), parts=(("supplier",), ("reseller",)))
    assert words("ContractEndDate").words == ("contract", "end", "date")


def test_a_hint_steers_to_a_field_of_its_kind():
    assert match_header("Contract (dd/mm/yyyy)").rivals == ("contract_start", "contract_end")
    assert match_header("Contract (£)").field == "total_value"  # a contract's value; "Contract" alone is ambiguous


def register(path: Path) -> Path:
    """A free-form application register, as one borough sent it instead of the survey."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Applications"
    ws.append(["Camden application register"])
    ws.append(["App ID", "Title", "Business owner", "Support company", "Go-live", "Notes"])
    ws.append([1, "Mosaic", "J Bloggs", "Servelec", "2020", "Replacing 2027"])
    wb.create_sheet("Instructions")["A1"] = "Fill in one row per system"
    wb.save(path)
    return path


def test_a_rejected_return_lists_its_headers_and_the_lines_to_add(tmp_path):
    result = read_survey(register(tmp_path / "camden register.xlsx"))
    assert result.status == "rejected"
    assert result.error == (
        "camden register.xlsx: no recognisable header row: looked in the first 30 rows of each sheet for at least 3"
        " columns naming survey fields, one of them the system or the supplier."
        " Sheet 'Applications' row 2: A 'App ID' (not mapped), B 'Title' (not mapped), C 'Business owner'"
        " (ambiguous: contact_name or manufacturer), D 'Support company' (not mapped), E 'Go-live' (contract_start,"
        " matched 1.00), F 'Notes' (comments, map)."
        " To read it, add to etl/refdata/survey_columns.csv a line field,header for each header to read (the field"
        " guessed where it could be): system_name,App ID ; FIELD,Title ; contact_name,Business owner ;"
        " FIELD,Support company (FIELD: one of borough, service_area, system_name, manufacturer, supplier,"
        " contract_start, contract_end, extension_options, annual_cost, total_value, hosting, confidence,"
        " satisfaction, value_for_money, comments, contact_name, contact_email, contact_phone)."
    )
    assert [(h["column"], h["header"], h["how"]) for h in result.headers] == [
        ("A", "App ID", "not mapped"),
        ("B", "Title", "not mapped"),
        ("C", "Business owner", "ambiguous"),
        ("D", "Support company", "not mapped"),
        ("E", "Go-live", "matched 1.00"),
        ("F", "Notes", "map"),
    ]


def test_the_lines_the_message_gives_make_the_return_load(tmp_path, monkeypatch):
    """Adding the suggested lines (with a field for 'Title') is all it takes."""
    path = register(tmp_path / "camden register.xlsx")
    assert "contact_name,Business owner" in read_survey(path).error
    lines = {"Title": "system_name", "Support company": "supplier", "Business owner": "contact_name"}
    for header, name in lines.items():
        monkeypatch.setitem(COLUMNS.index, norm_key(header), name)
    match_header.cache_clear()
    try:
        result = read_survey(path)
    finally:
        match_header.cache_clear()
    assert result.status == "loaded"
    (record,) = result.records
    assert (record["system_name"], record["supplier_raw"], record["contact_name"], record["start_date"]) == (
        "Mosaic", "Servelec", "J Bloggs", dt.date(2020, 1, 1))  # fmt: skip
