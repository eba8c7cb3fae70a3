"""The contract timeline: a Gantt chart as a plain plotly dict, with procurement windows shaded.

A handful of traces whatever the number of contracts (contract terms, extension options,
contracts without a start date, window handles, the rows' names) and shapes for the windows and
today's line: one trace per contract would make plotly slow long before the chart stops being
readable. Horizontal bars on a numeric y axis (``base`` = start date, ``x`` = duration in ms) give
full control of the rows: a heading row per group, then one row per borough or contract, named
by a text trace rather than tick labels (``label_trace``).

The figure draws what ``dashboard.logic.timeline.chart`` decided: the rows, each bar's row and
click (``customdata``, what a click filters by), the windows, the title and the cap note.
Names go into the figure escaped: plotly renders a few HTML tags inside text, and a name is
data, never markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from dashboard import format as fmt
from dashboard.figures import FONT, OKABE_ITO, esc, title_of
from etl import reference

ROW_HEIGHT = 20  # pixels per row
DAY_MS = 86_400_000
MIN_WINDOW_DAYS = 14  # a window of one end date is drawn this wide either side, so it can be seen
NOT_RECORDED = "not recorded"

BASE_COLOUR = OKABE_ITO["blue"]
EXTENSION_COLOUR = OKABE_ITO["sky_blue"]
WINDOW_COLOUR = OKABE_ITO["orange"]
TODAY_COLOUR = OKABE_ITO["vermillion"]

TRACE_BASE = "Contract term"
TRACE_EXTENSION = "Extension options (latest end)"
TRACE_NO_START = "End date (start not recorded)"
TRACE_WINDOWS = "Joint procurement window"
TRACE_LABELS = "Row labels"  # the rows' names: a text trace, not tick labels (see ``label_trace``)
LABEL_PX = {False: 7.0, True: 8.6}  # pixels per character of a row label at the figure's font, bold for headings


def _day(value: date | None) -> str:
    return fmt.short_date(value, missing=NOT_RECORDED)


def contract_hover(c: Mapping, names: Mapping[str, str]) -> str:
    lines = [
        f"<b>{esc(names.get(c['borough_code'], c['borough_code']))}</b>",
        f"System: {esc(c.get('system') or NOT_RECORDED)}",
        f"Supplier: {esc(c.get('supplier') or NOT_RECORDED)}",
        f"Start: {_day(c.get('start'))} · end: {_day(c['end'])}",
    ]
    if c.get("max_end") and c["max_end"] > c["end"]:
        lines.append(f"Latest end with extensions: {_day(c['max_end'])}")
    lines.append(f"Annual value: {fmt.pounds(c.get('annual_value'), missing=NOT_RECORDED)}")
    lines.append("Click to see this contract in Contracts")
    return "<br>".join(lines)


def window_hover(w: Mapping, names: Mapping[str, str]) -> str:
    boroughs = ", ".join(names.get(code, code) for code in w["boroughs"])
    return "<br>".join(
        [
            f"<b>Window: {esc(w['group'])}</b>",
            f"Contracts end {_day(w['start'])} to {_day(w['end'])}",
            f"{len(w['boroughs'])} boroughs: {esc(boroughs)}",
            f"Start procurement by {_day(w['procurement_start'])}",
            "Click to see these contracts in Contracts",
        ]
    )


# --------------------------------------------------------------------------- traces


def _add(trace: dict, **values: object) -> None:
    for name, value in values.items():
        trace[name].append(value)


def bar_traces(bars: Sequence[Mapping]) -> list[dict]:
    """Contract terms, extension options and (for contracts without a start) end markers."""
    names = reference.borough_names()
    base = {"y": [], "base": [], "x": [], "customdata": [], "hovertext": []}
    extension = {"y": [], "base": [], "x": [], "customdata": [], "hovertext": []}
    no_start = {"y": [], "x": [], "customdata": [], "hovertext": []}
    for c in bars:
        point = {"y": c["y"], "customdata": c["click"], "hovertext": contract_hover(c, names)}
        start, end, max_end = c.get("start"), c["end"], c.get("max_end")
        if start is not None and start <= end:
            _add(base, base=start.isoformat(), x=(end - start).days * DAY_MS, **point)
        else:
            _add(no_start, x=end.isoformat(), **point)
        if max_end is not None and max_end > end:
            _add(extension, base=end.isoformat(), x=(max_end - end).days * DAY_MS, **point)
    bar = {"type": "bar", "orientation": "h", "width": 0.6, "hoverinfo": "text"}
    data = [
        {**bar, **base, "name": TRACE_BASE, "marker": {"color": BASE_COLOUR}},
        {**bar, **extension, "name": TRACE_EXTENSION, "marker": {"color": EXTENSION_COLOUR, "opacity": 0.55}},
    ]
    if no_start["y"]:
        marker = {"color": BASE_COLOUR, "symbol": "triangle-left", "size": 10}
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                **no_start,
                "name": TRACE_NO_START,
                "hoverinfo": "text",
                "marker": marker,
            }
        )
    return data


def _bands(rows: Sequence) -> dict[str, tuple[int, int]]:
    """Per group, its first and last row."""
    bands: dict[str, tuple[int, int]] = {}
    for r in rows:
        first, last = bands.get(r.group, (r.y, r.y))
        bands[r.group] = (min(first, r.y), max(last, r.y))
    return bands


def _window_rect(w: Mapping, top: int, bottom: int) -> dict:
    x0, x1 = w["start"], w["end"]
    if (x1 - x0).days < 2 * MIN_WINDOW_DAYS:
        pad = timedelta(days=MIN_WINDOW_DAYS)
        x0, x1 = x0 - pad, x1 + pad
    return {
        "type": "rect",
        "name": f"window {w['key']}",
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


def window_parts(windows: Sequence[Mapping], rows: Sequence) -> tuple[list[dict], list[dict]]:
    """The shaded rectangles and the trace of clickable handles, for the windows whose group is drawn."""
    names = reference.borough_names()
    bands = _bands(rows)
    shapes: list[dict] = []
    handles = {"x": [], "y": [], "customdata": [], "hovertext": []}
    for w in windows:
        if w["group"] not in bands:
            continue
        # no text beside the diamond: labels of windows close in time printed over each other; the
        # page lists the windows in a table under the chart, and the hover says it all
        top, bottom = bands[w["group"]]
        shapes.append(_window_rect(w, top, bottom))
        _add(
            handles,
            x=(w["start"] + (w["end"] - w["start"]) / 2).isoformat(),
            y=top,
            customdata=w["click"],
            hovertext=window_hover(w, names),
        )
    if not handles["x"]:
        return shapes, []
    marker = {"color": WINDOW_COLOUR, "symbol": "diamond", "size": 13, "line": {"color": "white", "width": 1}}
    trace = {
        "type": "scatter",
        "mode": "markers",
        **handles,
        "name": TRACE_WINDOWS,
        "hoverinfo": "text",
        "marker": marker,
    }
    return shapes, [trace]


# --------------------------------------------------------------------------- shapes, notes, layout


def separators(rows: Sequence) -> list[dict]:
    """A thin line above every group heading but the first."""
    return [
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
        for r in rows
        if r.header and r.y
    ]


def today_marks(today: date) -> tuple[dict, dict]:
    """Today's dashed line and its label."""
    line = {
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
    label = {
        "text": "Today",
        "x": today.isoformat(),
        "xref": "x",
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"color": TODAY_COLOUR, "size": 12},
    }
    return line, label


def notes(note: str | None, empty: bool, height: int) -> list[dict]:
    """The cap note under the title, and a word in the middle when nothing is drawn."""
    out = []
    if note:
        out.append(
            {
                "text": esc(note),
                "name": "cap-note",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "xanchor": "left",
                "y": 1,  # above the plot, between the legend and the dates: pixels, whatever the height
                "yanchor": "bottom",
                "yshift": 22,
                "showarrow": False,
                "align": "left",
                "font": {"size": 12, "color": "#6c757d"},
            }
        )
    if empty:
        out.append(
            {
                "text": "No dated contracts match",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        )
    return out


def label_width(rows: Sequence) -> int:
    """Pixels the longest row label needs (a generous estimate: a label is never cut)."""
    return int(max((len(r.label) * LABEL_PX[bool(r.header)] for r in rows), default=0)) + 12


def label_trace(rows: Sequence) -> dict:
    """The rows' names, right-aligned against the chart's left edge, on an axis of their own.

    As tick labels, plotly measured every one in the page (a forced layout each) and drew the chart
    twice to fit the margin: about three quarters of a redraw's time with a hundred rows. A text
    trace is drawn once, in a margin sized here (``label_width``); it takes no hover and no click.
    """
    return {
        "type": "scatter",
        "mode": "text",
        "name": TRACE_LABELS,
        "x": [0] * len(rows),
        "y": [r.y for r in rows],
        "text": [f"<b>{esc(r.label)}</b>" if r.header else esc(r.label) for r in rows],
        "textposition": "middle left",
        "xaxis": "x2",
        "cliponaxis": False,
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _layout(title: str, rows: Sequence, height: int) -> dict:
    n = max(len(rows), 1)
    return {
        "title": title_of(title),
        "font": FONT,
        "height": height,
        "margin": {"l": 10 + label_width(rows), "r": 20, "t": 130, "b": 40},
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
        "xaxis2": {"domain": [0, 0.001], "range": [0, 1], "visible": False, "fixedrange": True},  # the labels'
        "yaxis": {
            "showticklabels": False,
            "range": [n - 0.5, -0.5],
            "fixedrange": True,
            "showgrid": False,
            "zeroline": False,
        },
        "hoverlabel": {"font": FONT, "align": "left"},
    }


def timeline_figure(chart: Mapping, today: date | None = None) -> dict:
    """The timeline of a chart (``logic.timeline.chart``: ``rows``, ``bars``, ``windows``, ``title``, ``note``).

    ``rows`` are objects with ``y``, ``label``, ``group`` and ``header``; ``bars`` the contracts
    drawn, each with its row ``y`` and ``click``; ``windows`` dicts with ``key``, ``group``,
    ``start``, ``end``, ``boroughs``, ``procurement_start`` and ``click``.
    """
    today = today or date.today()
    rows = chart["rows"]
    shapes, handles = window_parts(chart["windows"], rows)
    line, label = today_marks(today)
    height = max(320, 170 + ROW_HEIGHT * max(len(rows), 1))
    layout = _layout(chart["title"], rows, height)
    layout["shapes"] = [*shapes, *separators(rows), line]
    layout["annotations"] = [label, *notes(chart["note"], not rows, height)]
    return {"data": [*bar_traces(chart["bars"]), *handles, label_trace(rows)], "layout": layout}


def json_bytes(figure: Mapping) -> int:
    """The size of a figure as the browser receives it (compact JSON), for the page's budget."""
    return len(json.dumps(figure, separators=(",", ":"), default=str).encode())
