"""``python -m etl fetch``: download Contracts Finder / Find a Tender OCDS pages for a date range.

The downloading itself (paging, retries, resuming) is ``etl.fetch``; this module is its options
and what it prints.
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
    RetryPolicy,
    count_releases,
    download,
    load_state,
    range_folder,
    search_url,
)

HELP = "download Contracts Finder / Find a Tender OCDS pages for a date range"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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
    parser.add_argument("--max-attempts", type=int, default=RetryPolicy.max_attempts, help="tries per page")
    parser.add_argument("--timeout", type=float, default=RetryPolicy.timeout, help="seconds per request")
    parser.add_argument("--backoff", type=float, default=RetryPolicy.base_delay, help="first retry delay, seconds")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between pages (default 1)")
    parser.add_argument("--refresh", action="store_true", help="discard pages saved for this range and start over")


def run(args: argparse.Namespace) -> int:
    """Download the range, then say how many releases came and how many have a borough buyer."""
    source = SOURCES[args.source]
    today = dt.date.today()
    end = args.date_to or today - dt.timedelta(days=1)
    if args.date_from > end:
        print(f"--from {args.date_from} is after --to {end}", file=sys.stderr)
        return 2
    if not 1 <= args.limit <= 100:
        print("--limit must be between 1 and 100", file=sys.stderr)
        return 2
    base_url = args.base_url or os.environ.get(source.env) or source.base_url
    first_url = search_url(source, args.date_from, end, base_url=base_url, stages=args.stages, limit=args.limit)
    folder = range_folder(args.out, source, args.date_from, end)
    policy = RetryPolicy(
        max_attempts=max(1, args.max_attempts), timeout=args.timeout, base_delay=args.backoff, pause=args.pause
    )
    try:
        result = download(first_url, folder, policy=policy, refresh=args.refresh)
    except (FetchError, KeyboardInterrupt) as exc:
        state = load_state(folder) or {}
        print(f"fetch stopped: {str(exc) or 'interrupted'}", file=sys.stderr)
        if state.get("first_url") == first_url:
            saved = f"{state['pages']} pages are saved in {folder}"
            print(f"{saved}; run the same command again to resume", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    releases, london, codes = count_releases(folder)
    if result.already_complete:
        print(f"{folder} is already complete ({result.pages} pages); use --refresh to download it again")
    else:
        print(f"fetched {result.pages_this_run} pages in {result.requests} requests; {result.pages} pages in {folder}")
    print(f"{releases} releases; {london} have a London borough buyer ({len(codes)} boroughs)")
    if end >= today:
        print("the range ends today or later: run again with --refresh later to pick up newer notices")
    return 0
