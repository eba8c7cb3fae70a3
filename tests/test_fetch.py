"""``etl.fetch`` against a local stand-in for the APIs: never the internet.

A ThreadingHTTPServer on 127.0.0.1 (port 0) replays the recorded pages in tests/fixtures/fetch/
and injects faults per request count (a "plan"), so retries, resumption and giving up are tested
with exact request counts. Backoff sleeps are recorded by an injected ``sleep``, never slept.
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
    is a fault for every request. Faults: "429", "429:<seconds>", "403rate", "404", "500",
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


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        replay: Replay = self.server.replay
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        page = ROUTES.get((url.path, query.get("cursor")), "unknown")
        with replay.lock:
            replay.requests.append((page, query))
            replay.counts[page] += 1
            planned = replay.plan.get(page, [])
            attempt = replay.counts[page]
            fault = replay.always.get(page) or (planned[attempt - 1] if attempt <= len(planned) else None)
        if page == "unknown" or fault == "404":
            return self.answer(404, b"Not found", "text/plain")
        body = replay.page_bytes(page)
        if fault is None:
            return self.answer(200, body)
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


def test_main_find_a_tender(server, tmp_path, capsys):
    argv = ["--source", "find_a_tender", "--from", "2024-01-01", "--to", "2024-01-31", "--out", str(tmp_path)]
    assert run_main([*argv, "--base-url", server.origin, "--pause", "0"]) == 0
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
