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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from etl.reference import add_months

GROUP_BY = ("service_area", "system", "supplier", "manufacturer")
EXTENSIONS = ("base", "max")
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
    """(first, last) index ranges of sorted contracts that hold ``min_boroughs`` boroughs within the span."""
    spans = []
    j = 0
    for i, first in enumerate(contracts):
        limit = add_months(first.end, window_months)
        j = max(j, i)
        while j + 1 < len(contracts) and contracts[j + 1].end <= limit:
            j += 1
        if len({c.borough_code for c in contracts[i : j + 1]}) >= min_boroughs:
            spans.append((i, j))
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
            if contracts[stop].end <= add_months(contracts[first].end, 2 * window_months):
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
