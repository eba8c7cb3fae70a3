"""Tree readers and export checks shared by the systems, suppliers and matrix tests.

The cursors (``cur``, ``sample_cur``) are conftest's fixtures; nothing here builds a database.
"""

from __future__ import annotations

import csv
import json

import plotly
from members import member_client
from pagetree import by_id, walk


def as_json(tree) -> object:
    """A component tree as the browser gets it: plain dicts."""
    return json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))


def text(node) -> str:
    """All the text of a node and its children, joined."""
    if isinstance(node, list):
        return "".join(text(c) for c in node)
    if isinstance(node, dict) and "props" in node:
        return text(node["props"].get("children"))
    return "" if node is None else str(node)


def table_rows(tree, table_id: str) -> list[list[str]]:
    """The body cells of a table as text."""
    body = next(n for n in walk(by_id(tree, table_id)) if n["type"] == "Tbody")
    return [[text(td) for td in tr["props"]["children"]] for tr in body["props"]["children"]]


def table_headings(tree, table_id: str) -> list[str]:
    return [text(n) for n in walk(by_id(tree, table_id)) if n["type"] == "Th"]


def links(tree, table_id: str | None = None) -> list[str]:
    """The hrefs of the in-app links of a tree (or of one table in it)."""
    root = by_id(tree, table_id) if table_id else tree
    return [n["props"]["href"] for n in walk(root) if n["type"] == "Link"]


def figures(tree) -> list[dict]:
    return [n["props"]["figure"] for n in walk(tree) if n["type"] == "Graph"]


def assert_export_is_the_table(tree, table_id: str, headings: list[str], rows: list[list]) -> list[list[str]]:
    """The export's headings are the on-screen table's, and the page on screen is its first rows (the
    export holds the whole list; a folded "All others" row on screen is its rest); returns the shown rows."""
    shown = table_rows(tree, table_id)
    assert table_headings(tree, table_id) == headings
    listed = [r for r in shown if not r[0].startswith("All others")]
    assert len(rows) >= len(listed) > 0
    assert [r[0] for r in listed] == [str(r[0]) for r in rows[: len(listed)]]
    return shown


def csv_lines(app, export_link: str) -> list[list[str]]:
    """The rows of a CSV export through the app's route (as a member), without its '#' notice lines."""
    body = member_client(app).get(export_link).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(body.splitlines()))  # the header is the first line: no notice lines to skip
