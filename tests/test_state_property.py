"""URL state under any input: for every view, parsing any query string (or any callback value)
never raises, always yields values within their keys' ranges, and the state round-trips.

Hypothesis builds query strings from the view's own keys and the shared filters, with values that
look like what the parsers read (dates, numbers, codes, words) and values that do not (huge, empty,
control characters, lone surrogates, 9999-01-01), and forged callback values of any JSON type.
Derandomised like ``tests/test_parsers_never_raise.py``: the same examples on every run.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboard import state, views
from etl import reference


def runs(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True)


VALUES = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A-?\d{1,6}\Z"),
    st.from_regex(r"\A\d{1,5}-\d{1,2}-\d{1,2}\Z"),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(
        [
            "9999-01-01",
            "0001-01-01",
            "1989-12-31",
            "2101-01-01",
            "E09000007",
            "e09000033",
            "E09000099",
            "99999",
            "-1",
            "0",
            "36",
            "37",
            "1_0",
            "٣",
            "base",
            "max",
            "all",
            "it",
            "survey",
            "open_data",
            "-annual_value,borough",
            "Parking|2027-01-01",
            "Parking|9999-01-01",
            "|2027-01-01",
            "48",
            "x" * 5000,
            " ",
            "\x00",
            "\ud800",
            "a\tb",
        ]
    ),  # fmt: skip
)


def pairs_for(view: state.View):
    names = st.sampled_from([*view.key_set, "utm_source", "", "code"])
    return st.lists(st.tuples(names, VALUES), max_size=12)


def query_of(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in pairs)


def assert_in_range(view: state.View, parsed: dict) -> None:
    """Every value of a parsed state is one its key accepts, within the shared limits."""
    for name, value in parsed.items():
        key = view.key_set[name]
        values = value if key.multiple else [value]
        assert not key.multiple or (isinstance(value, list) and value == sorted(set(value)))
        assert len(values) <= state.MAX_VALUES
        for v in values:
            assert key.parse(str(v)) == v  # a fixed point of its own parser: valid, canonical
            if isinstance(v, str):
                assert len(v) <= 2 * state.MAX_TEXT + 20  # text, or a window's text|date
                assert "\x00" not in v and not any("\ud800" <= c <= "\udfff" for c in v)
        if name in ("end_from", "end_to"):
            day = date.fromisoformat(value)
            assert state.DATE_MIN <= day <= state.DATE_MAX
            # what the views do with a date: ten years either side stays a date (9999-01-01 did not)
            reference.add_months(day, 120), reference.add_months(day, -120)
        if name == "borough":
            assert set(value) <= set(reference.borough_names())


@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_any_query_parses_within_range_and_round_trips(view):
    @runs(150)
    @given(pairs_for(view))
    @example([("end_from", "9999-01-01"), ("end_to", "2100-12-31")])
    @example([("q", "a" * 199 + " b")])  # cut at MAX_TEXT: no trailing space left to fold away
    @example([("supplier", str(i)) for i in range(60)])
    def check(pairs):
        parsed, problems = view.check_query(query_of(pairs))
        assert all(isinstance(p, str) for p in problems)
        assert_in_range(view, parsed)
        query = view.query(parsed)
        assert view.parse(query) == parsed  # round trip
        assert view.query(view.parse(query)) == query  # canonical
        assert view.check_query(query)[1] == [] or {"end_from", "end_to"} <= set(parsed)  # nothing to report

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)


@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_any_callback_values_never_raise(view):
    """What a forged callback can send as control values: any JSON, for any key."""

    @runs(100)
    @given(st.dictionaries(st.sampled_from(list(view.key_set)), JSON | VALUES, max_size=6), JSON)
    def check(params, search):
        parsed, problems = view.check(params)
        assert_in_range(view, parsed)
        assert view.parse(view.query(parsed)) == parsed
        view.check_query(search)  # a search that is not text: an empty query, reported
        view.updated(search if isinstance(search, str) else None, **params)
        view.with_filters(None, parsed)

    check()


def test_the_limits_are_reported_not_silent():
    parsed, problems = state.check_query("&".join(f"supplier=s{i}" for i in range(2 * state.MAX_PAIRS)))
    assert len(parsed["supplier"]) == state.MAX_VALUES
    assert any(f"more than {state.MAX_PAIRS} parts" in p for p in problems)
    assert any(f"more than {state.MAX_VALUES} values" in p for p in problems)
