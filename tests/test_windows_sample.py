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


@pytest.mark.parametrize("group_by", sorted(GROUP_COLUMNS))
@pytest.mark.parametrize("extensions", ["base", "max"])
@pytest.mark.parametrize("caps", [(3, 40, 20), (1, 2, 1)], ids=["page", "small"])
def test_the_cards_facts_from_sql_match_the_windows_contracts(sample_build, monkeypatch, group_by, extensions, caps):
    """What the cards draw (counted in DuckDB, a few rows loaded) is what every contract of the window says."""
    from datetime import date

    from dashboard.logic import windows as wl

    named, rows, unknown = caps
    monkeypatch.setattr(wl, "MAX_NAMED", named)
    monkeypatch.setattr(wl, "MAX_CONTRACT_ROWS", rows)
    monkeypatch.setattr(wl, "MAX_UNKNOWN_NAMED", unknown)
    today = date(2026, 1, 1)
    st = {"group_by": group_by, "extensions": extensions, "min_boroughs": 2}
    p = wl.window_params(st)
    db, _ = sample_build
    with duckdb.connect(str(db), read_only=True) as con:
        every = wl.found(con, wl.search_spec(st, p), 18, today)
        full, _ = wl.loaded(con, wl.search_spec(st, p), every)
        effect = wl.effect_on(con, st, p, full, today) if extensions == "max" else {}
        shown = wl.shown_of(con, st, p, every, today)
    assert len(shown) == len(full) > 3
    got = [
        (s.key, s.count, s.valued, s.suppliers, s.supplier_count, s.systems, s.system_count, s.contracts, s.moved,
         s.unknown_end, s.unknown_count)
        for s in shown
    ]  # fmt: skip
    want = [
        (w.key, len(w.contracts), sum(c.annual_value is not None for c in w.contracts), tuple(w.suppliers[:named]),
         len(w.suppliers), tuple(w.systems[:named]), len(w.systems), w.contracts[:rows],
         wl.moved_by_extensions(w, effect), w.unknown_end[:unknown], len(w.unknown_end))
        for w in full
    ]  # fmt: skip
    assert got == want
    cut = any(s.count > rows and max(s.supplier_count, s.system_count) > named for s in shown)
    assert cut or rows > 2, "the small caps leave some out"
    if extensions == "max":
        assert any(s.moved for s in shown), "the sample has contracts that line up only with extensions"
