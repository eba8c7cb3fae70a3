"""The market engagement report as an Excel workbook (openpyxl, the Excel library pinned in requirements.txt).

Only layout: every number comes from ``dashboard.report.build_report``. The workbook is written
in openpyxl's write-only mode (rows stream to disk, so a large Contracts sheet stays cheap).
Cells are typed: numbers as numbers, dates as dates, and every text cell goes through the same
neutralising rule as the exports, because openpyxl turns any string starting with "=" into a
formula, and data (a supplier's name) must never become one.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from dashboard.exports import neutralise
from dashboard.queries.report import SCORES
from dashboard.report import DECIMAL_KEYS, MONEY_KEYS, OGL_URL, SAMPLE_WARNING, Report, about_rows, headline_rows

SHEETS = ("Summary", "Contracts", "Boroughs", "Suppliers and market share", "End dates by quarter", "Windows",
          "Notices", "Survey", "Data sources and licence")  # fmt: skip
MONEY = '"£"#,##0'
PCT = "0.0"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WARN = PatternFill("solid", fgColor="FFF3CD")
WRAP = Alignment(wrap_text=True, vertical="top")

CONTRACT_COLUMNS = [
    ("Borough code", "borough_code", None), ("Borough", "borough", None), ("Buyer", "buyer_name", None),
    ("Supplier", "supplier_name", None), ("System", "system_name", None), ("Service area", "service_area", None),
    ("Title", "title", None), ("Start date", "start_date", None), ("End date", "end_date", None),
    ("Latest end with extensions", "max_end_date", None), ("Annual value (GBP)", "annual_value", MONEY),
    ("Total value (GBP)", "total_value", MONEY), ("Start procurement by", "procurement_start", None),
    ("Ends in the period", "in_period", None), ("Gap (no tender or pipeline notice seen)", "gap", None),
    ("Buyer contact", "contact_name", None), ("Buyer contact email", "contact_email", None),
    ("Sources", "sources", None), ("Notice", "source_url", None), ("Confidence (1-5)", "confidence", None),
    ("Satisfaction (1-5)", "satisfaction", None), ("Value for money (1-5)", "value_for_money", None),
    ("Contract id", "contract_id", None),
]  # fmt: skip
BOROUGH_COLUMNS = [
    ("Borough code", "borough_code", None), ("Borough", "borough", None), ("Contracts", "contracts", None),
    ("Ending in the period", "ending", None), ("Annual value (GBP)", "annual_value", MONEY),
    ("Contracts with a value", "valued", None), ("Suppliers", "suppliers", None),
    ("Supplier names", "supplier_names", None), ("Next end date", "next_end", None),
]  # fmt: skip
SUPPLIER_COLUMNS = [
    ("Supplier", "supplier", None), ("Contracts", "contracts", None), ("Share of contracts (%)", "share", PCT),
    ("Boroughs", "boroughs", None), ("Ending in the period", "ending", None),
    ("Share of contracts ending in the period (%)", "ending_share", PCT),
    ("Annual value (GBP)", "annual_value", MONEY), ("Share of annual value (%)", "value_share", PCT),
    ("Contracts with a value", "valued", None),
]  # fmt: skip
QUARTER_COLUMNS = [("Quarter", "label", None), ("Quarter starts", "quarter", None),
                   ("Contracts ending", "contracts", None), ("Boroughs", "boroughs", None)]  # fmt: skip
WINDOW_COLUMNS = [
    ("Grouped by", "group_by", None), ("Group", "group", None), ("First end", "start", None),
    ("Last end", "end", None), ("Start procurement by", "procurement_start", None), ("Boroughs", "boroughs", None),
    ("Borough names", "borough_names", None), ("Contracts", "contracts", None), ("Suppliers", "suppliers", None),
    ("Systems", "systems", None), ("Annual value (GBP)", "annual_value", MONEY), ("Window key", "key", None),
]  # fmt: skip
NOTICE_COLUMNS = [("Borough", "borough", None), ("Buyer", "buyer_name", None), ("Stage", "stage", None),
                  ("Title", "title", None), ("Service area", "service_area", None),
                  ("Planned contract end", "end_date", None), ("Notice", "source_url", None)]  # fmt: skip
SURVEY_COLUMNS = [
    ("System", "system", None), ("Suppliers", "suppliers", None), ("Boroughs", "boroughs", None),
    ("Contracts with scores", "responses", None), ("Confidence answers", "confidence_n", None),
    ("Average confidence (1-5)", "confidence", "0.00"), ("Satisfaction answers", "satisfaction_n", None),
    ("Average satisfaction (1-5)", "satisfaction", "0.00"), ("Value for money answers", "value_for_money_n", None),
    ("Average value for money (1-5)", "value_for_money", "0.00"),
]  # fmt: skip
SCORE_NAMES = {"confidence": "Confidence in supporting the system", "satisfaction": "Satisfaction",
               "value_for_money": "Value for money"}  # fmt: skip


def text(value: object) -> str:
    """Text as a cell may hold it: no XML-illegal control characters, and never a formula."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def cell(ws, value: object, number_format: str | None = None, font: Font | None = None) -> WriteOnlyCell | None:
    """A typed cell: numbers and dates as themselves, booleans as yes/no, everything else as inert text."""
    if value is None and font is None:
        return None
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, str):
        value = text(value)
    elif isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    elif value is not None and not isinstance(value, int | float | date):
        value = text(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, date) and not isinstance(value, datetime):
        c.number_format = "yyyy-mm-dd"
    if number_format and isinstance(value, int | float):
        c.number_format = number_format
    if font:
        c.font = font
    return c


def _table(ws, columns: list[tuple[str, str, str | None]], rows: list[dict]) -> None:
    ws.append([cell(ws, heading, font=BOLD) for heading, _key, _fmt in columns])
    for row in rows:
        ws.append([cell(ws, row.get(key), fmt) for _heading, key, fmt in columns])


def _sheet(book: Workbook, title: str, widths: list[int], freeze: bool = True):
    ws = book.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    if freeze:
        ws.freeze_panes = "A2"
    return ws


def _summary(book: Workbook, r: Report) -> None:
    ws = _sheet(book, "Summary", [52, 110], freeze=False)
    ws.append([cell(ws, r.title, font=TITLE)])
    for label, value in about_rows(r):
        label_cell, value_cell = cell(ws, label, font=BOLD), cell(ws, value)
        if label == "Warning":
            label_cell.fill = value_cell.fill = WARN
        ws.append([label_cell, value_cell])
    ws.append([])
    ws.append([cell(ws, "Summary", font=BOLD)])
    for sentence in r.summary:
        c = cell(ws, sentence)
        c.alignment = WRAP
        ws.append([None, c])
    ws.append([])
    ws.append([cell(ws, "Headline figure", font=BOLD), cell(ws, "Value", font=BOLD)])
    for key, label, value in headline_rows(r):
        fmt = MONEY if key in MONEY_KEYS else ("0.0#" if key in DECIMAL_KEYS else "#,##0")
        ws.append([cell(ws, label), cell(ws, value, fmt) if value is not None else cell(ws, "not known")])
    if r.numbers.get("top_names"):
        ws.append([cell(ws, "Largest suppliers (names)"), cell(ws, "; ".join(r.numbers["top_names"]))])


def _survey(book: Workbook, r: Report) -> None:
    ws = _sheet(book, "Survey", [40, 30, 12, 14, 14, 16, 14, 16, 16, 18], freeze=False)
    ws.append([cell(ws, "Borough survey scores (1-5) of the contracts in scope", font=BOLD)])
    ws.append([cell(ws, h, font=BOLD) for h in ("Measure", "Answers", "Average", "1", "2", "3", "4", "5")])
    for s in SCORES:
        t = r.survey_totals[s]
        ws.append([cell(ws, SCORE_NAMES[s]), cell(ws, t["n"]), cell(ws, t["avg"], "0.00"),
                   *(cell(ws, n) for n in t["counts"])])  # fmt: skip
    ws.append([])
    ws.append([cell(ws, "By system", font=BOLD)])
    _table(ws, SURVEY_COLUMNS, [{**row, "system": row["system"] or "Not known"} for row in r.survey])


def _sources(book: Workbook, r: Report) -> None:
    ws = _sheet(book, "Data sources and licence", [48, 110, 14, 14, 12, 12, 10], freeze=False)
    ws.append([cell(ws, "Data sources and licence", font=TITLE)])
    if r.status.get("is_sample"):
        ws.append([cell(ws, "Warning", font=BOLD), cell(ws, SAMPLE_WARNING)])
    ws.append([cell(ws, "Data as of", font=BOLD), cell(ws, r.as_of)])
    for line in r.licences:
        ws.append([cell(ws, "Licence and terms", font=BOLD), cell(ws, line)])
    ws.append([cell(ws, "Open Government Licence", font=BOLD), cell(ws, OGL_URL)])
    ws.append([])
    ws.append([cell(ws, "Contracts in scope by source of their records", font=BOLD)])
    ws.append([cell(ws, "Source", font=BOLD), cell(ws, "Contracts", font=BOLD)])
    for s in r.sources:
        ws.append([cell(ws, s["name"]), cell(ws, s["contracts"])])
    ws.append([])
    ws.append([cell(ws, "Input files of this database build", font=BOLD)])
    ws.append([cell(ws, h, font=BOLD) for h in ("Kind of file", "Files", "Records read", "Loaded", "Rejected",
                                                 "Skipped", "Sample")])  # fmt: skip
    for f in r.files:
        ws.append([cell(ws, f["name"]), cell(ws, f["files"]), cell(ws, f["records_read"]), cell(ws, f["loaded"]),
                   cell(ws, f["rejected"]), cell(ws, f["skipped"]), cell(ws, f["is_sample"])])  # fmt: skip


def write_xlsx(r: Report, out: str | Path | IO[bytes]) -> None:
    """Write the workbook to a path or a binary file object."""
    book = Workbook(write_only=True)
    _summary(book, r)
    names = {b["borough_code"]: b["borough"] for b in r.boroughs}
    ws = _sheet(book, "Contracts", [12, 22, 30, 30, 26, 24, 40, 12, 12, 14, 14, 14, 14, 10, 12, 20, 26, 24, 40])
    _table(ws, CONTRACT_COLUMNS, [{**c, "borough": names.get(c["borough_code"], c["borough_code"])}
                                  for c in r.contracts])  # fmt: skip
    if r.contracts_cut:
        ws.append([cell(ws, f"Only the first {len(r.contracts):,} contracts are listed.", font=BOLD)])
    _table(_sheet(book, "Boroughs", [12, 24, 10, 12, 16, 12, 10, 60, 14]), BOROUGH_COLUMNS, r.boroughs)
    _table(
        _sheet(book, "Suppliers and market share", [40, 10, 12, 10, 12, 16, 16, 14, 12]),
        SUPPLIER_COLUMNS,
        [{**s, "supplier": s["supplier"] or "Not known (left out of the shares)"} for s in r.suppliers],
    )
    _table(_sheet(book, "End dates by quarter", [12, 14, 16, 10]), QUARTER_COLUMNS, r.quarters)
    _table(_sheet(book, "Windows", [14, 26, 12, 12, 14, 10, 50, 10, 40, 40, 16, 30]), WINDOW_COLUMNS, r.windows)
    _table(_sheet(book, "Notices", [22, 30, 10, 50, 24, 14, 40]), NOTICE_COLUMNS, r.notices)
    _survey(book, r)
    _sources(book, r)
    book.save(out)
