"""My borough: for one borough, which other boroughs' contracts end near each of its own.

For each of the borough's contracts, the other boroughs' contracts in the same service area
(or on the same system) that end within ``window_months`` of it, closest first (``neighbours``,
a plain function), with their suppliers, systems, how confident and satisfied those boroughs
said they are (survey) and whom to call there. The rows and the contacts come from
``dashboard.queries.my_borough``. The borough is the shared ``borough``
filter (one code), so the filter bar and the page's picker stay in step through the URL.

Time-aware (``dashboard.status``): by default only contracts that can still be acted on are
compared, on both sides; ended ones are counted and shown with ``ended=show``. The page is one
row per contract (its nearest neighbour and how many more), paged, so it stays small whatever
the size of the data; the export holds what the page shows, every page of it: each contract with
its closest ``NEAR_SHOWN`` neighbours (not every pair: at 100,000 contracts that was 1.2M rows).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date

import duckdb

from dashboard import format as fmt
from dashboard import state, status
from dashboard.links import safe_email
from dashboard.logic import windows as wl
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import my_borough as q
from etl import reference
from etl.reference import add_months

NOT_RECORDED = wl.NOT_RECORDED

# --------------------------------------------------------------------------- the rule


def _months_between(a: date, b: date, months: int) -> bool:
    """Whether ``b`` is within ``months`` calendar months of ``a``, either side (same rule as windows)."""
    return add_months(a, -months) <= b <= add_months(a, months)


def _shares(m: dict, o: dict) -> str | None:
    """What ``o`` (another borough's contract with an end date) shares with ``m``, else None."""
    if o.get("end") is None or o.get("borough_code") == m.get("borough_code"):
        return None
    same_area = bool(m.get("service_area")) and o.get("service_area") == m.get("service_area")
    same_system = bool(m.get("system")) and o.get("system") == m.get("system")
    if same_area and same_system:
        return "service area and system"
    return "service area" if same_area else "system" if same_system else None


def _match(m: dict, o: dict, months: int) -> str | None:
    """What ``o`` shares with ``m`` when it is a neighbour of it, else None."""
    found = _shares(m, o)
    return found if found and _months_between(m["end"], o["end"], months) else None


def _buckets(others: list[dict], key: str) -> dict[str, tuple[list[date], list[dict]]]:
    """Others with an end date, by ``key`` (service area or system), sorted by end date."""
    grouped: dict[str, list[dict]] = {}
    for o in others:
        if o.get("end") is not None and o.get(key):
            grouped.setdefault(o[key], []).append(o)
    return {
        k: ([o["end"] for o in rows], rows)
        for k, rows in ((k, sorted(v, key=lambda o: o["end"])) for k, v in grouped.items())
    }


def _near_in(bucket: tuple[list[date], list[dict]] | None, end: date, months: int) -> list[dict]:
    if bucket is None:
        return []
    ends, rows = bucket
    return rows[bisect_left(ends, add_months(end, -months)) : bisect_right(ends, add_months(end, months))]


def neighbours(mine: list[dict], others: list[dict], months: int) -> dict[str, list[dict]]:
    """For each of a borough's contracts, other boroughs' contracts that could be procured with it.

    A neighbour is in the same service area or runs the same system, belongs to another
    borough, and ends within ``months`` calendar months of this contract (either side). Rows
    are dicts with ``contract_id``, ``borough_code``, ``service_area``, ``system``, ``end``
    (others may carry more: supplier, confidence...). Returns, per contract id of ``mine``,
    the neighbours closest first with ``match`` (what they share), ``days`` (their end minus
    this end) and ``distance`` (its absolute value); a contract without an end date has none,
    since nothing can be said about when it could be procured. Others are bucketed by service
    area and by system and sorted by end date, so each contract looks only at the ones that can
    match it (comparing every pair took minutes at 100,000 contracts). Every pair is still made:
    the views use ``nearest`` (the same rule, bounded); tests hold it to this one.
    """
    areas, systems = _buckets(others, "service_area"), _buckets(others, "system")
    out: dict[str, list[dict]] = {}
    for m in mine:
        found = []
        if m.get("end") is not None:
            candidates = _near_in(areas.get(m.get("service_area") or ""), m["end"], months)
            candidates += _near_in(systems.get(m.get("system") or ""), m["end"], months)
            for o in {id(o): o for o in candidates}.values():
                match = _shares(m, o)  # within the months already: a bucket's slice is by the same bounds
                if match:
                    days = (o["end"] - m["end"]).days
                    found.append({**o, "match": match, "days": days, "distance": abs(days)})
        found.sort(
            key=lambda r: (r["distance"], r["match"] != "service area and system", r["borough_code"], r["contract_id"])
        )
        out[m["contract_id"]] = found
    return out


class _Bucket:
    """Others of one service area, system, or both, by end date, with a running count of those kept."""

    def __init__(self, rows: list[dict], kept: dict[int, bool]):
        self.rows = sorted(rows, key=lambda o: o["end"])
        self.ends = [o["end"] for o in self.rows]
        self.kept = [kept[id(o)] for o in self.rows]
        self.before = [0]  # before[i]: how many of rows[:i] are kept
        for k in self.kept:
            self.before.append(self.before[-1] + k)

    def span(self, lo: date, hi: date) -> tuple[int, int]:
        return bisect_left(self.ends, lo), bisect_right(self.ends, hi)

    def closest(self, end: date, span: tuple[int, int], limit: int) -> list[dict]:
        """The kept rows of ``span`` closest to ``end``: at least ``limit`` of them (all when fewer),
        and every one as close as the last taken (ties are settled by the caller's order)."""
        i0, i1 = span
        right = bisect_left(self.ends, end, i0, i1)
        left, out, last = right - 1, [], None
        while left >= i0 or right < i1:
            go_left = right >= i1 or (left >= i0 and (end - self.ends[left]) <= (self.ends[right] - end))
            i = left if go_left else right
            distance = abs((self.ends[i] - end).days)
            if last is not None and len(out) >= limit and distance > last:
                break
            if self.kept[i]:
                out.append(self.rows[i])
                last = distance
            left, right = (left - 1, right) if go_left else (left, right + 1)
        return out


def _grouped(others: list[dict], key, kept: dict[int, bool], wanted: set) -> dict:
    """Buckets of ``others`` by ``key``, only for the keys ``wanted`` (those some contract looks up:
    sorting a bucket per system of every candidate took most of the comparison's time)."""
    groups: dict = {}
    for o in others:
        k = key(o)
        if k in wanted and o.get("end") is not None and all(k if isinstance(k, tuple) else (k,)):
            groups.setdefault(k, []).append(o)
    return {k: _Bucket(rows, kept) for k, rows in groups.items()}


def nearest(mine: list[dict], others: list[dict], months: int, kept: dict[int, bool], limit: int) -> dict:
    """``neighbours``, bounded: per contract of ``mine`` (one borough's), (its closest ``limit``
    neighbours among those ``kept`` (by ``id``), closest first; how many kept; how many not kept).

    Counts come from running totals over end-date buckets (service area, system, both: a
    neighbour sharing both is in two buckets and counted once), and only the closest are walked
    to, so the cost follows the rows shown, not the pairs: at 100,000 contracts a borough has a
    million pairs.
    """
    mine_boroughs = {m.get("borough_code") for m in mine}
    others = [o for o in others if o.get("borough_code") not in mine_boroughs]
    area, system = (lambda o: o.get("service_area")), (lambda o: o.get("system"))
    areas = _grouped(others, area, kept, {area(m) for m in mine})
    systems = _grouped(others, system, kept, {system(m) for m in mine})
    both = _grouped(others, lambda o: (area(o), system(o)), kept, {(area(m), system(m)) for m in mine})
    out: dict[str, tuple[list[dict], int, int]] = {}
    for m in mine:
        if m.get("end") is None:
            out[m["contract_id"]] = ([], 0, 0)
            continue
        lo, hi = add_months(m["end"], -months), add_months(m["end"], months)
        found, n_kept, n_all = {}, 0, 0
        for bucket, sign in ((areas.get(m.get("service_area")), 1), (systems.get(m.get("system")), 1),
                             (both.get((m.get("service_area"), m.get("system"))), -1)):  # fmt: skip
            if bucket is None:
                continue
            i0, i1 = bucket.span(lo, hi)
            n_kept += sign * (bucket.before[i1] - bucket.before[i0])
            n_all += sign * (i1 - i0)
            if sign > 0:
                found.update((id(o), o) for o in bucket.closest(m["end"], (i0, i1), limit))
        rows = [{**o, "match": _shares(m, o), "days": (o["end"] - m["end"]).days} for o in found.values()]
        rows = [{**r, "distance": abs(r["days"])} for r in rows]
        rows.sort(key=lambda r: (r["distance"], r["match"] != "service area and system", r["borough_code"],
                                 r["contract_id"]))  # fmt: skip
        out[m["contract_id"]] = (rows[:limit], n_kept, n_all - n_kept)
    return out


# --------------------------------------------------------------------------- the page's model

PAGE_SIZE = 20  # the borough's contracts per page (each with a table of its neighbours: the page stays small)
NEAR_SHOWN = 5  # neighbours listed under one contract, on the page and in the export; the rest are counted
SHOW_ENDED = "show"


def chosen(st: Mapping[str, object]) -> tuple[str | None, list[str]]:
    """The borough of the page and what to tell the reader about the choice."""
    codes = st.get("borough") or []
    if isinstance(codes, str):
        codes = [codes]
    codes = [c for c in codes if c in reference.borough_names()]
    if not codes:
        return None, []
    note = []
    if len(codes) > 1:
        note.append(
            f"This page compares one borough with the others; showing {reference.borough_names()[codes[0]]}, "
            "the first of the boroughs in the filter."
        )
    return codes[0], note


def with_status(rows: list[dict], today: date, lead_months: int) -> list[dict]:
    """The rows, each with its ``status`` (``dashboard.status``: the one rule) for ``today``."""
    return [{**r, "status": status.status(r["end"], r.get("max_end"), today, lead_months=lead_months)} for r in rows]


def compared(
    mine: list[dict],
    others: list[dict],
    months: int,
    show_ended: bool,
    today: date,
    lead: int,
    limit: int | None = None,
) -> dict:
    """The contracts ``mine`` (a page of ``queries.my_borough.listing``) with their closest ``limit``
    (NEAR_SHOWN) neighbours, each with its status on ``today``; how many neighbours each has (``near_counts``)
    and how many ended neighbours were left out.

    An ended neighbour of a live contract is no partner for a joint procurement, so it is left
    out unless ``show_ended``; ``hidden_near`` counts them, so the reader knows what "show ended"
    adds. Each candidate's status is judged once (not once per pair).
    """
    judged = with_status(others, today, lead)
    kept = {id(o): show_ended or o["status"] in status.ACTIONABLE for o in judged}
    near = nearest(mine, judged, months, kept, NEAR_SHOWN if limit is None else limit)
    rows, counts, hidden_near = [], {}, 0
    for contract in mine:
        top, n_kept, n_hidden = near[contract["contract_id"]]
        rows.append((contract, top))
        counts[contract["contract_id"]] = n_kept
        hidden_near += n_hidden
    return {"rows": rows, "hidden_near": hidden_near, "near_counts": counts}


def page_of(st: Mapping[str, object], total: int) -> tuple[int, int]:
    """(the page asked for, clamped to the pages there are; how many pages there are)."""
    pages = max(1, -(-total // PAGE_SIZE))
    asked = st.get("page") if isinstance(st.get("page"), int) else 1
    return min(max(asked, 1), pages), pages


def _comparison(
    cur: duckdb.DuckDBPyConnection, code: str, st: Mapping[str, object], today: date, paged: bool = True
) -> dict:
    """What the view shows for ``code``: one page of its contracts with their neighbours (every
    page when not ``paged``, as the export holds), and the counts the page states."""
    params = wl.window_params(st)
    months, lead, show_ended = params["window_months"], params["lead_months"], st.get("ended") == SHOW_ENDED
    asked = page_of(st, q.ALL_ROWS)[0] if paged else 1
    found = q.listing(cur, code, st, today, show_ended, asked, PAGE_SIZE if paged else None)
    rows, count = with_status(found["rows"], today, lead), found["listed"]
    page, pages = page_of(st, count) if paged else (1, 1)
    others = q.candidates(cur, code, rows, months, st)
    out = compared(rows, others, months, show_ended, today, lead)
    hidden_mine = 0 if show_ended else found["all"] - count
    return {"months": months, **out, "hidden_mine": hidden_mine, "count": count, "page": page, "pages": pages}


def model(cur: duckdb.DuckDBPyConnection, st: Mapping[str, object], today: date | None = None) -> dict:
    """The borough's contracts (one page), each with its neighbours, their contacts, and the counts."""
    code, notes = chosen(st)
    if code is None:
        return {"code": None, "months": wl.window_params(st)["window_months"], "notes": notes, "rows": []}
    m = {"code": code, "notes": notes, "show_ended": st.get("ended") == SHOW_ENDED}
    m.update(_comparison(cur, code, st, today or date.today()))
    shown = [o for _c, near in m["rows"] for o in near[:NEAR_SHOWN]]
    m["contacts"] = q.contacts(cur, [o["contract_id"] for o in shown])
    m["returns"] = q.survey_returns(cur, [code])
    return m


def search_for_controls(search: str | None, code: str | None, months: object) -> str | None:
    """The URL after the picker or the months box changed, or None if it already says that."""
    borough = [code] if isinstance(code, str) and code in reference.borough_names() else None
    return wl.controls_search(VIEW, search, {"window_months": months}, borough=borough, page=None)


# --------------------------------------------------------------------------- what the page says


def area_name(area: str | None) -> str:
    return area or UNKNOWN_SERVICE_AREA


def summary(m: Mapping) -> tuple[str, str]:
    """The borough's contracts and how many have a neighbour, as the summary line says them."""
    name = reference.borough_names()[m["code"]]
    areas = {contract["service_area"] for contract, _near in m["rows"]}
    with_near = sum(1 for _c, near in m["rows"] if near)
    which = "" if m["show_ended"] else " that can still be acted on"
    more = f" (this page: {fmt.plural(len(m['rows']), 'contract')})" if m["pages"] > 1 else ""
    return (
        f"{name}: {fmt.plural(m['count'], 'contract')}{which}",
        f"{more}; on this page {with_near} in {fmt.plural(len(areas), 'service area')} have at least one other "
        f"borough's contract ending within {m['months']} months.",
    )


def hidden_text(m: Mapping) -> str | None:
    """How many ended contracts the default view leaves out, or None when it leaves none out."""
    if m["show_ended"] or not (m["hidden_mine"] or m["hidden_near"]):
        return None
    name = reference.borough_names()[m["code"]]
    parts = []
    if m["hidden_mine"]:
        parts.append(f"{m['hidden_mine']} of {name}'s contracts")
    if m["hidden_near"]:
        theirs = "other borough's contract" if m["hidden_near"] == 1 else "other boroughs' contracts"
        parts.append(f"{m['hidden_near']} {theirs} ending near those listed")
    return f"Hidden because they have already ended: {' and '.join(parts)}."


def no_return_text(m: Mapping) -> str | None:
    """What the page says when the borough sent no survey return (then only open notices are known)."""
    if m["returns"].get(m["code"]):
        return None
    name = reference.borough_names()[m["code"]]
    return f"{name} has sent no survey return: only open notices are shown."


def empty_text(m: Mapping) -> str | None:
    """Why nothing is listed and how to widen it, or None when something is."""
    if m["rows"]:
        return None
    name = reference.borough_names()[m["code"]]
    if m["hidden_mine"]:
        return f"Every one of {name}'s {fmt.plural(m['hidden_mine'], 'contract')} here has ended: show ended ones."
    return (
        f"No contract of {name} matches these filters. Clear the filters, or widen the scope to all contracts, "
        "to see more."
    )


def apart(days: int) -> str:
    """How far apart two end dates are, in words a reader takes in at a glance."""
    if days == 0:
        return "same day"
    side = "later" if days > 0 else "earlier"
    n = abs(days)
    if n < 45:
        return f"{fmt.plural(n, 'day')} {side}"
    return f"about {fmt.plural(round(n / 30.44), 'month')} {side}"


def _score(value: int | None) -> str:
    return NOT_RECORDED if value is None else f"{value} of 5"


def status_words(key: str) -> str:
    """The status as a badge says it; an overdue one says what is overdue."""
    return f"{status.label(key)}: {status.OVERDUE_TEXT}" if key == "overdue" else status.label(key)


NEIGHBOUR_HEADINGS = [
    "Borough", "System", "Supplier", "Ends", "Difference", "Status", "Shares", "Confidence", "Satisfaction", "Contact",
]  # fmt: skip


def neighbour_cells(o: Mapping) -> list[str]:
    """One neighbour as the page's table shows it, less the status and contact (badge and links)."""
    return [
        reference.borough_names().get(o["borough_code"], o["borough_code"]),
        o["system"] or NOT_RECORDED,
        o["supplier"] or NOT_RECORDED,
        fmt.long_date(o["end"]),
        apart(o["days"]),
        o["match"],
        _score(o["confidence"]),
        _score(o["satisfaction"]),
    ]


def nearest_text(o: Mapping) -> str:
    """The nearest neighbour in a line after its borough's name: what, and when against yours."""
    return f": {o['system'] or 'system not recorded'}, ends {fmt.long_date(o['end'])} ({apart(o['days'])})"


def more_text(total: int) -> str:
    """The disclosure's label: how many neighbours there are in all (``total``), and whether all are listed."""
    if total > NEAR_SHOWN:
        return f"The closest {NEAR_SHOWN}"
    return f"All {total} near it" if total > 1 else "Details"


def left_out(total: int) -> int:
    """How many of a contract's ``total`` neighbours are counted but not listed (on the page or in the export)."""
    return max(0, total - NEAR_SHOWN)


def left_out_text(total: int, months: int) -> str | None:
    """What the page says under the closest neighbours when there are more, and how to see fewer, closer."""
    more = left_out(total)
    if not more:
        return None
    return (
        f"and {more} more ending within {months} months, not listed here or in the download; "
        "shorten “Ending within” to see the closest."
    )


def contract_heading(mine: Mapping) -> tuple[str, str]:
    """What the contract is and when it ends (with its latest end, when extensions go further)."""
    later = mine.get("max_end") and mine["end"] and mine["max_end"] > mine["end"]
    extended = f" (latest {fmt.long_date(mine['max_end'])} with extensions)" if later else ""
    supplier = mine["supplier"] or "a supplier not recorded"
    return mine["system"] or "System not recorded", f" from {supplier}, ends {fmt.long_date(mine['end'])}{extended}"


def no_neighbours(mine: Mapping, near: list[dict], months: int) -> str | None:
    """Why a contract has no neighbours listed (and how to widen), or None when it has some."""
    if mine["end"] is None and mine.get("max_end") is None:
        return "Its end date is not recorded, so it cannot be compared."
    if mine["end"] is None:
        return "Only its latest end with extensions is recorded, so it cannot be compared."
    if not near:
        return (
            f"No other borough's contract in this service area or on this system ends within {months} months "
            "that can still be acted on: widen “Ending within” to see more."
        )
    return None


def contact_text(contact: Mapping | None) -> tuple[str | None, str | None, str | None]:
    """(name to show, a safe email or None, phone) of a contact; all None when none is known."""
    if not contact:
        return None, None, None
    return contact.get("name"), safe_email(contact.get("email")), contact.get("phone")


# --------------------------------------------------------------------------- export

EXPORT_HEADINGS = [
    "Service area", "Your system", "Your supplier", "Your end date", "Your status", "Other boroughs' contracts near it",
    "Closeness (1 = closest)", "Other borough code", "Other borough", "Their system", "Their supplier",
    "Their end date", "Their status", "Days apart (theirs minus yours)", "Shares", "Their confidence (1-5)",
    "Their satisfaction (1-5)", "Their contact", "Their contact email", "Their contact phone", "Contact from",
]  # fmt: skip
EXPORT_HOLDS = (  # said in the file's filters line (XLSX About sheet, JSON filters_text, X-CityTools-Filters)
    f"Rows: each contract listed (every page) with its closest {NEAR_SHOWN} other boroughs' contracts, as the page "
    "lists them, one row each (all of them are counted in 'Other boroughs' contracts near it')"
)


def _export_rows(mine: dict, near: list[dict], total: int, contacts: dict[str, dict]) -> list[list]:
    names = reference.borough_names()
    own = [area_name(mine["service_area"]), mine["system"], mine["supplier"], mine["end"], status.label(mine["status"]),
           total]  # fmt: skip
    if not near:
        return [own + [None] * (len(EXPORT_HEADINGS) - len(own))]
    out = []
    for rank, o in enumerate(near[:NEAR_SHOWN], start=1):
        c = contacts.get(o["contract_id"]) or {}
        out.append(
            [
                *own, rank, o["borough_code"], names.get(o["borough_code"], o["borough_code"]), o["system"],
                o["supplier"], o["end"], status.label(o["status"]), o["days"], o["match"], o["confidence"],
                o["satisfaction"], c.get("name"), c.get("email"), c.get("phone"), c.get("source"),
            ]
        )  # fmt: skip
    return out


def my_borough_table(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None):
    """Every contract the view lists (all pages, ended ones only with ``ended=show``), one row per
    neighbour the page lists (the closest ``NEAR_SHOWN``), or one row with empty neighbour cells
    for a contract without any (``EXPORT_HOLDS`` says so in the file)."""
    code, _notes = chosen(st)
    if code is None:
        return EXPORT_HEADINGS, []
    found = _comparison(cur, code, st, today or date.today(), paged=False)
    rows, counts = found["rows"], found["near_counts"]
    contacts = q.contacts(cur, [o["contract_id"] for _mine, near in rows for o in near[:NEAR_SHOWN]])
    return EXPORT_HEADINGS, [
        line for mine, near in rows for line in _export_rows(mine, near, counts[mine["contract_id"]], contacts)
    ]


KEYS = (
    *wl.WINDOW_KEYS,
    state.Key("ended", state.choice(SHOW_ENDED), label="Ended contracts"),
    state.Key("page", state.integer(1, 100_000), keep_on_filter=False, label="Page"),
)
VIEW = state.View("my_borough", "/my-borough", KEYS, exports={"my_borough": my_borough_table})
