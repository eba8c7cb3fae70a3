"""The ETL's figures for ``make bench``: the real ``python -m etl build`` over scaled inputs.

Inputs come from ``python -m etl sample --scale N`` (``etl/scale.py``), written once per scale
and seed under ``data/bench/inputs-<N>/`` and reused while the generator is unchanged. Each
build runs in its own process, per input kind (surveys alone, OCDS, Contracts Finder CSV,
registers, and all together), so its wall time and peak RSS are its own: the RSS is the
child's ``ru_maxrss`` from ``os.wait4``. Records per second = records read (the build's own
accounting) / wall time, start-up included, as a user waits for it; the CPU time beside it (user +
system, the child's own) says how much of the wall time was the build's on a busy machine.

``run(scales, repeats)`` returns one dict per figure; each is the median of ``repeats`` runs,
with every run kept and the spread ((max - min) / median). ``python -m bench.etl --quick``
prints the table for London scale only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "data" / "bench"
SEED = 2019
SCALES = {"London": 50_000, "UK": 1_000_000, "stress": 5_000_000}
OPEN_DATA_BUDGET, SURVEY_BUDGET = 20_000, 5_000  # records per second (issue 14)
# input kind -> (build arguments relative to the inputs folder, budget in records per second or None)
KINDS = {
    "surveys": (["--surveys", "surveys"], SURVEY_BUDGET),
    "ocds": (["--contracts", "contracts/find-a-tender", "--contracts", "contracts/contracts-finder-ocds"],
             OPEN_DATA_BUDGET),
    "cf_csv": (["--contracts", "contracts/contracts-finder-csv"], OPEN_DATA_BUDGET),
    "registers": (["--contracts", "contracts/registers"], OPEN_DATA_BUDGET),
    "all": (["--surveys", "surveys", "--contracts", "contracts"], None),  # mixed: 90% open data, 10% survey rows
}  # fmt: skip
GENERATOR = ("etl/scale.py", "etl/scale_fts.py", "etl/scale_tables.py", "etl/sample.py", "etl/sample_contracts.py")


def _generator_hash() -> str:
    h = hashlib.sha256()
    for name in GENERATOR:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()[:16]


def inputs(n: int, seed: int = SEED) -> Path:
    """The scaled inputs for ``n`` records, written unless the same generator wrote them already."""
    folder = INPUTS / f"inputs-{n}"
    stamp = folder / "written.json"
    want = {"records": n, "seed": seed, "generator": _generator_hash()}
    if stamp.is_file() and json.loads(stamp.read_text()) == want:
        return folder
    cmd = [sys.executable, "-m", "etl", "sample", "--scale", str(n), "--seed", str(seed), "--out", str(folder)]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(json.dumps(want))
    return folder


def build_once(folder: Path, kind: str) -> dict:
    """One real build of one input kind: wall seconds, peak RSS (MB) and records read."""
    args = [a if a.startswith("--") else str(folder / a) for a in KINDS[kind][0]]
    with tempfile.TemporaryDirectory(prefix="citytools-bench-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "etl", "build", *args, "--out", str(Path(tmp) / "bench.duckdb"),
               "--report", str(report)]  # fmt: skip
        with open(Path(tmp) / "stderr.txt", "w+b") as errors:
            started = time.perf_counter()
            child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
            wall = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode:
                errors.seek(0)
                text = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"etl build ({kind}) failed with {child.returncode}: {text}")
        files = json.loads(report.read_text())["files"]
    cpu = usage.ru_utime + usage.ru_stime  # the build's own CPU time: on a shared machine, wall time is also others'
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_mb": usage.ru_maxrss / 1024,
        "records": sum(f["records_read"] for f in files),
    }


def _figure(name: str, scale: int, values: list[float], unit: str, budget: float | None, higher: bool) -> dict:
    value = statistics.median(values)
    met = None if budget is None else (value >= budget if higher else value <= budget)
    spread = (max(values) - min(values)) / value if value else 0.0
    runs = [round(v, 2) for v in values]
    return {"group": "etl", "figure": name, "scale": scale, "value": round(value, 2), "unit": unit,
            "budget": budget, "met": met, "runs": runs, "spread": round(spread, 3)}  # fmt: skip


def measure(n: int, kind: str, repeats: int) -> list[dict]:
    """The figures of one input kind at one scale (``met`` is None where there is no budget)."""
    folder = inputs(n)
    runs = [build_once(folder, kind) for _ in range(repeats)]
    rates = [r["records"] / r["wall_s"] for r in runs]
    budget = KINDS[kind][1]
    return [
        _figure(f"ETL {kind}: records per second", n, rates, "records/s", budget, higher=True),
        _figure(f"ETL {kind}: wall time", n, [r["wall_s"] for r in runs], "s", None, higher=False),
        _figure(f"ETL {kind}: CPU time", n, [r["cpu_s"] for r in runs], "s", None, higher=False),
        _figure(f"ETL {kind}: peak RSS", n, [r["rss_mb"] for r in runs], "MB", None, higher=False),
        _figure(f"ETL {kind}: records read", n, [float(r["records"]) for r in runs], "records", None, higher=True),
    ]


def run(scales: list[int] | None = None, repeats: int = 3, kinds: list[str] | None = None) -> list[dict]:
    """Every ETL figure for each scale (default London and UK), each the median of ``repeats`` builds."""
    out = []
    for n in scales or [SCALES["London"], SCALES["UK"]]:
        for kind in kinds or list(KINDS):
            out += measure(n, kind, repeats)
    return out


def table(figures: list[dict]) -> str:
    """The figures as a plain-text table (one line per figure)."""
    lines = [f"{'figure':38s} {'scale':>9s} {'value':>12s} {'unit':10s} {'budget':>8s} {'met':6s} spread  runs"]
    for f in figures:
        budget = "" if f["budget"] is None else f"{f['budget']:,}"
        met = "" if f["met"] is None else ("met" if f["met"] else "MISSED")
        lines.append(f"{f['figure']:38s} {f['scale']:>9,} {f['value']:>12,.1f} {f['unit']:10s} {budget:>8s} {met:6s} "
                     f"{f['spread']:6.1%}  {f['runs']}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.etl", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="London scale (50k) only")
    parser.add_argument("--stress", action="store_true", help="also 5M records (long: hours, and many GB)")
    parser.add_argument("--repeats", type=int, default=None, help="builds per figure (default 3 quick, else 1)")
    parser.add_argument("--kind", action="append", choices=list(KINDS), help="only these input kinds")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    scales = [SCALES["London"]] if args.quick else [SCALES["London"], SCALES["UK"]]
    scales += [SCALES["stress"]] if args.stress else []
    figures = run(scales, args.repeats or (3 if args.quick else 1), args.kind)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
