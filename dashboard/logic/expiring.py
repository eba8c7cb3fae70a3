"""The "expiring soon" view without its page: URL keys, rows, sentences, export table and calendar.

The page, its CSV/Excel export and the ``/calendar.ics`` feed all call ``view_rows`` with the
same state, so a calendar subscription holds exactly the contracts the page lists. No Dash
here: the calendar route and the export call it without an app.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import duckdb
from icalendar import Calendar, Event

from dashboard import format, state
from dashboard.queries.expiring import GAP_MONTHS, HORIZONS, LEAD_MONTHS, expiring
from etl import reference

DEFAULT_MONTHS = 12
DEFAULT_KIND = "end"
KINDS = ("end", "procurement", "both")  # which dates of a contract become calendar events
KIND_LABELS = {"end": "Contract end dates", "procurement": "Procurement start dates", "both": "Both"}
# More rows than this make the page slow to draw; the page says when the list is cut.
ROW_LIMIT = 1000
GAP_EXPLANATION = (
    f"Gap: the contract ends within {GAP_MONTHS} months and no tender or pipeline notice has been seen "
    "for that borough and service area, so the borough may not have gone to market yet."
)

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


MONTHS = state.Key("months", _months, label="Ending within (months)")
KEYS = (
    MONTHS,
    state.Key("cpv", _cpv, label="CPV division"),
    state.Key("kind", state.choice(*KINDS), label="Calendar events"),
)


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


# --------------------------------------------------------------------------- words


def described(st: dict) -> list[str]:
    """The state's filters in words, the CPV division included (the page's "Filtered:" line)."""
    out = state.describe(st)
    if st.get("cpv"):
        out.append(f"CPV division: {st['cpv']} {CPV_DIVISIONS.get(st['cpv'], '')}".rstrip())
    return out


def cpv_options(st: dict) -> list[dict]:
    """The CPV dropdown's choices; a division the URL names that is not listed is offered too."""
    options = [{"label": f"{code}: {name}", "value": code} for code, name in CPV_DIVISIONS.items()]
    if st.get("cpv") and st["cpv"] not in CPV_DIVISIONS:
        options.append({"label": f"{st['cpv']}: CPV division {st['cpv']}", "value": st["cpv"]})
    return options


def summary(rows: list[dict], start: date, end: date, cut: bool) -> str:
    """'3 contracts in 3 boroughs end between ...; 1 flagged as a gap. Annual value £120k over ...'."""
    boroughs = {r["borough_code"] for r in rows if r["borough_code"]}
    gaps = sum(1 for r in rows if r["gap"])
    valued = [r["annual_value"] for r in rows if r["annual_value"] is not None]
    contracts = f"{len(rows):,}{'+' if cut else ''} contract{'s' if len(rows) != 1 else ''}"
    return (
        f"{contracts} in {format.plural(len(boroughs), 'borough')} end between {format.long_date(start)} and "
        f"{format.long_date(end)}; {gaps:,} flagged as a gap. Annual value {format.money(sum(valued))} over "
        f"the {len(valued):,} with a value."
    )


def cut_message() -> str:
    return f"Showing the first {ROW_LIMIT:,} contracts by end date: narrow the filters to see the rest."


def table_cells(row: dict, names: dict[str, str]) -> list[str]:
    """The text cells of a row of the page's table, before the contact, notice and gap columns."""
    extended = row.get("max_end_date")
    return [
        format.long_date(row["end_date"]),
        names.get(row["borough_code"], row["borough_code"] or "–"),
        format.supplier(row.get("supplier_name"), row.get("supplier_count")),
        row.get("system_name") or row.get("title") or "–",
        row.get("service_area") or "–",
        format.long_date(extended) if extended and extended != row["end_date"] else "–",
        format.money(row.get("annual_value")),
        format.long_date(row.get("procurement_start")),
    ]


# --------------------------------------------------------------------------- month chart


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


def month_table(months: list[tuple[str, int]]) -> list[list]:
    """The chart's numbers for its table alternative: ['March 2027', 4]."""
    return [[format.month(m + "-01"), n] for m, n in months]


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


def export_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], list[list]]:
    """The rows the page lists, raw, for CSV/Excel."""
    rows, _cut = view_rows(cur, st)
    return EXPORT_COLUMNS, export_rows(rows)


# --------------------------------------------------------------------------- calendar (RFC 5545)

# Built with the icalendar library, so Outlook and Google Calendar can subscribe to a filtered
# view. Events are all-day, with stable UIDs (the contract id) so a client updates an event
# rather than duplicating it when the data is rebuilt.
PRODID = "-//City Tools//London borough contracts//EN"


def calendar_name(st: dict) -> str:
    """The calendar's name in a client: what it holds, with the filters in words."""
    words = state.describe(st)
    return ("City Tools: contracts ending" + (f" ({'; '.join(words)})" if words else ""))[:200]


def _event(uid: str, day: date, summary: str, description: str, url: str | None, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    if url:
        event.add("url", url)
    return event


def _description(row: dict) -> str:
    who = row.get("buyer_name") or row.get("borough_code") or "unknown buyer"
    held = format.supplier(row.get("supplier_name"), row.get("supplier_count"), missing="unknown supplier")
    details = [f"Buyer: {who}", f"Supplier: {held}", f"Service area: {row.get('service_area') or 'not known'}"]
    if row.get("max_end_date") and row.get("max_end_date") != row.get("end_date"):
        details.append(f"Latest end with extensions: {row['max_end_date'].isoformat()}")
    if row.get("annual_value") is not None:
        details.append(f"Annual value: {format.pounds(row['annual_value'])}")
    return "\n".join(details)


def _events(row: dict, kind: str, stamp: datetime) -> list[Event]:
    """A contract's events: its end date, its procurement start, or both."""
    what = row.get("system_name") or row.get("title") or "contract"
    who = row.get("buyer_name") or row.get("borough_code") or "unknown buyer"
    description, url, out = _description(row), row.get("source_url"), []
    if kind in ("end", "both") and row.get("end_date"):
        uid = f"{row['contract_id']}-end@citytools"
        out.append(_event(uid, row["end_date"], f"Contract ends: {what} ({who})", description, url, stamp))
    if kind in ("procurement", "both") and row.get("procurement_start"):
        uid = f"{row['contract_id']}-procure@citytools"
        out.append(_event(uid, row["procurement_start"], f"Start procurement: {what} ({who})", description, url, stamp))
    return out


def contract_calendar(rows: list[dict], kind: str = "end", stamp: datetime | None = None, name: str = "") -> bytes:
    """One event per contract end date (``kind="end"``), per procurement start, or both."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or "City Tools: contract end dates")
    for row in rows:
        for event in _events(row, kind, stamp):
            cal.add_component(event)
    return cal.to_ical()


def calendar_feed(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> bytes:
    """The ``/calendar.ics`` body for a state: the page's rows as events of the state's ``kind``."""
    rows, _cut = view_rows(cur, st, today or date.today())
    return contract_calendar(rows, kind=st.get("kind") or DEFAULT_KIND, name=calendar_name(st))


VIEW = state.View("expiring", "/expiring", KEYS, exports={"expiring": export_table})
