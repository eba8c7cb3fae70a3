"""Signed-in members for tests: an accounts file, a secret, and a test client that has signed in
through the real ``/sign-in`` form (CSRF token and all), so tests see what a member sees."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from werkzeug.security import generate_password_hash

from dashboard import signin

USERNAME = "alice"
PASSWORD = "correct horse battery staple"
SECRET = "test-secret-not-for-production"
_HASH = generate_password_hash(PASSWORD)


def accounts_file(folder: Path, username: str = USERNAME, password_hash: str = _HASH) -> Path:
    path = folder / "accounts.toml"
    path.write_text(
        f'[members.{username}]\nname = "Alice Member"\norganisation = "LOTI"\npassword_hash = "{password_hash}"\n',
        encoding="utf-8",
    )
    return path


def enable_sign_in(app, folder: Path) -> Path:
    """Configure ``app`` as ``$CITYTOOLS_SECRET_KEY`` and ``$CITYTOOLS_ACCOUNTS`` would."""
    folder.mkdir(parents=True, exist_ok=True)
    path = accounts_file(folder)
    app.server.secret_key = SECRET
    app.server.config[signin.ACCOUNTS_KEY] = str(path)
    return path


def csrf(client, path: str = signin.SIGN_IN) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def sign_in(client, username: str = USERNAME, password: str = PASSWORD, next_url: str = "/"):
    return client.post(
        signin.SIGN_IN, data={"username": username, "password": password, "csrf": csrf(client), "next": next_url}
    )


def member_client(app, folder: Path | None = None):
    """A test client of ``app`` signed in as a member (sign-in is enabled on the app first).

    One per app: signing in again for every request would meet the sign-in rate limit."""
    client = app.server.config.get("_TEST_MEMBER_CLIENT")
    if client is not None:
        return client
    if not app.server.secret_key:
        enable_sign_in(app, folder or Path(tempfile.mkdtemp(prefix="citytools-accounts-")))
    client = app.server.test_client()
    response = sign_in(client)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    app.server.config["_TEST_MEMBER_CLIENT"] = client
    return client
