"""Systems: which systems the boroughs run, and, for a chosen system, which boroughs run it.

Two states of one page, both in the URL: without ``system`` a ranked list of systems, each
linking to ``?system=<name>`` (the other filters kept); with ``system`` the boroughs using it,
who supplies it, when each contract ends and what the boroughs think of it. The rows, sentences
and the export come from ``dashboard.logic.systems``; this module lays them out.

The page pieces the suppliers page shares are here too (``linked_table``, ``market_head``,
``market_page``, ``pager``, ``ended_note``, ``folded``): the two market pages show the same kind of
table and head, list long tables a page at a time and leave out ended contracts unless asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import format as fmt
from dashboard import layout as ui
from dashboard import links, queries, state
from dashboard.figures.systems import end_timeline, score_bars, system_usage_bar
from dashboard.layout import markdown_table, markdown_text
from dashboard.logic import systems as ls
from dashboard.logic.systems import VIEW, Link, Table, show
from dashboard.pages.my_borough import contacts_note
from dashboard.queries import systems as q
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Systems",
    "title": f"Systems · {PRODUCT}",
    "description": (
        "Which systems London boroughs run, and which boroughs run a given system, with end dates and scores."
    ),
    "order": 20,
}


# --------------------------------------------------------------------------- shared with the suppliers page


def cell_href(link: Link, st: Mapping[str, object]) -> str:
    """The href of a table cell's ``Link``: a borough's page, or a view with the current state changed."""
    if link.stem == "borough":
        return links.borough_href(link.values["code"])
    if link.stem == "mailto":
        return f"mailto:{link.values['email']}"
    return links.href(link.stem, st, **link.values)


PHONE_HIDDEN = "phone-hide-{}"  # the wrapper's class hiding column n (from 1) on a narrow screen (``Column.phone``)
# What may not stand in a Markdown link's <destination>: a site path or a checked mailto never has it.
_NOT_IN_HREF = frozenset("<>\\\n\r")


def cell_markdown(value: object, kind: str, href: str | None) -> str:
    """A cell as Markdown: its value as literal text (a status in words), a link when it leads somewhere."""
    text = markdown_text(show(value, kind))
    if href and value not in (None, "") and not _NOT_IN_HREF & set(href):
        return f"[{text}](<{href}>)"
    return text


def table_markdown(table: Table, st: Mapping[str, object]) -> str:
    """A market table as one Markdown table: headings, numbers right-aligned, each cell's ``Link`` a link."""

    def cell(i: int, j: int, value: object) -> str:
        link = table.links[i].get(j) if table.links else None
        return cell_markdown(value, table.columns[j].kind, cell_href(link, st) if link else None)

    return "\n".join(
        [
            "| " + " | ".join(markdown_text(c.heading) for c in table.columns) + " |",
            "|" + "|".join("---:" if c.numeric else "---" for c in table.columns) + "|",
            *("| " + " | ".join(cell(i, j, v) for j, v in enumerate(r)) + " |" for i, r in enumerate(table.rows)),
        ]
    )


def linked_table(table: Table, caption: str, st: Mapping[str, object], table_id: str | None = None) -> html.Div:
    """A market table, its links and all, as one Markdown component: a component per cell, link and badge
    made a page of 25 systems some 300 components, and the browser's Dash renderer pays for each on every
    click. A plain click on a link moves in the app as a ``dcc.Link`` does (assets/shell.js);
    columns marked ``phone=False`` are left out on a narrow screen (assets/market_tables.css)."""
    hidden = [PHONE_HIDDEN.format(j + 1) for j, c in enumerate(table.columns) if not c.phone]
    return html.Div(
        [html.P(caption, className="small text-body-secondary mb-1"), dcc.Markdown(table_markdown(table, st))],
        className=" ".join(["markdown-table", "markdown-links", *hidden]),
        **({"id": table_id} if table_id else {}),
    )


def scrolling(table: Table, caption: str, st: Mapping[str, object], table_id: str | None = None) -> html.Div:
    """A ``linked_table`` that scrolls sideways on a narrow screen."""
    return html.Div(linked_table(table, caption, st, table_id), className="table-responsive mb-4")


def text_table(table: Table, caption: str, table_id: str | None = None) -> html.Div:
    """A table of text (no links) as one Markdown component, for a chart's table alternative: a
    component per cell costs the browser on every redraw (the concentration table behind the HHI
    chart was some 300 of the 560 components of the suppliers page)."""
    rows = [[show(v, c.kind) for v, c in zip(r, table.columns, strict=True)] for r in table.rows]
    return markdown_table(table.headings, rows, caption, **({"id": table_id} if table_id else {}))


def folded(table: Table, caption: str, st: Mapping[str, object], top: int = 8) -> html.Div:
    """The first ``top`` rows of a table, and the rest behind a 'Show all' that opens in place (no round
    trip), each one Markdown table with its links (a supplier's profile folded some 1,000 cells there)."""
    if len(table.rows) <= top:
        return scrolling(table, caption, st)
    links_of = table.links or [{} for _ in table.rows]
    first = Table(table.columns, table.rows[:top], links_of[:top])
    rest = html.Details(
        [
            html.Summary(f"Show all {len(table.rows):,}"),
            scrolling(Table(table.columns, table.rows[top:], links_of[top:]), f"{caption} (more)", st),
        ],
        className="mb-3 folded-rest",
    )
    return html.Div([scrolling(first, caption, st), rest], className="folded-table")


def market_page(stem: str, st: dict | None, problems: list[str] | None, what: str, body: Callable) -> list:
    """A market page below its heading: its head (``market_head``), then ``body(st)``.

    When the filters cannot be used (``content`` called with a raw dict: the URL state is
    validated already, a hand-made dict may not be), a message instead of an error.
    """
    st = dict(st or {})
    try:
        queries.where_clause(st)
    except ValueError as err:
        return [ui.message(str(err), color="warning", message_id=f"{stem}-bad-filter")]
    return [*market_head(stem, st, problems, what), *body(st)]


def market_head(stem: str, st: dict, problems: list[str] | None, what: str) -> list:
    """What heads a market page: the ignored URL parts, the filters in words, the download links."""
    described = state.describe(st)
    return [
        *ui.url_problems(problems),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1", id=f"{stem}-filters")] if described else []),
        ui.download_links(stem, st, what),
    ]


def pager(stem: str, st: dict, result: dict, what: str, pager_id: str) -> list:
    """'Rows 26-50 of 180 systems' and links to the first, previous and next pages (nothing for one page)."""
    page, size, total = result["page"], result["size"], result["total"]
    last = ls.pages(total, size)
    if last <= 1:
        return []
    first_row = (page - 1) * size + 1
    items: list = [
        f"{what.capitalize()} {first_row:,}–{min(total, page * size):,} of {total:,} (page {page} of {last})"
    ]
    for label, target in (("First", 1), ("Previous", page - 1), ("Next", page + 1), ("Last", last)):
        if 1 <= target <= last and target != page:
            href = links.href(stem, st, page=None if target == 1 else target)
            items += [" · ", dcc.Link(label, href=href, className=f"pager-{label.lower()}")]
    return [html.Nav(items, className="small my-2 market-pager", id=pager_id, **{"aria-label": f"Pages of {what}"})]


def ended_note(stem: str, st: dict, hidden: int, what: str = "contracts", note_id: str = "ended-note") -> list:
    """How many ended contracts the view hides, with the link that shows them (or hides them again)."""
    if ls.shows_ended(st):
        hide = dcc.Link("Hide them", href=links.href(stem, st, ended=None, page=None), className="ended-toggle")
        return [html.P([f"Ended {what} are shown. ", hide], className="small mb-1", id=note_id)]
    if not hidden:
        return []
    one = hidden == 1
    sentence = f"{fmt.plural(hidden, 'ended contract')} {'is' if one else 'are'} left out"
    show_them = dcc.Link(
        "Show them", href=links.href(stem, st, ended=ls.ENDED_SHOW, page=None), className="ended-toggle"
    )
    return [html.P([f"{sentence} (their end and every extension have passed). ", show_them], className="small mb-1",
                   id=note_id)]  # fmt: skip


# --------------------------------------------------------------------------- the ranking


def ranking_content(cur: duckdb.DuckDBPyConnection, filters: dict) -> list:
    """No system chosen: the most used systems as a chart (first page), and a page of the linked list."""
    table, result = ls.main_table(cur, filters)  # one statement: the page, the ended left out, the boroughs
    ended = ended_note(VIEW.stem, filters, result["ended"], note_id="systems-ended")
    if not result["rows"]:
        return [*ended, ui.empty_state("systems", filters, VIEW.href, "systems-empty")]
    n_boroughs = result["in_data"]
    chart: list = []
    if result["page"] == 1:
        usage = text_table(ls.usage_table(result["rows"]), "Boroughs using each of the most used systems")
        chart = [ui.chart(system_usage_bar(result["rows"], ls.CHART_TOP), usage, "systems-usage-chart")]
    return [
        html.P(ls.ranking_summary(result["total"], n_boroughs), id="systems-summary"),
        *ended,
        *chart,
        html.H2("All systems, most used first", className="h4"),
        *pager(VIEW.stem, filters, result, "systems", "systems-pager"),
        scrolling(table, "Systems by number of boroughs using them", filters, "systems-table"),
    ]


# --------------------------------------------------------------------------- chosen systems


def _intro(filters: dict, systems: list[str], result: dict) -> list:
    """The back link, the question, a sentence per chosen system and a note on those not found."""
    per_system = {r["system"]: r for r in result["systems"]}
    out: list = [
        dcc.Link("← All systems", href=links.href(VIEW.stem, filters, system=None), id="systems-back"),
        html.H2(f"Which boroughs use {ls.and_list(systems)}", className="h4 mt-2", id="systems-question"),
        *(html.P(ls.system_sentence(per_system[s], result["in_data"])) for s in systems if s in per_system),
    ]
    missing = [s for s in systems if s not in per_system]
    if missing:
        out.append(ui.message(ls.not_found(missing), color="warning", message_id="systems-not-found"))
    return out


def _scores(scores: list[dict], systems: list[str], several: bool) -> list:
    """What the boroughs think of the chosen systems: the scores in words and as stacked bars."""
    summary = q.summarise_scores(scores, systems)
    score_table = text_table(ls.score_table(summary, several), "Boroughs' survey scores")
    return [
        html.H3("What the boroughs think of it", className="h5"),
        html.P(
            "From the borough surveys: confidence in supporting the system and users' "
            "satisfaction with it, each from 1 (poor) to 5 (good).",
            className="text-body-secondary small mb-1",
        ),
        html.Ul([html.Li(ls.score_line(s, several)) for s in summary], id="systems-scores-summary"),
        ui.chart(score_bars(summary, several), score_table, "systems-scores-chart"),
    ]


def detail_content(cur: duckdb.DuckDBPyConnection, filters: dict, today: date) -> list:
    """Systems chosen: who uses them, who supplies them, when contracts end, what boroughs think."""
    systems = q.chosen_systems(filters)
    several = len(systems) > 1
    table, result = ls.main_table(cur, filters)  # one statement, and the contacts of its page
    intro = _intro(filters, systems, result)
    ended = ended_note(VIEW.stem, filters, result["ended"], note_id="systems-ended")
    if not table.rows:
        return [*intro, *ended]
    title = ls.timeline_title(systems)
    items = ls.timeline_items(result["rows"], several)
    timeline_table = text_table(ls.timeline_table(items, several), title)
    caption = f"Boroughs using {ls.and_list(systems)}, soonest contract end first"
    return [
        *intro,
        *ended,
        *contacts_note("systems-contacts-note"),
        *pager(VIEW.stem, filters, result, "contracts", "systems-pager"),
        scrolling(table, caption, filters, "systems-boroughs-table"),
        dbc.Row(
            [
                dbc.Col(ui.chart(end_timeline(items, title, today), timeline_table, "systems-timeline-chart"), lg=7),
                dbc.Col(_scores(result["scores"], systems, several), lg=5),
            ]
        ),
    ]


# --------------------------------------------------------------------------- page


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Everything below the page heading for the URL's state: the ranking, or the chosen systems.

    ``problems`` are the parts of the URL that ``state`` ignored, shown so nobody wonders why.
    """

    def body(st: dict) -> list:
        if q.chosen_systems(st):
            return detail_content(cur, st, today or date.today())
        return ranking_content(cur, st)

    return market_page(VIEW.stem, filters, problems, "of this table", body)


layout = ui.view_layout(
    VIEW,
    "Systems",
    content,
    lead="Which systems London's boroughs run, and, for any one of them, which boroughs run it.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    del app  # no callbacks: the page is links and server-rendered content
