"""Helpers for tests that read a rendered page: its component tree as Dash sends it (JSON dicts)."""

from __future__ import annotations


def walk(node):
    """Every component (as JSON dicts) in a layout tree."""
    if isinstance(node, list):
        for child in node:
            yield from walk(child)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))


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
