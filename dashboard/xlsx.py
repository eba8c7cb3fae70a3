"""The one Excel writer (xlsxwriter): typed cells, text that can never become a formula.

Every workbook the app writes (view exports, the market engagement report) goes through here,
so the rules hold everywhere: numbers are numbers, dates are dates, booleans "yes"/"no", and
text is written as a string, neutralised when a spreadsheet would read it as a formula (= + -
@, a tab or a carriage return first). xlsxwriter's options forbid turning strings into
formulas, numbers or links. ``constant_memory`` streams rows to disk, so sheets are written
top to bottom, row by row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

import xlsxwriter

MAX_ROWS = 1_048_576  # Excel's rows per sheet
# What makes a spreadsheet read a cell as a formula (OWASP's list), and the full-width forms some
# East Asian Excel set-ups read the same way.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
MONEY = '"£"#,##0'
DAY = "yyyy-mm-dd"


# The start of a CSV text, or a delimiter or line break inside it, then (past spaces and quotes) a
# trigger: where a spreadsheet splitting on another delimiter than the file's would start a cell
# (or a row) that is a formula. Linear: a class, then a lookahead of one repeated class.
_CELL_START = re.compile('(^|[,;\t|\r\n])(?=[ "]*[' + re.escape("".join(_TRIGGERS)) + "])")


def neutralise(text: str, delimited: bool = False) -> str:
    """Text that a spreadsheet would read as a formula, made inert with a leading apostrophe.

    ``delimited`` (CSV text): also after every delimiter and line break inside the text. Every CSV
    cell is quoted, but a spreadsheet set to split on ``;`` reads ``"a","b;=1+2"`` as ``a,"b`` and
    ``=1+2"``: past the first cell the quotes are out of step, so any delimiter in the text can
    start a cell, and any line break a row.
    """
    if delimited:
        return _CELL_START.sub(r"\1'", text)
    return "'" + text if text.startswith(_TRIGGERS) else text


@dataclass(frozen=True)
class Column:
    """A table column: heading, the row dict's key, and an Excel number format (None: by type)."""

    heading: str
    key: str
    number_format: str | None = None


class Sheet:
    """One worksheet, written row after row."""

    def __init__(self, book: Book, name: str, widths: Sequence[float] = ()):
        self.book = book
        self.ws = book.wb.add_worksheet(name[:31])
        self.row = 0
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width)

    def write(
        self, values: Sequence[object], formats: Sequence[str | None] = (), style: str | Sequence[str | None] = ()
    ) -> None:
        """One row of typed cells: ``formats`` are number formats by column; ``style`` a named style
        for the row, or one per column."""
        for j, value in enumerate(values):
            number_format = formats[j] if j < len(formats) else None
            cell_style = style if isinstance(style, str) else (style[j] if j < len(style) else None)
            self.book.cell(self.ws, self.row, j, value, number_format, cell_style)
        self.row += 1

    def skip(self, n: int = 1) -> None:
        self.row += n

    def table(self, columns: Sequence[Column], rows: Iterable[dict], limit: int = MAX_ROWS, freeze: bool = True) -> int:
        """A header row then one row per dict; a frozen header unless ``freeze`` is False (a table
        further down a sheet). Returns rows written."""
        first = self.row
        self.write([c.heading for c in columns], style="bold")
        formats = [c.number_format for c in columns]
        n = 0
        for row in rows:
            if self.row >= limit:
                break
            self.write([row.get(c.key) for c in columns], formats)
            n += 1
        if freeze:
            self.ws.freeze_panes(first + 1, 0)
        return n


class Book:
    """A workbook to write to a path or a binary file object; ``close()`` finishes it."""

    STYLES = {
        "bold": {"bold": True},
        "title": {"bold": True, "font_size": 14},
        "warning": {"bg_color": "#FFF3CD", "text_wrap": True, "valign": "top"},
        "wrap": {"text_wrap": True, "valign": "top"},
    }

    def __init__(self, out: str | IO[bytes]):
        self.wb = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[tuple[str | None, str | None], object] = {}

    def sheet(self, name: str, widths: Sequence[float] = ()) -> Sheet:
        return Sheet(self, name, widths)

    def _format(self, number_format: str | None, style: str | None):
        """The cell format of a number format and a style; styles combine with "+" ("bold+warning")."""
        key = (number_format, style)
        if key not in self._formats:
            spec = {k: v for name in (style or "").split("+") for k, v in self.STYLES.get(name, {}).items()}
            if number_format:
                spec["num_format"] = number_format
            self._formats[key] = self.wb.add_format(spec) if spec else None
        return self._formats[key]

    def cell(self, ws, i: int, j: int, value: object, number_format: str | None = None, style: str | None = None):
        """Write one value by its type; None, infinity and NaN (unknown: no one can read them) leave it empty."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            if style:
                ws.write_blank(i, j, None, self._format(None, style))
            return
        if isinstance(value, bool):
            ws.write_string(i, j, "yes" if value else "no", self._format(None, style))
        elif isinstance(value, int | float):
            ws.write_number(i, j, value, self._format(number_format, style))
        elif isinstance(value, datetime | date):
            ws.write_datetime(i, j, value, self._format(number_format or DAY, style))
        else:
            ws.write_string(i, j, neutralise(str(value)), self._format(None, style))

    def close(self) -> None:
        self.wb.close()
