"""SQL of My borough: one page of the borough's contracts, the other boroughs' that may be near them,
whom to call about a contract, and whether a borough sent a survey return at all.

Contacts are read from what the inputs said, in the order a CIO would trust them: the survey
row's own contact (the contract owner), then the cover of the survey return it came from
(``load_files.return_contact``), then the buyer contact on an open notice of the same contract.
Survey contacts and return covers are members-only: the public cursor blanks them
(``dashboard.access``), so for the public only the notices' contacts remain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import duckdb

from dashboard import cache
from dashboard.queries import Filters, where_clause
from dashboard.queries.expiring import effective_end_sql
from etl import reference

CONTACT_FROM = {1: "survey return", 2: "survey return cover", 3: "open notice"}
# the columns of a compared contract (logic.my_borough's rows), as SQL and by name
COLUMNS = """contract_id, borough_code, service_area, system_name AS system, supplier_name AS supplier,
    end_date AS "end", max_end_date AS max_end, confidence, satisfaction, annual_value"""
COMPARED = ("contract_id", "borough_code", "service_area", "system", "supplier", "end", "max_end", "confidence",
            "satisfaction", "annual_value")  # fmt: skip
# The page's order: service areas in taxonomy order (a bound list), others by name, none last; then end dates.
LISTED_ORDER = """CASE WHEN coalesce(service_area, '') = '' THEN 2147483647
    ELSE coalesce(list_position(?::VARCHAR[], service_area), 2147483646) END,
    service_area NULLS LAST, "end" NULLS LAST, system NULLS LAST, contract_id"""
ALL_ROWS = 1 << 40  # a page size that holds every contract (the export)


def listing(
    cur: duckdb.DuckDBPyConnection,
    code: str,
    filters: Filters | None,
    today: date,
    show_ended: bool,
    page: int = 1,
    size: int | None = None,
) -> dict:
    """One page of the borough's contracts the view lists, in its order, with ``listed`` (how many it
    lists) and ``all`` (with the ended ones): ``rows``, page ``page`` (clamped to the pages there are,
    as ``logic.my_borough.page_of``) of ``size`` (None: every row). Ended ones (``status.effective_end``
    before ``today``) only when ``show_ended``. Only the page leaves the database, beside the counts
    (one row of them, joined to the page so that they come even when nothing is listed): at 1M a
    borough has 6,000 contracts, and reading them all to keep 20 took most of the page's time. The
    page is a top-N (``LIMIT``/``OFFSET``), not a ``row_number()`` over every contract with two
    ``count() OVER ()``: at 1M the windows cost about a third of the statement.
    """
    where, params = where_clause({**(filters or {}), "borough": [code]})
    size = size or ALL_ROWS
    areas = [sa.name for sa in reference.service_areas()]
    ended = f"coalesce({effective_end_sql('end_date', 'max_end_date', 'CAST(? AS DATE)')} < CAST(? AS DATE), false)"
    result = cur.execute(
        f"""
        WITH b AS (SELECT {COLUMNS}, ? OR NOT {ended} AS listed FROM contracts WHERE {where} AND stage = 'contract'),
        counts AS (SELECT count(*) AS n_all, count(*) FILTER (WHERE listed) AS n FROM b),
        p AS (
            SELECT * FROM b WHERE listed ORDER BY {LISTED_ORDER}
            LIMIT ?
            OFFSET (SELECT (least(greatest(CAST(? AS BIGINT), 1), greatest(1, (n + ? - 1) // ?)) - 1) * ? FROM counts)
        )
        SELECT p.*, n_all, n FROM counts LEFT JOIN p ON true ORDER BY {LISTED_ORDER}
        """,
        [show_ended, today, today, today, *params, areas, size, page, size, size, size, areas],
    )  # fmt: skip
    names = [d[0] for d in result.description]
    found = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    rows = [{k: r[k] for k in COMPARED} for r in found if r["listed"]]
    return {"rows": rows, "all": found[0]["n_all"], "listed": found[0]["n"]}


MAX_LISTED = 1000  # ids bound one by one up to this many (an index lookup); more as one list (a scan: the export)


def any_of(column: str, values: list) -> tuple[str, list]:
    """``column IN (?, ?, ...)`` and its parameters: constants let DuckDB look the keys up in the table's
    index (at 1M, 100 ids bound as one list scanned the table: 100+ ms, against 10); a long list, as one."""
    if len(values) > MAX_LISTED:
        return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [values]
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def contacts(cur: duckdb.DuckDBPyConnection, contract_ids: Iterable[str]) -> dict[str, dict]:
    """Per contract id, the best known contact: ``name``, ``email``, ``phone`` and ``source``
    (``record_contacts``, after reading the contracts' record ids)."""
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    cond, params = any_of("contract_id", ids)
    return record_contacts(
        cur, dict(cur.execute(f"SELECT contract_id, record_ids FROM contracts WHERE {cond}", params).fetchall())
    )


def record_contacts(cur: duckdb.DuckDBPyConnection, records: Mapping[str, Iterable[str] | None]) -> dict[str, dict]:
    """Per contract id of ``records`` (contract id -> its ``record_ids``), the best known contact: ``name``,
    ``email``, ``phone`` and ``source``.

    Contracts with no contact at all are absent. Ties within one kind go to the record id, so the
    same database always gives the same contact. One flat statement reads each record once with its
    return cover, by the records' key, and ``best_contacts`` picks: the ranking in SQL (a CTE read
    twice, a union, an ``arg_min``) cost more to plan than to run, and the join from ``contracts``
    read more rows than it kept.
    """
    owners: dict[str, list[str]] = {}
    for cid, rids in records.items():
        for rid in rids or ():
            owners.setdefault(rid, []).append(cid)
    if not owners:
        return {}
    cond, params = any_of("cr.record_id", sorted(owners))
    rows = cur.execute(
        f"""
        SELECT record_id, survey, name, email, phone, {_KNOWN.format(p="")},
               c_name, c_email, c_phone, {_KNOWN.format(p="c_")}
        FROM (
            SELECT cr.record_id, coalesce(cr.source = 'survey', false) AS survey,
                   cr.contact_name AS name, cr.contact_email AS email, cr.contact_phone AS phone,
                   lf.return_contact->>'name' AS c_name, lf.return_contact->>'email' AS c_email,
                   lf.return_contact->>'phone' AS c_phone
            FROM contract_records cr
            LEFT JOIN load_files lf ON cr.source = 'survey' AND lf.source = 'survey' AND lf.file = cr.source_file
            WHERE {cond}
        )
        """,
        params,
    ).fetchall()
    return best_contacts((cid, *row) for row in rows for cid in owners[row[0]])


# whether a contact says anything: DuckDB's trim (spaces, not tabs), as the contacts have always been read
_KNOWN = (
    "(coalesce(trim({p}name), '') <> '' OR coalesce(trim({p}email), '') <> '' OR coalesce(trim({p}phone), '') <> '')"
)


def best_contacts(rows: Iterable[tuple]) -> dict[str, dict]:
    """The best contact per contract from ``record_contacts``' rows (contract id, record id, survey or not, its
    contact, whether known, its return cover's, whether known): the survey row's own, then its return's
    cover, then an open notice's; within a kind, the lowest record id."""
    best: dict[str, tuple] = {}
    for cid, rid, survey, name, email, phone, known, c_name, c_email, c_phone, c_known in rows:
        found = [(1 if survey else 3, rid, name, email, phone)] if known else []
        if survey and c_known:
            found.append((2, rid, c_name, c_email, c_phone))
        for f in found:
            if cid not in best or f[:2] < best[cid][:2]:
                best[cid] = f
    return {
        cid: {"name": name, "email": email, "phone": phone, "source": CONTACT_FROM[rank]}
        for cid, (rank, _rid, name, email, phone) in best.items()
    }


def survey_returns(cur: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, int]:
    """Per borough code, how many survey returns of it loaded (a rejected file does not count; survey
    rows loaded without a file row, as a hand-made database may have, count as one). Every borough's
    count is read once per build and reader (``returns_by_borough``, warmed when the build is opened):
    the page asks on every click, and the first click on each borough paid a statement for it."""
    wanted = sorted(set(codes))
    known = returns_by_borough(cur)
    missing = [c for c in wanted if c not in known]
    return {**{c: known[c] for c in wanted if c in known}, **(_count_returns(cur, missing) if missing else {})}


@cache.warm_with
@cache.per_build
def returns_by_borough(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """``survey_returns`` of every London borough, in one statement per build and reader."""
    return _count_returns(cur, sorted(reference.borough_names()))


def _count_returns(cur: duckdb.DuckDBPyConnection, wanted: list[str]) -> dict[str, int]:
    rows = cur.execute(
        """
        WITH b AS (SELECT unnest(?::VARCHAR[]) AS code)
        SELECT b.code,
               (SELECT count(*) FROM load_files
                WHERE source = 'survey' AND borough_code = b.code AND status <> 'rejected'),
               EXISTS (SELECT 1 FROM contract_records WHERE source = 'survey' AND borough_code = b.code)
        FROM b
        """,
        [wanted],
    ).fetchall()
    return {code: max(files, int(rows_loaded)) for code, files, rows_loaded in rows}


def candidates(
    cur: duckdb.DuckDBPyConnection, code: str, mine: list[dict], months: int, filters: Filters | None = None
) -> list[dict]:
    """Other boroughs' contracts that may be neighbours of ``mine`` (one page of the borough's
    contracts): same service area or system, ending within a coarse ``months`` (31 days a month,
    plus slack) of one of them. ``dashboard.logic.my_borough.neighbours`` applies the exact rule.

    Asked for the listed contracts only, by two equi-joins (service area, system), so a page costs
    the same however many contracts the borough has; the other filters apply, not the borough.
    Others are first cut to those areas and systems and the span of the end dates (the joins' own
    bounds, so the same rows): at 1M the whole of the other boroughs' contracts was read (~200k rows).
    (Their ``record_ids`` are not read here: a list column in ``o`` cost more than ``contacts``' lookup.)
    """
    keys = [{"area": m["service_area"], "system": m["system"], "e": m["end"]} for m in mine if m.get("end")]
    if not keys:
        return []
    where, params = where_clause({k: v for k, v in (filters or {}).items() if k != "borough"})
    ends, slack = [k["e"] for k in keys], timedelta(days=31 * int(months) + 3)
    result = cur.execute(
        f"""
        WITH m AS (SELECT unnest(?::STRUCT(area VARCHAR, system VARCHAR, e DATE)[], recursive := true)),
        o AS (
            SELECT * FROM contracts
            WHERE {where} AND stage = 'contract' AND borough_code <> ? AND end_date BETWEEN ? AND ?
              AND (service_area IN (SELECT area FROM m) OR system_name IN (SELECT system FROM m))
        ),
        hit AS (
            SELECT o.contract_id FROM o JOIN m ON o.service_area = m.area
            WHERE abs(datediff('day', m.e, o.end_date)) <= ?
            UNION
            SELECT o.contract_id FROM o JOIN m ON o.system_name = m.system
            WHERE abs(datediff('day', m.e, o.end_date)) <= ?
        )
        SELECT contract_id, borough_code, service_area, system_name AS system, supplier_name AS supplier,
               end_date AS "end", max_end_date AS max_end, confidence, satisfaction, annual_value
        FROM o WHERE contract_id IN (SELECT contract_id FROM hit)
        """,
        [keys, *params, code, min(ends) - slack, max(ends) + slack, slack.days, slack.days],
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
