"""The URL query string as the single source of truth for every view.

Every view renders from a *state*: a plain dict of whitelisted keys, parsed from the query
string and validated here, so a link, a reload and back/forward all reproduce the same view,
and exports read the very same dict. The state is canonical: list values sorted and unique,
text trimmed, empty values absent; ``to_query`` writes keys in a fixed order. So
``parse_query(to_query(state)) == state`` and two URLs that mean the same view are equal
strings (the contracts grid uses that string as its identity).

Keys: the filters of the URL contract (``FILTER_KEYS``), then keys that views declare with
``declare`` (``sort`` is declared here, since more than one view sorts). Unknown keys are
dropped; malformed values are dropped and reported by ``check_params``/``check_query`` so a
page can say what it ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from urllib.parse import parse_qsl, quote, urlencode

from etl import reference

State = dict[str, object]

LIST_FILTERS: tuple[str, ...] = ("borough", "supplier", "system", "service_area")
FILTER_KEYS: tuple[str, ...] = (*LIST_FILTERS, "end_from", "end_to", "q", "source")
SOURCES: dict[str, str] = {"survey": "Survey", "open_data": "Open data"}
MAX_TEXT = 200  # longest free text or filter value kept (a URL is not a place for essays)


class Invalid(ValueError):
    """A query value that does not fit its key; the message says why, for people."""


# --------------------------------------------------------------------------- value parsers


def _text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise Invalid("is empty")
    return text[:MAX_TEXT]


def _borough(value: str) -> str:
    code = value.strip().upper()
    if code not in reference.borough_names():
        raise Invalid(f"{value!r} is not the ONS code of a London authority (E09000001 to E09000033)")
    return code


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _source(value: str) -> str:
    key = value.strip().lower()
    if key not in SOURCES:
        raise Invalid(f"{value!r} is not one of {', '.join(SOURCES)}")
    return key


_SORT_ITEM = re.compile(r"-?[a-z][a-z0-9_]{0,39}")


def sort_spec(value: str) -> str:
    """``col`` or ``-col`` (descending), comma-separated; each view whitelists the columns."""
    items = [s.strip() for s in value.split(",") if s.strip()]
    if not items or not all(_SORT_ITEM.fullmatch(s) for s in items):
        raise Invalid(f"{value!r} is not a sort (column names, '-' for descending, commas between)")
    return ",".join(dict.fromkeys(items[:5]))


@cache  # the same arguments give the same parser, so two views can declare one key alike
def integer(low: int, high: int) -> Callable[[str], int]:
    """A parser for whole numbers from ``low`` to ``high``, for views' keys such as ``page``."""

    def parse(value: str) -> int:
        try:
            n = int(value.strip())
        except ValueError:
            raise Invalid(f"{value!r} is not a whole number") from None
        if not low <= n <= high:
            raise Invalid(f"{n} is not between {low} and {high}")
        return n

    return parse


@cache
def choice(*allowed: str) -> Callable[[str], str]:
    """A parser for one of a few fixed words."""

    def parse(value: str) -> str:
        if value.strip() not in allowed:
            raise Invalid(f"{value!r} is not one of {', '.join(allowed)}")
        return value.strip()

    return parse


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[str], object]
    multiple: bool = False  # repeatable: the state holds a sorted list
    filter: bool = False  # one of the shared filters of the filter bar
    keep_on_filter: bool = True  # False: dropped when a filter changes (e.g. a page number)
    label: str = ""


KEYS: dict[str, Key] = {}


def _same_parser(a: Callable, b: Callable) -> bool:
    """Whether two parsers mean the same: one function, or the same code with the same bound values.

    Dash re-imports page modules for every app it creates, so a page declaring its keys at
    import declares them again with fresh function objects of the same code.
    """
    if a is b:
        return True
    names = ("__module__", "__qualname__")
    if any(getattr(a, n, None) != getattr(b, n, None) for n in names):
        return False
    cells = [[c.cell_contents for c in (getattr(f, "__closure__", None) or ())] for f in (a, b)]
    return cells[0] == cells[1]


def declare(
    name: str,
    parse: Callable[[str], object],
    *,
    multiple: bool = False,
    keep_on_filter: bool = True,
    label: str = "",
) -> Key:
    """Whitelist a view-specific URL key. Call at import of the page module.

    Declaring the same key twice is fine when it means the same (same parser and flags):
    two views may share ``sort`` or ``page``, and Dash re-imports pages for each app. A
    different meaning under one name raises, and so does a view redefining a shared filter.
    """
    key = Key(name, parse, multiple=multiple, keep_on_filter=keep_on_filter, label=label or name)
    old = KEYS.get(name)
    if old is not None and (
        old.filter
        or not _same_parser(old.parse, parse)
        or (old.multiple, old.keep_on_filter) != (multiple, keep_on_filter)
    ):
        raise ValueError(f"URL key {name!r} is already declared with another meaning")
    KEYS[name] = key
    return key


for _name, _parse, _label in (
    ("borough", _borough, "Borough"),
    ("supplier", _text, "Supplier"),
    ("system", _text, "System"),
    ("service_area", _text, "Service area"),
):
    KEYS[_name] = Key(_name, _parse, multiple=True, filter=True, label=_label)
KEYS["end_from"] = Key("end_from", _iso_date, filter=True, label="Contract end from")
KEYS["end_to"] = Key("end_to", _iso_date, filter=True, label="Contract end to")
KEYS["q"] = Key("q", _text, filter=True, label="Text contains")
KEYS["source"] = Key("source", _source, filter=True, label="Source")
declare("sort", sort_spec, label="Sort")


# --------------------------------------------------------------------------- parse and write


def _as_list(raw: object) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str | int | float):
        return [str(raw)]
    if isinstance(raw, Iterable):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def check_params(params: Mapping[str, object]) -> tuple[State, list[str]]:
    """Validate a mapping of query parameters (values a string or a list of strings).

    Returns the canonical state and a list of problems, one sentence each. Unknown keys are
    dropped silently (other tools add their own, e.g. ``utm_source``); for a single-valued
    key given several times the last valid value wins.
    """
    state: State = {}
    problems: list[str] = []
    for name, key in KEYS.items():
        values = [v for v in _as_list(params.get(name)) if v.strip()]
        parsed = []
        for value in values:
            try:
                parsed.append(key.parse(value))
            except Invalid as e:
                problems.append(f"{key.label}: {e}; ignored.")
        if not parsed:
            continue
        state[name] = sorted(set(parsed)) if key.multiple else parsed[-1]
    if "end_from" in state and "end_to" in state and state["end_from"] > state["end_to"]:
        problems.append("Contract end from is after contract end to, so no contract can match.")
    return state, problems


def from_params(params: Mapping[str, object]) -> State:
    """The state of the keyword arguments Dash pages pass to ``layout(**query)``."""
    return check_params(params)[0]


def _pairs(search: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=False):
        out.setdefault(k, []).append(v)
    return out


def check_query(search: str | bytes | None) -> tuple[State, list[str]]:
    """``check_params`` of a query string (with or without its leading ``?``)."""
    if isinstance(search, bytes):
        search = search.decode("utf-8", errors="replace")
    return check_params(_pairs(search or ""))


def parse_query(search: str | bytes | None) -> State:
    """The canonical state of a query string; invalid and unknown parts dropped."""
    return check_query(search)[0]


def to_query(state: Mapping[str, object]) -> str:
    """The canonical query string of a state, without ``?``: keys in declared order, lists sorted.

    Values are validated on the way out too, so a state built by hand cannot write a URL
    that would not parse back to itself.
    """
    canonical = from_params(state)
    pairs: list[tuple[str, str]] = []
    for name in KEYS:
        if name not in canonical:
            continue
        value = canonical[name]
        pairs.extend((name, str(v)) for v in (value if isinstance(value, list) else [value]))
    return urlencode(pairs, quote_via=quote)


def to_search(state: Mapping[str, object]) -> str:
    """``?`` + ``to_query``, or ``""`` when nothing is set (the form ``dcc.Location.search`` takes)."""
    query = to_query(state)
    return f"?{query}" if query else ""


def filters_of(state: Mapping[str, object]) -> State:
    """Only the shared filter keys: what carries over when moving to another view."""
    return {k: v for k, v in state.items() if k in KEYS and KEYS[k].filter}


def with_filters(search: str | None, filters: Mapping[str, object]) -> str:
    """A new search string: ``filters`` replace the filter keys of ``search``; view keys stay.

    View keys declared ``keep_on_filter=False`` (a page number) are dropped, since the old
    value means nothing under new filters.
    """
    current = parse_query(search)
    kept = {k: v for k, v in current.items() if not KEYS[k].filter and KEYS[k].keep_on_filter}
    return to_search({**kept, **filters_of(filters)})


def updated(search: str | None, **values: object) -> str:
    """``search`` with some keys set (``None`` removes a key): for a view's own controls."""
    state = parse_query(search)
    for name, value in values.items():
        if value is None or value == [] or value == "":
            state.pop(name, None)
        else:
            state[name] = value
    return to_search(state)


# --------------------------------------------------------------------------- for people


def describe(state: Mapping[str, object]) -> list[str]:
    """The filters of a state as short sentences ('Borough: Brent, Camden'), for exports and notices."""
    names = reference.borough_names()
    out = []
    for name in FILTER_KEYS:
        value = state.get(name)
        if not value:
            continue
        key = KEYS[name]
        if name == "borough":
            text = ", ".join(names.get(code, code) for code in value)
        elif name == "source":
            text = f"{SOURCES[value].lower()} records"
        elif isinstance(value, list):
            text = ", ".join(value)
        else:
            text = str(value)
        out.append(f"{key.label}: {text}")
    return out
