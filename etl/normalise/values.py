"""Parsers for the messy values found in survey returns, registers and notices.

Each parser returns ``(value, warning)``: the value (or None) and, when the input was not
clean, a short human-readable warning that the loader records against the row. Nothing here
raises on bad input: a row with "TBC" as its end date is still a system the borough runs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

from etl.reference import month_end, norm_key

Parsed = tuple[object, str | None]

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
MONTHS["sept"] = 9

UNKNOWN_WORDS = {
    "tbc",
    "tba",
    "tbd",
    "unknown",
    "n a",
    "na",
    "none",
    "not known",
    "rolling",
    "ongoing",
    "open ended",
    "perpetual",
    "no end date",
    "on going",
    "annual",
    "annually",
    "rolling annual",
    "rolling contract",
    "evergreen",
    "not applicable",
    "",
    "nil",
    "unclear",
    "see comments",
}
EXCEL_EPOCH = dt.date(1899, 12, 30)
LONDON = ZoneInfo("Europe/London")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _plausible(d: dt.date) -> bool:
    return 1980 <= d.year <= 2100


def _shown(value: object, limit: int = 40) -> str:
    """A value as a warning quotes it, cut short: a cell can hold 5,000 digits."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def _number(value: object) -> float | None:
    """A cell's number as a finite float; None for bools, text, NaN, infinities and ints too big for a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        n = float(value)
    except OverflowError:
        return None
    return n if math.isfinite(n) else None


def parse_date(value: object, end: bool = False) -> Parsed:
    """A date from an Excel date, serial number or text.

    Text may be dd/mm/yyyy (UK order), ISO, "31 March 2027", "Sep-2027", "Q2 2027", "FY2026/27"
    or a bare year. Partial dates resolve to the start of the period, or to its end when
    ``end`` is true (a contract "ending 2029" runs to 31/12/2029).
    """
    if _blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value, None) if _plausible(value) else (None, f"date {value.isoformat()} is out of range")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = _number(value)
        if n is not None and 1900 <= n <= 2100 and n == int(n):  # a bare year, typed as a number
            day = _year_only(int(n), end)
            return (day, None) if _plausible(day) else (None, f"year {int(n)} is out of range")
        if n is not None and 20000 < n < 80000:  # an Excel serial day number that lost its date format
            day = EXCEL_EPOCH + dt.timedelta(days=int(n))
            return (day, None) if _plausible(day) else (None, f"date {day.isoformat()} is out of range")
        return None, f"number {_shown(value)} is not a date"
    text = str(value).strip()
    key = norm_key(text)
    if key in UNKNOWN_WORDS:
        return None, f"date given as {text!r}, treated as unknown"
    try:
        day, warning = _parse_date_text(text, end)
    except ValueError as exc:
        return None, f"{_shown(text)} is not a valid date ({exc})"
    if day is not None and not _plausible(day):  # "Q1 1000", "Sep-1850"
        return None, f"date {_shown(text)} is out of range"
    return day, warning


def _year_only(year: int, end: bool) -> dt.date:
    return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)


def _parse_date_text(text: str, end: bool) -> Parsed:
    t = text.strip().lower().replace(",", " ")
    t = re.sub(r"^(approx\.?|c\.|circa|around|about|est\.?|expected|expires?|ends?)\s+", "", t)
    t = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"\s+00:00(:00)?$", "", t)
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", t):
        d, mo, y = int(m[1]), int(m[2]), _year(m[3])
        return _checked(y, mo, d, text)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:t.*)?", t):
        return _checked(int(m[1]), int(m[2]), int(m[3]), text)
    if m := re.fullmatch(r"(\d{1,2})[\s\-/]+([a-z]+)\.?[\s\-/]+(\d{2}|\d{4})", t):
        mo = MONTHS.get(m[2])
        if mo:
            return _checked(_year(m[3]), mo, int(m[1]), text)
    if m := re.fullmatch(r"([a-z]+)\.?[\s\-/']+(\d{2}|\d{4})", t):
        mo = MONTHS.get(m[1])
        if mo:
            y = _year(m[2])
            return (month_end(y, mo) if end else dt.date(y, mo, 1)), None
    if m := re.fullmatch(r"(\d{1,2})[/\-](\d{4})", t):
        y, mo = int(m[2]), int(m[1])
        if 1 <= mo <= 12:
            return (month_end(y, mo) if end else dt.date(y, mo, 1)), None
    if m := re.fullmatch(r"q([1-4])\s*(\d{4})|(\d{4})\s*q([1-4])", t):
        q, y = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        first = 3 * q - 2
        return (
            month_end(y, first + 2) if end else dt.date(y, first, 1)
        ), f"quarter {text!r} taken as {'its end' if end else 'its start'}"
    if m := re.fullmatch(r"fy\s*(\d{4})\s*[/\-]\s*(\d{2}|\d{4})", t):
        y = int(m[1])
        return (
            dt.date(y + 1, 3, 31) if end else dt.date(y, 4, 1)
        ), f"financial year {text!r} taken as {'its end' if end else 'its start'}"
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        if 1980 <= y <= 2100:
            return _year_only(y, end), None
    raise ValueError("unrecognised format")


def iso_date(value: object) -> Parsed:
    """The calendar date an ISO date or timestamp states (other text goes to ``parse_date``).

    "2026-09-20T23:59:59Z" and "...+01:00" are 20 September: the notice names that day, and
    moving the time to London would make every summer end date a day late. One exception:
    London midnight written in UTC ("2020-03-31T23:00:00Z", how Contracts Finder writes
    1 April in British Summer Time) is the London day it was converted from.
    """
    if _blank(value):
        return None, None
    text = str(value).strip()
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    if not 1980 <= stamp.year <= 2100:
        return None, f"date {text!r} is out of range"
    if stamp.tzinfo is not None:
        london = stamp.astimezone(LONDON)
        if london.time() == dt.time(0) and london.utcoffset() != stamp.utcoffset():
            return london.date(), None
    return stamp.date(), None


def _checked(y: int, mo: int, d: int, text: str) -> Parsed:
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return None, f"{text!r} is not a real date"
    return (day, None) if _plausible(day) else (None, f"date {text!r} is out of range")


_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "thousand": 1e3}


def parse_money(value: object) -> Parsed:
    """GBP amount from a number or text like "£1,250,000", "approx £45k", "£1.2m pa"."""
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return None, f"{value!r} is not an amount"
    if isinstance(value, (int, float)):
        n = _number(value)
        if n is None:
            return None, f"{_shown(value)} is not an amount"
        return (n, None) if n >= 0 else (None, f"negative amount {value!r}")
    text = str(value).strip()
    t = text.lower().replace(",", "").replace("\u00a3", " ").replace("gbp", " ")
    if norm_key(t) in UNKNOWN_WORDS | {"free", "included", "nil cost"}:
        return None, f"amount given as {text!r}, treated as unknown"
    approx = bool(re.search(r"approx|circa|\bc\.|around|about|est|~|\+$", t))
    amounts = re.findall(r"(\d+(?:\.\d+)?)\s*(k|mn|m|million|bn|thousand)?\b", t)
    if not amounts:
        return None, f"{text!r} is not an amount"
    if len(amounts) > 1 and not re.search(r"\d\s*(-|to)\s*\d", t):
        return None, f"{text!r} holds several amounts"
    # a range "40-50k" takes its upper figure and the shared multiplier
    number, unit = amounts[-1]
    unit = unit or ""
    amount = float(number) * _MULTIPLIERS.get(unit, 1)
    if not math.isfinite(amount):  # "999...9" beyond what a float holds
        return None, f"{_shown(text)} is not an amount"
    if len(amounts) > 1:
        return amount, f"range {text!r} taken as its upper figure {amount:,.0f}"
    return amount, (f"approximate amount {text!r} taken as {amount:,.0f}" if approx else None)


_WORD_SCALES = {
    "very low": 1,
    "very poor": 1,
    "very dissatisfied": 1,
    "low": 2,
    "poor": 2,
    "dissatisfied": 2,
    "medium": 3,
    "average": 3,
    "moderate": 3,
    "ok": 3,
    "neutral": 3,
    "adequate": 3,
    "high": 4,
    "good": 4,
    "satisfied": 4,
    "very high": 5,
    "very good": 5,
    "excellent": 5,
    "very satisfied": 5,
}


def parse_scale(value: object) -> Parsed:
    """A 1-5 score; words like "High" map to a number with a warning, others to None."""
    if _blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = _number(value)
        if n is not None and n == int(n) and 1 <= n <= 5:
            return int(n), None
        return None, f"score {_shown(value)} is outside 1-5"
    text = str(value).strip()
    if m := re.fullmatch(r"([1-5])(?:\s*(?:/|out of)\s*5)?(?:\s*[-:].*)?", text):
        return int(m[1]), None
    word = norm_key(text)
    if word in _WORD_SCALES:
        return _WORD_SCALES[word], f"score given as {text!r}, read as {_WORD_SCALES[word]}"
    return None, f"score {text!r} is not on the 1-5 scale"


HOSTING = ("On premises", "Hosted", "Cloud SaaS")
_HOSTING_WORDS = {
    "on premises": "On premises",
    "on premise": "On premises",
    "on prem": "On premises",
    "onprem": "On premises",
    "on site": "On premises",
    "in house": "On premises",
    "local": "On premises",
    "hosted": "Hosted",
    "supplier hosted": "Hosted",
    "third party hosted": "Hosted",
    "externally hosted": "Hosted",
    "managed service": "Hosted",
    "private cloud": "Hosted",
    "cloud saas": "Cloud SaaS",
    "saas": "Cloud SaaS",
    "cloud": "Cloud SaaS",
    "public cloud": "Cloud SaaS",
    "software as a service": "Cloud SaaS",
    "cloud software as a service": "Cloud SaaS",
}


def parse_hosting(value: object) -> Parsed:
    if _blank(value):
        return None, None
    text = str(value).strip()
    found = _HOSTING_WORDS.get(norm_key(text))
    return (found, None) if found else (None, f"hosting {text!r} is not one of {', '.join(HOSTING)}")


_NONE_EXTENSIONS = {
    "none",
    "no",
    "n a",
    "na",
    "nil",
    "0",
    "no extension",
    "no extensions",
    "no options",
    "not applicable",
}


def parse_extension(value: object, start: object = None, end: object = None) -> Parsed:
    """Total months of extension options: "+1+1" -> 24, "12 months" -> 12, "2 x 6 months" -> 12.

    "3+1+1" is read as a 3-year term plus two 1-year options when the contract's own term is
    about 3 years, else as three options; a bare number means years.
    """
    if _blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = _number(value)
        if n is None:
            return None, f"extension {_shown(value)} is not a number of years"
        if n < 0:
            return None, f"negative extension {value!r}"
        return _bounded(round(min(n, MAX_EXTENSION_MONTHS) * 12), value)  # years; min: 1e308 * 12 is infinite
    text = str(value).strip()
    t = text.lower()
    if norm_key(t) in _NONE_EXTENSIONS:
        return 0, None
    if norm_key(t) in UNKNOWN_WORDS:
        return None, f"extension given as {text!r}, treated as unknown"
    try:
        months = _extension_months(t, start, end)
    except (ValueError, OverflowError):  # more digits than a number holds
        months = None
    if months is None:
        return None, f"extension options {_shown(text)} not understood"
    return _bounded(months, text)


MAX_EXTENSION_MONTHS = 600  # 50 years of options: more is a slip of the keyboard, not a contract


def _bounded(months: int, value: object) -> Parsed:
    if months > MAX_EXTENSION_MONTHS:
        return None, f"extension {_shown(value)} is more than {MAX_EXTENSION_MONTHS // 12} years"
    return months, None


def _extension_months(t: str, start: object, end: object) -> int | None:
    """The months that lower-cased extension text names, or None."""
    unit = 1 if re.search(r"month|mth|\bm\b", t) else 12
    t = re.sub(r"up to|option(s)? (of|to extend( by)?)?|extension(s)?|further|additional|of", " ", t)
    if m := re.fullmatch(r"\s*(\d+)\s*(?:x|\*|times)\s*(\d+(?:\.\d+)?)\s*(?:years?|yrs?|months?|mths?|m|y)?\s*", t):
        return int(round(int(m[1]) * float(m[2]) * unit))
    if re.fullmatch(r"\s*\+?\s*\d+(?:\.\d+)?(\s*\+\s*\d+(?:\.\d+)?)+\s*(years?|yrs?|months?|mths?|m|y)?\s*", t):
        parts = [float(p) for p in re.findall(r"\d+(?:\.\d+)?", t)]
        leading_plus = t.strip().startswith("+")
        if (
            not leading_plus
            and _term_years(start, end) is not None
            and abs(_term_years(start, end) - parts[0] * unit / 12) <= 0.5
        ):
            parts = parts[1:]  # "3+1+1" on a 3-year contract: the 3 is the base term
        return int(round(sum(parts) * unit))
    if m := re.fullmatch(r"\s*\+?\s*(\d+(?:\.\d+)?)\s*(years?|yrs?|months?|mths?|m|y)?\s*", t):
        return int(round(float(m[1]) * unit))
    return None


def _term_years(start: object, end: object) -> float | None:
    start, end = (d.date() if isinstance(d, dt.datetime) else d for d in (start, end))
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end > start:
        return (end - start).days / 365.25
    return None


def annual_value(total: float | None, start: dt.date | None, end: dt.date | None) -> float | None:
    """Total divided by the term in years, only for terms of at least a year.

    The term is counted in whole months (1 Apr 2020 - 31 Mar 2023 is 36), so a leap day does
    not shave a year's value. Shorter terms are left unknown: scaling a 3-month value up to a
    year would invent spend.
    """
    if total is None or start is None or end is None:
        return None
    months = round(((end - start).days + 1) / 365.25 * 12)
    if months < 12:
        return None
    return round(total * 12 / months, 2)
