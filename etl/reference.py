"""Shared reference data: London authorities, service areas, known systems and suppliers.

This is the one module both the ETL and the dashboard import (see DESIGN.md), so it has no
dependencies beyond the standard library and reads its tables from CSV files in
``etl/refdata/``: adding a spelling is a data edit, not a code change.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

REFDATA = Path(__file__).with_name("refdata")


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV as dicts, stripped."""
    with open(REFDATA / name, newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def split_aliases(text: str) -> list[str]:
    return [a.strip() for a in text.split("|") if a.strip()]


def norm_key(text: object) -> str:
    """Case, accent, punctuation and '&' insensitive key for matching names and headers."""
    if text is None:
        return ""
    s = str(text)
    return _short_key(s) if len(s) <= CACHED_KEY_TEXT else _key(s)


CACHED_KEY_TEXT = 200  # characters: names and headers recur on every row that gives them; long texts are not kept


@lru_cache(maxsize=1 << 16)
def _short_key(s: str) -> str:
    """Cached ``_key``: a build asks for the key of the same buyer, supplier or title many times."""
    return _key(s)


def _key(s: str) -> str:
    s = html.unescape(s)
    if not s.isascii():  # ASCII has no accents to strip (the per-character pass is most of the cost)
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return " ".join(_NOT_KEY.sub(" ", s).split())


_NOT_KEY = re.compile(r"[^0-9a-z]+")


# --------------------------------------------------------------------------- calendar rules


DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """calendar.monthrange's day count without its weekday: the dashboard shifts thousands of
    dates per request (windows, lead times)."""
    return 29 if month == 2 and calendar.isleap(year) else DAYS_IN_MONTH[month - 1]


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, days_in_month(year, month))


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later or earlier; a month end stays a month end (28 Feb + 12 = 29 Feb 2028).

    Shared by the ETL (extension options -> latest end date) and the dashboard (windows, lead
    times), so both count months the same way.
    """
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = days_in_month(year, month)
    if day.day == days_in_month(day.year, day.month):
        return dt.date(year, month, last)
    return dt.date(year, month, min(day.day, last))


# --------------------------------------------------------------------------- boroughs


@dataclass(frozen=True)
class Borough:
    code: str
    name: str
    short_name: str
    royal: bool
    aliases: tuple[str, ...]


@cache
def boroughs() -> tuple[Borough, ...]:
    """The 33 London authorities (32 boroughs and the City of London), in ONS code order."""
    return tuple(
        Borough(r["code"], r["name"], r["short_name"], r["royal"] == "1", tuple(split_aliases(r["aliases"])))
        for r in read_table("boroughs.csv")
    )


@cache
def borough_names() -> Mapping[str, str]:
    """ONS code -> usual name, built once: read-only, since every caller shares it (the ETL asks
    for it per record, the dashboard several times per request)."""
    return MappingProxyType({b.code: b.name for b in boroughs()})


def _borough_spellings(b: Borough) -> set[str]:
    """Every official way a council's name is written: 'London Borough of X Council', 'LB X'..."""
    names = {b.name, b.short_name, *b.aliases}
    if b.code == "E09000001":
        return names
    forms = set(names)
    kind = "Royal Borough" if b.royal else "London Borough"
    for n in names:
        if n.replace("&", "").isupper() or n.endswith("Council") or n.startswith(("City of", "Royal")):
            continue  # abbreviations (RBKC, H&F) and already-full names do not take prefixes
        forms |= {
            f"{kind} of {n}",
            f"{kind} of {n} Council",
            f"{n} London Borough Council",
            f"{n} Borough Council",
            f"{n} Council",
            f"Council of the {kind} of {n}",
            f"LB {n}",
            f"LB of {n}",
            f"The {kind} of {n}",
            f"{kind} {n}",
        }
        if b.royal:
            forms |= {
                f"London Borough of {n}",
                f"London Borough of {n} Council",
                f"RB {n}",
                f"Royal Borough of {n} Council",
            }
    return forms


@cache
def _borough_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for b in boroughs():
        for form in _borough_spellings(b):
            key = norm_key(form)
            if index.get(key, b.code) != b.code:
                raise ValueError(f"borough spelling {form!r} is ambiguous")
            index[key] = b.code
    return index


def borough_code(name: object) -> str | None:
    """ONS code for a whole name that is a London authority's, else None.

    Exact match on the normalised name only: "City of Westminster College" or "Transport for
    London" never match, because a wrong borough is worse than none.
    """
    key = norm_key(name)
    if key.startswith("the "):
        key = key[4:]
    return _borough_index().get(key)


@cache
def _borough_text_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Word-bounded patterns for names inside free text, longest first."""
    keys = {}
    for b in boroughs():
        for form in (b.name, b.short_name, *b.aliases):
            k = norm_key(form)
            if len(k) >= 4:
                keys[k] = b.code
    ordered = sorted(keys.items(), key=lambda kv: -len(kv[0]))
    return [(re.compile(rf"(?<![0-9a-z]){re.escape(k)}(?![0-9a-z])"), code) for k, code in ordered]


def find_borough_in_text(text: object) -> str | None:
    """The one authority named inside a title or file name, or None if none or several are."""
    key = norm_key(str(text or "").replace("_", " "))
    found: set[str] = set()
    for pattern, code in _borough_text_patterns():
        if pattern.search(key):
            found.add(code)
            key = pattern.sub(" ", key)
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------- service areas


@dataclass(frozen=True)
class ServiceArea:
    name: str
    group: str  # Frontline or Corporate
    synonyms: tuple[str, ...]


@cache
def service_areas() -> tuple[ServiceArea, ...]:
    return tuple(
        ServiceArea(r["service_area"], r["group"], tuple(split_aliases(r["synonyms"])))
        for r in read_table("service_areas.csv")
    )


@cache
def _service_index() -> dict[str, str]:
    index = {}
    for sa in service_areas():
        for form in (sa.name, *sa.synonyms):
            index[norm_key(form)] = sa.name
    return index


def service_area(name: object) -> str | None:
    """Canonical service area for a name or synonym ('Revs & Bens' -> 'Revenues and Benefits')."""
    return _service_index().get(norm_key(name))


def service_group(name: str | None) -> str | None:
    return next((sa.group for sa in service_areas() if sa.name == name), None)


# --------------------------------------------------------------------------- systems and suppliers


@dataclass(frozen=True)
class System:
    name: str
    manufacturer: str
    supplier: str
    service_area: str
    aliases: tuple[str, ...]


@cache
def systems() -> tuple[System, ...]:
    return tuple(
        System(r["system"], r["manufacturer"], r["supplier"], r["service_area"], tuple(split_aliases(r["aliases"])))
        for r in read_table("systems.csv")
    )


@cache
def _system_index() -> dict[str, System]:
    index: dict[str, System] = {}
    for s in systems():
        for form in (s.name, *s.aliases):
            index[norm_key(form)] = s
    return index


def known_system(name: object) -> System | None:
    """The reference system a product name refers to, if it is a known one."""
    return _system_index().get(norm_key(name))


@dataclass(frozen=True)
class Supplier:
    name: str
    company_number: str
    aliases: tuple[str, ...]


@cache
def suppliers() -> tuple[Supplier, ...]:
    return tuple(
        Supplier(r["supplier"], r["company_number"], tuple(split_aliases(r["aliases"])))
        for r in read_table("suppliers.csv")
    )
