"""The overview reads its numbers in one statement (``queries.overview``); each number equals the same
thing counted directly, on its own, over the contracts the filters keep."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import queries
from dashboard.pages import overview as overview_page
from dashboard.queries import overview as qo
from dashboard.queries import suppliers as sq
from dashboard.queries import where_clause
from tests.test_market_statements import Counting

TODAY = date(2026, 12, 1)
FILTER_SETS = [
    {},
    {"scope": "all"},
    {"borough": ["E09000007", "E09000033"]},
    {"service_area": ["Housing"]},
    {"end_from": "2026-01-01", "end_to": "2028-12-31", "q": "system"},
    {"source": "open_data"},
    {"supplier": ["nobody at all"]},
]


def direct_numbers(cur, filters: dict) -> dict:
    """The headline numbers, each by its own plain aggregate."""
    where, params = where_clause(filters)
    row = cur.execute(
        f"""SELECT count(DISTINCT borough_code), count(*), count(DISTINCT system_name), count(DISTINCT supplier_name),
                   sum(annual_value), count(annual_value),
                   count(*) FILTER (WHERE end_date >= ? AND end_date <= ?),
                   count(*) FILTER (WHERE end_date >= ? AND end_date <= ?)
            FROM contracts WHERE {where}""",
        [TODAY, date(2027, 12, 1), TODAY, date(2028, 12, 1), *params],
    ).fetchone()
    keys = ("boroughs", "contracts", "systems", "suppliers", "annual_value", "valued", "ending_12m", "ending_24m")
    return dict(zip(keys, row, strict=True))


def direct_sources(cur, filters: dict) -> dict[str, dict]:
    """Per borough with contracts: how many have survey records only, both, or open data only, read
    from each contract's list of sources in Python."""
    where, params = where_clause(filters)
    out: dict[str, dict] = {}
    for code, sources in cur.execute(f"SELECT borough_code, sources FROM contracts WHERE {where}", params).fetchall():
        kinds = set(sources or [])
        group = ("both" if kinds - {"survey"} else "survey") if "survey" in kinds else "open_data"
        counts = out.setdefault(code, {"survey": 0, "both": 0, "open_data": 0})
        counts[group] += 1
    return out


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_the_overview_numbers_equal_direct_counts(full_sample_cur, filters):
    o = qo.overview(full_sample_cur, filters, TODAY)
    numbers = o["numbers"]
    direct = direct_numbers(full_sample_cur, filters)
    assert numbers.keys() == direct.keys()
    assert {k: v for k, v in numbers.items() if k != "annual_value"} == {
        k: v for k, v in direct.items() if k != "annual_value"
    }
    assert numbers["annual_value"] == pytest.approx(direct["annual_value"])
    assert o["holders"] == sq.market_holders(full_sample_cur, filters)
    found = {r["code"]: {k: r[k] for k in ("survey", "both", "open_data")} for r in o["boroughs"] if r["total"]}
    assert found == direct_sources(full_sample_cur, filters)
    assert sum(r["contracts"] for r in o["areas"]) == numbers["contracts"]


def test_the_sample_has_every_source_group(full_sample_cur):
    """So that the comparison above can fail on any of the three groups."""
    totals = [
        sum(r[k] for r in qo.overview(full_sample_cur, {"scope": "all"})["boroughs"]) for k in queries.SOURCE_GROUPS
    ]
    assert all(totals), totals


def test_the_single_functions_are_the_parts_of_the_statement(full_sample_cur):
    filters = {"borough": ["E09000007"]}
    o = qo.overview(full_sample_cur, filters, TODAY)
    assert queries.headline(full_sample_cur, filters, today=TODAY) == o["numbers"]
    assert queries.counts_by_borough(full_sample_cur, filters) == o["boroughs"]
    assert queries.counts_by_service_area(full_sample_cur, filters) == o["areas"]


def test_the_overview_page_reads_its_numbers_in_one_statement(full_sample_cur):
    counting = Counting(full_sample_cur)
    overview_page.content(counting, {}, today=TODAY)
    # the numbers, charts and headline card; and the survey returns (cached per build on a real cursor)
    assert len(counting.statements) == 2


def test_the_overview_and_the_market_are_kept_per_reader(sample_db):
    """Kept per build and reader: a member's annual values (survey answers) never reach the public,
    and a second reading of the same filters by the same reader runs no statement."""
    from dashboard import access, cache, db

    cache.clear()
    seen: dict[bool, tuple] = {}
    for member in (True, False, True, False):
        with access.members(member), db.cursor(sample_db) as cur:
            counting = Counting(cur)
            cache.bind(counting, cache.build_of(cur))
            got = (qo.overview(counting, {}, TODAY), sq.market(counting, {}))
            cache.unbind(counting)
        assert len(counting.statements) == (0 if member in seen else 2)
        assert seen.setdefault(member, got) == got
    member, public = seen[True], seen[False]
    assert member[0]["numbers"]["valued"] > 0 and public[0]["numbers"]["valued"] == 0
    assert member[1]["totals"]["valued"] > 0 and public[1]["totals"]["valued"] == 0
