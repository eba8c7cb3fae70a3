"""Exports of what a view shows: ``/export/<view>.csv`` and ``.xlsx`` with the view's query string.

Each view registers the function that produces its table (``@register_export("contracts")``);
the same function feeds the on-screen table, so an export holds exactly the rows shown.
A table function takes a cursor and the filter dict (the parsed query string) and returns
``(column headings, rows)``.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

TableFunction = Callable[[duckdb.DuckDBPyConnection, dict], tuple[list[str], list[list]]]
EXPORTS: dict[str, TableFunction] = {}


def register_export(view: str) -> Callable[[TableFunction], TableFunction]:
    """Make ``view`` exportable through its table function."""

    def decorate(fn: TableFunction) -> TableFunction:
        EXPORTS[view] = fn
        return fn

    return decorate
