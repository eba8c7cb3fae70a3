"""Every SQL statement the dashboard runs: this package, one module per view, shared filters here.

Rules, so that no filter value can change a query's meaning: values are only ever bound
parameters (``?``); identifiers only ever come from the whitelists below, never from input.
Functions take a cursor (see ``dashboard.db``) and return small lists of dicts: aggregates,
never whole tables, so that pages stay fast on a million contracts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import duckdb

from dashboard import cache

# Filter keys of the URL contract -> the column of ``contracts`` they filter (whitelist).
FILTER_COLUMNS: dict[str, str] = {
    "borough": "borough_code",
    "service_area": "service_area",
    "supplier": "supplier_name",
    "system": "system_name",
}
# Columns searched by the free-text filter ``q``.
TEXT_COLUMNS: tuple[str, ...] = ("title", "buyer_name", "supplier_name", "system_name")
# The date that ``end_from``/``end_to`` and the "ending within" counts use.
END_COLUMN = "end_date"

# How a merged contract's sources are grouped in charts (keys are stable, labels are for people).
SOURCE_GROUPS: dict[str, str] = {
    "survey": "Survey only",
    "both": "Survey and open data",
    "open_data": "Open data only",
}
UNKNOWN_SERVICE_AREA = "Not known"
# The ``source`` filter: which records a contract must have. Open data is any source that is not
# the survey (Contracts Finder, contract registers...), so a merged contract matches both.
SOURCE_CONDITIONS: dict[str, str] = {
    "survey": "coalesce(list_contains(sources, 'survey'), false)",
    "open_data": "coalesce(len(list_filter(sources, lambda s: s <> 'survey')) > 0, false)",
}

# The ``scope`` filter: technology contracts unless ``scope=all``. A contract the build could not
# classify (is_it NULL: a database built before the scope existed) is shown, not hidden.
SCOPE_CONDITIONS: dict[str, str] = {"it": "is_it IS NOT FALSE", "all": "TRUE"}
NOT_TECHNOLOGY = "is_it IS FALSE"

Filters = Mapping[str, object]


def _values(raw: object) -> list[str]:
    """A filter value as a list of non-empty strings (URL parameters may repeat or not)."""
    if raw is None:
        return []
    items: Iterable[object] = [raw] if isinstance(raw, str | bytes) or not isinstance(raw, Iterable) else raw
    return [s for s in (str(v).strip() for v in items if v is not None) if s]


def _as_date(raw: object, key: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError(f"{key} must be an ISO date (YYYY-MM-DD), not {raw!r}") from None


def where_clause(filters: Filters | None = None, *, boroughs_only: bool = True) -> tuple[str, list]:
    """Turn a filter dict into a SQL condition on ``contracts`` and its bound parameters.

    Keys: ``borough`` (ONS codes), ``service_area``, ``supplier``, ``system`` (each one value or a
    list: any of them matches), ``end_from``/``end_to`` (ISO dates, inclusive, on end_date) and
    ``q`` (case-insensitive substring of title, buyer, supplier or system), ``source``
    (``survey``: contracts with a survey record; ``open_data``: with any other record) and ``scope``
    (technology contracts only, unless ``all``). Other keys are ignored, so a view can pass its whole
    URL state. ``boroughs_only`` keeps to records whose buyer is a London authority, which is what
    the app shows by default, as it shows technology contracts by default.
    Returns ``("TRUE", [])`` only with ``scope=all`` and nothing else filtering. Raises ValueError on
    a malformed date, source or scope.
    """
    filters = filters or {}
    conditions: list[str] = []
    params: list[object] = []
    for key, column in FILTER_COLUMNS.items():
        values = _values(filters.get(key))
        if values:
            conditions.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if boroughs_only and not _values(filters.get("borough")):
        conditions.append("borough_code IS NOT NULL")
    end_from = _as_date(filters.get("end_from"), "end_from")
    if end_from:
        conditions.append(f"{END_COLUMN} >= ?")
        params.append(end_from)
    end_to = _as_date(filters.get("end_to"), "end_to")
    if end_to:
        conditions.append(f"{END_COLUMN} <= ?")
        params.append(end_to)
    text = " ".join(_values(filters.get("q"))).casefold()
    if text:
        conditions.append("(" + " OR ".join(f"contains(lower({c}), ?)" for c in TEXT_COLUMNS) + ")")
        params.extend([text] * len(TEXT_COLUMNS))
    sources = set(_values(filters.get("source")))
    if sources - SOURCE_CONDITIONS.keys():
        raise ValueError(f"source must be one of {', '.join(SOURCE_CONDITIONS)}, not {sorted(sources)!r}")
    if len(sources) == 1:  # both named is the same as neither
        conditions.append(SOURCE_CONDITIONS[sources.pop()])
    scope = chosen_scope(filters)
    if SCOPE_CONDITIONS[scope] != "TRUE":
        conditions.append(SCOPE_CONDITIONS[scope])
    return (" AND ".join(conditions) or "TRUE"), params


def chosen_scope(filters: Filters | None) -> str:
    """The ``scope`` of a filter dict: ``it`` (technology contracts, the default) or ``all``."""
    values = _values((filters or {}).get("scope"))
    scope = values[-1].lower() if values else "it"
    if scope not in SCOPE_CONDITIONS:
        raise ValueError(f"scope must be one of {', '.join(SCOPE_CONDITIONS)}, not {values[-1]!r}")
    return scope


def scope_counts(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, **where) -> dict:
    """How many contracts under these filters (whatever the scope) are technology, and how many are not.

    ``other`` is what the technology scope hides; every page, export and report says it. ``where``
    goes to ``where_clause`` (``boroughs_only``). Every page asks it for the same filters, so it is
    kept per build and condition (a view's own keys, its page or sort, do not change it).
    """
    condition, params = where_clause({**(filters or {}), "scope": "all"}, **where)
    return _scope_counts(cur, condition, tuple(params))


@cache.per_build
def _scope_counts(cur: duckdb.DuckDBPyConnection, condition: str, params: tuple) -> dict:
    technology, other = cur.execute(
        f"SELECT count(*) FILTER (WHERE {SCOPE_CONDITIONS['it']}), count(*) FILTER (WHERE {NOT_TECHNOLOGY})"
        f" FROM contracts WHERE {condition}",
        list(params),
    ).fetchone()
    return {"technology": technology, "other": other}


def headline(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, today: date | None = None) -> dict:
    """The overview's headline numbers for the filtered contracts (``queries.overview``, which reads them
    with the overview's other numbers in one statement).

    ``ending_12m``/``ending_24m`` count contracts whose end date falls from ``today`` up to and
    including the same day 12/24 months later; ``valued`` is how many contracts the annual
    total is summed over (values are often unknown).
    """
    from dashboard.queries import overview  # it builds on this module

    return overview.overview(cur, filters, today)["numbers"]


def counts_by_borough(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> list[dict]:
    """Contracts per London authority, split by source group, in ONS code order (``queries.overview``).

    Every authority of ``etl.reference`` appears, with zeros where it has no contracts, so an
    absent borough is visible rather than silently missing; when the filter names boroughs,
    only those appear.
    """
    from dashboard.queries import overview

    return overview.overview(cur, filters)["boroughs"]


def counts_by_service_area(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> list[dict]:
    """Contracts per service area, most first; contracts without one count as 'Not known' (``queries.overview``)."""
    from dashboard.queries import overview

    return overview.overview(cur, filters)["areas"]


def has_open_data(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> bool:
    """Whether any filtered contract has an open-data record: then its licence must be credited."""
    where, params = where_clause(filters)
    (found,) = cur.execute(
        f"SELECT EXISTS (SELECT 1 FROM contracts WHERE {where} AND {SOURCE_CONDITIONS['open_data']})", params
    ).fetchone()
    return bool(found)


@cache.per_build
def survey_returns(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every survey return of the build: borough, status, gaps, why it was rejected, rows loaded of read."""
    rows = cur.execute(
        """
        SELECT file, borough_code, status, coalesce(gaps, []), reason, records_read, loaded FROM load_files
        WHERE source = 'survey' ORDER BY borough_code NULLS LAST, file
        """
    ).fetchall()
    keys = ("file", "borough_code", "status", "gaps", "reason", "records_read", "loaded")
    return [dict(zip(keys, r, strict=True)) for r in rows]


@cache.per_build
def data_dates(cur: duckdb.DuckDBPyConnection) -> dict:
    """When the data was made, beside when it was built: the survey returns' dates (first and
    latest) and the latest published notice (survey and listing records are not notices)."""
    first, last = cur.execute(
        "SELECT min(return_date), max(return_date) FROM load_files WHERE source = 'survey' AND status <> 'rejected'"
    ).fetchone()
    (notice,) = cur.execute(
        "SELECT max(published_date) FROM contract_records WHERE source NOT IN ('survey', 'listing')"
    ).fetchone()
    return {"returns_from": first, "returns_to": last, "latest_notice": notice}


@cache.per_build
def sample_only(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether every input file of the build was a sample one (demo mode requires it)."""
    (only,) = cur.execute("SELECT coalesce(bool_and(is_sample), false) FROM load_files").fetchone()
    return bool(only)


@cache.per_build
def data_status(cur: duckdb.DuckDBPyConnection) -> dict:
    """Whether the build used sample inputs, and its dates, as recorded by the ETL."""
    (is_sample,) = cur.execute("SELECT coalesce(bool_or(is_sample), false) FROM load_files").fetchone()
    meta = dict(cur.execute("SELECT key, value FROM meta WHERE key IN ('built_at', 'data_as_of')").fetchall())
    return {"is_sample": bool(is_sample), "built_at": meta.get("built_at"), "data_as_of": meta.get("data_as_of")}


@cache.warm_with
def _every_page_reads(cur: duckdb.DuckDBPyConnection) -> None:
    """What every page shows that depends on the build alone, read when the build is opened (``cache.warm``)."""
    data_status(cur)
    data_dates(cur)
    survey_returns(cur)
    sample_only(cur)
