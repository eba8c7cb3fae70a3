"""The URL query string as the single source of truth for every view.

Every view renders from a *state*: a plain dict of whitelisted keys, parsed from the query
string and validated here, so a link, a reload and back/forward all reproduce the same view,
and exports read the very same dict. The state is canonical: list values sorted and unique,
text trimmed, empty values absent; ``to_query`` writes keys in a fixed order. So
``parse_query(to_query(state)) == state`` and two URLs that mean the same view are equal
strings (the contracts grid uses that string as its identity).

Which keys a URL may carry is explicit: the shared filters of the URL contract (``FILTERS``),
plus the keys a view declares beside its logic (a ``View`` in ``dashboard/logic/<view>.py``).
Every function here takes the key set it works with (``FILTERS`` unless told); a view's
methods bind its own. Unknown keys are dropped; malformed values are dropped and reported by
``check_params``/``check_query`` so a page can say what it ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import islice
from urllib.parse import parse_qsl, quote, urlencode

from etl import reference

State = dict[str, object]
KeySet = Mapping[str, "Key"]
# A view's export: (cursor, state) -> (column headings, rows); see dashboard.exports.
TableFunction = Callable[..., tuple[list[str], Iterable[Sequence]]]

LIST_FILTERS: tuple[str, ...] = ("borough", "supplier", "system", "service_area")
FILTER_KEYS: tuple[str, ...] = (*LIST_FILTERS, "end_from", "end_to", "q", "source")  # what ``describe`` names
SOURCES: dict[str, str] = {"survey": "Survey", "open_data": "Open data"}
# ``scope``: technology contracts (the default, never written in a URL) or every contract loaded
SCOPES: dict[str, str] = {"it": "Technology contracts", "all": "All contracts"}
DEFAULT_SCOPE = "it"
MAX_TEXT = 200  # longest free text or filter value kept (a URL is not a place for essays)
# Bounds on what one request may make this module look at, so a forged URL or callback body with
# 100,000 values or a megabyte of text costs no more than a page's worth of parsing.
MAX_VALUES = 50  # values of one key (a list filter); more: the first MAX_VALUES, and a problem
MAX_PAIRS = 500  # key=value pairs read from one query string; the rest are ignored and reported
MAX_RAW = 4 * MAX_TEXT  # characters of one raw value read; a longer one is cut before parsing
# The dates a URL may ask for: contracts of the data's plausible years (the ETL keeps its own range
# for what it loads). A date outside cannot match a contract, and one near 9999 breaks date arithmetic.
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2100, 12, 31)


class Invalid(ValueError):
    """A query value that does not fit its key; the message says why, for people."""


# --------------------------------------------------------------------------- value parsers


def shown(value: object, limit: int = 40) -> str:
    """A value quoted for a problem message, shortened: a message must not repeat a megabyte."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def text(value: str) -> str:
    """Free text: white space folded, at most ``MAX_TEXT`` characters."""
    out = " ".join(value.split())
    if not out:
        raise Invalid("is empty")
    return out[:MAX_TEXT].rstrip()


def _borough(value: str) -> str:
    code = value.strip().upper()
    if code not in reference.borough_names():
        raise Invalid(f"{shown(value)} is not the ONS code of a London authority (E09000001 to E09000033)")
    return code


def iso_date(value: str) -> str:
    """A date from ``DATE_MIN`` to ``DATE_MAX``, as ISO text (the form every view's SQL binds)."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{shown(value)} is not a date (YYYY-MM-DD)") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise Invalid(f"{day.isoformat()} is not between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}")
    return day.isoformat()


def _source(value: str) -> str:
    key = value.strip().lower()
    if key not in SOURCES:
        raise Invalid(f"{shown(value)} is not one of {', '.join(SOURCES)}")
    return key


def _scope(value: str) -> str:
    key = value.strip().lower()
    if key not in SCOPES:
        raise Invalid(f"{shown(value)} is not one of {', '.join(SCOPES)}")
    return key


_SORT_ITEM = re.compile(r"-?[a-z][a-z0-9_]{0,39}")


def sort_spec(value: str) -> str:
    """``col`` or ``-col`` (descending), comma-separated; each view whitelists the columns."""
    items = [s.strip() for s in value.split(",") if s.strip()]
    if not items or not all(_SORT_ITEM.fullmatch(s) for s in items):
        raise Invalid(f"{shown(value)} is not a sort (column names, '-' for descending, commas between)")
    return ",".join(dict.fromkeys(items[:5]))


def integer(low: int, high: int) -> Callable[[str], int]:
    """A parser for whole numbers from ``low`` to ``high``, for views' keys such as ``page``."""

    def parse(value: str) -> int:
        try:
            n = int(value.strip())
        except ValueError:
            raise Invalid(f"{shown(value)} is not a whole number") from None
        if not low <= n <= high:
            raise Invalid(f"{n} is not between {low} and {high}")
        return n

    return parse


def choice(*allowed: str) -> Callable[[str], str]:
    """A parser for one of a few fixed words."""

    def parse(value: str) -> str:
        if value.strip() not in allowed:
            raise Invalid(f"{shown(value)} is not one of {', '.join(allowed)}")
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
    default: object = None  # the value that means "not set": left out of a state, so one view has one URL

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)


FILTERS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("borough", _borough, multiple=True, filter=True, label="Borough"),
        Key("supplier", text, multiple=True, filter=True, label="Supplier"),
        Key("system", text, multiple=True, filter=True, label="System"),
        Key("service_area", text, multiple=True, filter=True, label="Service area"),
        Key("end_from", iso_date, filter=True, label="Contract end from"),
        Key("end_to", iso_date, filter=True, label="Contract end to"),
        Key("q", text, filter=True, label="Text contains"),
        Key("source", _source, filter=True, label="Source"),
        Key("scope", _scope, filter=True, label="Scope", default=DEFAULT_SCOPE),
    )
}
SORT = Key("sort", sort_spec, label="Sort")  # more than one view sorts; each whitelists its columns


def keyset(own: Iterable[Key] = ()) -> dict[str, Key]:
    """The shared filters then a view's own keys, in URL order; a view may not redefine a filter."""
    out = dict(FILTERS)
    for key in own:
        if key.name in out:
            raise ValueError(f"URL key {key.name!r} is declared twice")
        out[key.name] = key
    return out


# --------------------------------------------------------------------------- parse and write


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(value: str) -> str:
    """A raw value fit to parse: at most ``MAX_RAW`` characters, no control characters, and no lone
    surrogates (a forged callback may send them; no URL, database or page can hold them)."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", value[:MAX_RAW]))


def _as_list(raw: object, key: Key) -> tuple[list[str], list[str]]:
    """The values given for ``key`` as strings, and what was wrong with the rest.

    A URL gives a string or a list of strings; a callback may be forged to give anything. Numbers
    are read as their text for keys that are not free text; anything else (a dict, a list in a
    list, a boolean) is ignored and reported. At most ``MAX_VALUES`` values are looked at.
    """
    if raw is None:
        return [], []
    items = list(islice(raw, MAX_VALUES + 1)) if isinstance(raw, list | tuple | set | frozenset) else [raw]
    problems = [f"{key.label}: more than {MAX_VALUES} values; only the first {MAX_VALUES} were read."]
    if len(items) <= MAX_VALUES:
        problems = []
    values = []
    for item in items[:MAX_VALUES]:
        if isinstance(item, str):
            values.append(_clean(item))
        elif isinstance(item, int | float) and not isinstance(item, bool) and key.parse is not text:
            values.append(str(item))
        elif item is not None:
            problems.append(f"{key.label}: a value of the wrong kind ({type(item).__name__}); ignored.")
    return values, problems


def _parsed(values: list[str], key: Key, problems: list[str]) -> list[object]:
    """Each value parsed by its key; a value that does not fit is reported, one sentence each."""
    out = []
    for value in values:
        if not value.strip():
            continue
        try:
            out.append(key.parse(value))
        except Invalid as e:
            problems.append(f"{key.label}: {e}; ignored.")
            continue
        if key.parse is text and len(" ".join(value.split())) > MAX_TEXT:
            problems.append(f"{key.label}: longer than {MAX_TEXT} characters; shortened.")
    return out


def check_params(params: Mapping[str, object], keys: KeySet = FILTERS) -> tuple[State, list[str]]:
    """Validate a mapping of query parameters (values a string or a list of strings).

    Returns the canonical state and a list of problems, one sentence each. Keys outside
    ``keys`` are dropped silently (other tools add their own, e.g. ``utm_source``); for a
    single-valued key given several times the last valid value wins. Values of the wrong type
    and values past the ``MAX_VALUES``/``MAX_RAW`` bounds are dropped or cut and reported.
    """
    st: State = {}
    problems: list[str] = []
    if not isinstance(params, Mapping):
        return st, [f"The view's settings were not readable ({type(params).__name__}); ignored."]
    for name, key in keys.items():
        values, wrong = _as_list(params.get(name), key)
        problems += wrong
        parsed = _parsed(values, key, problems)
        if not parsed or (not key.multiple and parsed[-1] == key.default):
            continue
        st[name] = sorted(set(parsed)) if key.multiple else parsed[-1]
    if "end_from" in st and "end_to" in st and st["end_from"] > st["end_to"]:
        problems.append("Contract end from is after contract end to, so no contract can match.")
    return st, problems


def from_params(params: Mapping[str, object], keys: KeySet = FILTERS) -> State:
    """The state of the keyword arguments Dash pages pass to ``layout(**query)``."""
    return check_params(params, keys)[0]


def _pairs(search: str) -> tuple[dict[str, list[str]], list[str]]:
    """The query string's values by key, from its first ``MAX_PAIRS`` pairs (and a problem if cut)."""
    pieces = search.lstrip("?").split("&", MAX_PAIRS)
    problems = []
    if len(pieces) > MAX_PAIRS:
        pieces = pieces[:MAX_PAIRS]
        problems.append(f"The link has more than {MAX_PAIRS} parts; only the first {MAX_PAIRS} were read.")
    out: dict[str, list[str]] = {}
    for k, v in parse_qsl("&".join(pieces), keep_blank_values=False):
        out.setdefault(k, []).append(v)
    return out, problems


def check_query(search: object, keys: KeySet = FILTERS) -> tuple[State, list[str]]:
    """``check_params`` of a query string (with or without its leading ``?``); anything that is not
    text (a forged callback's number or dict) is an empty query, reported."""
    if isinstance(search, bytes):
        search = search.decode("utf-8", errors="replace")
    if search is not None and not isinstance(search, str):
        return {}, [f"The link's query was not text ({type(search).__name__}); ignored."]
    pairs, problems = _pairs(search or "")
    st, more = check_params(pairs, keys)
    return st, problems + more


def parse_query(search: object, keys: KeySet = FILTERS) -> State:
    """The canonical state of a query string; invalid and unknown parts dropped."""
    return check_query(search, keys)[0]


def to_query(st: Mapping[str, object], keys: KeySet = FILTERS) -> str:
    """The canonical query string of a state, without ``?``: keys in declared order, lists sorted.

    Values are validated on the way out too, so a state built by hand cannot write a URL
    that would not parse back to itself.
    """
    canonical = from_params(st, keys)
    pairs: list[tuple[str, str]] = []
    for name in keys:
        if name not in canonical:
            continue
        value = canonical[name]
        pairs.extend((name, str(v)) for v in (value if isinstance(value, list) else [value]))
    return urlencode(pairs, quote_via=quote)


def to_search(st: Mapping[str, object], keys: KeySet = FILTERS) -> str:
    """``?`` + ``to_query``, or ``""`` when nothing is set (the form ``dcc.Location.search`` takes)."""
    query = to_query(st, keys)
    return f"?{query}" if query else ""


def filters_of(st: Mapping[str, object]) -> State:
    """Only the shared filter keys: what carries over when moving to another view."""
    return {k: v for k, v in st.items() if k in FILTERS}


def with_filters(search: str | None, filters: Mapping[str, object], keys: KeySet = FILTERS) -> str:
    """A new search string: ``filters`` replace the filter keys of ``search``; view keys stay.

    View keys declared ``keep_on_filter=False`` (a page number) are dropped, since the old
    value means nothing under new filters.
    """
    current = parse_query(search, keys)
    kept = {k: v for k, v in current.items() if not keys[k].filter and keys[k].keep_on_filter}
    return to_search({**kept, **filters_of(filters)}, keys)


def updated(search: str | None, keys: KeySet = FILTERS, **values: object) -> str:
    """``search`` with some keys set (``None`` removes a key): for a view's own controls."""
    st = parse_query(search, keys)
    for name, value in values.items():
        if value is None or value == [] or value == "":
            st.pop(name, None)
        else:
            st[name] = value
    return to_search(st, keys)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class View:
    """A view's URL: its feature name (the stem of its modules), path, own keys and exports.

    Declared once, beside the view's logic, and listed in ``dashboard.views``; the page, its
    exports and every link to it parse and write its state through these methods, so a page
    accepts its own keys and the shared filters and nothing else.
    """

    stem: str
    path: str
    keys: tuple[Key, ...] = ()
    exports: Mapping[str, TableFunction] = field(default_factory=dict)

    @cached_property
    def key_set(self) -> dict[str, Key]:
        return keyset(self.keys)

    def check(self, params: Mapping[str, object]) -> tuple[State, list[str]]:
        return check_params(params, self.key_set)

    def check_query(self, search: str | bytes | None) -> tuple[State, list[str]]:
        return check_query(search, self.key_set)

    def parse(self, search: str | bytes | None) -> State:
        return parse_query(search, self.key_set)

    def query(self, st: Mapping[str, object]) -> str:
        return to_query(st, self.key_set)

    def search(self, st: Mapping[str, object]) -> str:
        return to_search(st, self.key_set)

    def updated(self, search: str | None, **values: object) -> str:
        return updated(search, self.key_set, **values)

    def with_filters(self, search: str | None, filters: Mapping[str, object]) -> str:
        return with_filters(search, filters, self.key_set)

    def href(self, st: Mapping[str, object] | None = None, path: str | None = None) -> str:
        """A link to this view (or ``path``, for a view with a path template) with a state."""
        return (path or self.path) + self.search(st or {})


# --------------------------------------------------------------------------- for people


def describe(st: Mapping[str, object]) -> list[str]:
    """The filters of a state as short sentences ('Borough: Brent, Camden'), for exports and notices.

    Not the scope: every page, export and report says it on its own line (``describe_scope``).
    """
    names = reference.borough_names()
    out = []
    for name in FILTER_KEYS:
        value = st.get(name)
        if not value:
            continue
        key = FILTERS[name]
        if name == "borough":
            words = ", ".join(names.get(code, code) for code in value)
        elif name == "source":
            words = f"{SOURCES[value].lower()} records"
        elif isinstance(value, list):
            words = ", ".join(value)
        else:
            words = str(value)
        out.append(f"{key.label}: {words}")
    return out


def describe_scope(st: Mapping[str, object], counts: Mapping[str, int]) -> str:
    """The scope in a sentence, with how many contracts it hides (exports, reports, page notices).

    ``counts``: ``technology`` and ``other`` (not technology) contracts under the same filters, as
    ``dashboard.queries.scope_counts`` gives them.
    """
    other = counts.get("other") or 0
    things = "contract that is not technology" if other == 1 else "contracts that are not technology"
    if st.get("scope") == "all":
        return f"all contracts, technology or not ({other:,} of them {'is' if other == 1 else 'are'} not technology)"
    if not other:
        return "technology contracts only (no other contracts match these filters)"
    return f"technology contracts only; {other:,} {things} match these filters and are hidden (scope=all shows them)"
