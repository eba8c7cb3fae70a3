"""The survey workbook LOTI sends to boroughs (``python -m etl template OUT.xlsx``).

Three sheets: Instructions (with the Borough cell, B4, and the date of the return, B5), Systems
(header on row 1, one row per system) and Lists (the dropdown values). Validation keeps
borough, service area, hosting and the 1-5 scales to known values, so a returned template loads with no warnings.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.extract.survey_fields import FIELDS
from etl.normalise.values import HOSTING
from etl.reference import boroughs, service_areas

SYSTEMS_SHEET = "Systems"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
BOROUGH_CELL = "B4"
DATE_LABEL = "Date of this return"
DATE_CELL = "B5"  # the reader finds it by its label in A5, as it finds the borough
CONTACT_CELLS = {"D4": "Return contact", "D5": "Contact email", "D6": "Contact phone"}  # values in column E
DATA_ROWS = 200  # rows that carry validation

INSTRUCTIONS = [
    "Please list every system your borough runs, one row per system, on the Systems sheet.",
    "Choose your borough in cell B4 above, and the service area and hosting from the dropdowns.",
    "Put the date you complete this return in cell B5 above (dd/mm/yyyy), and whom to ask about it in E4 to E6.",
    "For each system, name its contract owner (name, email, phone): they are shown to LOTI members only.",
    "Dates as dd/mm/yyyy. Contract end is the end before any extension; put options in Extension options (e.g. +1+1).",
    "Costs in pounds, without VAT. Scores are 1 (low) to 5 (high).",
    "Leave a cell blank if you do not know; write 'TBC' only where a date is genuinely not set.",
]


def build_template() -> Workbook:
    """The blank survey workbook, ready to save: Instructions, Systems, then Lists."""
    wb = Workbook()
    intro = _instructions(wb.active)
    ranges = _lists(wb.create_sheet(LISTS_SHEET))
    sheet = _systems(wb.create_sheet(SYSTEMS_SHEET, 1))
    _validate(intro, ranges["Borough"], intro[BOROUGH_CELL], "your borough")
    _column_rules(sheet, ranges)
    wb.active = 1
    return wb


def _instructions(intro: Worksheet) -> Worksheet:
    """The cover sheet: what to do, the Borough cell (B4) and the date cell (B5) the reader looks for."""
    intro.title = INSTRUCTIONS_SHEET
    intro["A1"] = "London borough technology and contracts survey"
    intro["A1"].font = Font(bold=True, size=14)
    intro["A2"] = "City Tools, London Office of Technology and Innovation (LOTI)"
    intro["A4"] = "Borough"
    intro["A4"].font = Font(bold=True)
    intro[BOROUGH_CELL].fill = PatternFill("solid", fgColor="FFF2CC")
    intro["A5"] = DATE_LABEL
    intro["A5"].font = Font(bold=True)
    intro[DATE_CELL].fill = PatternFill("solid", fgColor="FFF2CC")
    intro[DATE_CELL].number_format = "DD/MM/YYYY"
    for cell, label in CONTACT_CELLS.items():
        intro[cell] = label
        intro[cell].font = Font(bold=True)
        intro[cell.replace("D", "E")].fill = PatternFill("solid", fgColor="FFF2CC")
    intro.column_dimensions["D"].width = 16
    intro.column_dimensions["E"].width = 32
    for i, line in enumerate(INSTRUCTIONS, start=8):
        intro.cell(row=i, column=1, value=line)
    intro.column_dimensions["A"].width = 20
    intro.column_dimensions["B"].width = 40
    return intro


def _lists(lists: Worksheet) -> dict[str, str]:
    """The dropdown values, one column per list; title -> the range a validation refers to."""
    columns = {
        "Borough": [b.name for b in boroughs()],
        "Service area": [sa.name for sa in service_areas()],
        "Hosting": list(HOSTING),
        "Score": [1, 2, 3, 4, 5],
    }
    ranges = {}
    for col, (title, values) in enumerate(columns.items(), start=1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value)
        ranges[title] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        lists.column_dimensions[letter].width = 30
    return ranges


def _systems(sheet: Worksheet) -> Worksheet:
    """The table: one header cell per field, header row frozen."""
    for col, field in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=1, column=col, value=field.label)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = field.width
    sheet.freeze_panes = "A2"
    return sheet


def _validate(ws: Worksheet, formula: str, target, prompt: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.error = f"Please choose {prompt} from the list."
    dv.prompt = prompt
    ws.add_data_validation(dv)
    dv.add(target)


def _column_rules(sheet: Worksheet, ranges: dict[str, str]) -> None:
    """Dropdowns for listed fields and number formats for dates and money, so returns load cleanly."""
    lists = {"service_area": ("Service area", "a service area"), "hosting": ("Hosting", "a hosting model"),
             "scale": ("Score", "a score from 1 to 5")}  # fmt: skip
    formats = {"date": "DD/MM/YYYY", "money": "£#,##0"}
    for col, field in enumerate(FIELDS, start=1):
        letter = get_column_letter(col)
        if field.kind in lists:
            title, prompt = lists[field.kind]
            _validate(sheet, ranges[title], f"{letter}2:{letter}{DATA_ROWS + 1}", prompt)
        elif field.kind in formats:
            for row in sheet.iter_rows(min_row=2, max_row=DATA_ROWS + 1, min_col=col, max_col=col):
                row[0].number_format = formats[field.kind]


def write_template(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template().save(path)
    return path
