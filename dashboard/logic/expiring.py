"""The "expiring soon" view without its page: URL keys, rows, sentences, export table and calendar.

The page, its CSV/Excel export and the ``/calendar.ics`` feed all call ``view_rows`` with the
same state, so a calendar subscription holds exactly the contracts the page lists. No Dash
here: the calendar route and the export call it without an app.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import duckdb
from icalendar import Calendar, Event

from dashboard import format, links, state, status
from dashboard.queries.expiring import GAP_MONTHS, HORIZONS, LEAD_MONTHS, MARKET_STAGES, expiring, listing, summary
from etl import reference

DEFAULT_MONTHS = 12
DEFAULT_KIND = "end"
KINDS = ("end", "procurement", "both")  # which dates of a contract become calendar events
KIND_LABELS = {"end": "Contract end dates", "procurement": "Procurement start dates", "both": "Both"}
# The page shows the list a page at a time; the exports and the calendar hold every row, up to this
# safety limit (a sentence says when a file is cut).
PAGE_SIZE = 15  # a page stays about 3,000 px tall at 1440 px wide (rows of about 105 px)
PAGE_NOTICES = 3  # market notices shown per row on the page; "and N more" links to the rest
ROW_LIMIT = 100_000
GAP_EXPLANATION = (
    f"Gap: the contract ends within {GAP_MONTHS} months and no planning, tender or award notice has been seen "
    "from that borough for its service area or system since the contract started, so the borough may not "
    "have gone to market yet."
)
# How a matching market notice is named, by its stage (a notice matched by its type alone: the type).
NOTICE_WORDS = {"planning": "Planning notice", "tender": "Tender", "award": "Award"}
MEMBERS_CONTACTS = "Contacts from survey returns are shown to signed-in members."

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
ENDED = state.Key("ended", state.choice("show"), label="Ended contracts")  # shown on request only
KEYS = (
    MONTHS,
    state.Key("cpv", _cpv, label="CPV division"),
    state.Key("kind", state.choice(*KINDS), label="Calendar events"),
    ENDED,
    # which page of the list: dropped when a filter changes (the old page means nothing in a new list)
    state.Key("page", state.integer(1, 100_000), keep_on_filter=False, label="Page", default=1),
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


def shows_ended(st: dict) -> bool:
    return st.get("ended") == "show"


def _query(st: dict, today: date) -> dict:
    """The arguments of the state's query: the period as end dates, the horizon, the CPV division."""
    start, end = period(st, today)
    filters = {**state.filters_of(st), "end_from": start.isoformat(), "end_to": end.isoformat()}
    return {"filters": filters, "months": months_of(st), "today": today, "lead_months": LEAD_MONTHS,
            "cpv_division": st.get("cpv")}  # fmt: skip


def view_rows(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> tuple[list[dict], bool]:
    """Every contract the view lists, on all its pages (soonest end first; ended ones only with
    ``ended=show``): what the exports and the calendar hold; and whether it was cut at ``ROW_LIMIT``."""
    args = _query(st, today or date.today())
    rows = expiring(cur, **args, limit=ROW_LIMIT + 1, show_ended=shows_ended(st))
    return rows[:ROW_LIMIT], len(rows) > ROW_LIMIT


def ended_in_period(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> int:
    """How many contracts of the period have ended: hidden unless ``ended=show``, and said either way."""
    return summary(cur, **_query(st, today or date.today()))["ended"]


def paged(count: int, page: object) -> tuple[int, int, int]:
    """(page, pages, offset) of a list of ``count`` rows: a page past the end shows the last one."""
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(page if isinstance(page, int) and page >= 1 else 1, pages)
    return page, pages, (page - 1) * PAGE_SIZE


def model(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> dict:
    """What the page shows for a state: the whole list in numbers (``totals``, ``months`` for the chart)
    and one page of its rows, each with its first ``PAGE_NOTICES`` market notices. One statement,
    whatever the list's length: the work in Python is the page's rows, never the list."""
    today = today or date.today()
    wanted = st.get("page") if isinstance(st.get("page"), int) and st["page"] >= 1 else 1
    totals, rows = listing(cur, **_query(st, today), show_ended=shows_ended(st), page=wanted, page_size=PAGE_SIZE,
                           notices=PAGE_NOTICES)  # fmt: skip
    page, pages, offset = paged(totals["contracts"], wanted)
    start, end = period(st, today)
    return {"totals": totals, "rows": rows, "page": page, "pages": pages, "offset": offset, "start": start,
            "end": end, "today": today}  # fmt: skip


PARTS = frozenset(("head", "files", "chart", "rows"))  # the parts of the page an option may redraw


def redrawn_parts(before: dict | None, after: dict) -> frozenset[str]:
    """Which parts of the page a new state redraws when the page shows ``before`` (None: not known):
    another page of the same list its rows and the links that carry the whole URL (downloads and
    calendar); another calendar kind those links; anything else changes the list, so every part."""
    if before is None:
        return PARTS

    def rest(st: dict) -> dict:
        return {k: v for k, v in st.items() if k not in ("page", "kind")}

    if rest(before) != rest(after):
        return PARTS
    rows = {"rows", "files"} if (before.get("page") or 1) != (after.get("page") or 1) else set()
    return frozenset(rows | ({"files"} if before.get("kind") != after.get("kind") else set()))


def page_text(m: dict) -> str:
    """Which rows of the list the page shows: 'Rows 26-50 of 1,311 · page 2 of 53'."""
    n = m["totals"]["contracts"]
    first, last = (m["offset"] + 1, m["offset"] + len(m["rows"])) if m["rows"] else (0, 0)
    return f"Rows {first:,}-{last:,} of {n:,} · page {m['page']:,} of {m['pages']:,}"


def more_notices_href(row: dict, st: dict) -> str:
    """The Contracts view of the planning, tender and award notices like the ones matched to the row:
    its borough, its service area (else its system), in the page's scope."""
    what = {"service_area": [row["service_area"]]} if row.get("service_area") else {"system": [row["system_name"]]}
    scope = st.get("scope")
    return links.href("contracts", {"borough": [row["borough_code"]], **what, "stage": list(MARKET_STAGES),
                                    "scope": scope})  # fmt: skip


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


def summary_text(totals: dict, start: date, end: date) -> str:
    """'3 contracts in 3 boroughs end between ...; 1 flagged as a gap. Annual value £120k over ...'
    (``totals``: ``queries.expiring.summary``, the whole list whatever page is shown)."""
    n = totals["contracts"]
    return (
        f"{format.plural(n, 'contract')} in {format.plural(totals['boroughs'], 'borough')} end between "
        f"{format.long_date(start)} and {format.long_date(end)}; {totals['gaps']:,} flagged as a gap. Annual value "
        f"{format.money(totals['annual_value'])} over the {totals['valued']:,} with a value."
    )


def empty_text(st: dict, ended: int = 0) -> str:
    """Why the list is empty (the period, the filters, ended contracts hidden), before the ways to widen it."""
    said = "; ".join(described(st))
    where = f" under these filters ({said})" if said else ""
    if uses_filter_dates(st):
        period_words = "in the filter bar's end dates"
    else:
        period_words = f"within {months_of(st)} months"
    hidden = ""
    if ended and not shows_ended(st):
        hidden = f" that can still be acted on ({format.plural(ended, 'ended contract')} hidden)"
    return f"No contracts end {period_words}{where}{hidden}."


def widen_states(st: dict, ended: int = 0) -> list[tuple[str, dict]]:
    """The ways to widen an empty list, as (words, state): a longer horizon, no filters, ended ones shown."""
    kept = {k: v for k, v in st.items() if k != "page"}
    out = []
    if uses_filter_dates(st):
        out.append(("clear the end dates", {k: v for k, v in kept.items() if k not in ("end_from", "end_to")}))
    elif months_of(st) < HORIZONS[-1]:
        out.append((f"look {HORIZONS[-1]} months ahead", {**kept, "months": HORIZONS[-1]}))
    unfiltered = {k: v for k, v in kept.items() if k not in state.FILTERS and k != "cpv"}
    if described(st):
        out.append(("clear the filters", {**unfiltered, "scope": st.get("scope")}))
    elif st.get("scope") != "all":
        out.append(("include contracts that are not technology", {**kept, "scope": "all"}))
    if ended and not shows_ended(st):
        out.append(("show the ended ones", {**kept, "ended": "show"}))
    return [(words, {k: v for k, v in s.items() if v is not None}) for words, s in out]


def ended_sentence(n: int, shown: bool) -> str:
    """What the page says about the period's ended contracts ('' when there are none)."""
    if not n:
        return ""
    things = format.plural(n, "contract")
    if shown:
        return f"{things} of this period {'has' if n == 1 else 'have'} ended and {'is' if n == 1 else 'are'} shown."
    return f"{things} of this period {'has' if n == 1 else 'have'} ended and {'is' if n == 1 else 'are'} hidden."


def extension_text(row: dict) -> str:
    """'on extension to 28 February 2027' for a contract past its base end, running on an extension; else ''."""
    return f"on extension to {format.long_date(row['last_end'])}" if row.get("on_extension") else ""


def procurement_text(row: dict) -> str:
    """'30 September 2025', or '30 September 2025: should already have started' when overdue."""
    day = format.long_date(row.get("procurement_start"))
    return f"{day}: {status.OVERDUE_TEXT}" if row.get("status") == "overdue" else day


def procurement_sentence(row: dict) -> str:
    """'Start procurement by 30 September 2025: should already have started' (calendar, exports)."""
    return f"Start procurement by {procurement_text(row)}"


def notice_label(notice: dict) -> str:
    """'Tender (UK4), January 2025': a matching notice as its link says it."""
    kind = NOTICE_WORDS.get(notice.get("stage"), notice.get("notice_type") or "Notice")
    if notice.get("notice_type") and notice.get("stage") in NOTICE_WORDS:
        kind += f" ({notice['notice_type']})"
    when = format.month(notice.get("date"))
    return f"{kind}, {when}" if when else kind


def searched(row: dict, names: dict[str, str]) -> str:
    """What the market match looked for: 'no planning, tender or award notice from Camden for
    Revenues and Benefits since April 2019' (the gap flag's words)."""
    what = " or ".join(dict.fromkeys(x for x in (row.get("service_area"), row.get("system_name")) if x))
    if not what:
        return "no notice can be matched: the contract's service area and system are not known"
    where = names.get(row.get("borough_code"), row.get("borough_code") or "the buyer")
    since = f" since {format.month(row['start_date'])}" if row.get("start_date") else ""
    return f"no planning, tender or award notice from {where} for {what}{since}"


def _text(value: object) -> str | None:
    """A contact field as one line of at most 200 characters, or None."""
    if value is None:
        return None
    return " ".join(str(value).split())[:200] or None


def contact(row: dict) -> dict | None:
    """Whom to call, first known of: the contract owner a survey return names, the return's own contact,
    the buyer contact of the contract's notice, a matching market notice's contact; with where it is from.
    Survey answers are NULL on a public cursor, so the public gets the notices' contacts only."""
    notices = row.get("notices") or []
    candidates = [
        (row.get("survey_contact"), "survey return"),
        (row.get("return_contact"), "survey return (cover)"),
        ({"name": row.get("contact_name"), "email": row.get("contact_email")}, "notice"),
        *(({"name": n.get("contact_name"), "email": n.get("contact_email")}, "market notice") for n in notices),
    ]
    for found, source in candidates:
        if not isinstance(found, dict):
            continue
        out = {k: _text(found.get(k)) for k in ("name", "email", "phone")}
        if any(out.values()):
            return {**out, "email": links.safe_email(out["email"]) or out["email"], "from": source}
    return None


def contact_text(found: dict | None) -> str:
    """'J. Okafor, j.okafor@camden.gov.uk, 020 7974 4444 (survey return)', or ''."""
    if not found:
        return ""
    return ", ".join(v for v in (found["name"], found["email"], found["phone"]) if v) + f" ({found['from']})"


def table_cells(row: dict, names: dict[str, str]) -> dict[str, str]:
    """The texts of a row of the page's table, by what they say (the page pairs them in six columns)."""
    extended = row.get("max_end_date")
    return {
        "borough": names.get(row["borough_code"], row["borough_code"] or "–"),
        "supplier": format.supplier(row.get("supplier_name"), row.get("supplier_count")),
        "system": row.get("system_name") or row.get("title") or "–",
        "service_area": row.get("service_area") or "service area not known",
        "latest": format.long_date(extended) if extended and extended != row["end_date"] else "",
        "value": format.money(row.get("annual_value")),
        "procurement": procurement_text(row),
    }


# --------------------------------------------------------------------------- month chart


def by_month(counts: dict[str, int], start: date, end: date) -> list[tuple[str, int]]:
    """('2027-03', contracts ending that month) for every month of the period, zeros included,
    so the bars' spacing is the calendar's and a quiet month shows as one (``counts``: by month)."""
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
    "End date", "Status", "Borough code", "Borough", "Buyer", "Incumbent supplier", "System", "Title", "Service area",
    "Latest end with extensions", "On extension to", "Annual value (GBP)", "Start procurement by", "Procurement",
    "CPV division", "Contact", "Contact email", "Contact phone", "Contact from", "Notice",
    "In City Tools", "Market notices", "Market notice links", "Market notices searched",
    f"Gap (no planning, tender or award notice, ends within {GAP_MONTHS} months)",
]  # fmt: skip


def contract_href(row: dict) -> str:
    """The contract in the app: the Contracts view of that one contract, with its notice lifecycle."""
    return links.href("contracts", {"scope": "all", "contract": row["contract_id"]})


def _export_row(r: dict, names: dict[str, str], base_url: str) -> list:
    who = contact(r) or {}
    notices = r.get("notices") or []
    return [
        r["end_date"], status.label(r["status"]), r["borough_code"], names.get(r["borough_code"], r["borough_code"]),
        r["buyer_name"], r["supplier_name"], r["system_name"], r["title"], r["service_area"], r["max_end_date"],
        r["last_end"] if r.get("on_extension") else None, r["annual_value"], r["procurement_start"],
        procurement_sentence(r), r["cpv_division"], who.get("name"), who.get("email"), who.get("phone"),
        who.get("from"), r["source_url"], base_url + contract_href(r),
        r["notice_count"], " ".join(n["url"] for n in notices if links.safe_url(n.get("url"))),
        "" if r["notice_count"] else searched(r, names), bool(r["gap"]),
    ]  # fmt: skip


def export_rows(rows: list[dict], base_url: str = "") -> list[list]:
    """Raw values for CSV/Excel, in ``EXPORT_COLUMNS`` order; ``base_url`` makes the app links absolute."""
    names = reference.borough_names()
    return [_export_row(r, names, base_url.rstrip("/")) for r in rows]


def request_base() -> str:
    """The app's address as the request reached it ('https://citytools.example'), '' outside a request."""
    import flask  # the server's framework; logic stays importable without a request

    return flask.request.host_url.rstrip("/") if flask.has_request_context() else ""


def export_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], list[list]]:
    """The rows the page lists, raw, for CSV/Excel."""
    rows, _cut = view_rows(cur, st)
    return EXPORT_COLUMNS, export_rows(rows, request_base())


# --------------------------------------------------------------------------- calendar (RFC 5545)

# Built with the icalendar library, so Outlook and Google Calendar can subscribe to a filtered
# view. Events are all-day, with stable UIDs (the contract id) so a client updates an event
# rather than duplicating it when the data is rebuilt.
PRODID = "-//City Tools//London borough contracts//EN"


def calendar_name(st: dict) -> str:
    """The calendar's name in a client: what it holds, with the horizon and the filters in words."""
    words = state.describe(st)
    horizon = "" if uses_filter_dates(st) else f" within {months_of(st)} months"
    return (f"City Tools: contracts ending{horizon}" + (f" ({'; '.join(words)})" if words else ""))[:200]


def _event(uid: str, day: date, summary: str, row: dict, links_to: tuple[str, str | None], stamp: datetime) -> Event:
    """An all-day event; ``links_to``: (the contract in the app, its notice)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", _description(row, *links_to))
    event.add("transp", "TRANSPARENT")
    app, notice = links_to
    if app or notice:
        event.add("url", app or notice)
    found = contact(row)
    if found:
        event.add("contact", contact_text(found))
    return event


def _description(row: dict, app: str, notice: str | None) -> str:
    who = row.get("buyer_name") or row.get("borough_code") or "unknown buyer"
    held = format.supplier(row.get("supplier_name"), row.get("supplier_count"), missing="unknown supplier")
    details = [f"Buyer: {who}", f"Supplier: {held}", f"Service area: {row.get('service_area') or 'not known'}"]
    if row.get("status"):
        details.append(f"Status: {status.label(row['status'])}")
    if row.get("on_extension"):
        details.append(f"On extension to {row['last_end'].isoformat()} (base end {row['end_date'].isoformat()})")
    elif row.get("max_end_date") and row.get("max_end_date") != row.get("end_date"):
        details.append(f"Latest end with extensions: {row['max_end_date'].isoformat()}")
    if row.get("annual_value") is not None:
        details.append(f"Annual value: {format.pounds(row['annual_value'])}")
    if row.get("procurement_start"):
        details.append(procurement_sentence(row))
    found = contact(row)
    if found:
        details.append(f"Contact: {contact_text(found)}")
    details += [f"In City Tools: {app}"] if app else []
    details += [f"Notice: {notice}"] if notice else []
    for n in (row.get("notices") or [])[:3]:
        details.append(f"Market notice: {notice_label(n)}" + (f" {n['url']}" if links.safe_url(n.get("url")) else ""))
    return "\n".join(details)


def _events(row: dict, kind: str, stamp: datetime, base_url: str) -> list[Event]:
    """A contract's events: its end date, its procurement start, or both."""
    what = row.get("system_name") or row.get("title") or "contract"
    who = row.get("buyer_name") or row.get("borough_code") or "unknown buyer"
    app = base_url + contract_href(row) if base_url and row.get("contract_id") else ""
    links_to, out = (app, links.safe_url(row.get("source_url"))), []
    ends = row.get("last_end") or row.get("end_date")  # on an extension: the day it runs to
    if kind in ("end", "both") and ends:
        uid = f"{row['contract_id']}-end@citytools"
        out.append(_event(uid, ends, f"Contract ends: {what} ({who})", row, links_to, stamp))
    if kind in ("procurement", "both") and row.get("procurement_start"):
        uid = f"{row['contract_id']}-procure@citytools"
        summary = f"Start procurement: {what} ({who})"
        out.append(_event(uid, row["procurement_start"], summary, row, links_to, stamp))
    return out


def contract_calendar(
    rows: list[dict], kind: str = "end", stamp: datetime | None = None, name: str = "", base_url: str = ""
) -> bytes:
    """One event per contract end date (``kind="end"``), per procurement start, or both; with
    ``base_url`` (the app's address) each event links back to its contract in the app."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or "City Tools: contract end dates")
    for row in rows:
        for event in _events(row, kind, stamp, base_url.rstrip("/")):
            cal.add_component(event)
    return cal.to_ical()


def calendar_feed(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None, base_url: str = "") -> bytes:
    """The ``/calendar.ics`` body for a state: the page's rows as events of the state's ``kind``,
    linked back to the app at ``base_url`` (the request's, when called in one)."""
    rows, _cut = view_rows(cur, st, today or date.today())
    kind = st.get("kind") or DEFAULT_KIND
    return contract_calendar(rows, kind=kind, name=calendar_name(st), base_url=base_url or request_base())


VIEW = state.View("expiring", "/expiring", KEYS, exports={"expiring": export_table})
