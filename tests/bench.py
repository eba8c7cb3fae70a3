"""``make bench``: how fast the ETL, the queries and the pages are, on the sample and at 1M contracts.

Prints a table and writes the figures to ``data/bench.json``. Not part of the test suite:
timings belong here, not in assertions. The large database is the built sample repeated
(ids made unique, end dates spread over a decade), so its shape is realistic but its content
is not.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pagetree  # tests/pagetree.py: this script runs from tests/

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"
TARGET_CONTRACTS = 1_000_000
REPEATS = 5


def timed(fn, repeats: int = REPEATS) -> dict:
    """Median and best of several runs, in milliseconds."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "best_ms": round(min(runs), 1), "runs": repeats}


def build_sample(folder: Path) -> tuple[Path, dict]:
    from etl.build import build
    from etl.sample import write_sample
    from etl.sample_contracts import write_sample_contracts

    write_sample(folder / "surveys")
    write_sample_contracts(folder / "contracts")
    db = folder / "sample.duckdb"
    figures = {"etl_sample_build": timed(lambda: build(db, [folder / "surveys"], [folder / "contracts"]), 3)}
    if (REALDATA / "contracts-finder-csv").is_dir():
        paths = [REALDATA / "contracts-finder-csv", REALDATA / "contracts-finder-ocds"]
        figures["etl_real_build"] = timed(lambda: build(folder / "real.duckdb", [folder / "surveys"], paths), 3)
    return db, figures


def scale_up(sample: Path, out: Path) -> dict:
    """Copy the sample's tables, repeating contracts (and their records) to about a million."""
    start = time.perf_counter()
    con = duckdb.connect(str(out))
    con.execute("ATTACH ? AS s (READ_ONLY)", [str(sample)])
    (n,) = con.execute("SELECT count(*) FROM s.contracts").fetchone()
    copies = -(-TARGET_CONTRACTS // n)
    for table in ("rejects", "load_files", "load_runs", "meta", "supplier_matches"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}")
    con.execute(
        """
        CREATE TABLE contracts AS
        SELECT * REPLACE (
            contract_id || '-' || k AS contract_id,
            list_transform(record_ids, lambda x: x || '-' || k) AS record_ids,
            CAST(end_date + to_days(CAST((k * 37) % 3650 AS INTEGER)) AS DATE) AS end_date,
            CAST(max_end_date + to_days(CAST((k * 37) % 3650 AS INTEGER)) AS DATE) AS max_end_date
        )
        FROM s.contracts, range(?) AS r(k)
        """,
        [copies],
    )
    con.execute(
        "CREATE TABLE contract_records AS SELECT * REPLACE (record_id || '-' || k AS record_id)"
        " FROM s.contract_records, range(?) AS r(k)",
        [copies],
    )
    (rows,) = con.execute("SELECT count(*) FROM contracts").fetchone()
    con.close()
    return {"contracts": rows, "seconds": round(time.perf_counter() - start, 2), "bytes": out.stat().st_size}


def query_figures(db: Path) -> dict:
    from dashboard import queries
    from dashboard.logic.windows import find_windows
    from dashboard.queries import contracts as contracts_q
    from dashboard.queries import filters as options
    from dashboard.queries.expiring import expiring
    from dashboard.queries.windows import window_contracts

    today = date(2026, 11, 23)
    con = duckdb.connect(str(db), read_only=True)
    camden = {"borough": ["E09000007"]}
    figures = {
        "headline": timed(lambda: queries.headline(con, {}, today)),
        "counts_by_borough": timed(lambda: queries.counts_by_borough(con, {})),
        "expiring_12m": timed(lambda: expiring(con, {}, 12, today)),
        "windows_service_area": timed(lambda: find_windows(window_contracts(con, "service_area")), 3),
        "windows_one_system": timed(
            lambda: find_windows(window_contracts(con, "system", filters={"system": "Mosaic"}))
        ),
    }
    figures["filter_options_narrowed"] = timed(lambda: options.filter_options(con, camden))
    figures["contracts_count"] = timed(lambda: contracts_q.count(con, {}))
    figures["contracts_sorted_page_100"] = timed(
        lambda: contracts_q.contracts_page(con, {}, contracts_q.parse_sort("-end_date"), 0, 100)
    )
    con.close()
    return figures


def page_figures(db: Path, repeats: int = 3) -> dict:
    """Server time to render each page through Dash's pages router, as the browser asks for it."""
    from app import create_app

    app = create_app(db)
    client = app.server.test_client()

    def render(path: str, search: str = "") -> None:
        pagetree.render(client, path, search)

    pages = [("/", ""), ("/contracts", "?borough=E09000007"), ("/matrix", ""), ("/systems", "?system=Mosaic"),
             ("/suppliers", ""), ("/windows", ""), ("/timeline", "?service_area=Revenues%20and%20Benefits"),
             ("/expiring", ""), ("/borough/E09000007", "")]  # fmt: skip
    figures = {}
    for path, search in pages:
        try:
            figures[f"page {path}{search}"] = timed(lambda p=path, s=search: render(p, s), repeats)
        except AssertionError as exc:
            figures[f"page {path}{search}"] = {"error": str(exc)}
    export = "/export/contracts.csv?borough=E09000007"
    figures[f"export {export}"] = timed(lambda: client.get(export).get_data(), repeats)
    return figures


def main() -> int:
    results: dict = {"machine": f"{platform.machine()}, {platform.python_version()}", "date": date.today().isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample, results["etl"] = build_sample(folder)
        results["sample_queries"] = query_figures(sample)
        results["sample_pages"] = page_figures(sample)
        big = folder / "million.duckdb"
        results["million_build"] = scale_up(sample, big)
        results["million_queries"] = query_figures(big)
        results["million_pages"] = page_figures(big, repeats=1)
    out = ROOT / "data" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    for section, figures in results.items():
        if not isinstance(figures, dict):
            print(f"{section}: {figures}")
            continue
        print(section)
        for name, value in figures.items():
            shown = value if not isinstance(value, dict) else ", ".join(f"{k} {v}" for k, v in value.items())
            print(f"  {name:<55} {shown}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
