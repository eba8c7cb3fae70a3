"""The suppliers and systems pages read their numbers in as few statements as possible: each part of
the market, of a supplier's profile and of a system's detail, asked for alone or together, is the
same, and a page asks for them in one statement."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.logic import suppliers as sl
from dashboard.logic import systems as yl
from dashboard.pages import suppliers as suppliers_page
from dashboard.pages import systems as systems_page
from dashboard.queries import suppliers as q
from dashboard.queries import systems as sq
from dashboard.queries import where_clause

TODAY = date(2026, 12, 1)
FILTER_SETS = [
    {},
    {q.LIVE_ON: TODAY},
    {q.LIVE_ON: TODAY, "rank_by": "value", "borough": ["E09000007"]},
    {"rank_by": "boroughs", "service_area": ["Housing"], q.LIVE_ON: TODAY},
    {"end_from": "2026-01-01", "end_to": "2028-12-31", "q": "system"},
]


class Counting:
    """A cursor that counts the statements run through it."""

    def __init__(self, cur):
        self.cur, self.statements = cur, []

    def execute(self, sql, params=None):
        self.statements.append(sql)
        return self.cur.execute(sql, params or [])


def same(a, b) -> bool:
    """Equal, floats to rounding (sums of squared shares may add up in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_market_parts_together_are_the_parts_alone(sample_cur, filters):
    together = q.market(sample_cur, filters, top=15)
    assert set(together) == set(q.MARKET_PARTS)
    for part in q.MARKET_PARTS:
        assert same(q.market(sample_cur, filters, (part,), top=15), {part: together[part]}), part
    paged = q.market(sample_cur, filters, ("shares", "totals"), top=5, offset=5)
    assert [r["rank"] for r in paged["shares"]["rows"]] == list(range(6, 6 + len(paged["shares"]["rows"])))
    assert paged["totals"] == together["totals"]


def test_live_contracts_only_and_the_ended_counted(sample_cur):
    every, live = q.market(sample_cur, {}), q.market(sample_cur, {q.LIVE_ON: TODAY})
    (ended,) = sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE AND "
        "supplier_name IS NOT NULL AND coalesce(greatest(end_date, max_end_date) < ?, false)",
        [TODAY],
    ).fetchone()
    assert ended > 0 and live["totals"]["ended"] == ended and every["totals"]["ended"] == 0
    assert live["totals"]["contracts"] == every["totals"]["contracts"] - ended
    assert live["holders"]["contracts"] == live["totals"]["contracts"]
    assert sum(a["contracts"] for a in live["areas"]) <= live["totals"]["contracts"]


def test_the_market_page_reads_its_numbers_in_one_statement(sample_cur):
    counting = Counting(sample_cur)
    sl.market_parts(counting, {})
    assert len(counting.statements) == 1
    counting = Counting(sample_cur)
    suppliers_page.content(counting, {"rank_by": "boroughs"})
    assert len(counting.statements) == 2  # the market, and the value-for-money scores (tests run as a member)


def ended_directly(cur, st: dict, column: str) -> int:
    """The ended contracts (end and every extension passed) a view hides, counted on their own; none when shown."""
    if yl.shows_ended(st):
        return 0
    where, params = where_clause(st)
    sql = f"SELECT count(*) FROM contracts WHERE {where} AND {column} AND greatest(end_date, max_end_date) < ?"
    return cur.execute(sql, [*params, date.today()]).fetchone()[0]


@pytest.mark.parametrize("st", [{}, {"ended": "show"}, {"borough": ["E09000007"]}, {"service_area": ["Housing"]}])
def test_the_ranking_says_the_ended_and_the_boroughs_of_its_own_statement(sample_cur, st):
    live = yl.query_filters(st)
    result = sq.ranking(sample_cur, live)
    assert result["ended"] == ended_directly(sample_cur, st, "system_name IS NOT NULL")
    assert result["in_data"] == sq.boroughs_in_data(sample_cur, live)
    assert result["total"] == len(sq.ranking(sample_cur, live, limit=10_000)["rows"])
    counting = Counting(sample_cur)
    systems_page.content(counting, st)
    assert len(counting.statements) == 1


# --------------------------------------------------------------------------- a supplier's profile, a system's detail

PROFILE_SETS = [{}, {"ended": "show"}, {"borough": ["E09000007"]}, {"service_area": ["Housing"], "page": 2}]


def top_names(cur, column: str, n: int, st: dict | None = None) -> list[str]:
    """The ``n`` names of ``column`` with most contracts under the filters ``st``."""
    where, params = where_clause(st)
    sql = f"SELECT {column} FROM contracts WHERE {where} AND {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
    return [r[0] for r in cur.execute(sql + " LIMIT ?", [*params, n]).fetchall()]


@pytest.mark.parametrize("st", PROFILE_SETS)
def test_profile_parts_together_are_the_parts_alone(sample_cur, st):
    for chosen in (top_names(sample_cur, "supplier_name", 1, st), top_names(sample_cur, "supplier_name", 3, st)):
        live = {**yl.query_filters(st), "supplier": chosen}
        together = q.profile(sample_cur, live, limit=5, offset=5)
        assert set(together) == set(q.PROFILE_PARTS) and together["summary"]
        for part in q.PROFILE_PARTS:
            assert same(q.profile(sample_cur, live, (part,), limit=5, offset=5), {part: together[part]}), part
        assert together["ended"] == ended_directly(sample_cur, {**st, "supplier": chosen}, "supplier_name IS NOT NULL")
        market = q.market_totals(sample_cur, q.without(live, "supplier"))
        assert same(together["market"], {k: market[k] for k in ("contracts", "annual_value")})
        assert together["contracts"]["total"] == sum(s["contracts"] for s in together["summary"])
        assert len(together["contracts"]["rows"]) == min(5, max(0, together["contracts"]["total"] - 5))


@pytest.mark.parametrize("st", PROFILE_SETS)
def test_detail_parts_together_are_the_parts_alone(sample_cur, st):
    for chosen in (top_names(sample_cur, "system_name", 1, st), top_names(sample_cur, "system_name", 3, st)):
        live = {**yl.query_filters(st), "system": chosen}
        together = sq.detail(sample_cur, live, limit=5, offset=5)
        assert set(together) == {"rows", "total", *sq.DETAIL_PARTS} - {"contracts"} and together["systems"]
        for part in sq.DETAIL_PARTS:
            alone = sq.detail(sample_cur, live, (part,), limit=5, offset=5)
            assert same(alone, {"rows": together["rows"], "total": together["total"]} if part == "contracts"
                        else {part: together[part]}), part  # fmt: skip
        assert together["ended"] == ended_directly(sample_cur, {**st, "system": chosen}, "system_name IS NOT NULL")
        assert together["systems"] == sq.ranking(sample_cur, live, limit=len(chosen))["rows"]
        assert together["in_data"] == sq.ranking(sample_cur, q.without(live, "system"))["in_data"]
        assert together["total"] == sum(s["contracts"] for s in together["systems"])
        answered = sum(s["n"] for s in together["scores"] if s["measure"] == "confidence")
        assert answered == together["total"]  # each contract counted once per score, answered or not


def test_a_profile_and_a_detail_page_read_their_numbers_in_one_statement(sample_cur):
    supplier, system = top_names(sample_cur, "supplier_name", 1)[0], top_names(sample_cur, "system_name", 1)[0]
    counting = Counting(sample_cur)
    tree = suppliers_page.content(counting, {"supplier": [supplier]}, today=TODAY)
    assert len(counting.statements) == 1 and tree
    counting = Counting(sample_cur)
    tree = systems_page.content(counting, {"system": [system]}, today=TODAY)
    assert len(counting.statements) == 3 and tree  # the detail, and its page's contacts (record ids, then records)
