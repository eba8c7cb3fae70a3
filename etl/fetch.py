"""Download OCDS release packages page by page, resumably (``python -m etl fetch``, in ``etl.commands.fetch``).

Contracts Finder (and Find a Tender) cannot filter by buyer, so a date range is fetched whole and
every page is kept raw under ``<root>/<source>/<from>_<to>/``; deciding which buyer is a London
borough is left to the build (``etl.reference.borough_code``), as for any other input. The API
shapes were taken from the services' published API documentation, never from the live services
(this module was written and tested offline):

- Contracts Finder ``GET /Published/Notices/OCDS/Search`` with ``publishedFrom``, ``publishedTo``
  (ISO 8601), ``stages`` (comma-separated), ``limit`` (1-100) and ``cursor``; more pages are
  announced in ``links.next``. Its documented "too many requests" answer is HTTP 403 with a
  5-minute ban, not 429.
- Find a Tender ``GET /api/1.0/ocdsReleasePackages`` with ``updatedFrom``, ``updatedTo``
  (``YYYY-MM-DDTHH:MM:SS``), ``stages``, ``limit`` and ``cursor``, paged the same way. It allows
  about 12 requests per 2 minutes, and its cursor is known to skip releases over long ranges.

Two ways to page a range: ``download`` follows the cursor from one query over the whole range
(pages in the range folder); ``harvest`` splits the range into windows of a few hours, one query
each (pages in one sub-folder per window), and splits a window in two again when its first page
comes back full, so no window needs more than one page if it can be helped. Both resume after a
stop; both space requests (``RetryPolicy.pause``), honour 429 with ``Retry-After``, and follow
``links.next`` only on the API's own scheme and host.

Only the standard library does HTTP here (no new dependency); tqdm draws the progress bar.
"""

from __future__ import annotations

import contextlib
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
    pause: float = 1.0  # default seconds between the starts of two requests
    window_hours: float = 0  # default harvest window; 0: one query over the whole range, paged by cursor
    rate_limit_wait: float = 300.0  # seconds to wait after "too many requests" that gives no Retry-After


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
        pause=11.0,  # 12 requests per 2 minutes is one every 10 s: stay under it
        window_hours=6,
        rate_limit_wait=120.0,  # the limit is counted over 2 minutes
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
    rate_limit_wait: float = 300.0  # after a 429 without Retry-After; Contracts Finder's 403 ban lasts 5 minutes
    max_wait: float = 900.0  # never sleep longer than this, whatever Retry-After says
    pause: float = 0.0  # at least this many seconds between the starts of two requests (retries too)
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic  # for pacing
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))  # for Retry-After dates


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
    full: bool = False  # the first page was full and nothing was saved (``download(full_at=...)``)
    windows: int = 0  # harvest: windows of the range, after splitting
    windows_done: int = 0
    splits: int = 0


class Pacer:
    """Keeps the starts of two requests at least ``interval`` seconds apart, retries included.

    Time already spent (a slow answer, a Retry-After wait) counts, so a wait is only what is left.
    """

    def __init__(self, interval: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.interval > 0 and self.last is not None:
            delay = self.interval - (self.clock() - self.last)
            if delay > 0:
                self.sleep(delay)
        self.last = self.clock()

    def paced(self, get: Callable[[str, float], Response]) -> Callable[[str, float], Response]:
        def call(url: str, timeout: float) -> Response:
            self.wait()
            return get(url, timeout)

        return call


# --------------------------------------------------------------------------- URLs and folders


def stamp(when: dt.date | dt.datetime, end_of_day: bool = False) -> str:
    """``YYYY-MM-DDTHH:MM:SS``: the form both APIs document (Find a Tender allows 19 characters).

    A date is its first second, or its last with ``end_of_day``; a date-time is itself.
    """
    if isinstance(when, dt.datetime):
        return when.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{when.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}"


@dataclass(frozen=True)
class Query:
    """What is asked of one API, whatever the time span: the span is given per URL."""

    source: Source
    base_url: str | None = None
    stages: str = ""
    limit: int = 100

    def url(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> str:
        """The first page's URL for a span (dates: whole days); later pages come from ``links.next``."""
        params = {self.source.from_param: stamp(start), self.source.to_param: stamp(end, end_of_day=True)}
        if self.stages:
            params["stages"] = self.stages
        params["limit"] = str(self.limit)
        base = (self.base_url or self.source.base_url).rstrip("/")
        return f"{base}{self.source.path}?{urllib.parse.urlencode(params, safe=':,')}"


def search_url(
    source: Source, start: dt.date, end: dt.date, *, base_url: str | None = None, stages: str = "", limit: int = 100
) -> str:
    """The first page's URL for a date range; later pages come from ``links.next``."""
    return Query(source, base_url, stages, limit).url(start, end)


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

    Retried: 429 (waiting Retry-After when given, else ``rate_limit_wait``), Contracts Finder's
    rate-limit 403, 5xx, network errors, timeouts and bodies that are truncated or not JSON.
    Other 4xx fail at once.
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
                wait = retry_after(resp.headers, policy.now())
                if wait is None:
                    wait = policy.rate_limit_wait
            elif resp.status >= 500:
                reason = f"HTTP {resp.status}"
                wait = retry_after(resp.headers, policy.now())
            else:
                snippet = clean_text(resp.body[:200].decode("utf-8", errors="replace"))
                raise FetchError(f"{url} answered HTTP {resp.status}: {snippet}")
        if attempt == policy.max_attempts:
            break
        delay = min(policy.max_wait, wait if wait is not None else backoff(attempt, policy))
        warn(f"{reason}; retrying {url} in {delay:.1f} s (attempt {attempt + 1} of {policy.max_attempts})")
        policy.sleep(delay)
    raise FetchError(f"gave up on {url} after {policy.max_attempts} attempts; last error: {reason}")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port made explicit, for comparing sites."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def next_link(package: dict, current_url: str, api_url: str | None = None) -> str | None:
    """The next page's URL from ``links.next`` (made absolute), or None on the last page.

    With ``api_url``, a link to another scheme or host than the API's is refused (FetchError):
    a page must not send the client, and whatever it would send with it, somewhere else.
    """
    links = package.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if not isinstance(nxt, str) or not nxt.strip():
        return None
    url = urllib.parse.urljoin(current_url, nxt.strip())
    if api_url is not None and origin(url) != origin(api_url):
        scheme, host, port = origin(api_url)
        raise FetchError(
            f"{current_url} gives a next page on another site ({url}); only links on the API's own "
            f"{scheme}://{host}:{port} are followed"
        )
    return url


# --------------------------------------------------------------------------- a whole range


def _refuse_other(folder: Path, other: str | None, refresh: bool) -> None:
    """A folder holding another query's pages is not mixed with this one's unless told to replace it."""
    if other and not refresh:
        raise FetchError(
            f"{folder} holds a download of another query ({other}); "
            "use --refresh to replace it or --out for another folder"
        )


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
    pacer: Pacer | None = None,
    full_at: int | None = None,
) -> FetchResult:
    """Follow ``links.next`` from ``first_url``, saving each page, resuming a stopped run.

    ``.state.json`` is rewritten after every saved page, so a run that stops (error, Ctrl-C)
    resumes at the first unsaved page, and a finished run is recognised and not repeated
    (``refresh`` starts over). ``progress=None`` shows the bar only on a terminal. ``pacer``
    spaces the requests (made from ``policy.pause`` when not given; a harvest shares one).
    With ``full_at``, a first page holding that many releases is not saved: the result says
    ``full`` and the caller asks for a shorter span instead of trusting the cursor.
    """
    policy = policy or RetryPolicy()
    folder = Path(folder)
    state = _resume(folder, first_url, refresh)
    result = FetchResult(folder, state["pages"], state["release_count"], complete=state["complete"])
    if state["complete"]:
        result.already_complete = True
        return result

    get = (pacer or Pacer(policy.pause, policy.clock, policy.sleep)).paced(get)
    show = sys.stderr.isatty() if progress is None else progress
    url = state["next_url"]
    with tqdm(
        total=None, initial=state["pages"], unit="page", desc=folder.name, disable=not show, file=sys.stderr
    ) as bar:
        bar.set_postfix(releases=state["release_count"])
        warn = (lambda message: bar.write(message, file=sys.stderr)) if show else log.warning
        while url:
            package, data, requests = fetch_page(url, policy, get, warn=warn)
            result.requests += requests
            if full_at and not state["pages"] and len(package["releases"]) >= full_at:
                result.full = True
                break
            url = _save_page(folder, state, url, package, data, result, first_url)
            bar.update(1)
            bar.set_postfix(releases=state["release_count"])
    return result


def _resume(folder: Path, first_url: str, refresh: bool) -> dict:
    """The saved progress of this query in ``folder``, or a fresh start; never another query's pages."""
    folder.mkdir(parents=True, exist_ok=True)
    state = load_state(folder)
    plan = load_plan(folder)
    other = None
    if plan:
        other = f"{plan['query']} in windows of {plan.get('window_hours')} h"
    elif state and state["first_url"] != first_url:
        other = state["first_url"]
    _refuse_other(folder, other, refresh)
    if state is None or refresh or plan:
        clear_range(folder)
        state = _start_afresh(folder, first_url)
    return state


def _save_page(
    folder: Path, state: dict, url: str, package: dict, data: bytes, result: FetchResult, api_url: str
) -> str | None:
    """Save one page and the progress after it, so a stopped run resumes after it; the next URL.

    A page naming itself as next, or an empty page with a next link, would loop for ever: the
    first is an error, the second is taken as the last page. A page whose next link leaves the
    API's site is refused before it is saved, so a resumed run asks for it again.
    """
    number = state["pages"] + 1
    releases = len(package["releases"])
    nxt = next_link(package, url, api_url)
    if nxt == url:
        raise FetchError(f"{url} names itself as the next page; stopping to avoid a loop")
    write_atomic(page_path(folder, number), data)
    if nxt and not releases:
        result.warnings.append(f"{url} has no releases but a next link; treated as the last page")
        nxt = None
    state.update(pages=number, release_count=state["release_count"] + releases, next_url=nxt, complete=nxt is None)
    save_state(folder, state)
    result.pages, result.releases, result.complete = number, state["release_count"], state["complete"]
    result.pages_this_run += 1
    return nxt


# --------------------------------------------------------------------------- a range in windows

HARVEST_STATE = ".harvest.json"  # the plan of a harvest, in its range folder (a dot-file, as .state.json)
MIN_WINDOW = dt.timedelta(minutes=1)  # a full window shorter than twice this is paged by cursor instead


def windows(start: dt.date, end: dt.date, hours: float) -> list[tuple[dt.datetime, dt.datetime]]:
    """The days ``start``..``end`` in spans of ``hours``.

    Each span ends where the next begins and both bounds are sent, so a release stamped on a
    boundary, or between two whole seconds, is in one window or two, never in none.
    """
    step = dt.timedelta(hours=hours)
    t, stop = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    spans = []
    while t < stop:
        spans.append((t, min(t + step, stop)))
        t += step
    return spans


def halves(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """A span cut in two at a whole second."""
    middle = start + dt.timedelta(seconds=(end - start).total_seconds() // 2)
    return [(start, middle), (middle, end)]


def window_name(start: dt.datetime, end: dt.datetime) -> str:
    """A window's folder name (no colons, which Windows refuses in names)."""
    return f"{start:%Y%m%dT%H%M%S}_{end:%Y%m%dT%H%M%S}"


def _window(start: dt.datetime, end: dt.datetime) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat(), "done": False}


def _span(window: dict) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.fromisoformat(window["from"]), dt.datetime.fromisoformat(window["to"])


def load_plan(folder: Path) -> dict | None:
    """The saved plan of a harvest in a range folder, or None."""
    try:
        plan = json.loads((Path(folder) / HARVEST_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return plan if isinstance(plan, dict) and isinstance(plan.get("windows"), list) and "query" in plan else None


def _save_plan(folder: Path, plan: dict) -> None:
    plan["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_atomic(folder / HARVEST_STATE, (json.dumps(plan, indent=2) + "\n").encode("utf-8"))


def _forget(folder: Path) -> None:
    """Remove one download's pages and state (and its folder when nothing else is in it)."""
    for path in page_files(folder):
        path.unlink()
    (folder / STATE_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def clear_range(folder: Path) -> None:
    """Forget whatever was downloaded in a range folder: its own pages, or a harvest's windows."""
    plan = load_plan(folder)
    for window in (plan or {}).get("windows", []):
        _forget(folder / window_name(*_span(window)))
    for path in page_files(folder):
        path.unlink()
    (folder / STATE_NAME).unlink(missing_ok=True)
    (folder / HARVEST_STATE).unlink(missing_ok=True)


def _plan(folder: Path, query: Query, start: dt.date, end: dt.date, hours: float, refresh: bool) -> dict:
    """The saved plan of this harvest, or a new one; another query's files need ``refresh``."""
    key = {"query": query.url(start, end), "window_hours": hours}
    folder.mkdir(parents=True, exist_ok=True)
    plan, state = load_plan(folder), load_state(folder)
    other = None
    if state:
        other = f"{state['first_url']}, paged by cursor"
    elif plan and {k: plan.get(k) for k in key} != key:
        other = f"{plan['query']} in windows of {plan.get('window_hours')} h"
    _refuse_other(folder, other, refresh)
    if plan is None or other or refresh:
        clear_range(folder)
        plan = {**key, "windows": [_window(a, b) for a, b in windows(start, end, hours)], "splits": 0}
        _save_plan(folder, plan)
    return plan


def _due(window: dict, run_started: str) -> bool:
    """Whether a window is to be asked for in this run: not done, or done before it had ended
    (it may have grown), and already begun (a window in the future is left for a later run)."""
    if window["from"] >= run_started[:19]:
        return False
    return not window["done"] or (not window.get("final") and window.get("fetched", "") < run_started)


@dataclass
class Harvest:
    """One run over a plan: where pages go, how to ask, and what the run did."""

    folder: Path
    query: Query
    plan: dict
    policy: RetryPolicy
    get: Callable[[str, float], Response]
    pacer: Pacer
    min_window: dt.timedelta
    result: FetchResult

    def window(self, i: int) -> None:
        """Fetch window ``i`` (resuming its cursor), or replace it by its halves when it is full."""
        window = self.plan["windows"][i]
        start, end = _span(window)
        splittable = end - start >= 2 * self.min_window
        sub = self.folder / window_name(start, end)
        again = window["done"]  # fetched before it had ended: its pages are replaced
        if again:
            window["done"] = False
            _save_plan(self.folder, self.plan)
        got = download(
            self.query.url(start, end), sub, policy=self.policy, refresh=again, progress=False,
            get=self.get, pacer=self.pacer, full_at=self.query.limit if splittable else None,
        )  # fmt: skip
        self.result.requests += got.requests
        if got.full:
            _forget(sub)
            self.plan["windows"][i : i + 1] = [_window(a, b) for a, b in halves(start, end)]
            self.plan["splits"] += 1
            return
        now = self.policy.now()
        window.update(done=True, final=end.replace(tzinfo=dt.UTC) <= now, fetched=now.isoformat(timespec="seconds"))
        window.update(pages=got.pages, releases=got.releases)
        self.result.pages_this_run += got.pages_this_run
        self.result.warnings += got.warnings
        if not splittable and got.pages > 1:
            self.result.warnings.append(
                f"window {sub.name} was still full when {end - start} long: its {got.pages} pages were paged by cursor"
            )

    def summarise(self) -> FetchResult:
        done = [w for w in self.plan["windows"] if w["done"]]
        self.result.pages = sum(w["pages"] for w in done)
        self.result.releases = sum(w["releases"] for w in done)
        self.result.windows, self.result.windows_done = len(self.plan["windows"]), len(done)
        self.result.splits = self.plan["splits"]
        self.result.complete = len(done) == len(self.plan["windows"])
        return self.result


def harvest(
    query: Query,
    start: dt.date,
    end: dt.date,
    folder: Path,
    *,
    window_hours: float,
    policy: RetryPolicy | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    get: Callable[[str, float], Response] = http_get,
    min_window: dt.timedelta = MIN_WINDOW,
) -> FetchResult:
    """Fetch the days ``start``..``end`` as windows of ``window_hours``, one query each.

    A window whose first page comes back full (``query.limit`` releases) is split in two, again
    and again down to ``min_window``, rather than paged by a cursor that skips releases. The
    plan (``.harvest.json``) is saved after every window and each window is a resumable
    ``download`` of its own, so a stopped run resumes in the window, at the page, it stopped at;
    a finished window is not asked for again unless it ended after it was fetched.
    """
    policy = policy or RetryPolicy()
    folder = Path(folder)
    plan = _plan(folder, query, start, end, window_hours, refresh)
    pacer = Pacer(policy.pause, policy.clock, policy.sleep)
    run = Harvest(folder, query, plan, policy, get, pacer, min_window, FetchResult(folder, 0, 0))
    run_started = policy.now().isoformat(timespec="seconds")
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(plan["windows"]), unit="window", desc=folder.name, disable=not show, file=sys.stderr) as bar:
        while (i := next((n for n, w in enumerate(plan["windows"]) if _due(w, run_started)), None)) is not None:
            run.window(i)
            _save_plan(folder, plan)
            bar.total = len(plan["windows"])
            bar.update(sum(w["done"] for w in plan["windows"]) - bar.n)
            bar.set_postfix(releases=run.summarise().releases)
    result = run.summarise()
    result.already_complete = result.complete and result.requests == 0
    return result


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
    for path in sorted(Path(folder).rglob(PAGE_GLOB)):  # a harvest keeps its pages in window folders
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
