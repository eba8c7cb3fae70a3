"""The suppliers and systems pages read their numbers in as few statements as possible: each part of
the market, asked for alone or together, is the same, and a page asks for them in one statement."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.logic import suppliers as sl
from dashboard.logic import systems as yl
from dashboard.pages import suppliers as suppliers_page
from dashboard.pages import systems as systems_page
from dashboard.queries import suppliers as q
from dashboard.queries import systems as sq

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


@pytest.mark.parametrize("st", [{}, {"ended": "show"}, {"borough": ["E09000007"]}, {"service_area": ["Housing"]}])
def test_the_ranking_says_the_ended_and_the_boroughs_of_its_own_statement(sample_cur, st):
    live = yl.query_filters(st)
    result = sq.ranking(sample_cur, live)
    assert result["ended"] == yl.hidden_ended(sample_cur, st, "system_name IS NOT NULL")
    assert result["in_data"] == sq.boroughs_in_data(sample_cur, live)
    assert result["total"] == len(sq.ranking(sample_cur, live, limit=10_000)["rows"])
    counting = Counting(sample_cur)
    systems_page.content(counting, st)
    assert len(counting.statements) == 1
