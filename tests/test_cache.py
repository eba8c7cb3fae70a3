"""Results kept per database build (dashboard.cache): read once per build and reader, never across."""

from __future__ import annotations

import duckdb
import pytest

from dashboard import access, cache, db, queries

calls: list[object] = []


@cache.per_build
def probe(cur: duckdb.DuckDBPyConnection, x: object = None) -> dict:
    """How many survey records the cursor sees with a value, and the argument it was called with."""
    calls.append(x)
    (n,) = cur.execute("SELECT count(annual_value) FROM contract_records WHERE source = 'survey'").fetchone()
    return {"valued": n, "x": x}


@cache.per_build(max_entries=2, copy=False)
def kept(cur: duckdb.DuckDBPyConnection, x: object) -> tuple:
    """An immutable result in a store of its own of two entries."""
    calls.append(x)
    (n,) = cur.execute("SELECT count(*) FROM contracts").fetchone()
    return (n, x)


def _probe(path, x=None, member=True) -> dict:
    with access.members(member), db.cursor(path) as cur:
        return probe(cur, x)


def test_a_result_is_read_once_per_build_and_arguments(tiny_db):
    calls.clear()
    first = _probe(tiny_db, {"borough": ["E09000007"]})
    assert _probe(tiny_db, {"borough": ["E09000007"]}) == first
    assert calls == [{"borough": ["E09000007"]}]
    _probe(tiny_db, {"borough": ["E09000001"]})
    assert len(calls) == 2


def test_a_new_build_is_read_afresh(tmp_path, tiny_db_builder):
    path = tiny_db_builder(tmp_path / "rebuilt.duckdb", sample=True)
    with db.cursor(path) as cur:
        assert queries.data_status(cur)["is_sample"] is True
    with db.cursor(path) as cur:
        assert queries.data_status(cur)["is_sample"] is True  # kept
    tiny_db_builder(path, sample=False)
    with db.cursor(path) as cur:
        assert queries.data_status(cur)["is_sample"] is False


def test_a_members_result_never_reaches_the_public(tiny_db):
    calls.clear()
    member = _probe(tiny_db, member=True)
    public = _probe(tiny_db, member=False)
    assert member["valued"] > 0
    assert public["valued"] == 0  # the public's cursor reads the survey values blanked
    assert len(calls) == 2
    assert _probe(tiny_db, member=False) == public
    assert _probe(tiny_db, member=True) == member
    assert len(calls) == 2


def test_a_callers_edit_does_not_change_the_next_readers_result(tiny_db):
    got = _probe(tiny_db, "edit")
    got["valued"] = -1
    assert _probe(tiny_db, "edit")["valued"] != -1


def test_a_cursor_not_handed_out_by_db_is_never_cached(tiny_db):
    calls.clear()
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        probe(con, "raw")
        probe(con, "raw")
    assert calls == ["raw", "raw"]


@pytest.mark.parametrize(
    "odd", [bytearray(b"x"), object(), (c for c in "ab")], ids=["unhashable", "object", "generator"]
)
def test_an_argument_that_cannot_be_a_key_runs_uncached(tiny_db, odd):
    """Not hashable, or hashed by identity (a later, different value could reuse the id): run."""
    calls.clear()
    _probe(tiny_db, odd)
    _probe(tiny_db, odd)
    assert len(calls) == 2


def test_scope_counts_are_shared_by_views_with_the_same_filters(tiny_db):
    """The count every page shows is read once for a filter set, whatever the view's own keys."""
    cache.clear()
    with db.cursor(tiny_db) as cur:
        expected = queries._scope_counts.uncached(cur, *_condition({}))
        assert queries.scope_counts(cur, {"page": 2}) == expected
        assert queries.scope_counts(cur, {"sort": "value"}) == expected
        queries.scope_counts(cur, {"borough": ["E09000007"]})
    kept = [key for key in cache._results if key[1].endswith("._scope_counts")]
    assert len(kept) == 2  # no filters (whatever the view's keys), and one borough


def _condition(filters: dict) -> tuple[str, tuple]:
    where, params = queries.where_clause({**filters, "scope": "all"})
    return where, tuple(params)


def _kept(path, x, member=True) -> tuple:
    with access.members(member), db.cursor(path) as cur:
        return kept(cur, x)


def test_a_store_of_its_own_is_bounded_the_least_recently_used_going_first(tiny_db):
    cache.clear()
    calls.clear()
    for x in ("a", "b", "a", "c"):  # "a" is used again, so "b" is the one to go
        _kept(tiny_db, x)
    assert len(kept.store) == 2 and calls == ["a", "b", "c"]
    _kept(tiny_db, "a")
    assert calls == ["a", "b", "c"]
    _kept(tiny_db, "b")
    assert calls == ["a", "b", "c", "b"]


def test_a_store_of_its_own_leaves_the_shared_one_alone(tiny_db):
    cache.clear()
    _probe(tiny_db, "shared")
    shared = dict(cache._results)
    for x in range(5):
        _kept(tiny_db, x)
    assert cache._results == shared and len(kept.store) == 2
    assert any(key[1].endswith(".probe") for key in cache._results)
    assert not any(key[1].endswith(".kept") for key in cache._results)  # the shared store also has the warmed reads
    cache.clear()
    assert not kept.store and not cache._results


def test_uncopied_results_are_the_kept_object_and_still_per_reader(tiny_db):
    calls.clear()
    first = _kept(tiny_db, "same")
    assert _kept(tiny_db, "same") is first
    assert _kept(tiny_db, "same", member=False) is not first
    assert calls == ["same", "same"]
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        assert kept(con, "same") == first and kept(con, "same") is not first  # unbound: runs each time
    assert len(calls) == 4


def test_a_build_is_warmed_once_per_reader_when_first_opened(tmp_path, tiny_db_builder, monkeypatch):
    """``cache.warm``: the registered warmers run on the first cursor of each build and reader only."""
    seen: list[tuple] = []
    monkeypatch.setattr(cache, "_warmers", [lambda cur: seen.append(cache.build_of(cur)[-1])])
    cache.clear()
    path = tiny_db_builder(tmp_path / "warm.duckdb", sample=True)
    for member in (True, True, False, False):
        with access.members(member), db.cursor(path):
            pass
    assert seen == [True, False]  # a member's and the public's build: each once
    tiny_db_builder(path, sample=False)
    with access.members(True), db.cursor(path):
        pass
    assert seen == [True, False, True]  # a new build is warmed again


def test_a_warmer_that_fails_is_logged_and_the_request_goes_on(tiny_db, monkeypatch, caplog):
    ran: list[str] = []

    def broken(cur):
        raise RuntimeError("no such table")

    monkeypatch.setattr(cache, "_warmers", [broken, lambda cur: ran.append("next")])
    cache.clear()
    with db.cursor(tiny_db) as cur:
        assert cur.execute("SELECT 1").fetchone() == (1,)
    assert ran == ["next"] and "warming" in caplog.text and "no such table" in caplog.text


def test_the_apps_warmers_read_what_pages_then_find_kept(tiny_db):
    """The warmers registered by the query modules fill the cache: the pages' build-only reads are hits."""
    from dashboard.queries import expiring

    cache.clear()
    with db.cursor(tiny_db) as cur:  # the first cursor warms this build
        before = len(expiring.market.store)
        counted = []
        wrapped = type("Counting", (), {"execute": lambda self, *a: counted.append(a) or cur.execute(*a)})()
        cache.bind(wrapped, cache.build_of(cur))
        try:
            queries.data_status(wrapped), queries.survey_returns(wrapped), expiring.market(wrapped, "all")
        finally:
            cache.unbind(wrapped)
    assert before > 0 and counted == []
