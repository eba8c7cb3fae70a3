"""Figures and tables of the market views (systems, suppliers).

Figures are plain dicts built by pure functions from the small results of
``dashboard.queries.systems`` / ``.suppliers`` (no plotly express: see ``dashboard.figures``).
Names that go into a figure are HTML-escaped, because plotly reads tick labels and hover text
as a little HTML; in tables they are component text, which Dash escapes itself.

The tables here differ from ``layout.data_table`` in two ways the market views need: a cell
may be a link (a system to its page, a borough to its profile), and rows hold raw values
(dates, pounds, shares) that are formatted per column, so the same rows feed the CSV export.
"""

from __future__ import annotations

import html as html_text
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import state
from dashboard.figures import FONT, OKABE_ITO, PALETTE, ROW_HEIGHT
from dashboard.layout import fmt_date, fmt_int, fmt_money
from dashboard.queries.suppliers import HHI_HIGH, HHI_MODERATE, OTHERS

# Survey scores 1-5: red-orange for poor, grey for neutral, blues for good (Okabe-Ito, plus a grey).
SCORE_COLOURS: dict[int, str] = {
    1: OKABE_ITO["vermillion"],
    2: OKABE_ITO["orange"],
    3: "#BBBBBB",
    4: OKABE_ITO["sky_blue"],
    5: OKABE_ITO["blue"],
}
HHI_COLOURS = {"high": OKABE_ITO["vermillion"], "moderate": OKABE_ITO["orange"], "low": OKABE_ITO["bluish_green"]}


# --------------------------------------------------------------------------- links


def href(path: str, query: Mapping[str, object] | None = None, *, filters_only: bool = False, **changes) -> str:
    """``path`` with the canonical query string (``dashboard.state``) of ``query`` and ``changes``.

    A change to None removes the key; ``filters_only`` keeps just the shared filters, for a
    link to another view. Values are URL-encoded, so any name makes a safe link.
    """
    params = state.filters_of(query or {}) if filters_only else dict(query or {})
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return path + state.to_search(params)


def borough_href(code: str) -> str:
    """The borough profile page of an ONS code."""
    return f"/borough/{quote(code, safe='')}"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its raw values are shown (text, int, money, date, pct, score)."""

    heading: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "pct", "score")


def show(value: object, kind: str) -> str:
    """A raw table value as text for the screen."""
    if value is None or value == "":
        return "–"
    if kind == "int":
        return fmt_int(int(value))
    if kind == "money":
        return fmt_money(float(value))
    if kind == "pct":
        return f"{float(value):.1f}%"
    if kind == "score":
        return f"{float(value):.1f}"
    if kind == "date":
        return short_date(value)
    return str(value)


def short_date(value: object) -> str:
    """A date as '31 Mar 2027': tables of end dates stay narrow enough to read on a laptop."""
    day = value
    if not isinstance(day, date):
        try:
            day = date.fromisoformat(str(value)[:10])
        except ValueError:
            return fmt_date(value)
    return f"{day.day} {day:%b %Y}"


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    caption: str,
    links: Sequence[Mapping[int, str]] | None = None,
    table_id: str | None = None,
) -> dbc.Table:
    """An HTML table of raw values formatted per column; ``links[i][j]`` makes cell (i, j) a link."""

    def cell(i: int, j: int, value: object) -> html.Td:
        text = show(value, columns[j].kind)
        target = links[i].get(j) if links else None
        content = dcc.Link(text, href=target) if target and value not in (None, "") else text
        return html.Td(content, className="text-end" if columns[j].numeric else None)

    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(
                html.Tr([html.Th(c.heading, scope="col", className="text-end" if c.numeric else None) for c in columns])
            ),
            html.Tbody([html.Tr([cell(i, j, v) for j, v in enumerate(r)]) for i, r in enumerate(rows)]),
        ],
        bordered=False,
        hover=True,
        size="sm",
        striped=True,
        className="mb-0",
        **({"id": table_id} if table_id else {}),
    )


# --------------------------------------------------------------------------- figures


def _t(text: object) -> str:
    """A name as plotly text: escaped, so '<b>' in a supplier name is shown, not applied."""
    return html_text.escape(str(text), quote=False)


def _layout(title: str, rows: int, xaxis: dict, **extra) -> dict:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top",
                  "pad": {"t": 14}},
        "font": FONT,
        "height": max(260, 140 + ROW_HEIGHT * rows),
        "margin": {"l": 10, "r": 20, "t": 90, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#e9ecef", **xaxis},
        "yaxis": {"automargin": True, "autorange": "reversed", "type": "category"},
        "hoverlabel": {"font": FONT},
        **extra,
    }  # fmt: skip


def _no_data(figure: dict, message: str) -> dict:
    figure["layout"]["annotations"] = [
        *figure["layout"].get("annotations", []),
        {"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5},
    ]
    return figure


def _count_axis(title: str, max_count: int) -> dict:
    return {
        "title": {"text": title},
        "rangemode": "tozero",
        "tickformat": ",d",
        **({"dtick": 1} if max_count <= 10 else {}),
    }


def _legend() -> dict:
    return {"orientation": "h", "traceorder": "normal", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom"}


def system_usage_bar(rows: Sequence[dict], top: int = 15) -> dict:
    """Bars of the boroughs using each system, for the ``top`` most used (rows of ``ranking``)."""
    shown = list(rows[:top])
    title = f"The {len(shown)} systems used by the most boroughs" if len(rows) > top else "Boroughs using each system"
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Boroughs",
                "x": [r["boroughs"] for r in shown],
                "y": [_t(r["system"]) for r in shown],
                "customdata": [r["contracts"] for r in shown],
                "marker": {"color": OKABE_ITO["blue"]},
                "hovertemplate": "%{y}: used by %{x:,} boroughs, %{customdata:,} contracts<extra></extra>",
            }
        ],
        "layout": _layout(
            title, len(shown), _count_axis("Boroughs using it", max((r["boroughs"] for r in shown), default=0)),
            showlegend=False,
        ),
    }  # fmt: skip
    return _no_data(figure, "No system matches") if not shown else figure


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else (str(value) if value else None)


def end_timeline(items: Sequence[dict], title: str, today: date, group_label: str = "System") -> dict:
    """A dot per contract at its end date and a line on to its latest end with every extension.

    ``items``: dicts with ``label`` (the row: a borough), ``group`` (the colour: a system or a
    supplier), ``end`` and ``max_end`` (dates or None), ``detail`` (hover text). Items without
    an end date cannot be placed: the figure says how many were left out.
    """
    placed = [it for it in items if it.get("end")]
    groups = list(dict.fromkeys(it["group"] for it in placed))
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    data: list[dict] = []
    for g in groups:
        mine = [it for it in placed if it["group"] == g]
        extended = [it for it in mine if it.get("max_end") and it["max_end"] > it["end"]]
        xs: list[str | None] = []
        ys: list[str | None] = []
        for it in extended:
            xs += [_iso(it["end"]), _iso(it["max_end"]), None]
            ys += [_t(it["label"]), _t(it["label"]), None]
        if extended:
            data.append(
                {
                    "type": "scatter", "mode": "lines+markers", "name": f"{_t(g)}: with extensions",
                    "x": xs, "y": ys, "legendgroup": _t(g), "showlegend": False, "hoverinfo": "skip",
                    "line": {"color": colours[g], "width": 2, "dash": "dot"},
                    "marker": {"symbol": "diamond-open", "size": [0, 10, 0] * len(extended), "color": colours[g]},
                }
            )  # fmt: skip
        data.append(
            {
                "type": "scatter", "mode": "markers", "name": _t(g), "legendgroup": _t(g),
                "x": [_iso(it["end"]) for it in mine], "y": [_t(it["label"]) for it in mine],
                "hovertext": [_t(it.get("detail") or it["label"]) for it in mine],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "marker": {"color": colours[g], "size": 11, "line": {"color": "white", "width": 1}},
            }
        )  # fmt: skip
    labels = list(dict.fromkeys(_t(it["label"]) for it in placed))
    figure = {
        "data": data,
        "layout": _layout(
            title,
            len(labels),
            {"title": {"text": "Contract end (◇ latest end with every extension)"}, "type": "date"},
            showlegend=len(groups) > 1,
            legend={**_legend(), "title": {"text": group_label}},
            shapes=[
                {"type": "line", "xref": "x", "yref": "paper", "x0": today.isoformat(), "x1": today.isoformat(),
                 "y0": 0, "y1": 1, "line": {"color": OKABE_ITO["black"], "width": 1, "dash": "dash"}}
            ],
            annotations=[
                {"text": "Today", "xref": "x", "yref": "paper", "x": today.isoformat(), "y": 0, "yanchor": "bottom",
                 "xanchor": "left", "xshift": 2, "showarrow": False, "font": {"size": 11},
                 "bgcolor": "rgba(255,255,255,0.8)"}
            ],
        ),
    }  # fmt: skip
    figure["layout"]["yaxis"]["categoryarray"] = labels
    figure["layout"]["yaxis"]["categoryorder"] = "array"
    missing = len(items) - len(placed)
    if not placed:
        return _no_data(figure, "No contract with an end date")
    if missing:
        figure["layout"]["annotations"].append(
            {"text": f"{missing} contract{'s' if missing != 1 else ''} without an end date not shown",
             "xref": "paper", "yref": "paper", "x": 1, "xanchor": "right", "y": 0, "yanchor": "top", "yshift": -30,
             "showarrow": False, "font": {"size": 11}}
        )  # fmt: skip
    return figure


def score_bars(summary: Sequence[dict], several_systems: bool = False) -> dict:
    """Stacked bars: how many contracts gave each score 1-5, per score kind (and system).

    ``summary`` rows are those of ``queries.systems.summarise_scores``.
    """
    labels = [_t(f"{s['system']}: {s['label']}" if several_systems else s["label"]) for s in summary]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": f"{score}",
            "x": [s["distribution"].get(score, 0) for s in summary],
            "y": labels,
            "marker": {"color": colour},
            "hovertemplate": f"%{{y}}: %{{x:,}} answered {score}<extra></extra>",
        }
        for score, colour in SCORE_COLOURS.items()
    ]
    max_n = max((s["n"] for s in summary), default=0)
    figure = {
        "data": data,
        "layout": _layout(
            "Survey scores, 1 (poor) to 5 (good)",
            len(labels) * 2,
            _count_axis("Answers", max_n),
            barmode="stack",
            legend={**_legend(), "title": {"text": "Score"}},
        ),
    }
    return _no_data(figure, "No survey scores") if not max_n else figure


def share_bar(rows: Sequence[dict], measure: str, measure_label: str) -> dict:
    """Bars of each supplier's share of ``measure`` (rows of ``fold_others``, with ``<measure>_share``)."""
    named = [r for r in rows if r["supplier"] != OTHERS]
    title = (
        f"Share of {measure_label}: the {len(named)} largest suppliers and all others"
        if len(named) < len(rows)
        else f"Share of {measure_label} by supplier"
    )
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Share",
                "x": [round(r.get(f"{measure}_share") or 0, 2) for r in rows],
                "y": [_t(r["supplier"]) for r in rows],
                "marker": {
                    "color": [OKABE_ITO["black"] if r["supplier"] == OTHERS else OKABE_ITO["blue"] for r in rows]
                },
                "hovertemplate": "%{y}: %{x:.1f}%<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            len(rows),
            {"title": {"text": f"Share of {measure_label} (%)"}, "rangemode": "tozero", "ticksuffix": "%"},
            showlegend=False,
        ),
    }
    return _no_data(figure, "No supplier matches") if not rows else figure


def hhi_band(value: float | None) -> str:
    if value is None:
        return "low"
    return "high" if value > HHI_HIGH else "moderate" if value >= HHI_MODERATE else "low"


def hhi_bar(areas: Sequence[dict]) -> dict:
    """Bars of each service area's HHI, coloured by band, with the 1,500 and 2,500 thresholds drawn."""
    shown = sorted((a for a in areas if a["hhi"] is not None), key=lambda a: (-a["hhi"], a["service_area"]))
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "HHI",
                "x": [round(a["hhi"]) for a in shown],
                "y": [_t(a["service_area"]) for a in shown],
                "customdata": [[_t(a["reading"]), a["suppliers"]] for a in shown],
                "marker": {"color": [HHI_COLOURS[hhi_band(a["hhi"])] for a in shown]},
                "hovertemplate": "%{y}: HHI %{x:,} (%{customdata[1]} suppliers)<br>%{customdata[0]}<extra></extra>",
            }
        ],
        "layout": _layout(
            "Supplier concentration by service area, most concentrated first (HHI)",
            len(shown),
            {"title": {"text": "Herfindahl-Hirschman Index (0-10,000)"}, "range": [0, 10_500], "tickformat": ",d"},
            showlegend=False,
            shapes=[
                {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                 "line": {"color": OKABE_ITO["black"], "width": 1, "dash": "dash"}}
                for x in (HHI_MODERATE, HHI_HIGH)
            ],
            annotations=[
                {"text": f"{x:,}", "xref": "x", "yref": "paper", "x": x, "y": 1, "yanchor": "bottom",
                 "showarrow": False, "font": {"size": 11}}
                for x in (HHI_MODERATE, HHI_HIGH)
            ],
        ),
    }  # fmt: skip
    return _no_data(figure, "No service area with a known supplier") if not shown else figure
