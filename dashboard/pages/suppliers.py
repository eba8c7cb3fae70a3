"""Suppliers: who holds the market, how concentrated each service area is, one supplier's profile.

Without ``supplier`` in the URL the page shows market shares (by contracts, boroughs served and
annual value; ``rank_by`` picks the order) and concentration per service area (CR10, HHI).
With ``supplier`` it shows that supplier's boroughs, systems, service areas and contracts,
linking to the contracts list. The tables, sentences and the export come from
``dashboard.logic.suppliers``; the table and head components are the systems page's.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import access, links
from dashboard import format as fmt
from dashboard import layout as ui
from dashboard.figures.suppliers import hhi_bar, share_bar, vfm_scatter
from dashboard.figures.systems import end_timeline
from dashboard.logic import suppliers as ls
from dashboard.logic.suppliers import VIEW
from dashboard.pages.systems import ended_note, folded, market_page, pager, scrolling, text_table
from dashboard.queries import suppliers as q
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Suppliers",
    "title": f"Suppliers · {PRODUCT}",
    "description": "Market shares and concentration of London borough technology suppliers, and supplier profiles.",
    "order": 30,
}

SHARES_NOTE = (
    "Boroughs served counts each borough a supplier has any contract with; its share is of all "
    "borough-supplier pairs, so that the shares add up to 100%. Choose a supplier to see its profile."
)
HHI_NOTE = (
    "The Herfindahl-Hirschman Index (HHI) adds up the squares of every supplier's percentage share: "
    "10,000 when one supplier has everything, 2,500 for four equal suppliers. Below 1,500 a market is "
    "usually read as unconcentrated, from 1,500 to 2,500 moderately, above 2,500 highly concentrated. "
    f"Shares are of annual value where at least {q.VALUE_COVERAGE:.0%} of an area's contracts have one, "
    "otherwise of contract counts; the table says which. Contracts without a service area or supplier "
    "are not counted."
)


AREA_HINT = "Click a service area to filter the views by it."
VFM_PUBLIC = (
    "Boroughs' value-for-money scores are survey answers given in confidence: this view, which sets "
    "them against the number of vendors in each service area, is shown to signed-in members."
)

# --------------------------------------------------------------------------- market


def _rank_links(filters: dict, current: str) -> html.Nav:
    """The three orders of the market table, as links that keep the rest of the URL."""
    items = []
    for key, label in q.RANK_LABELS.items():
        text = [label.capitalize(), *([html.Span(" (shown)", className="visually-hidden")] if key == current else [])]
        link = dcc.Link(
            text,
            href=links.href(VIEW.stem, filters, rank_by=key),
            className="nav-link" + (" active" if key == current else ""),
        )
        items.append(html.Li(link, className="nav-item"))
    return html.Nav(
        [html.Span("Rank suppliers by: ", className="me-2"), html.Ul(items, className="nav nav-pills d-inline-flex")],
        className="mb-3 d-flex align-items-center",
        id="suppliers-rank-by",
        **{"aria-label": "Rank suppliers by"},
    )


def _concentration(areas: list[dict], filters: dict) -> list:
    """How concentrated each service area is: the HHI chart, the full concentration table behind it."""
    table = text_table(ls.concentration_table(areas), "Supplier concentration by service area", "suppliers-hhi-table")
    return [
        html.H2("How concentrated each service area is", className="h4", id="suppliers-concentration"),
        html.P(HHI_NOTE, className="text-body-secondary small"),
        ui.chart(hhi_bar(areas, ls.HHI_THRESHOLDS), table, "suppliers-hhi-chart", hint=AREA_HINT),
    ]


def holders_card(holders: dict, card_id: str = "suppliers-headline") -> list:
    """'N suppliers hold X% of contracts', as a card (nothing when no contract has a supplier), from
    ``market_holders``' result (the market page and the overview have it from their one statement)."""
    found = ls.holders_headline(holders)
    return [ui.headline_card(*found, card_id=card_id)] if found else []


def value_for_money(cur: duckdb.DuckDBPyConnection, filters: dict) -> list:
    """Boroughs' value-for-money scores against the number of vendors per service area (members only).

    The scores are survey answers given in confidence: for the public they are blank
    (dashboard.access), and the section says so rather than showing an empty chart.
    """
    heading = html.H2("Value for money and the number of vendors", className="h4", id="suppliers-vfm")
    if not access.is_member():  # the public's cursor has no scores: nothing to ask the database
        return [heading, ui.message(VFM_PUBLIC, message_id="suppliers-vfm-members")]
    rows = q.value_for_money(cur, filters)
    areas = ls.scored(rows)
    if not areas:
        return [heading, ui.empty_state("value-for-money scores", filters, VIEW.href, "suppliers-vfm-empty")]
    table = text_table(ls.vfm_table(rows), "Value for money and vendors by service area")
    return [
        heading,
        html.P(ls.vfm_summary(rows), id="suppliers-vfm-summary"),
        ui.chart(vfm_scatter(areas), table, "suppliers-vfm-chart"),
    ]


def _show_all(filters: dict, total: int) -> list:
    """The way from the largest suppliers to every one of them, a page at a time."""
    if total <= q.TABLE_TOP:
        return []
    href = links.href(VIEW.stem, filters, list="all", page=None)
    link = dcc.Link(f"Show all {total:,} suppliers", href=href, id="suppliers-show-all")
    return [html.P(link, className="mb-4")]


def _all_suppliers(filters: dict, table: ls.Table, result: dict, label: str) -> list:
    """``list=all``: a page of every supplier, with the pager and the way back."""
    back = dcc.Link("← The largest suppliers", href=links.href(VIEW.stem, filters, list=None, page=None),
                    id="suppliers-largest")  # fmt: skip
    return [
        html.P(back),
        *pager(VIEW.stem, filters, result, "suppliers", "suppliers-pager"),
        scrolling(table, f"Every supplier by {label}", filters, "suppliers-table"),
    ]


def market_content(cur: duckdb.DuckDBPyConnection, filters: dict) -> list:
    """Shares (chart of the top 15, table of the top 10 and a way to all), concentration per service area."""
    m = ls.market_parts(cur, filters)  # one statement: shares, totals, concentration, headline
    result, totals = m["shares"], m["totals"]  # with the ended contracts left out, counted
    ended = ended_note(VIEW.stem, filters, totals["ended"], note_id="suppliers-ended")
    if not result["rows"]:
        return [*ended, ui.empty_state("contracts with a known supplier", filters, VIEW.href, "suppliers-empty")]
    rank = result["rank_by"]
    measure, label = q.RANK_BY[rank], q.RANK_LABELS[rank]
    table = ls.shares_table(m, filters)
    head = [html.P(ls.market_summary(totals), id="suppliers-summary"), *ended, _rank_links(filters, rank)]
    if ls.lists_all(filters):
        return [*head, *_all_suppliers(filters, table, result, label)]
    folded_rows = q.fold_others(result["rows"], q.CHART_TOP)
    chart_table = text_table(ls.share_table(folded_rows, measure, label), f"Share of {label} by supplier")
    share_chart = share_bar(folded_rows, measure, label, others=q.OTHERS)
    return [
        *holders_card(m["holders"]),
        *head,
        ui.chart(share_chart, chart_table, "suppliers-share-chart", hint="Click a supplier's bar to see its profile."),
        html.H2("Market share by supplier", className="h4"),
        html.P(SHARES_NOTE, className="text-body-secondary small"),
        scrolling(table, f"Suppliers by {label}", filters, "suppliers-table"),
        *_show_all(filters, result["total"]),
        *_concentration(m["areas"], filters),
        *value_for_money(cur, ls.query_filters(filters)),
    ]


# --------------------------------------------------------------------------- profile


def _cards(summary: dict, market: dict) -> dbc.Row:
    return dbc.Row([ui.stat_card(*card) for card in ls.cards(summary, market)], className="g-3 mb-4")


def _breakdowns(name: str, parts: dict[str, list[dict]], filters: dict) -> dbc.Row:
    """One supplier's boroughs (left), systems and service areas (right)."""

    def part(kind: str, caption: str) -> html.Div:
        key, heading = ls.BREAKDOWNS[kind]
        return folded(ls.breakdown_table(ls.of_supplier(parts[kind], name), key, heading), caption, filters)

    return dbc.Row(
        [
            dbc.Col(part("boroughs", f"Boroughs {name} serves"), lg=6),
            dbc.Col(
                [part("systems", f"Systems {name} supplies"), part("areas", f"Service areas {name} works in")], lg=6
            ),
        ]
    )


def _supplier_section(i: int, name: str, summary: dict, market: dict, parts: dict, filters: dict) -> list:
    """A chosen supplier: its name, headline cards, a link to its contracts, its breakdowns."""
    contracts = dcc.Link(
        f"The {fmt.plural(summary['contracts'], 'contract')} of {name} on the Contracts page",
        href=links.href("contracts", filters, supplier=name),
        className="supplier-contracts-link",
    )
    return [
        html.H2(name, className="h3 mt-3", id=f"supplier-{i}"),
        _cards(summary, market),
        html.P(contracts),
        _breakdowns(name, parts, filters),
    ]


def _contracts(p: dict, filters: dict, chosen: list[str], today: date) -> list:
    """The chosen suppliers' contracts: when they end, by borough, and a page of the list, soonest end first."""
    result = p["contracts"]
    title, items, timeline = ls.profile_timeline(result["rows"], chosen)
    return [
        ui.chart(
            end_timeline(items, title, today, group_label="Supplier"),
            text_table(timeline, title),
            "suppliers-timeline-chart",
        ),
        html.H2("Contracts", className="h4"),
        *pager(VIEW.stem, filters, result, "contracts", "suppliers-pager"),
        scrolling(ls.profile_table(p, filters), "Contracts, soonest end first", filters, "suppliers-contracts-table"),
    ]


def profile_content(cur: duckdb.DuckDBPyConnection, filters: dict, today: date) -> list:
    """Per chosen supplier: headline cards, boroughs, systems, service areas; then their contracts."""
    chosen = q.chosen_suppliers(filters)
    p = ls.profile_parts(cur, filters)  # one statement: the summaries, breakdowns, market, contracts, ended
    summaries = {s["supplier"]: s for s in p["summary"]}
    back = links.href(VIEW.stem, filters, supplier=None, page=None)
    out: list = [dcc.Link("← All suppliers", href=back, id="suppliers-back")]
    missing = [s for s in chosen if s not in summaries]
    if missing:
        out.append(ui.message(ls.not_found(missing), color="warning", message_id="suppliers-not-found"))
    out += ended_note(VIEW.stem, filters, p["ended"], note_id="suppliers-ended")
    if not summaries:
        return out
    for i, name in enumerate(s for s in chosen if s in summaries):
        out += _supplier_section(i, name, summaries[name], p["market"], p, filters)
    return [*out, *_contracts(p, filters, chosen, today)]


# --------------------------------------------------------------------------- page


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Below the page heading: the market, or the profiles of the suppliers in the URL (``supplier``).

    ``problems``: what ``state`` dropped from the URL, said on the page.
    """
    profile = bool(q.chosen_suppliers(filters or {}))

    def body(st: dict) -> list:
        return profile_content(cur, st, today or date.today()) if profile else market_content(cur, st)

    what = "of these contracts" if profile else "of the market shares"
    return market_page(VIEW.stem, filters, problems, what, body)


layout = ui.view_layout(
    VIEW,
    "Suppliers",
    content,
    lead="Who supplies London's boroughs, how concentrated each service is, and what each supplier runs where.",
)


def register(app: dash.Dash) -> None:
    """Clicking a chart filters the views (called by ``create_app``): a supplier's bar opens its
    profile, a service area's bar filters by the area."""
    ui.cross_filter(app, "suppliers-share-chart", "supplier")
    ui.cross_filter(app, "suppliers-hhi-chart", "service_area")
