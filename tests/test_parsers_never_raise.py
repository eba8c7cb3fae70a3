"""Every field parser takes any cell a spreadsheet can hold and returns a value or a reason, never raises.

A borough's return can hold anything in any cell: text, numbers of any size, NaN and infinity,
dates, times, booleans, odd unicode. Hypothesis throws such cells at each parser in
``etl.normalise.values`` and at a whole survey row: the parser gives a clean value, or None with a
warning saying why; a blank cell gives (None, None).
"""

import datetime as dt
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.extract.survey import survey_record
from etl.extract.survey_fields import FIELD_NAMES
from etl.normalise.values import (
    HOSTING,
    MAX_EXTENSION_MONTHS,
    iso_date,
    parse_date,
    parse_extension,
    parse_hosting,
    parse_money,
    parse_scale,
)

# text that looks like what the parsers look for, so the deep branches are reached too
LOOKALIKE = st.one_of(
    st.from_regex(r"\A\d{1,5}[/.\-]\d{1,5}[/.\-]\d{1,6}\Z"),
    st.from_regex(r"\A\d{1,6}-\d{1,3}-\d{1,3}(T\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?)?\Z"),
    st.from_regex(r"\A(Q[0-9] ?\d{1,6}|FY ?\d{1,6}/\d{1,6}|\d{1,3} ?(Jan|Sept?|March|dec)[a-z]* ?\d{1,6})\Z"),
    st.from_regex(r"\A(approx |c\. )?£?\d{1,400}(\.\d{1,3})?(k|m|bn|million)?( ?(-|to) ?£?\d{1,400}(k|m)?)?\Z"),
    st.from_regex(r"\A\+?\d{1,400}(\.\d+)?( ?\+ ?\d{1,400}(\.\d+)?)*( ?(years?|months?|m|y))?\Z"),
    st.from_regex(r"\A\d{1,400} ?(x|\*|times) ?\d{1,400}(\.\d+)? ?(years?|months?)?\Z"),
    st.from_regex(r"\A[1-9](\.\d+)?( ?(/|out of) ?5)?( - .*)?\Z"),
    st.sampled_from(
        [
            "TBC",
            "Rolling",
            "N/A",
            "30/02/2027",
            "Sep-2027",
            "Q2 2027",
            "FY2026/27",
            "0000",
            "9" * 5000,
            "1e400",
            "inf",
            "-inf",
            "nan",
            "Infinity",
            "£-5",
            "--",
            "١٢/٠٣/٢٠٢٧",
            "３１/０３/２０２７",
            "Ⅻ",
            "²",
            "\u0000",
            "\ufeff2027",
            " \t\n",
            "+",
            "x",
            "2 x",
            "Cloud ☁",
            "on\u00a0premises",
            "ＳａａＳ",
            "İ",
            "ß",
            "ﬁ",
        ]
    ),  # fmt: skip
)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),  # NaN, infinities, subnormals, huge and tiny
    st.floats(min_value=1899, max_value=2101),
    st.floats(min_value=19000, max_value=81000),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    LOOKALIKE,
)
TERM_ENDS = st.one_of(st.none(), st.dates(), st.datetimes(), CELLS)


def runs(examples: int) -> settings:
    """No deadline (a cold import is slow), no example database left in the work tree, and the same
    examples on every run (derandomised), so CI never fails on a case no one has seen; a new case
    found while developing goes in as an ``@example``."""
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True)


def blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def check(result: object, cell: object) -> tuple[object, str | None]:
    """A parser's answer: a (value, warning) pair, a warning is text, and no value comes with a reason."""
    assert isinstance(result, tuple) and len(result) == 2
    value, warning = result
    assert warning is None or (isinstance(warning, str) and warning)
    if blank(cell):
        assert result == (None, None)
    elif value is None:
        assert warning, f"{cell!r} gave no value and no reason"
    return value, warning


def a_day(value: object) -> bool:
    return type(value) is dt.date and 1980 <= value.year <= 2100


@runs(600)
@given(CELLS, st.booleans())
@example("Q1 1000", True)
@example(1900, False)
@example(10**400, False)
@example(float("nan"), True)
def test_dates(cell, end):
    value, _ = check(parse_date(cell, end=end), cell)
    assert value is None or a_day(value)


@runs(400)
@given(CELLS)
@example("2020-03-31T23:00:00Z")
@example("0001-01-01T00:00:00+14:00")
def test_iso_dates(cell):
    value, _ = check(iso_date(cell), cell)
    assert value is None or a_day(value)


@runs(600)
@given(CELLS)
@example(float("inf"))
@example(10**400)
@example("9" * 400)
def test_money(cell):
    value, _ = check(parse_money(cell), cell)
    assert value is None or (type(value) is float and math.isfinite(value) and value >= 0)


@runs(400)
@given(CELLS)
@example(float("nan"))
@example(float("inf"))
def test_scores(cell):
    value, _ = check(parse_scale(cell), cell)
    assert value is None or (type(value) is int and 1 <= value <= 5)


@runs(300)
@given(CELLS)
def test_hosting(cell):
    value, _ = check(parse_hosting(cell), cell)
    assert value is None or value in HOSTING


@runs(600)
@given(CELLS, TERM_ENDS, TERM_ENDS)
@example(float("inf"), None, None)
@example(1e308, None, None)
@example("9" * 5000 + " x 2", None, None)
@example("1" + "0" * 400 + " months", None, None)
def test_extensions(cell, start, end):
    value, _ = check(parse_extension(cell, start, end), cell)
    assert value is None or (type(value) is int and 0 <= value <= MAX_EXTENSION_MONTHS)


@runs(300)
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(("borough", *FIELD_NAMES), CELLS)))
@example({"system_name": "Mosaic", "contract_end": "31/12/2099", "extension_options": "99 x 12 years"})
@example({"supplier": "Servelec", "contact_phone": 10**400, "contact_email": float("nan"), "annual_cost": 10**400})
def test_a_whole_survey_row(values):
    """A row of any cells becomes a record (with warnings) or a reason it was rejected, never an error."""
    record, reason = survey_record(values, "x.xlsx", "Systems", 2, "E09000007")
    assert (record is None) != (reason is None)
    if record:
        assert all(isinstance(w, str) for w in record["warnings"])
        assert record["max_end_date"] is None or type(record["max_end_date"]) is dt.date


def test_a_bare_year_before_1980_is_out_of_range_like_any_other_date():
    """Found by test_dates: 1900 typed as a number gave 1 January 1900, when "1 Jan 1900" is refused."""
    assert parse_date(1900) == (None, "year 1900 is out of range")
    assert parse_date(2029, end=True) == (dt.date(2029, 12, 31), None)
