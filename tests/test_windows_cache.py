"""One window search per build, reader and search: kept, shared by the views, never crossing readers or builds."""

from __future__ import annotations

import random
from datetime import date

import pytest

from app import create_app
from dashboard import access, cache, db
from dashboard.logic import windows as wl
from dashboard.queries import windows as wq

TODAY = date(2026, 1, 1)
SPEC = wq.Search("service_area")


@pytest.fixture(autouse=True)
def _fresh():
    wl._found.store.clear()
    yield
    db.close_all()


@pytest.fixture
def searches(monkeypatch):
    """Each search statement DuckDB runs, as (cursor's build, statement) in the order run."""
    ran: list = []
    real = wq.searched

    def counted(cur, sql, params):
        ran.append((cache.build_of(cur), (sql, params)))
        return real(cur, sql, params)

    monkeypatch.setattr(wq, "searched", counted)
    return ran


def bound(cur, build):
    cache.bind(cur, build)
    return cur


def test_a_search_is_run_once_per_build_and_reader(sample_cur, searches):
    public, member, rebuilt = ("db", (1, 2, 3), False), ("db", (1, 2, 3), True), ("db", (1, 2, 4), False)
    try:
        first = wl.found(bound(sample_cur, public), SPEC, 18, TODAY)
        assert first and wl.found(sample_cur, SPEC, 18, TODAY) is first  # a hit: the same result, no statement
        assert len(searches) == 1
        assert wl.found(sample_cur, wq.Search("service_area", min_boroughs=4), 18, TODAY) is not first  # another search
        assert len(searches) == 2
        assert wl.found(bound(sample_cur, member), SPEC, 18, TODAY) is not first  # a member never meets the public's
        assert wl.found(bound(sample_cur, rebuilt), SPEC, 18, TODAY) is not first  # a new build: run again
        assert [b for b, _ in searches] == [public, public, member, rebuilt]
        assert wl.found(bound(sample_cur, public), SPEC, 18, TODAY) is first  # still kept for the public
        assert len(searches) == 4
    finally:
        cache.unbind(sample_cur)


def test_the_lead_time_and_the_day_are_part_of_the_key(sample_cur, searches):
    try:
        bound(sample_cur, ("db", (1, 2, 3), False))
        first = wl.found(sample_cur, SPEC, 18, TODAY)
        later = wl.found(sample_cur, SPEC, 18, date(2100, 1, 1))
        shorter = wl.found(sample_cur, SPEC, 6, TODAY)
    finally:
        cache.unbind(sample_cur)
    assert len(searches) == 3
    assert [x.ended for x in later] == [True] * len(later) and not all(x.ended for x in first)
    assert [x.procurement_start for x in shorter] != [x.procurement_start for x in first]


def test_a_cursor_bound_to_no_build_is_never_cached(sample_build, searches):
    import duckdb

    with duckdb.connect(str(sample_build[0]), read_only=True) as con:
        assert wl.found(con, SPEC, 18, TODAY) == wl.found(con, SPEC, 18, TODAY)
    assert [b for b, _ in searches] == [None, None]


def test_through_the_app_windows_and_timeline_share_one_search_per_reader(sample_build, render_page, searches):
    app = create_app(sample_build[0])
    search = "?service_area=Revenues%20and%20Benefits"
    render_page(app, "/windows", search)
    render_page(app, "/timeline", search)
    render_page(app, "/windows", search + "&rank=value&page=2")  # ranking and paging: the same search
    assert len(searches) == 1
    render_page(app, "/timeline", search, member=False)
    render_page(app, "/windows", search, member=False)
    assert len(searches) == 2
    (member, _), (public, _) = searches
    assert member[-1] is True and public[-1] is False and member[:-1] == public[:-1]


def test_through_db_cursor_a_member_and_the_public_are_kept_apart(sample_build, searches):
    with access.members(True), db.cursor(sample_build[0]) as cur:
        theirs = wl.found(cur, SPEC, 18, TODAY)
    with access.members(False), db.cursor(sample_build[0]) as cur:
        ours = wl.found(cur, SPEC, 18, TODAY)
    with access.members(False), db.cursor(sample_build[0]) as cur:
        assert wl.found(cur, SPEC, 18, TODAY) is ours
    assert ours is not theirs and len(searches) == 2


# --------------------------------------------------------------------------- a larger randomised comparison


def _random_contracts(rng: random.Random, n: int) -> list[wq.Contract]:
    """Many contracts on few days (most on month ends), in few groups, across all 33 authorities."""
    codes = wq.borough_codes()
    days = [date(2026 + m // 12, m % 12 + 1, 28) for m in range(0, 48, rng.choice([1, 2, 3]))]
    out = []
    for i in range(n):
        end = rng.choice(days) if rng.random() < 0.9 else None
        if end is not None and rng.random() < 0.7:
            end = end.replace(day=31) if end.month in (1, 3, 5, 7, 8, 10, 12) else end
        out.append(wq.Contract(f"c{i:04}", rng.choice("ABCD"), rng.choice(codes), end, end, None, None, None, 1.0))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_sql_search_matches_the_algorithm_on_larger_random_data(seed):
    """Hundreds of contracts, many ending on the same days: the search over days finds the algorithm's windows."""
    import duckdb

    rng = random.Random(seed)
    contracts = _random_contracts(rng, 400)
    con = duckdb.connect()
    con.execute("""CREATE TABLE contracts (contract_id VARCHAR, service_area VARCHAR, borough_code VARCHAR,
        end_date DATE, max_end_date DATE, supplier_name VARCHAR, system_name VARCHAR, manufacturer VARCHAR,
        annual_value DOUBLE, stage VARCHAR, is_it BOOLEAN)""")
    con.executemany(
        "INSERT INTO contracts VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?, 'contract', TRUE)",
        [(c.contract_id, c.group, c.borough_code, c.end, c.max_end, c.annual_value) for c in contracts],
    )
    k, months = rng.choice([(3, 6), (5, 3), (8, 6), (2, 1), (12, 12)])
    expected, _ = wl.find_windows(wq.window_contracts(con, "service_area"), k, months, 18)
    spec = wq.Search("service_area", min_boroughs=k, window_months=months)
    windows, _ = wl.loaded(con, spec, wl.found(con, spec, 18, TODAY))
    assert len(expected) > 3
    assert [(w.group, w.start, w.end, w.contracts) for w in windows] == [
        (w.group, w.start, w.end, w.contracts) for w in expected
    ]
