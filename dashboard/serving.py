"""Serving hooks for the Flask server under the Dash app: headers, unknown paths, limits, errors.

``init_app(app)`` (called by ``create_app`` once the pages are registered) makes every response
carry security headers, a Content-Security-Policy the app satisfies (Dash's inline scripts by
their hashes, never ``'unsafe-inline'`` for scripts), and no version strings. A path that is
neither a Flask route nor a page of Dash's registry is a 404, not the app shell: the allowed
paths are read from ``url_map`` and ``dash.page_registry`` at request time, so a new route or
page needs nothing here. Request bodies are capped (callback bodies are a few KB), a callback
body of the wrong shape is a 400 before Dash touches it, and an unhandled exception is a short
friendly message with a request id while the traceback goes to the log with the same id.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import dash
import flask
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from dashboard import views
from dashboard.texts import PRODUCT

MAX_BODY = 256 * 1024  # bytes; the largest callback body the app sends is a few KB
CALLBACK_PATH = "_dash-update-component"
JSON_PREFIXES = ("_dash-", "export/")  # paths (after the app's prefix) answered with JSON errors
REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_KEY = "citytools.request_id"
LOGGED_BODY = 2000  # characters of a failed callback's body written to the log
# _dash-config keys read only by Dash's dev tools (off here): they give exact versions away
VERSION_KEYS = ("dash_version", "python_version", "dash_version_url", "ddk_version", "plotly_version")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    404: ("Page not found", "There is no page at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Request too large", "The request is larger than City Tools accepts."),
    500: ("Something went wrong", "City Tools could not answer this request. It has been logged."),
}

# Static files: Flask-Compress (zstd, br or gzip, as the browser takes them) compresses them as it
# does pages; an asset whose URL carries its modification time never changes, so it is cached.
YEAR = 31536000  # seconds
# dcc.Graph loads plotly.js from this fixed URL the first time a chart is drawn. Every figure of the
# app is a bar or scatter trace, so the URL serves plotly.js's basic bundle (bar, pie, scatter: 1.2 MB,
# 0.36 MB sent) of the same version, instead of the full one (4.8 MB, 1.2-1.4 MB sent).
PLOTLY_URL = "_dash-component-suites/plotly/package_data/plotly.min.js"
PLOTLY_BASIC = Path(__file__).resolve().parent.parent / "assets" / "vendor" / "plotly-basic.min.js"
PLOTLY_BASIC_TRACES = frozenset({"bar", "pie", "scatter"})
# Dash links @babel/polyfill (core-js 2 and regenerator-runtime) before React for browsers older
# than React 18 supports. Every browser the app runs in has what core-js 2 adds, and the one
# global Dash's bundles read, ``regeneratorRuntime``, is set by dash-bootstrap-components' bundle
# (it bundles regenerator-runtime). Evaluating the polyfill took 200 ms of the main thread on
# every full page load (Chromium trace, 2 cores), so the page does not link it.
POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>\s*')
# dash-ag-grid's bundle is 1.3 MB of script (~180 ms of parsing and 35-75 ms of the main thread on
# every full page load). A page at a path whose view draws a grid links it; any other page names its
# URL in a data block instead, and assets/ag_grid_lazy.js loads it when a grid first mounts.
GRID_SCRIPT = re.compile(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid[^"]*\.js)"></script>\s*')
GRID_VIEWS = frozenset({"contracts", "matrix"})  # the views whose pages draw a dash_ag_grid.AgGrid
DEFERRED_ID = "citytools-deferred"

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- pure parts


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy: only this origin, Dash's inline scripts by hash, inline styles (Plotly, AG Grid)."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        # Plotly and AG Grid write <style> elements and style attributes at run time
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",  # Bootstrap's form icons and Plotly's snapshots are data: URLs
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _segment_matches(pattern: str, segment: str) -> bool:
    return (pattern.startswith("<") and pattern.endswith(">")) or pattern == segment


def known_page(path: str, registry: Mapping[str, dict]) -> bool:
    """Whether ``path`` is a page of the registry: its path, or its template with one segment per variable.

    Dash itself matches templates with fnmatch (``/borough/<code>`` takes ``/borough/a/../b``);
    here a variable is exactly one segment and dot segments never match, so traversal-like
    paths are 404s. A trailing slash is the same page, as Dash's router treats it.
    """
    stripped = path.strip("/")
    segments = stripped.split("/") if stripped else []
    if any(s in ("", ".", "..") for s in segments):
        return False
    for page in registry.values():
        for pattern in (page.get("path_template"), page.get("path")):
            if pattern is None:
                continue
            parts = pattern.strip("/").split("/") if pattern.strip("/") else []
            if len(parts) == len(segments) and all(map(_segment_matches, parts, segments)):
                return True
    return False


def _is_prop(item: object) -> bool:
    """One input or state as the renderer sends it: ``{"id", "property", "value"?}``."""
    if isinstance(item, list):  # a pattern-matching ALL input is a list of them
        return all(_is_prop(i) for i in item)
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def callback_problem(body: object, callbacks: Mapping[str, dict]) -> str | None:
    """Why a ``/_dash-update-component`` body cannot be dispatched, or None when its shape is right.

    Only the envelope is checked (a known output, lists where Dash indexes lists, as many inputs
    and states as the callback declares): what would otherwise be a KeyError or TypeError deep
    in Dash, i.e. a 500. The values themselves are each callback's to check.
    """
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "'output' must name one of the app's callbacks"
    if not isinstance(body.get("outputs", []), dict | list):
        return "'outputs' must be an object or a list"
    declared = callbacks[output]
    for key in ("inputs", "state"):
        given, expected = body.get(key, []), len(declared.get(key) or [])
        if not isinstance(given, list) or len(given) != expected or not all(_is_prop(i) for i in given):
            return f"'{key}' must be a list of {expected} {{id, property, value}} objects"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    return _location_problem(body["inputs"] + body.get("state", []))


def _location_problem(props: list) -> str | None:
    """Dash's own pages router calls string methods on the location it is given (a 500 otherwise)."""
    for item in props:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and "value" in item:
            value = item["value"]
            if item.get("property") == "pathname" and not (isinstance(value, str) and value.startswith("/")):
                return "the page's pathname must be text starting with '/'"
            if item.get("property") == "search" and not isinstance(value, str | None):
                return "the page's search must be text"
    return None


def error_page(title: str, message: str, request_id: str, home: str, stylesheet: str) -> str:
    """A small page for an error: what happened, a link home and the request id to quote. No scripts."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · {escape(PRODUCT)}</title>\n"
        f'<link rel="stylesheet" href="{escape(stylesheet)}">\n</head>\n'
        f'<body>\n<main class="container py-5" id="error-page">\n<h1 class="h3">{escape(title)}</h1>\n'
        f"<p>{escape(message)}</p>\n"
        f'<p><a href="{escape(home)}" id="error-home">Go to the {escape(PRODUCT)} overview</a></p>\n'
        f'<p class="text-muted small">Request id: <code id="request-id">{escape(request_id)}</code>'
        " (quote it if you report this)</p>\n</main>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- request hooks


def request_id() -> str:
    """The current request's short id (made on first use, so an early failure has one too).

    Kept in the WSGI environ rather than ``flask.g``: a streamed export keeps its app context
    (and so ``g``) alive while it is sent, and ``g`` would then be shared with the next request.
    """
    return flask.request.environ.setdefault(ENVIRON_KEY, secrets.token_hex(4))


def _relative(app: dash.Dash) -> str:
    """The request path without the app's prefix (``/`` -> ``""``, ``/export/x.csv`` -> ``export/x.csv``)."""
    prefix = app.config.requests_pathname_prefix or "/"
    path = flask.request.path
    return path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")


def _error_response(app: dash.Dash, status: int, message: str | None = None) -> flask.Response:
    """The friendly answer for ``status``: JSON for callbacks and exports, a small HTML page otherwise."""
    title, default = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    text, rid = message or default, request_id()
    if _relative(app).startswith(JSON_PREFIXES):
        response = flask.jsonify({"error": title, "message": text, "request_id": rid})
    else:
        page = error_page(title, text, rid, app.get_relative_path("/"), app.get_asset_url("vendor/bootstrap.min.css"))
        response = flask.Response(page, mimetype="text/html")
    response.status_code = status
    return response


def _catch_all_endpoints(app: dash.Dash) -> set[str]:
    """The endpoints of Dash's index and catch-all rules: the only routes that answer any path."""
    prefix = app.config.routes_pathname_prefix or "/"
    return {prefix, prefix + "<path:path>"}


def _before(app: dash.Dash, catch_all: set[str]) -> flask.Response | None:
    """404 for a path no route or page owns; 400 for a callback body of the wrong shape."""
    request_id()
    rule = flask.request.url_rule
    if rule is not None and rule.endpoint in catch_all:
        if not known_page("/" + _relative(app), dash.page_registry):
            return _error_response(app, 404)
    elif rule is not None and _relative(app) == CALLBACK_PATH and flask.request.method == "POST":
        body = flask.request.get_json(silent=True)  # over MAX_BODY: a 413 here, before anything is parsed
        problem = callback_problem(body, app.callback_map)
        if problem:
            return _error_response(app, 400, f"Bad callback request: {problem}.")
    return None


def _after(app: dash.Dash, response: flask.Response) -> flask.Response:
    """Security headers and the request id on every response; a route's own values are kept."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy(app.csp_hashes()))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def _http_error(app: dash.Dash, error: HTTPException) -> flask.Response | HTTPException:
    """An HTTP error (404, 405, 413, a route's 503...) as the friendly page, with the route's reason if it gave one."""
    if error.code is None or error.code < 400:
        return error
    own = error.description if error.description != type(error).description else None
    return _error_response(app, error.code, own)


def _unhandled(app: dash.Dash, error: Exception) -> flask.Response:
    """Any other exception: logged with its traceback and request id; the reader sees only the id."""
    request = flask.request
    where = request.full_path.rstrip("?")
    if _relative(app) == CALLBACK_PATH:  # which callback, and its inputs (filter values), to reproduce it
        body = request.get_json(silent=True)
        body = body if isinstance(body, dict) else {}
        where += " " + json.dumps({k: body.get(k) for k in ("output", "inputs")}, default=str)[:LOGGED_BODY]
    log.error("request %s failed: %s %s", request_id(), request.method, where, exc_info=error)
    return _error_response(app, 500)


# --------------------------------------------------------------------------- static files


def _static(app: dash.Dash, response: flask.Response) -> flask.Response:
    """An asset linked with its modification time (``?m=``, as Dash links assets): cached a year."""
    request = flask.request
    fingerprinted = request.method == "GET" and response.status_code == 200 and request.args.get("m")
    if fingerprinted and _relative(app).startswith("assets/"):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def without_polyfill(scripts: str) -> str:
    """Dash's script tags without @babel/polyfill's (see ``POLYFILL_SCRIPT``)."""
    return POLYFILL_SCRIPT.sub("", scripts)


def deferred_grid(scripts: str, draws_grid: bool) -> str:
    """Dash's script tags with AG Grid's left out, its URL in a JSON data block (``GRID_SCRIPT``),
    unless the page ``draws_grid``. A data block is not run, so the Content-Security-Policy has no
    hash to add."""
    found = GRID_SCRIPT.search(scripts)
    if draws_grid or not found:
        return scripts
    data = json.dumps({"dash_ag_grid": found.group(1)}).replace("<", "\\u003c")
    block = f'<script id="{DEFERRED_ID}" type="application/json">{data}</script>'
    return block + GRID_SCRIPT.sub("", scripts, count=1)


def draws_grid(app: dash.Dash) -> bool:
    """Whether the page this request asks for is one of ``GRID_VIEWS``."""
    view = views.at("/" + _relative(app))
    return view is not None and view.stem in GRID_VIEWS


def plotly_basic() -> flask.Response:
    """plotly.js's basic bundle where dcc.Graph asks for plotly.js (see ``PLOTLY_URL``)."""
    return flask.send_file(PLOTLY_BASIC, mimetype="application/javascript", etag=True, conditional=True)


# --------------------------------------------------------------------------- versions


def hide_versions(app: dash.Dash) -> None:
    """No exact versions in the page config, the favicon link or the development server's header.

    Dash's fingerprinted script URLs (``dash_renderer.v4_4_1m<mtime>.min.js``) keep theirs:
    the fingerprint is what lets browsers cache those files for a year, and rewriting it would
    mean patching how Dash registers and serves its resources.
    """
    config = app._config  # Dash builds _dash-config here; the renderer reads none of VERSION_KEYS

    def _config() -> dict:
        return {k: v for k, v in config().items() if k not in VERSION_KEYS}

    app._config = _config
    interpolate = app.interpolate_index  # Dash's documented hook for the page around the app

    def interpolate_index(**kwargs) -> str:
        kwargs["favicon"] = re.sub(r"\?v=[^\"']*", "", kwargs.get("favicon", ""))
        scripts = without_polyfill(kwargs.get("scripts", ""))
        kwargs["scripts"] = deferred_grid(scripts, draws_grid(app))
        return interpolate(**kwargs)

    app.interpolate_index = interpolate_index
    # `make run`: Werkzeug sends "Server: Werkzeug/x Python/y"; gunicorn sends "gunicorn" alone
    WSGIRequestHandler.version_string = lambda self: PRODUCT


def init_app(app: dash.Dash) -> None:
    """Add the serving hooks to ``app``'s Flask server (after its pages and routes are registered)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    hide_versions(app)
    catch_all = _catch_all_endpoints(app)
    server.before_request(lambda: _before(app, catch_all))
    server.after_request(lambda response: _after(app, response))
    server.after_request(lambda response: _static(app, response))
    if PLOTLY_BASIC.exists():  # a static rule: Werkzeug prefers it to Dash's <package>/<path> one
        prefix = app.config.routes_pathname_prefix or "/"
        server.add_url_rule(prefix + PLOTLY_URL, "citytools_plotly_basic", plotly_basic, methods=["GET"])
    server.register_error_handler(HTTPException, lambda e: _http_error(app, e))
    server.register_error_handler(Exception, lambda e: _unhandled(app, e))
