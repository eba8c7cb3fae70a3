"""The floor under the ETL's OCDS budget: what parsing and ocdsmerge alone cost, per input file.

The issue's budget is 20,000 open-data records per second. For OCDS, two costs come before any
of City Tools' own work: turning each JSON line into Python objects, and ocdsmerge compiling the
ocids that have more than one release. This measures just those two, on the bench's scaled
inputs, with the ETL's own merge rules, and prints them beside the wall time the budget allows for
the same releases. When the two alone take longer than the budget, no change to the rest of the
ETL can meet it while the build parses JSON into Python objects and merges with ocdsmerge.

``python -m bench.ocds_floor [--records N]`` (default London scale).
"""

from __future__ import annotations

import argparse
import collections
import json
import time
import warnings

from bench.etl import OPEN_DATA_BUDGET, SCALES, inputs
from etl.extract.ocds import MERGE_RULES

FOLDERS = ("find-a-tender", "contracts-finder-ocds")


def floor(path) -> dict:
    """Releases, ocids, and the seconds json.loads and ocdsmerge take over one JSON Lines file.

    The merge is ocdsmerge's own loop, not ``etl.extract.ocds.compile_releases``: that adds the
    ETL's checks (same-date conflicts, shared ids), which are City Tools' work, not the floor."""
    from ocdsmerge import CompiledRelease

    lines = path.read_bytes().splitlines()
    started = time.perf_counter()
    packages = [json.loads(line) for line in lines if line.strip()]
    parse = time.perf_counter() - started
    by_ocid: dict[str, list[dict]] = collections.defaultdict(list)
    for package in packages:
        for release in package.get("releases") or [package]:
            by_ocid[release.get("ocid")].append(release)
    several = [group for group in by_ocid.values() if len(group) > 1]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for group in several:
            compiled = CompiledRelease(merge_rules=MERGE_RULES)
            for release in sorted(group, key=lambda r: str(r.get("date") or "")):
                compiled.append(release)
            compiled.asdict()
    merge = time.perf_counter() - started
    releases = sum(len(group) for group in by_ocid.values())
    return {"file": path.name, "releases": releases, "ocids": len(by_ocid), "ocids_merged": len(several),
            "parse_s": parse, "merge_s": merge, "budget_s": releases / OPEN_DATA_BUDGET}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=SCALES["London"])
    folder = inputs(parser.parse_args(argv).records) / "contracts"
    rows = [floor(path) for name in FOLDERS for path in sorted((folder / name).glob("*.jsonl"))]
    for r in rows:
        print(f"{r['file']}: {r['releases']:,} releases, {r['ocids']:,} ocids ({r['ocids_merged']:,} merged):"
              f" json.loads {r['parse_s']:.2f} s + ocdsmerge {r['merge_s']:.2f} s"
              f" = {r['parse_s'] + r['merge_s']:.2f} s CPU; the budget allows {r['budget_s']:.2f} s wall")  # fmt: skip
    cpu = sum(r["parse_s"] + r["merge_s"] for r in rows)
    wall = sum(r["budget_s"] for r in rows)
    print(f"all: {cpu:.2f} s CPU before any of City Tools' own work, against {wall:.2f} s wall"
          f" ({2 * wall:.2f} CPU-s on two cores) for everything")  # fmt: skip


if __name__ == "__main__":
    main()
