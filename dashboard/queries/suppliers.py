"""SQL of the suppliers view: market shares, concentration per service area, one supplier's profile.

Shares, HHI and CR10 are computed in SQL, so that however many suppliers there are only a
few dozen rows come back (they are tested on hand-made contracts in an in-memory database).
Contracts without a supplier name cannot be attributed to anyone: they are left out of every
share and counted separately, so the page can say how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from dashboard import cache
from dashboard.queries import END_COLUMN, Filters, _values
from dashboard.queries import where_clause as plain_where
from dashboard.queries.systems import ENDED_SQL, LIVE_ON
from dashboard.queries.systems import view_where as where_clause  # ended contracts left out unless shown

# What the market table ranks by (URL key ``rank_by``) -> column of the per-supplier aggregate.
RANK_BY: dict[str, str] = {"contracts": "contracts", "boroughs": "boroughs", "value": "annual_value"}
RANK_LABELS: dict[str, str] = {"contracts": "contracts", "boroughs": "boroughs served", "value": "annual value"}
DEFAULT_RANK = "contracts"
TABLE_TOP = 10  # suppliers listed before the rest are summed as "All others"
PAGE_SIZE = 25  # suppliers per page of the full list (``list=all``)
CHART_TOP = 15
OTHERS = "All others"
CR_SIZE = 10  # CR10: the share of the ten largest suppliers
# A service area's HHI is measured on annual value only when at least this share of its
# contracts has a value; otherwise on contract counts (partial values would skew the shares).
VALUE_COVERAGE = 0.9
# Reading of the HHI (0-10,000), the bands of the US merger guidelines (2010) that most
# competition authorities quote: below 1,500 unconcentrated, 1,500-2,500 moderately, above 2,500
# highly concentrated.
HHI_MODERATE, HHI_HIGH = 1500, 2500
PROFILE_CONTRACTS_LIMIT = 20  # contracts per page of a profile


def rank_key(filters: Filters | None) -> str:
    """The ``rank_by`` of the URL if it is a known one, else the default."""
    values = _values((filters or {}).get("rank_by"))
    return values[0] if values and values[0] in RANK_BY else DEFAULT_RANK


def chosen_suppliers(filters: Filters | None) -> list[str]:
    return list(dict.fromkeys(_values((filters or {}).get("supplier"))))


def without(filters: Filters | None, *keys: str) -> dict:
    return {k: v for k, v in (filters or {}).items() if k not in keys}


# --------------------------------------------------------------------------- concentration


HHI_BANDS = {"high": "Highly concentrated", "moderate": "Moderately concentrated", "low": "Unconcentrated"}


def hhi_band(value: float | None) -> str:
    """``high`` above 2,500, ``moderate`` from 1,500, else ``low`` (also for no data): colours the chart."""
    if value is None:
        return "low"
    return "high" if value > HHI_HIGH else "moderate" if value >= HHI_MODERATE else "low"


def too_small(suppliers: int) -> bool:
    """A market of ``CR_SIZE`` suppliers or fewer: its CR10 is 100% whatever the shares."""
    return 0 < suppliers <= CR_SIZE


def hhi_reading(value: float | None, suppliers: int) -> str:
    """The HHI in plain words, with its 'equivalent number of equal-sized suppliers' (10,000 / HHI),
    and, in a market of ten or fewer suppliers, that its CR10 says nothing and its HHI cannot be
    below 10,000 / suppliers (reached only when all are of equal size)."""
    if value is None:
        return "No data"
    if suppliers == 1:
        return "One supplier holds the whole market"
    text = f"{HHI_BANDS[hhi_band(value)]}: like {10_000 / value:.1f} equal-sized suppliers"
    if too_small(suppliers):
        text += (
            f"; too small a market to measure: with only {suppliers} suppliers the CR10 is 100% by "
            f"construction and the HHI at least {10_000 / suppliers:,.0f}"
        )
    return text


def concentration(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, coverage: float = VALUE_COVERAGE
) -> list[dict]:
    """Per service area: suppliers, basis, largest supplier and its share, CR10, HHI, its band and reading.

    Shares are percentages of the area's annual value when at least ``coverage`` of its
    contracts have a value (and the total is positive), else of its contract counts; ``basis``
    says which. HHI = sum of squared shares (0-10,000), CR10 = the ten largest shares added.
    All in SQL (``market``), so a market of thousands of suppliers returns one row per area.
    Contracts without a supplier or a service area are left out. Areas come most contracts first.
    """
    return market(cur, filters, ("areas",), coverage=coverage)["areas"]


def _area(service_area, n, valued, val, suppliers, by_value, top, top_share, cr10, hhi) -> dict:
    """One row of ``concentration``, named, with the HHI's band and reading."""
    return {
        "service_area": service_area,
        "contracts": n,
        "valued": valued,
        "annual_value": val,
        "suppliers": suppliers,
        "basis": "value" if by_value else "contracts",
        "top_supplier": top,
        "top_share": top_share,
        "cr10": cr10,
        "hhi": hhi,
        "band": hhi_band(hhi),
        "reading": hhi_reading(hhi, suppliers),
    }


def fold_others(rows: Sequence[dict], n: int, keys: Sequence[str] = ("contracts", "boroughs", "annual_value")) -> list:
    """The first ``n`` rows, and the rest summed into one "All others" row (pure, for the chart)."""
    head = [dict(r) for r in rows[:n]]
    rest = rows[n:]
    if rest:
        others = {"supplier": OTHERS, "rank": None, "others": sum(r.get("others") or 1 for r in rest)}
        for k in keys:
            others[k] = sum(r[k] or 0 for r in rest)
        for k in (f"{k}_share" for k in keys):
            if all(k in r for r in rest):
                others[k] = sum(r[k] or 0 for r in rest)  # a share is NULL when no value is known
        head.append(others)
    return head


# --------------------------------------------------------------------------- market
#
# The market view's numbers come from one statement (``market``): the filtered contracts are read
# once (``f``) and each part the page asks for is a small aggregate of them, returned as a column
# of one row. Each part was its own statement, and at 50,000 contracts planning and scanning four
# statements cost more than the arithmetic (statements cost ~2 ms each through the public views).
# At a million contracts the distinct counts and window functions were most of its time: the
# suppliers are the rows of ``s``, a supplier's boroughs the rows of ``sb``, and a service area's
# largest supplier, CR10 and HHI are aggregates (``max(share, 10)``: its ten largest shares).

MARKET_PARTS = ("totals", "shares", "areas", "holders")
MARKET_KEPT = 64  # market results kept per worker, the last used

# How few suppliers hold half the contracts, over ``s`` (the overview asks it too).
HOLDERS_SQL = """(WITH h AS (
            SELECT row_number() OVER (ORDER BY contracts DESC, supplier_name) AS rank,
                   sum(contracts) OVER (ORDER BY contracts DESC, supplier_name ROWS UNBOUNDED PRECEDING) AS held,
                   sum(contracts) OVER () AS total
            FROM s
        ) SELECT {'suppliers': count(*), 'contracts': coalesce(max(total), 0),
                  'holders': min(rank) FILTER (WHERE 2 * held >= total),
                  'held': arg_min(held, rank) FILTER (WHERE 2 * held >= total)} FROM h)"""

# Each part's SQL over ``f`` (every filtered contract, ended or not, with ``live``) and ``s`` (one row
# per supplier of the live contracts); each gives one value: a struct, or a list of structs.
_PART_SQL = {
    "totals": """(SELECT {'contracts': count(*) FILTER (WHERE supplier_name IS NOT NULL AND live),
                  'no_supplier': count(*) FILTER (WHERE supplier_name IS NULL AND live),
                  'suppliers': (SELECT count(*) FROM s),
                  'annual_value': coalesce(sum(annual_value) FILTER (WHERE supplier_name IS NOT NULL AND live), 0),
                  'valued': count(annual_value) FILTER (WHERE supplier_name IS NOT NULL AND live),
                  'ended': count(*) FILTER (WHERE supplier_name IS NOT NULL AND NOT live)} FROM f)""",
    "shares": """(WITH r AS (
            SELECT *, row_number() OVER (ORDER BY $rank DESC NULLS LAST, contracts DESC, supplier_name) AS rank,
                   count(*) OVER () AS n, sum(contracts) OVER () AS t_contracts, sum(boroughs) OVER () AS t_boroughs,
                   coalesce(sum(annual_value) OVER (), 0) AS t_value
            FROM s
        ), g AS (
            SELECT CASE WHEN rank > $low AND rank <= $high THEN supplier_name END AS supplier, min(rank) AS rank,
                   count(*) AS k, sum(contracts) AS contracts, sum(boroughs) AS boroughs,
                   coalesce(sum(annual_value), 0) AS annual_value, sum(valued) AS valued, any_value(n) AS n,
                   any_value(t_contracts) AS t_contracts, any_value(t_boroughs) AS t_boroughs,
                   any_value(t_value) AS t_value
            FROM r WHERE $whole OR (rank > $low AND rank <= $high) GROUP BY 1
        ) SELECT list(g ORDER BY g.rank) FROM g)""",
    "areas": """(WITH sa AS (
            SELECT service_area, supplier_name, count(*) AS n, count(annual_value) AS valued,
                   coalesce(sum(annual_value), 0) AS val
            FROM f WHERE live AND supplier_name IS NOT NULL AND service_area IS NOT NULL
            GROUP BY service_area, supplier_name
        ), a AS (
            SELECT service_area, sum(n) AS n, sum(valued) AS valued, sum(val) AS val, count(*) AS suppliers,
                   (sum(valued) >= $coverage * sum(n) AND sum(val) > 0) AS by_value
            FROM sa GROUP BY service_area
        ), shares AS (
            SELECT a.*, sa.supplier_name, 100.0 * CASE WHEN a.by_value THEN sa.val / a.val ELSE sa.n / a.n END AS share
            FROM sa JOIN a USING (service_area)
        ), per AS (
            SELECT service_area, n, valued, val, suppliers, by_value,
                   arg_min(supplier_name, {'s': -share, 'name': supplier_name}) AS top, max(share) AS top_share,
                   list_sum(max(share, $cr)) AS cr10, sum(share * share) AS hhi
            FROM shares GROUP BY ALL
        ) SELECT list(per ORDER BY per.n DESC, per.service_area) FROM per)""",
    "holders": HOLDERS_SQL,
}


# per build, reader and arguments: the page and its export ask the same. A store of its own: an export's
# result holds every supplier (tens of thousands at UK scale), too large to sit among the small results.
@cache.per_build(max_entries=MARKET_KEPT)
def market(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    parts: Sequence[str] = MARKET_PARTS,
    *,
    top: int = TABLE_TOP,
    offset: int | None = None,
    coverage: float = VALUE_COVERAGE,
) -> dict:
    """The market's ``parts`` under the filters, in one statement: ``totals`` (``market_totals``),
    ``shares`` (``market_shares``: ``top`` and ``offset``), ``areas`` (``concentration``: ``coverage``)
    and ``holders`` (``market_holders``).

    With ``live_on`` in the filters (see ``queries.systems.view_where``) every part counts the live
    contracts only; the totals also count the ended contracts with a supplier that are left out.
    """
    where, params = plain_where(filters)
    today = (filters or {}).get(LIVE_ON)
    live, live_params = (f"NOT {ENDED_SQL}", [today]) if isinstance(today, date) else ("TRUE", [])
    low = int(offset or 0)
    # numbers of this module, never input (the page's offset is an int): written into the SQL
    constants = {"$rank": RANK_BY[rank_key(filters)], "$low": f"{low:d}", "$high": f"{low + int(top):d}",
                 "$whole": "TRUE" if offset is None else "FALSE", "$coverage": f"{float(coverage)!r}",
                 "$cr": f"{CR_SIZE:d}"}  # fmt: skip
    columns = ", ".join(f"{_PART_SQL[p]} AS {p}" for p in parts)
    for token, value in constants.items():
        columns = columns.replace(token, value)
    sql = f"""
        WITH f AS (SELECT supplier_name, service_area, borough_code, annual_value, {live} AS live
                   FROM contracts WHERE {where}),
        sb AS (SELECT supplier_name, borough_code, count(*) AS n, sum(annual_value) AS v, count(annual_value) AS c
               FROM f WHERE live AND supplier_name IS NOT NULL GROUP BY supplier_name, borough_code),
        s AS (SELECT supplier_name, sum(n)::BIGINT AS contracts, count(borough_code) AS boroughs,
                     sum(v) AS annual_value, sum(c)::BIGINT AS valued FROM sb GROUP BY supplier_name)
        SELECT {columns}
    """
    row = dict(zip(parts, cur.execute(sql, [*live_params, *params]).fetchone(), strict=True))
    out: dict = {}
    if "totals" in row:
        out["totals"] = row["totals"]
    if "shares" in row:
        out["shares"] = _shares(row["shares"] or [], rank_key(filters))
    if "areas" in row:
        out["areas"] = [_area(**a) for a in row["areas"] or []]
    if "holders" in row:
        out["holders"] = holders_of(row["holders"])
    return out


def market_totals(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict:
    """Totals the shares are taken of, the contracts that no share can include, and (with
    ``live_on``) the ended contracts with a supplier left out: ``market``'s ``totals``."""
    return market(cur, filters, ("totals",))["totals"]


def market_shares(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, top: int = TABLE_TOP, offset: int | None = None
) -> dict:
    """The ``top`` suppliers by ``rank_by`` and one "All others" row, each with its shares; or, with
    ``offset``, the ``top`` suppliers from rank ``offset + 1`` alone (a page of the full list).

    Shares are percentages of all attributed contracts, of all supplier-borough pairs (so the
    borough shares also add up to 100%) and of the annual value known. The totals and the rest
    are summed in SQL, so however many suppliers there are, at most ``top + 1`` rows come back.
    ``total`` is the number of suppliers.
    """
    return market(cur, filters, ("shares",), top=top, offset=offset)["shares"]


def _shares(rows: list[dict], rank_by: str) -> dict:
    """The ``shares`` part's rows named, each with its shares of the totals."""
    out = []
    total = rows[0]["n"] if rows else 0
    totals = {k: (rows[0][f"t_{t}"] if rows else 0) or 0 for k, t in
              (("contracts", "contracts"), ("boroughs", "boroughs"), ("annual_value", "value"))}  # fmt: skip
    totals["annual_value"] = float(totals["annual_value"])
    for r in rows:
        named = r["supplier"] is not None
        row = {
            "supplier": r["supplier"] if named else OTHERS,
            "rank": r["rank"] if named else None,
            "others": 0 if named else r["k"],
            "contracts": r["contracts"],
            "boroughs": r["boroughs"],
            "annual_value": float(r["annual_value"]),
            "valued": r["valued"],
        }
        for k, t in totals.items():
            row[f"{k}_share"] = 100 * row[k] / t if t else None
        out.append(row)
    return {"rows": out, "totals": totals, "rank_by": rank_by, "total": total}


# --------------------------------------------------------------------------- one supplier
#
# A profile's numbers come from one statement too (``profile``): the chosen suppliers' contracts are
# read once (``c``, ended or not, with ``live``; ``p``, the live ones) and the whole market once
# (``f``, for the shares the cards quote). Seven statements were about 7 x 2 ms of planning alone.

PROFILE_PARTS = ("summary", "boroughs", "systems", "areas", "contracts", "market", "ended")
BREAKDOWN_COLUMNS = {"boroughs": ("borough_code", "borough_code"), "systems": ("system_name", "system"),
                     "areas": ("service_area", "service_area")}  # part -> (column, key of its rows)  # fmt: skip


def _breakdown_sql(column: str, key: str) -> str:
    """Per (supplier, ``column``) of the live contracts: contracts, boroughs, annual value, first and
    last end; ``column`` and ``key`` are names of this module (``BREAKDOWN_COLUMNS``), never input."""
    return f"""(SELECT list(g ORDER BY g.supplier, g.contracts DESC, g.{key} NULLS LAST) FROM (
            SELECT supplier_name AS supplier, {column} AS {key}, count(*) AS contracts,
                   count(DISTINCT borough_code) AS boroughs, sum(annual_value) AS annual_value,
                   min({END_COLUMN}) AS earliest_end, max({END_COLUMN}) AS latest_end
            FROM p GROUP BY supplier_name, {column}) AS g)"""


_PROFILE_SQL = {
    "summary": f"""(SELECT list(g ORDER BY g.supplier) FROM (
            SELECT supplier_name AS supplier, count(*) AS contracts, count(DISTINCT borough_code) AS boroughs,
                   count(DISTINCT system_name) AS systems, count(DISTINCT service_area) AS service_areas,
                   sum(annual_value) AS annual_value, count(annual_value) AS valued,
                   min({END_COLUMN}) AS earliest_end, max({END_COLUMN}) AS latest_end
            FROM p GROUP BY supplier_name) AS g)""",
    **{part: _breakdown_sql(column, key) for part, (column, key) in BREAKDOWN_COLUMNS.items()},
    "contracts": f"""(SELECT {{'total': (SELECT count(*) FROM p),
                            'rows': list(x ORDER BY x.end_date NULLS LAST, x.supplier, x.borough_code, x.contract_id)}}
            FROM (
            SELECT supplier_name AS supplier, borough_code, system_name AS system, service_area, title, start_date,
                   {END_COLUMN} AS end_date, max_end_date, annual_value, contract_id
            FROM p ORDER BY {END_COLUMN} NULLS LAST, supplier_name, borough_code, contract_id
            LIMIT $limit OFFSET $offset) AS x)""",
    "market": "(SELECT {'contracts': count(*), 'annual_value': coalesce(sum(annual_value), 0)} FROM f)",
    "ended": "(SELECT count(*) FROM c WHERE NOT live)",
}


def profile(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    parts: Sequence[str] = PROFILE_PARTS,
    *,
    limit: int = PROFILE_CONTRACTS_LIMIT,
    offset: int = 0,
) -> dict:
    """The chosen suppliers' (``filters['supplier']``) ``parts``, in one statement. ``summary``: a row per
    supplier with contracts; ``boroughs``, ``systems``, ``areas``: per supplier and borough, system or
    service area, most contracts first; ``contracts``: ``rows``, a page of them soonest end first, and
    their ``total``; ``market``: the ``contracts`` and ``annual_value`` of ``market_totals``, of every
    supplier under the same filters (what the cards' shares are of); ``ended``: with ``live_on``, the
    chosen suppliers' ended contracts left out.
    """
    today = (filters or {}).get(LIVE_ON)
    live, live_params = (f"NOT {ENDED_SQL}", [today]) if isinstance(today, date) else ("TRUE", [])
    where, params = plain_where(filters)
    ctes = [
        f"""c AS (SELECT supplier_name, borough_code, system_name, service_area, title, start_date, {END_COLUMN},
                      max_end_date, annual_value, contract_id, {live} AS live
               FROM contracts WHERE {where} AND supplier_name IS NOT NULL),
        p AS (SELECT * FROM c WHERE live)"""
    ]
    args = [*live_params, *params]
    if "market" in parts:
        m_where, m_params = plain_where(without(filters, "supplier"))
        named = f"{m_where} AND supplier_name IS NOT NULL AND {live}"
        ctes.append(f"f AS (SELECT annual_value FROM contracts WHERE {named})")
        args += [*m_params, *live_params]
    columns = ", ".join(f"{_PROFILE_SQL[part]} AS {part}" for part in parts)
    columns = columns.replace("$limit", f"{int(limit):d}").replace("$offset", f"{int(offset):d}")
    row = cur.execute(f"WITH {', '.join(ctes)} SELECT {columns}", args).fetchone()
    out = dict(zip(parts, row, strict=True))
    for part in {"summary", *BREAKDOWN_COLUMNS} & out.keys():
        out[part] = out[part] or []  # a list of no rows is NULL
    if "contracts" in out:
        out["contracts"]["rows"] = out["contracts"]["rows"] or []
    return out


# --------------------------------------------------------------------------- headline and value for money


def market_holders(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict:
    """How few suppliers hold half the contracts: the smallest number ``holders`` whose contracts add
    up to at least half of all attributed contracts, and the share they hold (the headline City
    Tools 2019 led with). Ties are broken by name, so the answer is stable: ``market``'s ``holders``.
    """
    return market(cur, filters, ("holders",))["holders"]


def holders_of(h: dict) -> dict:
    """The ``holders`` part with the share the holders have."""
    contracts = int(h["contracts"])
    share = 100 * h["held"] / contracts if contracts else None
    return {"suppliers": h["suppliers"], "contracts": contracts, "holders": h["holders"], "held": h["held"],
            "share": share}  # fmt: skip


def value_for_money(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> list[dict]:
    """Per service area: its number of vendors (suppliers) and the boroughs' value-for-money scores.

    ``vendors`` counts the distinct suppliers of the area's filtered contracts; ``score`` is the
    average value-for-money score (1-5) boroughs gave its contracts, over ``scores`` answers from
    ``boroughs`` boroughs. The scores are members-only survey answers: for the public they are NULL
    (dashboard.access), so ``scores`` is 0 everywhere. Areas come most vendors first.
    """
    where, params = where_clause(filters)
    rows = cur.execute(
        f"""
        SELECT service_area, count(DISTINCT supplier_name), count(value_for_money), avg(value_for_money),
               count(DISTINCT borough_code) FILTER (WHERE value_for_money IS NOT NULL), count(*)
        FROM contracts WHERE {where} AND service_area IS NOT NULL
        GROUP BY service_area
        ORDER BY 2 DESC, service_area
        """,
        params,
    ).fetchall()
    keys = ("service_area", "vendors", "scores", "score", "boroughs", "contracts")
    return [dict(zip(keys, r, strict=True)) for r in rows]
