"""``make loadtest``: locust against a gunicorn of its own on a London-scale database, then stop.

1. The database: ``--database``, else the one ``make bench`` measures at ``--contracts`` (50,000,
   London): scaled sample inputs in the real formats, built once by the real ETL under ``data/bench/``.
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

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def london_database(contracts: int) -> Path:
    """The database ``make bench`` measures at this scale: ``python -m etl sample --scale`` inputs built by
    the real ETL, once, under ``data/bench/`` (so the load test and the bench see the same data)."""
    sys.path.insert(0, str(ROOT))
    from bench.__main__ import database

    return database(contracts)


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
    parser.add_argument("--contracts", type=int, default=50_000, help="scale of the bench database")
    parser.add_argument("--port", type=int, default=8051)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip", default="", help="views left out, by stem: my_borough,windows")
    parser.add_argument("--database", type=Path, help="a built database to load instead of the bench's")
    args = parser.parse_args(argv)
    if args.database and not args.database.exists():
        raise SystemExit(f"loadtest: {args.database} is missing")
    database = args.database.resolve() if args.database else london_database(args.contracts)
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
