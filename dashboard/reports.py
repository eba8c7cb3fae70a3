"""Command line for the market engagement report, so it can be scheduled (cron, a CI job):

    python -m dashboard.reports --db data/citytools.duckdb --service-area "Revenues and Benefits" \\
        --out report.xlsx --out report.html

The options are the report view's URL keys (the same validation, so a bad value is an error
here too); each ``--out`` is written in the format its extension names. The database is only read.
Without ``--members`` the report holds what the public may see (dashboard.access), so a file
made for circulation cannot carry the survey answers boroughs gave in confidence.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from dashboard import access, db, state
from dashboard.logic.report import DEFAULT_BASE_URL, VIEW, build_report, render_html, write_xlsx

FORMATS = (".xlsx", ".html")
LIST_OPTIONS = {"borough": "ONS code (E09...)", "service_area": "", "system": "", "supplier": ""}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard.reports", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, default=db.default_path(), help="the built database (default: %(default)s)")
    for key, hint in LIST_OPTIONS.items():
        p.add_argument(f"--{key.replace('_', '-')}", action="append", dest=key, metavar="NAME",
                       help=f"{hint or 'exact name'}; repeat for several")  # fmt: skip
    p.add_argument("--window", help='a joint procurement window: "<service area>|<first end date>"')
    p.add_argument("--end-from", dest="end_from", help="contracts ending on or after (YYYY-MM-DD)")
    p.add_argument("--end-to", dest="end_to", help="contracts ending on or before (YYYY-MM-DD)")
    p.add_argument("--months", help="the period when no end dates are given: 3, 6, 12, 18 or 24 (default 24)")
    p.add_argument("--q", help="text in the title, buyer, supplier or system")
    p.add_argument("--source", choices=list(state.SOURCES), help="only contracts with survey / open-data records")
    p.add_argument("--today", type=date.fromisoformat, help="the date the period starts from (default: today)")
    p.add_argument("--members", action="store_true",
                   help="include the survey answers given in confidence (costs, scores): for members only")  # fmt: skip
    p.add_argument("--base-url", dest="base_url", default=DEFAULT_BASE_URL,
                   help="the app's address, where the report's links point (default: %(default)s)")  # fmt: skip
    p.add_argument("--out", action="append", type=Path, required=True, help="output file, .xlsx or .html; repeatable")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    bad = [str(out) for out in args.out if out.suffix.lower() not in FORMATS]
    if bad:
        print(f"error: --out must end in .xlsx or .html: {', '.join(bad)}", file=sys.stderr)
        return 2
    not_keys = ("db", "out", "today", "members", "base_url")
    params = {k: v for k, v in vars(args).items() if k not in not_keys and v is not None}
    st, problems = VIEW.check(params)
    if problems:
        print("error: " + " ".join(problems), file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        with access.members(args.members), db.cursor(args.db) as cur:
            report = build_report(cur, st, today=args.today, base_url=args.base_url)
    except db.DatabaseMissing:
        print(f"error: no database at {args.db}: build it with `python -m etl build` (or `make data`)", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for out in args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        if out.suffix.lower() == ".xlsx":
            write_xlsx(report, tmp)
        else:
            tmp.write_text(render_html(report), encoding="utf-8")
        tmp.replace(out)  # a scheduled run never leaves half a file where the last good one was
        print(f"wrote {out}")
    print(f"{report.title}: {report.numbers['contracts']:,} contracts in scope, data as of {report.as_of} "
          f"({time.perf_counter() - started:.2f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
