"""The contracts table: one row per merged contract, paged and sorted in DuckDB.

The view asks for a block of rows at a time (``contracts_page``), the export for all of them
(``contracts_rows``); both run the same statement with the same ORDER BY, so an export holds
the rows the view shows, in the view's order. Sorting is by whitelisted columns only, with the
contract id last so that equal values page deterministically; a page is bound by LIMIT/OFFSET,
so the cost of a request does not grow with the table beyond DuckDB's sort.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import duckdb

from dashboard.queries import Filters, where_clause
from etl import reference
from etl.schema import STAGES


@dataclass(frozen=True)
class Column:
    id: str  # the grid's colId, the sort key in the URL and the SQL alias
    heading: str
    sql: str | None  # expression over contracts ``c`` and borough names ``bn``; None: filled in Python
    sortable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("borough", "Borough", "bn.name"),
    Column("buyer", "Buyer", "c.buyer_name"),
    Column("supplier", "Supplier", "c.supplier_name"),
    Column("system", "System", "c.system_name"),
    Column("service_area", "Service area", "c.service_area"),
    Column("title", "Title", "c.title"),
    Column("start_date", "Start", "c.start_date"),
    Column("end_date", "End", "c.end_date"),
    Column("max_end_date", "Latest end", "c.max_end_date"),
    Column("annual_value", "Annual value (£)", "c.annual_value"),
    Column("total_value", "Total value (£)", "c.total_value"),
    Column("stage", "Stage", "c.stage"),
    Column("status", "Status", None, sortable=False),  # dashboard.status on the day, filled in Python
    Column("sources", "Sources", "array_to_string(c.sources, ', ')"),
    Column("supplier_count", "Suppliers", "c.supplier_count"),
    Column("match_score", "Match score", "c.match_score"),
    Column("disagreement", "Sources disagree", "c.disagreements IS NOT NULL"),
    Column("disagreements", "Disagreements", None, sortable=False),
    Column("records", "Records (notice lifecycle)", None, sortable=False),
    Column("source_url", "Notice", "c.source_url", sortable=False),
    Column("contract_id", "Contract id", "c.contract_id"),
)
BY_ID: dict[str, Column] = {c.id: c for c in COLUMNS}
SORTABLE: frozenset[str] = frozenset(c.id for c in COLUMNS if c.sortable)
DEFAULT_SORT: tuple[tuple[str, bool], ...] = (("end_date", False),)  # (column, descending): soonest end first
MAX_PAGE = 1000  # rows per request; the grid asks for 100


def parse_sort(spec: object) -> list[tuple[str, bool]]:
    """``"-annual_value,borough"`` -> ``[("annual_value", True), ("borough", False)]``.

    Columns outside the whitelist are ignored (a URL is input); nothing left gives the default.
    """
    out: list[tuple[str, bool]] = []
    for item in str(spec or "").split(","):
        item = item.strip()
        column, descending = item.lstrip("-"), item.startswith("-")
        if column in SORTABLE and column not in {c for c, _ in out}:
            out.append((column, descending))
    return out or list(DEFAULT_SORT)


def sort_spec(sort: list[tuple[str, bool]]) -> str:
    """The inverse of ``parse_sort``; ``""`` for the default order (so the URL leaves it out)."""
    if list(sort) == list(DEFAULT_SORT) or not sort:
        return ""
    return ",".join(("-" if desc else "") + column for column, desc in sort)


def where(filters: Filters | None) -> tuple[str, list]:
    """``queries.where_clause`` and this view's own keys: ``stage`` (any of, from ``STAGES``) and
    ``contract`` (one contract by id, the view's link to a contract and its lifecycle)."""
    filters = filters or {}
    condition, params = where_clause(filters)
    stages = [s for s in _listed(filters.get("stage")) if s in STAGES]
    if stages:
        condition += f" AND stage IN ({', '.join('?' for _ in stages)})"
        params = [*params, *stages]
    if filters.get("contract"):
        condition += " AND contract_id = ?"
        params = [*params, str(filters["contract"])]
    return condition, params


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)] if value else []


def _order_by(sort: list[tuple[str, bool]]) -> str:
    terms = [f"{column} {'DESC' if desc else 'ASC'} NULLS LAST" for column, desc in sort if column in SORTABLE]
    if not any(column == "contract_id" for column, _ in sort):
        terms.append("contract_id ASC")
    return ", ".join(terms)


_BOROUGH_NAMES = "(SELECT unnest(?::VARCHAR[]) AS code, unnest(?::VARCHAR[]) AS name) bn ON bn.code = c.borough_code"
_EXTRA = "c.record_ids, c.disagreements AS disagreements_json"


def _names() -> list:
    names = reference.borough_names()
    return [list(names), list(names.values())]


def _page_statement(filters: Filters | None, sort: list[tuple[str, bool]], limit: int, offset: int) -> tuple[str, list]:
    """One block of rows, chosen in two steps so the sort moves only the sort keys.

    Sorting 800k whole rows to keep 100 costs 4x sorting their keys (measured: 100 ms against
    25 ms at 1M contracts), so the first step picks the rows' ids by the sort keys, and the
    second reads the columns of just those rows. The id is ``contract_id``, not the row number: a
    cursor of the public reads ``contracts`` through a view (dashboard.access), which has none.
    """
    condition, params = where(filters)
    order = _order_by(sort)
    keys = "".join(f", {BY_ID[col].sql} AS {col}" for col, _ in sort if col in SORTABLE and col != "contract_id")
    selected = ", ".join(f"{c.sql} AS {c.id}" for c in COLUMNS if c.sql)
    sql = f"""
        WITH picked AS (
            SELECT c.contract_id AS contract_id{keys}
            FROM contracts c LEFT JOIN {_BOROUGH_NAMES}
            WHERE {condition}
            ORDER BY {order}
            LIMIT ? OFFSET ?
        )
        SELECT {selected}, {_EXTRA}
        FROM contracts c LEFT JOIN {_BOROUGH_NAMES}
        WHERE c.contract_id IN (SELECT contract_id FROM picked)
        ORDER BY {order}
    """
    return sql, [*_names(), *params, limit, offset, *_names()]


def _all_statement(filters: Filters | None, sort: list[tuple[str, bool]]) -> tuple[str, list]:
    """Every filtered row in ``sort`` order, with its records joined in (exports read them all)."""
    condition, params = where(filters)
    order = _order_by(sort)
    selected = ", ".join(f"{c.sql} AS {c.id}" for c in COLUMNS if c.sql)
    sql = f"""
        WITH base AS (
            SELECT {selected}, {_EXTRA}
            FROM contracts c LEFT JOIN {_BOROUGH_NAMES}
            WHERE {condition}
        ),
        refs AS (
            SELECT contract_id, unnest(record_ids) AS record_id, generate_subscripts(record_ids, 1) AS i FROM base
        ),
        recs AS (
            SELECT refs.contract_id,
                   list({_RECORD} ORDER BY refs.i) AS records
            FROM refs JOIN contract_records r USING (record_id)
            GROUP BY refs.contract_id
        )
        SELECT base.*, recs.records AS record_list
        FROM base LEFT JOIN recs USING (contract_id)
        ORDER BY {order}
    """
    return sql, [*_names(), *params]


# A record as the view tells it: where it came from and where it stands in the notice lifecycle.
_RECORD = (
    "{'record_id': r.record_id, 'source': r.source, 'ref': r.source_ref, 'url': r.source_url, 'stage': r.stage, "
    "'notice_type': r.notice_type, 'date': coalesce(r.published_date, r.start_date), "
    "'history': CAST(r.history AS VARCHAR)}"
)


def _records(cur: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, dict]:
    """The records behind a page of contracts, by id: a lookup on the primary key, not a scan."""
    if not record_ids:
        return {}
    marks = ", ".join("?" for _ in record_ids)
    rows = cur.execute(
        f"SELECT r.record_id, {_RECORD} FROM contract_records r WHERE r.record_id IN ({marks})", record_ids
    ).fetchall()
    return dict(rows)


def _changes(raw: str | None) -> list[dict]:
    """A record's changes after it was let (UK10 change, UK11 termination), from its history JSON."""
    try:
        history = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [h for h in history if isinstance(h, dict)] if isinstance(history, list) else []


def _day(value: object) -> date | None:
    """A history entry's date (ISO text in the JSON) as a date, like the records' own; None if it is not one."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def lifecycle(records: list[dict] | None) -> list[dict]:
    """A contract's notices in order: each record (pipeline, tender, award, contract) and each change,
    as {"date", "stage", "notice_type", "source", "ref", "url"}, dated ones first, oldest first."""
    out = []
    for r in records or []:
        out.append({k: r.get(k) for k in ("date", "stage", "notice_type", "source", "ref", "url")})
        for h in _changes(r.get("history")):
            step = {"date": _day(h.get("date")), "stage": h.get("what") or "change", "url": None}
            out.append({**step, "notice_type": h.get("notice_type"), "source": r.get("source"),
                        "ref": h.get("notice_id") or r.get("ref")})  # fmt: skip
    return sorted(out, key=lambda e: (e["date"] is None, str(e["date"] or "")))


def _label(field: str) -> str:
    return field.replace("_", " ")


def _describe_records(records: list[dict] | None) -> str:
    """'tender UK4 2025-01-03, contracts_finder: 1234-abc; contract, survey: Brent.xlsx#Systems!12': the
    contract's notice lifecycle (``lifecycle``), each step with the record it came from."""
    steps = []
    for e in lifecycle(records):
        what = " ".join(str(x) for x in (e["stage"], e["notice_type"], e["date"]) if x)
        steps.append(f"{what}, {e['source']}: {e['ref']}" if what else f"{e['source']}: {e['ref']}")
    return "; ".join(steps)


def _describe_disagreements(raw: str | None, records: list[dict] | None) -> str:
    """'end date: 2027-03-31 (survey), 2027-06-30 (contracts_finder)': every record's value, unresolved."""
    if not raw:
        return ""
    sources = {r["record_id"]: r["source"] for r in records or []}
    parts = []
    for field, values in json.loads(raw).items():
        listed = ", ".join(f"{v} ({sources.get(rid, rid)})" for rid, v in values.items())
        parts.append(f"{_label(field)}: {listed}")
    return "; ".join(parts)


def _row(names: list[str], values: tuple) -> dict:
    row = dict(zip(names, values, strict=True))
    records = row.pop("record_list")
    row.pop("record_ids")
    row["disagreements"] = _describe_disagreements(row.pop("disagreements_json"), records)
    row["records"] = _describe_records(records)
    row["lifecycle"] = lifecycle(records)
    return row


def count(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> int:
    """How many contracts match the filters: the view's 'N contracts match'."""
    condition, params = where(filters)
    return cur.execute(f"SELECT count(*) FROM contracts WHERE {condition}", params).fetchone()[0]


def contracts_page(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    sort: list[tuple[str, bool]] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[dict]:
    """Rows ``offset`` to ``offset + limit`` of the filtered contracts in ``sort`` order, as dicts."""
    limit = max(0, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    sql, params = _page_statement(filters, sort or list(DEFAULT_SORT), limit, offset)
    result = cur.execute(sql, params)
    names = [*(d[0] for d in result.description), "record_list"]
    fetched = result.fetchall()
    records = _records(cur, sorted({rid for values in fetched for rid in values[-2] or []}))
    return [_row(names, (*values, [records[rid] for rid in values[-2] or [] if rid in records])) for values in fetched]


def contracts_rows(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    sort: list[tuple[str, bool]] | None = None,
    batch: int = 5000,
) -> Iterator[dict]:
    """Every filtered contract in ``sort`` order, fetched in batches (exports stream them)."""
    sql, params = _all_statement(filters, sort or list(DEFAULT_SORT))
    result = cur.execute(sql, params)
    names = [d[0] for d in result.description]
    while chunk := result.fetchmany(batch):
        for values in chunk:
            yield _row(names, values)
