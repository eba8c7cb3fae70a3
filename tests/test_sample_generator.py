"""The sample generator itself: deterministic, 22 boroughs, every promised kind of mess, planted rows as listed."""

import datetime as dt
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from etl import sample
from etl.extract.survey_fields import field_for_header
from etl.normalise.names import known_supplier
from etl.normalise.values import parse_date, parse_extension, parse_hosting, parse_money, parse_scale
from etl.reference import (
    add_months,
    borough_code,
    boroughs,
    find_borough_in_text,
    known_system,
    service_area,
    service_areas,
)
from etl.template import build_template


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> list[Path]:
    return sample.write_sample(tmp_path_factory.mktemp("sample"))


def sheets_of(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


@cache
def strings_of(path: Path) -> frozenset[str]:
    return frozenset(v for rows in sheets_of(path).values() for row in rows for v in row if isinstance(v, str))


def files_with(written: list[Path], *values: str) -> list[str]:
    return [p.name for p in written if set(values) <= strings_of(p)]


def test_same_seed_writes_the_same_cells_and_bytes(written, tmp_path):
    again = sample.write_sample(tmp_path / "again")
    assert [p.name for p in again] == [p.name for p in written]
    for first, second in zip(written, again, strict=True):
        assert sheets_of(first) == sheets_of(second)
        assert first.read_bytes() == second.read_bytes()


def test_another_seed_writes_other_values(written, tmp_path):
    other = sample.write_sample(tmp_path / "other", seed=7)
    assert [p.name for p in other] == [p.name for p in written]
    assert any(sheets_of(a) != sheets_of(b) for a, b in zip(written, other, strict=True))


def test_22_boroughs_with_20_to_45_systems_each(written):
    assert len(written) == len(set(sample.SAMPLE_BOROUGHS)) == 22
    assert set(sample.SAMPLE_BOROUGHS) <= {b.code for b in boroughs()}
    for path in written:
        assert openpyxl.load_workbook(path).properties.keywords == sample.SAMPLE_KEYWORD
    core = {"Adult Social Care", "Children's Social Care", "Revenues and Benefits", "Finance", "HR and Payroll"}
    for code, lines in sample.sample_plan().items():
        areas = [line.service_area for line in lines]
        assert 20 <= len(lines) <= 45, code
        assert len(set(areas)) >= 20, code
        assert all(areas.count(area) == 1 for area in core), code
        assert set(areas) <= {sa.name for sa in service_areas()}


def test_each_return_names_its_borough_where_it_says(written):
    places = {}
    for ret in sample.RETURNS:
        places.setdefault(ret.borough_at, []).append(ret.code)
        if ret.borough_at in ("b4", "column", "cover"):
            assert borough_code(ret.borough_text) == ret.code, ret.file
        elif ret.borough_at == "title":
            assert find_borough_in_text(ret.title) == ret.code, ret.file
        else:
            assert find_borough_in_text(Path(ret.file).stem) == ret.code, ret.file
            assert not any(find_borough_in_text(v) for v in strings_of(Path(written[0].parent, ret.file)))
    assert all(len(codes) >= 2 for codes in places.values()) and len(places) == 5


def test_rewriting_replaces_sample_files_only(tmp_path):
    out = tmp_path / "inputs"
    first = sample.write_sample(out)
    (out / "renamed old sample.xlsx").write_bytes(first[0].read_bytes())
    openpyxl.Workbook().save(out / "my own return.xlsx")
    sample.write_sample(out)
    names = {p.name for p in out.iterdir()}
    assert names == set(sample.SAMPLE_FILES) | {"my own return.xlsx"}


def test_every_kind_of_mess_is_present(written):
    template_sheets = build_template().sheetnames
    templates = [p for p in written if openpyxl.load_workbook(p).sheetnames == template_sheets]
    assert len(templates) >= 3
    titled = [p.name for p in written if any("ICT systems return 2019" in s for s in strings_of(p))]
    assert len(titled) >= 3
    assert len(files_with(written, "Product", "Vendor", "Expiry date", "Annual value", "VfM", "Internal ref")) >= 2
    assert files_with(written, "Contract manager") and field_for_header("Contract manager") is None
    split = [p for p in written if {"Frontline", "Corporate", "Notes"} <= set(openpyxl.load_workbook(p).sheetnames)]
    assert len(split) >= 2
    merges = [r for p in written for ws in openpyxl.load_workbook(p).worksheets for r in ws.merged_cells.ranges]
    shapes = [(r.max_row - r.min_row + 1, r.max_col - r.min_col + 1) for r in merges]
    assert shapes.count((1, 4)) >= 2  # "System" over four sub-headers, in two-row headers
    assert (2, 1) in shapes  # a lone header merged down across both header rows
    assert (1, 2) in shapes  # a header cell merged across two columns
    assert len(files_with(written, "Total")) >= 2
    assert len(files_with(written, "Borough:")) >= 2
    for value in ("TBC", "Rolling", "30/02/2027", "Sep-2027", "2029", "31 March 2028", "30/09/2026",
                  "£1,250,000", "approx £45k", "£1.2m", "High", "Medium", "+1+1", "12 months", "2 x 12 months",
                  "None", "3+1+1", "Liquid Logic LCS", "Servelec Mosaic"):  # fmt: skip
        assert files_with(written, value), value
    spellings = ("NEC SOFTWARE SOLUTIONS UK LTD", "Northgate Public Services (UK) Ltd", "Civica UK Ltd",
                 "CIVICA UK LIMITED", "Capita Business Services Ltd")  # fmt: skip
    for spelling in spellings:
        assert files_with(written, spelling) and known_supplier(spelling), spelling


def test_blank_rows_sit_inside_tables(written):
    with_gaps = 0
    for path in written:
        for rows in sheets_of(path).values():
            filled = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
            inside = [i for i in range(filled[0], filled[-1]) if i not in filled] if filled else []
            with_gaps += any(i > 4 for i in inside)  # not the blank row under a title
    assert with_gaps >= 2


def test_spellings_canonicalise():
    for canonical, spellings in sample.SUPPLIER_SPELLINGS.items():
        assert all(known_supplier(s) == canonical for s in spellings), canonical
    for canonical, spellings in sample.SYSTEM_SPELLINGS.items():
        assert all(known_system(s).name == canonical for s in spellings), canonical
    assert all(service_area(s) == canonical for canonical, s in sample.AREA_SPELLINGS.items())
    assert all(parse_hosting(s)[0] == canonical for canonical, s in sample.HOSTING_SPELLINGS.items())
    for clean, spellings in sample.EXTENSION_SPELLINGS.items():
        assert all(parse_extension(s) == parse_extension(clean) for s in spellings), clean
    for fields in sample.HEADER_SETS.values():
        assert all(field_for_header(h) == f for f, h in fields if f != sample.EXTRA)


def test_planted_windows_are_exact_and_stand_out():
    lines = [line for lines in sample.sample_plan().values() for line in lines]
    assert len(sample.SAMPLE_WINDOWS) >= 4
    for window in sample.SAMPLE_WINDOWS:
        group = (window["group_by"], window["value"])
        ends = [(line.end, line.code) for line in lines if group in line.groups() and line.end]
        lo, hi = add_months(window["end_from"], -6), add_months(window["end_to"], 6)
        assert sorted({code for end, code in ends if lo <= end <= hi}) == window["boroughs"], group
        assert len(window["boroughs"]) >= 3
        outside = [(end, code) for end, code in ends if not lo <= end <= hi]
        for start, _ in outside:  # no other three boroughs end within six months of each other
            assert len({code for end, code in outside if 0 <= (end - start).days <= 183}) <= 2, (group, start)


def test_system_boroughs_match_the_files(written):
    codes = dict(zip(sample.SAMPLE_FILES, sample.SAMPLE_BOROUGHS, strict=True))
    running = sorted(codes[p.name] for p in written
                     if any((s := known_system(v)) and s.name == "Mosaic" for v in strings_of(p)))  # fmt: skip
    assert running == sample.SAMPLE_SYSTEM_BOROUGHS["Mosaic"]
    mosaic = next(w for w in sample.SAMPLE_WINDOWS if w["value"] == "Mosaic")
    assert set(mosaic["boroughs"]) < set(running)


def row_fields(path: Path, sheet: str, row: int) -> dict[str, object]:
    """The planted row's cells by field, from the header row above it (a group row above that helps)."""
    rows = sheets_of(path)[sheet]
    header = max(range(row - 1), key=lambda i: sum(bool(field_for_header(v)) for v in rows[i] if v))
    above = rows[header - 1] if header else [None] * len(rows[header])
    pairs = enumerate(zip(rows[header], above, strict=True))
    fields = {c: field_for_header(h) or field_for_header(g) for c, (h, g) in pairs}
    return {f: rows[row - 1][c] for c, f in fields.items() if f}


def test_planted_rows_parse_to_their_listed_values(written):
    folder = written[0].parent
    assert len(sample.PLANTED_ROWS) >= 12
    for planted in sample.PLANTED_ROWS:
        cells = row_fields(folder / planted["file"], planted["sheet"], planted["row"])
        parsed = {
            "start_date": parse_date(cells.get("contract_start")),
            "end_date": parse_date(cells.get("contract_end"), end=True),
            "annual_value": parse_money(cells.get("annual_cost")),
            "total_value": parse_money(cells.get("total_value")),
        }
        start, end = parsed["start_date"][0], parsed["end_date"][0]
        months, warning = parse_extension(cells.get("extension_options"), start, end)
        parsed["extension"] = (months, warning)
        parsed |= {f: parse_scale(cells.get(f)) for f in ("confidence", "satisfaction", "value_for_money")}
        parsed["hosting"] = parse_hosting(cells.get("hosting"))
        where = f"{planted['file']}#{planted['sheet']}!{planted['row']}"
        for key in ("start_date", "end_date", "annual_value", "total_value"):
            assert parsed[key][0] == planted[key], (where, key)
        assert (add_months(end, months) if end and months else end) == planted["max_end_date"], where
        assert any(w for _, w in parsed.values()) == planted["warning"], where
        assert known_system(cells["system_name"]).name == planted["system_name"], where
        assert known_supplier(cells["supplier"]) == planted["supplier_name"], where
        assert service_area(cells["service_area"]) == planted["service_area"], where


def test_planted_inputs_mean_what_the_etl_documents():
    by_input = {v: p for p in sample.PLANTED_ROWS for v in p["input"].values()}
    assert by_input["Sep-2027"]["end_date"] == dt.date(2027, 9, 30)
    assert by_input["2029"]["end_date"] == by_input["2029"]["max_end_date"] == dt.date(2029, 12, 31)
    assert by_input["31 March 2028"]["end_date"] == dt.date(2028, 3, 31)
    for unknown in ("TBC", "Rolling", "30/02/2027"):
        assert by_input[unknown]["end_date"] is None and by_input[unknown]["max_end_date"] is None
        assert by_input[unknown]["warning"]
    assert by_input["approx £45k"]["annual_value"] == 45_000.0 and by_input["approx £45k"]["warning"]
    assert by_input["£1,250,000"]["total_value"] == 1_250_000.0
    assert by_input["£1.2m"]["total_value"] == 1_200_000.0
    three = by_input["3+1+1"]
    assert three["max_end_date"] == add_months(three["end_date"], 24)
    assert by_input["High"]["warning"]
