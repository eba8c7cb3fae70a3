"""What the CSV extractors share: decoding as Excel saves CSV, the header, and the row loop."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from etl.extract.result import ReadResult
from etl.normalise.names import clean

EXTRA_FIELDS = "(extra fields)"  # key of the cells beyond the header in a rejected row's raw record


def decode_csv(path: Path, result: ReadResult, kind: str) -> str:
    """A CSV file's text: UTF-8 (Excel's "CSV UTF-8" adds a BOM), else Windows-1252 (plain "CSV").

    A Windows-1252 read is noted on the result; a binary file or an unreadable one is refused
    with a message naming the file.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if b"\x00" in data[:4096]:
        raise ValueError(f"{path.name}: binary file, not a {kind}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.notes.append("file is not UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


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


def csv_rows(reader, path: Path):
    """(first line number, cells) of each non-empty row; a row the csv module cannot parse
    stops the file with a message naming the file and the line."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"{path.name}: CSV cannot be parsed at line {line} ({exc})") from exc
        if row:  # an empty physical line is not a row
            yield line, row


def raw_row(names: list[str], row: list[str]) -> dict:
    """The row keyed by header, as kept in the rejects table; cells beyond the header are kept too."""
    raw: dict = dict(zip(names, row, strict=False))
    if len(row) > len(names):
        raw[EXTRA_FIELDS] = row[len(names) :]
    return raw


def extra_fields_warning(raw: dict) -> str | None:
    """The warning for a row longer than its header, else None."""
    return f"row has {len(raw[EXTRA_FIELDS])} more fields than the header" if EXTRA_FIELDS in raw else None
