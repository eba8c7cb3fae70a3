"""The app as it is served: its memory, requests per second under gunicorn, and Chromium's view.

Each part runs the app in its own process (gunicorn, as ``make serve`` does), so the figures are
the server's, not the bench's: RSS after warm-up and after the runs, requests per second with 1,
2 and 4 workers (bounded: a fixed number of client threads for a fixed time, loopback only), and
in headless Chromium the first view and a filtered URL: time to a settled page, bytes
transferred (compressed, as the browser received them) and DOM nodes.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RSS_BUDGET = {"London": 250.0, "UK": 400.0}  # MB
TRANSFER_BUDGET = 1.5 * 1024 * 1024  # bytes, first page, compressed
SETTLED_BUDGET_MS = {"London": 1000.0, "UK": 2000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(db: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen]]:
    """A ``make serve`` of ``db`` on a free loopback port; (base URL, the master process)."""
    port = free_port()
    env = {**os.environ, "CITYTOOLS_DB": str(db), "CITYTOOLS_HOST": "127.0.0.1", "CITYTOOLS_PORT": str(port),
           "WORKERS": str(workers)}  # fmt: skip
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:server"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/sign-in", timeout=2).read()
                break
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers), from /proc."""
    total, pids = 0, [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def requests_per_second(base: str, paths: list[str], seconds: float = 8.0, threads: int = 8) -> float:
    """Completed GETs per second from ``threads`` loopback clients over ``paths`` for ``seconds``."""
    done, stop = [0], time.monotonic() + seconds
    lock = threading.Lock()

    def client(offset: int) -> None:
        i = offset
        while time.monotonic() < stop:
            urllib.request.urlopen(base + paths[i % len(paths)], timeout=60).read()
            i += 1
            with lock:
                done[0] += 1

    workers = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0] / seconds


def ready_selector(url: str) -> str:
    """What is drawn once ``url``'s page has loaded: the clicks table's selector for its page."""
    from bench import clicks

    path = urlsplit(url).path
    return next((e.ready for e in clicks.PAGES if e.stem == path), "#content h1")


def browser_figures(base: str, filtered: str) -> dict:
    """First view and a filtered URL in headless Chromium: settled ms, compressed bytes, DOM nodes."""
    from playwright.sync_api import sync_playwright

    from bench import clicks

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, url in (("first view", base + "/"), ("filtered URL", base + filtered)):
            context = browser.new_context()
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            responses: dict[str, dict] = {}
            cdp.on("Network.responseReceived", lambda e, r=responses: r.setdefault(e["requestId"], {}).update(
                url=e["response"]["url"], encoding=_encoding(e["response"]["headers"])))  # fmt: skip
            cdp.on("Network.loadingFinished", lambda e, r=responses: r.setdefault(e["requestId"], {}).update(
                bytes=e["encodedDataLength"]))  # fmt: skip
            record = clicks.open_settled(page, url, ready_selector(url))
            page.wait_for_load_state("networkidle")  # every byte counted, though the page had settled
            sent = sum(r.get("bytes", 0) for r in responses.values())
            out[name] = {"settled_ms": record["ms"], "bytes": sent, "dom_nodes": record["nodes"],
                         "largest": _largest(responses, base)}  # fmt: skip
            context.close()
        browser.close()
    return out


def _encoding(headers: dict) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-encoding"), "none")


def _largest(responses: dict[str, dict], base: str, n: int = 4) -> str:
    """The ``n`` largest responses as the browser received them: bytes, Content-Encoding, path."""
    ranked = sorted(responses.values(), key=lambda r: -r.get("bytes", 0))[:n]
    return "; ".join(f"{r.get('bytes', 0) // 1024} KB {r.get('encoding')} {r.get('url', '?').replace(base, '')[:60]}"
                     for r in ranked)  # fmt: skip


def run(db: Path, scale: int, label: str, pages: list[str]) -> list[dict]:
    """RSS, requests per second (1, 2, 4 workers) and the browser figures, as figure dicts."""
    from bench.pages import _figure

    out = []
    for workers in (1, 2, 4):
        with gunicorn(db, workers) as (base, proc):
            for path in pages:  # warm every worker's connection and caches
                urllib.request.urlopen(base + path, timeout=120).read()
            rss_warm = tree_rss_mb(proc.pid) / (workers + 1)
            rps = requests_per_second(base, pages)
            per_worker = tree_rss_mb(proc.pid) / (workers + 1)
            name = f"gunicorn {workers} worker(s): requests per second"
            out.append(_figure("serve", name, scale, [rps], "req/s", None))
            if workers == 1:
                out.append(_figure("serve", "app RSS after warm-up (per process)", scale, [rss_warm], "MB", None))
                out.append(_figure("serve", "app RSS after the runs (per process)", scale, [per_worker], "MB",
                                   RSS_BUDGET.get(label)))  # fmt: skip
                out += _browser(base, pages[-1], scale, label)
    return out


def _browser(base: str, filtered: str, scale: int, label: str) -> list[dict]:
    from bench.pages import _figure

    try:
        seen = browser_figures(base, filtered)
    except Exception as exc:  # noqa: BLE001 - no Chromium here: the table says so
        return [{**_figure("browser", "Chromium", scale, [0.0], "", None), "met": None, "note": str(exc)[:200]}]
    out = []
    for name, f in seen.items():
        out.append(_figure("browser", f"{name}: settled", scale, [f["settled_ms"]], "ms", SETTLED_BUDGET_MS.get(label)))
        budget = TRANSFER_BUDGET if name == "first view" else None
        sent = _figure(
            "browser", f"{name}: bytes transferred (compressed)", scale, [float(f["bytes"])], "bytes", budget
        )
        out.append({**sent, "note": f"largest: {f['largest']}"})
        out.append(_figure("browser", f"{name}: DOM nodes", scale, [float(f["dom_nodes"])], "nodes", None))
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), 0, "London", ["/", "/contracts?borough=E09000007"]), indent=1))
