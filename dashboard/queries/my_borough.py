"""SQL of My borough beyond the comparison rows: whom to call about a contract, and whether a
borough sent a survey return at all.

Contacts are read from what the inputs said, in the order a CIO would trust them: the survey
row's own contact (the contract owner), then the cover of the survey return it came from
(``load_files.return_contact``), then the buyer contact on an open notice of the same contract.
Survey contacts and return covers are members-only: the public cursor blanks them
(``dashboard.access``), so for the public only the notices' contacts remain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import duckdb

from dashboard import cache
from dashboard.queries import Filters, where_clause

CONTACT_FROM = {1: "survey return", 2: "survey return cover", 3: "open notice"}


def contacts(cur: duckdb.DuckDBPyConnection, contract_ids: Iterable[str]) -> dict[str, dict]:
    """Per contract id, the best known contact: ``name``, ``email``, ``phone`` and ``source``.

    Contracts with no contact at all are absent. Ties within one kind go to the record id,
    so the same database always gives the same contact.
    """
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = cur.execute(
        """
        WITH c AS (
            SELECT contract_id, unnest(record_ids) AS record_id FROM contracts
            WHERE contract_id IN (SELECT unnest(?::VARCHAR[]))
        ),
        r AS (  -- each record of the contracts once (three joins of contract_records cost three times as much)
            SELECT c.contract_id, cr.record_id, cr.source, cr.contact_name, cr.contact_email, cr.contact_phone,
                   lf.return_contact
            FROM c JOIN contract_records cr USING (record_id)
            LEFT JOIN load_files lf ON cr.source = 'survey' AND lf.source = 'survey' AND lf.file = cr.source_file
        ),
        found AS (
            SELECT contract_id, record_id, CASE WHEN source = 'survey' THEN 1 ELSE 3 END AS rank,
                   contact_name AS name, contact_email AS email, contact_phone AS phone
            FROM r
            UNION ALL
            SELECT contract_id, record_id, 2,
                   return_contact->>'name', return_contact->>'email', return_contact->>'phone'
            FROM r WHERE source = 'survey' AND return_contact IS NOT NULL
        )
        SELECT contract_id, arg_min([name, email, phone, CAST(rank AS VARCHAR)], [rank::VARCHAR, record_id])
        FROM found
        WHERE coalesce(trim(name), '') <> '' OR coalesce(trim(email), '') <> '' OR coalesce(trim(phone), '') <> ''
        GROUP BY contract_id
        """,
        [ids],
    ).fetchall()
    return {cid: {"name": v[0], "email": v[1], "phone": v[2], "source": CONTACT_FROM[int(v[3])]} for cid, v in rows}


@cache.per_build
def survey_returns(cur: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, int]:
    """Per borough code, how many survey returns of it loaded (a rejected file does not count; survey
    rows loaded without a file row, as a hand-made database may have, count as one). Read once per
    build and reader (``cache.per_build``): the page asks it on every click."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
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
