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
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

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


_lock = threading.Lock()
_shared: dict[str, _Shared] = {}


def _identity(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DatabaseMissing(str(path)) from None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _checkout(path: Path) -> duckdb.DuckDBPyConnection:
    key = str(path.resolve())
    with _lock:
        shared = _shared.setdefault(key, _Shared())
        try:
            identity = _identity(path)
        except DatabaseMissing:
            if shared.con is not None and shared.in_use == 0:
                shared.con.close()
                shared.con, shared.identity = None, None
            raise
        if shared.con is not None and identity != shared.identity and shared.in_use == 0:
            shared.con.close()
            shared.con = None
        if shared.con is None:
            shared.con = duckdb.connect(key, read_only=True)
            shared.identity = identity
        shared.in_use += 1
        return shared.con.cursor()


def _release(path: Path, cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.close()
    finally:
        with _lock:
            _shared[str(path.resolve())].in_use -= 1


@contextmanager
def cursor(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the shared read-only connection; raises DatabaseMissing if there is no file."""
    path = Path(path)
    cur = _checkout(path)
    try:
        yield cur
    finally:
        _release(path, cur)


def close_all() -> None:
    """Close every idle shared connection (tests, and before a process forks)."""
    with _lock:
        for shared in _shared.values():
            if shared.con is not None and shared.in_use == 0:
                shared.con.close()
                shared.con, shared.identity = None, None
