"""Suppliers: market share by contracts, boroughs and value; concentration; a supplier's profile.

Without ``supplier`` the view shows market shares (``rank_by`` picks the order: the ten largest
and "All others", or with ``list=all`` every supplier a ``page`` at a time) and the concentration
of each service area; with ``supplier``, that supplier's boroughs, systems, service areas and
contracts (paged). Ended contracts are left out and counted unless ``ended=show``. ``main_table``
gives the table of either state to the page and to the CSV/Excel export alike. Tables are the
market tables of ``dashboard.logic.systems``.
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard import format as fmt
from dashboard import state
from dashboard.logic.systems import (
    ENDED,
    PAGE,
    Column,
    Link,
    Table,
    borough_link,
    exporter,
    page_of,
    query_filters,
    rounded,
    show,
)
from dashboard.queries import suppliers as q
from etl import reference

MARKET_COLUMNS = (
    Column("Supplier"),
    Column("Contracts", "int"),
    Column("Share of contracts", "pct"),
    Column("Boroughs served", "int", phone=False),
    Column("Share of borough-supplier pairs", "pct", phone=False),
    Column("Annual value", "money", phone=False),
    Column("Share of annual value", "pct", phone=False),
    Column("Contracts with a value", "int", phone=False),
)
CONCENTRATION_COLUMNS = (
    Column("Service area"),
    Column("Contracts", "int", phone=False),
    Column("Suppliers", "int"),
    Column("Shares measured on", phone=False),
    Column("Largest supplier", phone=False),
    Column("Largest supplier's share", "pct", phone=False),
    Column("Top-10 share (CR10)", "pct", phone=False),
    Column("HHI", "int"),
    Column("Reading", phone=False),
)
FOLDED = ("contracts", "boroughs", "annual_value", "valued")  # what an "All others" row sums
LIST_ALL = state.Key("list", state.choice("all"), label="Suppliers listed")  # every supplier, paged
HHI_THRESHOLDS = (q.HHI_MODERATE, q.HHI_HIGH)  # drawn on the concentration chart


# --------------------------------------------------------------------------- market


def others_label(row: dict) -> str:
    """A supplier's name; the "All others" row says how many suppliers it sums."""
    return f"{q.OTHERS} ({row['others']:,} suppliers)" if row["supplier"] == q.OTHERS else row["supplier"]


def market_table(rows: list[dict]) -> Table:
    """The shares; each named supplier leads to its profile here (the other keys kept)."""
    out = [
        [others_label(r), r["contracts"], rounded(r["contracts_share"]), r["boroughs"], rounded(r["boroughs_share"]),
         r["annual_value"], rounded(r["annual_value_share"]), r["valued"]]
        for r in rows
    ]  # fmt: skip
    links = [{0: Link("suppliers", {"supplier": r["supplier"], "list": None, "page": None})} if r["rank"] else {}
             for r in rows]  # fmt: skip
    return Table(MARKET_COLUMNS, out, links)


def _kind(measure: str) -> str:
    return "money" if measure == "annual_value" else "int"


def share_table(folded: list[dict], measure: str, label: str) -> Table:
    """The share chart's numbers (rows of ``fold_others``), for its table alternative."""
    return Table(
        [Column("Supplier"), Column(f"Share of {label}", "pct"), Column(label.capitalize(), _kind(measure))],
        [[others_label(r), rounded(r[f"{measure}_share"]), r[measure]] for r in folded],
    )


def market_summary(totals: dict) -> str:
    """The market in a sentence, saying how many contracts have no supplier and so no share."""
    text = (
        f"{fmt.plural(totals['suppliers'], 'supplier')} hold {fmt.plural(totals['contracts'], 'contract')}"
        f" worth {fmt.money(totals['annual_value'])} a year (value known for {fmt.integer(totals['valued'])})."
    )
    if totals["no_supplier"]:
        text += (
            f" {fmt.plural(totals['no_supplier'], 'contract')} with no supplier recorded "
            f"{'is' if totals['no_supplier'] == 1 else 'are'} left out of the shares."
        )
    return text


def concentration_table(areas: list[dict]) -> Table:
    """The per-service-area concentration, saying what the shares are of."""
    rows = []
    for a in areas:
        if a["basis"] == "value":
            basis = "annual value"
        else:
            known = 100 * a["valued"] / a["contracts"] if a["contracts"] else 0
            basis = f"contract counts (values known for {known:.0f}%)"
        rows.append(
            [a["service_area"], a["contracts"], a["suppliers"], basis, a["top_supplier"], rounded(a["top_share"]),
             rounded(a["cr10"]), rounded(a["hhi"], 0), a["reading"]]
        )  # fmt: skip
    return Table(CONCENTRATION_COLUMNS, rows)


def hhi_table(concentration: Table) -> Table:
    """The HHI chart's numbers (area, HHI, reading), for its table alternative."""
    return Table(
        [Column("Service area"), Column("HHI", "int"), Column("Reading")],
        [[r[0], r[7], r[8]] for r in concentration.rows],
    )


# --------------------------------------------------------------------------- profile


def contracts_table(rows: list[dict], several: bool) -> Table:
    """The chosen suppliers' contracts; each borough leads to its profile."""
    names = reference.borough_names()
    columns = [
        *([Column("Supplier")] if several else []),
        Column("Borough"),
        Column("System"),
        Column("Service area", phone=False),
        Column("Title", phone=False),
        Column("Contract ends", "date"),
        Column("Latest end with extensions", "date", phone=False),
        Column("Annual value", "money", phone=False),
    ]
    out = [
        [*([r["supplier"]] if several else []), names.get(r["borough_code"], r["borough_code"]), r["system"],
         r["service_area"], r["title"], r["end_date"], r["max_end_date"], r["annual_value"]]
        for r in rows
    ]  # fmt: skip
    return Table(columns, out, [borough_link(r["borough_code"], column=int(several)) for r in rows])


def _years(first: date | None, last: date | None) -> str:
    if not first or not last:
        return fmt.DASH
    return f"{first.year}" if first.year == last.year else f"{first.year}–{last.year}"


def cards(summary: dict, market: dict) -> list[tuple[str, str, str | None]]:
    """A supplier's headline numbers as (label, value, note), its shares of the whole market noted."""
    share_contracts = 100 * summary["contracts"] / market["contracts"] if market["contracts"] else None
    share_value = 100 * (summary["annual_value"] or 0) / market["annual_value"] if market["annual_value"] else None
    ends = (
        f"earliest {show(summary['earliest_end'], 'date')}, latest {show(summary['latest_end'], 'date')}"
        if summary["latest_end"]
        else None
    )
    return [
        ("Contracts", fmt.integer(summary["contracts"]),
         f"{show(share_contracts, 'pct')} of all suppliers' contracts under these filters"),
        ("Boroughs served", fmt.integer(summary["boroughs"]), None),
        ("Systems", fmt.integer(summary["systems"]), None),
        ("Service areas", fmt.integer(summary["service_areas"]), None),
        ("Total annual value", fmt.money(summary["annual_value"]),
         f"over {fmt.plural(summary['valued'], 'contract')} with a value; "
         f"{show(share_value, 'pct')} of all suppliers' value under these filters"),
        ("Contracts end", _years(summary["earliest_end"], summary["latest_end"]), ends),
    ]  # fmt: skip


# (query row key, heading) of a profile's breakdowns: by borough, by system, by service area
BREAKDOWNS = {"boroughs": ("borough_code", "Borough"), "systems": ("system", "System"),
              "areas": ("service_area", "Service area")}  # fmt: skip


def _breakdown_link(key: str, value: object) -> dict[int, Link]:
    if key == "borough_code":
        return borough_link(value)
    if key == "system" and value:
        return {0: Link("systems", {"supplier": None, "system": value, "page": None, "list": None})}
    return {}


def breakdown_table(rows: list[dict], key: str, heading: str) -> Table:
    """A profile's contracts by ``key`` (borough, system or service area), with counts, value and ends."""
    by_borough = key == "borough_code"
    columns = [
        Column(heading),
        Column("Contracts", "int"),
        *([] if by_borough else [Column("Boroughs", "int", phone=False)]),
        Column("Annual value", "money", phone=False),
        Column("Earliest end", "date", phone=False),
        Column("Latest end", "date"),
    ]
    names = reference.borough_names()
    out = [
        [names.get(r[key], r[key]) if by_borough else (r[key] or "Not recorded"), r["contracts"],
         *([] if by_borough else [r["boroughs"]]), r["annual_value"], r["earliest_end"], r["latest_end"]]
        for r in rows
    ]  # fmt: skip
    return Table(columns, out, [_breakdown_link(key, r[key]) for r in rows])


def of_supplier(rows: list[dict], supplier: str) -> list[dict]:
    return [r for r in rows if r["supplier"] == supplier]


def not_found(missing: list[str]) -> str:
    return (
        f"No borough contract of {', '.join(missing)} matches these filters. "
        "Supplier names must match exactly as listed on this page."
    )


def profile_timeline(rows: list[dict], chosen: list[str]) -> tuple[str, list[dict], Table]:
    """The profile's contract-end timeline: its title, items (``figures.systems.end_timeline``) and table."""
    names = reference.borough_names()
    items = [
        {
            "label": names.get(r["borough_code"], r["borough_code"]),
            "group": r["supplier"],
            "end": r["end_date"],
            "max_end": r["max_end_date"],
            "detail": f"{names.get(r['borough_code'], r['borough_code'])}: {r['system'] or r['title']} "
            f"({r['supplier']}), ends {fmt.long_date(r['end_date'])}",
        }
        for r in rows
    ]
    title = (
        f"When {chosen[0]}'s contracts end, by borough" if len(chosen) == 1 else "When the contracts end, by borough"
    )
    table = Table(
        [Column("Borough"), Column("Supplier"), Column("Contract ends", "date"), Column("Latest end", "date")],
        [[it["label"], it["group"], it["end"], it["max_end"]] for it in items],
    )
    return title, items, table


# --------------------------------------------------------------------------- main table and export


def market_parts(cur: duckdb.DuckDBPyConnection, filters: dict, size: int | None = None) -> dict:
    """The market's numbers for these filters, in one statement (``queries.suppliers.market``): the
    chart's suppliers (the first of them listed, the rest summed), the totals, the concentration
    and the headline; or with ``list=all`` a page of ``size`` suppliers and the totals. ``shares``
    carries the page shown and its size."""
    live, page = query_filters(filters), page_of(filters)
    if not lists_all(filters):
        m = q.market(cur, live, top=max(q.CHART_TOP, q.TABLE_TOP))
        return {**m, "shares": {**m["shares"], "page": 1, "size": q.TABLE_TOP}}
    size = size or q.PAGE_SIZE
    m = q.market(cur, live, ("totals", "shares"), top=size, offset=(page - 1) * size)
    if not m["shares"]["rows"] and page > 1:  # past the last page: the first
        page, m = 1, q.market(cur, live, ("totals", "shares"), top=size, offset=0)
    return {**m, "shares": {**m["shares"], "page": page, "size": size}}


def shares_table(m: dict, filters: dict) -> Table:
    """The market table of ``market_parts``: the page of suppliers, or the first ten and "All others"."""
    rows = m["shares"]["rows"]
    return market_table(rows if lists_all(filters) else q.fold_others(rows, q.TABLE_TOP, FOLDED))


def profile_parts(cur: duckdb.DuckDBPyConnection, filters: dict, size: int | None = None,
                  parts: tuple[str, ...] = q.PROFILE_PARTS) -> dict:  # fmt: skip
    """The chosen suppliers' profile for these filters in one statement (``queries.suppliers.profile``),
    its ``contracts`` a page of ``size`` (past the last page: the first) with the page shown and its size."""
    live, page, size = query_filters(filters), page_of(filters), size or q.PROFILE_CONTRACTS_LIMIT
    p = q.profile(cur, live, parts, limit=size, offset=(page - 1) * size)
    if not p["contracts"]["rows"] and page > 1:
        page, p = 1, q.profile(cur, live, parts, limit=size)
    return {**p, "contracts": {**p["contracts"], "page": page, "size": size}}


def profile_table(p: dict, filters: dict) -> Table:
    """The profile's main table: the page of contracts of ``profile_parts``."""
    return contracts_table(p["contracts"]["rows"], len(q.chosen_suppliers(filters)) > 1)


def main_table(cur: duckdb.DuckDBPyConnection, filters: dict, size: int | None = None) -> tuple[Table, dict]:
    """The page's main table for these filters (shares, or the chosen suppliers' contracts; a page of
    ``size`` rows) and its result."""
    if q.chosen_suppliers(filters):
        p = profile_parts(cur, filters, size, ("contracts",))
        return profile_table(p, filters), p["contracts"]
    m = market_parts(cur, filters, size)
    return shares_table(m, filters), m["shares"]


def lists_all(st: dict) -> bool:
    """``list=all``: every supplier, a page at a time, instead of the largest and "All others"."""
    return st.get("list") == "all"


export_table = exporter(main_table, whole={"list": "all"})  # every supplier, not the ten largest and the rest


# The market table's order is part of the URL, so that exports rank the rows as the page does.
VIEW = state.View(
    "suppliers",
    "/suppliers",
    (state.Key("rank_by", state.choice(*q.RANK_BY), label="Rank suppliers by"), LIST_ALL, ENDED, PAGE),
    exports={"suppliers": export_table},
)


# --------------------------------------------------------------------------- headline and value for money


def holders_headline(h: dict) -> tuple[str, str] | None:
    """'N suppliers hold X% of contracts' and its note, from ``queries.suppliers.market_holders``;
    None when no contract has a supplier. A market of ten or fewer suppliers is said to be one."""
    if not h["suppliers"] or h["holders"] is None:
        return None
    n = h["holders"]
    line = f"{fmt.plural(n, 'supplier')} {'holds' if n == 1 else 'hold'} {h['share']:.0f}% of contracts"
    note = (
        f"the fewest suppliers holding at least half of the {fmt.integer(h['contracts'])} contracts with a "
        f"named supplier, of {fmt.plural(h['suppliers'], 'supplier')} in all"
    )
    if q.too_small(h["suppliers"]):
        note += f"; only {fmt.integer(h['suppliers'])} suppliers, too few for concentration to mean much"
    return line, note + "."


VFM_COLUMNS = (
    Column("Service area"),
    Column("Vendors", "int"),
    Column("Average value-for-money score (1-5)", "score"),
    Column("Scores", "int"),
    Column("Boroughs scoring", "int"),
)
VFM_MIN_AREAS = 3  # fewer scored areas than this: no sentence about a link


def scored(rows: list[dict]) -> list[dict]:
    """The service areas with at least one value-for-money score (rows of ``queries.value_for_money``)."""
    return [r for r in rows if r["scores"]]


def vfm_table(rows: list[dict]) -> Table:
    """The value-for-money chart's numbers, for its table alternative."""
    out = [[r["service_area"], r["vendors"], r["score"], r["scores"], r["boroughs"]] for r in scored(rows)]
    return Table(VFM_COLUMNS, out)


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r of two equal-length series; None when either does not vary (or fewer than two)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sx = sum((x - mx) ** 2 for x in xs)
    sy = sum((y - my) ** 2 for y in ys)
    if not sx or not sy:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (sx * sy) ** 0.5


def vfm_summary(rows: list[dict]) -> str:
    """What the value-for-money view says in a sentence: whether areas with fewer vendors score lower."""
    areas = scored(rows)
    if len(areas) < VFM_MIN_AREAS:
        return (
            f"Only {fmt.plural(len(areas), 'service area')} with a value-for-money score: "
            "too few to say whether the number of vendors goes with the score."
        )
    r = correlation([a["vendors"] for a in areas], [a["score"] for a in areas])
    if r is None:
        return f"Across {len(areas)} service areas the scores or the vendor counts do not vary."
    if abs(r) < 0.2:
        return (
            f"Across {len(areas)} service areas the number of vendors hardly goes with the value-for-money "
            f"score (correlation {r:+.2f})."
        )
    return (
        f"Across {len(areas)} service areas, those with more vendors tend to score "
        f"{'higher' if r > 0 else 'lower'} for value for money ({'strong' if abs(r) >= 0.5 else 'weak'} "
        f"correlation, {r:+.2f}); a link, not a cause."
    )
