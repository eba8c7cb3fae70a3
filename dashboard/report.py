"""The LOTI market engagement report: every number in it, computed once from the database.

``build_report(cur, st, today)`` returns a ``Report``; the workbook (``report_xlsx``) and the
printable HTML (``report_html``) only lay it out, so the two files can never disagree, and
tests check the numbers here against the database. ``st`` is a URL state (see
``dashboard.state``): the filter bar's filters, plus ``months`` (the period, when no end dates
are set), ``window`` (one joint procurement window as the subject) and ``report_on``.

The subject is what the filters pick (a service area, a system, a supplier) or a window; the
"period" is the filter bar's end dates, or today to ``months`` ahead (24 by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from dashboard import expiring as expiring_view
from dashboard import queries, state
from dashboard.queries import report as q
from dashboard.queries.expiring import GAP_MONTHS, LEAD_MONTHS, expiring
from dashboard.queries.windows import window_contracts
from dashboard.windows import find_windows
from etl import reference

REPORT_MONTHS = 24
# "N suppliers hold X% of them": the fewest suppliers that hold this share of the contracts ending, up to MAX.
CONCENTRATION_SHARE = 80.0
MAX_TOP_SUPPLIERS = 5
WINDOW_GROUP = "service_area"  # a ``window`` key is "<service area>|<first end date>"
SUBJECTS = ("service_area", "system", "supplier", "window")
SUBJECT_LABELS = {"service_area": "Service area", "system": "System", "supplier": "Supplier",
                  "window": "Joint procurement window"}  # fmt: skip

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
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
    "contracts_finder": f"Contracts Finder notices, Crown Commercial Service / Cabinet Office. {OGL}",
    "find_a_tender": f"Find a Tender notices, Cabinet Office. {OGL}",
    "register": f"Contract registers published by London boroughs under the Transparency Code. {OGL}",
}
SAMPLE_WARNING = (
    "Sample data: these figures come from the made-up sample inputs shipped with City Tools, "
    "not from real borough returns or notices. Do not quote them."
)


def _window(value: str) -> str:
    group, sep, day = value.rpartition("|")
    try:
        start = date.fromisoformat(day.strip())
    except ValueError:
        start = None
    if not sep or not group.strip() or start is None:
        raise state.Invalid(f"{value!r} is not a window (service area|first end date, as the windows page links it)")
    return f"{' '.join(group.split())}|{start.isoformat()}"


state.declare("window", _window, label="Joint procurement window")
state.declare("report_on", state.choice(*SUBJECTS), label="Report on")


# --------------------------------------------------------------------------- words and numbers


def money(value: float | None) -> str:
    """Pounds for prose: £950, £12k, £3.4m, £1.2bn."""
    if value is None:
        return "not known"
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"£{value / size:,.1f}{suffix}".replace(f".0{suffix}", suffix)
    return f"£{value:,.0f}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def month(day: date) -> str:
    return f"{day:%B %Y}"


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not known"


def between(start: date, end: date) -> str:
    return (
        f"in {month(start)}"
        if (start.year, start.month) == (end.year, end.month)
        else (f"between {month(start)} and {month(end)}")
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "all"


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


@dataclass
class Report:
    """Everything both renderers print: the words, the headline numbers and the tables (plain rows)."""

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
    contracts: list[dict]
    contracts_cut: bool
    ending: list[dict]  # contracts ending in the period, with gap flags and contacts
    boroughs: list[dict]
    suppliers: list[dict]
    quarters: list[dict]
    windows: list[dict]
    notices: list[dict]
    survey: list[dict]
    survey_totals: dict
    sources: list[dict]
    files: list[dict]
    licences: list[str]
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def as_of(self) -> str:
        return str(self.status.get("data_as_of") or self.status.get("built_at") or "not recorded")

    @property
    def filename_stem(self) -> str:
        return f"citytools-report-{slug(self.subject)}-{self.today.isoformat()}"


def subject_of(st: dict) -> tuple[str | None, str, str]:
    """(kind, subject in words, the noun for sentences) of a state."""
    if st.get("window"):
        group, _, first = st["window"].rpartition("|")
        return (
            "window",
            f"{group} joint procurement window from {long_date(date.fromisoformat(first))}",
            (f"{group} contracts in the window"),
        )
    for key, noun in (("service_area", "{} contracts"), ("system", "{} contracts"),
                      ("supplier", "contracts held by {}")):  # fmt: skip
        values = st.get(key) or []
        if values:
            joined = " and ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)
            return key, joined, noun.format(joined)
    return None, "All technology contracts", "technology contracts"


def resolve_window(cur: duckdb.DuckDBPyConnection, st: dict):
    """The window a ``window`` key names, searched with the windows page's defaults; None if gone."""
    group, _, first = st["window"].rpartition("|")
    base = {k: v for k, v in state.filters_of(st).items() if k not in ("end_from", "end_to", WINDOW_GROUP)}
    found, _unknown = find_windows(window_contracts(cur, WINDOW_GROUP, "base", {**base, WINDOW_GROUP: [group]}))
    return next((w for w in found if w.key == f"{group}|{first}"), None)


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


def _quarters(found: dict[date, dict], start: date, end: date) -> list[dict]:
    """Every quarter of the period, in order, with zeros where nothing ends."""
    out = []
    day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day <= end:
        n = found.get(day, {"contracts": 0, "boroughs": 0})
        out.append({"quarter": day, "label": f"Q{(day.month - 1) // 3 + 1} {day.year}", **n})
        day = reference.add_months(day, 3)
    return out


def _windows(cur: duckdb.DuckDBPyConnection, st: dict, filters: dict, start: date, end: date) -> list[dict]:
    """Joint procurement windows overlapping the period, most boroughs first."""
    group_by = "system" if subject_of(st)[0] == "system" else "service_area"
    base = {k: v for k, v in filters.items() if k not in ("end_from", "end_to")}
    found, _unknown = find_windows(window_contracts(cur, group_by, "base", base))
    names = reference.borough_names()
    out = []
    for w in sorted(found, key=lambda w: (-len(w.boroughs), w.start, w.group)):
        if w.end < start or w.start > end:
            continue
        out.append(
            {"group_by": group_by, "group": w.group, "key": w.key, "start": w.start, "end": w.end,
             "procurement_start": w.procurement_start, "boroughs": len(w.boroughs),
             "borough_names": "; ".join(names.get(b, b) for b in w.boroughs), "contracts": len(w.contracts),
             "suppliers": "; ".join(w.suppliers), "systems": "; ".join(w.systems), "annual_value": w.annual_value}
        )  # fmt: skip
    return out


def build_report(cur: duckdb.DuckDBPyConnection, st: dict | None = None, today: date | None = None) -> Report:
    """All the report's numbers and words for a state. Raises ValueError for a window that is gone."""
    st = dict(st or {})
    today = today or date.today()
    kind, subject, noun = subject_of(st)
    filters, start, end = scope_of(cur, st, today)
    status = queries.data_status(cur)
    names = reference.borough_names()

    numbers = q.headline(cur, filters, start, end)
    boroughs = [{**b, "borough": names.get(b["borough_code"], b["borough_code"])}
                for b in q.by_borough(cur, filters, start, end)]  # fmt: skip
    suppliers = q.by_supplier(cur, filters, start, end)
    listed = q.contracts(cur, filters, start, end, LEAD_MONTHS, q.CONTRACTS_LIMIT + 1)
    ending = expiring(cur, filters | {"end_from": start.isoformat(), "end_to": end.isoformat()}, today=today,
                      lead_months=LEAD_MONTHS, limit=q.CONTRACTS_LIMIT)  # fmt: skip
    gaps = {r["contract_id"]: r for r in ending}
    for row in listed:
        found = gaps.get(row["contract_id"])
        row["gap"] = bool(found["gap"]) if found else None
        row["contact_name"] = found["contact_name"] if found else None
        row["contact_email"] = found["contact_email"] if found else None
    windows = _windows(cur, st, filters, start, end)
    notices = q.notices(cur, filters)
    survey_totals = q.survey_totals(cur, filters)
    sources = q.record_sources(cur, filters)

    top, top_share = largest_suppliers(suppliers, numbers["ending"])
    numbers.update(
        top_suppliers=len(top),
        top_share=None if top_share is None else round(top_share, 1),
        top_names=[s["supplier"] for s in top],
        gaps=sum(1 for r in ending if r["gap"]),
        notices=len(notices),
        windows=len(windows),
        survey_responses=survey_totals["responses"],
        **{f"avg_{s}": None if survey_totals[s]["avg"] is None else round(survey_totals[s]["avg"], 2)
           for s in q.SCORES},
    )  # fmt: skip

    present = {s["source"] for s in sources}
    licences = [SOURCE_TERMS[s] for s in SOURCE_TERMS if s in present]
    licences += [
        f"{SOURCE_NAMES.get(s, s)}: see the source's own terms." for s in sorted(present - SOURCE_TERMS.keys())
    ]
    report = Report(
        title=f"Market engagement report: {subject}",
        subject_kind=kind,
        subject=subject,
        noun=noun,
        filters=_described(st),
        query=state.to_query(st),
        today=today,
        start=start,
        end=end,
        status=status,
        numbers=numbers,
        summary=[],
        contracts=listed[: q.CONTRACTS_LIMIT],
        contracts_cut=len(listed) > q.CONTRACTS_LIMIT,
        ending=ending,
        boroughs=boroughs,
        suppliers=suppliers,
        quarters=_quarters(q.by_quarter(cur, filters, start, end), start, end),
        windows=windows,
        notices=[{**n, "borough": names.get(n["borough_code"], n["borough_code"])} for n in notices],
        survey=q.survey_by_system(cur, filters),
        survey_totals=survey_totals,
        sources=[{**s, "name": SOURCE_NAMES.get(s["source"], s["source"])} for s in sources],
        files=[{**f, "name": SOURCE_NAMES.get(f["source"], f["source"])} for f in q.load_summary(cur)],
        licences=licences,
    )
    report.summary = summary_text(report)
    return report


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


def _described(st: dict) -> list[str]:
    out = state.describe(st)
    if st.get("window"):
        out.append(f"Joint procurement window: {st['window'].replace('|', ' from ')}")
    if st.get("months") and not (st.get("end_from") or st.get("end_to")):
        out.append(f"Period: the next {st['months']} months")
    return out


def summary_text(r: Report) -> list[str]:
    """The report's short generated text: each sentence from the numbers, none written by hand."""
    n = r.numbers
    out = []
    if not n["contracts"]:
        return [f"City Tools holds no {r.noun} under these filters."]
    if n["valued"] == n["contracts"]:
        valued = f"all with a known annual value, {money(n['annual_value'])} a year in all"
    elif n["valued"]:
        valued = f"{n['valued']:,} with a known annual value, {money(n['annual_value'])} a year between them"
    else:
        valued = "none with a known annual value"
    out.append(
        f"{n['contracts']:,} {_noun(r.noun, n['contracts'])} in {plural(n['boroughs'], 'borough')} are in scope, "
        f"held by {plural(n['suppliers'], 'supplier')}; {valued}."
    )
    when = between(r.start, r.end)
    if n["ending"]:
        whose = (
            f"{n['ending_boroughs']:,} borough's"
            if n["ending_boroughs"] == 1
            else f"{n['ending_boroughs']:,} boroughs'"
        )
        sentence = (
            f"{whose} {_noun(r.noun, n['ending'])} {'ends' if n['ending'] == 1 else 'end'} {when} "
            f"({plural(n['ending'], 'contract')}, {money(n['ending_value'])} a year where known)"
        )
        k, names = n["top_suppliers"], ", ".join(n["top_names"])
        if k == 1:
            sentence += f"; one supplier holds {n['top_share']:.0f}% of them ({names})"
        elif k:
            sentence += f"; {k} suppliers hold {n['top_share']:.0f}% of them ({names})"
        out.append(sentence + ".")
    else:
        out.append(f"None of them ends {when}.")
    if n["ending"]:
        out.append(
            f"{plural(n['gaps'], 'contract')} ending within {GAP_MONTHS} months {'has' if n['gaps'] == 1 else 'have'} "
            "no tender or pipeline notice seen for that borough and service area."
        )
    if r.windows:
        w = r.windows[0]
        lead = (
            "One joint procurement window in the period brings together "
            if len(r.windows) == 1
            else f"{len(r.windows):,} joint procurement windows in the period; the largest brings together "
        )
        out.append(
            lead
            + f"{plural(w['boroughs'], 'borough')} whose {w['group']} contracts end {between(w['start'], w['end'])}, "
            + (f"so procurement should start by {month(w['procurement_start'])}."
               if w["procurement_start"] >= r.today
               else f"so procurement should already have started ({month(w['procurement_start'])}).")
        )  # fmt: skip
    if n["notices"]:
        out.append(f"{plural(n['notices'], 'tender or pipeline notice')} seen in the open data under these filters.")
    if n["survey_responses"]:
        scores = [
            f"{label} {n[key]:.1f} of 5"
            for key, label in (("avg_confidence", "confidence in supporting the system"),
                               ("avg_satisfaction", "satisfaction"), ("avg_value_for_money", "value for money"))
            if n[key] is not None
        ]  # fmt: skip
        out.append(
            f"Borough survey scores over {plural(n['survey_responses'], 'contract')}: " + ", ".join(scores) + "."
        )
    if n["unknown_end"]:
        out.append(f"{plural(n['unknown_end'], 'contract')} in scope {'has' if n['unknown_end'] == 1 else 'have'} "
                   "no known end date and cannot be placed in the period.")  # fmt: skip
    return out


def _noun(noun: str, n: int) -> str:
    return noun.replace("contracts", "contract", 1) if n == 1 else noun


def headline_rows(r: Report) -> list[tuple[str, str, object]]:
    """(key, label, value) of the headline numbers, in the order both renderers show them."""
    return [(key, label, r.numbers.get(key)) for key, label in HEADLINES.items()]


def about_rows(r: Report) -> list[tuple[str, str]]:
    """What the report is: subject, filters, period, data as of, build, generation, warnings."""
    rows = [
        ("Subject", r.subject),
        ("Filters", "; ".join(r.filters) if r.filters else "none (all contracts of London borough buyers)"),
        ("Period", f"contracts ending {long_date(r.start)} to {long_date(r.end)}"),
        ("Data as of", r.as_of),
        ("Database built", str(r.status.get("built_at") or "not recorded")),
        ("Report generated", r.generated_at.isoformat(sep=" ")),
        ("Link", f"/reports?{r.query}" if r.query else "/reports"),
    ]
    if r.status.get("is_sample"):
        rows.insert(0, ("Warning", SAMPLE_WARNING))
    return rows
