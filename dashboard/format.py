"""Numbers and dates as people read them: the one place every page, figure, export and report
formats money and dates, so that "£3.4m" and "5 March 2026" look the same everywhere.

Each function takes what to say for a missing value (``missing``), because a table cell, a
sentence and a hover label each want their own word for "not known".
"""

from __future__ import annotations

import math
from datetime import date, datetime

DASH = "–"


def known(n: object) -> bool:
    """Whether ``n`` is a number to show: not None, and finite. A sum of huge values can overflow to
    infinity and 0/0 gives NaN; neither is a value anyone can read, so both are shown as unknown."""
    if n is None:
        return False
    try:
        return math.isfinite(n)  # ints, floats, Decimals
    except TypeError:
        return True  # not a number at all: the caller formats it as it did before


def as_date(value: object) -> date | None:
    """A date from a date, datetime or ISO text; None for anything else (left to the caller)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def integer(n: int | float | None, missing: str = DASH) -> str:
    """1,234."""
    return f"{int(n):,}" if known(n) else missing


def money(value: float | None, missing: str = DASH) -> str:
    """Pounds, shortened for a card or a sentence: £950, £12k, £3.4m, £1.2bn."""
    if not known(value):
        return missing
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"£{value / size:,.1f}{suffix}".replace(".0" + suffix, suffix)
    return f"£{value:,.0f}"


def pounds(value: float | None, missing: str = "") -> str:
    """Pounds in full, for a table or a hover label: £12,345."""
    return f"£{value:,.0f}" if known(value) else missing


def long_date(value: object, missing: str = "not recorded") -> str:
    """'5 March 2026'. Text that is not a date is shown as it is."""
    if value is None or value == "":
        return missing
    day = as_date(value)
    return str(value) if day is None else f"{day.day} {day:%B %Y}"


def short_date(value: object, missing: str = DASH) -> str:
    """'5 Mar 2026', where space is short (tables, hover labels)."""
    day = as_date(value)
    return missing if day is None else f"{day.day} {day:%b %Y}"


def month(value: object) -> str:
    """'March 2026'."""
    day = as_date(value)
    return "" if day is None else f"{day:%B %Y}"


def short_month(value: object) -> str:
    """'Mar 2026' (axis labels)."""
    day = as_date(value)
    return "" if day is None else f"{day:%b %Y}"


def cell(value: object, kind: str = "text", score_digits: int = 1) -> str:
    """A table cell's raw value as text by its column's kind (int, money, pct, score, date, text);
    a dash for none. One rule for every on-screen and report table."""
    if value is None or value == "":
        return DASH
    if kind in ("int", "money", "pct", "score") and not known(value):
        return DASH  # infinity or NaN: not a number anyone can read
    if kind == "int":
        return integer(value)
    if kind == "money":
        return money(float(value))
    if kind == "pct":
        return f"{float(value):.1f}%"
    if kind == "score":
        return f"{float(value):.{score_digits}f}"
    if kind == "date" or isinstance(value, date):
        return short_date(value, missing=str(value))
    return str(value)


def supplier(name: str | None, count: int | None = None, missing: str = DASH) -> str:
    """The supplier as a person reads it: a framework of fifteen says so, not just its first name."""
    if not name:
        return missing
    others = (count or 1) - 1
    return f"{name} and {plural(others, 'other')} (framework)" if others > 0 else name


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 contract', '2,000 contracts', '3 boroughs'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
