"""The "expiring soon" view without its page: URL keys, rows, export table and a figure.

The page, its CSV/Excel export and the ``/calendar.ics`` feed all call ``view_rows`` with the
same state, so a calendar subscription holds exactly the contracts the page lists. This lives
outside ``dashboard/pages`` because page modules can only be imported by a Dash app, and the
calendar route must work without one.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import duckdb

from dashboard import state
from dashboard.calendar_feed import KINDS
from dashboard.queries.expiring import GAP_MONTHS, HORIZONS, LEAD_MONTHS, expiring
from etl import reference

DEFAULT_MONTHS = 12
DEFAULT_KIND = "end"
# More rows than this make the page slow to draw; the page says when the list is cut.
ROW_LIMIT = 1000
GAP_EXPLANATION = (
    f"Gap: the contract ends within {GAP_MONTHS} months and no tender or pipeline notice has been seen "
    "for that borough and service area, so the borough may not have gone to market yet."
)
KIND_LABELS = {"end": "Contract end dates", "procurement": "Procurement start dates", "both": "Both"}

# CPV 2008 divisions that technology contracts are published under, named for the dropdown.
CPV_DIVISIONS: dict[str, str] = {
    "30": "Office and computing machinery and equipment",
    "32": "Radio, television and telecommunications equipment",
    "48": "Software packages and information systems",
    "50": "Repair and maintenance services",
    "51": "Installation services",
    "64": "Postal and telecommunications services",
    "72": "IT services: consulting, software development, internet and support",
    "79": "Business services",
    "98": "Other community, social and personal services",
}


def _months(value: str) -> int:
    try:
        n = int(value.strip())
    except ValueError:
        raise state.Invalid(f"{value!r} is not a whole number of months") from None
    if n not in HORIZONS:
        raise state.Invalid(f"{n} is not one of {', '.join(map(str, HORIZONS))}")
    return n


def _cpv(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"\d{2}", text):
        raise state.Invalid(f"{value!r} is not a CPV division (two digits, such as 48 or 72)")
    return text


state.declare("months", _months, label="Ending within (months)")
state.declare("cpv", _cpv, label="CPV division")
state.declare("kind", state.choice(*KINDS), label="Calendar events")


# --------------------------------------------------------------------------- rows


def months_of(st: dict) -> int:
    return int(st.get("months") or DEFAULT_MONTHS)


def uses_filter_dates(st: dict) -> bool:
    """Whether the filter bar's end dates replace the months (either one set does)."""
    return bool(st.get("end_from") or st.get("end_to"))


def period(st: dict, today: date) -> tuple[date, date]:
    """The end dates the view covers: the filter bar's range; a missing side is today, or ``months`` after the start."""
    start = date.fromisoformat(st["end_from"]) if st.get("end_from") else today
    end = date.fromisoformat(st["end_to"]) if st.get("end_to") else reference.add_months(start, months_of(st))
    return start, end


def view_rows(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> tuple[list[dict], bool]:
    """The contracts the view shows (soonest end first) and whether the list was cut at ``ROW_LIMIT``."""
    today = today or date.today()
    start, end = period(st, today)
    filters = {**state.filters_of(st), "end_from": start.isoformat(), "end_to": end.isoformat()}
    rows = expiring(cur, filters, today=today, lead_months=LEAD_MONTHS, cpv_division=st.get("cpv"), limit=ROW_LIMIT + 1)
    return rows[:ROW_LIMIT], len(rows) > ROW_LIMIT


def safe_url(url: object) -> str | None:
    """A notice link only when it is plain http(s): data never chooses the scheme of a link."""
    text = str(url or "").strip()
    return text if re.match(r"https?://", text, re.IGNORECASE) else None


def safe_email(email: object) -> str | None:
    text = str(email or "").strip()
    return text if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", text) else None


# --------------------------------------------------------------------------- export

EXPORT_COLUMNS = [
    "End date", "Borough code", "Borough", "Buyer", "Incumbent supplier", "System", "Title", "Service area",
    "Latest end with extensions", "Annual value (GBP)", "Start procurement by", "CPV division",
    "Buyer contact", "Buyer contact email", "Notice",
    f"Gap (no tender or pipeline notice, ends within {GAP_MONTHS} months)",
]  # fmt: skip


def export_rows(rows: list[dict]) -> list[list]:
    """Raw values for CSV/Excel, in ``EXPORT_COLUMNS`` order."""
    names = reference.borough_names()
    return [
        [r["end_date"], r["borough_code"], names.get(r["borough_code"], r["borough_code"]), r["buyer_name"],
         r["supplier_name"], r["system_name"], r["title"], r["service_area"], r["max_end_date"], r["annual_value"],
         r["procurement_start"], r["cpv_division"], r["contact_name"], r["contact_email"], r["source_url"],
         bool(r["gap"])]
        for r in rows
    ]  # fmt: skip


# --------------------------------------------------------------------------- figure


def by_month(rows: list[dict], start: date, end: date) -> list[tuple[str, int]]:
    """('2027-03', contracts ending that month) for every month of the period, zeros included,
    so the bars' spacing is the calendar's and a quiet month shows as one."""
    counts = Counter(r["end_date"].strftime("%Y-%m") for r in rows if r.get("end_date"))
    out = []
    day = date(start.year, start.month, 1)
    while day <= end:
        key = day.strftime("%Y-%m")
        out.append((key, counts.get(key, 0)))
        day = reference.add_months(day, 1)
    return out


def month_bar(months: list[tuple[str, int]]) -> dict:
    """Vertical bars of contracts ending per month (a plain dict figure)."""
    labels = [date.fromisoformat(m + "-01").strftime("%b %Y") for m, _ in months]
    figure = {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": [n for _, n in months],
                "marker": {"color": "#0072B2"},
                "hovertemplate": "%{x}: %{y:,} contracts end<extra></extra>",
                "name": "Contracts",
            }
        ],
        "layout": {
            "title": {"text": "Contracts ending, by month", "x": 0, "xanchor": "left"},
            "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13},
            "height": 300,
            "margin": {"l": 50, "r": 20, "t": 60, "b": 60},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"type": "category", "title": {"text": "Month the contract ends"}},
            "yaxis": {
                "title": {"text": "Contracts"},
                "rangemode": "tozero",
                "tickformat": ",d",
                "gridcolor": "#e9ecef",
            },
            "showlegend": False,
        },
    }
    if not any(n for _, n in months):
        figure["layout"]["annotations"] = [
            {"text": "No contracts end in this period", "showarrow": False, "xref": "paper", "yref": "paper",
             "x": 0.5, "y": 0.5}
        ]  # fmt: skip
    return figure
