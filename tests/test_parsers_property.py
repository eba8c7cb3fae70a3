"""Property tests for the parsers a hostile file reaches (issue 12): any input in, no exception out.

Every date parser gives a date within the one plausible range (``etl.normalise.values.in_range``),
in every form it reads, for any year typed; money is finite and under the ceiling; the extended
end never leaves the range; header matchers of every kind of file take any text; spreadsheet
errors are found whatever their case or spaces; the JSON guards give valid JSON or a ValueError.
Derandomised like tests/test_parsers_never_raise.py, so CI runs the same cases every time.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from hypothesis import example, given
from hypothesis import strategies as st

from etl.extract.cf_csv import COLUMNS as CF_COLUMNS
from etl.extract.cf_csv import is_cf_header, parse_suppliers
from etl.extract.csvfile import decode_bytes, utf16_codec
from etl.extract.headers import match_header
from etl.extract.limits import MAX_JSON_DEPTH, TooDeep, check_depth, loads, to_json
from etl.extract.listing import is_listing_header, listing_field
from etl.extract.register import register_field
from etl.normalise.values import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_AMOUNT,
    MAX_EXTENSION_MONTHS,
    SPREADSHEET_ERRORS,
    blank_errors,
    extended_end,
    iso_date,
    parse_date,
    parse_extension,
    parse_money,
    parse_scale,
    spreadsheet_error,
)
from tests.test_parsers_never_raise import CELLS, check, runs

YEARS = st.integers(min_value=0, max_value=99_999)
MONTH_WORDS = st.sampled_from(["Jan", "Sep", "Sept", "March", "dec", "December"])
# every text form parse_date reads, with any year (and day/month) typed in it
DATE_FORMS = st.one_of(
    st.builds("{:02d}/{:02d}/{}".format, st.integers(0, 40), st.integers(0, 14), YEARS),
    st.builds("{}-{:02d}-{:02d}".format, YEARS, st.integers(0, 14), st.integers(0, 40)),
    st.builds("{} {} {}".format, st.integers(1, 31), MONTH_WORDS, YEARS),
    st.builds("{}-{}".format, MONTH_WORDS, YEARS),
    st.builds("{:02d}/{}".format, st.integers(0, 13), YEARS),
    st.builds("Q{} {}".format, st.integers(1, 4), YEARS),
    st.builds("{}Q{}".format, YEARS, st.integers(1, 4)),
    st.builds("FY{}/{:02d}".format, YEARS, st.integers(0, 99)),
    st.builds("{}".format, YEARS),
    st.builds("{}-01-01T00:00:00{}".format, YEARS, st.sampled_from(["", "Z", "+14:00", "-12:00"])),
)


def within(day: object) -> bool:
    return type(day) is dt.date and FIRST_YEAR <= day.year <= LAST_YEAR


@runs(800)
@given(DATE_FORMS, st.booleans())
@example("Dec-9999", True)
@example("Q4 9999", True)
@example("FY9998/99", True)
@example("FY9999/00", True)
@example("FY2100/01", True)
def test_every_date_form_is_held_to_the_one_range(text, end):
    value, warning = check(parse_date(text, end=end), text)
    assert value is None or within(value), (text, value)
    iso, _ = check(iso_date(text), text)
    assert iso is None or within(iso)


@runs(400)
@given(CELLS, st.booleans())
def test_any_cell_gives_a_date_in_range_or_none(cell, end):
    value, _ = check(parse_date(cell, end=end), cell)
    assert value is None or within(value)


@runs(400)
@given(st.dates(min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(LAST_YEAR, 12, 31)), st.integers())
@example(dt.date(2100, 12, 31), 600)
@example(dt.date(2099, 1, 31), 10**30)
def test_an_extended_end_never_leaves_the_range(end, months):
    latest, warning = extended_end(end, months)
    assert within(latest) and latest >= end
    assert warning is None or latest == end  # past the range: the end is kept, and it is said


@runs(400)
@given(CELLS, st.one_of(st.none(), DATE_FORMS), st.one_of(st.none(), DATE_FORMS))
def test_extension_text_and_its_end_stay_bounded(cell, start, end):
    months, _ = check(parse_extension(cell, parse_date(start)[0], parse_date(end, end=True)[0]), cell)
    assert months is None or 0 <= months <= MAX_EXTENSION_MONTHS
    day = parse_date(end, end=True)[0]
    assert extended_end(day, months)[0] is None or within(extended_end(day, months)[0])


@runs(600)
@given(st.one_of(CELLS, st.from_regex(r"\A\d{1,5}(\.\d+)?e[+-]?\d{1,4}\Z"), st.floats(min_value=1e10, max_value=1e308)))
@example(1e308)
@example("1e308")
@example("£200bn")
def test_money_is_finite_and_under_the_ceiling(cell):
    value, _ = check(parse_money(cell), cell)
    assert value is None or (type(value) is float and math.isfinite(value) and 0 <= value <= MAX_AMOUNT)


@runs(300)
@given(CELLS)
def test_scores_stay_on_the_scale(cell):
    value, _ = check(parse_scale(cell), cell)
    assert value is None or 1 <= value <= 5


@runs(400)
@given(
    st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")), st.sampled_from(sorted(SPREADSHEET_ERRORS)))
)
@example("Supplier / reseller")
@example("\u0000")
@example("x" * 100_000)
def test_header_matchers_of_every_file_kind_take_any_text(text):
    match = match_header(text)
    assert match.field is None or isinstance(match.field, str)
    for found in (CF_COLUMNS.field(text), register_field(text), listing_field(text)):
        assert found is None or isinstance(found, str)
    assert isinstance(is_cf_header({text}), bool)
    assert isinstance(is_listing_header({listing_field(text)}), bool)
    suppliers, problems = parse_suppliers(text)
    assert all(isinstance(p, str) for p in problems) and isinstance(suppliers, list)


@runs(300)
@given(st.sampled_from(sorted(SPREADSHEET_ERRORS)), st.sampled_from(["", " ", "\t"]), st.booleans())
def test_spreadsheet_errors_are_found_in_any_case_and_blanked(error, pad, lower):
    text = f"{pad}{error.lower() if lower else error}{pad}"
    assert spreadsheet_error(text) == text.strip()
    cells = {"supplier": text, "title": "Kept"}
    assert blank_errors(cells) == [f"supplier: spreadsheet error {text.strip()!r}; taken as blank"]
    assert cells == {"supplier": "", "title": "Kept"}


@runs(300)
@given(CELLS)
def test_only_error_values_are_errors(cell):
    found = spreadsheet_error(cell)
    assert found is None or (isinstance(cell, str) and found.upper() in SPREADSHEET_ERRORS)


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=30,
)


@runs(400)
@given(JSON_VALUES)
@example(float("nan"))
@example({"a": ["\ud800", float("inf")]})
def test_anything_a_reject_holds_is_stored_as_valid_json(value):
    text = to_json(value)
    text.encode("utf-8")  # DuckDB takes it
    json.loads(text)


@runs(400)
@given(st.one_of(st.text(alphabet='[]{}"\\,:1 a'), st.binary()), st.integers(min_value=1, max_value=80))
@example("[" * 65, 64)
@example('["' + "[" * 100 + '"]', 64)
def test_the_depth_check_agrees_with_the_nesting(text, limit):
    try:
        value = loads(text, limit=limit)
    except TooDeep:
        return
    except ValueError:
        return  # not JSON at all: a reason, never a crash
    assert _depth(value) <= limit
    check_depth(text, limit)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@runs(300)
@given(st.binary(max_size=300))
@example(b"\xff\xfeB\x00")
@example(b"a\x00b")
def test_any_bytes_decode_or_give_a_reason(data):
    try:
        text, note = decode_bytes(data, "x.csv")
    except ValueError as exc:
        assert str(exc).startswith("x.csv: ")
        return
    assert isinstance(text, str) and (note is None or isinstance(note, str))
    assert utf16_codec(data[:4096]) is not None or "\x00" not in text


def test_the_depth_limit_lets_ocds_through():
    """OCDS nests about 10 levels: a release nested that deep passes."""
    release = {"awards": [{"suppliers": [{"identifier": {"scheme": "GB-COH", "id": "1"}}]}]}
    assert loads(json.dumps(release)) == release
    assert MAX_JSON_DEPTH >= 10
