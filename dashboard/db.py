"""Read-only access to the built DuckDB file, shared by every request of a process.

A cold ``duckdb.connect()`` costs 20-90 ms, a cursor from an open connection nothing, so each
process keeps one read-only connection per database file and hands out a cursor per query.
The ETL rebuilds the file atomically by rename: when the file's identity (inode, mtime, size)
changes, the connection is closed and reopened so pages show the new build.

DuckDB caches database instances by path, so a second ``connect()`` to a replaced file while
the old connection is open returns the *old* data; and closing a connection breaks cursors
taken from it. The old connection is therefore closed only when no cursor is in use; until
then requests keep reading the previous build.

Nothing here opens the file at import or app creation: a connection opened before a
pre-forking server (gunicorn ``--preload``) forks must not be shared by its workers.

Each cursor handed out is bound to its build and reader in ``dashboard.cache``, so query functions
marked ``cache.per_build`` run once per build rather than once per request; the first cursor of a
build and reader also runs ``cache.warm``, so what depends on the build alone is read then.

A cursor for anyone who is not a signed-in member reads the public tables (``dashboard.access``):
temporary views on that cursor blank the members-only fields. Making them costs a few
milliseconds, so such cursors are kept in a small pool per connection and reused; a member's
cursor is always a fresh one without them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dashboard import access, cache
from dashboard.queries import access as public

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "citytools.duckdb"
ENV_VAR = "CITYTOOLS_DB"
CONFIG_KEY = "CITYTOOLS_DB"  # where create_app records the path in the Flask config


class DatabaseMissing(FileNotFoundError):
    """The database file has not been built yet."""


def default_path() -> Path:
    """``$CITYTOOLS_DB`` if set, else ``data/citytools.duckdb`` in the project."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else DEFAULT_PATH


def current_path() -> Path:
    """The database of the app serving this request (set by ``create_app``)."""
    import flask  # the server's framework; imported here so the module has no hard tie to it

    return Path(flask.current_app.config[CONFIG_KEY])


@dataclass
class _Shared:
    con: duckdb.DuckDBPyConnection | None = None
    identity: tuple[int, int, int] | None = None
    in_use: int = 0
    public: list = field(default_factory=list)  # idle cursors that read the public tables


_lock = threading.Lock()
_shared: dict[str, _Shared] = {}


def _identity(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DatabaseMissing(str(path)) from None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def version(path: str | Path) -> tuple[int, int, int]:
    """The file's identity: it changes with every build (for caches keyed by database version)."""
    return _identity(Path(path))


POOL_SIZE = 16  # idle public cursors kept per connection (about one per concurrent request)


def _close(shared: _Shared) -> None:
    shared.public.clear()  # closing the connection closes its cursors
    shared.con.close()
    shared.con, shared.identity = None, None


def _checkout(path: Path, member: bool) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection, tuple]:
    """(connection, cursor, build): a member's fresh cursor, or a public one from the pool, and the
    identity of the build that connection reads (which may be the previous one, see the module)."""
    key = str(path.resolve())
    with _lock:
        shared = _shared.setdefault(key, _Shared())
        try:
            identity = _identity(path)
        except DatabaseMissing:
            if shared.con is not None and shared.in_use == 0:
                _close(shared)
            raise
        if shared.con is not None and identity != shared.identity and shared.in_use == 0:
            _close(shared)
        if shared.con is None:
            shared.con = duckdb.connect(key, read_only=True)
            shared.identity = identity
        shared.in_use += 1
        con, build = shared.con, (key, shared.identity)
        pooled = None if member or not shared.public else shared.public.pop()
    if pooled is not None:
        return con, pooled, build
    cur = con.cursor()
    if not member:
        try:
            public.make_public(cur)
        except BaseException:
            _release(path, con, cur, reuse=False)
            raise
    return con, cur, build


def _release(path: Path, con: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection, reuse: bool) -> None:
    with _lock:
        shared = _shared[str(path.resolve())]
        shared.in_use -= 1
        if reuse and shared.con is con and len(shared.public) < POOL_SIZE:
            shared.public.append(cur)
            return
    cur.close()


@contextmanager
def cursor(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the shared read-only connection; raises DatabaseMissing if there is no file.

    It reads members-only fields only when ``access.is_member()`` says so.
    """
    path = Path(path)
    member = access.is_member()
    con, cur, build = _checkout(path, member)
    cache.bind(cur, (*build, member))
    ok = False
    try:
        cache.warm(cur)  # the first cursor of a build and reader reads what depends on the build alone
        yield cur
        ok = True
    finally:
        cache.unbind(cur)
        _release(path, con, cur, reuse=ok and not member)


def close_all() -> None:
    """Close every idle shared connection (tests, and before a process forks)."""
    with _lock:
        for shared in _shared.values():
            if shared.con is not None and shared.in_use == 0:
                _close(shared)
