"""Joint procurement windows: boroughs whose contracts for the same thing end together.

A window is a set of at least ``min_boroughs`` boroughs whose contracts in one group (a service
area, system, supplier or manufacturer) end within ``window_months`` of each other. The search
slides over the contracts sorted by end date; every qualifying stretch is a candidate, and
candidates that overlap are merged into one window (up to twice ``window_months`` long), so a
run of contracts ending month after month is one opportunity, not many. A borough with two
contracts in a window counts once.

Contracts with no known end date cannot be placed; they are returned beside the windows of
their group ("may also be in scope"), never dropped. With ``extensions="max"`` the latest
possible end dates are used; ``extension_effect`` compares both to show which contracts only
line up if their extensions are taken.

Plain functions over plain rows (from ``dashboard.queries.windows``), so tests call them directly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from etl.reference import add_months

GROUP_BY = ("service_area", "system", "supplier", "manufacturer")
EXTENSIONS = ("base", "max")
# Contract end dates are mostly month ends, so the same few dates are shifted again and again.
_shift = lru_cache(maxsize=8192)(add_months)

DEFAULTS = {"group_by": "service_area", "min_boroughs": 3, "window_months": 6, "lead_months": 18, "extensions": "base"}


@dataclass(frozen=True)
class Contract:
    """The few facts a window needs about one contract."""

    contract_id: str
    group: str
    borough_code: str
    end: date | None  # the end date used: base or latest with extensions
    base_end: date | None = None
    max_end: date | None = None
    supplier: str | None = None
    system: str | None = None
    annual_value: float | None = None


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


def rank_windows(windows: list[Window], by: str = "boroughs") -> list[Window]:
    """Windows in order of most boroughs, most value or soonest procurement start (ties: group name)."""
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


# --------------------------------------------------------------------------- URL parameters

RANKS = tuple(RANKINGS)
PARAM_DEFAULTS: dict[str, object] = {**DEFAULTS, "rank": "boroughs"}
LIMITS: dict[str, tuple[int, int]] = {"min_boroughs": (2, 33), "window_months": (1, 36), "lead_months": (0, 60)}
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
GROUP_LABELS: dict[str, str] = {
    "service_area": "Service area",
    "system": "System",
    "supplier": "Supplier",
    "manufacturer": "Manufacturer",
}
MAX_GROUP_VALUE = 200  # longest manufacturer name kept from a URL, like the other text filters


def _last(raw: object) -> object:
    """A URL value may repeat (a list); the last one wins, as for the other single-valued keys."""
    if isinstance(raw, list | tuple):
        return raw[-1] if raw else None
    return raw


def window_params(query: Mapping[str, object] | None) -> dict:
    """The window parameters of a URL state or raw query: each valid value, else its default.

    Pages validate the URL through ``dashboard.state`` first (which also reports what it
    ignored); this is the last guard, so a value that is not whitelisted never reaches SQL or
    the algorithm, whoever calls.
    """
    query = query or {}
    out: dict[str, object] = {}
    for name, default in PARAM_DEFAULTS.items():
        raw = _last(query.get(name))
        value = default
        if name in CHOICES:
            if isinstance(raw, str) and raw.strip() in CHOICES[name]:
                value = raw.strip()
        elif raw is not None and not isinstance(raw, bool):
            try:
                n = int(str(raw).strip())
            except ValueError:
                n = None
            low, high = LIMITS[name]
            if n is not None and low <= n <= high:
                value = n
        out[name] = value
    return out


def non_default(params: Mapping[str, object]) -> dict:
    """Only the parameters that differ from their defaults: links stay short and canonical."""
    return {k: v for k, v in params.items() if k in PARAM_DEFAULTS and v != PARAM_DEFAULTS[k]}


def group_value(value: str) -> str:
    """Parser of the ``manufacturer`` URL key (the other group keys are shared filters)."""
    from dashboard.state import Invalid  # only pages declare keys; the algorithm stays importable alone

    text = " ".join(value.split())
    if not text:
        raise Invalid("is empty")
    return text[:MAX_GROUP_VALUE]


def declare_url_keys() -> None:
    """Whitelist the window keys in the URL state, so links, the filter bar and exports keep them.

    Called by every page that reads them; declaring again with the same parsers is allowed.
    The group's own key is the grouping's name: ``service_area``, ``system`` and ``supplier``
    are shared filters already, ``manufacturer`` is declared here.
    """
    from dashboard import state

    for name, (low, high) in LIMITS.items():
        state.declare(name, state.integer(low, high), label=LABELS[name])
    for name, allowed in CHOICES.items():
        state.declare(name, state.choice(*allowed), label=LABELS[name])
    state.declare("manufacturer", group_value, multiple=True, label=LABELS["manufacturer"])


def base_end_range(window: Window) -> tuple[date, date]:
    """First and last contract end date (without extensions) of a window's contracts.

    The shared ``end_from``/``end_to`` filters work on contract end dates; with extensions the
    window's own dates are later ones, so links use this range to select the same contracts.
    """
    ends = [c.base_end or c.end for c in window.contracts]
    return min(ends), max(ends)


def current(windows: list[Window], today: date) -> tuple[list[Window], int]:
    """Windows whose last contract ends today or later, and how many ended before: no longer opportunities."""
    kept = [w for w in windows if w.end >= today]
    return kept, len(windows) - len(kept)


# --------------------------------------------------------------------------- my borough


def _months_between(a: date, b: date, months: int) -> bool:
    """Whether ``b`` is within ``months`` calendar months of ``a``, either side (same rule as windows)."""
    return add_months(a, -months) <= b <= add_months(a, months)


def neighbours(mine: list[dict], others: list[dict], months: int) -> dict[str, list[dict]]:
    """For each of a borough's contracts, other boroughs' contracts that could be procured with it.

    A neighbour is in the same service area or runs the same system, belongs to another
    borough, and ends within ``months`` calendar months of this contract (either side). Rows
    are dicts with ``contract_id``, ``borough_code``, ``service_area``, ``system``, ``end``
    (others may carry more: supplier, confidence...). Returns, per contract id of ``mine``,
    the neighbours closest first with ``match`` (what they share), ``days`` (their end minus
    this end) and ``distance`` (its absolute value); a contract without an end date has none,
    since nothing can be said about when it could be procured.
    """
    out: dict[str, list[dict]] = {}
    for m in mine:
        found = []
        if m.get("end") is not None:
            for o in others:
                if o.get("end") is None or o.get("borough_code") == m.get("borough_code"):
                    continue
                same_area = bool(m.get("service_area")) and o.get("service_area") == m.get("service_area")
                same_system = bool(m.get("system")) and o.get("system") == m.get("system")
                if not (same_area or same_system) or not _months_between(m["end"], o["end"], months):
                    continue
                match = (
                    "service area and system"
                    if same_area and same_system
                    else ("service area" if same_area else "system")
                )
                days = (o["end"] - m["end"]).days
                found.append({**o, "match": match, "days": days, "distance": abs(days)})
        found.sort(
            key=lambda r: (r["distance"], r["match"] != "service area and system", r["borough_code"], r["contract_id"])
        )
        out[m["contract_id"]] = found
    return out
