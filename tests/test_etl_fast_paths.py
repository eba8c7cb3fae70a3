"""The ETL's fast paths (issue 14) give exactly what the slow paths they stand in for give.

Each shortcut taken for throughput (a cache, a quick test before a regex pass, a group of one
record, rows written in chunks) is checked here against the
general path on the same input, so a shortcut can never change a build's result.
"""

from __future__ import annotations

import datetime as dt
import gc
import json

import duckdb
import pytest
from cleanco import basename
from cleanco.clean import prepare_default_terms
from hypothesis import example, given
from hypothesis import strategies as st

from etl import build as build_module
from etl import load, schema
from etl.extract import survey
from etl.extract.limits import MAX_JSON_DEPTH, TooDeep, check_depth, loads
from etl.link import COMPARED, contract_row
from etl.normalise import names, values
from etl.normalise.scope import _text_rule, text_rule
from etl.normalise.values import SPREADSHEET_ERRORS
from etl.records import blank_record
from etl.reference import _key, norm_key
from tests.test_parsers_never_raise import runs


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_check_still_refuses_one_level_too_deep_and_allows_the_limit():
    check_depth(_nested(MAX_JSON_DEPTH))
    with pytest.raises(TooDeep):
        check_depth(_nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(TooDeep):
        check_depth(_nested(MAX_JSON_DEPTH + 1).encode())


def test_depth_check_past_the_quick_count_still_reads_brackets_in_strings_as_text():
    shallow = json.dumps({"a": "[" * 500, "b": [[{"c": "{{{{"}] for _ in range(40)]})
    assert shallow.count("[") + shallow.count("{") > MAX_JSON_DEPTH  # the quick count cannot decide it
    assert loads(shallow)["a"] == "[" * 500
    deep = '{"x": "[[[[", "y": ' + _nested(MAX_JSON_DEPTH) + "}"
    with pytest.raises(TooDeep):
        check_depth(deep)


@pytest.mark.parametrize(
    "text",
    ["31/03/2027", " 2027-03-31 ", "Q2 2027", "FY2026/27", "TBC", "Sep-2027", "31 March 2027", "99/99/2027", "2030"],
)
@pytest.mark.parametrize("end", [False, True])
def test_cached_date_parsing_is_the_uncached(text, end):
    assert values.parse_date(text, end=end) == values._uncached_text_date(text.strip(), end)
    assert values.parse_date(text, end=end) == values.parse_date(text, end=end)  # a hit, the same answer


def test_dates_too_long_to_cache_are_still_parsed():
    long = "31/03/2027" + " " * 10 + "x" * values.CACHED_TEXT
    assert values.parse_date(long) == values._uncached_text_date(long.strip(), False)
    assert values.iso_date("2024-04-01T00:00:00+01:00") == (dt.date(2024, 4, 1), None)
    assert values.iso_date("2024-03-31T23:00:00Z") == values._uncached_iso_text("2024-03-31T23:00:00Z")


@pytest.mark.parametrize("text", ["Caf\u00e9 &amp; Bar Ltd", "O\u2019Neil & Sons", "  A  B  ", "x" * 300, ""])
def test_cached_keys_and_cleaning_are_the_uncached(text):
    assert norm_key(text) == _key(text)
    assert names.clean_text(text) == names._clean(text)
    assert names.clean is names.clean_text


def test_cached_title_rule_is_the_rule_of_the_same_text():
    title = "Supply of laptops and desktop computers"
    assert text_rule(title) is _text_rule(title) is text_rule(f"  {title}  ".replace(" and", "  and"))
    assert text_rule(None) is text_rule("") is None


def _record(record_id, source, **fields):
    rec = blank_record()
    rec.update(record_id=record_id, source=source, source_ref=record_id, stage="contract", **fields)
    return rec


def test_a_contract_of_one_record_takes_every_value_it_has_and_names_it():
    rec = _record("r1", "register", title="Payroll system", end_date=dt.date(2027, 3, 31), total_value=10.0)
    row = contract_row([(rec, None)])
    given = {f: v for f, v in row.items() if f in schema.CONTRACT_FIELDS and v is not None}
    assert given == {"title": "Payroll system", "end_date": dt.date(2027, 3, 31), "total_value": 10.0,
                     "stage": "contract"}  # fmt: skip
    assert row["provenance"] == dict.fromkeys(given, "r1")
    assert row["disagreements"] is None and row["match_score"] is None


def test_disagreements_keep_the_fields_order_of_the_contract():
    a = _record("a", "survey", start_date=dt.date(2020, 1, 1), end_date=dt.date(2025, 1, 1), annual_value=1.0,
                total_value=10.0)  # fmt: skip
    b = _record("b", "register", start_date=dt.date(2022, 1, 1), end_date=dt.date(2029, 1, 1), annual_value=5.0,
                total_value=50.0)  # fmt: skip
    row = contract_row([(a, 0.9), (b, None)])
    assert list(row["disagreements"]) == [f for f in schema.CONTRACT_FIELDS if f in COMPARED]


def _rows(n: int) -> list[dict]:
    """Records whose optional columns are empty in the first rows and filled later."""
    out = []
    for i in range(n):
        later = i >= n // 2
        rec = schema.row("contract_records", record_id=f"r{i:03d}", source="register", warnings=[f"w{i}"] * later,
                         total_value=float(i) if later else None, end_date=dt.date(2027, 1, 1) if later else None,
                         cpv_codes=["72000000"] if later else None, suppliers=[{"name": "A"}] if later else None,
                         is_it=True if later else None, confidence=3 if later else None)  # fmt: skip
        out.append(rec)
    return out


def _table(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * FROM contract_records").fetchall()


def test_rows_written_in_chunks_are_the_rows_written_at_once(tmp_path, monkeypatch):
    rows = _rows(25)
    run = schema.row("load_runs", run_id="t", status="ok")
    whole = load.write_database(tmp_path / "whole.duckdb", {"contract_records": rows}, run, {})
    monkeypatch.setattr(load, "CHUNK_ROWS", 4)  # the empty first half falls in chunks of its own
    chunked = load.write_database(tmp_path / "chunked.duckdb", {"contract_records": rows}, run, {})
    assert _table(chunked) == _table(whole)
    assert [r[0] for r in _table(chunked)] == [r["record_id"] for r in rows]
    assert _table(chunked)[-1][0] == "r024" and len(_table(chunked)) == 25


def test_a_bad_row_in_a_later_chunk_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "CHUNK_ROWS", 4)
    rows = _rows(10)
    rows[9] = {**rows[9], "colour": "red"}
    out = tmp_path / "x.duckdb"
    with pytest.raises(schema.SchemaError, match="row 10"):
        load.write_database(out, {"contract_records": rows}, schema.row("load_runs", run_id="t", status="ok"), {})
    assert not out.exists() and not load.temporaries(out)


def test_the_build_turns_the_garbage_collector_back_on(tmp_path):
    assert gc.isenabled()
    build_module.build(tmp_path / "empty.duckdb")
    assert gc.isenabled()
    with pytest.raises(build_module.BuildError):
        build_module.build(tmp_path / "x.duckdb", surveys=[tmp_path / "missing"])
    assert gc.isenabled()


_TERM_WORDS = sorted({w for _, parts in prepare_default_terms() for w in parts if names._KEY_WORD.fullmatch(w)})


@runs(500)
@given(st.lists(st.sampled_from([*_TERM_WORDS, "acme", "uk", "the", "bytes", "services"]), max_size=6))
@example(["acme", "ag", "ag"])  # a term listed twice is cut twice
@example(["acme", "pte", "ltd", "ltd"])
@example(["ltd"])
def test_legal_terms_are_cut_from_a_key_as_cleanco_cuts_them(words):
    key = " ".join(words)
    assert names.strip_legal_terms(key) == basename(key)


@pytest.mark.parametrize(
    "text", ["£1,250,000", "approx £45k", "£1.2m pa", "40-50k", "TBC", "1e308", "£200bn", " 12 ", "x" * 70, ""]
)
def test_cached_money_parsing_is_the_uncached(text):
    assert values.parse_money(text) == values._uncached_money(text)
    assert values.parse_money(text) == values.parse_money(text)  # a hit, the same answer


@pytest.mark.parametrize("cell", ["#REF!", " #n/a ", "#", "REF!", "N/A", "#DIV/0!", 7, None, "x" * 30])
def test_the_quick_test_for_spreadsheet_errors_finds_what_the_full_test_finds(cell):
    full = (
        cell.strip()
        if isinstance(cell, str) and len(cell) < 20 and cell.strip().upper() in SPREADSHEET_ERRORS
        else None
    )
    assert values.spreadsheet_error(cell) == full


def _every_row_table(sheet, rows, filled=frozenset()):
    """``survey.find_table`` as it was: every row of the scan matched as a header."""
    best = None
    for i in range(min(len(rows), survey.HEADER_SCAN_ROWS)):
        cells = survey.header_cells(rows, i, filled)
        columns = {c.column: c.match.field for c in cells if c.match.field}
        header = len(columns) >= survey.MIN_HEADER_FIELDS and survey.KEY_FIELDS & set(columns.values())
        if header and (best is None or len(columns) > len(best.columns)):
            unmapped = {c.column: c.header for c in cells if not c.match.exact}
            best = survey.Table(sheet, i + 1, columns, unmapped, cells)
    return best


HEADER = ["System", "Supplier", "Contract end date", "Annual cost"]
GRIDS = {
    "title, header, data": [["Camden systems"], [], HEADER, ["Mosaic", "Servelec", "31/03/2027", "£10k"]] * 3,
    "a wider header later": [HEADER, ["Mosaic", "Servelec"], [*HEADER, "Borough", "Contract start date"]],
    "one more field later": [HEADER, ["Mosaic", "Servelec"], [*HEADER, "Borough"]],
    "an equal header later": [HEADER, ["a", "b", "c", "d"], list(reversed(HEADER))],
    "no header": [["a", "b", "c", "d", "e"], [1, 2, 3, 4], ["System", None, 5]],
    "numbers under headers": [[7, 8, 9, "System"], HEADER, [dt.date(2027, 1, 1), 1.0, "Supplier", "x"]],
}


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_the_header_row_is_the_one_matching_every_row_finds(name):
    rows = GRIDS[name]
    for filled in (frozenset(), frozenset({(2, 0), (0, 1)})):
        assert survey.find_table("Sheet1", rows, filled) == _every_row_table("Sheet1", rows, filled)
