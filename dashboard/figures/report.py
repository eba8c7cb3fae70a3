"""The market engagement report's charts, as plain data for inline SVG.

The report is one offline HTML file, so its charts are SVG drawn by the template
(``dashboard/templates/report.html``), not plotly. Each function here turns rows into a chart:
``{"id", "title", "desc", "width", "height", "elements"}``, where an element is
``{"tag", "attrs", "title", "text"}`` (attribute values already formatted as text, in the order
they are written). The template writes and escapes them, so no markup is built here, and the
geometry can be tested without parsing HTML. Bars and dots carry ``data-*`` attributes so tests
can read the numbers back.
"""

from __future__ import annotations

from datetime import date

from dashboard import format
from dashboard.figures import OKABE_ITO
from etl import reference

SHARE_BARS = 10  # suppliers drawn one by one; the rest are summed into one bar
BLUE, ORANGE, VERMILLION = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]
GREY = "#6c757d"


def element(tag: str, title: str | None = None, text: str | None = None, **attrs: object) -> dict:
    """One SVG element; attribute names with underscores become hyphens (``text_anchor``)."""
    return {"tag": tag, "attrs": {k.replace("_", "-"): v for k, v in attrs.items()}, "title": title, "text": text}


def label(x: str, y: str, text: str, anchor: str = "start", title: str | None = None) -> dict:
    return element("text", title=title, text=text, x=x, y=y, text_anchor=anchor)


def chart(chart_id: str, title: str, desc: str, width: float, height: float, elements: list[dict]) -> dict:
    return {"id": chart_id, "title": title, "desc": desc, "width": width, "height": height, "elements": elements}


def nice_max(value: float, whole: bool = False) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 times a power of ten); a multiple of 4 for
    counts, so that the four gridlines fall on whole numbers."""
    if whole:
        return 4 * max(1, -(-int(value) // 4))
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * step:
            return m * step
    return 10 * step


# --------------------------------------------------------------------------- market share


def share_bars(suppliers: list[dict]) -> list[tuple[str, float, int]]:
    """(name, share %, contracts) of the largest suppliers, then one bar for all the others."""
    named = [s for s in suppliers if s["supplier"]]
    bars = [(s["supplier"], s["share"] or 0.0, s["contracts"]) for s in named[:SHARE_BARS]]
    rest = named[SHARE_BARS:]
    if rest:
        bars.append((f"All others ({len(rest)} suppliers)", sum(s["share"] or 0 for s in rest),
                     sum(s["contracts"] for s in rest)))  # fmt: skip
    return bars


def share_chart(suppliers: list[dict]) -> dict:
    """Horizontal bars: each supplier's share of the contracts in scope (largest first, the rest summed)."""
    bars = share_bars(suppliers)
    label_w, bar_w, row_h, top = 250, 380, 22, 10
    width, height = label_w + bar_w + 70, top + row_h * max(len(bars), 1) + 30
    scale = nice_max(max((b[1] for b in bars), default=0))
    out = []
    for i, (name, share, n) in enumerate(bars):
        y = top + i * row_h
        short = name if len(name) <= 38 else name[:36] + "…"
        w = bar_w * share / scale
        out += [
            label(f"{label_w - 6}", f"{y + 15}", short, "end", title=name),
            element("rect", title=f"{name}: {share:.1f}% ({n:,} contracts)", x=f"{label_w}", y=f"{y + 3}",
                    width=f"{w:.1f}", height=f"{row_h - 6}", fill=BLUE, data_supplier=name,
                    data_value=round(share, 4), data_contracts=n),
            element("text", text=f"{share:.1f}%", x=f"{label_w + w + 4:.1f}", y=f"{y + 15}"),
        ]  # fmt: skip
    axis_y = top + row_h * max(len(bars), 1) + 4
    out.append(element("line", x1=f"{label_w}", y1=f"{top}", x2=f"{label_w}", y2=f"{axis_y}", stroke=GREY))
    for k in range(5):
        out.append(label(f"{label_w + bar_w * k / 4:.1f}", f"{axis_y + 14}", f"{scale * k / 4:g}%", "middle"))
    if not bars:
        out.append(label(f"{width / 2}", f"{top + 15}", "No contracts with a supplier", "middle"))
    desc = "; ".join(f"{name}: {share:.1f}%" for name, share, _n in bars) or "No data"
    return chart("chart-share", "Market share: suppliers' share of the contracts in scope", desc, width, height, out)


# --------------------------------------------------------------------------- quarters


def quarter_chart(quarters: list[dict]) -> dict:
    """Vertical bars: contracts ending per quarter of the period (``quarter``: its first day)."""
    left, top, plot_h, col_w = 40, 10, 150, max(18, min(48, 640 // max(len(quarters), 1)))
    width, height = left + col_w * len(quarters) + 20, top + plot_h + 40
    scale = nice_max(max((q["contracts"] for q in quarters), default=0), whole=True)
    out = []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        out += [element("line", x1=f"{left}", y1=f"{y:.1f}", x2=f"{width - 10}", y2=f"{y:.1f}", stroke="#e9ecef"),
                label(f"{left - 4}", f"{y + 4:.1f}", f"{scale * k / 4:g}", "end")]  # fmt: skip
    for i, q in enumerate(quarters):
        h = plot_h * q["contracts"] / scale
        x = left + i * col_w
        out += [
            element("rect", title=f"{q['label']}: {q['contracts']:,} contracts end", x=f"{x + 3}",
                    y=f"{top + plot_h - h:.1f}", width=f"{col_w - 6}", height=f"{h:.1f}", fill=BLUE,
                    data_quarter=q["quarter"].isoformat(), data_value=q["contracts"]),
            label(f"{x + col_w / 2:.1f}", f"{top + plot_h + 14:.1f}", q["label"].split()[0], "middle"),
        ]  # fmt: skip
        if i == 0 or q["quarter"].month == 1:
            out.append(label(f"{x + col_w / 2:.1f}", f"{top + plot_h + 28}", f"{q['quarter'].year}", "middle"))
    desc = "; ".join(f"{q['label']}: {q['contracts']}" for q in quarters)
    return chart("chart-quarters", "Contracts ending, by quarter of the period", desc, width, height, out)


# --------------------------------------------------------------------------- timeline


def quarter_ticks(start: date, end: date) -> list[date]:
    """First days of the quarters from ``start`` to ``end``, at most about eight of them."""
    day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    ticks = []
    while day <= end:
        if day >= start:
            ticks.append(day)
        day = reference.add_months(day, 3)
    return ticks[:: max(1, len(ticks) // 8)]


def _contract_marks(c: dict, x, y: float) -> list[dict]:
    """A contract's dot at its end date, and the line on to its latest end with extensions."""
    out = []
    cx = x(c["end_date"])
    if c.get("max_end_date") and c["max_end_date"] > c["end_date"]:
        out.append(element("line", x1=f"{cx:.1f}", y1=f"{y}", x2=f"{x(c['max_end_date']):.1f}", y2=f"{y}",
                           stroke=ORANGE, stroke_width="3", stroke_opacity=".6"))  # fmt: skip
    what = c.get("system_name") or c.get("title") or "contract"
    title = (f"{what} ({c.get('supplier_name') or 'supplier not known'}): ends "
             f"{format.long_date(c['end_date'])}{' — gap' if c.get('gap') else ''}")  # fmt: skip
    out.append(element("circle", title=title, cx=f"{cx:.1f}", cy=f"{y}", r="5",
                       fill=VERMILLION if c.get("gap") else BLUE, data_contract=c["contract_id"],
                       data_end=c["end_date"].isoformat()))  # fmt: skip
    return out


def timeline_chart(ending: list[dict], start: date, end: date) -> dict:
    """One row per borough: a dot at each contract's end date, a line on to its latest end with extensions."""
    names = reference.borough_names()
    rows: dict[str, list[dict]] = {}
    for c in sorted(ending, key=lambda c: (c["end_date"], c["borough_code"] or "")):
        rows.setdefault(c["borough_code"] or "", []).append(c)
    label_w, plot_w, row_h, top = 170, 520, 20, 10
    width, height = label_w + plot_w + 30, top + row_h * max(len(rows), 1) + 36
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return label_w + plot_w * min(max((day - start).days, 0), span) / span

    out = []
    for i, (code, items) in enumerate(rows.items()):
        y = top + i * row_h + row_h / 2
        out.append(label(f"{label_w - 6:.1f}", f"{y + 4:.1f}", names.get(code, code or "No borough"), "end"))
        out.append(element("line", x1=f"{label_w}", y1=f"{y}", x2=f"{label_w + plot_w}", y2=f"{y}", stroke="#f1f3f5"))
        for c in items:
            out += _contract_marks(c, x, y)
    axis_y = top + row_h * max(len(rows), 1) + 4
    out.append(element("line", x1=f"{label_w}", y1=f"{axis_y}", x2=f"{label_w + plot_w}", y2=f"{axis_y}", stroke=GREY))
    for t in quarter_ticks(start, end):
        out += [element("line", x1=f"{x(t):.1f}", y1=f"{axis_y}", x2=f"{x(t):.1f}", y2=f"{axis_y + 4}", stroke=GREY),
                label(f"{x(t):.1f}", f"{axis_y + 16}", format.short_month(t), "middle")]  # fmt: skip
    if not rows:
        out.append(label(f"{label_w + plot_w / 2:.1f}", f"{top + 14:.1f}", "No contracts end in the period", "middle"))
    desc = (f"{len(ending)} contracts in {len(rows)} boroughs end between {format.long_date(start)} "
            f"and {format.long_date(end)}")  # fmt: skip
    return chart("chart-timeline", "Timeline of contract ends in the period, by borough", desc, width, height, out)
