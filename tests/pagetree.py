"""Helpers for tests that read a page: its component tree as Dash sends it (JSON dicts), or the
components a page function returns."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit


def walk(node):
    """Every component (as JSON dicts) in a layout tree."""
    if isinstance(node, list):
        for child in node:
            yield from walk(child)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))
    elif hasattr(node, "to_plotly_json"):  # components from a page function called directly
        yield from walk(node.to_plotly_json())


def texts(tree) -> list[str]:
    """The text children of every component, in document order."""
    out = []
    for node in walk(tree):
        children = node["props"].get("children")
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str | int | float):
                out.append(str(child))
    return out


def by_id(tree, component_id: str) -> dict:
    return next(n for n in walk(tree) if n["props"].get("id") == component_id)


def render(client, path: str = "/", search: str = "") -> list:
    """A page's component tree as the browser gets it: through Dash's pages router callback,
    posted with a Flask test ``client`` of the app."""
    deps = client.get("/_dash-dependencies").get_json()
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    values = {"pathname": path, "search": search}
    body = {
        "output": router["output"],
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{**i, "value": values[i["property"]]} for i in router["inputs"]],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, (path, response.status_code, response.data[:2000])
    return response.get_json()["response"]["_pages_content"]["children"]


def query_of(href: str) -> dict:
    """A link's query string as parse_qs gives it: {"borough": ["E09000007"]}."""
    return parse_qs(urlsplit(href).query)


def md_rows(node) -> list[list[str]]:
    """The body rows of the Markdown tables under ``node``, cells unescaped, as a reader sees them."""
    out = []
    for n in walk(node):
        if n["type"] == "Markdown":
            lines = [line for line in n["props"]["children"].split("\n") if line.startswith("|")][2:]
            out += [[html.unescape(re.sub(r"\\(.)", r"\1", c.strip())) for c in line.strip("|").split(" | ")]
                    for line in lines]  # fmt: skip
    return out
