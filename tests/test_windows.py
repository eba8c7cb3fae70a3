"""The window algorithm on hand-built cases."""

from datetime import date

import pytest

from dashboard.logic.windows import DEFAULTS, Contract, extension_effect, find_windows, rank_windows, rule

D = date


def c(cid, borough, end, group="Revenues and Benefits", value=None, max_end=None, **kw):
    return Contract(cid, group, borough, end, base_end=end, max_end=max_end, annual_value=value, **kw)


def test_exactly_n_boroughs_at_the_edge_of_m_months_is_a_window():
    contracts = [c("a", "E1", D(2027, 3, 31)), c("b", "E2", D(2027, 6, 30)), c("d", "E3", D(2027, 9, 30))]
    (window,), unknown = find_windows(contracts, min_boroughs=3, window_months=6)
    assert window.boroughs == ["E1", "E2", "E3"]
    assert (window.start, window.end) == (D(2027, 3, 31), D(2027, 9, 30))
    assert window.procurement_start == D(2025, 9, 30)  # 18 months' lead
    assert unknown == {}


def test_one_day_beyond_m_months_is_out():
    contracts = [c("a", "E1", D(2027, 3, 31)), c("b", "E2", D(2027, 6, 30)), c("d", "E3", D(2027, 10, 1))]
    assert find_windows(contracts, min_boroughs=3, window_months=6)[0] == []


def test_a_borough_with_two_contracts_counts_once():
    contracts = [c("a", "E1", D(2027, 3, 31)), c("a2", "E1", D(2027, 4, 30)), c("b", "E2", D(2027, 5, 31))]
    assert find_windows(contracts, min_boroughs=3, window_months=6)[0] == []
    (window,), _ = find_windows(contracts, min_boroughs=2, window_months=6)
    assert window.boroughs == ["E1", "E2"] and len(window.contracts) == 3


def test_overlapping_windows_merge_into_one():
    ends = [D(2027, 1, 31), D(2027, 4, 30), D(2027, 7, 31), D(2027, 10, 31), D(2028, 1, 31)]
    contracts = [c(f"k{i}", f"E{i}", end) for i, end in enumerate(ends)]
    (window,), _ = find_windows(contracts, min_boroughs=3, window_months=6)
    assert window.boroughs == ["E0", "E1", "E2", "E3", "E4"]
    assert (window.start, window.end) == (D(2027, 1, 31), D(2028, 1, 31))


def test_separate_clusters_stay_separate_and_groups_do_not_mix():
    contracts = [c(f"a{i}", f"E{i}", D(2027, 3, 31)) for i in range(3)]
    contracts += [c(f"b{i}", f"E{i}", D(2030, 3, 31)) for i in range(3)]
    contracts += [c(f"x{i}", f"E{i}", D(2027, 3, 31), group="Parking") for i in range(2)]
    windows, _ = find_windows(contracts, min_boroughs=3, window_months=6)
    assert [(w.group, w.start.year) for w in windows] == [
        ("Revenues and Benefits", 2027),
        ("Revenues and Benefits", 2030),
    ]


def test_unknown_end_dates_are_listed_apart_never_dropped():
    contracts = [c(f"a{i}", f"E{i}", D(2027, 3, 31)) for i in range(3)] + [c("tbc", "E9", None)]
    (window,), unknown = find_windows(contracts)
    assert [x.contract_id for x in unknown["Revenues and Benefits"]] == ["tbc"]
    assert [x.contract_id for x in window.unknown_end] == ["tbc"]
    assert "tbc" not in [x.contract_id for x in window.contracts]


def test_extensions_can_bring_a_contract_into_a_window():
    base = [
        c("a", "E1", D(2027, 3, 31)),
        c("b", "E2", D(2027, 6, 30)),
        c("late", "E3", D(2026, 3, 31), max_end=D(2027, 3, 31)),  # ends early unless extended by a year
    ]
    assert find_windows(base)[0] == []
    extended = [Contract(x.contract_id, x.group, x.borough_code, x.max_end or x.base_end) for x in base]
    windows_max, _ = find_windows(extended)
    assert [w.boroughs for w in windows_max] == [["E1", "E2", "E3"]]
    assert extension_effect([], windows_max) == {"Revenues and Benefits": {"a", "b", "late"}}


def test_ranking_by_boroughs_value_and_soonest():
    small_rich = [c(f"r{i}", f"E{i}", D(2029, 3, 31), group="Finance", value=900_000) for i in range(3)]
    big_poor = [c(f"p{i}", f"E{i}", D(2028, 3, 31), group="Parking", value=1_000) for i in range(5)]
    windows, _ = find_windows(small_rich + big_poor)
    assert [w.group for w in rank_windows(windows, "boroughs")] == ["Parking", "Finance"]
    assert [w.group for w in rank_windows(windows, "value")] == ["Finance", "Parking"]
    assert [w.group for w in rank_windows(windows, "soonest")] == ["Parking", "Finance"]


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        find_windows([], min_boroughs=0)


def test_extension_effect_names_only_the_contracts_extensions_add():
    base = [c(f"k{i}", f"E{i}", D(2027, 3, 31)) for i in range(3)]
    base.append(c("ext", "E7", D(2025, 3, 31), max_end=D(2027, 6, 30)))
    base_windows, _ = find_windows(base)
    extended, _ = find_windows([Contract(x.contract_id, x.group, x.borough_code, x.max_end or x.end) for x in base])
    assert extension_effect(base_windows, extended) == {"Revenues and Benefits": {"ext"}}


def test_a_long_chain_is_split_so_a_window_stays_one_opportunity():
    ends = [D(2027, 1, 31), D(2027, 4, 30), D(2027, 7, 31), D(2027, 10, 31), D(2028, 1, 31), D(2028, 4, 30),
            D(2028, 7, 31), D(2028, 10, 31)]  # fmt: skip
    contracts = [c(f"k{i}", f"E{i}", end) for i, end in enumerate(ends)]
    windows, _ = find_windows(contracts, min_boroughs=3, window_months=6)
    assert [(w.start, w.end) for w in windows] == [(D(2027, 1, 31), D(2028, 1, 31)), (D(2028, 4, 30), D(2028, 10, 31))]
    ids = [x.contract_id for w in windows for x in w.contracts]
    assert len(ids) == len(set(ids)) == 8  # every contract in exactly one window


def test_the_rule_in_words_follows_the_parameters():
    p = {"group_by": "system", "min_boroughs": 4, "window_months": 9, "lead_months": 12, "extensions": "max"}
    assert rule(p) == (
        "at least 4 boroughs whose contracts for the same system end within 9 months of each other "
        "(by latest end dates, with extensions)"
    )
    assert rule() == rule(DEFAULTS)
    assert f"at least {DEFAULTS['min_boroughs']} boroughs" in rule() and "(by contract end dates)" in rule()


# --------------------------------------------------------------------------- where a window stands today


def test_window_status_follows_the_status_rule():
    from dashboard import status
    from dashboard.logic.windows import contract_status, window_status

    contracts = [c("a", "E1", D(2027, 3, 31)), c("b", "E2", D(2027, 6, 30)), c("d", "E3", D(2027, 9, 30))]
    (window,), _ = find_windows(contracts)  # procurement start 30 September 2025
    assert window_status(window, D(2025, 9, 30)) == "ending"  # the day itself is not late
    assert window_status(window, D(2024, 1, 1)) == "running"  # its first end is past the 24 months' horizon
    assert window_status(window, D(2025, 10, 1)) == "overdue"
    assert window_status(window, D(2027, 7, 1)) == "overdue"  # two contracts still running
    assert window_status(window, D(2027, 10, 1)) == "ended"  # every contract past its end
    for today in (D(2025, 1, 1), D(2027, 4, 1), D(2028, 1, 1)):
        assert [contract_status(x, today) for x in contracts] == [
            status.status(x.end, x.max_end, today) for x in contracts
        ]


def test_a_contract_running_on_its_extension_keeps_its_window_live():
    from dashboard.logic.windows import window_status

    contracts = [c("a", "E1", D(2024, 3, 31), max_end=D(2027, 3, 31)), c("b", "E2", D(2024, 6, 30))]
    contracts.append(c("d", "E3", D(2024, 9, 30)))
    (window,), _ = find_windows(contracts)
    assert window_status(window, D(2026, 12, 1)) == "overdue"  # not ended: a's extension runs to 2027


def test_pages_and_a_page_past_the_end_shows_the_last():
    from dashboard.logic.windows import PAGE_SIZE, paged

    n = PAGE_SIZE
    assert paged(0, None) == (1, 1, 0)
    assert paged(4 * n + 3, 2) == (2, 5, n)
    assert paged(4 * n + 3, 99) == (5, 5, 4 * n)
    assert paged(4 * n + 3, "2") == (1, 5, 0)  # not a validated page number: the first


# --------------------------------------------------------------------------- the SQL search is the algorithm

import calendar  # noqa: E402

import duckdb  # noqa: E402
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dashboard.logic import windows as wl  # noqa: E402
from dashboard.logic.windows import live_windows  # noqa: E402
from dashboard.queries import windows as wq  # noqa: E402
from etl.reference import add_months  # noqa: E402

SCHEMA = """CREATE TABLE contracts (contract_id VARCHAR, service_area VARCHAR, supplier_name VARCHAR,
    system_name VARCHAR, manufacturer VARCHAR, borough_code VARCHAR, end_date DATE, max_end_date DATE,
    annual_value DOUBLE, stage VARCHAR, is_it BOOLEAN)"""


def database(rows):
    """An in-memory database of contracts (group, borough, end, max_end, value, stage); the supplier
    is the group reversed, so grouping by supplier gives the same groups under other names."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    values = [(f"c{i:03}", g, g[::-1], b, end, mx, v, stage) for i, (g, b, end, mx, v, stage) in enumerate(rows)]
    if values:
        con.executemany("INSERT INTO contracts VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, TRUE)", values)
    return con


def python_search(con, group_by, extensions, k, months, lead):
    return find_windows(wq.window_contracts(con, group_by, extensions), k, months, lead)


def sql_search(con, group_by, extensions, k, months, lead, today, rank="boroughs", show_ended=False):
    """What the views run: the search's summaries, the windows loaded from them, the page's ranking."""
    spec = wq.Search(group_by, extensions, k, months)
    every = wl.found(con, spec, lead, today)  # a connection bound to no build: never cached
    windows, unknown = wl.loaded(con, spec, every)
    listed, statuses = wl.live_listed(every, today, lead, show_ended)
    return every, windows, unknown, rank_windows(listed, rank)[:50], statuses


TODAY = D(2027, 1, 1)


def by_id(contracts):
    return sorted(contracts, key=lambda c: c.contract_id)


def assert_same(rows, group_by="service_area", extensions="base", k=3, months=6, lead=18, today=TODAY,
                rank="boroughs", show_ended=False):  # fmt: skip
    """The SQL search finds the windows ``find_windows`` finds, summed up, ranked and listed as the page would."""
    con = database(rows)
    py, unknown = python_search(con, group_by, extensions, k, months, lead)
    every, windows, unknown_sql, ranked, sql_statuses = sql_search(con, group_by, extensions, k, months, lead, today,
                                                                   rank, show_ended)  # fmt: skip
    assert [(w.group, w.start, w.end, w.contracts, by_id(w.unknown_end)) for w in windows] == [
        (w.group, w.start, w.end, w.contracts, by_id(w.unknown_end)) for w in py
    ]
    assert [(x.boroughs, x.contract_count, x.annual_value, x.procurement_start, x.base_range) for x in every] == [
        (tuple(w.boroughs), len(w.contracts), w.annual_value, w.procurement_start, w.base_range) for w in py
    ]
    listed, statuses = live_windows(py, today, lead, show_ended)
    assert sql_statuses == statuses and [x.ended for x in every] == [statuses[w.key] == "ended" for w in py]
    assert [(x.group, x.start) for x in ranked] == [(w.group, w.start) for w in rank_windows(listed, rank)[:50]]
    assert {g: by_id(cs) for g, cs in unknown_sql.items()} == {
        w.group: by_id(w.unknown_end) for w in py if w.unknown_end
    }
    groups = sorted({c.group for c in wq.window_contracts(con, group_by, extensions)})
    _, unplaced = wq.contents(con, wq.Search(group_by, extensions, k, months), [], groups)
    assert by_id(unplaced) == by_id(c for cs in unknown.values() for c in cs)
    return py


def _day(year, month, day):
    """A day of the month; past its length, the month's last day (end dates are mostly month ends)."""
    return D(year, month, min(day, calendar.monthrange(year, month)[1]))


days = st.builds(_day, st.integers(2026, 2028), st.integers(1, 12), st.sampled_from([1, 15, 28, 29, 30, 31]))
contract_rows = st.tuples(
    st.sampled_from(["Alpha", "Beta", "Gamma"]),
    st.sampled_from([f"E0900000{i}" for i in range(1, 8)]),
    st.none() | days,
    st.none() | days,
    st.none() | st.integers(0, 5).map(lambda n: n * 1000.0),
    st.sampled_from(["contract"] * 9 + ["tender"]),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(contract_rows, max_size=40),
    group_by=st.sampled_from(["service_area", "supplier"]),
    extensions=st.sampled_from(["base", "max"]),
    k=st.integers(1, 5),
    months=st.integers(0, 12),
    lead=st.integers(0, 24),
    today=days,
    rank=st.sampled_from(["boroughs", "value", "soonest"]),
    show_ended=st.booleans(),
)
@example(rows=[("Alpha", f"E0900000{i % 4 + 1}", D(2027, 1 + i, 28), None, 1000.0, "contract") for i in range(11)],
         group_by="service_area", extensions="base", k=2, months=2, lead=18, today=D(2026, 1, 1), rank="boroughs",
         show_ended=False)  # fmt: skip
def test_the_sql_search_finds_what_the_algorithm_finds(rows, group_by, extensions, k, months, lead, today, rank,
                                                       show_ended):  # fmt: skip
    assert_same(rows, group_by, extensions, k, months, lead, today, rank, show_ended)


def _r(borough, end, group="Alpha", max_end=None, value=None, stage="contract"):
    return (group, borough, end, max_end, value, stage)


EDGE_CASES = {
    "equal dates": [_r(f"E0900000{i}", D(2027, 3, 31)) for i in range(1, 5)] + [_r("E09000001", D(2027, 3, 31))],
    "exactly at the boundary": [
        _r("E09000001", D(2027, 2, 28)),
        _r("E09000002", D(2027, 5, 31)),
        _r("E09000003", D(2027, 8, 31)),
    ],
    "one day past the boundary": [
        _r("E09000001", D(2027, 3, 30)),
        _r("E09000002", D(2027, 6, 30)),
        _r("E09000003", D(2027, 10, 1)),
    ],
    "no end dates": [_r(f"E0900000{i}", None) for i in range(1, 5)] + [_r("E09000001", D(2027, 1, 31))],
    "one borough many contracts": [_r("E09000001", D(2027, m, 28)) for m in range(1, 13)]
    + [_r("E09000002", D(2027, 6, 30)), _r("E09000003", D(2027, 7, 31))],
    "extensions": [
        _r("E09000001", D(2025, 3, 31), max_end=D(2027, 3, 31)),
        _r("E09000002", D(2027, 6, 30)),
        _r("E09000003", None, max_end=D(2027, 4, 30)),
        _r("E09000004", D(2027, 5, 31)),
    ],
    "a long chain split by the cap": [_r(f"E0900000{i % 7 + 1}", add_months(D(2027, 1, 31), 3 * i)) for i in range(12)],
    "a refused restart": [
        _r("E09000001", D(2027, 1, 31)),
        _r("E09000002", D(2027, 4, 30)),
        _r("E09000003", D(2027, 7, 31)),
        _r("E09000001", D(2027, 12, 31)),
        _r("E09000001", D(2028, 1, 31)),
        _r("E09000002", D(2028, 2, 29)),
        _r("E09000004", D(2028, 9, 30)),
    ],
    "ended and running": [_r(f"E0900000{i}", D(2025, i, 28)) for i in range(1, 5)]
    + [_r(f"E0900000{i}", D(2028, i, 28), group="Beta") for i in range(1, 5)],
}


@pytest.mark.parametrize("extensions", ["base", "max"])
@pytest.mark.parametrize("case", EDGE_CASES, ids=str)
def test_the_sql_search_on_edge_cases(case, extensions):
    for k, months in ((2, 6), (3, 6), (3, 3), (1, 0)):
        assert_same(EDGE_CASES[case], extensions=extensions, k=k, months=months, today=D(2027, 6, 1))


def test_the_edge_cases_do_what_they_say():
    """The cases above test what they are named for: guard against a case that finds nothing."""
    assert [len(w.contracts) for w in assert_same(EDGE_CASES["equal dates"])] == [5]
    assert [len(w.boroughs) for w in assert_same(EDGE_CASES["exactly at the boundary"])] == [3]
    assert assert_same(EDGE_CASES["one day past the boundary"]) == []
    chain = assert_same(EDGE_CASES["a long chain split by the cap"], k=3, months=6)
    assert len(chain) >= 2 and all(add_months(w.start, 12) >= w.end for w in chain)
    assert assert_same(EDGE_CASES["extensions"], extensions="max", k=4)[0].boroughs == [
        "E09000001", "E09000002", "E09000003", "E09000004"]  # fmt: skip
    found = assert_same(EDGE_CASES["ended and running"], k=4, today=D(2026, 1, 1))
    assert [w.group for w in found] == ["Alpha", "Beta"]


def test_the_search_refuses_names_off_its_whitelists():
    con = database(EDGE_CASES["equal dates"])
    with pytest.raises(KeyError):
        wq.search(con, wq.Search("borough_code; DROP TABLE contracts"))
    with pytest.raises(ValueError):
        wq.search(con, wq.Search("service_area", min_boroughs=0))
    assert con.execute("SELECT count(*) FROM contracts").fetchone()[0] == 5
