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
from dashboard import state
from dashboard.logic import windows as wl
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import timeline as tq
from etl import reference

MAX_DRAWN = 300  # contracts drawn at most; the rest are counted in a visible note
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
    windows, _ = wl.windows_of(cur, st, p)
    drawn = tq.timeline_rows(cur, p["group_by"], st, st.get("manufacturer"), limit=MAX_DRAWN, today=today)
    return {"params": p, "mode": rows_mode(st), "windows": windows, "today": today, **drawn}


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
    lanes: dict[str, int] = {}
    for code in sorted({c["borough_code"] for c in items}, key=lambda k: names.get(k, k)):
        lanes[code] = len(rows)
        rows.append(Row(len(rows), names.get(code, code), group))
    for c in items:
        where[c["contract_id"]] = lanes[c["borough_code"]]


def arrange(
    contracts: list[dict], mode: str = "borough", group_by: str = "service_area"
) -> tuple[list[Row], dict[str, int]]:
    """The rows and, per contract id, the row it is drawn on.

    Groups alphabetically ("Not known" last), each with a heading row; in a group, boroughs by
    name (``mode="borough"``: all of a borough's contracts on one row) or contracts by end date,
    labelled with the borough and the system (the supplier when grouped by system).
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


def window_click(w: wl.Window) -> str:
    """What a click on a window filters by: its boroughs and group, and its contracts' end dates."""
    low, high = wl.base_end_range(w)
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


def cap_note(drawn: int, total: int, undated: int = 0) -> str | None:
    """The sentence that says what the chart leaves out, or None when it shows everything."""
    parts = []
    if total > drawn:
        parts.append(
            f"Showing {drawn:,} of {total:,} contracts (those ending soonest from today); "
            "narrow the filters to see the rest."
        )
    if undated:
        parts.append(f"{undated:,} contract{'s have' if undated != 1 else ' has'} no end date and cannot be drawn.")
    return " ".join(parts) or None


def title(mode: str, group_by: str) -> str:
    lanes = "borough" if mode == "borough" else "contract"
    return f"Contract terms by {lanes}, grouped by {wl.GROUP_LABELS[group_by].lower()}, with joint procurement windows"


def shaded(windows: Iterable[wl.Window]) -> list[dict]:
    """The windows as the figure shades them, by group and date, each with its click."""
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
        for w in sorted(windows, key=lambda w: (w.group, w.start))
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
) -> dict:
    """What the figure draws of ``contracts`` (dicts as ``queries.timeline`` returns, in drawing priority).

    At most ``limit`` contracts are drawn, the first ones given; ``total`` is how many match in
    all (default: as many as given), so the note can say what is missing. ``windows`` are
    shaded over the rows of their group, when that group is drawn.
    """
    mode = mode if mode in MODES else "borough"
    drawn = contracts[:limit]
    total = len(contracts) if total is None else max(total, len(drawn))
    rows, where = arrange(drawn, mode, group_by)
    return {
        "rows": rows,
        "bars": [{**c, "y": where[c["contract_id"]], "click": contract_click(c)} for c in drawn],
        "windows": shaded(windows),
        "title": title(mode, group_by),
        "note": cap_note(len(drawn), total, undated),
    }


def page_chart(m: Mapping) -> dict:
    """``chart`` of the page's model."""
    p = m["params"]
    return chart(
        m["rows"], m["windows"], group_by=p["group_by"], mode=m["mode"], total=m["total"], undated=m["undated"]
    )


# --------------------------------------------------------------------------- what the page says


def choice_states(st: Mapping[str, object]) -> dict[str, dict[str, dict]]:
    """The state behind each link of the page's choices: rows per borough or contract, and each grouping."""
    keep = link_state(st)

    def changed(**values: object) -> dict:
        merged = {**keep, **values}
        return {k: v for k, v in merged.items() if v is not None}

    default_group = wl.PARAM_DEFAULTS["group_by"]
    return {
        "rows": {key: changed(rows=None if key == "borough" else key) for key in MODES},
        "group_by": {key: changed(group_by=None if key == default_group else key) for key in wl.GROUP_LABELS},
    }


def summary(m: Mapping) -> str:
    return (
        f"{fmt.plural(m['total'], 'dated contract')}; {fmt.plural(len(m['windows']), 'window')} shaded. "
        "Click a bar to see that contract in Contracts, or a window's diamond to see its contracts."
    )


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
    """The contracts the timeline draws (at most ``MAX_DRAWN``), grouped as on the chart."""
    return TABLE_HEADINGS, table_rows(model(cur, st)["rows"])


VIEW = state.View("timeline", "/timeline", (*wl.WINDOW_KEYS, ROWS), exports={"timeline": timeline_table})
