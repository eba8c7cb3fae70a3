"""``python -m etl fetch``: download Contracts Finder / Find a Tender OCDS pages for a date range.

The downloading itself (windows, paging, retries, pacing, resuming) is ``etl.fetch``; this
module is its options and what it prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from etl.fetch import (
    DEFAULT_ROOT,
    SOURCES,
    FetchError,
    FetchResult,
    Query,
    RetryPolicy,
    count_releases,
    download,
    harvest,
    load_plan,
    load_state,
    range_folder,
)

HELP = "download Contracts Finder / Find a Tender OCDS pages for a date range"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _defaults(attribute: str) -> str:
    return ", ".join(f"{name} {getattr(source, attribute):g}" for name, source in sorted(SOURCES.items()))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE", help="first day")
    parser.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="last day (default: yesterday)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_ROOT,
        metavar="DIR",
        help=f"root for raw pages, saved in DIR/<source>/<from>_<to>/ (default {DEFAULT_ROOT})",
    )
    parser.add_argument("--source", choices=sorted(SOURCES), default="contracts_finder")
    parser.add_argument(
        "--base-url",
        help="API origin, e.g. http://127.0.0.1:8000 (default: $CITYTOOLS_CF_BASE_URL or $CITYTOOLS_FTS_BASE_URL, "
        "else the live service)",
    )
    parser.add_argument(
        "--stages", default="", help="comma-separated: planning,tender,award,implementation (default all)"
    )
    parser.add_argument("--limit", type=int, default=100, help="releases per page, 1-100 (default 100)")
    parser.add_argument(
        "--window-hours",
        type=float,
        metavar="HOURS",
        help="ask for the range in windows of HOURS, split while a window's first page is full; "
        f"0: one query paged by cursor (default: {_defaults('window_hours')})",
    )
    parser.add_argument("--max-attempts", type=int, default=RetryPolicy.max_attempts, help="tries per page")
    parser.add_argument("--timeout", type=float, default=RetryPolicy.timeout, help="seconds per request")
    parser.add_argument("--backoff", type=float, default=RetryPolicy.base_delay, help="first retry delay, seconds")
    parser.add_argument(
        "--pause", type=float, help=f"at least this many seconds between requests (default: {_defaults('pause')})"
    )
    parser.add_argument("--refresh", action="store_true", help="discard pages saved for this range and start over")


def _check(args: argparse.Namespace, end: dt.date) -> str | None:
    """What is wrong with the options, or None."""
    if args.date_from > end:
        return f"--from {args.date_from} is after --to {end}"
    if not 1 <= args.limit <= 100:
        return "--limit must be between 1 and 100"
    if args.window_hours is not None and 0 < args.window_hours < 1 / 60:
        return "--window-hours must be 0 or at least one minute (0.017)"
    return None


def run(args: argparse.Namespace) -> int:
    """Download the range, then say how many releases came and how many have a borough buyer."""
    source = SOURCES[args.source]
    today = dt.date.today()
    end = args.date_to or today - dt.timedelta(days=1)
    if problem := _check(args, end):
        print(problem, file=sys.stderr)
        return 2
    query = Query(source, args.base_url or os.environ.get(source.env) or source.base_url, args.stages, args.limit)
    folder = range_folder(args.out, source, args.date_from, end)
    hours = source.window_hours if args.window_hours is None else args.window_hours
    policy = RetryPolicy(
        max_attempts=max(1, args.max_attempts),
        timeout=args.timeout,
        base_delay=args.backoff,
        pause=source.pause if args.pause is None else args.pause,
        rate_limit_wait=source.rate_limit_wait,
    )
    try:
        if hours:
            result = harvest(
                query, args.date_from, end, folder, window_hours=hours, policy=policy, refresh=args.refresh
            )
        else:
            result = download(query.url(args.date_from, end), folder, policy=policy, refresh=args.refresh)
    except (FetchError, KeyboardInterrupt) as exc:
        print(f"fetch stopped: {str(exc) or 'interrupted'}", file=sys.stderr)
        if saved := _saved(folder, query.url(args.date_from, end), hours):
            print(f"{saved}; run the same command again to resume", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    _report(result, folder, hours, end >= today)
    return 0


def _saved(folder: Path, first_url: str, hours: float) -> str | None:
    """What a stopped run leaves for the next one, or None when it left nothing of this query."""
    if hours:
        plan = load_plan(folder)
        if not plan or plan["query"] != first_url:
            return None
        done = [w for w in plan["windows"] if w["done"]]
        pages = sum(w["pages"] for w in done)
        return f"{len(done)} of {len(plan['windows'])} windows are done ({pages} pages) in {folder}"
    state = load_state(folder) or {}
    return f"{state['pages']} pages are saved in {folder}" if state.get("first_url") == first_url else None


def _report(result: FetchResult, folder: Path, hours: float, open_ended: bool) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    releases, london, codes = count_releases(folder)
    windows = f" over {result.windows} windows of up to {hours:g} h ({result.splits} split)" if hours else ""
    if result.already_complete:
        print(f"{folder} is already complete ({result.pages} pages{windows}); use --refresh to download it again")
    else:
        print(
            f"fetched {result.pages_this_run} pages in {result.requests} requests{windows}; "
            f"{result.pages} pages in {folder}"
        )
    print(f"{releases} releases; {london} have a London borough buyer ({len(codes)} boroughs)")
    if hours and not result.complete:
        print(f"{result.windows - result.windows_done} windows begin after now: run again later to fetch them")
    elif open_ended and hours:
        print("windows that had not ended when fetched are fetched again on the next run")
    elif open_ended:
        print("the range ends today or later: run again with --refresh later to pick up newer notices")
