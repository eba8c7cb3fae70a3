"""Where a contract stands today: running, ending, ended, or overdue for procurement.

One rule for every view, so the expiring list, joint procurement windows, My borough, the
timeline and the report never disagree about whether a contract can still be acted on. Pure:
the date it is judged on is passed in (``today``), so tests and the report's "as at" date work.

- ``ended``: the contract's end date has passed and so has its latest end with extensions.
- ``overdue``: not ended, but its procurement start (end minus the lead time) has passed: the
  replacement should already be being procured.
- ``ending``: ends (or its extensions end) within the view's horizon, procurement not yet due.
- ``running``: ends after the horizon.
- ``unknown``: no end date.

A contract past its end date but within an extension option counts from its latest end: it is
running on an extension, not ended.
"""

from __future__ import annotations

from datetime import date

from etl.reference import add_months

STATUSES: dict[str, str] = {
    "running": "Running",
    "ending": "Ending",
    "overdue": "Procurement overdue",
    "ended": "Ended",
    "unknown": "End not known",
}
# Bootstrap badge colours, one per status (text-bg-*), for pages and the report.
BADGES: dict[str, str] = {
    "running": "success",
    "ending": "warning",
    "overdue": "danger",
    "ended": "secondary",
    "unknown": "light",
}
ACTIONABLE = ("running", "ending", "overdue", "unknown")  # what a view shows by default: not "ended"
OVERDUE_TEXT = "should already have started"


def effective_end(end: date | None, max_end: date | None, today: date) -> date | None:
    """The end that counts today: the latest end with extensions once the base end has passed."""
    if end is None:
        return max_end
    if end < today and max_end is not None and max_end >= today:
        return max_end
    return end


def status(end: date | None, max_end: date | None, today: date, horizon_months: int = 24, lead_months: int = 18) -> str:
    """The status of a contract ending ``end`` (latest ``max_end``) on ``today``; see the module."""
    last = effective_end(end, max_end, today)
    if last is None:
        return "unknown"
    if last < today:
        return "ended"
    if add_months(last, -lead_months) < today:
        return "overdue"
    if last <= add_months(today, horizon_months):
        return "ending"
    return "running"


def label(key: str) -> str:
    """The status in words, as badges and exports print it."""
    return STATUSES[key]
