"""Tree readers and export checks shared by the systems, suppliers and matrix tests.

The cursors (``cur``, ``sample_cur``) are conftest's fixtures; nothing here builds a database.
"""

from __future__ import annotations

import csv
import html
import json
import re

import plotly
from members import member_client
from pagetree import by_id, walk

MD_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(<([^>]*)>\)")  # [text](<href>), as pages.systems writes it


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


def md_lines(node) -> list[list[str]]:
    """The lines of the Markdown tables under ``node``, each as its raw cells (links and escapes kept)."""
    out = []
    for n in walk(node):
        if n["type"] == "Markdown":
            out += [
                line.strip()[2:-2].split(" | ") for line in n["props"]["children"].split("\n") if line.startswith("|")
            ]
    return out


def md_text(cell: str) -> str:
    """A Markdown cell as a reader sees it: links as their text, escapes and character references undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", MD_LINK.sub(lambda m: m.group(1), cell)))


def table_rows(tree, table_id: str) -> list[list[str]]:
    """The body cells of a table (HTML, or a Markdown table, its header and rule lines left out) as text."""
    body = next((n for n in walk(by_id(tree, table_id)) if n["type"] == "Tbody"), None)
    if body is None:
        return [[md_text(c) for c in line] for line in md_lines(by_id(tree, table_id))[2:]]
    return [[text(td) for td in tr["props"]["children"]] for tr in body["props"]["children"]]


def table_headings(tree, table_id: str) -> list[str]:
    headings = [text(n) for n in walk(by_id(tree, table_id)) if n["type"] == "Th"]
    return headings or [md_text(c) for c in md_lines(by_id(tree, table_id))[0]]


def links(tree, table_id: str | None = None) -> list[str]:
    """The hrefs of the in-app links of a tree (or of one table in it): ``dcc.Link``s and the site paths
    of Markdown links, in document order."""
    root = by_id(tree, table_id) if table_id else tree
    out = []
    for n in walk(root):
        if n["type"] == "Link":
            out.append(n["props"]["href"])
        elif n["type"] == "Markdown":
            out += [href for _text, href in MD_LINK.findall(n["props"]["children"]) if href.startswith("/")]
    return out


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
