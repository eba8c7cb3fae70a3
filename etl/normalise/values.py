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
from functools import lru_cache
from zoneinfo import ZoneInfo

from etl.reference import add_months, month_end, norm_key

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


# what Excel shows in a cell whose formula failed; exported or pasted as text, never a value
SPREADSHEET_ERRORS = frozenset({
    "#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#N/A!",
})  # fmt: skip


def spreadsheet_error(value: object) -> str | None:
    """The spreadsheet error a cell holds as text ("#REF!", "#N/A"...), or None."""
    if isinstance(value, str) and len(value) < 20 and "#" in value and value.strip().upper() in SPREADSHEET_ERRORS:
        return value.strip()
    return None


def blank_errors(cells: dict) -> list[str]:
    """Blank every cell of ``cells`` (field -> value) holding a spreadsheet error, in place; the
    warnings say which ("supplier: spreadsheet error '#REF!'; taken as blank")."""
    if "#" not in "".join([v for v in cells.values() if isinstance(v, str)]):
        return []  # no "#" in any text: nothing to blank (most rows), found without a call per cell
    warnings = []
    for name, value in cells.items():
        if error := spreadsheet_error(value):
            cells[name] = "" if isinstance(value, str) else None
            warnings.append(f"{str(name).replace('_', ' ')}: spreadsheet error {error!r}; taken as blank")
    return warnings


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


FIRST_YEAR, LAST_YEAR = 1980, 2100  # the one plausible range of every date read, in every form


class OutOfRange(ValueError):
    """A date form names a year outside FIRST_YEAR..LAST_YEAR (raised before the date is built)."""


def in_range(day: dt.date) -> bool:
    """The one range check of every parsed date, whatever form it came in (and of extended ends)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def _ranged(day: dt.date, shown: str) -> Parsed:
    return (day, None) if in_range(day) else (None, f"date {shown} is out of range")


def _year_checked(year: int) -> int:
    """A year read from text, refused before any date is built from it (FY9999/00 ends in year 10000)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutOfRange(year)
    return year


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
    ``end`` is true (a contract "ending 2029" runs to 31/12/2029). Every form is held to the one
    range (``in_range``: FIRST_YEAR to LAST_YEAR).
    """
    if _blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _ranged(value, value.isoformat())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_date(value, end)
    text = str(value).strip()
    return _text_date(text, end) if len(text) <= CACHED_TEXT else _uncached_text_date(text, end)


CACHED_TEXT = 64  # characters: a date's text is short and recurs ("31/03/2027" on hundreds of rows)


@lru_cache(maxsize=1 << 15)
def _text_date(text: str, end: bool) -> Parsed:
    """Cached ``_uncached_text_date``: dates as text cost a dozen regexes each, and repeat."""
    return _uncached_text_date(text, end)


def _uncached_text_date(text: str, end: bool) -> Parsed:
    """``parse_date`` of a stripped text."""
    key = norm_key(text)
    if key in UNKNOWN_WORDS:
        return None, f"date given as {text!r}, treated as unknown"
    try:
        day, warning = _parse_date_text(text, end)
    except OutOfRange:  # "Dec-9999", "Q4 9999", "FY9998/99", "Q1 1000"
        return None, f"date {_shown(text)} is out of range"
    except ValueError as exc:
        return None, f"{_shown(text)} is not a valid date ({exc})"
    if day is not None and not in_range(day):
        return None, f"date {_shown(text)} is out of range"
    return day, warning


def _number_date(value: float, end: bool) -> Parsed:
    """A date typed as a number: a bare year, or an Excel serial day number that lost its date format."""
    n = _number(value)
    if n is not None and 1900 <= n <= 2100 and n == int(n):  # a bare year, typed as a number
        if not FIRST_YEAR <= n <= LAST_YEAR:
            return None, f"year {int(n)} is out of range"
        return _year_only(int(n), end), None
    if n is not None and 20000 < n < 80000:
        day = EXCEL_EPOCH + dt.timedelta(days=int(n))
        return _ranged(day, day.isoformat())
    return None, f"number {_shown(value)} is not a date"


def _year_only(year: int, end: bool) -> dt.date:
    return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)


def _parse_date_text(text: str, end: bool) -> Parsed:
    """The date a text names; every year read goes through ``_year_checked`` before a date is built."""
    t = text.strip().lower().replace(",", " ")
    t = re.sub(r"^(approx\.?|c\.|circa|around|about|est\.?|expected|expires?|ends?)\s+", "", t)
    t = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"\s+00:00(:00)?$", "", t)
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", t):
        return _checked(_year(m[3]), int(m[2]), int(m[1]), text)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:t.*)?", t):
        return _checked(int(m[1]), int(m[2]), int(m[3]), text)
    if (m := re.fullmatch(r"(\d{1,2})[\s\-/]+([a-z]+)\.?[\s\-/]+(\d{2}|\d{4})", t)) and MONTHS.get(m[2]):
        return _checked(_year(m[3]), MONTHS[m[2]], int(m[1]), text)
    month_year = re.fullmatch(r"([a-z]+)\.?[\s\-/']+(\d{2}|\d{4})", t)
    if month_year and MONTHS.get(month_year[1]):
        return _month(_year(month_year[2]), MONTHS[month_year[1]], end), None
    if (m := re.fullmatch(r"(\d{1,2})[/\-](\d{4})", t)) and 1 <= int(m[1]) <= 12:
        return _month(int(m[2]), int(m[1]), end), None
    if m := re.fullmatch(r"q([1-4])\s*(\d{4})|(\d{4})\s*q([1-4])", t):
        q, y = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        day = _month(y, 3 * q, end=True) if end else _month(y, 3 * q - 2, end=False)
        return day, f"quarter {text!r} taken as {'its end' if end else 'its start'}"
    if m := re.fullmatch(r"fy\s*(\d{4})\s*[/\-]\s*(\d{2}|\d{4})", t):
        y = _year_checked(int(m[1]))
        day = dt.date(_year_checked(y + 1), 3, 31) if end else dt.date(y, 4, 1)
        return day, f"financial year {text!r} taken as {'its end' if end else 'its start'}"
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        if FIRST_YEAR <= y <= LAST_YEAR:
            return _year_only(y, end), None
    raise ValueError("unrecognised format")


def _month(year: int, month: int, end: bool) -> dt.date:
    """The first day of a month, or its last when ``end``; the year checked first."""
    year = _year_checked(year)
    return month_end(year, month) if end else dt.date(year, month, 1)


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
    return _iso_text(text) if len(text) <= CACHED_TEXT else _uncached_iso_text(text)


@lru_cache(maxsize=1 << 15)
def _iso_text(text: str) -> Parsed:
    """Cached ``_uncached_iso_text``: a file's notices share their publication and period stamps."""
    return _uncached_iso_text(text)


def _uncached_iso_text(text: str) -> Parsed:
    """``iso_date`` of a stripped text."""
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    if not in_range(stamp.date()):
        return None, f"date {text!r} is out of range"
    if stamp.tzinfo is not None:
        try:
            london = stamp.astimezone(LONDON)
        except (OverflowError, ValueError):  # pragma: no cover - in range, so never past year 9999
            return stamp.date(), None
        if london.time() == dt.time(0) and london.utcoffset() != stamp.utcoffset():
            return london.date(), None
    return stamp.date(), None


def _checked(y: int, mo: int, d: int, text: str) -> Parsed:
    if not FIRST_YEAR <= y <= LAST_YEAR:
        return None, f"date {text!r} is out of range"
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return None, f"{text!r} is not a real date"
    return day, None


def extended_end(end: dt.date | None, months: int | None) -> Parsed:
    """The latest end a term allows: ``end`` plus ``months`` of options (at most MAX_EXTENSION_MONTHS),
    held to the one range; an end plus options past LAST_YEAR keeps the end, with a warning."""
    if end is None or not months or months < 0:
        return end, None
    months = min(int(months), MAX_EXTENSION_MONTHS)
    latest = add_months(end, months)
    if not in_range(latest):
        return end, f"end date plus {months} months of options is after {LAST_YEAR}; the latest end is taken as the end"
    return latest, None


_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "thousand": 1e3}


MAX_AMOUNT = 100e9  # £100bn: no one contract costs more; a larger figure is a slip (or 1e308)


def parse_money(value: object) -> Parsed:
    """GBP amount from a number or text like "£1,250,000", "approx £45k", "£1.2m pa"; finite, and
    at most ``MAX_AMOUNT`` (a larger one is unknown, with a warning naming it)."""
    if type(value) is str and len(value) <= CACHED_TEXT:
        if value.isdigit() and value.isascii() and (amount := float(value)) <= MAX_AMOUNT:
            return amount, None  # "12200": what the regexes would read, without them (most CSV amounts)
        return _text_money(value)
    return _uncached_money(value)


@lru_cache(maxsize=1 << 15)
def _text_money(text: str) -> Parsed:
    """Cached: the same amounts' text recurs on many rows ("£0", "£12,000"), each parse a few regexes."""
    return _uncached_money(text)


def _uncached_money(value: object) -> Parsed:
    amount, warning = _money(value)
    if amount is not None and amount > MAX_AMOUNT:
        shown = f"{amount:g}" if isinstance(value, (int, float)) else _shown(value)
        return None, f"amount {shown} is over £{MAX_AMOUNT / 1e9:,.0f}bn; taken as unknown"
    return amount, warning


def _money(value: object) -> Parsed:
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
    if re.fullmatch(r"\s*\d+(\.\d+)?e[+-]?\d{1,4}\s*", t):  # "1e308": a number as a program writes it
        n = float(t)
        return _money(n) if math.isfinite(n) else (None, f"{_shown(text)} is not an amount")
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
