"""Joint procurement windows: boroughs whose contracts for the same thing end together.

A window is a set of at least ``min_boroughs`` boroughs whose contracts in one group (a service
area, system, supplier or manufacturer) end within ``window_months`` of each other (``rule``
says it in words, from the parameters in force). The search slides over the contracts sorted
by end date; every qualifying stretch is a candidate, and candidates that overlap are merged
into one window (up to twice ``window_months`` long), so a run of contracts ending month after
month is one opportunity, not many. A borough with two contracts in a window counts once.

Contracts with no known end date cannot be placed; they are returned beside the windows of
their group ("may also be in scope"), never dropped. With ``extensions="max"`` the latest
possible end dates are used; ``extension_effect`` compares both to show which contracts only
line up if their extensions are taken.

The views search in DuckDB (``found``: one statement, kept per build, reader and search, so the
Windows page, its options and the timeline share it): only a summary of each window and what
the cards on screen draw (``Shown``) leave the database. The same algorithm is kept here as plain
functions over plain rows (``find_windows``): the report's few windows use it, and the tests
check that both give exactly the same windows. The windows view is here too without its page:
its URL keys (which the timeline and my-borough views share), the model of the page, what each window's card says,
and its two exports (``windows``: one row per window; ``window_contracts``: one row per
contract in them), which read the same model, so a download holds exactly what the page lists.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import duckdb

from dashboard import cache, state, status
from dashboard import format as fmt
from dashboard.queries import windows as wq
from dashboard.queries.windows import Contract  # the algorithm's row type, named here for its callers
from etl import reference
from etl.reference import add_months

# --------------------------------------------------------------------------- the rule's parameters

GROUP_BY = tuple(wq.GROUP_COLUMNS)
DEFAULTS = {"group_by": "service_area", "min_boroughs": 3, "window_months": 6, "lead_months": 18, "extensions": "base"}
LIMITS: dict[str, tuple[int, int]] = {"min_boroughs": (2, 33), "window_months": (1, 36), "lead_months": (0, 60)}
GROUP_LABELS: dict[str, str] = {
    "service_area": "Service area",
    "system": "System",
    "supplier": "Supplier",
    "manufacturer": "Manufacturer",
}
EXTENSION_LABELS = {"base": "Contract end dates", "max": "Latest end dates, with extensions"}
RANK_LABELS = {"boroughs": "Most boroughs", "value": "Highest annual value", "soonest": "Soonest procurement start"}
EXTENSIONS = tuple(EXTENSION_LABELS)
RANKS = tuple(RANK_LABELS)
PARAM_DEFAULTS: dict[str, object] = {**DEFAULTS, "rank": "boroughs"}
PARAM_NAMES: tuple[str, ...] = tuple(PARAM_DEFAULTS)  # the order of the windows page's controls
CHOICES: dict[str, tuple[str, ...]] = {"group_by": GROUP_BY, "extensions": EXTENSIONS, "rank": RANKS}
LABELS: dict[str, str] = {
    "group_by": "Group windows by",
    "min_boroughs": "Minimum boroughs",
    "window_months": "Window length (months)",
    "lead_months": "Procurement lead time (months)",
    "extensions": "End dates",
    "rank": "Order windows by",
    "manufacturer": "Manufacturer",
}


def rule(p: Mapping[str, object] = DEFAULTS) -> str:
    """The windows rule in words for parameters ``p`` (the defaults unless told), for every text that explains it."""
    ends = EXTENSION_LABELS[str(p["extensions"])].lower()
    return (
        f"at least {p['min_boroughs']} boroughs whose contracts for the same "
        f"{GROUP_LABELS[str(p['group_by'])].lower()} end within {p['window_months']} months of each other "
        f"(by {ends})"
    )


# Contract end dates are mostly month ends, so the same few dates are shifted again and again.
_shift = lru_cache(maxsize=8192)(add_months)


# --------------------------------------------------------------------------- the algorithm


@dataclass
class Window:
    group: str
    start: date  # the earliest end date in the window
    end: date  # the latest end date in the window
    contracts: list[Contract]
    procurement_start: date
    unknown_end: list[Contract] = field(default_factory=list)  # same group, end date not known

    @property
    def boroughs(self) -> list[str]:
        return sorted({c.borough_code for c in self.contracts})

    @property
    def suppliers(self) -> list[str]:
        return sorted({c.supplier for c in self.contracts if c.supplier})

    @property
    def systems(self) -> list[str]:
        return sorted({c.system for c in self.contracts if c.system})

    @property
    def annual_value(self) -> float:
        return sum(c.annual_value or 0.0 for c in self.contracts)

    @property
    def key(self) -> str:
        """Stable id for links: group and first end date."""
        return f"{self.group}|{self.start.isoformat()}"

    @property
    def base_range(self) -> tuple[date, date]:
        """First and last contract end date (without extensions) of its contracts.

        The shared ``end_from``/``end_to`` filters work on contract end dates; with extensions the
        window's own dates are later ones, so links use this range to select the same contracts.
        """
        ends = [c.base_end or c.end for c in self.contracts]
        return min(ends), max(ends)


def candidate_spans(contracts: list[Contract], min_boroughs: int, window_months: int) -> list[tuple[int, int]]:
    """(first, last) index ranges of sorted contracts that hold ``min_boroughs`` boroughs within the span.

    Two pointers over the sorted contracts with a running count per borough, so the search
    stays linear on dense data (hundreds of contracts per window), not quadratic.
    """
    spans = []
    counts: Counter[str] = Counter()
    j = -1  # the last contract counted; the span is contracts[i : j + 1]
    for i, first in enumerate(contracts):
        if j < i:
            j = i
            counts[first.borough_code] += 1
        limit = _shift(first.end, window_months)
        while j + 1 < len(contracts) and contracts[j + 1].end <= limit:
            j += 1
            counts[contracts[j].borough_code] += 1
        if len(counts) >= min_boroughs:
            spans.append((i, j))
        counts[first.borough_code] -= 1
        if not counts[first.borough_code]:
            del counts[first.borough_code]
    return spans


def merge_spans(
    contracts: list[Contract], spans: list[tuple[int, int]], min_boroughs: int, window_months: int
) -> list[tuple[int, int]]:
    """Join overlapping spans into one window, as long as it lasts at most twice ``window_months``.

    Without the cap, dense data (every borough has a contract in every service area) chains
    windows into years-long runs that are no longer one procurement opportunity. A span that
    would stretch a window past the cap starts a new window with the contracts not yet taken,
    if they still hold enough boroughs; no contract is in two windows.
    """
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            first = merged[-1][0]
            if contracts[stop].end <= _shift(contracts[first].end, 2 * window_months):
                merged[-1] = (first, max(merged[-1][1], stop))
                continue
            start = merged[-1][1] + 1
            if start > stop or len({c.borough_code for c in contracts[start : stop + 1]}) < min_boroughs:
                continue
        merged.append((start, stop))
    return merged


def find_windows(
    contracts: list[Contract],
    min_boroughs: int = DEFAULTS["min_boroughs"],
    window_months: int = DEFAULTS["window_months"],
    lead_months: int = DEFAULTS["lead_months"],
) -> tuple[list[Window], dict[str, list[Contract]]]:
    """Windows per group, and per group the contracts whose end date is unknown."""
    if min_boroughs < 1 or window_months < 0:
        raise ValueError("min_boroughs must be at least 1 and window_months not negative")
    by_group: dict[str, list[Contract]] = defaultdict(list)
    unknown: dict[str, list[Contract]] = defaultdict(list)
    for c in contracts:
        (by_group if c.end else unknown)[c.group].append(c)
    windows = []
    for group, items in sorted(by_group.items()):
        items.sort(key=lambda c: (c.end, c.borough_code, c.contract_id))
        spans = candidate_spans(items, min_boroughs, window_months)
        for first, last in merge_spans(items, spans, min_boroughs, window_months):
            chosen = items[first : last + 1]
            windows.append(
                Window(
                    group=group,
                    start=chosen[0].end,
                    end=chosen[-1].end,
                    contracts=chosen,
                    procurement_start=add_months(chosen[0].end, -lead_months),
                    unknown_end=unknown.get(group, []),
                )
            )
    return windows, dict(unknown)


RANKINGS = {
    "boroughs": lambda w: (-len(w.boroughs), -w.annual_value, w.procurement_start),
    "value": lambda w: (-w.annual_value, -len(w.boroughs), w.procurement_start),
    "soonest": lambda w: (w.procurement_start, -len(w.boroughs), -w.annual_value),
}


def rank_windows(windows: Sequence, by: str = "boroughs") -> list:
    """Windows (``Window`` or ``Listed``) in order of most boroughs, most value or soonest procurement
    start (ties: group name)."""
    key = RANKINGS.get(by, RANKINGS["boroughs"])
    return sorted(windows, key=lambda w: (*key(w), w.group, w.start))


def extension_effect(base: list[Window], extended: list[Window]) -> dict[str, set[str]]:
    """Per group, the contracts in a window only when extensions are taken (ids)."""
    in_base = {(w.group, c.contract_id) for w in base for c in w.contracts}
    effect: dict[str, set[str]] = defaultdict(set)
    for w in extended:
        for c in w.contracts:
            if (w.group, c.contract_id) not in in_base:
                effect[w.group].add(c.contract_id)
    return dict(effect)


def moved_by_extensions(window: Window, effect: dict[str, set[str]]) -> list[Contract]:
    """The window's contracts that are in it only because their extension options are taken.

    ``extension_effect`` also names contracts without extensions when the whole window exists
    only with extensions; a reader needs to know whose extensions matter, so those are left out.
    """
    ids = effect.get(window.group, set())
    return [
        c
        for c in window.contracts
        if c.contract_id in ids and c.base_end is not None and c.max_end is not None and c.max_end > c.base_end
    ]


def contract_status(c: Contract, today: date, lead_months: int = DEFAULTS["lead_months"]) -> str:
    """Where one contract of a window stands today (``dashboard.status``, the one rule)."""
    return status.status(c.base_end if c.base_end is not None else c.end, c.max_end, today, lead_months=lead_months)


def window_status(w: Window, today: date, lead_months: int = DEFAULTS["lead_months"]) -> str:
    """A window's status: ``ended`` when every contract in it has ended (no longer an opportunity),
    ``overdue`` when its procurement start has passed, else as ``dashboard.status`` puts its first end."""
    ended = all(contract_status(c, today, lead_months) == "ended" for c in w.contracts)
    return status_of(ended, w.start, w.procurement_start, today, lead_months)


def status_of(ended: bool, start: date, procurement_start: date, today: date, lead_months: int) -> str:
    """``window_status`` from what the SQL search says of a window (``ended``: all its contracts have)."""
    if ended:
        return "ended"
    if procurement_start < today:
        return "overdue"
    return status.status(start, None, today, lead_months=lead_months)


# --------------------------------------------------------------------------- URL parameters


def _last(raw: object) -> object:
    """A URL value may repeat (a list); the last one wins, as for the other single-valued keys."""
    if isinstance(raw, list | tuple):
        return raw[-1] if raw else None
    return raw


def _checked(name: str, raw: object) -> object:
    """``raw`` as parameter ``name`` if it is one of its choices or within its limits, else its default."""
    if name in CHOICES:
        return raw.strip() if isinstance(raw, str) and raw.strip() in CHOICES[name] else PARAM_DEFAULTS[name]
    if raw is None or isinstance(raw, bool):
        return PARAM_DEFAULTS[name]
    try:
        n = int(str(raw).strip())
    except ValueError:
        return PARAM_DEFAULTS[name]
    low, high = LIMITS[name]
    return n if low <= n <= high else PARAM_DEFAULTS[name]


def window_params(query: Mapping[str, object] | None) -> dict:
    """The window parameters of a URL state or raw query: each valid value, else its default.

    Pages validate the URL through ``dashboard.state`` first (which also reports what it
    ignored); this is the last guard, so a value that is not whitelisted never reaches SQL or
    the algorithm, whoever calls.
    """
    query = query or {}
    return {name: _checked(name, _last(query.get(name))) for name in PARAM_NAMES}


def non_default(params: Mapping[str, object]) -> dict:
    """Only the parameters that differ from their defaults: links stay short and canonical."""
    return {k: v for k, v in params.items() if k in PARAM_DEFAULTS and v != PARAM_DEFAULTS[k]}


def controls_search(view: state.View, search: str | None, values: Mapping[str, object], **others: object) -> str | None:
    """The URL of ``view`` after window-parameter controls changed, or None if it already says that.

    Each value is checked like a URL's; a default or an invalid value removes its key, so the
    URL stays short and one view has one URL. ``others`` set further keys (None removes one).
    """
    changes: dict[str, object] = {}
    for name, value in values.items():
        checked = window_params({name: value})[name]
        changes[name] = None if checked == PARAM_DEFAULTS[name] else checked
    new = view.updated(search, **changes, **others)
    return None if new == view.search(view.parse(search)) else new


def search_for_controls(search: str | None, values: Sequence) -> str | None:
    """The windows URL after a parameter control changed (values in ``PARAM_NAMES`` order), or None."""
    return controls_search(VIEW, search, dict(zip(PARAM_NAMES, values, strict=True)))


def search_for_options(search: str | None, values: Sequence, show_ended: object = False, move: int = 0) -> str | None:
    """The windows URL after an in-page option changed, or None when the URL already says it.

    ``values``: the parameters in ``PARAM_NAMES`` order; ``show_ended``: the "show ended
    windows" switch; ``move``: -1 or +1 for the pager's buttons. A changed parameter or switch
    goes back to the first page (the old page number means nothing in a new list).
    """
    if move:
        current = VIEW.parse(search).get("page", 1)
        new = VIEW.updated(search, page=max(1, current + move))
        return None if new == VIEW.search(VIEW.parse(search)) else new
    ended = ENDED_SHOW if show_ended is True or show_ended == [ENDED_SHOW] else None
    new = controls_search(VIEW, search, dict(zip(PARAM_NAMES, values, strict=True)), ended=ended)
    return None if new is None else VIEW.updated(new, page=None)


def _keys() -> tuple[state.Key, ...]:
    """The window keys of the URL: the windows, timeline and my-borough views read them.

    The group's own key is the grouping's name: ``service_area``, ``system`` and ``supplier``
    are shared filters already, ``manufacturer`` is a window key.
    """
    limits = (state.Key(name, state.integer(low, high), label=LABELS[name]) for name, (low, high) in LIMITS.items())
    choices = (state.Key(name, state.choice(*allowed), label=LABELS[name]) for name, allowed in CHOICES.items())
    return (*limits, *choices, state.Key("manufacturer", state.text, multiple=True, label=LABELS["manufacturer"]))


WINDOW_KEYS = _keys()
ENDED_SHOW = "show"
# The windows page's own keys (not the other window views'): ended windows on request, and the page.
ENDED_KEY = state.Key("ended", state.choice(ENDED_SHOW), label="Ended windows")
PAGE_KEY = state.Key("page", state.integer(1, 1000), keep_on_filter=False, label="Page", default=1)


def link_state(st: Mapping[str, object]) -> dict:
    """What links between the window views keep: the filters, the manufacturer key and the
    window parameters that differ from their defaults."""
    out = state.filters_of(st)
    if st.get("manufacturer"):
        out["manufacturer"] = st["manufacturer"]
    out.update(non_default(window_params(st)))
    return out


def window_state(st: Mapping[str, object], w: Window) -> dict:
    """The state of one window's own views: the filters, its group and its contracts' end dates.

    ``end_from``/``end_to`` are the contracts' own end dates (without extensions), since that
    is what the shared filter selects on; the window parameters go along, so the timeline
    finds the same window.
    """
    low, high = w.base_range
    out = {**link_state(st), "end_from": low.isoformat(), "end_to": high.isoformat()}
    out[window_params(st)["group_by"]] = [w.group]
    return out


# --------------------------------------------------------------------------- the page's model

MAX_WINDOWS = 50  # windows listed at most (and exported): beyond that, the list is no longer a shortlist
PAGE_SIZE = 5  # windows per page: a page of cards stays a few screens long, on a phone too
OPEN_DETAILS = 0  # windows whose contracts show without a click: none, a card is a summary with ways in
MAX_NAMED = 3  # suppliers and systems a card names; the rest are counted (its contracts list them all)
MAX_CONTRACT_ROWS = 40  # per window on screen (more than the 33 authorities); the export has them all
MAX_UNKNOWN_NAMED = 20  # contracts with no end date named per window; the rest counted
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Listed:
    """One window as the SQL search summarises it (no contracts): enough to count, rank, page and
    shade the list; the windows on screen are loaded in full (``Window``). Immutable, since the
    search's result is shared by every request that asks for the same search (``found``)."""

    group: str
    start: date
    end: date
    procurement_start: date
    boroughs: tuple[str, ...]
    contract_count: int
    annual_value: float
    ended: bool  # every contract in it has ended (its end and latest end with extensions both past)
    base_range: tuple[date, date]  # first and last contract end date of its contracts, without extensions
    systems: tuple[str, ...] = ()  # only for a manufacturer's windows (the click filters by them)

    @property
    def key(self) -> str:
        return f"{self.group}|{self.start.isoformat()}"


def search_spec(st: Mapping[str, object], p: Mapping[str, object], extensions: str | None = None) -> wq.Search:
    """The search a URL state asks for with parameters ``p`` (the end dates ``extensions`` if told)."""
    return wq.Search(
        str(p["group_by"]), extensions or str(p["extensions"]), int(p["min_boroughs"]), int(p["window_months"]),
        st, st.get("manufacturer"),  # type: ignore[arg-type]
    )  # fmt: skip


def listed_of(rows: Sequence[tuple], lead_months: int, today: date) -> tuple[Listed, ...]:
    """The search's rows (``queries.windows.FOUND_COLUMNS``) as windows, for a lead time and a day."""
    codes = wq.borough_codes()
    return tuple(
        Listed(group, start, end, _shift(start, -lead_months), tuple(c for i, c in enumerate(codes) if mask >> i & 1),
               int(n), value, last_end < today, (low, high), tuple(sorted(systems or ())))
        for group, start, end, mask, n, value, last_end, low, high, systems in rows
    )  # fmt: skip


MAX_SEARCHES = 32  # searches kept (a few hundred small windows each); the oldest used goes first


def found(cur: duckdb.DuckDBPyConnection, spec: wq.Search, lead_months: int, today: date) -> tuple[Listed, ...]:
    """Every window of a search, by group then first end date, computed once per build, reader and search.

    The Windows page, its options, the timeline and the report ask for the same search for the same
    URL. The key is the cursor's build and reader (``dashboard.cache``: a new build, or a member's
    cursor, never meets a result of another) and the search's own statement and parameters, so the
    URL's other keys (ranking, page) share it; a cursor no build was bound to is not cached.
    """
    sql, params = wq.search_sql(spec)
    return _found(cur, sql, params, lead_months, today)


@cache.per_build(max_entries=MAX_SEARCHES, copy=False)  # immutable windows: shared, not copied
def _found(cur: duckdb.DuckDBPyConnection, sql: str, params: list, lead_months: int, today: date) -> tuple:
    return listed_of(wq.searched(cur, sql, params), lead_months, today)


def loaded(
    cur: duckdb.DuckDBPyConnection, spec: wq.Search, chosen: Sequence[Listed]
) -> tuple[list[Window], dict[str, list[Contract]]]:
    """The windows ``chosen`` with their contracts (``Window``), in the same order, each with its group's
    contracts with no end date; and those per group."""
    groups = sorted({x.group for x in chosen})
    members, unplaced = wq.contents(cur, spec, [(x.group, x.start, x.end) for x in chosen], groups)
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for i, c in members:
        contracts[i].append(c)
    unknown: dict[str, list[Contract]] = defaultdict(list)
    for c in unplaced:
        unknown[c.group].append(c)
    windows = [
        Window(x.group, x.start, x.end, contracts[i], x.procurement_start, unknown.get(x.group, []))
        for i, x in enumerate(chosen)
    ]
    return windows, dict(unknown)


def windows_of(
    cur: duckdb.DuckDBPyConnection, st: Mapping[str, object], p: Mapping[str, object], extensions: str | None = None
) -> tuple[list[Window], dict[str, list[Contract]]]:
    """Every window among the contracts a URL state selects, for parameters ``p``, with their contracts
    (by group, then date, as ``find_windows`` gives them), and per group with a window its contracts
    with no end date."""
    spec = search_spec(st, p, extensions)
    return loaded(cur, spec, found(cur, spec, int(p["lead_months"]), date.today()))


@dataclass(frozen=True)
class Shown:
    """One window on screen as its card draws it: its summary (``Listed``), what DuckDB counted of its
    contracts and only the few it names (``queries.windows.drawn``), not every contract in it."""

    listed: Listed
    count: int  # its contracts
    valued: int  # of them, with a known annual value
    suppliers: tuple[str, ...]  # the first ``MAX_NAMED`` by name, of ``supplier_count``
    supplier_count: int
    systems: tuple[str, ...]  # the first ``MAX_NAMED`` by name, of ``system_count``
    system_count: int
    contracts: list[Contract]  # the first ``MAX_CONTRACT_ROWS`` by end date
    moved: list[Contract]  # in it only because their extension options are taken (``moved_by_extensions``)
    unknown_end: list[Contract]  # the first ``MAX_UNKNOWN_NAMED`` of its group with no end date
    unknown_count: int

    def __getattr__(self, name: str):
        """The summary's own facts (group, start, end, procurement_start, boroughs, annual_value, key...)."""
        if name.startswith("_") or name == "listed":
            raise AttributeError(name)
        return getattr(self.listed, name)


def shown_of(cur: duckdb.DuckDBPyConnection, st: Mapping, p: Mapping, chosen: Sequence[Listed], today: date) -> list:
    """The windows ``chosen`` as their cards draw them (``Shown``), in one statement."""
    spec = search_spec(st, p)
    base = None
    if p["extensions"] == "max" and chosen:
        groups = {x.group for x in chosen}
        every = found(cur, search_spec(st, p, "base"), int(p["lead_months"]), today)
        base = [(x.group, x.start, x.end) for x in every if x.group in groups]
    most = (MAX_NAMED, MAX_CONTRACT_ROWS, MAX_UNKNOWN_NAMED)
    d = wq.drawn(cur, spec, [(x.group, x.start, x.end) for x in chosen], base, most)
    out = []
    for i, x in enumerate(chosen):
        n, valued, n_suppliers, suppliers, n_systems, systems = d.facts[i]
        unknown_count, unknown = d.unknown.get(x.group, (0, []))
        out.append(Shown(x, n, valued, suppliers, n_suppliers, systems, n_systems, d.rows[i], d.moved[i],
                         unknown, unknown_count))  # fmt: skip
    return out


def effect_on(cur: duckdb.DuckDBPyConnection, st: Mapping, p: Mapping, shown: list[Window], today: date) -> dict:
    """``extension_effect`` for the windows shown: their contracts in no window by contract end dates.

    A window holds every contract of its group ending within its dates, so a contract is in a window
    by contract end dates when its own end date falls within one of its group's (the same search's).
    """
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for x in found(cur, search_spec(st, p, "base"), int(p["lead_months"]), today):
        spans[x.group].append((x.start, x.end))  # by group, then date: sorted, never overlapping

    def in_base(group: str, c: Contract) -> bool:
        if c.base_end is None:
            return False
        i = bisect.bisect_right(spans[group], (c.base_end, date.max)) - 1
        return i >= 0 and spans[group][i][0] <= c.base_end <= spans[group][i][1]

    effect: dict[str, set[str]] = defaultdict(set)
    for w in shown:
        effect[w.group].update(c.contract_id for c in w.contracts if not in_base(w.group, c))
    return {group: ids for group, ids in effect.items() if ids}


def live_windows(windows: list[Window], today: date, lead_months: int, show_ended: bool = False) -> tuple[list, dict]:
    """The windows a view lists (those made only of ended contracts only when asked) and every window's status."""
    statuses = {w.key: window_status(w, today, lead_months) for w in windows}
    listed = [w for w in windows if show_ended or statuses[w.key] != "ended"]
    return listed, statuses


def live_listed(
    every: Sequence[Listed], today: date, lead_months: int, show_ended: bool = False
) -> tuple[list[Listed], dict[str, str]]:
    """``live_windows`` for the search's summaries: the windows listed, and every window's status."""
    statuses = {x.key: status_of(x.ended, x.start, x.procurement_start, today, lead_months) for x in every}
    return [x for x in every if show_ended or not x.ended], statuses


def paged(count: int, page: object) -> tuple[int, int, int]:
    """(page, pages, offset) of a list of ``count`` windows: a page past the end shows the last one."""
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(page if isinstance(page, int) and page >= 1 else 1, pages)
    return page, pages, (page - 1) * PAGE_SIZE


def model(
    cur: duckdb.DuckDBPyConnection, st: Mapping[str, object], today: date | None = None, every_page: bool = False
) -> dict:
    """The windows the page lists for a URL state, ranked and capped, with what the page says about them.

    ``windows`` is the whole list, summarised (``Listed``); ``shown`` the windows of the current
    page as their cards draw them (``Shown``), or of every page with all their contracts
    (``Window``, ``every_page``, for the exports; ``effect`` is for those).
    """
    today = today or date.today()
    p = window_params(st)
    show_ended = st.get("ended") == ENDED_SHOW
    spec = search_spec(st, p)
    listed, statuses = live_listed(found(cur, spec, p["lead_months"], today), today, p["lead_months"], show_ended)
    ended = sum(1 for key in statuses.values() if key == "ended")
    ranked = rank_windows(listed, p["rank"])[:MAX_WINDOWS]
    page, pages, offset = paged(len(ranked), st.get("page"))
    if every_page:
        shown, _ = loaded(cur, spec, ranked)
        effect = effect_on(cur, st, p, shown, today) if p["extensions"] == "max" and shown else {}
    else:
        shown, effect = shown_of(cur, st, p, ranked[offset : offset + PAGE_SIZE], today), {}
    return {
        "params": p,
        "windows": ranked,
        "shown": shown,
        "first_rank": 1 if every_page else offset + 1,
        "page": page,
        "pages": pages,
        "total": len(listed),
        "ended": ended,
        "show_ended": show_ended,
        "status": {x.key: statuses[x.key] for x in ranked},
        "effect": effect,
        "today": today,
    }


def summary(m: Mapping) -> tuple[str, str]:
    """The count of windows and the rule they follow, as the page's summary line says them."""
    p = m["params"]
    return fmt.plural(m["total"], "window"), f": {rule(p)}, ordered by {RANK_LABELS[p['rank']].lower()}."


def notes(m: Mapping) -> list[str]:
    """What the list leaves out: windows past the cap, windows made only of contracts that ended."""
    out = []
    if m["total"] > len(m["windows"]):
        out.append(
            f"Listing the first {len(m['windows'])} of {m['total']:,} windows; "
            "raise the minimum number of boroughs or narrow the filters to see others."
        )
    if m["ended"]:
        n, one = m["ended"], m["ended"] == 1
        what = f"{fmt.plural(n, 'window')} made only of contracts that have ended"
        if m["show_ended"]:
            out.append(f"Including {what} (marked Ended).")
        else:
            out.append(f"{what} {'is' if one else 'are'} hidden; “Show windows that have ended” lists them.")
    return out


def page_text(m: Mapping) -> str:
    """Which windows of the list the page shows ("Windows 11 to 20 of 43")."""
    if not m["shown"]:
        return ""
    first, last = m["first_rank"], m["first_rank"] + len(m["shown"]) - 1
    return f"Windows {first} to {last} of {len(m['windows'])} · page {m['page']} of {m['pages']}"


# --------------------------------------------------------------------------- one window's card


def _list(first: Sequence[str], count: int) -> str:
    """The first names of ``count`` joined, and how many more; "not recorded" for none."""
    if not count:
        return NOT_RECORDED
    more = count - len(first)
    return ", ".join(first) + (f" and {more:,} more" if more > 0 else "")


def _name(code: str, names: Mapping[str, str]) -> str:
    return names.get(code, code)


CONTRACT_COLUMNS = ["Borough", "Supplier", "System", "End date", "Latest end", "Annual value", "Status", "Note"]


def contract_rows(
    w: Shown, extended: set[str], names: Mapping[str, str], today: date, lead_months: int = DEFAULTS["lead_months"]
) -> list[list[str]]:
    """The window's contracts as the card's table shows them (``CONTRACT_COLUMNS``), the first ``MAX_CONTRACT_ROWS``."""
    return [
        [
            _name(c.borough_code, names),
            c.supplier or NOT_RECORDED,
            c.system or NOT_RECORDED,
            fmt.long_date(c.base_end),
            fmt.long_date(c.max_end),
            fmt.money(c.annual_value),
            status.label(contract_status(c, today, lead_months)),
            "Only with extensions" if c.contract_id in extended else "",
        ]
        for c in w.contracts[:MAX_CONTRACT_ROWS]
    ]


def procurement_text(w: Shown, key: str, lead_months: int) -> str:
    """When to start procurement; past, it says so (``dashboard.status.OVERDUE_TEXT``)."""
    late = f": {status.OVERDUE_TEXT}" if key == "overdue" else ""
    return f" · start procurement by {fmt.long_date(w.procurement_start)}{late} ({lead_months} months' lead)"


def _extension_note(extended: list[Contract], names: Mapping[str, str]) -> str | None:
    if not extended:
        return None
    return (
        f"{len(extended)} of these contracts "
        + ("lines up only if its" if len(extended) == 1 else "line up only if their")
        + " extension options are taken: "
        + "; ".join(f"{_name(c.borough_code, names)} ({c.system or c.supplier})" for c in extended)
    )


def _unknown_note(w: Shown, names: Mapping[str, str]) -> str | None:
    if not w.unknown_count:
        return None
    named = "; ".join(
        f"{_name(c.borough_code, names)} ({c.system or c.supplier or NOT_RECORDED})" for c in w.unknown_end
    )
    more = w.unknown_count - len(w.unknown_end)
    return named + (f"; and {more:,} more" if more > 0 else "")


def _more_note(w: Shown) -> str | None:
    if w.count <= MAX_CONTRACT_ROWS:
        return None
    return (
        f"Showing the first {MAX_CONTRACT_ROWS} of {w.count:,} contracts "
        "(by end date); download this window's contracts for all of them."
    )


def card(rank: int, w: Shown, m: Mapping, st: Mapping[str, object]) -> dict:
    """What one window's card says (texts) and where it leads (``state``: the window's own URL state)."""
    p = m["params"]
    names = reference.borough_names()
    extended, valued, key = w.moved, w.valued, m["status"][w.key]
    return {
        "rank": rank,
        "group": w.group,
        "group_label": GROUP_LABELS[p["group_by"]],
        "status": key,
        "ends": f"Contracts end {fmt.long_date(w.start)} to {fmt.long_date(w.end)}",
        "procurement": procurement_text(w, key, p["lead_months"]),
        "boroughs": [(code, _name(code, names)) for code in sorted(w.boroughs)],
        "suppliers": _list(w.suppliers, w.supplier_count),
        "systems": _list(w.systems, w.system_count),
        "value": fmt.money(w.annual_value) if valued else NOT_RECORDED,
        "value_note": f" (over the {valued} of {w.count} contracts with a known value)" if valued else "",
        "extensions": _extension_note(extended, names),
        "contracts": contract_rows(w, {c.contract_id for c in extended}, names, m["today"], p["lead_months"]),
        "count": w.count,
        "more": _more_note(w),
        "unknown": _unknown_note(w, names),
        "open": rank <= OPEN_DETAILS,
        "state": window_state(st, w),
        "list_state": list_state(st, w),
    }


def list_state(st: Mapping[str, object], w: Window) -> dict | None:
    """The contracts view's state listing a window's contracts (running contracts of its group, ending
    when they do); None for a manufacturer's window, which that view cannot filter on."""
    if window_params(st)["group_by"] == "manufacturer":
        return None
    return {**window_state(st, w), "stage": ["contract"]}


# --------------------------------------------------------------------------- exports

WINDOW_HEADINGS = [
    "Rank", "Grouped by", "Group", "Contracts end from", "Contracts end to", "Start procurement by",
    "Boroughs", "Borough names", "Contracts", "Incumbent suppliers", "Systems", "Total annual value (£)",
    "Contracts with no end date (may also be in scope)", "Contracts only in the window with extensions", "Status",
]  # fmt: skip
CONTRACT_HEADINGS = [
    "Rank", "Group", "Window from", "Window to", "Contract id", "Borough code", "Borough", "Supplier", "System",
    "End date", "Latest end date", "Annual value (£)", "Only with extensions", "Status",
]  # fmt: skip


def windows_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per window listed, in the page's order: every page of the list, not only the one on screen."""
    m = model(cur, st, every_page=True)
    names = reference.borough_names()
    group_label = GROUP_LABELS[m["params"]["group_by"]]
    rows = []
    for rank, w in enumerate(m["shown"], start=1):
        extended = moved_by_extensions(w, m["effect"])
        rows.append(
            [
                rank, group_label, w.group, w.start, w.end, w.procurement_start,
                len(w.boroughs), "; ".join(_name(code, names) for code in w.boroughs),
                len(w.contracts), "; ".join(w.suppliers), "; ".join(w.systems), w.annual_value,
                len(w.unknown_end),
                "; ".join(f"{_name(c.borough_code, names)} ({c.contract_id})" for c in extended),
                status.label(m["status"][w.key]),
            ]
        )  # fmt: skip
    return WINDOW_HEADINGS, rows


def window_contracts_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per contract of the windows listed, window by window in the page's order."""
    m = model(cur, st, every_page=True)
    names = reference.borough_names()
    lead = m["params"]["lead_months"]
    rows = []
    for rank, w in enumerate(m["shown"], start=1):
        extended = {c.contract_id for c in moved_by_extensions(w, m["effect"])}
        rows.extend(
            [
                rank, w.group, w.start, w.end, c.contract_id, c.borough_code, _name(c.borough_code, names),
                c.supplier, c.system, c.base_end, c.max_end, c.annual_value, c.contract_id in extended,
                status.label(contract_status(c, m["today"], lead)),
            ]
            for c in w.contracts
        )  # fmt: skip
    return CONTRACT_HEADINGS, rows


VIEW = state.View(
    "windows",
    "/windows",
    (*WINDOW_KEYS, ENDED_KEY, PAGE_KEY),
    exports={"windows": windows_table, "window_contracts": window_contracts_table},
)
