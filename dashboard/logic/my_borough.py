"""My borough: for one borough, which other boroughs' contracts end near each of its own.

For each of the borough's contracts, the other boroughs' contracts in the same service area
(or on the same system) that end within ``window_months`` of it, closest first (``neighbours``,
a plain function), with their suppliers, systems and how confident and satisfied those
boroughs said they are (survey). The rows come from ``dashboard.queries.windows``. The borough
is the shared ``borough`` filter (one code), so the filter bar and the page's picker stay in
step through the URL; the window keys are this view's own (``window_months`` is the one read).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date

import duckdb

from dashboard import format as fmt
from dashboard import state
from dashboard.logic import windows as wl
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import windows as wq
from etl import reference
from etl.reference import add_months

NOT_RECORDED = wl.NOT_RECORDED

# --------------------------------------------------------------------------- the rule


def _months_between(a: date, b: date, months: int) -> bool:
    """Whether ``b`` is within ``months`` calendar months of ``a``, either side (same rule as windows)."""
    return add_months(a, -months) <= b <= add_months(a, months)


def _match(m: dict, o: dict, months: int) -> str | None:
    """What ``o`` shares with ``m`` when it is a neighbour of it, else None."""
    if o.get("end") is None or o.get("borough_code") == m.get("borough_code"):
        return None
    same_area = bool(m.get("service_area")) and o.get("service_area") == m.get("service_area")
    same_system = bool(m.get("system")) and o.get("system") == m.get("system")
    if not (same_area or same_system) or not _months_between(m["end"], o["end"], months):
        return None
    if same_area and same_system:
        return "service area and system"
    return "service area" if same_area else "system"


def _buckets(others: list[dict], key: str) -> dict[str, tuple[list[date], list[dict]]]:
    """Others with an end date, by ``key`` (service area or system), sorted by end date."""
    grouped: dict[str, list[dict]] = {}
    for o in others:
        if o.get("end") is not None and o.get(key):
            grouped.setdefault(o[key], []).append(o)
    return {
        k: ([o["end"] for o in rows], rows)
        for k, rows in ((k, sorted(v, key=lambda o: o["end"])) for k, v in grouped.items())
    }


def _near_in(bucket: tuple[list[date], list[dict]] | None, end: date, months: int) -> list[dict]:
    if bucket is None:
        return []
    ends, rows = bucket
    return rows[bisect_left(ends, add_months(end, -months)) : bisect_right(ends, add_months(end, months))]


def neighbours(mine: list[dict], others: list[dict], months: int) -> dict[str, list[dict]]:
    """For each of a borough's contracts, other boroughs' contracts that could be procured with it.

    A neighbour is in the same service area or runs the same system, belongs to another
    borough, and ends within ``months`` calendar months of this contract (either side). Rows
    are dicts with ``contract_id``, ``borough_code``, ``service_area``, ``system``, ``end``
    (others may carry more: supplier, confidence...). Returns, per contract id of ``mine``,
    the neighbours closest first with ``match`` (what they share), ``days`` (their end minus
    this end) and ``distance`` (its absolute value); a contract without an end date has none,
    since nothing can be said about when it could be procured. Others are bucketed by service
    area and by system and sorted by end date, so each contract looks only at the ones that can
    match it (comparing every pair took minutes at 100,000 contracts).
    """
    areas, systems = _buckets(others, "service_area"), _buckets(others, "system")
    out: dict[str, list[dict]] = {}
    for m in mine:
        found = []
        if m.get("end") is not None:
            candidates = _near_in(areas.get(m.get("service_area") or ""), m["end"], months)
            candidates += _near_in(systems.get(m.get("system") or ""), m["end"], months)
            for o in {id(o): o for o in candidates}.values():
                match = _match(m, o, months)
                if match:
                    days = (o["end"] - m["end"]).days
                    found.append({**o, "match": match, "days": days, "distance": abs(days)})
        found.sort(
            key=lambda r: (r["distance"], r["match"] != "service area and system", r["borough_code"], r["contract_id"])
        )
        out[m["contract_id"]] = found
    return out


# --------------------------------------------------------------------------- the page's model


def chosen(st: Mapping[str, object]) -> tuple[str | None, list[str]]:
    """The borough of the page and what to tell the reader about the choice."""
    codes = st.get("borough") or []
    if isinstance(codes, str):
        codes = [codes]
    codes = [c for c in codes if c in reference.borough_names()]
    if not codes:
        return None, []
    note = []
    if len(codes) > 1:
        note.append(
            f"This page compares one borough with the others; showing {reference.borough_names()[codes[0]]}, "
            "the first of the boroughs in the filter."
        )
    return codes[0], note


def _area_order(area: str | None) -> tuple[int, str]:
    order = {sa.name: i for i, sa in enumerate(reference.service_areas())}
    return (order.get(area, len(order)) if area else len(order) + 1, area or "")


def model(cur: duckdb.DuckDBPyConnection, st: Mapping[str, object]) -> dict:
    """The borough's contracts by service area (taxonomy order), each with its neighbours."""
    code, notes = chosen(st)
    months = wl.window_params(st)["window_months"]
    if code is None:
        return {"code": None, "months": months, "notes": notes, "sections": []}
    mine = wq.borough_contracts(cur, code, st)
    near = neighbours(mine, wq.neighbour_candidates(cur, code, months, st), months)
    by_area: dict[str | None, list[tuple[dict, list[dict]]]] = {}
    for contract in mine:
        by_area.setdefault(contract["service_area"], []).append((contract, near[contract["contract_id"]]))
    sections = [(area, by_area[area]) for area in sorted(by_area, key=_area_order)]
    return {"code": code, "months": months, "notes": notes, "sections": sections}


def search_for_controls(search: str | None, code: str | None, months: object) -> str | None:
    """The URL after the picker or the months box changed, or None if it already says that."""
    borough = [code] if isinstance(code, str) and code in reference.borough_names() else None
    return wl.controls_search(VIEW, search, {"window_months": months}, borough=borough)


# --------------------------------------------------------------------------- what the page says


def area_name(area: str | None) -> str:
    return area or UNKNOWN_SERVICE_AREA


def summary(m: Mapping) -> tuple[str, str]:
    """The borough's contracts and how many have a neighbour, as the summary line says them."""
    name = reference.borough_names()[m["code"]]
    contracts = sum(len(items) for _area, items in m["sections"])
    with_near = sum(1 for _area, items in m["sections"] for _c, near in items if near)
    return (
        f"{name}: {fmt.plural(contracts, 'contract')}",
        f" in {fmt.plural(len(m['sections']), 'service area')}; "
        f"{with_near} with at least one other borough's contract ending within {m['months']} months.",
    )


def apart(days: int) -> str:
    """How far apart two end dates are, in words a reader takes in at a glance."""
    if days == 0:
        return "same day"
    side = "later" if days > 0 else "earlier"
    n = abs(days)
    if n < 45:
        return f"{fmt.plural(n, 'day')} {side}"
    return f"about {fmt.plural(round(n / 30.44), 'month')} {side}"


def _score(value: int | None) -> str:
    return NOT_RECORDED if value is None else f"{value} of 5"


NEIGHBOUR_HEADINGS = ["Borough", "System", "Supplier", "Ends", "Difference", "Shares", "Confidence", "Satisfaction"]


def neighbour_cells(o: Mapping) -> list[str]:
    """One neighbour as the page's table shows it (the first cell, the borough, links to its page)."""
    return [
        reference.borough_names().get(o["borough_code"], o["borough_code"]),
        o["system"] or NOT_RECORDED,
        o["supplier"] or NOT_RECORDED,
        fmt.long_date(o["end"]),
        apart(o["days"]),
        o["match"],
        _score(o["confidence"]),
        _score(o["satisfaction"]),
    ]


def contract_heading(mine: Mapping) -> tuple[str, str]:
    """What the contract is and when it ends (with its latest end, when extensions go further)."""
    later = mine.get("max_end") and mine["end"] and mine["max_end"] > mine["end"]
    extended = f" (latest {fmt.long_date(mine['max_end'])} with extensions)" if later else ""
    supplier = mine["supplier"] or "a supplier not recorded"
    return mine["system"] or "System not recorded", f" from {supplier}, ends {fmt.long_date(mine['end'])}{extended}"


def no_neighbours(mine: Mapping, near: list[dict], months: int) -> str | None:
    """Why a contract has no table of neighbours, or None when it has one."""
    if mine["end"] is None:
        return "Its end date is not recorded, so it cannot be compared."
    if not near:
        return f"No other borough's contract in this service area or on this system ends within {months} months."
    return None


# --------------------------------------------------------------------------- export

EXPORT_HEADINGS = [
    "Service area", "Your system", "Your supplier", "Your end date", "Other borough code", "Other borough",
    "Their system", "Their supplier", "Their end date", "Days apart (theirs minus yours)", "Shares",
    "Their confidence (1-5)", "Their satisfaction (1-5)",
]  # fmt: skip


def my_borough_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per (your contract, neighbour) pair, as the page lists them; nothing without a borough."""
    names = reference.borough_names()
    rows = [
        [
            area_name(area), mine["system"], mine["supplier"], mine["end"],
            o["borough_code"], names.get(o["borough_code"], o["borough_code"]), o["system"], o["supplier"], o["end"],
            o["days"], o["match"], o["confidence"], o["satisfaction"],
        ]
        for area, items in model(cur, st)["sections"]
        for mine, near in items
        for o in near
    ]  # fmt: skip
    return EXPORT_HEADINGS, rows


VIEW = state.View("my_borough", "/my-borough", wl.WINDOW_KEYS, exports={"my_borough": my_borough_table})
