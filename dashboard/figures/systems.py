"""Figures of the systems view (and the contract-end timeline the suppliers view shares).

Plain dicts built by pure functions from the small results of ``dashboard.queries.systems``
(no plotly express: see ``dashboard.figures``). Names that go into a figure are escaped
(``esc``), because plotly reads tick labels and hover text as a little HTML.

The contract-end timeline (``end_timeline``) is drawn by a supplier's profile too; it stays
here because the systems view drew it first. The bar layout both use is in ``dashboard.figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dashboard import format as fmt
from dashboard.figures import OKABE_ITO, PALETTE, bar_layout, count_axis, esc, hbar, no_data, top_legend

# Survey scores 1-5: red-orange for poor, grey for neutral, blues for good (Okabe-Ito, plus a grey).
SCORE_COLOURS: dict[int, str] = {
    1: OKABE_ITO["vermillion"],
    2: OKABE_ITO["orange"],
    3: "#BBBBBB",
    4: OKABE_ITO["sky_blue"],
    5: OKABE_ITO["blue"],
}


# --------------------------------------------------------------------------- systems


def system_usage_bar(rows: Sequence[dict], top: int = 15) -> dict:
    """Bars of the boroughs using each system, for the ``top`` most used (rows of ``ranking``)."""
    shown = list(rows[:top])
    title = f"The {len(shown)} systems used by the most boroughs" if len(rows) > top else "Boroughs using each system"
    labels = [esc(r["system"]) for r in shown]
    figure = {
        "data": [
            hbar(
                "Boroughs",
                [r["boroughs"] for r in shown],
                labels,
                OKABE_ITO["blue"],
                "%{y}: used by %{x:,} boroughs, %{customdata:,} contracts<extra></extra>",
                customdata=[r["contracts"] for r in shown],
            )
        ],
        "layout": bar_layout(
            title, len(shown), count_axis("Boroughs using it", max((r["boroughs"] for r in shown), default=0)),
            labels=labels, showlegend=False,
        ),
    }  # fmt: skip
    return no_data(figure, "No system matches") if not shown else figure


def score_bars(summary: Sequence[dict], several_systems: bool = False) -> dict:
    """Stacked bars: how many contracts gave each score 1-5, per score kind (and system).

    ``summary`` rows are those of ``queries.systems.summarise_scores``.
    """
    labels = [esc(f"{s['system']}: {s['label']}" if several_systems else s["label"]) for s in summary]
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
        "layout": bar_layout(
            "Survey scores, 1 (poor) to 5 (good)",
            len(labels) * 2,
            count_axis("Answers", max_n),
            labels=labels,
            barmode="stack",
            legend={**top_legend(), "title": {"text": "Score"}},
        ),
    }
    return no_data(figure, "No survey scores") if not max_n else figure


# --------------------------------------------------------------------------- contract ends (shared)


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else (str(value) if value else None)


def _extension_trace(group: str, colour: str, extended: Sequence[dict]) -> dict:
    """Dotted lines from each contract's end to its latest end with every extension (a diamond)."""
    xs: list[str | None] = []
    ys: list[str | None] = []
    for it in extended:
        xs += [_iso(it["end"]), _iso(it["max_end"]), None]
        ys += [esc(it["label"]), esc(it["label"]), None]
    return {
        "type": "scatter", "mode": "lines+markers", "name": f"{esc(group)}: with extensions",
        "x": xs, "y": ys, "legendgroup": esc(group), "showlegend": False, "hoverinfo": "skip",
        "line": {"color": colour, "width": 2, "dash": "dot"},
        "marker": {"symbol": "diamond-open", "size": [0, 10, 0] * len(extended), "color": colour},
    }  # fmt: skip


def _end_dots(group: str, colour: str, items: Sequence[dict]) -> dict:
    return {
        "type": "scatter", "mode": "markers", "name": esc(group), "legendgroup": esc(group),
        "x": [_iso(it["end"]) for it in items], "y": [esc(it["label"]) for it in items],
        "hovertext": [esc(it.get("detail") or it["label"]) for it in items],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "marker": {"color": colour, "size": 11, "line": {"color": "white", "width": 1}},
    }  # fmt: skip


def _end_traces(placed: Sequence[dict]) -> tuple[list[dict], int]:
    """Per group (one colour each): the extension lines, then the end dots; and how many groups."""
    groups = list(dict.fromkeys(it["group"] for it in placed))
    data: list[dict] = []
    for i, group in enumerate(groups):
        colour = PALETTE[i % len(PALETTE)]
        mine = [it for it in placed if it["group"] == group]
        extended = [it for it in mine if it.get("max_end") and it["max_end"] > it["end"]]
        if extended:
            data.append(_extension_trace(group, colour, extended))
        data.append(_end_dots(group, colour, mine))
    return data, len(groups)


def _today_line(today: date) -> tuple[dict, dict]:
    """A dashed line at today, and its label."""
    # fmt: off
    line = {"type": "line", "xref": "x", "yref": "paper", "x0": today.isoformat(), "x1": today.isoformat(),
            "y0": 0, "y1": 1, "line": {"color": OKABE_ITO["black"], "width": 1, "dash": "dash"}}
    label = {"text": "Today", "xref": "x", "yref": "paper", "x": today.isoformat(), "y": 0, "yanchor": "bottom",
             "xanchor": "left", "xshift": 2, "showarrow": False, "font": {"size": 11},
             "bgcolor": "rgba(255,255,255,0.8)"}
    # fmt: on
    return line, label


def end_timeline(items: Sequence[dict], title: str, today: date, group_label: str = "System") -> dict:
    """A dot per contract at its end date and a line on to its latest end with every extension.

    ``items``: dicts with ``label`` (the row: a borough), ``group`` (the colour: a system or a
    supplier), ``end`` and ``max_end`` (dates or None), ``detail`` (hover text). Items without
    an end date cannot be placed: the figure says how many were left out.
    """
    placed = [it for it in items if it.get("end")]
    data, groups = _end_traces(placed)
    labels = list(dict.fromkeys(esc(it["label"]) for it in placed))
    line, label = _today_line(today)
    layout = bar_layout(
        title,
        len(labels),
        {"title": {"text": "Contract end (◇ latest end with every extension)"}, "type": "date"},
        labels=labels,
        showlegend=groups > 1,
        legend={**top_legend(), "title": {"text": esc(group_label)}},
        shapes=[line],
        annotations=[label],
    )
    layout["yaxis"] |= {"categoryarray": labels, "categoryorder": "array"}
    figure = {"data": data, "layout": layout}
    if not placed:
        return no_data(figure, "No contract with an end date")
    missing = len(items) - len(placed)
    if missing:
        layout["annotations"].append(
            {"text": f"{fmt.plural(missing, 'contract')} without an end date not shown",
             "xref": "paper", "yref": "paper", "x": 1, "xanchor": "right", "y": 0, "yanchor": "top", "yshift": -30,
             "showarrow": False, "font": {"size": 11}}
        )  # fmt: skip
    return figure
