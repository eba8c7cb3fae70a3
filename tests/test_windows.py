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


def test_pages_of_ten_and_a_page_past_the_end_shows_the_last():
    from dashboard.logic.windows import PAGE_SIZE, paged

    assert PAGE_SIZE == 10
    assert paged(0, None) == (1, 1, 0)
    assert paged(43, 2) == (2, 5, 10)
    assert paged(43, 99) == (5, 5, 40)
    assert paged(43, "2") == (1, 5, 0)  # not a validated page number: the first
