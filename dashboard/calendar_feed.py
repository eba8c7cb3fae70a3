"""``/calendar.ics``: contract end dates (and procurement starts) as an iCalendar feed.

Built with the icalendar library (RFC 5545), so Outlook and Google Calendar can subscribe to
a filtered view: the feed takes the same query string as the pages. Events are all-day, with
stable UIDs (the contract id) so a client updates an event rather than duplicating it when the
data is rebuilt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//City Tools//London borough contracts//EN"
KINDS = ("end", "procurement", "both")


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
        what = row.get("system_name") or row.get("title") or "contract"
        who = row.get("buyer_name") or row.get("borough_code") or "unknown buyer"
        held = row.get("supplier_name") or "unknown supplier"
        details = [f"Buyer: {who}", f"Supplier: {held}", f"Service area: {row.get('service_area') or 'not known'}"]
        if row.get("max_end_date") and row.get("max_end_date") != row.get("end_date"):
            details.append(f"Latest end with extensions: {row['max_end_date'].isoformat()}")
        if row.get("annual_value") is not None:
            details.append(f"Annual value: £{row['annual_value']:,.0f}")
        description = "\n".join(details)
        if kind in ("end", "both") and row.get("end_date"):
            cal.add_component(
                _event(f"{row['contract_id']}-end@citytools", row["end_date"], f"Contract ends: {what} ({who})",
                       description, row.get("source_url"), stamp)
            )  # fmt: skip
        if kind in ("procurement", "both") and row.get("procurement_start"):
            cal.add_component(
                _event(f"{row['contract_id']}-procure@citytools", row["procurement_start"],
                       f"Start procurement: {what} ({who})", description, row.get("source_url"), stamp)
            )  # fmt: skip
    return cal.to_ical()
