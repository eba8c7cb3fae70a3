"""Value parsers on the spellings real returns use."""

import datetime as dt

import pytest

from etl.normalise.values import parse_date, parse_extension, parse_hosting, parse_money, parse_scale
from etl.reference import add_months

D = dt.date


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("30/09/2026", True, D(2026, 9, 30)),
        ("01/04/2024", False, D(2024, 4, 1)),  # UK order, not 4 January
        ("Sep-2027", True, D(2027, 9, 30)),
        ("Sep-2027", False, D(2027, 9, 1)),
        ("February 2028", True, D(2028, 2, 29)),
        ("2029", True, D(2029, 12, 31)),
        ("2029", False, D(2029, 1, 1)),
        (2029, True, D(2029, 12, 31)),
        ("31st March 2027", True, D(2027, 3, 31)),
        ("2027-03-31", True, D(2027, 3, 31)),
        (dt.datetime(2027, 3, 31, 0, 0), True, D(2027, 3, 31)),
        (46112, True, D(2026, 3, 31)),  # an Excel serial that lost its format
        ("31/03/27", True, D(2027, 3, 31)),
    ],
)
def test_dates(value, end, expected):
    assert parse_date(value, end=end)[0] == expected


@pytest.mark.parametrize("value", ["TBC", "Rolling", "30/02/2027", "next year sometime", "31/13/2026"])
def test_unknown_or_impossible_dates_give_none_and_a_warning(value):
    parsed, warning = parse_date(value, end=True)
    assert parsed is None
    assert warning and repr(value) in warning or value in warning


def test_partial_periods_warn_but_resolve():
    assert parse_date("Q1 2028", end=True) == (D(2028, 3, 31), "quarter 'Q1 2028' taken as its end")
    assert parse_date("FY2026/27", end=True)[0] == D(2027, 3, 31)


@pytest.mark.parametrize(
    ("value", "expected", "warns"),
    [
        ("£1,250,000", 1_250_000.0, False),
        ("approx £45k", 45_000.0, True),
        ("£1.2m", 1_200_000.0, False),
        ("c. £30,000 pa", 30_000.0, True),
        ("40-50k", 50_000.0, True),
        (12000, 12000.0, False),
        ("N/A", None, True),
        ("£10k and £20k", None, True),
    ],
)
def test_money(value, expected, warns):
    amount, warning = parse_money(value)
    assert amount == expected
    assert bool(warning) is warns


@pytest.mark.parametrize(
    ("value", "start", "end", "months"),
    [
        ("+1+1", None, None, 24),
        ("12 months", None, None, 12),
        ("2 x 12 months", None, None, 24),
        ("None", None, None, 0),
        ("3+1+1", D(2024, 4, 1), D(2027, 3, 31), 24),  # the 3 is the base term
        ("1+1", None, None, 24),
        (2, None, None, 24),
        ("up to 24 months", None, None, 24),
        ("6 months", None, None, 6),
    ],
)
def test_extensions(value, start, end, months):
    assert parse_extension(value, start, end)[0] == months


def test_unreadable_extension_warns():
    assert parse_extension("subject to cabinet approval")[0] is None
    assert "not understood" in parse_extension("subject to cabinet approval")[1]


def test_scales():
    assert parse_scale(4) == (4, None)
    assert parse_scale("High") == (4, "score given as 'High', read as 4")
    assert parse_scale("7")[0] is None and "1-5" in parse_scale("7")[1]
    assert parse_scale(0)[0] is None
    assert parse_scale("3 - adequate") == (3, None)


def test_hosting():
    assert parse_hosting("On premises") == ("On premises", None)
    assert parse_hosting("SaaS") == ("Cloud SaaS", None)
    assert parse_hosting("In the basement")[0] is None


def test_add_months_keeps_month_ends():
    assert add_months(D(2027, 3, 31), 24) == D(2029, 3, 31)
    assert add_months(D(2027, 2, 28), 12) == D(2028, 2, 29)
    assert add_months(D(2027, 1, 15), 1) == D(2027, 2, 15)


def test_days_in_month_agrees_with_the_calendar_module():
    """add_months counts days itself (monthrange also works out a weekday): the same answer
    for every month of three centuries, leap years and 1900/2000/2100 among them."""
    import calendar

    from etl.reference import days_in_month, month_end

    for year in range(1900, 2201):
        for month in range(1, 13):
            assert days_in_month(year, month) == calendar.monthrange(year, month)[1], (year, month)
    assert month_end(2100, 2) == D(2100, 2, 28)
    assert add_months(D(2000, 2, 29), -12) == D(1999, 2, 28)
    assert add_months(D(2099, 11, 30), 3) == D(2100, 2, 28)
