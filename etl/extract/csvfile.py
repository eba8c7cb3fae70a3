"""What the CSV extractors share: decoding as Excel saves CSV, the header, and the row loop."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from etl.extract.limits import MAX_FIELD_KB
from etl.extract.result import ReadResult
from etl.normalise.names import clean
from etl.normalise.values import spreadsheet_error

EXTRA_FIELDS = "(extra fields)"
# the csv module refuses a field over 128 KB and so the whole file: parse any length (the file's
# size is limited), and reject just the row of a field over MAX_FIELD_KB (``csv_rows``)
csv.field_size_limit(2**31 - 1)  # key of the cells beyond the header in a rejected row's raw record


def decode_bytes(data: bytes, name: str, errors: str = "replace") -> tuple[str, str | None]:
    """A text file's bytes as text, and a note when it was not UTF-8: UTF-16 (Excel's "Unicode
    text", with a BOM or its NULs between ASCII letters) is decoded; any other NUL byte means a
    binary file; else UTF-8 (a BOM allowed), else Windows-1252 (Excel's plain "CSV"; ``errors``
    "strict" raises UnicodeDecodeError for the five bytes it lacks)."""
    utf16 = utf16_codec(data[:4096])
    if utf16:
        try:
            return data.decode(utf16), "file is UTF-16 encoded; read as UTF-16 (save as UTF-8 to avoid this note)"
        except UnicodeDecodeError:
            raise ValueError(f"{name}: UTF-16 encoded but not valid UTF-16: save as UTF-8") from None
    if (at := data.find(b"\x00")) >= 0:
        raise ValueError(f"{name}: contains NUL bytes (binary file?), the first at byte {at + 1:,}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors=errors), "file is not UTF-8; read as Windows-1252"


def utf16_codec(head: bytes) -> str | None:
    """ "utf-16" (with a BOM), "utf-16-le" or "-be" (ASCII text with a NUL beside each letter), or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 2:
        return None
    odd, even = head[1 : 2 * pairs : 2].count(0), head[0 : 2 * pairs : 2].count(0)
    if odd >= 0.4 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd == 0:
        return "utf-16-be"
    return None


def decode_csv(path: Path, result: ReadResult, kind: str) -> str:
    """A CSV file's text (``decode_bytes``); how it was decoded, when not UTF-8, is noted on the
    result; a binary file or an unreadable one is refused with a message naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ValueError(f"{path.name}: binary file, not a {kind}")
    text, note = decode_bytes(data, path.name)
    if note:
        result.notes.append(note)
    return text


def open_csv(path: Path, result: ReadResult, kind: str):
    """A csv reader over the decoded file, and its header cells (cleaned); an empty file is refused."""
    reader = csv.reader(io.StringIO(decode_csv(path, result, kind), newline=""))
    try:
        cells = next(reader)
    except StopIteration:
        raise ValueError(f"{path.name}: empty file") from None
    except csv.Error as exc:
        raise ValueError(f"{path.name}: CSV header cannot be parsed ({exc})") from exc
    return reader, [clean(c) for c in cells]


def csv_rows(reader, path: Path, result: ReadResult | None = None, source: str = "", names: list[str] | None = None):
    """(first line number, cells) of each non-empty row; a row the csv module cannot parse stops
    the file with a message naming the file and the line. With ``result``, a row holding a field
    over MAX_FIELD_KB is read, counted and rejected there ("line 7": "field of 300 KB, over the
    limit of 128 KB"), and the rows after it are read as usual."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"{path.name}: CSV cannot be parsed at line {line} ({exc})") from exc
        if not row:  # an empty physical line is not a row
            continue
        longest = max(map(len, row))
        if result is not None and longest > MAX_FIELD_KB * 1024:
            result.records_read += 1
            reason = f"field of {longest / 1024:,.0f} KB, over the limit of {MAX_FIELD_KB} KB"
            result.reject(source, f"line {line}", reason, {k: _cut(v) for k, v in raw_row(names or [], row).items()})
            continue
        yield line, row


def _cut(value: object, limit: int = 200) -> object:
    """A cell as a reject keeps it: long text cut short (the reason says how long it was)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}... ({len(value):,} characters)"
    if isinstance(value, list):
        return [_cut(v, limit) for v in value]
    return value


def raw_row(names: list[str], row: list[str]) -> dict:
    """The row keyed by header, as kept in the rejects table; cells beyond the header are kept too."""
    raw: dict = dict(zip(names, row, strict=False))
    if len(row) > len(names):
        raw[EXTRA_FIELDS] = row[len(names) :]
    return raw


def extra_fields_warning(raw: dict) -> str | None:
    """The warning for a row longer than its header, else None."""
    return f"row has {len(raw[EXTRA_FIELDS])} more fields than the header" if EXTRA_FIELDS in raw else None


def read_rows(reader, path: Path, result: ReadResult, source: str, names: list[str]) -> list[tuple[int, int, list]]:
    """Every row of ``csv_rows``, counted as read: (its count among the rows read, first line, cells),
    so a reader can parse the file column by column and still name each row."""
    rows = []
    for line, row in csv_rows(reader, path, result, source, names):
        result.records_read += 1
        rows.append((result.records_read, line, row))
    return rows


def field_columns(header: dict[str, int], rows: list[list[str]]) -> dict[str, list[str]]:
    """Field -> its cells down the file ("" past a short row's end), for a column-wise reader."""
    width = max(header.values(), default=-1) + 1
    padded = [row if len(row) >= width else row + [""] * (width - len(row)) for row in rows]
    cells = list(zip(*padded, strict=False)) if padded else [()] * width
    return {field: list(cells[i]) for field, i in header.items()}


def blank_column_errors(columns: dict[str, list[str]]) -> dict[int, list[str]]:
    """``blank_errors`` column-wise: cells holding a spreadsheet error blanked in place; each row's
    warnings (by row index), in field order."""
    errors: dict[int, list[str]] = {}
    for field, column in columns.items():
        if "#" not in "".join(column):  # no "#" anywhere in the column: no error to blank (most columns)
            continue
        bad = {value for value in set(column) if spreadsheet_error(value)}
        name = field.replace("_", " ")
        for j, value in enumerate(column):
            if value in bad:
                errors.setdefault(j, []).append(f"{name}: spreadsheet error {value.strip()!r}; taken as blank")
                column[j] = ""
    return errors


def each(column: list, parse) -> list:
    """``parse`` of each cell of a column, called once per distinct cell (the cells must hash)."""
    done = {value: parse(value) for value in dict.fromkeys(column)}
    return [done[value] for value in column]
