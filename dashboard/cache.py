"""Results that depend only on the database build, computed once per build and reader.

A build is immutable: the ETL replaces the file by an atomic rename, never edits it. So what a
statement returns depends only on the statement, its parameters, the build it reads and who reads
it (a member's cursor sees fields the public's does not). ``dashboard.db`` tells this module which
build and reader each cursor it hands out belongs to (``bind`` / ``unbind``); ``per_build``
memoises a query function on that, so the data notices every page shows, the survey returns and
the scope counts each filter set needs are read once, not on every page of every request.

A cursor this module was not told about (a test's own connection) is never cached: its function
simply runs. Results are copied on the way out so a caller's edits cannot change the next reader's
(unless the function keeps immutable results and says ``copy=False``).
"""

from __future__ import annotations

import copy as _copy
import datetime as dt
import decimal
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

SCALARS = (str, bytes, int, float, bool, dt.date, dt.time, decimal.Decimal)  # values, not identities
MAX_ENTRIES = 2048  # small results (a dict, a list of 33 boroughs): a few MB at most

_lock = threading.Lock()
_builds: dict[int, Hashable] = {}  # id(cursor) -> (file, build identity, member) while checked out
_results: OrderedDict[tuple, object] = OrderedDict()  # the shared store
_stores: list[OrderedDict] = []  # every store, the shared one and those of their own
_MISSING = object()
_warmers: list[Callable[[object], object]] = []  # what to read when a build is first opened (``warm_with``)
_warmed: set[Hashable] = set()  # the builds and readers warmed in this process
log = logging.getLogger(__name__)


def bind(cur: object, build: Hashable) -> None:
    """Say that ``cur`` reads ``build`` (file, its identity, member or not) until ``unbind``."""
    with _lock:
        _builds[id(cur)] = build


def build_of(cur: object) -> Hashable | None:
    """The build ``cur`` was bound to, if any (for a wrapper that stands in for the cursor)."""
    with _lock:
        return _builds.get(id(cur))


def unbind(cur: object) -> None:
    with _lock:
        _builds.pop(id(cur), None)


def clear() -> None:
    """Forget every result (tests)."""
    with _lock:
        _results.clear()
        _warmed.clear()
        for store in _stores:
            store.clear()


def warm_with(fn: Callable[[object], object]) -> Callable[[object], object]:
    """Register ``fn(cur)``, which reads ``per_build`` results that depend on the build alone, to run
    on the first cursor of each build and reader (``warm``)."""
    _warmers.append(fn)
    return fn


def warm(cur: object) -> None:
    """Run the registered warmers on ``cur`` the first time its build and reader are seen here: what
    depends on the build alone is read when a worker first opens the build, not by whichever request
    first needs it (at a million contracts the expiring page's market notices took ~200 ms). A warmer
    that fails is logged and skipped: the request that needs its result will say what is wrong."""
    build = build_of(cur)
    with _lock:
        if build is None or build in _warmed:
            return
        _warmed.add(build)
    for fn in _warmers:
        try:
            fn(cur)
        except Exception:  # noqa: BLE001 - a warm-up must never fail the request that opened the build
            log.exception("warming %s failed", getattr(fn, "__qualname__", fn))


def _key(args: tuple, kwargs: dict) -> Hashable:
    """A hashable form of a query's arguments: filter dicts and lists become sorted tuples."""

    def frozen(v: object) -> Hashable:
        if isinstance(v, dict):
            return tuple(sorted((str(k), frozen(x)) for k, x in v.items()))
        if isinstance(v, list | tuple | set | frozenset):
            items = [frozen(x) for x in v]
            return ("set", *sorted(items, key=repr)) if isinstance(v, set | frozenset) else tuple(items)
        if v is None or isinstance(v, SCALARS):
            return v
        # anything else (a generator, an object hashed by identity) could be a different value
        # under the same hash later: not a key
        raise TypeError(f"not a cache key: {type(v).__name__}")

    return frozen(args), frozen(kwargs)


def per_build(
    fn: Callable[..., T] | None = None, *, max_entries: int | None = None, copy: bool = True
) -> Callable[..., T]:
    """Memoise ``fn(cur, *args, **kwargs)`` per build, reader and arguments (see the module).

    Plain ``@per_build``: the shared store of small results (``MAX_ENTRIES``), copied on the way out.
    ``@per_build(max_entries=n)``: a store of its own holding the ``n`` used last, for results too large
    to sit among the small ones; ``copy=False`` hands out the kept result itself (only for immutable ones).
    """
    if fn is None:
        return functools.partial(per_build, max_entries=max_entries, copy=copy)  # type: ignore[return-value]
    name = f"{fn.__module__}.{fn.__qualname__}"
    store: OrderedDict[tuple, object] = _results if max_entries is None else OrderedDict()
    _stores.append(store)

    out = _copy.deepcopy if copy else (lambda x: x)

    def key_of(cur, args: tuple, kwargs: dict) -> Hashable | None:
        with _lock:
            build = _builds.get(id(cur))
        try:
            return None if build is None else (build, name, _key(args, kwargs))
        except TypeError:  # an argument that cannot be a key: not worth failing the request over
            return None

    def lookup(key: Hashable | None) -> object:
        with _lock:
            hit = _MISSING if key is None else store.get(key, _MISSING)
            if hit is not _MISSING:
                store.move_to_end(key)
        return hit

    def put(key: Hashable | None, value: object) -> object:
        if key is None:
            return value
        with _lock:
            store[key] = value
            while len(store) > (MAX_ENTRIES if max_entries is None else max_entries):
                store.popitem(last=False)
        return out(value)

    @functools.wraps(fn)
    def wrapper(cur, *args, **kwargs):
        key = key_of(cur, args, kwargs)
        hit = lookup(key)
        return put(key, fn(cur, *args, **kwargs)) if hit is _MISSING else out(hit)

    wrapper.uncached = fn  # the statement itself, for tests and the bench's floor
    wrapper.store = store  # what it keeps (the shared store unless it has its own), for tests
    return wrapper
