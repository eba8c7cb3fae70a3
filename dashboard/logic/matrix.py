"""Boroughs x services: which system each borough runs for each service, and the tile map.

The page and its export read the same ``model``: the boroughs (rows) and service areas (columns)
to show, every non-empty cell with its systems and suppliers, and the colour domain of the
chosen measure. No Dash here; the page draws what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

import duckdb

from dashboard import format as fmt
from dashboard import links, state
from dashboard.figures import matrix as fm
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import matrix as mq
from etl import reference


class Column(NamedTuple):
    area: str | None  # None: contracts without a service area
    label: str
    group: str


def measure(st: Mapping[str, object]) -> mq.Measure:
    """The measure the URL asks for (``measure``), or the default one."""
    return mq.MEASURES[mq.measure_key(st.get("measure"))]


def columns(filters: Mapping[str, object], cells: Mapping) -> list[Column]:
    """Service areas in taxonomy order (Frontline, then Corporate), only the filtered ones if any.

    A "Not known" column is added when some contracts have no service area, so no contract is
    silently left out of the matrix.
    """
    wanted = set(mq.requested(filters, "service_area"))
    out = [Column(sa.name, sa.name, sa.group) for sa in reference.service_areas() if not wanted or sa.name in wanted]
    if any(area is None for _code, area in cells):
        out.append(Column(None, UNKNOWN_SERVICE_AREA, "Other"))
    return out


def column_groups(cols: list[Column]) -> list[tuple[str, int]]:
    """(group, number of columns) for each run of columns of one group: the grouped header row."""
    groups: list[tuple[str, int]] = []
    for c in cols:
        if groups and groups[-1][0] == c.group:
            groups[-1] = (c.group, groups[-1][1] + 1)
        else:
            groups.append((c.group, 1))
    return groups


def rows(filters: Mapping[str, object]) -> list[reference.Borough]:
    """All 33 authorities by name (boroughs without data stay, as empty rows), or the filtered ones."""
    wanted = set(mq.requested(filters, "borough"))
    return [b for b in sorted(reference.boroughs(), key=lambda b: b.name) if not wanted or b.code in wanted]


SYSTEMS_SHOWN = 3  # systems listed in a cell on screen, most contracts first (the export lists them all)
SUPPLIERS_SHOWN = 2  # suppliers named per system in a cell's hover text


def model(
    cur: duckdb.DuckDBPyConnection, filters: Mapping[str, object], today: date | None = None, full: bool = False
) -> dict:
    """Everything the matrix shows: rows, columns, cells, the tile map's values, the measure and its
    colour domain. On screen a cell lists its first ``SYSTEMS_SHOWN`` systems and how many more
    there are (about a thousand cells: the page must stay small); ``full`` (the export) lists all.
    """
    chosen = measure(filters)
    shown = (None, None) if full else (SYSTEMS_SHOWN, SUPPLIERS_SHOWN)
    values, cells = mq.matrix(cur, filters, chosen.key, today, *shown)
    lo, hi = fm.domain([c["value"] for c in cells.values()], chosen)
    return {"measure": chosen, "rows": rows(filters), "columns": columns(filters, cells), "cells": cells,
            "values": values, "domain": (lo, hi)}  # fmt: skip


def entry_label(entry: dict) -> str:
    """A system of a cell by name; contracts without one as a count, so they are not lost."""
    if entry["system"] is not None:
        return entry["system"]
    return f"{fmt.plural(entry['contracts'], 'contract')} without a system name"


def cell_text(cell: dict | None) -> str:
    """A cell as plain text (for the export): 'System (Supplier); ...'."""
    if not cell:
        return ""
    return "; ".join(
        entry_label(s) + (f" ({', '.join(s['suppliers'])})" if s["suppliers"] else "") for s in cell["systems"]
    )


def cell_lines(cell: dict) -> str:
    """A cell's systems on screen, one a line, and how many more the export lists."""
    lines = [entry_label(s) for s in cell["systems"]]
    if cell.get("more_systems"):
        lines.append(f"and {fmt.plural(cell['more_systems'], 'more system')}")
    return "\n".join(lines)


def cell_hover(cell: dict) -> str:
    """Who supplies each system of a cell, as its hover text: 'Mosaic: Servelec; Liquidlogic: ...'."""
    parts = []
    for s in cell["systems"]:
        names = ", ".join(s["suppliers"]) or "supplier not recorded"
        more = f" and {s['more_suppliers']} more" if s.get("more_suppliers") else ""
        parts.append(f"{entry_label(s)}: {names}{more}")
    return "Suppliers: " + "; ".join(parts)


def borough_hrefs(st: Mapping[str, object]) -> dict[str, str]:
    """Each authority's page with the filters kept, made once for the page's two lists of boroughs."""
    return {b.code: links.borough_href(b.code, st) for b in reference.boroughs()}


def tile_rows(values: Mapping[str, float | int | None], chosen: mq.Measure, hrefs: Mapping[str, str]) -> list[dict]:
    """The tile map's table alternative: every authority by name (``hrefs``: its page), its value formatted
    (a dash for none)."""
    return [
        {"code": b.code, "name": b.name, "href": hrefs[b.code], "value": values.get(b.code),
         "shown": fm.fmt_value(values.get(b.code), chosen)}
        for b in sorted(reference.boroughs(), key=lambda b: b.name)
    ]  # fmt: skip


def legend_steps(lo: float, hi: float) -> list[float]:
    """Five evenly spaced values of the colour domain, for the legend's swatches."""
    return [lo + (hi - lo) * i / 4 for i in range(5)]


# --------------------------------------------------------------------------- the grid's rows


def field(i: int) -> str:
    """The grid's key of the i-th service-area column (names hold spaces and quotes; an index does not)."""
    return f"a{i}"


def grid_cell(key: str, cell: dict, chosen: mq.Measure, lo: float, hi: float) -> dict:
    """A cell's entries in its row: the text (systems, one a line, then the value), the suppliers as
    its tooltip (``__title``), and its colours (``__bg``, ``__fg``) computed here, so the browser
    only applies them (the CSP forbids evaluating style functions there)."""
    out = {key: f"{cell_lines(cell)}\n{fm.fmt_value(cell['value'], chosen)}", f"{key}__title": cell_hover(cell)}
    style = fm.cell_style(cell["value"], lo, hi)
    if style:
        out.update({f"{key}__bg": style["backgroundColor"], f"{key}__fg": style["color"]})
    return out


def grid_rows(m: Mapping, hrefs: Mapping[str, str]) -> list[dict]:
    """One row per borough of ``model`` (empty boroughs too), with its page's link (``borough_hrefs``)
    and an entry per non-empty cell; an empty cell has no key at all."""
    lo, hi = m["domain"]
    out = []
    for b in m["rows"]:
        row = {"code": b.code, "borough": b.name, "href": hrefs[b.code]}
        for i, c in enumerate(m["columns"]):
            cell = m["cells"].get((b.code, c.area))
            if cell:
                row.update(grid_cell(field(i), cell, m["measure"], lo, hi))
        out.append(row)
    return out


def most_lines(rows: list[dict], cols: list[Column]) -> int:
    """The most lines in any cell of the rows: the grid's rows all get this height (at least one line)."""
    keys = [field(i) for i in range(len(cols))]
    return max((row[k].count("\n") + 1 for row in rows for k in keys if k in row), default=1)


# --------------------------------------------------------------------------- export


def matrix_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[str], list[list]]:
    """The matrix as rows of text: one per borough shown, one column per service area shown."""
    m = model(cur, filters, full=True)
    headings = ["Borough", "ONS code", *(c.label for c in m["columns"])]
    return headings, [
        [b.name, b.code, *(cell_text(m["cells"].get((b.code, c.area))) for c in m["columns"])] for b in m["rows"]
    ]


VIEW = state.View(
    "matrix",
    "/matrix",
    (state.Key("measure", state.choice(*mq.MEASURES), label="Colour by"),),
    exports={"matrix": matrix_table},
)
