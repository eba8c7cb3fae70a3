"""The timeline without its page: contracts as bars by end date, windows shaded, one lane per
borough or per contract.

``model`` reads what the page draws: at most ``MAX_DRAWN`` contracts (``queries.timeline``, in
drawing priority) and the windows of the Windows page for the same URL parameters. ``chart``
turns them into what the figure (``dashboard.figures.timeline``) draws: the rows top to bottom,
each bar's row, the windows, the title and the note that says what is left out. Every bar and
window carries, as ``click``, a small JSON object with what a click needs to filter the rest of
the app; ``click_state`` turns it back into a Contracts state, through the URL validation of
``dashboard.state``, so crafted data cannot write a bad URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from dashboard import format as fmt
from dashboard import state, status
from dashboard.figures import timeline as ft
from dashboard.logic import windows as wl
from dashboard.logic.systems import ENDED, query_filters, shows_ended
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import timeline as tq
from etl import reference

MAX_DRAWN = 80  # contracts drawn at most (a chart of ~100 rows); the rest are counted in a visible note
WINDOWS_LISTED = 6  # windows listed under the chart; the Windows page lists them all
MAX_SHADED = 40  # windows shaded at most, the soonest procurement start first (each is a shape and a handle)
FIGURE_BUDGET = 300_000  # bytes of figure JSON at most: fewer contracts are drawn (and it is said) past it
MIN_DRAWN = 20  # the budget never draws fewer than this
NOT_KNOWN = UNKNOWN_SERVICE_AREA  # the group of contracts without one, drawn last
ROW_LABELS = {"borough": "One row per borough", "contract": "One row per contract"}
MODES = tuple(ROW_LABELS)  # one lane per borough, or one per contract
ROWS = state.Key("rows", state.choice(*MODES), label="Timeline rows")
TABLE_HEADINGS = [
    "Group", "Borough", "Supplier", "System", "Start date", "End date", "Latest end date", "Annual value (£)",
]  # fmt: skip


def rows_mode(st: Mapping[str, object]) -> str:
    value = st.get("rows")
    return value if value in MODES else "borough"


def link_state(st: Mapping[str, object]) -> dict:
    """What this view's own links keep: those of every window view, and its rows when not the default."""
    out = wl.link_state(st)
    if rows_mode(st) != "borough":
        out["rows"] = rows_mode(st)
    return out


def model(cur: duckdb.DuckDBPyConnection, st: Mapping[str, object], today: date | None = None) -> dict:
    """The contracts drawn, the counts behind the cap note, and the windows to shade."""
    today = today or date.today()
    p = wl.window_params(st)
    found = wl.found(cur, wl.search_spec(st, p), p["lead_months"], today)
    # as the Windows page lists them: windows made only of ended contracts, and ended contracts, on request
    windows, statuses = wl.live_listed(found, today, p["lead_months"], show_ended=shows_ended(st))
    live = query_filters(dict(st), today)
    drawn = tq.timeline_rows(cur, p["group_by"], live, st.get("manufacturer"), limit=MAX_DRAWN, today=today)
    return {
        "state": dict(st),
        "params": p,
        "mode": rows_mode(st),
        "windows": windows,
        "status": statuses,
        "ended_windows": len(found) - len(windows),
        "today": today,
        **drawn,
    }


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One row of the chart, top to bottom: a group's heading or a borough/contract lane."""

    y: int
    label: str  # plain text; escaped when it goes into the figure
    group: str
    header: bool = False


def _group_order(name: str) -> tuple[bool, str]:
    return (name == NOT_KNOWN, name.casefold())


def _lanes(items: list[dict], mode: str, detail: tuple[str, str], rows: list[Row], where: dict[str, int]) -> None:
    """Append one group's lanes to ``rows`` and note each contract's row in ``where``."""
    names = reference.borough_names()
    group = rows[-1].group
    if mode == "contract":
        for c in sorted(items, key=lambda c: (c["end"], names.get(c["borough_code"], ""), c["contract_id"])):
            label = f"{names.get(c['borough_code'], c['borough_code'])} · {c.get(detail[0]) or c.get(detail[1])}"
            where[c["contract_id"]] = len(rows)
            rows.append(Row(len(rows), label[:48], group))
        return
    by_borough: dict[str, list[dict]] = {}
    for c in items:
        by_borough.setdefault(c["borough_code"], []).append(c)
    for code in sorted(by_borough, key=lambda k: names.get(k, k)):
        name = names.get(code, code)
        for n, lane in enumerate(borough_lanes(by_borough[code]), start=1):
            for c in lane:
                where[c["contract_id"]] = len(rows)
            rows.append(Row(len(rows), name if n == 1 else f"{name} ({n})", group))


def extent(c: Mapping) -> tuple[date, date]:
    """What a contract's drawing covers: its term (or its end marker) and its extension options."""
    start, end, max_end = c.get("start"), c["end"], c.get("max_end")
    begin = start if start is not None and start <= end else end
    return begin, max(end, max_end) if max_end is not None else end


def borough_lanes(items: list[dict]) -> list[list[dict]]:
    """One borough's contracts of a group in as few lanes as never overlap (greedy by start).

    Two contracts that run at the same time (a borough with two revenues systems) would be drawn
    over each other on one row; each takes the first lane free by its start, the next if none is.
    """
    lanes: list[list[dict]] = []
    last: list[date] = []
    for c in sorted(items, key=lambda c: (*extent(c), c["contract_id"])):
        begin, finish = extent(c)
        free = next((i for i, until in enumerate(last) if until < begin), None)
        if free is None:
            lanes.append([c])
            last.append(finish)
        else:
            lanes[free].append(c)
            last[free] = finish
    return lanes


def arrange(
    contracts: list[dict], mode: str = "borough", group_by: str = "service_area"
) -> tuple[list[Row], dict[str, int]]:
    """The rows and, per contract id, the row it is drawn on.

    Groups alphabetically ("Not known" last), each with a heading row; in a group, boroughs by
    name (``mode="borough"``: all of a borough's contracts on one row) or contracts by end date,
    labelled with the borough and the system (the supplier when grouped by system). A borough
    whose contracts overlap in time gets a lane for each (``borough_lanes``): bars never overlap.
    """
    detail = ("supplier", "system") if group_by == "system" else ("system", "supplier")
    by_group: dict[str, list[dict]] = {}
    for c in contracts:
        by_group.setdefault(c.get("group") or NOT_KNOWN, []).append(c)
    rows: list[Row] = []
    where: dict[str, int] = {}
    for group in sorted(by_group, key=_group_order):
        rows.append(Row(len(rows), group, group, header=True))
        _lanes(by_group[group], mode, detail, rows, where)
    return rows, where


# --------------------------------------------------------------------------- clicks


def contract_click(c: Mapping) -> str:
    """What a click on a contract's bar filters by: its borough, group, system and end date."""
    return json.dumps(
        {
            "kind": "contract",
            "borough": [c["borough_code"]],
            "group": c.get("group"),
            "system": [c["system"]] if c.get("system") else [],
            "end_from": c["end"].isoformat(),
            "end_to": c["end"].isoformat(),
        }
    )


def window_click(w: wl.Window | wl.Listed) -> str:
    """What a click on a window filters by: its boroughs and group, and its contracts' end dates."""
    low, high = w.base_range
    return json.dumps(
        {
            "kind": "window",
            "borough": w.boroughs,
            "group": w.group,
            "system": w.systems,
            "end_from": low.isoformat(),
            "end_to": high.isoformat(),
        }
    )


def click_state(click_data: Mapping | None, st: Mapping[str, object]) -> dict | None:
    """The Contracts state a click on the timeline leads to, or None for a click on nothing useful.

    The shared filters are kept; the borough(s), the group and the contracts' end dates of the
    clicked bar or window replace theirs. Manufacturer is not a shared filter, so a
    manufacturer window filters by its systems instead.
    """
    points = click_data.get("points") if isinstance(click_data, dict) else None  # a forged body: anything
    points = points if isinstance(points, list) else []
    raw = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    try:
        info = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("kind") not in ("contract", "window"):
        return None
    group_by = wl.window_params(st)["group_by"]
    out = state.filters_of(st)
    out["borough"] = info.get("borough") or []
    if group_by == "manufacturer":
        if info.get("system"):
            out["system"] = info["system"]
    elif info.get("group"):
        out[group_by] = [info["group"]]
    out["end_from"], out["end_to"] = info.get("end_from"), info.get("end_to")
    return out


# --------------------------------------------------------------------------- the chart


def cap_note(drawn: int, total: int, undated: int = 0, budget: bool = False) -> str | None:
    """The sentence that says what the chart leaves out, or None when it shows everything.

    ``budget``: fewer were drawn than ``MAX_DRAWN`` to keep the figure under ``FIGURE_BUDGET``.
    """
    parts = []
    if total > drawn:
        why = f"; the chart is kept under {FIGURE_BUDGET // 1000} KB so that it stays quick" if budget else ""
        parts.append(
            f"Showing {drawn:,} of {total:,} contracts (those ending soonest from today{why}); "
            "narrow the filters to see the rest."
        )
    if undated:
        parts.append(f"{undated:,} contract{'s have' if undated != 1 else ' has'} no end date and cannot be drawn.")
    return " ".join(parts) or None


def title(mode: str, group_by: str) -> str:
    lanes = "borough" if mode == "borough" else "contract"
    return f"Contract terms by {lanes}, grouped by {wl.GROUP_LABELS[group_by].lower()}, with joint procurement windows"


def soonest(windows: Iterable[wl.Window], groups: set[str] | None = None) -> list[wl.Window]:
    """The windows (of ``groups`` when given) soonest procurement start first, at most ``MAX_SHADED``."""
    mine = [w for w in windows if groups is None or w.group in groups]
    return sorted(mine, key=lambda w: (w.procurement_start, w.group, w.start))[:MAX_SHADED]


def shaded(windows: Iterable[wl.Window]) -> list[dict]:
    """The windows as the figure shades them, soonest procurement start first, each with its click."""
    return [
        {
            "key": w.key,
            "group": w.group,
            "start": w.start,
            "end": w.end,
            "boroughs": w.boroughs,
            "procurement_start": w.procurement_start,
            "click": window_click(w),
        }
        for w in soonest(windows)
    ]


def chart(
    contracts: list[dict],
    windows: Iterable[wl.Window] = (),
    *,
    group_by: str = "service_area",
    mode: str = "borough",
    total: int | None = None,
    undated: int = 0,
    limit: int = MAX_DRAWN,
    budget: bool = False,
) -> dict:
    """What the figure draws of ``contracts`` (dicts as ``queries.timeline`` returns, in drawing priority).

    At most ``limit`` contracts are drawn, the first ones given; ``total`` is how many match in
    all (default: as many as given), so the note can say what is missing. ``windows`` are
    shaded over the rows of their group, when that group is drawn: the ``MAX_SHADED`` soonest to act.
    """
    mode = mode if mode in MODES else "borough"
    drawn = contracts[:limit]
    total = len(contracts) if total is None else max(total, len(drawn))
    rows, where = arrange(drawn, mode, group_by)
    return {
        "rows": rows,
        "bars": [{**c, "y": where[c["contract_id"]], "click": contract_click(c)} for c in drawn],
        "windows": shaded(soonest(windows, {r.group for r in rows})),
        "title": title(mode, group_by),
        "note": cap_note(len(drawn), total, undated, budget),
    }


def page_chart(m: Mapping, limit: int = MAX_DRAWN, budget: bool = False) -> dict:
    """``chart`` of the page's model, drawing at most ``limit`` contracts."""
    p = m["params"]
    return chart(
        m["rows"],
        m["windows"],
        group_by=p["group_by"],
        mode=m["mode"],
        total=m["total"],
        undated=m["undated"],
        limit=limit,
        budget=budget,
    )


def fitted(m: Mapping, today: date | None = None) -> tuple[dict, dict]:
    """(chart, figure) of the page's model, with as many contracts as keep the figure's JSON
    under ``FIGURE_BUDGET`` (at most ``MAX_DRAWN``, at least ``MIN_DRAWN``); the note says so."""
    limit, budget = MAX_DRAWN, False
    while True:
        drawn = page_chart(m, limit, budget)
        figure = ft.timeline_figure(drawn, today=today or m.get("today"))
        size, shown = ft.json_bytes(figure), len(drawn["bars"])
        if size <= FIGURE_BUDGET or shown <= MIN_DRAWN:
            return drawn, figure
        limit = max(MIN_DRAWN, min(shown - 1, int(shown * FIGURE_BUDGET / size * 0.95)))
        budget = True


# --------------------------------------------------------------------------- what the page says


def summary(m: Mapping) -> str:
    ended = m.get("ended_windows") or 0
    hidden = f" ({fmt.plural(ended, 'window')} made only of ended contracts not shaded)" if ended else ""
    n = len(m["windows"])
    shaded_ = (
        f"the {MAX_SHADED} soonest to act of {n:,} windows shaded"
        if n > MAX_SHADED
        else f"{fmt.plural(n, 'window')} shaded"
    )
    return (
        f"{fmt.plural(m['total'], 'dated contract')}; {shaded_}{hidden}. "
        "Click a bar to see that contract in Contracts, or a window's diamond to see its contracts."
    )


WINDOW_HEADINGS = ["Window", "Contracts end", "Boroughs", "Start procurement by", "Status"]


def window_rows(m: Mapping, drawn: Mapping) -> list[list]:
    """The windows shaded on the chart, as the table under it lists them, the soonest procurement start
    first: the chart carries no labels of its own (labels of windows close in time printed over each other)."""
    out = []
    for w in drawn["windows"]:  # soonest procurement start first, as shaded
        key = m["status"].get(w["key"], "unknown")
        late = f": {status.OVERDUE_TEXT}" if key == "overdue" else ""
        out.append(
            [
                w["group"],
                f"{fmt.long_date(w['start'])} to {fmt.long_date(w['end'])}",
                len(w["boroughs"]),
                fmt.long_date(w["procurement_start"]) + late,
                status.label(key),
            ]
        )
    return out


def search_for_options(search: str | None, rows: object, group_by: object) -> str | None:
    """The timeline URL after its rows or grouping option changed, or None when it already says that."""
    mode = rows if rows in MODES else "borough"
    group = wl.window_params({"group_by": group_by})["group_by"]
    default = wl.PARAM_DEFAULTS["group_by"]
    new = VIEW.updated(search, rows=None if mode == "borough" else mode, group_by=None if group == default else group)
    return None if new == VIEW.search(VIEW.parse(search)) else new


def table_rows(rows: list[dict]) -> list[list]:
    """The drawn contracts in the chart's row order, raw values (for the export)."""
    names = reference.borough_names()
    _, where = arrange(rows, "contract")
    return [
        [
            r["group"] or NOT_KNOWN, names.get(r["borough_code"], r["borough_code"]), r["supplier"], r["system"],
            r["start"], r["end"], r["max_end"], r["annual_value"],
        ]
        for r in sorted(rows, key=lambda r: where[r["contract_id"]])
    ]  # fmt: skip


def screen_rows(rows: list[dict]) -> list[list[str]]:
    """``table_rows`` as the page's table shows them."""
    return [
        [
            group, borough, supplier or wl.NOT_RECORDED, system or wl.NOT_RECORDED,
            fmt.long_date(start), fmt.long_date(end), fmt.long_date(max_end), fmt.money(value),
        ]
        for group, borough, supplier, system, start, end, max_end, value in table_rows(rows)
    ]  # fmt: skip


def timeline_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """The contracts the timeline draws (at most ``MAX_DRAWN``, fewer past the figure budget), as on the chart."""
    m = model(cur, st)
    drawn, _ = fitted(m)
    return TABLE_HEADINGS, table_rows(m["rows"][: len(drawn["bars"])])


VIEW = state.View("timeline", "/timeline", (*wl.WINDOW_KEYS, ROWS, ENDED), exports={"timeline": timeline_table})
