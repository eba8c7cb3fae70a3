"""``make loadtest``: locust against a gunicorn of its own on a London-scale database, then stop.

1. The database: the built one (``$CITYTOOLS_DB``, the sample unless real inputs were built)
   repeated to ``--contracts`` contracts by ``tests/bench.py``'s ``scale_up`` (the same large
   database ``make bench`` measures), written once to ``data/loadtest-<n>.duckdb`` and remade
   when the source is newer.
2. The server: exactly what ``make serve`` runs (``gunicorn -c gunicorn.conf.py app:server``),
   bound to 127.0.0.1 on ``--port``.
3. locust, headless and bounded (``--users`` for ``--duration``), then a table of requests,
   failures, median and p95 per endpoint from its CSV statistics; the server is stopped whatever
   happens. The exit status is locust's (non-zero when any request failed).
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def london_database(source: Path, contracts: int) -> Path:
    """``data/loadtest-<contracts>.duckdb``, made from ``source`` by bench.scale_up unless up to date."""
    out = ROOT / "data" / f"loadtest-{contracts}.duckdb"
    if out.exists() and out.stat().st_mtime >= source.stat().st_mtime:
        return out
    sys.path.insert(0, str(ROOT / "tests"))
    import bench  # tests/bench.py (it imports tests/pagetree.py, hence the path)

    bench.TARGET_CONTRACTS = contracts  # scale_up repeats the contracts to at least this many
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    figures = bench.scale_up(source, tmp)
    copy_missing(source, tmp)
    os.replace(tmp, out)
    print(f"loadtest: {out.relative_to(ROOT)}: {figures['contracts']:,} contracts in {figures['seconds']} s")
    return out


def copy_missing(source: Path, out: Path) -> None:
    """Tables and views scale_up does not copy (it predates them), as they are, so every page can read."""
    con = duckdb.connect(str(out))
    try:
        con.execute("ATTACH ? AS s (READ_ONLY)", [str(source)])
        have = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
            ).fetchall()
        }
        for name, kind in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 's'"
        ).fetchall():
            if name in have:
                continue
            if kind == "VIEW":
                (sql,) = con.execute(
                    "SELECT sql FROM duckdb_views() WHERE database_name = 's' AND view_name = ?", [name]
                ).fetchone()
                con.execute(sql)
            else:
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM s."{name}"')
        con.execute("DETACH s")
    finally:
        con.close()


def server_log(database: Path) -> Path:
    """The server's log beside its database (``data/*.duckdb.*`` is git-ignored)."""
    return database.with_name(database.name + ".server.log")


def start_server(database: Path, port: int, workers: int) -> subprocess.Popen:
    """gunicorn as `make serve` starts it, in its own process group; returns once it answers."""
    env = {**os.environ, "CITYTOOLS_DB": str(database), "CITYTOOLS_HOST": HOST, "CITYTOOLS_PORT": str(port)}
    env["WORKERS"] = str(workers)
    cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:server"]
    log = open(server_log(database), "w")  # noqa: SIM115  (closed with the process)
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"loadtest: gunicorn exited ({server.returncode}); see {server_log(database)}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"loadtest: gunicorn did not answer within 120 s; see {server_log(database)}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def summary(stats_csv: Path) -> str:
    """Requests, failures, median, p95 and max per endpoint, from locust's ``<prefix>_stats.csv``."""
    rows = list(csv.DictReader(stats_csv.open()))
    lines = [f"{'endpoint':<44} {'requests':>9} {'failures':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"]
    for r in rows:
        name = "ALL" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        lines.append(
            f"{name[:44]:<44} {r['Request Count']:>9} {r['Failure Count']:>9} {r['50%']:>10} {r['95%']:>8}"
            f" {float(r['Max Response Time']):>8.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", default="60", help="seconds, or locust's 90s / 2m")
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8051)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip", default="", help="views left out, by stem: my_borough,windows")
    parser.add_argument(
        "--source", type=Path, default=Path(os.environ.get("CITYTOOLS_DB") or ROOT / "data" / "citytools.duckdb")
    )
    args = parser.parse_args(argv)
    if not args.source.exists():
        raise SystemExit(f"loadtest: {args.source} is missing: run `make data` first")
    database = london_database(args.source.resolve(), args.contracts)
    duration = args.duration if args.duration[-1:].isalpha() else f"{args.duration}s"
    server = start_server(database, args.port, args.workers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--only-summary"]
            cmd += ["-u", str(args.users), "-r", str(max(1, args.users // 10)), "-t", duration]
            cmd += ["--host", f"http://{HOST}:{args.port}", "--csv", f"{tmp}/run", "--stop-timeout", "10"]
            skipped = f", without {args.skip}" if args.skip else ""
            print(f"loadtest: {args.users} users for {duration} on {database.name}, {args.workers} workers{skipped}")
            env = {**os.environ, "CITYTOOLS_DB": str(database), "LOADTEST_SKIP": args.skip}
            result = subprocess.run(cmd, cwd=ROOT, env=env)
            print("\n" + summary(Path(tmp) / "run_stats.csv"))
            print(f"server log (tracebacks by request id): {server_log(database).relative_to(ROOT)}")
    finally:
        stop_server(server)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
