"""Who may read what: survey answers given in confidence reach signed-in members only.

The rule is data (``members_only.csv``: table, column, when, why) and is applied where the data
is read: every cursor ``dashboard.db`` hands to a request that is not a member's carries
temporary views that shadow the tables it names, with those columns blanked on the rows they
cover (the SQL is ``dashboard.queries.access``). Every query in ``dashboard/queries`` then
reads the public tables without knowing it, so no page, callback, export, feed or report can
leak a members-only field by forgetting a check.

``when`` is ``survey``: the value came from a survey return. In a table with a ``source``
column that is ``source = 'survey'``; in ``contracts`` (one row merged from several records)
it is the contract's ``survey_fields``, the fields it took from a survey row. A JSON map keyed
by field (``contracts.disagreements``) loses the keys of the members-only fields instead.

Who is a member is decided per request by ``dashboard.signin`` (a signed session, or the
sample's demo mode) and read here through ``is_member``; outside a request (the report command
line, tests) nobody is, unless code says so with ``members()``.
"""

from __future__ import annotations

import contextvars
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("members_only.csv")
WHEN = ("survey",)
FIELD_MAPS = {("contracts", "disagreements")}  # JSON: field -> values; drop the members-only fields' keys

_override: contextvars.ContextVar[bool] = contextvars.ContextVar("citytools_member", default=False)


@dataclass(frozen=True)
class Rule:
    table: str
    column: str
    when: str
    why: str


@cache
def rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """The members-only fields; a malformed file is an error, never an open door."""
    with path.open(newline="", encoding="utf-8") as f:
        out = tuple(
            Rule(r["table"].strip(), r["column"].strip(), r["when"].strip(), r["why"].strip())
            for r in csv.DictReader(f)
        )
    for r in out:
        if r.when not in WHEN or not r.table.isidentifier() or not r.column.isidentifier():
            raise ValueError(f"{path.name}: bad rule {r}: table and column are names, when is one of {WHEN}")
    return out


def members_only(table: str) -> list[str]:
    """The members-only columns of ``table``."""
    return [r.column for r in rules() if r.table == table]


# --------------------------------------------------------------------------- who is asking


def is_member() -> bool:
    """Whether this request may read members-only fields (outside a request: see ``members``).

    Inside a request only the request decides (``flask.g.citytools_member``, set from the
    signed session by ``dashboard.signin``), whatever the surrounding code says.
    """
    import flask  # the server's framework, imported here so that the rules load without it

    if flask.has_request_context():
        return bool(flask.g.get("citytools_member"))
    return bool(_override.get())


@contextmanager
def members(member: bool = True) -> Iterator[None]:
    """Outside a request, read as a member (or, with ``False``, as the public) inside the block."""
    token = _override.set(member)
    try:
        yield
    finally:
        _override.reset(token)
