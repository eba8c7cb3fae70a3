"""Download OCDS release packages page by page, resumably (``python -m etl fetch``, in ``etl.commands.fetch``).

Contracts Finder (and Find a Tender) cannot filter by buyer, so a date range is fetched whole and
every page is kept raw under ``<root>/<source>/<from>_<to>/page-00001.json``; deciding which
buyer is a London borough is left to the build (``etl.reference.borough_code``), as for any other
input. The API shapes were taken from the services' published API documentation, never from the
live services (this module was written and tested offline):

- Contracts Finder ``GET /Published/Notices/OCDS/Search`` with ``publishedFrom``, ``publishedTo``
  (ISO 8601), ``stages`` (comma-separated), ``limit`` (1-100) and ``cursor``; more pages are
  announced in ``links.next``. Its documented "too many requests" answer is HTTP 403 with a
  5-minute ban, not 429.
- Find a Tender ``GET /api/1.0/ocdsReleasePackages`` with ``updatedFrom``, ``updatedTo``
  (``YYYY-MM-DDTHH:MM:SS``), ``stages``, ``limit`` and ``cursor``, paged the same way.

Only the standard library does HTTP here (no new dependency); tqdm draws the progress bar.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import logging
import os
import random
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from etl.normalise.names import clean_text
from etl.reference import borough_code

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path("data/raw")
STATE_NAME = ".state.json"  # a dot-file: contract input walks skip it
PAGE_GLOB = "page-*.json"
USER_AGENT = "citytools-etl/0.1 (+London borough technology contracts)"


@dataclass(frozen=True)
class Source:
    name: str
    base_url: str
    path: str
    from_param: str
    to_param: str
    env: str


SOURCES = {
    "contracts_finder": Source(
        "contracts_finder",
        "https://www.contractsfinder.service.gov.uk",
        "/Published/Notices/OCDS/Search",
        "publishedFrom",
        "publishedTo",
        "CITYTOOLS_CF_BASE_URL",
    ),
    "find_a_tender": Source(
        "find_a_tender",
        "https://www.find-tender.service.gov.uk",
        "/api/1.0/ocdsReleasePackages",
        "updatedFrom",
        "updatedTo",
        "CITYTOOLS_FTS_BASE_URL",
    ),
}


class FetchError(Exception):
    """A page could not be fetched; the message names the URL."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one URL. Delays are seconds; tests shrink them (or inject ``sleep``)."""

    max_attempts: int = 6
    timeout: float = 60.0  # per request: connecting plus reading the whole body
    base_delay: float = 2.0  # backoff: base_delay * 2**(attempt - 1), with jitter, capped at max_delay
    max_delay: float = 120.0
    rate_limit_wait: float = 300.0  # Contracts Finder's 403 ban lasts 5 minutes
    max_wait: float = 900.0  # never sleep longer than this, whatever Retry-After says
    pause: float = 0.0  # between pages, to stay under rate limits
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class FetchResult:
    folder: Path
    pages: int  # pages saved in the folder, this run and earlier ones
    releases: int
    pages_this_run: int = 0
    requests: int = 0  # HTTP requests made this run, retries included
    complete: bool = False
    already_complete: bool = False
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- URLs and folders


def stamp(day: dt.date, end_of_day: bool = False) -> str:
    """``YYYY-MM-DDTHH:MM:SS``: the form both APIs document (Find a Tender allows 19 characters)."""
    return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}"


def search_url(
    source: Source, start: dt.date, end: dt.date, *, base_url: str | None = None, stages: str = "", limit: int = 100
) -> str:
    """The first page's URL for a date range; later pages come from ``links.next``."""
    params = {source.from_param: stamp(start), source.to_param: stamp(end, end_of_day=True)}
    if stages:
        params["stages"] = stages
    params["limit"] = str(limit)
    base = (base_url or source.base_url).rstrip("/")
    return f"{base}{source.path}?{urllib.parse.urlencode(params, safe=':,')}"


def range_folder(root: Path, source: Source, start: dt.date, end: dt.date) -> Path:
    return Path(root) / source.name / f"{start.isoformat()}_{end.isoformat()}"


def page_path(folder: Path, number: int) -> Path:
    return folder / f"page-{number:05d}.json"


def page_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(PAGE_GLOB))


# --------------------------------------------------------------------------- files


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so an interrupted run never leaves half a page.

    The temporary name starts with a dot, which the build's folder walk skips.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(folder: Path) -> dict | None:
    """The saved progress of a download, or None when there is none (or it is unreadable)."""
    try:
        state = json.loads((folder / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "first_url" in state else None


def save_state(folder: Path, state: dict) -> None:
    """Write progress; no key is named "releases" or "records", so the build never takes it for a package."""
    state["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_atomic(folder / STATE_NAME, (json.dumps(state, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- one page


def http_get(url: str, timeout: float) -> Response:
    """GET a URL and read the whole body within ``timeout`` seconds.

    HTTP error statuses come back as a Response (the caller decides what is worth retrying);
    network failures, timeouts and bodies shorter than their Content-Length raise OSError or
    http.client.HTTPException.
    """
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        resp = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                body = exc.read()
            except (OSError, http.client.HTTPException):
                body = b""
            return Response(exc.code, dict(exc.headers.items()), body)
    with resp:
        chunks = []
        while chunk := resp.read(64 * 1024):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(f"body not read within {timeout:g} s")
        if resp.length:  # http.client does not complain when the connection closes early
            raise http.client.IncompleteRead(b"".join(chunks), resp.length)
        return Response(resp.status, dict(resp.headers.items()), b"".join(chunks))


def retry_after(headers: dict[str, str], now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def backoff(attempt: int, policy: RetryPolicy) -> float:
    """Exponential delay with jitter (half fixed, half random) so clients do not retry in step."""
    delay = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return delay / 2 + policy.rand() * delay / 2


def is_rate_limit_403(resp: Response) -> bool:
    """Contracts Finder answers too many requests with 403 and a page saying 'rate limit'."""
    return resp.status == 403 and b"rate limit" in resp.body.lower()


def parse_package(body: bytes) -> tuple[dict, bytes]:
    """The release package in a body, and the bytes to save (the body itself when it is UTF-8).

    A body that is not UTF-8 is decoded as cp1252 and saved re-encoded as UTF-8 (mojibake is
    repaired later by ``clean_text``). Raises ValueError for a truncated or non-package body.
    """
    try:
        text = body.decode("utf-8-sig")
        keep = body
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
        keep = text.encode("utf-8")
    package = json.loads(text)
    if not isinstance(package, dict) or not isinstance(package.get("releases"), list):
        raise ValueError("not an OCDS release package (no 'releases' list)")
    return package, keep


def fetch_page(
    url: str,
    policy: RetryPolicy,
    get: Callable[[str, float], Response] = http_get,
    warn: Callable[[str], object] = log.warning,
) -> tuple[dict, bytes, int]:
    """One page as (package, bytes to save, requests made), retrying what is worth retrying.

    Retried: 429 (waiting Retry-After when given), Contracts Finder's rate-limit 403, 5xx,
    network errors, timeouts and bodies that are truncated or not JSON. Other 4xx fail at once.
    """
    reason = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        wait = None
        try:
            resp = get(url, policy.timeout)
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, short bodies
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if resp.status == 200:
                try:
                    package, keep = parse_package(resp.body)
                    return package, keep, attempt
                except ValueError as exc:
                    reason = f"unusable body ({len(resp.body)} bytes): {exc}"
            elif resp.status == 429 or is_rate_limit_403(resp):
                reason = f"HTTP {resp.status} (rate limited)"
                wait = retry_after(resp.headers)
                if wait is None and resp.status == 403:
                    wait = policy.rate_limit_wait
            elif resp.status >= 500:
                reason = f"HTTP {resp.status}"
                wait = retry_after(resp.headers)
            else:
                snippet = clean_text(resp.body[:200].decode("utf-8", errors="replace"))
                raise FetchError(f"{url} answered HTTP {resp.status}: {snippet}")
        if attempt == policy.max_attempts:
            break
        delay = min(policy.max_wait, wait if wait is not None else backoff(attempt, policy))
        warn(f"{reason}; retrying {url} in {delay:.1f} s (attempt {attempt + 1} of {policy.max_attempts})")
        policy.sleep(delay)
    raise FetchError(f"gave up on {url} after {policy.max_attempts} attempts; last error: {reason}")


def next_link(package: dict, current_url: str) -> str | None:
    """The next page's URL from ``links.next`` (made absolute), or None on the last page."""
    links = package.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    return urllib.parse.urljoin(current_url, nxt) if isinstance(nxt, str) and nxt.strip() else None


# --------------------------------------------------------------------------- a whole range


def _start_afresh(folder: Path, first_url: str) -> dict:
    """Forget an earlier download in this folder: its pages would mix with the new ones."""
    for path in page_files(folder):
        path.unlink()
    state = {"first_url": first_url, "next_url": first_url, "pages": 0, "release_count": 0, "complete": False}
    save_state(folder, state)
    return state


def download(
    first_url: str,
    folder: Path,
    *,
    policy: RetryPolicy | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    get: Callable[[str, float], Response] = http_get,
) -> FetchResult:
    """Follow ``links.next`` from ``first_url``, saving each page, resuming a stopped run.

    ``.state.json`` is rewritten after every saved page, so a run that stops (error, Ctrl-C)
    resumes at the first unsaved page, and a finished run is recognised and not repeated
    (``refresh`` starts over). ``progress=None`` shows the bar only on a terminal.
    """
    policy = policy or RetryPolicy()
    folder = Path(folder)
    state = _resume(folder, first_url, refresh)
    result = FetchResult(folder, state["pages"], state["release_count"], complete=state["complete"])
    if state["complete"]:
        result.already_complete = True
        return result

    show = sys.stderr.isatty() if progress is None else progress
    url = state["next_url"]
    with tqdm(
        total=None, initial=state["pages"], unit="page", desc=folder.name, disable=not show, file=sys.stderr
    ) as bar:
        bar.set_postfix(releases=state["release_count"])
        warn = (lambda message: bar.write(message, file=sys.stderr)) if show else log.warning
        while url:
            if result.pages_this_run and policy.pause:
                policy.sleep(policy.pause)
            package, data, requests = fetch_page(url, policy, get, warn=warn)
            result.requests += requests
            url = _save_page(folder, state, url, package, data, result)
            bar.update(1)
            bar.set_postfix(releases=state["release_count"])
    return result


def _resume(folder: Path, first_url: str, refresh: bool) -> dict:
    """The saved progress of this query in ``folder``, or a fresh start; never another query's pages."""
    folder.mkdir(parents=True, exist_ok=True)
    state = load_state(folder)
    if state is not None and state["first_url"] != first_url and not refresh:
        raise FetchError(
            f"{folder} holds a download of another query ({state['first_url']}); "
            "use --refresh to replace it or --out for another folder"
        )
    if state is None or refresh:
        state = _start_afresh(folder, first_url)
    return state


def _save_page(folder: Path, state: dict, url: str, package: dict, data: bytes, result: FetchResult) -> str | None:
    """Save one page and the progress after it, so a stopped run resumes after it; the next URL.

    A page naming itself as next, or an empty page with a next link, would loop for ever: the
    first is an error, the second is taken as the last page.
    """
    number = state["pages"] + 1
    write_atomic(page_path(folder, number), data)
    releases = len(package["releases"])
    nxt = next_link(package, url)
    if nxt == url:
        raise FetchError(f"{url} names itself as the next page; stopping to avoid a loop")
    if nxt and not releases:
        result.warnings.append(f"{url} has no releases but a next link; treated as the last page")
        nxt = None
    state.update(pages=number, release_count=state["release_count"] + releases, next_url=nxt, complete=nxt is None)
    save_state(folder, state)
    result.pages, result.releases, result.complete = number, state["release_count"], state["complete"]
    result.pages_this_run += 1
    return nxt


# --------------------------------------------------------------------------- London buyers


def buyer_name(release: dict) -> str:
    """``buyer.name``, else the name of the party with the buyer role (older releases)."""
    buyer = release.get("buyer")
    if isinstance(buyer, dict) and buyer.get("name"):
        return str(buyer["name"])
    for party in release.get("parties") or []:
        if isinstance(party, dict) and "buyer" in (party.get("roles") or []) and party.get("name"):
            return str(party["name"])
    return ""


def london_buyer(release: dict) -> str | None:
    """ONS code of the release's buyer when it is a London borough (or the City), else None."""
    return borough_code(clean_text(buyer_name(release)))


def count_releases(folder: Path) -> tuple[int, int, set[str]]:
    """(releases, releases with a London borough buyer, the boroughs) over the saved pages."""
    total = london = 0
    codes: set[str] = set()
    for path in page_files(folder):
        package = json.loads(path.read_bytes())
        for release in package.get("releases") or []:
            if not isinstance(release, dict):
                continue
            total += 1
            code = london_buyer(release)
            if code:
                london += 1
                codes.add(code)
    return total, london, codes
