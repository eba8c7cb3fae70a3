"""Members' sign-in: who may read the survey answers boroughs give in confidence.

Accounts come from a TOML file named by ``$CITYTOOLS_ACCOUNTS`` (or the TOML text itself in
``$CITYTOOLS_ACCOUNTS_TOML``, for secret stores that hand over values, not files)::

    [members.alice]
    name = "Alice Smith"
    organisation = "London Borough of Camden"
    password_hash = "scrypt:32768:8:1$..."   # python -m dashboard.signin hash

Passwords are hashed with werkzeug's scrypt and never stored; the session is Flask's signed
cookie, keyed by ``$CITYTOOLS_SECRET_KEY`` (from the environment, never the repository: without
it nobody can sign in and every request is public). Sign-in attempts are rate-limited per
address. A session names its account and a fingerprint of its password hash, so removing an
account or changing its password ends its sessions.

Demo mode (``$CITYTOOLS_DEMO=1``, what ``make run`` sets for the sample) treats every visitor
as a member, but only while the database holds nothing but sample inputs: real returns are
never served that way, whatever the environment says.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard import db, queries

log = logging.getLogger(__name__)

ACCOUNTS_ENV, ACCOUNTS_TOML_ENV, SECRET_ENV, DEMO_ENV = (
    "CITYTOOLS_ACCOUNTS", "CITYTOOLS_ACCOUNTS_TOML", "CITYTOOLS_SECRET_KEY", "CITYTOOLS_DEMO",
)  # fmt: skip
ACCOUNTS_KEY, DEMO_KEY = "CITYTOOLS_ACCOUNTS", "CITYTOOLS_DEMO"  # Flask config, set by init_app
SIGN_IN, SIGN_OUT = "/sign-in", "/sign-out"
ATTEMPTS = "10 per minute; 50 per hour"  # sign-in POSTs per address
SESSION_HOURS = 12
# check_password_hash costs the same for an unknown name as for a wrong password
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    organisation: str
    password_hash: str

    @property
    def fingerprint(self) -> str:
        """Changes when the password does, so a new password ends the old sessions."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- accounts


def parse_accounts(text: str, where: str) -> dict[str, Account]:
    """Accounts from TOML text; a malformed entry is an error naming it, not a silent skip."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{where}: not valid TOML: {e}") from None
    out = {}
    for username, entry in (data.get("members") or {}).items():
        if not isinstance(entry, dict) or not str(entry.get("password_hash", "")).startswith(("scrypt:", "pbkdf2:")):
            raise ValueError(f"{where}: [members.{username}] needs a password_hash (python -m dashboard.signin hash)")
        out[username] = Account(username, str(entry.get("name") or username), str(entry.get("organisation") or ""),
                                entry["password_hash"])  # fmt: skip
    return out


_accounts_cache: dict[tuple, dict[str, Account]] = {}


def accounts() -> dict[str, Account]:
    """The accounts of the app's configuration, re-read when the file changes."""
    source = flask.current_app.config.get(ACCOUNTS_KEY)
    if not source:
        return {}
    if isinstance(source, dict):  # TOML text from the environment, kept in the config as {"toml": text}
        return parse_accounts(source["toml"], ACCOUNTS_TOML_ENV)
    path = Path(source)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise ValueError(f"{ACCOUNTS_ENV}: no accounts file at {path}") from None
    if key not in _accounts_cache:
        _accounts_cache.clear()
        _accounts_cache[key] = parse_accounts(path.read_text(encoding="utf-8"), str(path))
    return _accounts_cache[key]


def authenticate(username: str, password: str) -> Account | None:
    account = accounts().get(username.strip())
    ok = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    return account if ok and account else None


# --------------------------------------------------------------------------- who is asking


_sample_only: dict[tuple, bool] = {}


def demo_active() -> bool:
    """Demo mode was asked for and the database holds only sample inputs."""
    if not flask.current_app.config.get(DEMO_KEY):
        return False
    path = db.current_path()
    try:
        key = (str(path), db.version(path))
    except db.DatabaseMissing:
        return False
    if key not in _sample_only:
        with db.cursor(path) as cur:
            _sample_only[key] = queries.sample_only(cur)
    return _sample_only[key]


def current_account() -> Account | None:
    """The signed-in member of this request, if their account and password are unchanged."""
    username = flask.session.get("member")
    if not username or not flask.current_app.secret_key:
        return None
    account = accounts().get(username)
    if account is None or not hmac.compare_digest(flask.session.get("fp", ""), account.fingerprint):
        return None
    return account


def viewer() -> dict:
    """What the page says about who is reading: member, name, demo; computed once per request."""
    if "citytools_viewer" not in flask.g:
        demo = demo_active()
        account = None if demo else current_account()
        flask.g.citytools_viewer = {
            "member": demo or account is not None,
            "demo": demo,
            "name": account.name if account else None,
            "organisation": account.organisation if account else None,
            "can_sign_in": bool(flask.current_app.secret_key) and bool(flask.current_app.config.get(ACCOUNTS_KEY)),
        }
    return flask.g.citytools_viewer


def _decide() -> None:
    """Before every request: a member or not. A broken accounts file makes everyone public (and
    is logged), never everyone a member."""
    flask.g.citytools_member = False  # until shown otherwise, even if what follows fails
    try:
        flask.g.citytools_member = viewer()["member"]
    except ValueError:
        log.exception("the accounts could not be read: every request is public until they are fixed")
        flask.g.citytools_viewer = {"member": False, "demo": False, "name": None, "organisation": None,
                                    "can_sign_in": False}  # fmt: skip


# --------------------------------------------------------------------------- pages


def _csrf_token() -> str:
    if "csrf" not in flask.session:
        flask.session["csrf"] = secrets.token_urlsafe(24)
    return flask.session["csrf"]


def _csrf_ok() -> bool:
    sent = flask.request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, flask.session.get("csrf", ""))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this app, never another site."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return "/"
    return target


def _page(status: int = 200, **context) -> flask.Response:
    from dashboard.logic.report import templates  # the dashboard's autoescaping Jinja environment

    context = {
        "viewer": viewer(),
        "next": safe_next(flask.request.values.get("next")),
        "request_args_signed_out": flask.request.args.get("signed_out") == "1",
        "error": None,
        "csrf": None,
        **context,
    }
    if flask.current_app.secret_key:
        context["csrf"] = _csrf_token()
    html = templates().get_template("signin.html").render(**context)
    response = flask.Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_in_page() -> flask.Response:
    """The form; "back" returns to the page the reader came from (the menu link carries no ``next``)."""
    if "next" not in flask.request.args and flask.request.referrer:
        came = urlsplit(flask.request.referrer)
        if came.netloc == flask.request.host and came.path != SIGN_IN:
            return _page(next=safe_next(came.path + (f"?{came.query}" if came.query else "")))
    return _page()


def sign_in() -> flask.Response:
    """Check the password; on success a fresh session (no fixation) naming the member."""
    if not viewer()["can_sign_in"]:
        return _page(403, error="Sign-in is not set up on this server.")
    if not _csrf_ok():
        return _page(400, error="The form had expired. Please try again.")
    account = authenticate(flask.request.form.get("username", "")[:200], flask.request.form.get("password", "")[:1000])
    if account is None:
        return _page(401, error="That name and password do not match an account.")
    next_url = safe_next(flask.request.form.get("next"))
    flask.session.clear()
    flask.session.permanent = True
    flask.session.update(member=account.username, fp=account.fingerprint)
    return flask.redirect(next_url, code=303)


def sign_out() -> flask.Response:
    if flask.current_app.secret_key and not _csrf_ok():
        return _page(400, error="The form had expired. Please try again.")
    flask.session.clear()
    return flask.redirect(SIGN_IN + "?signed_out=1", code=303)


def _rate_limited(error) -> flask.Response:
    return _page(
        429, error=f"Too many sign-in attempts from this address ({error.description}). Please wait and try again."
    )


def init_app(server: flask.Flask) -> None:
    """Configure sessions and accounts from the environment; add the routes and the per-request check."""
    from datetime import timedelta

    server.secret_key = os.environ.get(SECRET_ENV) or None
    if os.environ.get(ACCOUNTS_TOML_ENV):
        server.config[ACCOUNTS_KEY] = {"toml": os.environ[ACCOUNTS_TOML_ENV]}
    else:
        server.config[ACCOUNTS_KEY] = os.environ.get(ACCOUNTS_ENV) or None
    server.config[DEMO_KEY] = os.environ.get(DEMO_ENV, "").strip().lower() in ("1", "true", "yes")
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CITYTOOLS_SECURE_COOKIES", "").strip() in ("1", "true", "yes"),
        SESSION_COOKIE_NAME="citytools_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    if server.config[ACCOUNTS_KEY]:
        with server.app_context():
            accounts()  # a missing or malformed accounts file stops the app starting, loudly
    server.before_request(_decide)
    limiter = Limiter(get_remote_address, app=server, storage_uri="memory://", default_limits=[])
    server.add_url_rule(SIGN_IN, "sign_in_page", sign_in_page, methods=["GET"])
    server.add_url_rule(SIGN_IN, "sign_in", limiter.limit(ATTEMPTS, methods=["POST"])(sign_in), methods=["POST"])
    server.add_url_rule(SIGN_OUT, "sign_out", sign_out, methods=["POST"])
    server.register_error_handler(429, _rate_limited)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.signin hash``: a password hash for the accounts file."""
    p = argparse.ArgumentParser(prog="python -m dashboard.signin", description=main.__doc__)
    p.add_argument("command", choices=["hash"])
    p.add_argument("--username", help="also print a [members.NAME] entry to paste into the accounts file")
    p.add_argument("--stdin", action="store_true", help="read the password from standard input, not a prompt")
    args = p.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("Password: ")
    if len(password) < 12:
        print("error: use a password of at least 12 characters", file=sys.stderr)
        return 2
    hashed = generate_password_hash(password)
    if args.username:
        print(f"[members.{json.dumps(args.username)}]\nname = {json.dumps(args.username)}\n"
              f'organisation = ""\npassword_hash = {json.dumps(hashed)}')  # fmt: skip
    else:
        print(hashed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
