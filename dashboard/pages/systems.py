"""Systems: which systems the boroughs run, and, for a chosen system, which boroughs run it.

Two states of one page, both in the URL: without ``system`` a ranked list of systems, each
linking to ``?system=<name>`` (the other filters kept); with ``system`` the boroughs using it,
who supplies it, when each contract ends and what the boroughs think of it. The main table of
either state comes from ``main_table``, which the CSV/Excel export calls too, so an export
holds the rows on screen.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import layout as ui
from dashboard import queries, state
from dashboard.exports import register_export
from dashboard.figures_market import (
    Column,
    borough_href,
    end_timeline,
    href,
    score_bars,
    show,
    system_usage_bar,
    table,
)
from dashboard.queries import systems as q
from etl import reference

dash.register_page(
    __name__,
    path="/systems",
    name="Systems",
    title=f"Systems · {ui.PRODUCT}",
    description="Which systems London boroughs run, and which boroughs run a given system, with end dates and scores.",
    order=20,
)

CHART_TOP = 15

RANKING_COLUMNS = [
    Column("System"),
    Column("Boroughs using it", "int"),
    Column("Contracts", "int"),
    Column("Suppliers", "int"),
    Column("Earliest end", "date"),
    Column("Latest end", "date"),
    Column("Confidence (mean, 1-5)", "score"),
    Column("Confidence answers", "int"),
    Column("Satisfaction (mean, 1-5)", "score"),
    Column("Satisfaction answers", "int"),
]


def _detail_columns(several: bool) -> list[Column]:
    return [
        Column("Borough"),
        *([Column("System")] if several else []),
        Column("Supplier"),
        Column("Contract ends", "date"),
        Column("Latest end with extensions", "date"),
        Column("Annual cost", "money"),
        Column("Confidence (1-5)", "int"),
        Column("Satisfaction (1-5)", "int"),
    ]


def ranking_table(rows: list[dict], filters: dict) -> tuple[list[Column], list[list], list[dict]]:
    """Columns, raw rows and links (system name -> its page, other filters kept) of the ranked list."""
    out = [
        [r["system"], r["boroughs"], r["contracts"], r["suppliers"], r["earliest_end"], r["latest_end"],
         _round(r["confidence"]), r["confidence_n"], _round(r["satisfaction"]), r["satisfaction_n"]]
        for r in rows
    ]  # fmt: skip
    links = [{0: href("/systems", filters, system=r["system"])} for r in rows]
    return RANKING_COLUMNS, out, links


def detail_table(rows: list[dict], several: bool) -> tuple[list[Column], list[list], list[dict]]:
    """Columns, raw rows and links (borough -> its profile) of the chosen systems' contracts."""
    names = reference.borough_names()
    out, links = [], []
    for r in rows:
        out.append(
            [names.get(r["borough_code"], r["borough_code"]), *([r["system"]] if several else []), r["supplier"],
             r["end_date"], r["max_end_date"], r["annual_value"], r["confidence"], r["satisfaction"]]
        )  # fmt: skip
        links.append({0: borough_href(r["borough_code"])} if r["borough_code"] else {})
    return _detail_columns(several), out, links


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[Column], list[list], list[dict], dict]:
    """The table the page shows for these filters, with the query result it came from."""
    systems = q.chosen_systems(filters)
    if systems:
        result = q.system_contracts(cur, filters)
        return (*detail_table(result["rows"], len(systems) > 1), result)
    result = q.ranking(cur, filters)
    return (*ranking_table(result["rows"], filters), result)


@register_export("systems")
def export_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[str], list[list]]:
    """The rows of the systems page's main table, raw values (dates, pounds), for CSV/Excel."""
    columns, rows, _links, _result = main_table(cur, filters)
    return [c.heading for c in columns], rows


# --------------------------------------------------------------------------- page parts


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{ui.fmt_int(n)} {word if n == 1 else (plural or word + 's')}"


def _capped(shown: int, total: int, what: str) -> list:
    if total <= shown:
        return []
    return [ui.message(f"Showing the first {shown:,} of {total:,} {what}; narrow the filters to see the rest.")]


def ranking_content(cur: duckdb.DuckDBPyConnection, filters: dict) -> list:
    """No system chosen: the most used systems as a chart, and every system in a linked table."""
    columns, rows, links, result = main_table(cur, filters)
    n_boroughs = q.boroughs_in_data(cur, filters)
    if not result["rows"]:
        return [ui.message("No system matches these filters.", message_id="systems-empty")]
    chart_table = table(
        [Column("System"), Column("Boroughs using it", "int"), Column("Contracts", "int")],
        [[r["system"], r["boroughs"], r["contracts"]] for r in result["rows"][:CHART_TOP]],
        "Boroughs using each of the most used systems",
    )
    return [
        html.P(
            f"{_plural(result['total'], 'system')} in use across {_plural(n_boroughs, 'borough')}. "
            "Choose a system to see which boroughs run it, when their contracts end and how they rate it.",
            id="systems-summary",
        ),
        ui.chart(system_usage_bar(result["rows"], CHART_TOP), chart_table, "systems-usage-chart"),
        html.H2("All systems, most used first", className="h4"),
        *_capped(len(rows), result["total"], "systems"),
        html.Div(
            table(columns, rows, "Systems by number of boroughs using them", links, table_id="systems-table"),
            className="table-responsive mb-4",
        ),
    ]


def _timeline_items(rows: list[dict], several: bool) -> list[dict]:
    names = reference.borough_names()
    items = []
    for r in rows:
        borough = names.get(r["borough_code"], r["borough_code"])
        detail = f"{borough}: {r['system']} from {r['supplier'] or 'an unrecorded supplier'}, "
        detail += f"ends {ui.fmt_date(r['end_date'])}"
        if r["max_end_date"] and r["end_date"] and r["max_end_date"] > r["end_date"]:
            detail += f", {ui.fmt_date(r['max_end_date'])} with every extension"
        items.append(
            {"label": borough, "group": r["system"] if several else "Contract", "end": r["end_date"],
             "max_end": r["max_end_date"], "detail": detail}
        )  # fmt: skip
    return items


def _system_sentence(r: dict, n_boroughs: int) -> str:
    text = (
        f"{r['system']}: used by {r['boroughs']} of the {_plural(n_boroughs, 'borough')} in the data, "
        f"under {_plural(r['contracts'], 'contract')} with {_plural(r['suppliers'], 'supplier')}"
    )
    if r["earliest_end"]:
        text += f"; contracts end between {ui.fmt_date(r['earliest_end'])} and {ui.fmt_date(r['latest_end'])}"
    return text + "."


def detail_content(cur: duckdb.DuckDBPyConnection, filters: dict, today: date) -> list:
    """Systems chosen: who uses them, who supplies them, when contracts end, what boroughs think."""
    systems = q.chosen_systems(filters)
    several = len(systems) > 1
    columns, rows, links, result = main_table(cur, filters)
    per_system = {r["system"]: r for r in q.ranking(cur, filters)["rows"]}
    n_boroughs = q.boroughs_in_data(cur, filters)
    back = dcc.Link("← All systems", href=href("/systems", filters, system=None), id="systems-back")
    heading = html.H2(f"Which boroughs use {_names(systems)}", className="h4 mt-2", id="systems-question")
    found = [s for s in systems if s in per_system]
    missing = [s for s in systems if s not in per_system]
    notes = [html.P(_system_sentence(per_system[s], n_boroughs)) for s in found]
    if missing:
        notes.append(
            ui.message(
                f"No borough contract for {_names(missing)} matches these filters. "
                "System names must match exactly as listed on the Systems page.",
                color="warning",
                message_id="systems-not-found",
            )
        )
    if not rows:
        return [back, heading, *notes]

    title_system = systems[0] if not several else None
    timeline_title = (
        f"When each borough's {title_system} contract ends" if title_system else "When each borough's contract ends"
    )
    items = _timeline_items(result["rows"], several)
    timeline_table = table(
        [Column("Borough"), *([Column("System")] if several else []), Column("Contract ends", "date"),
         Column("Latest end with extensions", "date")],
        [[it["label"], *([it["group"]] if several else []), it["end"], it["max_end"]] for it in items],
        timeline_title,
    )  # fmt: skip
    summary = q.summarise_scores(q.score_counts(cur, filters), systems)
    score_table = table(
        [*([Column("System")] if several else []), Column("Score"), Column("Mean (1-5)", "score"),
         Column("Answers", "int"), Column("Not answered", "int"), *(Column(f"Scored {k}", "int") for k in q.SCALE)],
        [[*([s["system"]] if several else []), s["label"], s["mean"], s["n"], s["missing"],
          *(s["distribution"].get(k, 0) for k in q.SCALE)] for s in summary],
        "Boroughs' survey scores",
    )  # fmt: skip
    score_lines = [
        html.Li(
            f"{s['system'] + ': ' if several else ''}{s['label']}: mean {show(s['mean'], 'score')} "
            f"from {_plural(s['n'], 'answer')}" + (f" ({s['missing']} not answered)" if s["missing"] else "")
        )
        for s in summary
    ]
    return [
        back,
        heading,
        *notes,
        *_capped(len(rows), result["total"], "contracts"),
        html.Div(
            table(
                columns, rows, f"Boroughs using {_names(systems)}, soonest contract end first", links,
                table_id="systems-boroughs-table",
            ),
            className="table-responsive mb-4",
        ),
        dbc.Row(
            [
                dbc.Col(
                    ui.chart(end_timeline(items, timeline_title, today), timeline_table, "systems-timeline-chart"),
                    lg=7,
                ),
                dbc.Col(
                    [
                        html.H3("What the boroughs think of it", className="h5"),
                        html.P(
                            "From the borough surveys: confidence in supporting the system and users' "
                            "satisfaction with it, each from 1 (poor) to 5 (good).",
                            className="text-body-secondary small mb-1",
                        ),
                        html.Ul(score_lines, id="systems-scores-summary"),
                        ui.chart(score_bars(summary, several), score_table, "systems-scores-chart"),
                    ],
                    lg=5,
                ),
            ]
        ),
    ]  # fmt: skip


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Everything below the page heading for the URL's state: the ranking, or the chosen systems.

    ``problems`` are the parts of the URL that ``state`` ignored, shown so nobody wonders why.
    """
    filters = dict(filters or {})
    try:
        queries.where_clause(filters)
    except ValueError as err:  # content() called with a raw dict; the URL state is validated already
        return [ui.message(str(err), color="warning", message_id="systems-bad-filter")]
    described = state.describe(filters)
    head = [
        *(ui.message(p, color="warning") for p in problems or []),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1", id="systems-filters")] if described else []),
        ui.download_links("systems", filters, "of this table"),
    ]
    if q.chosen_systems(filters):
        return [*head, *detail_content(cur, filters, today or date.today())]
    return [*head, *ranking_content(cur, filters)]


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (a repeated key arrives as a list)."""
    st, problems = state.check_params(query)
    return ui.page(
        "Systems",
        lambda cur: content(cur, st, problems=problems),
        lead="Which systems London's boroughs run, and, for any one of them, which boroughs run it.",
    )
