"""Suppliers: who holds the market, how concentrated each service area is, one supplier's profile.

Without ``supplier`` in the URL the page shows market shares (by contracts, boroughs served and
annual value; ``rank_by`` picks the order) and concentration per service area (CR10, HHI).
With ``supplier`` it shows that supplier's boroughs, systems, service areas and contracts,
linking to the contracts list. ``main_table`` gives the table of either state to the page and
to the CSV/Excel export alike.
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
    hhi_bar,
    href,
    share_bar,
    show,
    table,
)
from dashboard.queries import suppliers as q
from etl import reference

dash.register_page(
    __name__,
    path="/suppliers",
    name="Suppliers",
    title=f"Suppliers · {ui.PRODUCT}",
    description="Market shares and concentration of London borough technology suppliers, and supplier profiles.",
    order=30,
)

# The market table's order is part of the URL, so that exports (which read the URL through
# ``state``) rank the rows as the page does.
state.declare("rank_by", state.choice(*q.RANK_BY), label="Rank suppliers by")

MARKET_COLUMNS = [
    Column("Supplier"),
    Column("Contracts", "int"),
    Column("Share of contracts", "pct"),
    Column("Boroughs served", "int"),
    Column("Share of borough-supplier pairs", "pct"),
    Column("Annual value", "money"),
    Column("Share of annual value", "pct"),
    Column("Contracts with a value", "int"),
]
CONCENTRATION_COLUMNS = [
    Column("Service area"),
    Column("Contracts", "int"),
    Column("Suppliers", "int"),
    Column("Shares measured on"),
    Column("Largest supplier"),
    Column("Largest supplier's share", "pct"),
    Column("Top-10 share (CR10)", "pct"),
    Column("HHI", "int"),
    Column("Reading"),
]


def _contract_columns(several: bool) -> list[Column]:
    return [
        *([Column("Supplier")] if several else []),
        Column("Borough"),
        Column("System"),
        Column("Service area"),
        Column("Title"),
        Column("Contract ends", "date"),
        Column("Latest end with extensions", "date"),
        Column("Annual value", "money"),
    ]


def _others_label(row: dict) -> str:
    return f"{q.OTHERS} ({row['others']:,} suppliers)" if row["supplier"] == q.OTHERS else row["supplier"]


def market_table(rows: list[dict], filters: dict) -> tuple[list[Column], list[list], list[dict]]:
    """Columns, raw rows and links (supplier -> its profile here, other filters kept) of the shares."""
    out = [
        [_others_label(r), r["contracts"], _round(r["contracts_share"]), r["boroughs"], _round(r["boroughs_share"]),
         r["annual_value"], _round(r["annual_value_share"]), r["valued"]]
        for r in rows
    ]  # fmt: skip
    links = [{0: href("/suppliers", filters, supplier=r["supplier"])} if r["rank"] else {} for r in rows]
    return MARKET_COLUMNS, out, links


def contracts_table(rows: list[dict], several: bool) -> tuple[list[Column], list[list], list[dict]]:
    """Columns, raw rows and links (borough -> its profile) of the chosen suppliers' contracts."""
    names = reference.borough_names()
    out, links = [], []
    for r in rows:
        out.append(
            [*([r["supplier"]] if several else []), names.get(r["borough_code"], r["borough_code"]), r["system"],
             r["service_area"], r["title"], r["end_date"], r["max_end_date"], r["annual_value"]]
        )  # fmt: skip
        links.append({int(several): borough_href(r["borough_code"])} if r["borough_code"] else {})
    return _contract_columns(several), out, links


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def main_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[Column], list[list], list[dict], dict]:
    """The page's main table for these filters (shares, or the chosen suppliers' contracts) and its result."""
    suppliers = q.chosen_suppliers(filters)
    if suppliers:
        result = q.profile_contracts(cur, filters)
        return (*contracts_table(result["rows"], len(suppliers) > 1), result)
    result = q.market_shares(cur, filters)
    return (*market_table(result["rows"], filters), result)


@register_export("suppliers")
def export_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[str], list[list]]:
    """The rows of the suppliers page's main table, raw values, for CSV/Excel."""
    columns, rows, _links, _result = main_table(cur, filters)
    return [c.heading for c in columns], rows


# --------------------------------------------------------------------------- market


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{ui.fmt_int(n)} {word if n == 1 else (plural or word + 's')}"


def _rank_links(filters: dict, current: str) -> html.Nav:
    """The three orders of the market table, as links that keep the rest of the URL."""
    items = []
    for key, label in q.RANK_LABELS.items():
        text = [label.capitalize(), *([html.Span(" (shown)", className="visually-hidden")] if key == current else [])]
        link = dcc.Link(
            text,
            href=href("/suppliers", filters, rank_by=key),
            className="nav-link" + (" active" if key == current else ""),
        )
        items.append(html.Li(link, className="nav-item"))
    return html.Nav(
        [html.Span("Rank suppliers by: ", className="me-2"), html.Ul(items, className="nav nav-pills d-inline-flex")],
        className="mb-3 d-flex align-items-center",
        id="suppliers-rank-by",
        **{"aria-label": "Rank suppliers by"},
    )


def concentration_table(areas: list[dict]) -> tuple[list[Column], list[list]]:
    """Columns and raw rows of the per-service-area concentration, saying what shares are of."""
    rows = []
    for a in areas:
        if a["basis"] == "value":
            basis = "annual value"
        else:
            known = 100 * a["valued"] / a["contracts"] if a["contracts"] else 0
            basis = f"contract counts (values known for {known:.0f}%)"
        rows.append(
            [a["service_area"], a["contracts"], a["suppliers"], basis, a["top_supplier"], _round(a["top_share"]),
             _round(a["cr10"]), _round(a["hhi"], 0), a["reading"]]
        )  # fmt: skip
    return CONCENTRATION_COLUMNS, rows


def market_content(cur: duckdb.DuckDBPyConnection, filters: dict) -> list:
    """Shares (chart of the top 15, table of the top 50) and concentration per service area."""
    columns, rows, links, result = main_table(cur, filters)
    totals = q.market_totals(cur, filters)
    if not result["rows"]:
        return [ui.message("No contract with a known supplier matches these filters.", message_id="suppliers-empty")]
    rank = result["rank_by"]
    measure = q.RANK_BY[rank]
    label = q.RANK_LABELS[rank]
    folded = q.fold_others(result["rows"], q.CHART_TOP)
    chart_rows = [[_others_label(r), _round(r[f"{measure}_share"]), r[measure]] for r in folded]
    chart_table = table(
        [Column("Supplier"), Column(f"Share of {label}", "pct"), Column(label.capitalize(), _kind(measure))],
        chart_rows,
        f"Share of {label} by supplier",
    )
    summary = (
        f"{_plural(totals['suppliers'], 'supplier')} hold {_plural(totals['contracts'], 'contract')}"
        f" worth {ui.fmt_money(totals['annual_value'])} a year (value known for {ui.fmt_int(totals['valued'])})."
    )
    if totals["no_supplier"]:
        summary += (
            f" {_plural(totals['no_supplier'], 'contract')} with no supplier recorded "
            f"{'is' if totals['no_supplier'] == 1 else 'are'} left out of the shares."
        )
    areas = q.concentration(cur, filters)
    conc_columns, conc_rows = concentration_table(areas)
    return [
        html.P(summary, id="suppliers-summary"),
        _rank_links(filters, rank),
        ui.chart(share_bar(folded, measure, label), chart_table, "suppliers-share-chart"),
        html.H2("Market share by supplier", className="h4"),
        html.P(
            "Boroughs served counts each borough a supplier has any contract with; its share is of all "
            "borough-supplier pairs, so that the shares add up to 100%. Choose a supplier to see its profile.",
            className="text-body-secondary small",
        ),
        html.Div(
            table(columns, rows, f"Suppliers by {label}", links, table_id="suppliers-table"),
            className="table-responsive mb-4",
        ),
        html.H2("How concentrated each service area is", className="h4", id="suppliers-concentration"),
        html.P(
            "The Herfindahl-Hirschman Index (HHI) adds up the squares of every supplier's percentage share: "
            "10,000 when one supplier has everything, 2,500 for four equal suppliers. Below 1,500 a market is "
            "usually read as unconcentrated, from 1,500 to 2,500 moderately, above 2,500 highly concentrated. "
            f"Shares are of annual value where at least {q.VALUE_COVERAGE:.0%} of an area's contracts have one, "
            "otherwise of contract counts; the table says which. Contracts without a service area or supplier "
            "are not counted.",
            className="text-body-secondary small",
        ),
        ui.chart(
            hhi_bar(areas),
            table(
                [Column("Service area"), Column("HHI", "int"), Column("Reading")],
                [[r[0], r[7], r[8]] for r in conc_rows],
                "HHI by service area",
            ),
            "suppliers-hhi-chart",
        ),
        html.Div(
            table(conc_columns, conc_rows, "Supplier concentration by service area", table_id="suppliers-hhi-table"),
            className="table-responsive mb-4",
        ),
    ]


def _kind(measure: str) -> str:
    return "money" if measure == "annual_value" else "int"


# --------------------------------------------------------------------------- profile


def _cards(summary: dict, market: dict) -> dbc.Row:
    share_contracts = 100 * summary["contracts"] / market["contracts"] if market["contracts"] else None
    share_value = (
        100 * (summary["annual_value"] or 0) / market["annual_value"] if market["annual_value"] else None
    )  # fmt: skip
    return dbc.Row(
        [
            ui.stat_card(
                "Contracts", ui.fmt_int(summary["contracts"]),
                f"{show(share_contracts, 'pct')} of all suppliers' contracts under these filters",
            ),
            ui.stat_card("Boroughs served", ui.fmt_int(summary["boroughs"])),
            ui.stat_card("Systems", ui.fmt_int(summary["systems"])),
            ui.stat_card("Service areas", ui.fmt_int(summary["service_areas"])),
            ui.stat_card(
                "Total annual value", ui.fmt_money(summary["annual_value"]),
                f"over {_plural(summary['valued'], 'contract')} with a value; "
                f"{show(share_value, 'pct')} of all suppliers' value under these filters",
            ),
            ui.stat_card(
                "Contracts end",
                _years(summary["earliest_end"], summary["latest_end"]),
                f"earliest {show(summary['earliest_end'], 'date')}, latest {show(summary['latest_end'], 'date')}"
                if summary["latest_end"] else None,
            ),
        ],
        className="g-3 mb-4",
    )  # fmt: skip


def _years(first: date | None, last: date | None) -> str:
    if not first or not last:
        return "–"
    return f"{first.year}" if first.year == last.year else f"{first.year}–{last.year}"


def _breakdown_table(rows: list[dict], key: str, heading: str, caption: str, links) -> html.Div:
    columns = [
        Column(heading),
        Column("Contracts", "int"),
        *([Column("Boroughs", "int")] if key != "borough_code" else []),
        Column("Annual value", "money"),
        Column("Earliest end", "date"),
        Column("Latest end", "date"),
    ]
    names = reference.borough_names()
    out = [
        [names.get(r[key], r[key]) if key == "borough_code" else (r[key] or "Not recorded"), r["contracts"],
         *([r["boroughs"]] if key != "borough_code" else []), r["annual_value"], r["earliest_end"], r["latest_end"]]
        for r in rows
    ]  # fmt: skip
    return html.Div(table(columns, out, caption, [links(r) for r in rows]), className="table-responsive mb-4")


def _by_supplier(rows: list[dict], supplier: str) -> list[dict]:
    return [r for r in rows if r["supplier"] == supplier]


def profile_content(cur: duckdb.DuckDBPyConnection, filters: dict, today: date) -> list:
    """Per chosen supplier: headline cards, boroughs, systems, service areas; then their contracts."""
    chosen = q.chosen_suppliers(filters)
    several = len(chosen) > 1
    summaries = {s["supplier"]: s for s in q.profile_summary(cur, filters)}
    market = q.market_totals(cur, q.without(filters, "supplier"))
    back = dcc.Link("← All suppliers", href=href("/suppliers", filters, supplier=None), id="suppliers-back")
    out: list = [back]
    missing = [s for s in chosen if s not in summaries]
    if missing:
        out.append(
            ui.message(
                f"No borough contract of {', '.join(missing)} matches these filters. "
                "Supplier names must match exactly as listed on this page.",
                color="warning",
                message_id="suppliers-not-found",
            )
        )
    if not summaries:
        return out
    boroughs = q.profile_boroughs(cur, filters)
    systems = q.profile_systems(cur, filters)
    areas = q.profile_service_areas(cur, filters)
    columns, rows, links, result = main_table(cur, filters)
    for i, name in enumerate(s for s in chosen if s in summaries):
        summary = summaries[name]
        contracts_href = href("/contracts", filters, filters_only=True, supplier=name)
        out += [
            html.H2(name, className="h3 mt-3", id=f"supplier-{i}"),
            _cards(summary, market),
            html.P(
                dcc.Link(
                    f"The {_plural(summary['contracts'], 'contract')} of {name} on the Contracts page",
                    href=contracts_href,
                    className="supplier-contracts-link",
                )
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _breakdown_table(
                            _by_supplier(boroughs, name), "borough_code", "Borough", f"Boroughs {name} serves",
                            lambda r: {0: borough_href(r["borough_code"])} if r["borough_code"] else {},
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            _breakdown_table(
                                _by_supplier(systems, name), "system", "System", f"Systems {name} supplies",
                                lambda r: (
                                    {0: href("/systems", filters, filters_only=True, supplier=None, system=r["system"])}
                                    if r["system"] else {}
                                ),
                            ),
                            _breakdown_table(
                                _by_supplier(areas, name), "service_area", "Service area",
                                f"Service areas {name} works in", lambda r: {},
                            ),
                        ],
                        lg=6,
                    ),
                ]
            ),
        ]  # fmt: skip
    names = reference.borough_names()
    items = [
        {
            "label": names.get(r["borough_code"], r["borough_code"]),
            "group": r["supplier"],
            "end": r["end_date"],
            "max_end": r["max_end_date"],
            "detail": f"{names.get(r['borough_code'], r['borough_code'])}: {r['system'] or r['title']} "
            f"({r['supplier']}), ends {ui.fmt_date(r['end_date'])}",
        }
        for r in result["rows"]
    ]
    title = f"When {chosen[0]}'s contracts end, by borough" if not several else "When the contracts end, by borough"
    timeline_table = table(
        [Column("Borough"), Column("Supplier"), Column("Contract ends", "date"), Column("Latest end", "date")],
        [[it["label"], it["group"], it["end"], it["max_end"]] for it in items],
        title,
    )
    capped = (
        [ui.message(f"Showing the first {len(rows):,} of {result['total']:,} contracts, soonest end first.")]
        if result["total"] > len(rows)
        else []
    )
    return [
        *out,
        ui.chart(end_timeline(items, title, today, group_label="Supplier"), timeline_table, "suppliers-timeline-chart"),
        html.H2("Contracts", className="h4"),
        *capped,
        html.Div(
            table(columns, rows, "Contracts, soonest end first", links, table_id="suppliers-contracts-table"),
            className="table-responsive mb-4",
        ),
    ]


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Everything below the page heading: the market, or the chosen suppliers' profiles.

    ``problems`` are the parts of the URL that ``state`` ignored, shown so nobody wonders why.
    """
    filters = dict(filters or {})
    try:
        queries.where_clause(filters)
    except ValueError as err:  # content() called with a raw dict; the URL state is validated already
        return [ui.message(str(err), color="warning", message_id="suppliers-bad-filter")]
    described = state.describe(filters)
    profile = bool(q.chosen_suppliers(filters))
    head = [
        *(ui.message(p, color="warning") for p in problems or []),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1", id="suppliers-filters")] if described else []),
        ui.download_links("suppliers", filters, "of these contracts" if profile else "of the market shares"),
    ]
    if profile:
        return [*head, *profile_content(cur, filters, today or date.today())]
    return [*head, *market_content(cur, filters)]


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (a repeated key arrives as a list)."""
    st, problems = state.check_params(query)
    return ui.page(
        "Suppliers",
        lambda cur: content(cur, st, problems=problems),
        lead="Who supplies London's boroughs, how concentrated each service is, and what each supplier runs where.",
    )
