"""Hostile input files, made at test time from code (a 2 GB zip bomb is 2 MB written on the fly).

Each maker writes one file into a folder and returns its path. ``good_inputs`` writes the files
every hostile build also holds, so each test can show that the good files still load beside the
bad one: a Contracts Finder export (5 notices load), a JSON Lines file of releases, and a
survey return for Camden with two systems.
"""

from __future__ import annotations

import csv
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
GOOD_CF = "cf_export.csv"  # 10 rows: 5 loaded, 2 rejected, 3 skipped
GOOD_CF_LOADED = 5
SURVEY_HEADER = ["Borough", "System name", "Supplier", "Service area", "Contract end", "Annual cost"]
GOOD_SURVEY_ROWS = [
    ["Camden", "Mosaic", "Servelec", "Adult Social Care", "31/03/2027", 120000],
    ["Camden", "Civica Pay", "Civica", "Income and Payments", "30/09/2026", 45000],
]
GOOD_RELEASE = (
    '{"ocid": "ocds-b5fd17-cccccccc-0000-0000-0000-000000000001", "id": "a1", "date": "2024-01-05T10:00:00Z",'
    ' "tag": ["award"], "buyer": {"name": "London Borough of Camden"}, "tender": {"title": "Case management",'
    ' "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "48000000"}}]},'
    ' "awards": [{"id": "1", "status": "active", "suppliers": [{"name": "Servelec Ltd"}],'
    ' "value": {"amount": 500000, "currency": "GBP"},'
    ' "contractPeriod": {"startDate": "2024-04-01T00:00:00Z", "endDate": "2027-03-31T00:00:00Z"}}]}'
)


# --------------------------------------------------------------------------- good files


def good_inputs(root: Path) -> tuple[Path, Path]:
    """(surveys folder, contracts folder) holding the good files."""
    surveys, contracts = root / "surveys", root / "contracts"
    surveys.mkdir(parents=True, exist_ok=True)
    contracts.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / GOOD_CF, contracts / GOOD_CF)
    (contracts / "good.jsonl").write_text(GOOD_RELEASE + "\n", encoding="utf-8")
    survey_workbook(surveys / "camden_return.xlsx", GOOD_SURVEY_ROWS)
    return surveys, contracts


def survey_workbook(path: Path, rows: list[list], header: list[str] = SURVEY_HEADER) -> Path:
    """A survey return of one 'Systems' sheet: the header, then the rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Systems"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def survey_csv(path: Path, rows: list[list], header: list[str] = SURVEY_HEADER) -> Path:
    lines = [",".join(header), *(",".join(str(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- JSON


def cut_jsonl(path: Path) -> Path:
    """A good release, then a last line cut off mid-object (a download that stopped)."""
    cut = GOOD_RELEASE.replace("cccccccc", "dddddddd")[:150]
    path.write_text(GOOD_RELEASE.replace("cccccccc", "eeeeeeee") + "\n" + cut, encoding="utf-8")
    return path


def string_release_package(path: Path) -> Path:
    """A release package whose one release is the string "x"."""
    path.write_text('{"uri": "https://example.org/p", "releases": ["x"]}', encoding="utf-8")
    return path


def deep_package(path: Path, depth: int = 1500) -> Path:
    """A release package whose release nests ``depth`` arrays."""
    path.write_text('{"releases": [' + "[" * depth + "]" * depth + "]}", encoding="utf-8")
    return path


def deep_jsonl_line_two(path: Path, brackets: int = 118_000) -> Path:
    """A good line 1, then a 236 KB line 2 of unclosed brackets, then a good line 3."""
    second = GOOD_RELEASE.replace("cccccccc", "ffffffff")
    path.write_text(
        GOOD_RELEASE.replace("cccccccc", "aaaaaaaa")
        + "\n"
        + '{"ocid": "x", "a": '
        + "[" * brackets
        + "\n"
        + second
        + "\n",
        encoding="utf-8",
    )
    return path


def conflicting_releases(path: Path) -> Path:
    """Two releases of one ocid with the same date, one naming a different supplier and value."""
    other = GOOD_RELEASE.replace('"id": "a1"', '"id": "a2"').replace("Servelec Ltd", "Other Supplier Ltd")
    other = other.replace('"amount": 500000', '"amount": 900000')
    path.write_text(GOOD_RELEASE.replace("cccccccc", "bbbbbbbb") + "\n" + other.replace("cccccccc", "bbbbbbbb") + "\n")
    return path


# --------------------------------------------------------------------------- CSV


def cf_csv_with_long_field(path: Path, kb: int = 200) -> Path:
    """The good Contracts Finder export with one more notice whose description is ``kb`` KB long."""
    text = (FIXTURES / GOOD_CF).read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    columns = len(next(csv.reader([header])))
    row = [
        "LONG-1",
        "Contract",
        "London Borough of Brent",
        "Awarded",
        "2021-03-15T10:20:00Z",
        "Long one",
        "x" * kb * 1024,
    ]
    row += [""] * (columns - len(row))
    path.write_text(text.rstrip("\n") + "\n" + ",".join(row) + "\n", encoding="utf-8")
    return path


def utf16_cf_csv(path: Path) -> Path:
    """The good Contracts Finder export saved as Excel's "Unicode text" (UTF-16 with a BOM)."""
    path.write_bytes((FIXTURES / GOOD_CF).read_text(encoding="utf-8-sig").encode("utf-16"))
    return path


def nul_csv(path: Path) -> Path:
    """A CSV with a NUL byte early on (a binary file renamed .csv)."""
    path.write_bytes(b"Notice Identifier,Title\nA-1,\x00\x01\x02binary\n")
    return path


def register_with_errors(path: Path) -> Path:
    """A Camden register whose supplier and value cells hold spreadsheet errors as text."""
    path.write_text(
        "Reference,Contract Title,Supplier Name,Department,Start Date,End Date,Annual Value\n"
        "REG-1,Parking system,#REF!,Environment,01/04/2020,31/03/2025,#DIV/0!\n"
        "REG-2,Library system,Civica,Libraries,01/04/2021,31/03/2026,#N/A\n",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- workbooks


def sparse_xlsx(path: Path, cells: list[tuple[str, str]]) -> Path:
    """A hand-made .xlsx of one sheet 'Systems' holding only ``cells`` [(ref, text)]: a 1.5 KB file."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for ref, text in cells:
        rows.setdefault(int("".join(c for c in ref if c.isdigit())), []).append((ref, text))
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{ref}" t="inlineStr"><is><t>{t}</t></is></c>' for ref, t in cs) + "</row>"
        for r, cs in sorted(rows.items())
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _package_parts().items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def zip_bomb_xlsx(path: Path, inflated_mb: int = 2048) -> Path:
    """An .xlsx whose sheet inflates to ``inflated_mb`` MB of zeros, written as ~1/1000 of that.

    The deflate stream is one compressed megabyte of zeros, flushed to a byte boundary and
    repeated, so making it costs one compression, not two gigabytes of work."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * inflated_mb + compressor.flush(zlib.Z_FINISH)
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    parts = [(name, text.encode(), None) for name, text in _package_parts().items()]
    parts.append(("xl/worksheets/sheet1.xml", stream, (crc, inflated_mb << 20)))
    _write_zip(path, parts)
    return path


def _write_zip(path: Path, parts: list[tuple[str, bytes, tuple[int, int] | None]]) -> None:
    """A zip written by hand: stored members as given, and deflated ones with their (crc, size)."""
    out, central = bytearray(), bytearray()
    for name, data, deflated in parts:
        method, crc, size = (8, *deflated) if deflated else (0, zlib.crc32(data), len(data))
        encoded, offset = name.encode(), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))


def repeated_rows_ods(path: Path, rows: int = 1_000_000) -> Path:
    """An .ods whose one value row is repeated ``rows`` times (``number-rows-repeated``)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Systems">'
        f"<table:table-row>{cell.format('System name')}{cell.format('Supplier')}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows}">{cell.format("Mosaic")}{cell.format("Servelec")}'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return _write_ods(path, content)


def error_cells_xls(path: Path, rows: list[list]) -> Path:
    """A legacy .xls survey return ('Systems' sheet) whose cells given as ("#REF!",) are typed error cells."""
    import xlrd
    import xlwt

    # xlwt's own map is wrong for #N/A and #VALUE!: write BIFF's codes
    codes = {text: code for code, text in xlrd.error_text_from_code.items()}
    book = xlwt.Workbook()
    sheet = book.add_sheet("Systems")
    for r, row in enumerate([SURVEY_HEADER, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, tuple):
                sheet.row(r).set_cell_error(c, codes[value[0]])
            elif value not in ("", None):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def error_cells_ods(path: Path, rows: list[list], repeat_last: int = 1) -> Path:
    """An .ods survey return as LibreOffice writes one: a cell given as ("#REF!",) is a formula whose
    result is an error (``calcext:value-type="error"``); the last row repeats ``repeat_last`` times."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
    )

    def cell(value) -> str:
        if isinstance(value, tuple):
            return (
                f'<table:table-cell table:formula="of:=[.Z99]" office:value-type="string" office:string-value=""'
                f' calcext:value-type="error"><text:p>{value[0]}</text:p></table:table-cell>'
            )
        if isinstance(value, (int, float)):
            number = f'office:value-type="float" office:value="{value}"'
            return f"<table:table-cell {number}><text:p>{value}</text:p></table:table-cell>"
        if value in ("", None):
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    body = [f"<table:table-row>{''.join(cell(v) for v in row)}</table:table-row>" for row in [SURVEY_HEADER, *rows]]
    if repeat_last > 1:
        repeated = f'<table:table-row table:number-rows-repeated="{repeat_last}">'
        body[-1] = body[-1].replace("<table:table-row>", repeated, 1)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3"><office:body>'
        f'<office:spreadsheet><table:table table:name="Systems">{"".join(body)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    return _write_ods(path, content)


def _write_ods(path: Path, content: str) -> Path:
    """An .ods package of one content.xml, as LibreOffice lays it out."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
    return path


MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _package_parts() -> dict[str, str]:
    """The parts of a one-sheet .xlsx other than the sheet itself."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{pkg}/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{office}.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets><sheet name="Systems" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }


# --------------------------------------------------------------------------- building and reading back


def build_all(root: Path, max_file_mb: float | None = None):
    """Build ``root``/surveys and ``root``/contracts into ``root``/out.duckdb; (database, BuildResult)."""
    from etl.build import build

    out = root / "out.duckdb"
    return out, build(out, [root / "surveys"], [root / "contracts"], max_file_mb=max_file_mb)


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def rejects_of(db: Path, file: str) -> list[dict]:
    return query(db, "SELECT location, reason, raw, json_valid(raw) AS valid FROM rejects WHERE file = ?", (file,))


def file_row(db: Path, file: str) -> dict:
    (row,) = query(db, "SELECT * FROM load_files WHERE file = ?", (file,))
    return row


def assert_good_files_loaded(db: Path) -> None:
    """The good files of ``good_inputs`` loaded in full beside whatever hostile file the build held."""
    assert file_row(db, GOOD_CF)["loaded"] == GOOD_CF_LOADED
    assert file_row(db, "good.jsonl")["loaded"] == 1
    survey = file_row(db, "camden_return.xlsx")
    assert (survey["status"], survey["loaded"]) == ("loaded", len(GOOD_SURVEY_ROWS))
    assert all(r["valid"] for r in query(db, "SELECT json_valid(raw) AS valid FROM rejects WHERE raw IS NOT NULL"))
