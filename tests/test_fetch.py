"""``etl.fetch`` against a local stand-in for the APIs: never the internet.

A ThreadingHTTPServer on 127.0.0.1 (port 0) replays the recorded pages in tests/fixtures/fetch/
and injects faults per request count (a "plan"), so retries, resumption and giving up are tested
with exact request counts. Backoff sleeps are recorded by an injected ``sleep``, never slept.

For harvesting by windows the same server also answers from a "feed" of releases, filtering by
the query's from/to times and paging by an offset cursor, as the APIs do; it can skip a release
per page over long ranges (the Find a Tender cursor fault) and give next links on another site.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etl import fetch
from etl.commands import fetch as fetch_command
from etl.fetch import SOURCES, FetchError, Response, RetryPolicy

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
CF, FTS = SOURCES["contracts_finder"], SOURCES["find_a_tender"]
JAN_1, JAN_31 = dt.date(2024, 1, 1), dt.date(2024, 1, 31)

# (path, cursor) -> recorded page
ROUTES = {
    (CF.path, None): "cf-page-1",
    (CF.path, "MTAw"): "cf-page-2",
    (CF.path, "MjAw"): "cf-page-3",
    (FTS.path, None): "fts-page-1",
    (FTS.path, "MQ=="): "fts-page-2",
}
RATE_LIMIT_PAGE = (
    b"<html><body><h1>Request forbidden</h1><p>The request rate limit may have been exceeded.</p></body></html>"
)


class Replay:
    """What the stand-in serves: recorded pages, with faults planned per page and attempt.

    ``plan[page]`` lists the faults for that page's first requests, in order; ``always[page]``
    is a fault for every request. Faults: "429", "429:<seconds>", "429date:<HTTP date>", "429bare"
    (no Retry-After), "403rate", "404", "500",
    "503", "truncated" (half a body, honest length), "cut" (half a body, full Content-Length),
    "drop" (close without answering), "slow" (answer after 1 s).
    """

    def __init__(self) -> None:
        self.origin = ""
        self.plan: dict[str, list[str]] = {}
        self.always: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (page, query)
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.feed: list[dict] | None = None  # releases to answer windowed queries from, by "date"
        self.skip_over: dt.timedelta | None = None  # over longer spans the cursor skips a release per page
        self.next_origin: str | None = None  # the site the feed's next links name (default: this server)

    def page_bytes(self, page: str) -> bytes:
        """The recorded page with the live origin rewritten to this server's."""
        text = (FIXTURES / f"{page}.json").read_text(encoding="utf-8")
        for source in SOURCES.values():
            text = text.replace(source.base_url, self.origin)
        return text.encode("utf-8")

    def pages(self) -> list[str]:
        return [page for page, _ in self.requests]

    def reset(self) -> None:
        self.plan.clear()
        self.always.clear()
        self.requests.clear()
        self.counts.clear()

    def feed_key(self, path: str, query: dict[str, str]) -> str | None:
        """``<from>..<to>`` (``@<cursor>`` after the first page) when the feed answers this query."""
        source = next((s for s in SOURCES.values() if s.path == path), None)
        if self.feed is None or source is None or source.from_param not in query:
            return None
        cursor = query.get("cursor")
        return f"{query[source.from_param]}..{query[source.to_param]}" + (f"@{cursor}" if cursor else "")

    def feed_bytes(self, path: str, query: dict[str, str]) -> bytes:
        """The feed's releases dated within the query's span (both bounds included), one page of them."""
        source = next(s for s in SOURCES.values() if s.path == path)
        low, high = query[source.from_param], query[source.to_param]
        found = [r for r in self.feed if low <= r["date"][:19] <= high]
        offset, limit = int(query.get("cursor") or 0), int(query.get("limit", 100))
        package: dict = {"version": "1.1", "releases": found[offset : offset + limit]}
        span = dt.datetime.fromisoformat(high) - dt.datetime.fromisoformat(low)
        after = offset + limit + (1 if self.skip_over and span > self.skip_over else 0)
        if after < len(found):
            params = urllib.parse.urlencode({**query, "cursor": str(after)}, safe=":")
            package["links"] = {"next": f"{self.next_origin or self.origin}{path}?{params}"}
        return json.dumps(package).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        replay: Replay = self.server.replay
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        feed_key = replay.feed_key(url.path, query)
        page = feed_key or ROUTES.get((url.path, query.get("cursor")), "unknown")
        with replay.lock:
            replay.requests.append((page, query))
            replay.counts[page] += 1
            planned = replay.plan.get(page, [])
            attempt = replay.counts[page]
            fault = replay.always.get(page) or (planned[attempt - 1] if attempt <= len(planned) else None)
        if page == "unknown" or fault == "404":
            return self.answer(404, b"Not found", "text/plain")
        body = replay.feed_bytes(url.path, query) if feed_key else replay.page_bytes(page)
        if fault is None:
            return self.answer(200, body)
        if fault.startswith("429date:"):  # Retry-After as an HTTP date
            return self.answer(429, b"Too many requests", "text/plain", {"Retry-After": fault.partition(":")[2]})
        if fault == "429bare":  # no Retry-After at all
            return self.answer(429, b"Too many requests", "text/plain")
        if fault.startswith("429"):
            return self.answer(429, b"Too many requests", "text/plain", {"Retry-After": fault.partition(":")[2] or "0"})
        if fault == "403rate":
            return self.answer(403, RATE_LIMIT_PAGE, "text/html")
        if fault in {"500", "503"}:
            return self.answer(int(fault), b"<html>Service unavailable</html>", "text/html")
        if fault == "truncated":
            return self.answer(200, body[: len(body) // 2])
        if fault == "cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return None
        if fault == "drop":
            self.close_connection = True
            return None
        if fault == "slow":
            time.sleep(1.0)
            with contextlib.suppress(OSError):  # the client gave up already
                self.answer(200, body)
            return None
        raise AssertionError(f"unknown fault {fault}")

    def answer(self, status: int, body: bytes, ctype: str = "application/json", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Any connection to anywhere but this machine fails the test."""
    real = socket.create_connection

    def local_only(address, *args, **kwargs):
        assert address[0] in {"127.0.0.1", "localhost"}, f"test tried to reach {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)
    monkeypatch.delenv(CF.env, raising=False)
    monkeypatch.delenv(FTS.env, raising=False)


@pytest.fixture
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.replay = Replay()
    httpd.replay.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd.replay
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def policy(sleeps) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=4, timeout=5, base_delay=0.01, max_delay=0.05, rate_limit_wait=0.5, sleep=sleeps.append
    )


def cf_url(replay: Replay, **kwargs) -> str:
    return fetch.search_url(CF, JAN_1, JAN_31, base_url=replay.origin, **kwargs)


def state(folder: Path) -> dict:
    return json.loads((folder / fetch.STATE_NAME).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- whole downloads


def test_follows_cursors_through_429_500_and_truncated_bodies(server, policy, sleeps, tmp_path):
    server.plan = {"cf-page-1": ["429"], "cf-page-2": ["500", "truncated"], "cf-page-3": ["cut"]}
    result = fetch.download(cf_url(server), tmp_path, policy=policy)

    assert server.pages() == ["cf-page-1"] * 2 + ["cf-page-2"] * 3 + ["cf-page-3"] * 2
    assert result.requests == 7
    assert (result.pages, result.pages_this_run, result.releases, result.complete) == (3, 3, 8, True)
    saved = fetch.page_files(tmp_path)
    assert [p.name for p in saved] == ["page-00001.json", "page-00002.json", "page-00003.json"]
    for n, path in enumerate(saved, 1):
        assert path.read_bytes() == server.page_bytes(f"cf-page-{n}")  # kept raw, byte for byte
    assert sleeps[0] == 0  # Retry-After: 0 honoured
    assert len(sleeps) == 4 and all(s <= 0.05 for s in sleeps)
    assert state(tmp_path) | {"updated": None} == {
        "first_url": cf_url(server),
        "next_url": None,
        "pages": 3,
        "release_count": 8,
        "complete": True,
        "updated": None,
    }
    assert not list(tmp_path.glob("*.tmp"))  # no temporary files left behind
    first_query = server.requests[0][1]
    assert first_query == {"publishedFrom": "2024-01-01T00:00:00", "publishedTo": "2024-01-31T23:59:59", "limit": "100"}
    assert server.requests[-1][1]["cursor"] == "MjAw"


def test_the_build_reads_saved_pages_and_not_the_state_file(server, policy, tmp_path):
    detect = pytest.importorskip("etl.extract.detect")
    fetch.download(cf_url(server), tmp_path, policy=policy)
    assert detect.detect_kind(tmp_path / "page-00001.json") == "ocds_release_package"
    assert detect.detect_kind(tmp_path / fetch.STATE_NAME) is None


def test_dropped_connections_and_timeouts_are_retried(server, sleeps, tmp_path):
    server.plan = {"cf-page-1": ["drop"], "cf-page-2": ["slow"], "cf-page-3": ["503"]}
    policy = RetryPolicy(max_attempts=2, timeout=0.3, base_delay=0.01, sleep=sleeps.append)
    started = time.monotonic()
    result = fetch.download(cf_url(server), tmp_path, policy=policy)
    assert time.monotonic() - started < 1.0  # the slow answer was not waited for
    assert server.pages() == ["cf-page-1"] * 2 + ["cf-page-2"] * 2 + ["cf-page-3"] * 2
    assert (result.pages, result.releases, result.requests) == (3, 8, 6)


def test_resumes_where_a_stopped_run_left_off(server, policy, tmp_path):
    server.always = {"cf-page-2": "500"}
    with pytest.raises(FetchError) as stopped:
        fetch.download(cf_url(server), tmp_path, policy=RetryPolicy(max_attempts=2, base_delay=0, sleep=policy.sleep))
    assert "cursor=MTAw" in str(stopped.value)
    assert server.pages() == ["cf-page-1", "cf-page-2", "cf-page-2"]
    assert [p.name for p in fetch.page_files(tmp_path)] == ["page-00001.json"]
    saved = state(tmp_path)
    assert (saved["pages"], saved["release_count"], saved["complete"]) == (1, 3, False)
    assert saved["next_url"].endswith("cursor=MTAw")

    server.reset()  # the service recovers
    result = fetch.download(cf_url(server), tmp_path, policy=policy)
    assert server.pages() == ["cf-page-2", "cf-page-3"]  # page 1 is not asked for again
    assert (result.pages, result.pages_this_run, result.releases, result.complete) == (3, 2, 8, True)

    server.reset()
    again = fetch.download(cf_url(server), tmp_path, policy=policy)
    assert server.requests == []  # a finished range is recognised
    assert (again.already_complete, again.pages, again.releases) == (True, 3, 8)


def test_gives_up_after_max_attempts_naming_the_url(server, sleeps, tmp_path):
    server.always = {"cf-page-1": "503"}
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps.append)
    url = cf_url(server)
    with pytest.raises(FetchError) as error:
        fetch.download(url, tmp_path, policy=policy)
    assert url in str(error.value)
    assert "3 attempts" in str(error.value) and "HTTP 503" in str(error.value)
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert sleeps[1] > sleeps[0] / 2  # exponential: the second delay's range starts where the first's ends
    assert fetch.page_files(tmp_path) == []


def test_client_errors_are_not_retried(server, policy, tmp_path):
    server.always = {"cf-page-1": "404"}
    url = cf_url(server)
    with pytest.raises(FetchError, match="HTTP 404") as error:
        fetch.download(url, tmp_path, policy=policy)
    assert url in str(error.value)
    assert len(server.requests) == 1


def test_waits_as_told_by_retry_after_and_the_rate_limit_403(server, policy, sleeps, tmp_path):
    server.plan = {"cf-page-1": ["429:7", "403rate"]}
    result = fetch.download(cf_url(server), tmp_path, policy=policy)
    assert sleeps == [7.0, 0.5]  # Retry-After seconds, then Contracts Finder's ban (rate_limit_wait)
    assert result.complete and result.requests == 5


def test_another_query_in_the_same_folder_needs_refresh(server, policy, tmp_path):
    fetch.download(cf_url(server, stages="award"), tmp_path, policy=policy)
    server.reset()
    with pytest.raises(FetchError, match="--refresh"):
        fetch.download(cf_url(server), tmp_path, policy=policy)
    assert server.requests == []
    result = fetch.download(cf_url(server), tmp_path, policy=policy, refresh=True)
    assert result.pages_this_run == 3 and state(tmp_path)["first_url"] == cf_url(server)


def test_progress_bar_only_when_asked_or_on_a_terminal(server, policy, tmp_path, capsys):
    fetch.download(cf_url(server), tmp_path / "quiet", policy=policy)  # pytest's stderr is not a TTY
    assert capsys.readouterr().err == ""
    fetch.download(cf_url(server), tmp_path / "bar", policy=policy, progress=True)
    assert "3page" in capsys.readouterr().err.replace(" ", "")


# --------------------------------------------------------------------------- command line


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    fetch_command.add_arguments(parser)
    return fetch_command.run(parser.parse_args(argv))


def test_main_fetches_and_counts_london_buyers(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(CF.env, server.origin)  # the base URL from the environment
    argv = ["--from", "2024-01-01", "--to", "2024-01-31", "--out", str(tmp_path), "--pause", "0", "--backoff", "0"]
    server.plan = {"cf-page-2": ["500"]}
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    assert "fetched 3 pages in 4 requests" in out
    assert "8 releases; 5 have a London borough buyer (5 boroughs)" in out
    folder = tmp_path / "contracts_finder" / "2024-01-01_2024-01-31"
    assert (folder / "page-00003.json").is_file() and state(folder)["complete"]

    server.reset()
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    assert "already complete" in out and "8 releases; 5 have a London borough buyer" in out
    assert server.requests == []


def test_main_says_how_to_resume_when_it_stops(server, tmp_path, capsys):
    server.always = {"cf-page-2": "503"}
    argv = ["--from", "2024-01-01", "--to", "2024-01-31", "--out", str(tmp_path), "--base-url", server.origin]
    assert run_main([*argv, "--max-attempts", "1", "--pause", "0"]) == 1
    err = capsys.readouterr().err
    assert f"{server.origin}{CF.path}?" in err and "cursor=MTAw" in err
    assert "1 pages are saved" in err and "run the same command again" in err


def test_main_find_a_tender_by_cursor_when_asked(server, tmp_path, capsys):
    argv = ["--source", "find_a_tender", "--from", "2024-01-01", "--to", "2024-01-31", "--out", str(tmp_path)]
    assert run_main([*argv, "--base-url", server.origin, "--pause", "0", "--window-hours", "0"]) == 0
    assert server.pages() == ["fts-page-1", "fts-page-2"]
    assert server.requests[0][1] == {
        "updatedFrom": "2024-01-01T00:00:00",
        "updatedTo": "2024-01-31T23:59:59",
        "limit": "100",
    }
    assert "2 releases; 1 have a London borough buyer" in capsys.readouterr().out
    assert (tmp_path / "find_a_tender" / "2024-01-01_2024-01-31" / "page-00002.json").is_file()


def test_main_rejects_a_backwards_range(tmp_path, capsys):
    assert run_main(["--from", "2024-02-01", "--to", "2024-01-01", "--out", str(tmp_path)]) == 2
    assert "after" in capsys.readouterr().err


# --------------------------------------------------------------------------- pieces


def test_search_url_matches_the_documented_form():
    url = fetch.search_url(CF, JAN_1, JAN_31, stages="tender,award", limit=50)
    assert url == (
        "https://www.contractsfinder.service.gov.uk/Published/Notices/OCDS/Search"
        "?publishedFrom=2024-01-01T00:00:00&publishedTo=2024-01-31T23:59:59&stages=tender,award&limit=50"
    )
    assert fetch.search_url(FTS, JAN_1, JAN_31, base_url="http://127.0.0.1:9/").startswith(
        "http://127.0.0.1:9/api/1.0/ocdsReleasePackages?updatedFrom=2024-01-01T00:00:00&updatedTo="
    )


def test_retry_after_seconds_and_dates():
    now = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert fetch.retry_after({"Retry-After": "0"}) == 0
    assert fetch.retry_after({"retry-after": "120"}) == 120
    assert fetch.retry_after({"Retry-After": "Mon, 01 Jan 2024 12:00:30 GMT"}, now=now) == 30
    assert fetch.retry_after({"Retry-After": "soon"}) is None
    assert fetch.retry_after({}) is None


def test_backoff_grows_with_jitter_and_a_cap():
    low = RetryPolicy(base_delay=1, max_delay=10, rand=lambda: 0.0)
    high = RetryPolicy(base_delay=1, max_delay=10, rand=lambda: 1.0)
    assert [fetch.backoff(n, low) for n in (1, 2, 3, 6)] == [0.5, 1, 2, 5]
    assert [fetch.backoff(n, high) for n in (1, 2, 3, 6)] == [1, 2, 4, 10]


def test_retry_after_is_capped_by_max_wait():
    answers = iter([Response(429, {"Retry-After": "86400"}, b""), Response(200, {}, b'{"releases": []}')])
    sleeps: list[float] = []
    policy = RetryPolicy(max_wait=5, sleep=sleeps.append)
    package, _, requests = fetch.fetch_page("http://127.0.0.1:9/x", policy, lambda url, timeout: next(answers))
    assert (package, requests, sleeps) == ({"releases": []}, 2, [5])


def test_a_page_of_something_else_is_retried_then_reported():
    calls = []

    def get(url, timeout):
        calls.append(url)
        return Response(200, {}, b'{"message": "maintenance"}')

    with pytest.raises(FetchError, match="not an OCDS release package"):
        fetch.fetch_page("http://127.0.0.1:9/x", RetryPolicy(max_attempts=2, sleep=lambda s: None), get)
    assert len(calls) == 2


def test_a_body_that_is_not_utf8_is_saved_as_utf8():
    body = '{"releases": [{"buyer": {"name": "Caf\u00e9 Council"}}]}'.encode("cp1252")
    package, keep = fetch.parse_package(body)
    assert package["releases"][0]["buyer"]["name"] == "Caf\u00e9 Council"
    assert keep.decode("utf-8") == body.decode("cp1252")


def test_next_link_is_made_absolute():
    assert fetch.next_link({"links": {"next": "?cursor=AB"}}, "http://h/p?x=1") == "http://h/p?cursor=AB"
    assert fetch.next_link({"links": {"next": ""}}, "http://h/p") is None
    assert fetch.next_link({}, "http://h/p") is None


def test_buyer_name_falls_back_to_the_buyer_party():
    assert fetch.london_buyer({"buyer": {"name": "Hammersmith &amp; Fulham Council"}}) == "E09000013"
    assert (
        fetch.buyer_name({"parties": [{"name": "S", "roles": ["supplier"]}, {"name": "B", "roles": ["buyer"]}]}) == "B"
    )
    assert fetch.london_buyer({"buyer": {"name": "Transport for London"}}) is None
    assert fetch.london_buyer({}) is None


def test_write_atomic_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "page-00001.json"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fetch.os, "replace", broken_replace)
    with pytest.raises(OSError):
        fetch.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


# --------------------------------------------------------------------------- harvesting by windows

DAY = dt.date(2024, 1, 1)
# releases per span of 2024-01-01, dated at 7 s past a minute (never on a window boundary):
# 00-06: 4; 06-12: 15 (06-09: 3, 09-10:30: 8, 10:30-12: 4); 12-18: 10 (12-15: 6, 15-18: 4); 18-24: none
FEED_TIMES = (
    ["01:00", "02:00", "03:00", "04:00"]
    + ["06:30", "07:30", "08:30"]
    + [f"{9 + m // 60:02d}:{m % 60:02d}" for m in range(5, 85, 10)]
    + ["10:35", "10:55", "11:15", "11:35"]
    + ["12:10", "12:40", "13:10", "13:40", "14:10", "14:40"]
    + ["15:10", "15:50", "16:30", "17:10"]
)
LIMIT = 10
NOW = dt.datetime(2024, 1, 2, 12, 0, tzinfo=dt.UTC)  # every window of the day has ended


def feed_release(n: int, hhmm: str) -> dict:
    buyer = "London Borough of Camden" if n % 3 == 0 else "NHS North East London ICB"
    return {
        "ocid": f"ocds-h6vhtk-{n:06d}",
        "id": f"{n:06d}-2024",
        "date": f"2024-01-01T{hhmm}:07Z",
        "tag": ["tender"],
        "buyer": {"name": buyer},
        "tender": {"title": f"Notice {n}"},
    }


FEED = [feed_release(n, hhmm) for n, hhmm in enumerate(FEED_TIMES, 1)]


def span(start: str, end: str) -> str:
    """The feed key of a window of 2024-01-01 given as HH:MM (24:00 is the next midnight)."""

    def stamp(hhmm: str) -> str:
        when = dt.datetime(2024, 1, 1) + dt.timedelta(hours=int(hhmm[:2]), minutes=int(hhmm[3:]))
        return when.strftime("%Y-%m-%dT%H:%M:%S")

    return f"{stamp(start)}..{stamp(end)}"


SPLIT_REQUESTS = [  # what a 6-hour harvest of FEED asks for, in order, at 10 releases a page
    span("00:00", "06:00"),
    span("06:00", "12:00"),  # full: split
    span("06:00", "09:00"),
    span("09:00", "12:00"),  # full: split
    span("09:00", "10:30"),
    span("10:30", "12:00"),
    span("12:00", "18:00"),  # exactly 10, at the limit: split
    span("12:00", "15:00"),
    span("15:00", "18:00"),
    span("18:00", "24:00"),
]
FINAL_WINDOWS = [
    "20240101T000000_20240101T060000",
    "20240101T060000_20240101T090000",
    "20240101T090000_20240101T103000",
    "20240101T103000_20240101T120000",
    "20240101T120000_20240101T150000",
    "20240101T150000_20240101T180000",
    "20240101T180000_20240102T000000",
]


class FakeClock:
    """Time that passes only when slept, so pacing waits are exact."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += seconds


@pytest.fixture
def feed(server):
    server.feed = FEED
    return server


def fts_query(replay: Replay) -> fetch.Query:
    return fetch.Query(FTS, replay.origin, limit=LIMIT)


def saved_ids(folder: Path) -> list[str]:
    return sorted(r["id"] for path in folder.rglob("page-*.json") for r in json.loads(path.read_bytes())["releases"])


def run_harvest(replay: Replay, folder: Path, policy: RetryPolicy, **kwargs) -> fetch.FetchResult:
    return fetch.harvest(fts_query(replay), DAY, DAY, folder, window_hours=6, policy=policy, **kwargs)


def test_windows_cover_the_range_sharing_their_bounds():
    spans = fetch.windows(DAY, dt.date(2024, 1, 2), 10)
    assert [(a.isoformat(), b.isoformat()) for a, b in spans] == [
        ("2024-01-01T00:00:00", "2024-01-01T10:00:00"),
        ("2024-01-01T10:00:00", "2024-01-01T20:00:00"),
        ("2024-01-01T20:00:00", "2024-01-02T06:00:00"),
        ("2024-01-02T06:00:00", "2024-01-02T16:00:00"),
        ("2024-01-02T16:00:00", "2024-01-03T00:00:00"),
    ]
    start, end = dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 10, 30, 1)
    assert fetch.halves(start, end) == [(start, dt.datetime(2024, 1, 1, 9, 45)), (dt.datetime(2024, 1, 1, 9, 45), end)]
    assert fetch.Query(FTS, "http://127.0.0.1:9", limit=10).url(start, end) == (
        "http://127.0.0.1:9/api/1.0/ocdsReleasePackages"
        "?updatedFrom=2024-01-01T09:00:00&updatedTo=2024-01-01T10:30:01&limit=10"
    )


def test_a_full_window_is_split_until_each_fits_in_a_page(feed, tmp_path):
    policy = RetryPolicy(now=lambda: NOW, sleep=[].append)
    result = run_harvest(feed, tmp_path, policy)

    assert feed.pages() == SPLIT_REQUESTS  # a full first page is never followed by cursor
    assert (result.requests, result.pages, result.pages_this_run, result.releases) == (10, 7, 7, 29)
    assert (result.windows, result.windows_done, result.splits, result.complete) == (7, 7, 3, True)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == FINAL_WINDOWS
    assert saved_ids(tmp_path) == sorted(r["id"] for r in FEED)  # every release, once
    assert [len(json.loads((tmp_path / w / "page-00001.json").read_bytes())["releases"]) for w in FINAL_WINDOWS] == [
        4, 3, 8, 4, 6, 4, 0,
    ]  # fmt: skip
    plan = fetch.load_plan(tmp_path)
    assert plan["query"] == fts_query(feed).url(DAY, DAY) and plan["splits"] == 3
    assert [fetch.window_name(*fetch._span(w)) for w in plan["windows"]] == FINAL_WINDOWS
    assert all(w["done"] and w["final"] for w in plan["windows"])
    detect = pytest.importorskip("etl.extract.detect")
    assert detect.detect_kind(tmp_path / fetch.HARVEST_STATE) is None  # the build never reads the plan


def test_the_cursor_over_a_long_range_loses_releases_that_windows_keep(feed, tmp_path):
    feed.skip_over = dt.timedelta(hours=6)  # the Find a Tender cursor fault, as modelled here
    cursor = fetch.download(fts_query(feed).url(DAY, DAY), tmp_path / "cursor", policy=RetryPolicy(sleep=[].append))
    assert cursor.releases == 27  # pages at offsets 0, 11, 22: the 11th and 22nd releases are lost
    assert sorted({r["id"] for r in FEED} - set(saved_ids(tmp_path / "cursor"))) == ["000011-2024", "000022-2024"]
    feed.reset()
    windowed = run_harvest(feed, tmp_path / "windows", RetryPolicy(now=lambda: NOW, sleep=[].append))
    assert windowed.releases == 29 and saved_ids(tmp_path / "windows") == sorted(r["id"] for r in FEED)


def test_a_window_that_cannot_be_split_is_paged_by_cursor(feed, tmp_path):
    policy = RetryPolicy(now=lambda: NOW, sleep=[].append)
    result = run_harvest(feed, tmp_path, policy, min_window=dt.timedelta(hours=4))
    assert feed.pages() == [
        span("00:00", "06:00"),
        span("06:00", "12:00"),
        span("06:00", "12:00") + "@10",
        span("12:00", "18:00"),
        span("18:00", "24:00"),
    ]
    assert (result.requests, result.pages, result.releases, result.splits) == (5, 5, 29, 0)
    assert result.warnings == [
        "window 20240101T060000_20240101T120000 was still full when 6:00:00 long: its 2 pages were paged by cursor"
    ]


def test_requests_are_paced_and_retry_after_is_honoured_in_seconds_and_as_a_date(feed, tmp_path):
    time_ = FakeClock()
    feed.plan = {span("06:00", "12:00"): ["429:7"], span("06:00", "09:00"): ["429date:Tue, 02 Jan 2024 12:00:30 GMT"]}
    policy = RetryPolicy(pause=11, clock=time_.clock, sleep=time_.sleep, now=lambda: NOW)
    result = run_harvest(feed, tmp_path, policy)
    assert result.requests == 12 and result.releases == 29
    assert time_.sleeps == [
        11,  # 00-06 -> 06-12: paced
        7,  # 06-12 answered 429, Retry-After: 7
        4,  # the retry waits only what is left of the 11 s
        11,  # 06-12 was full -> 06-09
        30,  # 06-09 answered 429 with Retry-After as an HTTP date, 30 s after now
        11, 11, 11, 11, 11, 11, 11,  # the retry, being 30 s on, goes at once; then 09-12 .. 18-24
    ]  # fmt: skip
    assert 120 / SOURCES["find_a_tender"].pause < 12  # the default pace stays under 12 requests per 2 minutes


def test_a_429_without_retry_after_waits_the_rate_limit_window(feed, tmp_path):
    time_ = FakeClock()
    feed.plan = {span("00:00", "06:00"): ["429bare"]}
    policy = RetryPolicy(clock=time_.clock, sleep=time_.sleep, now=lambda: NOW, rate_limit_wait=120)
    result = run_harvest(feed, tmp_path, policy)
    assert time_.sleeps == [120] and result.requests == 11


def test_a_next_link_to_another_site_is_refused(feed, tmp_path):
    feed.next_origin = "https://elsewhere.example"
    policy = RetryPolicy(now=lambda: NOW, sleep=[].append)
    with pytest.raises(FetchError) as refused:
        run_harvest(feed, tmp_path, policy, min_window=dt.timedelta(hours=4))
    message = str(refused.value)
    assert "https://elsewhere.example/api/1.0/ocdsReleasePackages?" in message
    assert f"only links on the API's own http://127.0.0.1:{feed.origin.rsplit(':', 1)[1]} are followed" in message
    assert feed.pages() == [span("00:00", "06:00"), span("06:00", "12:00")]  # never asked elsewhere
    window = tmp_path / "20240101T060000_20240101T120000"
    assert fetch.page_files(window) == []  # the page that gave the link is not kept
    assert [w["done"] for w in fetch.load_plan(tmp_path)["windows"]] == [True, False, False, False]


def test_next_link_keeps_to_the_api_scheme_and_host():
    api = "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages?updatedFrom=x"
    page = "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages?cursor=A"
    assert fetch.next_link({"links": {"next": "?cursor=B"}}, page, api) == f"{page[:-9]}?cursor=B"
    assert fetch.next_link({"links": {"next": "https://WWW.find-tender.service.gov.uk:443/x"}}, page, api) == (
        "https://WWW.find-tender.service.gov.uk:443/x"
    )
    for foreign in (
        "http://www.find-tender.service.gov.uk/x",  # another scheme
        "https://www.find-tender.service.gov.uk:8443/x",  # another port
        "https://find-tender.service.gov.uk.evil.example/x",
        "//evil.example/x",
    ):
        with pytest.raises(FetchError, match="another site"):
            fetch.next_link({"links": {"next": foreign}}, page, api)


def test_a_stopped_harvest_resumes_at_the_window_it_stopped_in(feed, tmp_path):
    feed.always = {span("12:00", "15:00"): "500"}
    stopping = RetryPolicy(max_attempts=2, base_delay=0, now=lambda: NOW, sleep=[].append)
    with pytest.raises(FetchError, match="12:00:00"):
        run_harvest(feed, tmp_path, stopping)
    assert feed.pages() == [*SPLIT_REQUESTS[:8], span("12:00", "15:00")]
    plan = fetch.load_plan(tmp_path)
    assert [(fetch.window_name(*fetch._span(w)), w["done"]) for w in plan["windows"]] == [
        *((name, True) for name in FINAL_WINDOWS[:4]),
        *((name, False) for name in FINAL_WINDOWS[4:]),
    ]

    feed.reset()  # the service recovers
    policy = RetryPolicy(now=lambda: NOW, sleep=[].append)
    result = run_harvest(feed, tmp_path, policy)
    assert feed.pages() == SPLIT_REQUESTS[7:]  # nothing done before is asked for again
    assert (result.requests, result.pages, result.pages_this_run, result.releases) == (3, 7, 3, 29)
    assert result.complete and saved_ids(tmp_path) == sorted(r["id"] for r in FEED)

    feed.reset()
    again = run_harvest(feed, tmp_path, policy)
    assert feed.requests == [] and (again.already_complete, again.pages, again.releases) == (True, 7, 29)


def test_a_harvest_stopped_inside_a_window_resumes_at_its_page(feed, tmp_path):
    feed.always = {span("06:00", "12:00") + "@10": "503"}
    stopping = RetryPolicy(max_attempts=1, now=lambda: NOW, sleep=[].append)
    with pytest.raises(FetchError, match="cursor=10"):
        run_harvest(feed, tmp_path, stopping, min_window=dt.timedelta(hours=4))
    feed.reset()
    result = run_harvest(
        feed, tmp_path, RetryPolicy(now=lambda: NOW, sleep=[].append), min_window=dt.timedelta(hours=4)
    )
    assert feed.pages() == [span("06:00", "12:00") + "@10", span("12:00", "18:00"), span("18:00", "24:00")]
    assert (result.pages, result.releases) == (5, 29)


def test_a_window_not_over_when_fetched_is_fetched_again(feed, tmp_path):
    policy = RetryPolicy(now=lambda: dt.datetime(2024, 1, 1, 13, 0, tzinfo=dt.UTC), sleep=[].append)
    early = run_harvest(feed, tmp_path, policy)
    assert early.complete is False and (early.windows_done, early.windows) == (5, 7)  # 15-18, 18-24 not begun
    assert [w.get("final") for w in fetch.load_plan(tmp_path)["windows"]] == [True] * 4 + [False] + [None] * 2
    assert feed.pages() == SPLIT_REQUESTS[:8]

    feed.reset()
    later = run_harvest(feed, tmp_path, RetryPolicy(now=lambda: NOW, sleep=[].append))
    assert feed.pages() == SPLIT_REQUESTS[7:]  # 12-15 again (open at 13:00), then the two not begun
    assert later.complete and later.releases == 29


def test_a_harvest_and_a_cursor_download_do_not_share_a_folder(feed, tmp_path):
    policy = RetryPolicy(now=lambda: NOW, sleep=[].append)
    run_harvest(feed, tmp_path, policy)
    with pytest.raises(FetchError, match="--refresh"):
        fetch.download(fts_query(feed).url(DAY, DAY), tmp_path, policy=policy)
    with pytest.raises(FetchError, match="--refresh"):
        fetch.harvest(fts_query(feed), DAY, DAY, tmp_path, window_hours=12, policy=policy)
    feed.reset()
    result = fetch.download(fts_query(feed).url(DAY, DAY), tmp_path, policy=policy, refresh=True)
    assert result.releases == 29 and sorted(p.name for p in tmp_path.iterdir()) == [
        ".state.json", "page-00001.json", "page-00002.json", "page-00003.json",
    ]  # fmt: skip


def test_main_find_a_tender_harvests_by_windows(feed, tmp_path, capsys):
    argv = ["--source", "find_a_tender", "--from", "2024-01-01", "--to", "2024-01-01", "--out", str(tmp_path)]
    argv += ["--base-url", feed.origin, "--pause", "0", "--limit", str(LIMIT)]
    assert run_main(argv) == 0
    out = capsys.readouterr().out
    assert feed.pages() == SPLIT_REQUESTS
    assert "fetched 7 pages in 10 requests over 7 windows of up to 6 h (3 split)" in out
    assert "29 releases; 9 have a London borough buyer (1 boroughs)" in out
    folder = tmp_path / "find_a_tender" / "2024-01-01_2024-01-01"
    assert (folder / FINAL_WINDOWS[2] / "page-00001.json").is_file()

    feed.reset()
    assert run_main(argv) == 0
    assert "already complete (7 pages over 7 windows of up to 6 h (3 split))" in capsys.readouterr().out
    assert feed.requests == []


def test_main_says_how_to_resume_a_harvest(feed, tmp_path, capsys):
    feed.always = {span("12:00", "15:00"): "503"}
    argv = ["--source", "find_a_tender", "--from", "2024-01-01", "--to", "2024-01-01", "--out", str(tmp_path)]
    argv += ["--base-url", feed.origin, "--pause", "0", "--limit", str(LIMIT), "--max-attempts", "1"]
    assert run_main(argv) == 1
    err = capsys.readouterr().err
    assert "updatedFrom=2024-01-01T12:00:00&updatedTo=2024-01-01T15:00:00" in err
    assert "4 of 7 windows are done (4 pages)" in err and "run the same command again to resume" in err


REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "find-a-tender-2026"
REAL_PAGES = ["2026-09-03-p001.json", "2026-09-03-p002.json"]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present (real files are not in the repo)")
def test_real_find_a_tender_releases_harvested_by_windows_load_as_the_real_pages_do(server, tmp_path):
    """The 8 real releases of 3 September 2026 served by update time, 3 a page: every one is
    fetched, and the build reads the windows' pages into the records the two real pages give."""
    extract = pytest.importorskip("etl.extract")
    pages = [json.loads((REALDATA / name).read_text(encoding="utf-8")) for name in REAL_PAGES]
    server.feed = sorted((r for page in pages for r in page["releases"]), key=lambda r: r["date"])
    day = dt.date(2026, 9, 3)
    policy = RetryPolicy(now=lambda: dt.datetime(2026, 9, 4, 12, tzinfo=dt.UTC), sleep=[].append)
    result = fetch.harvest(fetch.Query(FTS, server.origin, limit=3), day, day, tmp_path, window_hours=6, policy=policy)
    assert (result.releases, result.splits, result.windows) == (8, 8, 12)
    assert result.requests == 12 + 8  # a request per window, and one per full page set aside by a split
    assert saved_ids(tmp_path) == sorted(r["id"] for r in server.feed)

    def records(paths) -> dict:
        found = [rec for path in paths for rec in extract.read_contract_file(path).records]
        return {r["source_ref"]: {k: v for k, v in r.items() if k != "source_file"} for r in found}

    assert records(sorted(tmp_path.rglob("page-*.json"))) == records(REALDATA / name for name in REAL_PAGES)
