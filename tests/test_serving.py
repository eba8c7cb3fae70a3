"""Serving for real (issue 12): security headers, no versions, 404s, body limit, friendly errors,
and gunicorn picking up a rebuilt database without a restart or a failed request.

Through Flask's test client on the tiny database, except the gunicorn test, which starts
`make serve`'s command (``gunicorn -c gunicorn.conf.py app:server``) on a free port.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import dash
import pytest
from pagetree import by_id, render

from app import create_app
from dashboard import serving, views

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture
def app(tiny_db):
    return create_app(tiny_db)


@pytest.fixture
def client(app):
    return app.server.test_client()


def router_body(client, path: str = "/", search: str = "") -> dict:
    """The page router's callback body, as the renderer sends it (see tests/pagetree.py)."""
    deps = client.get("/_dash-dependencies").get_json()
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    values = {"pathname": path, "search": search}
    return {
        "output": router["output"],
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{**i, "value": values[i["property"]]} for i in router["inputs"]],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


# --------------------------------------------------------------------------- pure parts

REGISTRY = {
    "home": {"path": "/", "path_template": None},
    "matrix": {"path": "/matrix", "path_template": None},
    "borough": {"path": "/borough/none", "path_template": "/borough/<code>"},
}


@pytest.mark.parametrize("path", ["/", "/matrix", "/matrix/", "/borough/E09000007", "/borough/anything"])
def test_known_pages(path):
    assert serving.known_page(path, REGISTRY)


@pytest.mark.parametrize(
    "path",
    ["/.env", "/wp-admin", "/matrix/x", "/borough", "/borough/../x", "/borough/..", "/borough/a/b", "//matrix/."],
)
def test_unknown_pages(path):
    assert not serving.known_page(path, REGISTRY)


CALLBACKS = {"out.children": {"inputs": [{"id": "a", "property": "value"}], "state": []}}
GOOD = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "a", "property": "value", "value": [1]}], "changedPropIds": ["a.value"]}  # fmt: skip


def test_a_well_formed_callback_body_passes():
    assert serving.callback_problem(GOOD, CALLBACKS) is None
    pattern = {**GOOD, "inputs": [[{"id": {"type": "x", "index": 1}, "property": "value", "value": 2}]]}
    assert serving.callback_problem(pattern, CALLBACKS) is None  # a pattern-matching ALL input is a list


@pytest.mark.parametrize(
    "change, words",
    [
        ({"output": "nope.children"}, "'output'"),
        ({"output": 5}, "'output'"),
        ({"outputs": "x"}, "'outputs'"),
        ({"inputs": "a.value"}, "'inputs'"),
        ({"inputs": []}, "'inputs'"),
        ({"inputs": [{"id": "a"}]}, "'inputs'"),
        ({"inputs": [{"id": 3, "property": "value"}]}, "'inputs'"),
        ({"state": [{"id": "a", "property": "value"}]}, "'state'"),
        ({"changedPropIds": "a.value"}, "'changedPropIds'"),
        ({"changedPropIds": [1]}, "'changedPropIds'"),
    ],
)
def test_a_callback_body_of_the_wrong_shape_says_why(change, words):
    assert words in serving.callback_problem({**GOOD, **change}, CALLBACKS)


def test_a_callback_body_must_be_an_object():
    assert "JSON object" in serving.callback_problem([GOOD], CALLBACKS)
    assert "JSON object" in serving.callback_problem(None, CALLBACKS)


def test_the_policy_allows_scripts_only_from_here_and_by_hash():
    csp = serving.content_security_policy(["'sha256-abc='"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self' 'sha256-abc='"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in directives["script-src"]


# --------------------------------------------------------------------------- headers and versions


def test_every_response_carries_the_security_headers(client):
    client.get("/")  # Dash finishes setting up (the pages' own callbacks) on the first request
    responses = {
        "page": client.get("/contracts"),
        "export": client.get("/export/contracts.csv"),
        "asset": client.get("/assets/style.css"),
        "callback": client.post("/_dash-update-component", json=router_body(client)),
        "not found": client.get("/.env"),
    }
    for name, response in responses.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert re.fullmatch(r"[0-9a-f]{8}", headers["X-Request-ID"]), name
    ids = {r.headers["X-Request-ID"] for r in responses.values()}
    assert len(ids) == len(responses)  # one id per request


def test_the_policy_lists_the_hash_of_every_inline_script_of_the_page(app, client):
    html = client.get("/").get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    assert inline  # Dash's renderer start and its clientside functions
    csp = client.get("/").headers["Content-Security-Policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_no_versions_in_the_page_config_or_the_favicon_link(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', html).group(1))
    assert not set(serving.VERSION_KEYS) & set(config)
    assert config["requests_pathname_prefix"] == "/"  # the rest of the config is still there
    assert sys.version.split()[0] not in html
    assert f"?v={dash.__version__}" not in html
    assert "_favicon.ico" in html


def test_the_page_does_not_link_the_babel_polyfill(client):
    """Dash links @babel/polyfill; the page leaves it out and keeps every other script in order."""
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert not [s for s in scripts if "polyfill" in s]
    names = [s.rsplit("/", 1)[-1].split(".")[0] for s in scripts]
    assert names.index("react@18") < names.index("react-dom@18") < names.index("dash_renderer")
    polyfill = '<script src="/x/deps/polyfill@7.v4_4_1m1.12.1.min.js"></script>\n'
    dash_tags = polyfill + '<script src="/x/deps/react@18.js"></script>'
    assert serving.without_polyfill(dash_tags) == '<script src="/x/deps/react@18.js"></script>'


GRID_TAG = re.compile(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid[^"]*\.js)"></script>')
DEFERRED = re.compile(r'<script id="citytools-deferred" type="application/json">([^<]*)</script>')


@pytest.mark.parametrize("path", ["/", "/timeline", "/expiring?months=6", "/borough/E09000007", "/about"])
def test_a_page_without_a_grid_names_ag_grid_instead_of_linking_it(client, path):
    """AG Grid's 1.3 MB bundle is not linked where no grid is drawn; its URL is in a data block
    (which the stand-in, assets/ag_grid_lazy.js, reads), and that URL serves the bundle."""
    html = client.get(path).get_data(as_text=True)
    assert not GRID_TAG.search(html)
    (data,) = DEFERRED.findall(html)
    url = json.loads(data)["dash_ag_grid"]
    assert "/dash_ag_grid/dash_ag_grid" in url
    response = client.get(url)
    assert response.status_code == 200
    assert b"window.dash_ag_grid" in response.get_data()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert html.index("citytools-deferred") < html.index(next(s for s in scripts if "ag_grid_lazy" in s))


@pytest.mark.parametrize("path", ["/contracts", "/contracts?borough=E09000007", "/matrix"])
def test_a_page_with_a_grid_links_ag_grid(client, path):
    html = client.get(path).get_data(as_text=True)
    assert len(GRID_TAG.findall(html)) == 1
    assert not DEFERRED.search(html)


def test_the_grid_views_are_the_pages_that_draw_a_grid():
    """``GRID_VIEWS`` names every view whose page module uses dash_ag_grid, and no other."""
    pages = Path(serving.__file__).parent / "pages"
    drawing = {f.stem for f in pages.glob("*.py") if "dash_ag_grid" in f.read_text(encoding="utf-8")}
    assert drawing == set(serving.GRID_VIEWS)
    assert drawing <= {v.stem for v in views.ALL}


def test_deferred_grid_moves_the_tag_into_a_data_block():
    tags = '<script src="/a/react@18.js"></script>\n<script src="/a/dash_ag_grid/dash_ag_grid.v1m2.min.js"></script>\n'
    assert serving.deferred_grid(tags, draws_grid=True) == tags
    out = serving.deferred_grid(tags, draws_grid=False)
    assert out == (
        '<script id="citytools-deferred" type="application/json">'
        '{"dash_ag_grid": "/a/dash_ag_grid/dash_ag_grid.v1m2.min.js"}</script><script src="/a/react@18.js"></script>\n'
    )
    assert serving.deferred_grid('<script src="/a/react@18.js"></script>', draws_grid=False) == (
        '<script src="/a/react@18.js"></script>'
    )


def test_the_development_server_names_no_versions(tiny_db):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app(tiny_db).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/") as response:
            assert response.headers["Server"] == "City Tools"
    finally:
        server.shutdown()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("path", ["/.env", "/wp-admin", "/wp-admin/setup.php", "/borough/../x", "/contracts/x"])
def test_unknown_paths_are_a_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'href="/"' in html and "Page not found" in html
    assert response.headers["X-Request-ID"] in html
    assert "react-entry-point" not in html  # not the app shell


def test_every_view_path_is_still_a_page(client):
    for view in views.ALL:
        path = view.path.replace("<code>", "E09000007")
        response = client.get(path + "?borough=E09000007")
        assert response.status_code == 200, path
        assert "react-entry-point" in response.get_data(as_text=True), path


def test_an_unknown_borough_code_keeps_the_borough_pages_not_found_message(app, client):
    assert client.get("/borough/E09000099").status_code == 200
    tree = render(client, "/borough/E09000099")
    assert by_id(tree, "borough-not-found")


def test_routes_added_later_are_served_without_a_list(app, client):
    """Allowed paths come from the url_map: a route registered after create_app (sign-in) just works."""
    app.server.add_url_rule("/sign-in-example", "sign_in_example", lambda: "sign in here")
    response = client.get("/sign-in-example")
    assert response.status_code == 200 and response.get_data(as_text=True) == "sign in here"


def test_unknown_exports_are_a_json_404(client):
    response = client.get("/export/nope.csv")
    assert response.status_code == 404
    assert response.get_json()["request_id"] == response.headers["X-Request-ID"]


# --------------------------------------------------------------------------- bodies


class CountingStream:
    """A request body that counts what is read of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.read_bytes if n is None or n < 0 else min(n, self.size - self.read_bytes)
        self.read_bytes += n
        return b"x" * n

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit)


def test_a_megabyte_callback_is_refused_before_its_body_is_read(client):
    body = CountingStream(1 << 20)
    response = client.post(
        "/_dash-update-component",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.size), "CONTENT_TYPE": "application/json"},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert response.get_json()["error"] == "Request too large"


def test_a_callback_under_the_limit_is_served(client):
    body = router_body(client, "/contracts", "?q=" + "x" * 100)
    assert len(json.dumps(body)) < serving.MAX_BODY
    assert client.post("/_dash-update-component", json=body).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        "{not json",
        "[]",
        '"a string"',
        json.dumps({"output": "_pages_content.children", "inputs": "x"}),
    ],
)
def test_malformed_callbacks_are_a_400_with_a_reason(client, data):
    response = client.post("/_dash-update-component", data=data, content_type="application/json")
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["message"].startswith("Bad callback request") and answer["request_id"]


def test_callbacks_with_the_wrong_inputs_are_a_400(client):
    body = router_body(client)
    for broken in (
        {**body, "inputs": body["inputs"][:1]},  # one input short
        {**body, "inputs": [{"id": "_pages_location"}] * 2},  # no property
        {**body, "changedPropIds": {"a": 1}},
        {**body, "output": "no-such.children"},
    ):
        assert client.post("/_dash-update-component", json=broken).status_code == 400, broken


# --------------------------------------------------------------------------- errors


def test_a_failing_page_route_is_a_friendly_500_and_the_traceback_is_logged(app, client, caplog):
    def boom():
        raise RuntimeError("secret detail /etc/passwd")

    app.server.add_url_rule("/boom", "boom", boom)
    with caplog.at_level(logging.ERROR, logger="dashboard.serving"):
        response = client.get("/boom")
    assert response.status_code == 500
    html, rid = response.get_data(as_text=True), response.headers["X-Request-ID"]
    assert rid in html and 'href="/"' in html
    assert "secret detail" not in html and "Traceback" not in html and "RuntimeError" not in html
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and "secret detail" in caplog.text and "Traceback" in caplog.text


def test_a_failing_callback_is_a_json_500_with_the_request_id(client, caplog, monkeypatch):
    client.get("/")

    def broken_layout(**_):
        raise ValueError("internal state 0xdeadbeef")

    overview = next(k for k, p in dash.page_registry.items() if p["path"] == "/")
    monkeypatch.setitem(dash.page_registry[overview], "layout", broken_layout)
    with caplog.at_level(logging.ERROR, logger="dashboard.serving"):
        response = client.post("/_dash-update-component", json=router_body(client, "/"))
    assert response.status_code == 500
    answer = response.get_json()
    assert answer["request_id"] == response.headers["X-Request-ID"]
    assert "0xdeadbeef" not in response.get_data(as_text=True)
    assert "0xdeadbeef" in caplog.text and answer["request_id"] in caplog.text
    assert '"_pages_location"' in caplog.text  # which callback and inputs failed, to reproduce it


def test_a_failing_export_is_a_json_500(client, monkeypatch):
    def broken(cur, st):
        raise KeyError("column_that_leaks")

    monkeypatch.setitem(views.EXPORTS, "contracts", broken)
    response = client.get("/export/contracts.xlsx")
    assert response.status_code == 500
    assert response.get_json()["error"] == "Something went wrong"
    assert "column_that_leaks" not in response.get_data(as_text=True)


def test_a_routes_own_reason_is_kept(tmp_path):
    client = create_app(tmp_path / "missing.duckdb").server.test_client()
    response = client.get("/export/contracts.xlsx")
    assert response.status_code == 503
    assert "make data" in response.get_json()["message"]


# --------------------------------------------------------------------------- processes


def test_creating_the_app_opens_no_database(tiny_db):
    """gunicorn loads the app before forking (preload_app): no worker may inherit an open file."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc to list open files")
    create_app(tiny_db)
    opened = {os.path.realpath(fds / fd) for fd in os.listdir(fds) if (fds / fd).exists()}
    assert str(tiny_db.resolve()) not in opened


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), dict(e.headers)


@pytest.fixture
def gunicorn_on(tmp_path):
    """start(database) -> base URL of `make serve`'s gunicorn (2 workers) on it; stopped after the test."""
    if not GUNICORN.exists():
        pytest.skip(f"{GUNICORN} is missing: pip install -r requirements.txt")
    started = []

    def start(database: Path) -> str:
        port = _free_port()
        env = {**os.environ, "CITYTOOLS_DB": str(database), "CITYTOOLS_PORT": str(port), "WORKERS": "2"}
        env["CITYTOOLS_HOST"] = "127.0.0.1"
        log = (tmp_path / "gunicorn.log").open("w")
        cmd = [str(GUNICORN), "-c", "gunicorn.conf.py", "app:server"]
        started.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True))
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):  # up to about a minute on a slow machine
            try:
                if _get(base + "/")[0] == 200:
                    return base
            except OSError:
                time.sleep(0.25)
        raise AssertionError("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])

    yield start
    for server in started:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)


def test_gunicorn_workers_pick_up_a_rebuilt_database_without_a_failed_request(
    tmp_path, gunicorn_on, contracts_db_builder
):
    old = contracts_db_builder(tmp_path / "old.duckdb", [{"supplier_name": "Alderbrook Systems Ltd"}] * 3)
    new = contracts_db_builder(tmp_path / "new.duckdb", [{"supplier_name": "Birchfield Data plc"}] * 4)
    served = tmp_path / "served" / "citytools.duckdb"
    served.parent.mkdir()
    shutil.copy(old, served)
    base = gunicorn_on(served)

    answers: list[tuple[int, str]] = []
    stop = threading.Event()

    def read_forever():
        while not stop.is_set():
            status, body, _ = _get(base + "/export/contracts.csv")
            answers.append(
                (status, "Birchfield" if "Birchfield" in body else "Alderbrook" if "Alderbrook" in body else body)
            )

    readers = [threading.Thread(target=read_forever, daemon=True) for _ in range(3)]
    for reader in readers:
        reader.start()
    while len(answers) < 30:
        time.sleep(0.05)
    staged = served.with_name("citytools.duckdb.tmp")
    shutil.copy(new, staged)
    os.replace(staged, served)  # what the ETL does at the end of a build
    replaced_at = len(answers)
    for _ in range(600):  # until 40 answers in a row are of the new build (bounded, about 30 s)
        time.sleep(0.05)
        if len(answers) > replaced_at + 40 and all(a == (200, "Birchfield") for a in answers[-40:]):
            break
    stop.set()
    for reader in readers:
        reader.join(timeout=30)
    assert all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200][:3]
    assert {kind for _, kind in answers[:replaced_at]} == {"Alderbrook"}
    assert answers[-40:] == [(200, "Birchfield")] * 40

    page = _get(base + "/")
    assert page[0] == 200 and page[2]["Server"] == "gunicorn"  # no version: gunicorn 27 sends its name only
    assert "Content-Security-Policy" in page[2]
