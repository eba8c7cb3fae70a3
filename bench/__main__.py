"""``make bench`` (London and UK scale) and ``make bench-quick`` (London only): every figure of
issue 14, each beside its budget, written to ``docs/performance.json`` and ``docs/performance.md``.

The databases are built by the real ETL from ``python -m etl sample --scale N`` inputs
(``bench.etl``); pages and callbacks go through the real Dash endpoint (``bench.pages``), beside
the same SQL on DuckDB and the usual Dash pattern (``bench.peer``); the served app's memory,
requests per second and Chromium's view come from gunicorn (``bench.serve``), the window search
at scale from ``bench.windows``, and every in-page option clicked in Chromium from ``bench.clicks``.
Budgets are printed as met or missed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench import clicks, pages, peer, serve, windows
from bench import etl as etl_bench

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PEER_RATIO_BUDGET = 0.5  # City Tools' filtered page / the usual pattern's callback


def database(n: int) -> Path:
    """The database of scale ``n``, built from its inputs by ``python -m etl build``, again when the ETL's
    code is newer than it (a database an older ETL wrote is not what this code builds)."""
    folder = etl_bench.inputs(n)
    out = folder / "citytools.duckdb"
    code = [p for p in (ROOT / "etl").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    if not out.exists() or any(p.stat().st_mtime > out.stat().st_mtime for p in code):
        cmd = [sys.executable, "-m", "etl", "build", "--surveys", str(folder / "surveys"), "--contracts",
               str(folder / "contracts"), "--out", str(out)]  # fmt: skip
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


def scale_figures(label: str, n: int, repeats: int) -> list[dict]:
    db = database(n)
    # a UK build takes minutes and gigabytes: one build per input kind there, ``repeats`` at London scale
    out = etl_bench.run([n], repeats=repeats if n <= etl_bench.SCALES["London"] else 1)
    out += pages.run(db, n, label)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        sets = pages.filter_sets(con)
    peer_figures, peer_p50 = peer.run(db, n, sets, pages._search)
    out += peer_figures
    ours = next(f["value"] for f in out if f["figure"] == "page /: p50" and f["scale"] == n)
    out.append({**pages._figure("peer", "City Tools overview p50 / usual pattern p50", n, [ours / peer_p50["p50"]], "x",
                                PEER_RATIO_BUDGET), "runs": len(sets)})  # fmt: skip
    code = "E09000007"
    out += _peer_in_browser(db, n, f"?borough={code}")
    served = ["/", f"/export/contracts.csv?borough={code}", f"/export/expiring.csv?borough={code}",
              f"/export/suppliers.csv?borough={code}", f"/contracts?borough={code}"]  # fmt: skip
    out += serve.run(db, n, label, served)
    out += windows.run(db, n, label)
    out += _clicks(db, n, label, repeats if n <= etl_bench.SCALES["London"] else 1)  # UK: one run of each click
    return out


def _clicks(db: Path, n: int, label: str, repeats: int) -> list[dict]:
    """Every in-page option clicked in Chromium against ``make serve`` (one worker); a note if no Chromium."""
    try:
        with serve.gunicorn(db, 1) as (base, _):
            return clicks.run(base, n, label, runs=repeats)
    except Exception as exc:  # noqa: BLE001 - no Chromium here: the table says so
        return [{**pages._figure("clicks", "Chromium", n, [0.0], "", None), "note": str(exc)[:200]}]


def _peer_in_browser(db: Path, n: int, search: str) -> list[dict]:
    """The filtered URL settled in Chromium, City Tools against the usual pattern; a note if no Chromium."""
    try:
        return peer.browser_run(db, n, search)
    except Exception as exc:  # noqa: BLE001 - no Chromium here: the table says so
        return [{**pages._figure("peer", "filtered URL in Chromium", n, [0.0], "", None), "note": str(exc)[:200]}]


def markdown(result: dict) -> str:
    """The table of ``docs/performance.md``: every figure, its budget, met or missed, and its noise."""
    lines = [
        "# Performance",
        "",
        f"Measured {result['date']} on {result['machine']} by `make {result['target']}` "
        "(figures are medians; `spread` is (max - min) / median over the runs; 2-core machines are noisy; "
        "at UK scale each ETL figure is one build, which takes minutes, and each click one run).",
        "",
        "| group | figure | scale | value | unit | budget | met | runs | spread |",
        "|---|---|---:|---:|---|---:|---|---:|---:|",
    ]
    for f in result["figures"]:
        budget = "" if f.get("budget") is None else f"{f['budget']:,}"
        met = "" if f.get("met") is None else ("met" if f["met"] else "**missed**")
        runs = f["runs"] if isinstance(f["runs"], int) else len(f["runs"])
        value = "n/a" if f.get("note") and not f["value"] else f"{f['value']:,}"  # the note (JSON) says why
        lines.append(f"| {f['group']} | {f['figure']} | {f['scale']:,} | {value} | {f['unit']} | {budget} | "
                     f"{met} | {runs} | {f.get('spread', 0):.0%} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="London scale (50k) only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    scales = {"London": etl_bench.SCALES["London"]} if args.quick else {
        "London": etl_bench.SCALES["London"], "UK": etl_bench.SCALES["UK"]}  # fmt: skip
    figures = []
    for label, n in scales.items():
        figures += scale_figures(label, n, 1 if args.quick else args.repeats)
    result = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "target": "bench-quick" if args.quick else "bench",
        "figures": figures,
    }
    DOCS.mkdir(exist_ok=True)
    (DOCS / "performance.json").write_text(json.dumps(result, indent=1, default=str))
    (DOCS / "performance.md").write_text(markdown(result))
    print(markdown(result))
    print(f"written to {DOCS / 'performance.json'} and {DOCS / 'performance.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
