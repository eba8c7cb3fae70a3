"""The contract timeline: a Gantt chart as a plain plotly dict, with procurement windows shaded.

A handful of traces whatever the number of contracts (contract terms, extension options,
contracts without a start date, window handles) and shapes for the windows and today's line:
one trace per contract would make plotly slow long before the chart stops being readable.
Horizontal bars on a numeric y axis (``base`` = start date, ``x`` = duration in ms) give full
control of the rows: a heading row per group, then one row per borough or contract.

Every bar and window handle carries, as ``customdata``, a small JSON object with what a click
needs to filter the rest of the app (see ``dashboard.pages.timeline.click_href``).

Names go into the figure escaped: plotly renders a few HTML tags inside text, and a name is
data, never markup.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.figures import FONT, OKABE_ITO
from dashboard.windows import GROUP_LABELS, Window, base_end_range
from etl import reference

MAX_DRAWN = 300  # contracts drawn at most; the rest are counted in a visible note
ROW_HEIGHT = 20  # pixels per row
DAY_MS = 86_400_000
NOT_KNOWN = "Not known"
MODES = ("borough", "contract")
MIN_WINDOW_DAYS = 14  # a window of one end date is drawn this wide either side, so it can be seen

BASE_COLOUR = OKABE_ITO["blue"]
EXTENSION_COLOUR = OKABE_ITO["sky_blue"]
WINDOW_COLOUR = OKABE_ITO["orange"]
TODAY_COLOUR = OKABE_ITO["vermillion"]

TRACE_BASE = "Contract term"
TRACE_EXTENSION = "Extension options (latest end)"
TRACE_NO_START = "End date (start not recorded)"
TRACE_WINDOWS = "Joint procurement window"


def esc(text: object) -> str:
    """Text as plotly should show it: literally (plotly reads &lt; back as <)."""
    return html.escape("" if text is None else str(text), quote=False)


def _money(value: float | None) -> str:
    return "not recorded" if value is None else f"£{value:,.0f}"


def _day(value: date | None) -> str:
    return "not recorded" if value is None else f"{value.day} {value:%b %Y}"


@dataclass(frozen=True)
class Row:
    """One row of the chart, top to bottom: a group's heading or a borough/contract lane."""

    y: int
    label: str  # plain text; escaped when it goes into the figure
    group: str
    header: bool = False


def _group_order(name: str) -> tuple[bool, str]:
    return (name == NOT_KNOWN, name.casefold())


def arrange(
    contracts: list[dict], mode: str = "borough", group_by: str = "service_area"
) -> tuple[list[Row], dict[str, int]]:
    """The rows and, per contract id, the row it is drawn on.

    Groups alphabetically ("Not known" last), each with a heading row; in a group, boroughs by
    name (``mode="borough"``: all of a borough's contracts on one row) or contracts by end date,
    labelled with the borough and the system (the supplier when grouped by system).
    """
    detail = ("supplier", "system") if group_by == "system" else ("system", "supplier")
    names = reference.borough_names()
    by_group: dict[str, list[dict]] = {}
    for c in contracts:
        by_group.setdefault(c.get("group") or NOT_KNOWN, []).append(c)
    rows: list[Row] = []
    where: dict[str, int] = {}
    for group in sorted(by_group, key=_group_order):
        rows.append(Row(len(rows), group, group, header=True))
        items = by_group[group]
        if mode == "contract":
            items = sorted(items, key=lambda c: (c["end"], names.get(c["borough_code"], ""), c["contract_id"]))
            for c in items:
                label = f"{names.get(c['borough_code'], c['borough_code'])} · {c.get(detail[0]) or c.get(detail[1])}"
                where[c["contract_id"]] = len(rows)
                rows.append(Row(len(rows), label[:48], group))
        else:
            lanes: dict[str, int] = {}
            for code in sorted({c["borough_code"] for c in items}, key=lambda k: names.get(k, k)):
                lanes[code] = len(rows)
                rows.append(Row(len(rows), names.get(code, code), group))
            for c in items:
                where[c["contract_id"]] = lanes[c["borough_code"]]
    return rows, where


def contract_click(c: dict) -> str:
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


def window_click(w: Window) -> str:
    """What a click on a window filters by: its boroughs and group, and its contracts' end dates."""
    low, high = base_end_range(w)
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


def contract_hover(c: dict, names: dict[str, str]) -> str:
    lines = [
        f"<b>{esc(names.get(c['borough_code'], c['borough_code']))}</b>",
        f"System: {esc(c.get('system') or 'not recorded')}",
        f"Supplier: {esc(c.get('supplier') or 'not recorded')}",
        f"Start: {_day(c.get('start'))} · end: {_day(c['end'])}",
    ]
    if c.get("max_end") and c["max_end"] > c["end"]:
        lines.append(f"Latest end with extensions: {_day(c['max_end'])}")
    lines.append(f"Annual value: {_money(c.get('annual_value'))}")
    lines.append("Click to see this contract in Contracts")
    return "<br>".join(lines)


def window_hover(w: Window, names: dict[str, str]) -> str:
    boroughs = ", ".join(names.get(code, code) for code in w.boroughs)
    return "<br>".join(
        [
            f"<b>Window: {esc(w.group)}</b>",
            f"Contracts end {_day(w.start)} to {_day(w.end)}",
            f"{len(w.boroughs)} boroughs: {esc(boroughs)}",
            f"Start procurement by {_day(w.procurement_start)}",
            "Click to see these contracts in Contracts",
        ]
    )


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


def _title(mode: str, group_by: str) -> str:
    lanes = "borough" if mode == "borough" else "contract"
    return f"Contract terms by {lanes}, grouped by {GROUP_LABELS[group_by].lower()}, with joint procurement windows"


def timeline_figure(
    contracts: list[dict],
    windows: Iterable[Window] = (),
    *,
    group_by: str = "service_area",
    mode: str = "borough",
    today: date | None = None,
    total: int | None = None,
    undated: int = 0,
    limit: int = MAX_DRAWN,
) -> dict:
    """The timeline of ``contracts`` (dicts as ``queries.timeline`` returns, in drawing priority).

    At most ``limit`` contracts are drawn, the first ones given; ``total`` is how many match in
    all (default: as many as given), so the note can say what is missing. ``windows`` are
    shaded over the rows of their group, when that group is drawn.
    """
    today = today or date.today()
    mode = mode if mode in MODES else "borough"
    drawn = contracts[:limit]
    total = len(contracts) if total is None else max(total, len(drawn))
    names = reference.borough_names()
    rows, where = arrange(drawn, mode, group_by)

    base = {"y": [], "base": [], "x": [], "customdata": [], "hovertext": []}
    extension = {"y": [], "base": [], "x": [], "customdata": [], "hovertext": []}
    no_start = {"y": [], "x": [], "customdata": [], "hovertext": []}
    for c in drawn:
        y, click, hover = where[c["contract_id"]], contract_click(c), contract_hover(c, names)
        start, end, max_end = c.get("start"), c["end"], c.get("max_end")
        if start is not None and start <= end:
            base["y"].append(y)
            base["base"].append(start.isoformat())
            base["x"].append((end - start).days * DAY_MS)
            base["customdata"].append(click)
            base["hovertext"].append(hover)
        else:
            no_start["y"].append(y)
            no_start["x"].append(end.isoformat())
            no_start["customdata"].append(click)
            no_start["hovertext"].append(hover)
        if max_end is not None and max_end > end:
            extension["y"].append(y)
            extension["base"].append(end.isoformat())
            extension["x"].append((max_end - end).days * DAY_MS)
            extension["customdata"].append(click)
            extension["hovertext"].append(hover)

    bar = {"type": "bar", "orientation": "h", "width": 0.6, "hoverinfo": "text"}
    data = [
        {**bar, **base, "name": TRACE_BASE, "marker": {"color": BASE_COLOUR}},
        {**bar, **extension, "name": TRACE_EXTENSION, "marker": {"color": EXTENSION_COLOUR, "opacity": 0.55}},
    ]
    if no_start["y"]:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                **no_start,
                "name": TRACE_NO_START,
                "hoverinfo": "text",
                "marker": {"color": BASE_COLOUR, "symbol": "triangle-left", "size": 10},
            }
        )

    bands: dict[str, tuple[int, int]] = {}
    for r in rows:
        first, last = bands.get(r.group, (r.y, r.y))
        bands[r.group] = (min(first, r.y), max(last, r.y))
    shapes: list[dict] = []
    handles = {"x": [], "y": [], "text": [], "textposition": [], "customdata": [], "hovertext": []}
    seen: dict[str, int] = {}
    for w in sorted(windows, key=lambda w: (w.group, w.start)):
        if w.group not in bands:
            continue
        # labels alternate sides of their diamonds, the first to the left, so neighbours point apart
        nth = seen[w.group] = seen.get(w.group, -1) + 1
        top, bottom = bands[w.group]
        x0, x1 = w.start, w.end
        if (x1 - x0).days < 2 * MIN_WINDOW_DAYS:
            pad = timedelta(days=MIN_WINDOW_DAYS)
            x0, x1 = x0 - pad, x1 + pad
        shapes.append(
            {
                "type": "rect",
                "name": f"window {w.key}",
                "xref": "x",
                "yref": "y",
                "x0": x0.isoformat(),
                "x1": x1.isoformat(),
                "y0": top - 0.5,
                "y1": bottom + 0.5,
                "fillcolor": WINDOW_COLOUR,
                "opacity": 0.2,
                "line": {"color": WINDOW_COLOUR, "width": 1, "dash": "dot"},
                "layer": "below",
            }
        )
        handles["x"].append((w.start + (w.end - w.start) / 2).isoformat())
        handles["y"].append(top)
        handles["text"].append(f"{len(w.boroughs)} boroughs")
        handles["textposition"].append("middle right" if nth % 2 else "middle left")
        handles["customdata"].append(window_click(w))
        handles["hovertext"].append(window_hover(w, names))
    if handles["x"]:
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                **handles,
                "name": TRACE_WINDOWS,
                "hoverinfo": "text",
                "textfont": {"color": "#8a5a00", "size": 12},
                "marker": {
                    "color": WINDOW_COLOUR,
                    "symbol": "diamond",
                    "size": 13,
                    "line": {"color": "white", "width": 1},
                },
            }
        )
    for r in rows:
        if r.header and r.y:
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "yref": "y",
                    "x0": 0,
                    "x1": 1,
                    "y0": r.y - 0.5,
                    "y1": r.y - 0.5,
                    "line": {"color": "#ced4da", "width": 1},
                    "layer": "below",
                }
            )
    shapes.append(
        {
            "type": "line",
            "name": "today",
            "xref": "x",
            "yref": "paper",
            "x0": today.isoformat(),
            "x1": today.isoformat(),
            "y0": 0,
            "y1": 1,
            "line": {"color": TODAY_COLOUR, "width": 2, "dash": "dash"},
        }
    )
    annotations = [
        {
            "text": "Today",
            "x": today.isoformat(),
            "xref": "x",
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"color": TODAY_COLOUR, "size": 12},
        }
    ]
    n = max(len(rows), 1)
    height = max(320, 170 + ROW_HEIGHT * n)
    note = cap_note(len(drawn), total, undated)
    if note:
        annotations.append(
            {
                "text": esc(note),
                "name": "cap-note",
                "xref": "paper",
                "yref": "container",
                "x": 0,
                "xanchor": "left",
                "y": 1 - 40 / height,  # pixels below the title, whatever the height
                "yanchor": "top",
                "showarrow": False,
                "align": "left",
                "font": {"size": 12, "color": "#6c757d"},
            }
        )
    if not rows:
        annotations.append(
            {
                "text": "No dated contracts match",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {
                "text": _title(mode, group_by),
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1,
                "yanchor": "top",
                "pad": {"t": 14},
            },
            "font": FONT,
            "height": height,
            "margin": {"l": 10, "r": 20, "t": 130, "b": 40},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "barmode": "overlay",
            "hovermode": "closest",
            "clickmode": "event",
            "showlegend": True,
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1 - 62 / height,
                "yanchor": "top",
            },
            "xaxis": {"type": "date", "side": "top", "gridcolor": "#e9ecef", "title": {"text": ""}},
            "yaxis": {
                "tickmode": "array",
                "tickvals": [r.y for r in rows],
                "ticktext": [f"<b>{esc(r.label)}</b>" if r.header else esc(r.label) for r in rows],
                "range": [n - 0.5, -0.5],
                "fixedrange": True,
                "showgrid": False,
                "zeroline": False,
                "automargin": True,
            },
            "shapes": shapes,
            "annotations": annotations,
            "hoverlabel": {"font": FONT, "align": "left"},
        },
    }
