"""Links: the one builder of in-app hrefs, and the one check of links that come from data.

In-app links go through a view's ``View.href`` (its path and its own URL state), so a link
carries exactly the keys the target view reads. ``dashboard.views`` is looked up when a link
is made, not at import: logic modules link to other views, and the views list imports them.

Links and addresses that come from the data (a notice URL, a buyer's email) reach a page only
through ``safe_url``/``safe_email``: data never chooses the scheme of a link (no
``javascript:``), and an address is an address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_EMAIL = 254  # the longest address SMTP carries (RFC 5321); a longer "address" is not one
_NOT_IN_EMAIL = frozenset("<>\"'")


def href(stem: str, st: Mapping[str, object] | None = None, **values: object) -> str:
    """The link to view ``stem`` with a state (``values`` added to it; None drops a key)."""
    from dashboard import views

    merged = {**(st or {}), **values}
    return views.get(stem).href({k: v for k, v in merged.items() if v is not None})


def borough_href(code: str, st: Mapping[str, object] | None = None) -> str:
    """A borough's page, keeping the shared filters except the borough itself."""
    from dashboard import views

    kept = {k: v for k, v in (st or {}).items() if k != "borough"}
    return views.get("borough").href(kept, path=f"/borough/{code}")


def export_href(name: str, fmt: str, st: Mapping[str, object]) -> str:
    """The link to an export (``/export/<name>.<fmt>``) with the state of the view it belongs to."""
    from dashboard import views

    return f"/export/{name}.{fmt}{views.EXPORT_VIEWS[name].search(st)}"


def safe_url(url: object) -> str | None:
    """A link only when it is plain http(s); anything else (``javascript:``, ``data:``) is None."""
    text = str(url or "").strip()
    return text if re.match(r"https?://", text, re.IGNORECASE) else None


def safe_email(email: object) -> str | None:
    """An email address fit for ``mailto:``, or None: one ``@`` between a name and a dotted domain,
    no white space, quotes or angle brackets, at most ``MAX_EMAIL`` characters.

    Checked with string operations, each one pass over at most ``MAX_EMAIL`` characters: a regular
    expression with a repeated class on both sides of the dot backtracked quadratically on a long
    address without one (a 64 KB contact email took seconds on every page listing it).
    """
    text = str(email or "").strip()
    if len(text) > MAX_EMAIL or text.count("@") != 1:
        return None
    if any(c.isspace() or c in _NOT_IN_EMAIL for c in text):
        return None
    local, domain = text.split("@")
    return text if local and "." in domain[1:-1] else None
