"""The market engagement report as one self-contained, printable HTML file.

No scripts, no web fonts, no CDN: inline CSS and charts drawn here as inline SVG, so the file
opens offline, prints cleanly to A4 and can be attached to an email. Every data value goes
through ``html.escape`` (a supplier called ``<script>`` is printed, never run). Numbers carry
``data-figure``/``data-value`` (and table rows ``data-*``) attributes so tests can read them
back and compare them with the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

from dashboard.queries.expiring import GAP_MONTHS
from dashboard.report import (
    DECIMAL_KEYS,
    MONEY_KEYS,
    OGL_URL,
    SAMPLE_WARNING,
    Report,
    about_rows,
    headline_rows,
    long_date,
    money,
)
from etl import reference

CONTRACT_ROWS = 300  # rows of the "ending in the period" table; the workbook has them all
SHARE_BARS = 10
BLUE, ORANGE, VERMILLION, GREY = "#0072B2", "#E69F00", "#D55E00", "#6c757d"  # Okabe-Ito: colour-blind safe

CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #212529; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7rem; margin-bottom: .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
  border-bottom: 2px solid #dee2e6; padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
.meta { color: #495057; font-size: .9rem; } .meta dt { font-weight: 600; float: left; clear: left; width: 9rem; }
.meta dd { margin-left: 9.5rem; }
.warning { background: #fff3cd; border: 1px solid #ffe69c; padding: .6rem .8rem; border-radius: 4px; font-weight: 600; }
.summary p { margin: .4rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #dee2e6; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .5rem; }
.headline div { border: 1px solid #dee2e6; border-radius: 4px; padding: .5rem; }
.headline .label { font-size: .8rem; color: #495057; } .headline .value { font-size: 1.3rem; font-weight: 600; }
figure { margin: 1rem 0; } figcaption { font-size: .85rem; color: #495057; }
svg { max-width: 100%; height: auto; } svg text { font-family: inherit; font-size: 11px; fill: #212529; }
.badge { background: #ffc107; border-radius: 3px; padding: 0 .3rem; font-size: .75rem; font-weight: 600; }
.small { font-size: .85rem; color: #495057; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; } figure, .headline, tr { break-inside: avoid; }
  thead { display: table-header-group; } a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 14mm; }
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def attrs(**values: object) -> str:
    """HTML attributes (underscores become hyphens: data_value -> data-value), escaped."""
    return "".join(f' {k.replace("_", "-")}="{e(v)}"' for k, v in values.items() if v is not None)


def show(value: object, kind: str = "text") -> str:
    if value is None or value == "":
        return "–"
    if kind == "money":
        return money(float(value))
    if kind == "pct":
        return f"{float(value):.1f}%"
    if kind == "score":
        return f"{float(value):.2f}"
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def raw(value: object) -> object:
    """A number or date as a data attribute holds it: plain, unformatted."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def table(
    caption: str,
    columns: Sequence[tuple[str, str, str]],
    rows: Iterable[dict],
    row_attrs=None,
    table_id: str | None = None,
) -> str:
    """A table of dict rows; columns are (heading, key, kind). Numeric cells carry data-value."""
    numeric = {"int", "money", "pct", "score"}
    head = "".join(f'<th scope="col"{" class=num" if kind in numeric else ""}>{e(h)}</th>' for h, _k, kind in columns)
    body = []
    for row in rows:
        cells = []
        for _h, key, kind in columns:
            value = row.get(key)
            if kind in numeric:
                cells.append(f'<td class="num"{attrs(data_key=key, data_value=raw(value))}>{e(show(value, kind))}</td>')
            elif kind == "link":
                url = value if isinstance(value, str) and value.lower().startswith(("https://", "http://")) else None
                cells.append(f'<td><a href="{e(url)}">Notice</a></td>' if url else "<td>–</td>")
            elif kind == "gap":
                cells.append('<td><span class="badge">Gap</span></td>' if value else "<td></td>")
            else:
                cells.append(f"<td>{e(show(value, kind))}</td>")
        extra = attrs(**row_attrs(row)) if row_attrs else ""
        body.append(f"<tr{extra}>{''.join(cells)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(columns)}">None.</td></tr>')
    return (
        f"<table{attrs(id=table_id)}><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# --------------------------------------------------------------------------- charts (inline SVG)


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{e(title)}</title><desc id="{chart_id}-desc">{e(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{e(text)}</text>'


def _nice_max(value: float, whole: bool = False) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 times a power of ten); a multiple of 4 for counts,
    so that the four gridlines fall on whole numbers."""
    if whole:
        return 4 * max(1, -(-int(value) // 4))
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * step:
            return m * step
    return 10 * step


def share_chart(r: Report) -> str:
    """Horizontal bars: each supplier's share of the contracts in scope (largest first, the rest summed)."""
    named = [s for s in r.suppliers if s["supplier"]]
    bars = [(s["supplier"], s["share"] or 0.0, s["contracts"]) for s in named[:SHARE_BARS]]
    rest = named[SHARE_BARS:]
    if rest:
        bars.append((f"All others ({len(rest)} suppliers)", sum(s["share"] or 0 for s in rest),
                     sum(s["contracts"] for s in rest)))  # fmt: skip
    label_w, bar_w, row_h, top = 250, 380, 22, 10
    width, height = label_w + bar_w + 70, top + row_h * max(len(bars), 1) + 30
    scale = _nice_max(max((b[1] for b in bars), default=0))
    body = []
    for i, (name, share, n) in enumerate(bars):
        y = top + i * row_h
        short = name if len(name) <= 38 else name[:36] + "…"
        w = bar_w * share / scale
        body.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end"><title>{e(name)}</title>{e(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{BLUE}"'
            f"{attrs(data_supplier=name, data_value=round(share, 4), data_contracts=n)}><title>{e(name)}: "
            f"{share:.1f}% ({n:,} contracts)</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{share:.1f}%</text>'
        )
    axis_y = top + row_h * max(len(bars), 1) + 4
    body.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{axis_y}" stroke="{GREY}"/>')
    for k in range(5):
        x = label_w + bar_w * k / 4
        body.append(f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">{scale * k / 4:g}%</text>')
    if not bars:
        body.append(f'<text x="{width / 2}" y="{top + 15}" text-anchor="middle">No contracts with a supplier</text>')
    desc = "; ".join(f"{name}: {share:.1f}%" for name, share, _n in bars) or "No data"
    return _svg("chart-share", "Market share: suppliers' share of the contracts in scope", desc, width, height, body)


def quarter_chart(r: Report) -> str:
    """Vertical bars: contracts ending per quarter of the period."""
    left, top, plot_h, col_w = 40, 10, 150, max(18, min(48, 640 // max(len(r.quarters), 1)))
    width, height = left + col_w * len(r.quarters) + 20, top + plot_h + 40
    scale = _nice_max(max((q["contracts"] for q in r.quarters), default=0), whole=True)
    body = []
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e9ecef"/>'
                    f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{scale * k / 4:g}</text>')  # fmt: skip
    for i, q in enumerate(r.quarters):
        h = plot_h * q["contracts"] / scale
        x = left + i * col_w
        body.append(
            f'<rect x="{x + 3}" y="{top + plot_h - h:.1f}" width="{col_w - 6}" height="{h:.1f}" fill="{BLUE}"'
            f"{attrs(data_quarter=q['quarter'].isoformat(), data_value=q['contracts'])}>"
            f"<title>{e(q['label'])}: {q['contracts']:,} contracts end</title></rect>"
            + _text(x + col_w / 2, top + plot_h + 14, f"Q{(q['quarter'].month - 1) // 3 + 1}", "middle")
        )
        if i == 0 or q["quarter"].month == 1:
            body.append(f'<text x="{x + col_w / 2:.1f}" y="{top + plot_h + 28}" text-anchor="middle">'
                        f"{q['quarter'].year}</text>")  # fmt: skip
    desc = "; ".join(f"{q['label']}: {q['contracts']}" for q in r.quarters)
    return _svg("chart-quarters", "Contracts ending, by quarter of the period", desc, width, height, body)


def timeline_chart(r: Report) -> str:
    """One row per borough: a dot at each contract's end date, a line on to its latest end with extensions."""
    names = reference.borough_names()
    rows: dict[str, list[dict]] = {}
    for c in sorted(r.ending, key=lambda c: (c["end_date"], c["borough_code"] or "")):
        rows.setdefault(c["borough_code"] or "", []).append(c)
    label_w, plot_w, row_h, top = 170, 520, 20, 10
    width, height = label_w + plot_w + 30, top + row_h * max(len(rows), 1) + 36
    span = max((r.end - r.start).days, 1)

    def x(day: date) -> float:
        return label_w + plot_w * min(max((day - r.start).days, 0), span) / span

    body = []
    for i, (code, items) in enumerate(rows.items()):
        y = top + i * row_h + row_h / 2
        body.append(_text(label_w - 6, y + 4, names.get(code, code or "No borough"), "end"))
        body.append(f'<line x1="{label_w}" y1="{y}" x2="{label_w + plot_w}" y2="{y}" stroke="#f1f3f5"/>')
        for c in items:
            cx = x(c["end_date"])
            if c.get("max_end_date") and c["max_end_date"] > c["end_date"]:
                body.append(f'<line x1="{cx:.1f}" y1="{y}" x2="{x(c["max_end_date"]):.1f}" y2="{y}" stroke="{ORANGE}" '
                            f'stroke-width="3" stroke-opacity=".6"/>')  # fmt: skip
            colour = VERMILLION if c.get("gap") else BLUE
            what = c.get("system_name") or c.get("title") or "contract"
            body.append(
                f'<circle cx="{cx:.1f}" cy="{y}" r="5" fill="{colour}"'
                f"{attrs(data_contract=c['contract_id'], data_end=c['end_date'].isoformat())}>"
                f"<title>{e(what)} ({e(c.get('supplier_name') or 'supplier not known')}): ends "
                f"{e(long_date(c['end_date']))}{' — gap' if c.get('gap') else ''}</title></circle>"
            )
    axis_y = top + row_h * max(len(rows), 1) + 4
    body.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="{GREY}"/>')
    day = date(r.start.year, 3 * ((r.start.month - 1) // 3) + 1, 1)
    ticks = []
    while day <= r.end:
        if day >= r.start:
            ticks.append(day)
        day = reference.add_months(day, 3)
    step = max(1, len(ticks) // 8)
    for t in ticks[::step]:
        body.append(f'<line x1="{x(t):.1f}" y1="{axis_y}" x2="{x(t):.1f}" y2="{axis_y + 4}" stroke="{GREY}"/>'
                    f'<text x="{x(t):.1f}" y="{axis_y + 16}" text-anchor="middle">{t:%b %Y}</text>')  # fmt: skip
    if not rows:
        body.append(_text(label_w + plot_w / 2, top + 14, "No contracts end in the period", "middle"))
    desc = f"{len(r.ending)} contracts in {len(rows)} boroughs end between {long_date(r.start)} and {long_date(r.end)}"
    return _svg("chart-timeline", "Timeline of contract ends in the period, by borough", desc, width, height, body)


# --------------------------------------------------------------------------- the page


def _headline(r: Report) -> str:
    items = []
    for key, label, value in headline_rows(r):
        kind = (
            "money"
            if key in MONEY_KEYS
            else ("pct" if key == "top_share" else "score" if key in DECIMAL_KEYS else "int")
        )
        shown = show(value, kind) if value is not None else "–"
        items.append(
            f'<div><div class="label">{e(label)}</div>'
            f'<div class="value"{attrs(id=f"figure-{key}", data_figure=key, data_value=raw(value))}>'
            f"{e(shown)}</div></div>"
        )
    return f'<div class="headline">{"".join(items)}</div>'


def _figure(title: str, svg: str, caption: str, table_html: str) -> str:
    """A chart with its visible title, a caption saying how to read it, and its numbers as a table."""
    return f"<h3>{e(title)}</h3><figure>{svg}<figcaption>{e(caption)}</figcaption></figure>{table_html}"


QUARTER_COLUMNS = [
    ("Quarter", "label", "text"),
    ("Contracts ending", "contracts", "int"),
    ("Boroughs", "boroughs", "int"),
]
SUPPLIER_COLUMNS = [
    ("Supplier", "supplier", "text"),
    ("Contracts", "contracts", "int"),
    ("Share", "share", "pct"),
    ("Boroughs", "boroughs", "int"),
    ("Ending in the period", "ending", "int"),
    ("Share of those ending", "ending_share", "pct"),
    ("Annual value", "annual_value", "money"),
]
BOROUGH_COLUMNS = [
    ("Borough", "borough", "text"),
    ("Contracts", "contracts", "int"),
    ("Ending in the period", "ending", "int"),
    ("Annual value", "annual_value", "money"),
    ("Suppliers", "supplier_names", "text"),
    ("Next end", "next_end", "date"),
]
ENDING_COLUMNS = [
    ("Ends", "end_date", "date"),
    ("Borough", "borough", "text"),
    ("Supplier", "supplier_name", "text"),
    ("System or title", "what", "text"),
    ("Latest end", "max_end_date", "date"),
    ("Annual value", "annual_value", "money"),
    ("Start procurement by", "procurement_start", "date"),
    ("Buyer contact", "contact", "text"),
    ("Notice", "source_url", "link"),
    ("Gap", "gap", "gap"),
]
WINDOW_COLUMNS = [
    ("Group", "group", "text"),
    ("First end", "start", "date"),
    ("Last end", "end", "date"),
    ("Start procurement by", "procurement_start", "date"),
    ("Boroughs", "boroughs", "int"),
    ("Which", "borough_names", "text"),
    ("Suppliers", "suppliers", "text"),
    ("Annual value", "annual_value", "money"),
]
NOTICE_COLUMNS = [
    ("Borough", "borough", "text"),
    ("Stage", "stage", "text"),
    ("Title", "title", "text"),
    ("Planned end", "end_date", "date"),
    ("Notice", "source_url", "link"),
]
SURVEY_COLUMNS = [
    ("Measure", "measure", "text"),
    ("Answers", "n", "int"),
    ("Average", "avg", "score"),
    *((str(k), f"s{k}", "int") for k in range(1, 6)),
]
SURVEY_SYSTEM_COLUMNS = [
    ("System", "system", "text"),
    ("Boroughs", "boroughs", "int"),
    ("Contracts with scores", "responses", "int"),
    ("Confidence", "confidence", "score"),
    ("Satisfaction", "satisfaction", "score"),
    ("Value for money", "value_for_money", "score"),
]
SOURCE_COLUMNS = [("Source", "name", "text"), ("Contracts", "contracts", "int")]
SCORE_LABELS = {
    "confidence": "Confidence in supporting the system",
    "satisfaction": "Satisfaction",
    "value_for_money": "Value for money",
}


def _section(section_id: str, heading: str, *parts: str) -> str:
    return f"<section id='{section_id}'><h2>{e(heading)}</h2>{''.join(parts)}</section>"


def render_html(r: Report) -> str:
    """The whole report as one HTML document (a string)."""
    names = reference.borough_names()
    sample = r.status.get("is_sample")
    warning = f'<p class="warning" role="note" id="sample-warning">{e(SAMPLE_WARNING)}</p>' if sample else ""
    about = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in about_rows(r) if k != "Warning")
    ending = [
        {
            **c,
            "borough": names.get(c["borough_code"], c["borough_code"]),
            "what": c.get("system_name") or c.get("title"),
            "contact": " ".join(filter(None, (c.get("contact_name"), c.get("contact_email")))),
        }
        for c in r.ending[:CONTRACT_ROWS]
    ]
    more = ""
    if len(r.ending) > CONTRACT_ROWS:
        more = (
            f'<p class="small">The first {CONTRACT_ROWS:,} of {len(r.ending):,} are listed; the workbook has all.</p>'
        )
    scores = [
        {"measure": label, "n": r.survey_totals[s]["n"], "avg": r.survey_totals[s]["avg"]}
        | {f"s{k}": v for k, v in enumerate(r.survey_totals[s]["counts"], start=1)}
        for s, label in SCORE_LABELS.items()
    ]
    suppliers = [{**s, "supplier": s["supplier"] or "Not known (left out of the shares)"} for s in r.suppliers]
    sections = [
        f"<header><h1>{e(r.title)}</h1>{warning}<dl class='meta'>{about}</dl></header>",
        _section("summary", "Summary", *(f"<p>{e(s)}</p>" for s in r.summary), _headline(r)),
        _section(
            "when",
            "When contracts end",
            _figure(
                "Timeline of contract ends, by borough",
                timeline_chart(r),
                "Each dot is a contract's end date (red: a gap, no tender or pipeline notice seen); the orange line "
                "runs on to its latest end with every extension taken. The contracts are listed below.",
                "",
            ),
            _figure(
                "End dates by quarter",
                quarter_chart(r),
                "Contracts in scope ending in each quarter of the period.",
                table(
                    "Contracts ending by quarter",
                    QUARTER_COLUMNS,
                    r.quarters,
                    lambda q: {"data_quarter": q["quarter"].isoformat()},
                    "table-quarters",
                ),
            ),
        ),  # fmt: skip
        _section(
            "market",
            "Suppliers and market share",
            _figure(
                "Market share",
                share_chart(r),
                "Shares of the contracts in scope that name a supplier.",
                table(
                    "Suppliers: contracts, boroughs and shares",
                    SUPPLIER_COLUMNS,
                    suppliers,
                    lambda s: {"data_supplier": s["supplier"]},
                    "table-suppliers",
                ),
            ),
        ),  # fmt: skip
        _section(
            "boroughs",
            "Boroughs",
            table(
                "Contracts in scope by borough",
                BOROUGH_COLUMNS,
                r.boroughs,
                lambda b: {"data_borough": b["borough_code"]},
                "table-boroughs",
            ),
        ),  # fmt: skip
        _section(
            "contracts",
            "Contracts ending in the period",
            f"<p class='small'>{r.numbers['gaps']:,} marked <span class='badge'>Gap</span>: ending within "
            f"{GAP_MONTHS} months with no tender or pipeline notice seen for that borough and service area.</p>",
            table(
                "Contracts ending in the period, soonest first",
                ENDING_COLUMNS,
                ending,
                lambda c: {"data_contract": c["contract_id"]},
                "table-ending",
            ),
            more,
        ),  # fmt: skip
        _section(
            "windows",
            "Joint procurement windows",
            "<p class='small'>Groups of at least three boroughs whose contracts end within six months of each "
            "other, so that they could procure together.</p>",
            table(
                "Joint procurement windows overlapping the period",
                WINDOW_COLUMNS,
                r.windows,
                lambda w: {"data_window": w["key"]},
                "table-windows",
            ),
            table("Tender and pipeline notices seen", NOTICE_COLUMNS, r.notices, None, "table-notices"),
        ),  # fmt: skip
        _section(
            "survey",
            "Survey confidence and satisfaction",
            table(
                "Borough survey scores (1 = low, 5 = high)",
                SURVEY_COLUMNS,
                scores,
                lambda s: {"data_measure": s["measure"]},
                "table-survey",
            ),
            table(
                "Scores by system",
                SURVEY_SYSTEM_COLUMNS,
                [{**s, "system": s["system"] or "Not known"} for s in r.survey[:50]],
                None,
                "table-survey-systems",
            ),
        ),  # fmt: skip
        _section(
            "sources",
            "Data sources and licence",
            warning,
            *(f"<p>{e(line)}</p>" for line in r.licences),
            f"<p class='small'>Open Government Licence v3.0: {e(OGL_URL)}</p>",
            table(
                "Contracts in scope by source of their records",
                SOURCE_COLUMNS,
                r.sources,
                lambda s: {"data_source": s["source"]},
                "table-sources",
            ),
            f"<p class='small'>Data as of {e(r.as_of)}; generated {e(r.generated_at.isoformat(sep=' '))} "
            "by City Tools.</p>",
        ),  # fmt: skip
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(r.title)}</title><style>{CSS}</style></head><body>" + "".join(sections) + "</body></html>\n"
    )
