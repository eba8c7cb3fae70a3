"""The LOTI market engagement report: every number in it, computed once from the database, and
its two files (an Excel workbook and a printable HTML page) laid out from those numbers.

``build_report(cur, st, today)`` returns a ``Report``; ``write_xlsx`` and ``render_html`` only lay
it out, so the two files can never disagree, and tests check the numbers here against the
database. ``st`` is the report view's URL state (``VIEW``): the filter bar's filters, plus
``months`` (the period, when no end dates are set), ``window`` (one joint procurement window as
the subject) and ``report_on`` (what the page's form picks from).

The subject is what the filters pick (a service area, a system, a supplier) or a window; the
"period" is the filter bar's end dates, or today to ``months`` ahead (24 by default). The
HTML is ``dashboard/templates/report.html`` (Jinja2, autoescaped) with the charts of
``dashboard.figures.report``; the workbook is written with ``dashboard.xlsx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import IO

import duckdb
import jinja2
import markupsafe

from dashboard import format, links, queries, state, xlsx
from dashboard.figures import report as charts
from dashboard.logic import expiring as expiring_view
from dashboard.logic import windows as wl
from dashboard.logic.windows import DEFAULTS as WINDOW_DEFAULTS
from dashboard.logic.windows import rule
from dashboard.queries import report as q
from dashboard.queries.expiring import GAP_MONTHS, LEAD_MONTHS, expiring, gap_count
from dashboard.texts import OGL, OGL_URL, PRODUCT, SAMPLE_NOTICE
from etl import reference

REPORT_MONTHS = 24
# Where the report's links point when it is not made for a request (the CLI, scheduled runs): the
# app as `make run` serves it. A request's report links to the host it was asked from.
DEFAULT_BASE_URL = "http://127.0.0.1:8050/"
# "N suppliers hold X% of them": the fewest suppliers that hold this share of the contracts ending, up to MAX.
CONCENTRATION_SHARE = 80.0
MAX_TOP_SUPPLIERS = 5
WINDOW_GROUP = "service_area"  # a ``window`` key is "<service area>|<first end date>"
SUBJECTS = ("service_area", "system", "supplier", "window")
SUBJECT_LABELS = {"service_area": "Service area", "system": "System", "supplier": "Supplier",
                  "window": "Joint procurement window"}  # fmt: skip
NOT_KNOWN = "not known"

SOURCE_NAMES = {
    "survey": "Borough survey returns",
    "contracts_finder": "Contracts Finder",
    "find_a_tender": "Find a Tender",
    "register": "Contract registers (Local Government Transparency Code)",
    "cf_csv": "Contracts Finder (CSV export)",
    "ocds_release_package": "Contracts Finder / Find a Tender (OCDS release packages)",
    "ocds_record_package": "Contracts Finder / Find a Tender (OCDS record packages)",
    "register_csv": "Contract registers (CSV)",
}
SOURCE_TERMS = {
    "survey": "Survey returns supplied by London boroughs to LOTI; not open data: share only as LOTI agrees.",
    "contracts_finder": f"Contracts Finder notices, Crown Commercial Service / Cabinet Office. {OGL}.",
    "find_a_tender": f"Find a Tender notices, Cabinet Office. {OGL}.",
    "register": f"Contract registers published by London boroughs under the Transparency Code. {OGL}.",
}
SAMPLE_WARNING = SAMPLE_NOTICE


def _window(value: str) -> str:
    """``group|first end date``: the group is text like any filter's, the date within the URL's range."""
    group, sep, day = value.rpartition("|")
    if not sep or not group.strip():
        raise state.Invalid(
            f"{state.shown(value)} is not a window (service area|first end date, as the windows page links it)"
        )
    return f"{state.text(group)}|{state.iso_date(day)}"


KEYS = (
    state.Key("window", _window, label="Joint procurement window"),
    state.Key("report_on", state.choice(*SUBJECTS), label="Report on"),
    expiring_view.MONTHS,
)


# --------------------------------------------------------------------------- words


def between(start: date, end: date) -> str:
    """'in March 2026', or 'between March 2026 and May 2027'."""
    if (start.year, start.month) == (end.year, end.month):
        return f"in {format.month(start)}"
    return f"between {format.month(start)} and {format.month(end)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "all"


def _noun(noun: str, n: int) -> str:
    return noun.replace("contracts", "contract", 1) if n == 1 else noun


def _has(n: int) -> str:
    return "has" if n == 1 else "have"


# --------------------------------------------------------------------------- the report


HEADLINES: dict[str, str] = {
    "contracts": "Contracts in scope",
    "boroughs": "Boroughs with contracts in scope",
    "suppliers": "Suppliers",
    "systems": "Systems",
    "annual_value": "Total annual value (GBP)",
    "valued": "Contracts with a known annual value",
    "unknown_end": "Contracts with no known end date",
    "ending": "Contracts ending in the period",
    "ending_boroughs": "Boroughs with contracts ending in the period",
    "ending_value": "Annual value of contracts ending in the period (GBP)",
    "top_suppliers": f"Fewest suppliers holding {CONCENTRATION_SHARE:.0f}% of the contracts ending in the period",
    "top_share": "Their share of the contracts ending in the period (%)",
    "gaps": f"Gaps: ending within {GAP_MONTHS} months with no tender or pipeline notice seen",
    "notices": "Tender and pipeline notices seen",
    "windows": "Joint procurement windows in the period",
    "survey_responses": "Contracts with survey scores",
    "avg_confidence": "Average confidence in supporting the system (1-5)",
    "avg_satisfaction": "Average satisfaction (1-5)",
    "avg_value_for_money": "Average value for money (1-5)",
}
MONEY_KEYS = {"annual_value", "ending_value"}
DECIMAL_KEYS = {"top_share", "avg_confidence", "avg_satisfaction", "avg_value_for_money"}
SCORE_NAMES = {"confidence": "Confidence in supporting the system", "satisfaction": "Satisfaction",
               "value_for_money": "Value for money"}  # fmt: skip


@dataclass
class Report:
    """Everything both files print: the words, the headline numbers and the tables (plain rows)."""

    title: str
    subject_kind: str | None
    subject: str
    noun: str  # "Revenues and Benefits contracts"
    filters: list[str]  # in words, as the exports print them
    query: str  # the URL query string that reproduces the report
    today: date
    start: date
    end: date
    status: dict
    numbers: dict
    summary: list[str]
    survey_totals: dict
    windows: list[dict]
    # the tables of the files; a preview (``preview_report``) leaves them empty
    contracts: list[dict] = field(default_factory=list)
    contracts_cut: bool = False
    ending: list[dict] = field(default_factory=list)  # contracts ending in the period, with gap flags and contacts
    boroughs: list[dict] = field(default_factory=list)
    suppliers: list[dict] = field(default_factory=list)  # a preview: the largest suppliers of the period only
    quarters: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    survey: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    gap_count: int = 0  # contracts ending within GAP_MONTHS with no market notice seen
    notice_count: int = 0  # tender and pipeline notices (``notices`` lists the first of them)
    preview: bool = False  # only the numbers and the summary: never written to a file
    # contracts under the report's filters that are technology / not (``queries.scope_counts``)
    scope_counts: dict = field(default_factory=lambda: {"technology": 0, "other": 0})
    scope_key: str = state.DEFAULT_SCOPE  # ``it`` (technology contracts) or ``all``
    window_rule: str = rule()  # the windows rule in words, as the windows were searched
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    base_url: str = DEFAULT_BASE_URL  # the app's root: the report's links are absolute, to work in a file sent on

    @property
    def link(self) -> str:
        """The absolute URL of the report's page with its state: opens the same report in the app."""
        return self.base_url.rstrip("/") + VIEW.path + (f"?{self.query}" if self.query else "")

    def url(self, path: str) -> str:
        """An absolute URL of an app path ('/report/xlsx?...')."""
        return self.base_url.rstrip("/") + path

    @property
    def as_of(self) -> str:
        return str(self.status.get("data_as_of") or self.status.get("built_at") or "not recorded")

    @property
    def scope(self) -> str:
        """The technology scope in words, with how many contracts it leaves out."""
        return state.describe_scope({"scope": self.scope_key}, self.scope_counts)

    @property
    def filename_stem(self) -> str:
        return f"citytools-report-{slug(self.subject)}-{self.today.isoformat()}"


def subject_of(st: dict) -> tuple[str | None, str, str]:
    """(kind, subject in words, the noun for sentences) of a state."""
    if st.get("window"):
        group, _, first = st["window"].rpartition("|")
        when = format.long_date(date.fromisoformat(first))
        return "window", f"{group} joint procurement window from {when}", f"{group} contracts in the window"
    for key, noun in (("service_area", "{} contracts"), ("system", "{} contracts"),
                      ("supplier", "contracts held by {}")):  # fmt: skip
        values = st.get(key) or []
        if values:
            joined = " and ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)
            return key, joined, noun.format(joined)
    if st.get("scope") == "all":
        return None, "All contracts", "contracts"
    return None, "All technology contracts", "technology contracts"


def described(st: dict) -> list[str]:
    """The state in words: the filters, the window and the period (the page's "Report for:" line)."""
    out = state.describe(st)
    if st.get("window"):
        out.append(f"Joint procurement window: {st['window'].replace('|', ' from ')}")
    if st.get("months") and not (st.get("end_from") or st.get("end_to")):
        out.append(f"Period: the next {st['months']} months")
    return out


# --------------------------------------------------------------------------- windows


def _base(filters: dict) -> dict:
    return {k: v for k, v in filters.items() if k not in ("end_from", "end_to")}


def searched(cur: duckdb.DuckDBPyConnection, filters: dict, group_by: str) -> list[wl.Window]:
    """Every window among the filters' contracts (whatever their end dates) by the windows page's defaults,
    found by its SQL search (``windows.windows_of``), by group then first end date, with their contracts."""
    return wl.windows_of(cur, _base(filters), {**WINDOW_DEFAULTS, "group_by": group_by})[0]


def listed(cur: duckdb.DuckDBPyConnection, filters: dict, group_by: str) -> tuple[wl.Listed, ...]:
    """``searched``'s windows as the search sums them up (``windows.found``, cached per build): what names,
    counts and dates them, without reading their contracts."""
    p = {**WINDOW_DEFAULTS, "group_by": group_by}
    return wl.found(cur, wl.search_spec(_base(filters), p), int(p["lead_months"]), date.today())


def service_area_windows(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[wl.Listed, ...]:
    """Service-area windows under the state's filters (not its end dates), with the windows page's defaults."""
    base = {k: v for k, v in state.filters_of(st).items() if k != WINDOW_GROUP}
    if st.get("window"):
        base[WINDOW_GROUP] = [st["window"].rpartition("|")[0]]
    return listed(cur, base, WINDOW_GROUP)


def resolve_window(cur: duckdb.DuckDBPyConnection, st: dict) -> wl.Listed | None:
    """The window a ``window`` key names, searched with the windows page's defaults; None if gone."""
    return next((w for w in service_area_windows(cur, st) if w.key == st["window"]), None)


def window_options(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> list[dict]:
    """The page's choice of windows: those that have not ended, soonest procurement start first."""
    found = service_area_windows(cur, {k: v for k, v in st.items() if k != "window"})
    out = []
    for w in sorted(found, key=lambda w: (w.procurement_start, w.group)):
        if w.end < today:
            continue
        label = (
            f"{w.group}: {len(w.boroughs)} boroughs, contracts ending "
            f"{format.short_month(w.start)} to {format.short_month(w.end)}"
        )
        out.append({"label": label, "value": w.key})
    return out


def window_group(st: dict) -> str:
    """What the report's windows group by: a system report looks for the system, others the service area."""
    return "system" if subject_of(st)[0] == "system" else "service_area"


def _windows(
    cur: duckdb.DuckDBPyConnection, st: dict, filters: dict, start: date, end: date, full: bool = True
) -> list[dict]:
    """Joint procurement windows overlapping the period, most boroughs first. Not ``full`` (a preview, which
    shows their count and the largest): from the search's sums, without their suppliers and systems."""
    group_by = window_group(st)
    names = reference.borough_names()
    found = searched(cur, filters, group_by) if full else listed(cur, filters, group_by)
    out = []
    for w in sorted(found, key=lambda w: (-len(w.boroughs), w.start, w.group)):
        if w.end < start or w.start > end:
            continue
        row = {"group_by": group_by, "group": w.group, "key": w.key, "start": w.start, "end": w.end,
               "procurement_start": w.procurement_start, "boroughs": len(w.boroughs),
               "borough_names": "; ".join(names.get(b, b) for b in sorted(w.boroughs)),
               "annual_value": w.annual_value}  # fmt: skip
        if isinstance(w, wl.Window):
            row |= {"contracts": len(w.contracts), "suppliers": "; ".join(w.suppliers), "systems": "; ".join(w.systems)}
        else:
            row["contracts"] = w.contract_count
        out.append(row)
    return out


# --------------------------------------------------------------------------- building it


def scope_of(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> tuple[dict, date, date]:
    """The filters of the contracts in scope, and the period; a window sets both.

    Raises ValueError when a ``window`` no longer exists in the data (it was rebuilt).
    """
    filters = state.filters_of(st)
    if st.get("window"):
        window = resolve_window(cur, st)
        if window is None:
            raise ValueError(f"No joint procurement window {st['window']!r} in this data: it may have been rebuilt.")
        filters = {**filters, WINDOW_GROUP: [window.group], "end_from": window.start.isoformat(),
                   "end_to": window.end.isoformat()}  # fmt: skip
        return filters, window.start, window.end
    start, end = expiring_view.period({**filters, "months": st.get("months") or REPORT_MONTHS}, today)
    return filters, start, end


def quarters_of(found: dict[date, dict], start: date, end: date) -> list[dict]:
    """Every quarter of the period, in order, with zeros where nothing ends."""
    out = []
    day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day <= end:
        n = found.get(day, {"contracts": 0, "boroughs": 0})
        out.append({"quarter": day, "label": f"Q{(day.month - 1) // 3 + 1} {day.year}", **n})
        day = reference.add_months(day, 3)
    return out


def contracts_of(
    cur: duckdb.DuckDBPyConnection, filters: dict, start: date, end: date, today: date
) -> tuple[list[dict], list[dict]]:
    """(the contracts in scope, one more than listed; those ending in the period): the first carry the
    second's gap flag and buyer contact, so the workbook's Contracts sheet shows them too."""
    listed = q.contracts(cur, filters, start, end, LEAD_MONTHS, q.CONTRACTS_LIMIT + 1)
    ending = expiring(cur, filters | {"end_from": start.isoformat(), "end_to": end.isoformat()}, today=today,
                      lead_months=LEAD_MONTHS, limit=q.CONTRACTS_LIMIT)  # fmt: skip
    gaps = {r["contract_id"]: r for r in ending}
    for row in listed:
        found = gaps.get(row["contract_id"])
        row["gap"] = bool(found["gap"]) if found else None
        row["contact_name"] = found["contact_name"] if found else None
        row["contact_email"] = found["contact_email"] if found else None
    return listed, ending


def largest_suppliers(suppliers: list[dict], ending: int) -> tuple[list[dict], float | None]:
    """The fewest suppliers holding ``CONCENTRATION_SHARE``% of the contracts ending (at most ``MAX_TOP_SUPPLIERS``),
    and the share they hold. Contracts without a supplier stay in the denominator: nobody holds them."""
    ranked = sorted(
        (s for s in suppliers if s["supplier"] and s["ending"]), key=lambda s: (-s["ending"], s["supplier"])
    )
    top: list[dict] = []
    held = 0
    for s in ranked[:MAX_TOP_SUPPLIERS]:
        top.append(s)
        held += s["ending"]
        if 100.0 * held >= CONCENTRATION_SHARE * ending:
            break
    return top, (100.0 * held / ending if ending else None)


def derived_numbers(r: Report) -> dict:
    """The headline numbers that come from the report's tables rather than from one query."""
    top, top_share = largest_suppliers(r.suppliers, r.numbers["ending"])
    totals = r.survey_totals
    return {
        "top_suppliers": len(top),
        "top_share": None if top_share is None else round(top_share, 1),
        "top_names": [s["supplier"] for s in top],
        "gaps": r.gap_count,
        "notices": r.notice_count,
        "windows": len(r.windows),
        "survey_responses": totals["responses"],
        **{f"avg_{s}": None if totals[s]["avg"] is None else round(totals[s]["avg"], 2) for s in q.SCORES},
    }


def licences_of(sources: list[dict]) -> list[str]:
    """The terms of every source the contracts in scope come from; unknown sources point to their own."""
    present = {s["source"] for s in sources}
    named = [SOURCE_TERMS[s] for s in SOURCE_TERMS if s in present]
    return named + [
        f"{SOURCE_NAMES.get(s, s)}: see the source's own terms." for s in sorted(present - SOURCE_TERMS.keys())
    ]


def _named(rows: list[dict], names: dict[str, str], key: str = "borough_code", to: str = "borough") -> list[dict]:
    return [{**row, to: names.get(row[key], row[key])} for row in rows]


def _tables(cur: duckdb.DuckDBPyConnection, filters: dict, start: date, end: date, today: date) -> dict:
    """The files' tables (every row they list), and the gap count read off the contracts ending."""
    names = reference.borough_names()
    listed, ending = contracts_of(cur, filters, start, end, today)
    sources = q.record_sources(cur, filters)
    return {
        "contracts": listed[: q.CONTRACTS_LIMIT],
        "contracts_cut": len(listed) > q.CONTRACTS_LIMIT,
        "ending": ending,
        "gap_count": sum(1 for c in ending if c["gap"]),
        "boroughs": _named(q.by_borough(cur, filters, start, end), names),
        "suppliers": q.by_supplier(cur, filters, start, end),
        "quarters": quarters_of(q.by_quarter(cur, filters, start, end), start, end),
        "notices": _named(q.notices(cur, filters), names),
        "survey": q.survey_by_system(cur, filters),
        "sources": _named(sources, SOURCE_NAMES, "source", "name"),
        "files": _named(q.load_summary(cur), SOURCE_NAMES, "source", "name"),
        "licences": licences_of(sources),
    }


def _preview_tables(cur: duckdb.DuckDBPyConnection, filters: dict, start: date, end: date, today: date) -> dict:
    """Only what the numbers and summary need beside ``q.numbers`` (which names the largest suppliers of the
    period): the gap count, counted in DuckDB (no contract rows leave it)."""
    return {"gap_count": gap_count(cur, filters, start, end, today), "preview": True}


def build_report(
    cur: duckdb.DuckDBPyConnection,
    st: dict | None = None,
    today: date | None = None,
    base_url: str = DEFAULT_BASE_URL,
    full: bool = True,
) -> Report:
    """All the report's numbers and words for a state; ``base_url`` is the app's root its links start
    with. Not ``full`` (``preview_report``): the numbers and words only, none of the files' tables.
    Raises ValueError for a window that is gone."""
    st = dict(st or {})
    today = today or date.today()
    kind, subject, noun = subject_of(st)
    filters, start, end = scope_of(cur, st, today)
    headline, survey, notices, top = q.numbers(cur, filters, start, end, MAX_TOP_SUPPLIERS)
    if full:
        tables = _tables(cur, filters, start, end, today)
    else:
        tables = {**_preview_tables(cur, filters, start, end, today), "suppliers": top}
    report = Report(
        title=f"Market engagement report: {subject}",
        subject_kind=kind,
        subject=subject,
        noun=noun,
        filters=described(st),
        query=VIEW.query(st),
        today=today,
        start=start,
        end=end,
        status=queries.data_status(cur),
        numbers=headline,
        summary=[],
        survey_totals=survey,
        windows=_windows(cur, st, filters, start, end, full),
        notice_count=notices,
        scope_counts=queries.scope_counts(cur, filters),
        scope_key=queries.chosen_scope(filters),
        window_rule=rule({**WINDOW_DEFAULTS, "group_by": window_group(st)}),
        base_url=base_url,
        **tables,
    )
    report.numbers.update(derived_numbers(report))
    report.summary = summary_text(report)
    return report


def preview_report(cur: duckdb.DuckDBPyConnection, st: dict | None = None, today: date | None = None) -> Report:
    """What the report page shows of the report (title, period, summary, headline numbers), the same
    as the files say, for a fraction of the work: the files' tables are not read."""
    return build_report(cur, st, today, full=False)


# --------------------------------------------------------------------------- the summary


def summary_text(r: Report) -> list[str]:
    """The report's short generated text: each sentence from the numbers, none written by hand."""
    n = r.numbers
    if not n["contracts"]:
        return [f"City Tools holds no {r.noun} under these filters."]
    gaps = (
        f"{format.plural(n['gaps'], 'contract')} ending within {GAP_MONTHS} months {_has(n['gaps'])} "
        "no tender or pipeline notice seen for that borough and service area."
    )
    notices = f"{format.plural(n['notices'], 'tender or pipeline notice')} seen in the open data under these filters."
    unknown = (
        f"{format.plural(n['unknown_end'], 'contract')} in scope {_has(n['unknown_end'])} "
        "no known end date and cannot be placed in the period."
    )
    sentences = [
        _scope_sentence(r),
        _ending_sentence(r),
        gaps if n["ending"] else None,
        _window_sentence(r),
        notices if n["notices"] else None,
        _survey_sentence(n),
        unknown if n["unknown_end"] else None,
    ]
    return [s for s in sentences if s]


def _scope_sentence(r: Report) -> str:
    """How many contracts are in scope, where, whose, and what they are worth."""
    n = r.numbers
    money = format.money(n["annual_value"], missing=NOT_KNOWN)
    if n["valued"] == n["contracts"]:
        valued = f"all with a known annual value, {money} a year in all"
    elif n["valued"]:
        valued = f"{n['valued']:,} with a known annual value, {money} a year between them"
    else:
        valued = "none with a known annual value"
    return (
        f"{n['contracts']:,} {_noun(r.noun, n['contracts'])} in {format.plural(n['boroughs'], 'borough')} are in "
        f"scope, held by {format.plural(n['suppliers'], 'supplier')}; {valued}."
    )


def _ending_sentence(r: Report) -> str:
    """What ends in the period, and how few suppliers hold most of it."""
    n = r.numbers
    when = between(r.start, r.end)
    if not n["ending"]:
        return f"None of them ends {when}."
    b = n["ending_boroughs"]
    whose = f"{b:,} borough's" if b == 1 else f"{b:,} boroughs'"
    sentence = (
        f"{whose} {_noun(r.noun, n['ending'])} {'ends' if n['ending'] == 1 else 'end'} {when} "
        f"({format.plural(n['ending'], 'contract')}, {format.money(n['ending_value'], missing=NOT_KNOWN)} a year "
        "where known)"
    )
    k, names = n["top_suppliers"], ", ".join(n["top_names"])
    if k == 1:
        sentence += f"; one supplier holds {n['top_share']:.0f}% of them ({names})"
    elif k:
        sentence += f"; {k} suppliers hold {n['top_share']:.0f}% of them ({names})"
    return sentence + "."


def _window_sentence(r: Report) -> str | None:
    """The largest joint procurement window in the period, and when to start procuring for it."""
    if not r.windows:
        return None
    w = r.windows[0]
    lead = (
        "One joint procurement window in the period brings together "
        if len(r.windows) == 1
        else f"{len(r.windows):,} joint procurement windows in the period; the largest brings together "
    )
    start = format.month(w["procurement_start"])
    when = (
        f"so procurement should start by {start}."
        if w["procurement_start"] >= r.today
        else f"so procurement should already have started ({start})."
    )
    return (
        f"{lead}{format.plural(w['boroughs'], 'borough')} whose {w['group']} contracts end "
        f"{between(w['start'], w['end'])}, {when}"
    )


def _survey_sentence(n: dict) -> str | None:
    """The boroughs' average survey scores, where any were given."""
    if not n["survey_responses"]:
        return None
    scores = [
        f"{label} {n[key]:.1f} of 5"
        for key, label in (("avg_confidence", "confidence in supporting the system"),
                           ("avg_satisfaction", "satisfaction"), ("avg_value_for_money", "value for money"))
        if n[key] is not None
    ]  # fmt: skip
    return f"Borough survey scores over {format.plural(n['survey_responses'], 'contract')}: " + ", ".join(scores) + "."


def headline_rows(r: Report) -> list[tuple[str, str, object]]:
    """(key, label, value) of the headline numbers, in the order both files show them."""
    return [(key, label, r.numbers.get(key)) for key, label in HEADLINES.items()]


def about_rows(r: Report) -> list[tuple[str, str]]:
    """What the report is: subject, filters, period, data as of, build, generation, warnings."""
    rows = [
        ("Subject", r.subject),
        ("Filters", "; ".join(r.filters) if r.filters else "none (all contracts of London borough buyers)"),
        ("Scope", r.scope),
        ("Period", f"contracts ending {format.long_date(r.start)} to {format.long_date(r.end)}"),
        ("Data as of", r.as_of),
        ("Database built", str(r.status.get("built_at") or "not recorded")),
        ("Report generated", r.generated_at.isoformat(sep=" ")),
        ("Link", r.link),
    ]
    if r.status.get("is_sample"):
        rows.insert(0, ("Warning", SAMPLE_WARNING))
    return rows


# --------------------------------------------------------------------------- the page's choices


def report_on(st: dict) -> str:
    """What the page's form reports on: the URL's ``report_on``, else what the state names, else service area."""
    return st.get("report_on") or subject_of(st)[0] or "service_area"


def current_subject(st: dict, on: str) -> str | None:
    """The one value the form shows as chosen for ``on`` (none when several are filtered)."""
    if on == "window":
        return st.get("window")
    chosen = st.get(on) or []
    return chosen[0] if len(chosen) == 1 else None


def subject_choices(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> tuple[list[dict], str | None]:
    """The form's dropdown: (options, the chosen value); a chosen value is always among the options."""
    on = report_on(st)
    if on == "window":
        options = window_options(cur, st, today)
    else:
        options = [{"label": f"{v} ({n:,})", "value": v} for v, n in q.subject_options(cur, on, state.filters_of(st))]
    value = current_subject(st, on)
    if value and value not in {o["value"] for o in options}:
        options.append({"label": value, "value": value})
    return options, value


def _with_report_on(st: dict, on: str) -> dict:
    """``report_on`` kept only when the rest of the state does not already imply it, keeping links short."""
    rest = {k: v for k, v in st.items() if k != "report_on" and v not in (None, [], "")}
    return rest if report_on(rest) == on else {**rest, "report_on": on}


def on_href(st: dict, on: str) -> str:
    """The page reporting on ``on``, the rest of the state kept."""
    return VIEW.href(_with_report_on(st, on))


def search_for_choice(search: str | None, subject: str | None) -> str | None:
    """The URL after a subject is chosen in the form, or None when it changes nothing.

    A dropdown reporting the value it was drawn with (as Dash components may on mount) changes
    nothing, so it can never wipe a filter.
    """
    if subject is not None and not isinstance(subject, str):
        return None  # a dropdown gives text; anything else is a forged request
    st = VIEW.parse(search)
    on = report_on(st)
    if (subject or None) == current_subject(st, on):
        return None
    if on == "window":
        st["window"] = subject
    else:
        st[on] = [subject] if subject else []
        st.pop("window", None)
    new = VIEW.search(_with_report_on(st, on))
    return None if new == (search or "") else new


# --------------------------------------------------------------------------- the printable HTML


CONTRACT_ROWS = 300  # rows of the HTML's "ending in the period" table; the workbook has them all
NUMERIC = ("int", "money", "pct", "score")


def cell_text(value: object, kind: str = "text") -> str:
    """A value as the HTML's tables and headline show it (scores to two decimals: they are means)."""
    return format.cell(value, kind, score_digits=2)


def data_value(value: object) -> object:
    """A number or date as a data attribute holds it: plain, unformatted."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


@cache
def templates() -> jinja2.Environment:
    """The report's Jinja2 templates, autoescaped: data is always text, never markup."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dashboard", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        cell=cell_text, raw=data_value, safe_url=links.safe_url, integer=format.integer, css_string=css_string
    )
    return env


def css_string(text: object, limit: int = 90) -> markupsafe.Markup:
    """Text as a quoted CSS string (the print header's ``content``), every character but letters,
    digits and spaces escaped, so data can never close the string or the ``<style>`` element."""
    plain = str(text)[:limit]
    body = "".join(c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):06x}" for c in plain)
    return markupsafe.Markup(f'"{body}"')


def html_rows(r: Report) -> dict:
    """The HTML's table rows that differ from the report's own: names filled in, survey scores per measure."""
    names = reference.borough_names()
    ending = [
        {**c, "borough": names.get(c["borough_code"], c["borough_code"]),
         "what": c.get("system_name") or c.get("title"),
         "contact": " ".join(filter(None, (c.get("contact_name"), c.get("contact_email"))))}
        for c in r.ending[:CONTRACT_ROWS]
    ]  # fmt: skip
    scores = [
        {"measure": label, "n": r.survey_totals[s]["n"], "avg": r.survey_totals[s]["avg"]}
        | {f"s{k}": v for k, v in enumerate(r.survey_totals[s]["counts"], start=1)}
        for s, label in SCORE_NAMES.items()
    ]
    return {
        "ending": ending,
        "scores": scores,
        "suppliers": named_suppliers(r),
        "survey_systems": [{**s, "system": s["system"] or "Not known"} for s in r.survey[:50]],
    }


def named_suppliers(r: Report) -> list[dict]:
    """The supplier rows with a name for the contracts that name none (both files list them)."""
    return [{**s, "supplier": s["supplier"] or "Not known (left out of the shares)"} for s in r.suppliers]


def _headline_kind(key: str) -> str:
    if key in MONEY_KEYS:
        return "money"
    if key == "top_share":
        return "pct"
    return "score" if key in DECIMAL_KEYS else "int"


def _not_a_preview(r: Report) -> None:
    if r.preview:
        raise ValueError("a preview of the report has none of its tables: build it with build_report")


def render_html(r: Report) -> str:
    """The whole report as one HTML document (a string)."""
    _not_a_preview(r)
    template = templates().get_template("report.html")
    return template.render(
        r=r,
        **html_rows(r),
        about=[(k, v) for k, v in about_rows(r) if k != "Warning"],
        sample=bool(r.status.get("is_sample")),
        sample_warning=SAMPLE_WARNING,
        headline=[(key, label, value, _headline_kind(key)) for key, label, value in headline_rows(r)],
        charts={
            "timeline": charts.timeline_chart(r.ending, r.start, r.end),
            "quarters": charts.quarter_chart(r.quarters),
            "share": charts.share_chart(r.suppliers),
        },
        numeric=NUMERIC,
        gap_months=GAP_MONTHS,
        ogl_url=OGL_URL,
        product=PRODUCT,
    )


# --------------------------------------------------------------------------- the workbook


SHEETS = ("Summary", "Contracts", "Boroughs", "Suppliers and market share", "End dates by quarter", "Windows",
          "Notices", "Survey", "Data sources and licence")  # fmt: skip
PCT = "0.0"
SCORE = "0.00"
C = xlsx.Column

CONTRACT_COLUMNS = [
    C("Borough code", "borough_code"), C("Borough", "borough"), C("Buyer", "buyer_name"),
    C("Supplier", "supplier_name"), C("System", "system_name"), C("Service area", "service_area"),
    C("Title", "title"), C("Start date", "start_date"), C("End date", "end_date"),
    C("Latest end with extensions", "max_end_date"), C("Annual value (GBP)", "annual_value", xlsx.MONEY),
    C("Total value (GBP)", "total_value", xlsx.MONEY), C("Start procurement by", "procurement_start"),
    C("Ends in the period", "in_period"), C("Gap (no tender or pipeline notice seen)", "gap"),
    C("Buyer contact", "contact_name"), C("Buyer contact email", "contact_email"),
    C("Sources", "sources"), C("Notice", "source_url"), C("Confidence (1-5)", "confidence"),
    C("Satisfaction (1-5)", "satisfaction"), C("Value for money (1-5)", "value_for_money"),
    C("Contract id", "contract_id"),
]  # fmt: skip
BOROUGH_COLUMNS = [
    C("Borough code", "borough_code"), C("Borough", "borough"), C("Contracts", "contracts"),
    C("Ending in the period", "ending"), C("Annual value (GBP)", "annual_value", xlsx.MONEY),
    C("Contracts with a value", "valued"), C("Suppliers", "suppliers"),
    C("Supplier names", "supplier_names"), C("Next end date", "next_end"),
]  # fmt: skip
SUPPLIER_COLUMNS = [
    C("Supplier", "supplier"), C("Contracts", "contracts"), C("Share of contracts (%)", "share", PCT),
    C("Boroughs", "boroughs"), C("Ending in the period", "ending"),
    C("Share of contracts ending in the period (%)", "ending_share", PCT),
    C("Annual value (GBP)", "annual_value", xlsx.MONEY), C("Share of annual value (%)", "value_share", PCT),
    C("Contracts with a value", "valued"),
]  # fmt: skip
QUARTER_COLUMNS = [C("Quarter", "label"), C("Quarter starts", "quarter"), C("Contracts ending", "contracts"),
                   C("Boroughs", "boroughs")]  # fmt: skip
WINDOW_COLUMNS = [
    C("Grouped by", "group_by"), C("Group", "group"), C("First end", "start"), C("Last end", "end"),
    C("Start procurement by", "procurement_start"), C("Boroughs", "boroughs"), C("Borough names", "borough_names"),
    C("Contracts", "contracts"), C("Suppliers", "suppliers"), C("Systems", "systems"),
    C("Annual value (GBP)", "annual_value", xlsx.MONEY), C("Window key", "key"),
]  # fmt: skip
NOTICE_COLUMNS = [C("Borough", "borough"), C("Buyer", "buyer_name"), C("Stage", "stage"), C("Title", "title"),
                  C("Service area", "service_area"), C("Planned contract end", "end_date"),
                  C("Notice", "source_url")]  # fmt: skip
SURVEY_COLUMNS = [
    C("System", "system"), C("Suppliers", "suppliers"), C("Boroughs", "boroughs"),
    C("Contracts with scores", "responses"), C("Confidence answers", "confidence_n"),
    C("Average confidence (1-5)", "confidence", SCORE), C("Satisfaction answers", "satisfaction_n"),
    C("Average satisfaction (1-5)", "satisfaction", SCORE), C("Value for money answers", "value_for_money_n"),
    C("Average value for money (1-5)", "value_for_money", SCORE),
]  # fmt: skip


def _summary_sheet(book: xlsx.Book, r: Report) -> None:
    """What the report is about, its summary sentences and its headline numbers."""
    ws = book.sheet("Summary", [52, 110])
    ws.write([r.title], style="title")
    for label, value in about_rows(r):
        ws.write([label, value], style=("bold+warning", "warning") if label == "Warning" else ("bold", None))
    ws.skip()
    ws.write(["Summary"], style="bold")
    for sentence in r.summary:
        ws.write([None, sentence], style=(None, "wrap"))
    ws.skip()
    ws.write(["Headline figure", "Value"], style="bold")
    for key, label, value in headline_rows(r):
        number_format = xlsx.MONEY if key in MONEY_KEYS else ("0.0#" if key in DECIMAL_KEYS else "#,##0")
        ws.write([label, NOT_KNOWN if value is None else value], formats=(None, number_format))
    if r.numbers.get("top_names"):
        ws.write(["Largest suppliers (names)", "; ".join(r.numbers["top_names"])])


def _contracts_sheet(book: xlsx.Book, r: Report) -> None:
    ws = book.sheet("Contracts", [12, 22, 30, 30, 26, 24, 40, 12, 12, 14, 14, 14, 14, 10, 12, 20, 26, 24, 40])
    names = {b["borough_code"]: b["borough"] for b in r.boroughs}
    ws.table(CONTRACT_COLUMNS, ({**c, "borough": names.get(c["borough_code"], c["borough_code"])}
                                for c in r.contracts))  # fmt: skip
    if r.contracts_cut:
        ws.write([f"Only the first {len(r.contracts):,} contracts are listed."], style="bold")


def _survey_sheet(book: xlsx.Book, r: Report) -> None:
    ws = book.sheet("Survey", [40, 30, 12, 14, 14, 16, 14, 16, 16, 18])
    ws.write(["Borough survey scores (1-5) of the contracts in scope"], style="bold")
    ws.write(["Measure", "Answers", "Average", "1", "2", "3", "4", "5"], style="bold")
    for s in q.SCORES:
        t = r.survey_totals[s]
        ws.write([SCORE_NAMES[s], t["n"], t["avg"], *t["counts"]], formats=(None, None, SCORE))
    ws.skip()
    ws.write(["By system"], style="bold")
    ws.table(SURVEY_COLUMNS, [{**row, "system": row["system"] or "Not known"} for row in r.survey], freeze=False)


def _sources_sheet(book: xlsx.Book, r: Report) -> None:
    """Where the numbers come from, on what terms, and the build's input files."""
    ws = book.sheet("Data sources and licence", [48, 110, 14, 14, 12, 12, 10])
    ws.write(["Data sources and licence"], style="title")
    if r.status.get("is_sample"):
        ws.write(["Warning", SAMPLE_WARNING], style=("bold", None))
    ws.write(["Data as of", r.as_of], style=("bold", None))
    for line in r.licences:
        ws.write(["Licence and terms", line], style=("bold", None))
    ws.write(["Open Government Licence", OGL_URL], style=("bold", None))
    ws.skip()
    ws.write(["Contracts in scope by source of their records"], style="bold")
    ws.write(["Source", "Contracts"], style="bold")
    for s in r.sources:
        ws.write([s["name"], s["contracts"]])
    ws.skip()
    ws.write(["Input files of this database build"], style="bold")
    ws.write(["Kind of file", "Files", "Records read", "Loaded", "Rejected", "Skipped", "Sample"], style="bold")
    for f in r.files:
        ws.write([f["name"], f["files"], f["records_read"], f["loaded"], f["rejected"], f["skipped"], f["is_sample"]])


def write_xlsx(r: Report, out: str | Path | IO[bytes]) -> None:
    """Write the workbook (the nine ``SHEETS``) to a path or a binary file object."""
    _not_a_preview(r)
    book = xlsx.Book(str(out) if isinstance(out, Path) else out)
    _summary_sheet(book, r)
    _contracts_sheet(book, r)
    book.sheet("Boroughs", [12, 24, 10, 12, 16, 12, 10, 60, 14]).table(BOROUGH_COLUMNS, r.boroughs)
    book.sheet("Suppliers and market share", [40, 10, 12, 10, 12, 16, 16, 14, 12]).table(
        SUPPLIER_COLUMNS, named_suppliers(r)
    )
    book.sheet("End dates by quarter", [12, 14, 16, 10]).table(QUARTER_COLUMNS, r.quarters)
    book.sheet("Windows", [14, 26, 12, 12, 14, 10, 50, 10, 40, 40, 16, 30]).table(WINDOW_COLUMNS, r.windows)
    notices = book.sheet("Notices", [22, 30, 10, 50, 24, 14, 40])
    notices.table(NOTICE_COLUMNS, r.notices)
    if r.notice_count > len(r.notices):
        notices.write([f"Only the first {len(r.notices):,} of {r.notice_count:,} notices are listed."], style="bold")
    _survey_sheet(book, r)
    _sources_sheet(book, r)
    book.close()


VIEW = state.View("report", "/reports", KEYS)
