"""Every contract, sorted and paged in DuckDB: the grid's rows, its sort in the URL, and the export.

The grid and the export read the same query with the same sort (``queries.contracts``); this
module turns the URL's ``sort`` and the grid's sortModel into that sort, and rows into the text
the grid shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import duckdb

from dashboard import format, state, status
from dashboard.queries import contracts as q
from etl.schema import STAGES

BLOCK = 100  # rows per request of the grid
STAGE_LABELS = {
    "planning": "Planning (pipeline, market engagement)",
    "tender": "Tender (open opportunity)",
    "award": "Award (not yet a contract)",
    "contract": "Contract (signed or running)",
    "cancelled": "Cancelled",
    "dynamic_market": "Dynamic market",
}
assert set(STAGE_LABELS) == set(STAGES), "a stage of etl.schema.STAGES has no label"


def _contract_id(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}", text):
        raise state.Invalid(f"{state.shown(value)} is not a contract id")
    return text


STAGE = state.Key("stage", state.choice(*STAGES), multiple=True, label="Stage")
# one contract and its notice lifecycle: the link from Expiring and the calendar; a new filter drops it
CONTRACT = state.Key("contract", _contract_id, keep_on_filter=False, label="Contract")


# --------------------------------------------------------------------------- sort


def url_sort(st: dict) -> list[tuple[str, bool]]:
    """The sort a state asks for, whitelisted (unknown columns ignored, default when none left)."""
    return q.parse_sort(st.get("sort"))


def normalised(st: dict) -> dict:
    """The state with its sort in canonical form, and left out when it is the default order."""
    spec = q.sort_spec(url_sort(st))
    out = {k: v for k, v in st.items() if k != "sort"}
    return {**out, "sort": spec} if spec else out


def sort_of_request(request: dict | None) -> list[tuple[str, bool]]:
    """The grid's sortModel as ``[(column, descending)]``, whitelisted like a URL's."""
    model = request.get("sortModel") if isinstance(request, dict) else None
    model = [m for m in model[:5] if isinstance(m, dict)] if isinstance(model, list) else []  # a forged body
    spec = ",".join(("-" if m.get("sort") == "desc" else "") + str(m.get("colId", ""))[:40] for m in model)
    return q.parse_sort(spec)


def search_for_sort(search: str | None, request: dict | None) -> str | None:
    """The URL after a sort made in the grid, or None when the URL already says that sort."""
    if not request or not isinstance(request, dict):
        return None
    current = normalised(VIEW.parse(search)).get("sort", "")
    wanted = q.sort_spec(sort_of_request(request))
    if wanted == current:
        return None
    return VIEW.updated(search, sort=wanted or None)


# --------------------------------------------------------------------------- grid rows


def status_of(row: dict, today: date | None = None) -> str:
    """The contract's status in words (``dashboard.status``; '' for what is not a contract yet)."""
    if row.get("stage") not in (None, "contract"):
        return ""
    return status.label(status.status(row.get("end_date"), row.get("max_end_date"), today or date.today()))


def grid_row(row: dict, today: date | None = None) -> dict:
    """A contract as the grid shows it: text ready to read (sorting happened in DuckDB)."""
    out = {k: v for k, v in row.items() if k != "lifecycle"}
    out["status"] = status_of(row, today)
    for key in ("start_date", "end_date", "max_end_date"):
        out[key] = row[key].isoformat() if row[key] else ""
    out["annual_value"] = format.pounds(row["annual_value"])
    out["total_value"] = format.pounds(row["total_value"])
    out["match_score"] = "" if row["match_score"] is None else f"{row['match_score']:.2f}"
    out["disagreement"] = "Yes" if row["disagreement"] else ""
    out["supplier"] = format.supplier(row["supplier"], row["supplier_count"], missing="")
    return out


MAX_ROW = 10**9  # no view has a billion rows; a larger start (a forged request) is an empty block


def _row_number(value: object, default: int) -> int:
    """A row number of a grid request, from 0 to ``MAX_ROW``; anything else is ``default``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return int(min(max(value, 0), MAX_ROW))


def rows_block(cur: duckdb.DuckDBPyConnection, query: str, request: dict | None) -> dict:
    """The answer to one of the grid's getRowsRequest: a block of rows and the row count.

    ``query`` is the grid's own query string (its id), the filters it was rendered for; the
    sort comes from the request, which is what the grid's headers show.
    """
    request = request if isinstance(request, dict) else {}
    start = _row_number(request.get("startRow"), 0)
    end = max(start, _row_number(request.get("endRow"), start + BLOCK))
    limit = min(end - start, q.MAX_PAGE)
    st = VIEW.parse(query)
    rows = q.contracts_page(cur, st, sort_of_request(request), offset=start, limit=limit)
    total = start + len(rows) if len(rows) < limit else q.count(cur, st)
    return {"rowData": [grid_row(r) for r in rows], "rowCount": total}


def count_line(n: int) -> str:
    """'1 contract matches', '25 contracts match'."""
    return f"{format.plural(n, 'contract')} match{'es' if n == 1 else ''}"


# --------------------------------------------------------------------------- export


def contracts_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], Iterator[list]]:
    """Every row the view shows, in its order, with raw values (numbers, dates) for spreadsheets."""
    columns = [c.heading for c in q.COLUMNS]
    ids = [c.id for c in q.COLUMNS]
    rows = q.contracts_rows(cur, st, url_sort(st))
    today = date.today()
    return columns, ([{**row, "status": status_of(row, today)}[i] for i in ids] for row in rows)


# --------------------------------------------------------------------------- one contract


def contract_detail(cur: duckdb.DuckDBPyConnection, st: dict) -> dict | None:
    """The contract the URL's ``contract`` names, under the URL's filters, with its lifecycle; None if none."""
    if not st.get("contract"):
        return None
    rows = q.contracts_page(cur, st, limit=1)
    return rows[0] if rows else None


def lifecycle_step(step: dict) -> str:
    """'Tender (UK4), 3 January 2025: contracts_finder 1234-abc'."""
    stage = step.get("stage") or "record"
    words = STAGE_LABELS.get(stage, stage).split(" (")[0]
    if step.get("notice_type"):
        words += f" ({step['notice_type']})"
    day = format.long_date(step.get("date"), missing="")
    return f"{words}{', ' + day if day else ''}: {step.get('source')} {step.get('ref')}"


def stage_options() -> list[dict]:
    return [{"label": label, "value": key} for key, label in STAGE_LABELS.items()]


VIEW = state.View("contracts", "/contracts", (state.SORT, STAGE, CONTRACT), exports={"contracts": contracts_table})
