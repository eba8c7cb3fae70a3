"""The window search over the built sample finds the clusters the sample was planted with."""

import duckdb
import pytest

from dashboard.logic.windows import find_windows
from dashboard.queries.windows import GROUP_COLUMNS, window_contracts
from etl.sample import SAMPLE_WINDOWS


@pytest.mark.parametrize("planted", SAMPLE_WINDOWS, ids=lambda w: f"{w['group_by']}={w['value']}")
def test_planted_windows_are_found(sample_build, planted):
    db, _ = sample_build
    with duckdb.connect(str(db), read_only=True) as con:
        windows, _ = find_windows(window_contracts(con, planted["group_by"]))
    found = [w for w in windows if w.group == planted["value"] and w.start <= planted["end_to"]]
    match = [w for w in found if w.end >= planted["end_from"]]
    assert len(match) == 1, [(w.start, w.end, w.boroughs) for w in found]
    (window,) = match
    assert window.boroughs == sorted(planted["boroughs"])
    assert (window.start, window.end) == (planted["end_from"], planted["end_to"])


def test_only_whitelisted_groupings(sample_build):
    db, _ = sample_build
    with duckdb.connect(str(db), read_only=True) as con, pytest.raises(KeyError):
        window_contracts(con, "borough_code; DROP TABLE contracts")
    assert set(GROUP_COLUMNS) == {"service_area", "system", "supplier", "manufacturer"}


@pytest.mark.parametrize("group_by", sorted(GROUP_COLUMNS))
@pytest.mark.parametrize("extensions", ["base", "max"])
def test_the_sql_search_finds_the_same_windows_on_the_sample(sample_build, group_by, extensions):
    """The search the views run (DuckDB) and the algorithm agree on the whole sample, window by window."""
    from datetime import date

    from dashboard.logic import windows as wl
    from dashboard.queries import windows as wq

    db, _ = sample_build
    with duckdb.connect(str(db), read_only=True) as con:
        expected, _ = find_windows(window_contracts(con, group_by, extensions))
        spec = wq.Search(group_by, extensions)
        every = wl.found(con, spec, 18, date(2026, 1, 1))
        loaded, _ = wl.loaded(con, spec, every)
    assert expected, "the sample has windows for every grouping"
    assert [(x.boroughs, x.contract_count, x.base_range, x.systems) for x in every] == [
        (tuple(w.boroughs), len(w.contracts), w.base_range, tuple(w.systems) if group_by == "manufacturer" else ())
        for w in expected
    ]
    assert [(w.group, w.start, w.end, w.contracts, w.unknown_end) for w in loaded] == [
        (w.group, w.start, w.end, w.contracts, w.unknown_end) for w in expected
    ]
