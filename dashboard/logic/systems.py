"""Systems: which boroughs use a system, who supplies it, when each contract ends.

Two states of one view: without ``system`` a ranked list of systems; with ``system`` the
contracts of the chosen systems; either a ``page`` at a time, ended contracts left out (and
counted) unless ``ended=show``. ``main_table`` gives the table of either state to the page and
to the CSV/Excel export alike, so an export holds the rows on screen.

The market tables (``Column``, ``Link``, ``Table``, ``show``) are defined here and used by the
suppliers view too: both views show tables of raw values (dates, pounds, shares), formatted per
column on screen and written as they are to the export, where a cell may lead somewhere (a
system to its page, a borough to its profile). A ``Link`` says where, as data; the page turns it
into an href (``dashboard.links``), so this module stays free of Dash and of URL building.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from dashboard import format as fmt
from dashboard import state, status
from dashboard.links import safe_email
from dashboard.queries import my_borough as contacts_q
from dashboard.queries import systems as q
from etl import reference

CHART_TOP = 15  # systems drawn in the usage chart


# --------------------------------------------------------------------------- market tables


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its raw values are shown (text, int, money, date, pct,
    score, or status: a ``dashboard.status`` key, a badge on screen and its words in an export).

    ``phone=False``: left out on a narrow screen, so the table fits a phone (the export keeps it).
    """

    heading: str
    kind: str = "text"
    phone: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "pct", "score")


@dataclass(frozen=True)
class Link:
    """Where a cell leads: view ``stem`` with the current state and ``values`` changed (None drops a key).

    The stem ``borough`` means a borough's page; its ``values`` hold the ONS ``code``. The stem
    ``mailto`` is an email address (``values["email"]``, already checked by ``links.safe_email``).
    """

    stem: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """Raw rows under their columns; ``links[i]`` maps a column index of row ``i`` to its ``Link``."""

    columns: Sequence[Column]
    rows: list[list]
    links: list[dict[int, Link]] | None = None

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]

    def export(self) -> tuple[list[str], list[list]]:
        """The table as an export function returns it: headings and raw rows (a status in words)."""
        statuses = [j for j, c in enumerate(self.columns) if c.kind == "status"]
        if not statuses:
            return self.headings, self.rows
        rows = [[status.label(v) if j in statuses and v else v for j, v in enumerate(r)] for r in self.rows]
        return self.headings, rows


def show(value: object, kind: str) -> str:
    """A raw table value as text for the screen; a dash for none."""
    if kind == "status":
        return status.label(value) if value else fmt.DASH
    return fmt.cell(value, kind)


# --------------------------------------------------------------------------- what the views list

ENDED_SHOW = "show"
ENDED = state.Key("ended", state.choice(ENDED_SHOW), label="Ended contracts")  # hidden unless shown
PAGE = state.Key("page", state.integer(1, 100_000), keep_on_filter=False, label="Page", default=1)


def shows_ended(st: dict) -> bool:
    return st.get("ended") == ENDED_SHOW


def query_filters(st: dict, today: date | None = None) -> dict:
    """The filters the queries get: the state, with the contracts ended before today left out
    unless the URL says ``ended=show`` (see ``queries.systems.view_where``)."""
    if shows_ended(st):
        return {k: v for k, v in st.items() if k != q.LIVE_ON}
    return {**st, q.LIVE_ON: today or date.today()}


def page_of(st: dict) -> int:
    value = st.get("page")
    return value if isinstance(value, int) and value > 0 else 1


def pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def rounded(value: float | None, digits: int = 2) -> float | None:
    """Means and shares to a few decimals, so the export does not carry float noise."""
    return None if value is None else round(value, digits)


def borough_link(code: str | None, column: int = 0) -> dict[int, Link]:
    """The link of a borough cell (in ``column``) to the borough's page, when the borough is known."""
    return {column: Link("borough", {"code": code})} if code else {}


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


# --------------------------------------------------------------------------- the ranking


RANKING_COLUMNS = (
    Column("System"),
    Column("Boroughs using it", "int"),
    Column("Contracts", "int"),
    Column("Suppliers", "int", phone=False),
    Column("Earliest end", "date", phone=False),
    Column("Latest end", "date"),
    Column("Confidence (mean, 1-5)", "score", phone=False),
    Column("Confidence answers", "int", phone=False),
    Column("Satisfaction (mean, 1-5)", "score", phone=False),
    Column("Satisfaction answers", "int", phone=False),
)


def ranking_table(rows: list[dict]) -> Table:
    """The ranked list; each system's name leads to its page here (the other filters kept)."""
    out = [
        [r["system"], r["boroughs"], r["contracts"], r["suppliers"], r["earliest_end"], r["latest_end"],
         rounded(r["confidence"]), r["confidence_n"], rounded(r["satisfaction"]), r["satisfaction_n"]]
        for r in rows
    ]  # fmt: skip
    return Table(RANKING_COLUMNS, out, [{0: Link("systems", {"system": r["system"], "page": None})} for r in rows])


def usage_table(rows: list[dict]) -> Table:
    """The usage chart's numbers, for its table alternative."""
    return Table(
        [Column("System"), Column("Boroughs using it", "int"), Column("Contracts", "int")],
        [[r["system"], r["boroughs"], r["contracts"]] for r in rows[:CHART_TOP]],
    )


def ranking_summary(total: int, n_boroughs: int) -> str:
    return (
        f"{fmt.plural(total, 'system')} in use across {fmt.plural(n_boroughs, 'borough')}. "
        "Choose a system to see which boroughs run it, when their contracts end and how they rate it."
    )


# --------------------------------------------------------------------------- chosen systems


def contact_cells(contact: dict | None) -> tuple[str | None, dict[int, Link] | None]:
    """A contact as one cell ('Name · phone') and, where its email is safe, a mailto ``Link``."""
    if not contact:
        return None, None
    email = safe_email(contact.get("email"))
    text = " · ".join(filter(None, (contact.get("name") or email, contact.get("phone"))))
    return text or None, Link("mailto", {"email": email}) if email else None


def detail_table(rows: list[dict], several: bool, contacts: dict | None = None, today: date | None = None) -> Table:
    """The chosen systems' contracts, each with its status on ``today`` and whom to call where known;
    each borough leads to its profile, each contact's email to a mailto link."""
    names = reference.borough_names()
    day, contacts = today or date.today(), contacts or {}
    columns = [
        Column("Borough"),
        *([Column("System")] if several else []),
        Column("Supplier", phone=False),
        Column("Contract ends", "date"),
        Column("Latest end with extensions", "date", phone=False),
        Column("Status", "status"),
        Column("Annual cost", "money", phone=False),
        Column("Confidence (1-5)", "int", phone=False),
        Column("Satisfaction (1-5)", "int", phone=False),
        Column("Contact"),
    ]
    out, row_links = [], []
    for r in rows:
        contact, mail = contact_cells(contacts.get(r["contract_id"]))
        out.append(
            [names.get(r["borough_code"], r["borough_code"]), *([r["system"]] if several else []), r["supplier"],
             r["end_date"], r["max_end_date"], status.status(r["end_date"], r["max_end_date"], day),
             r["annual_value"], r["confidence"], r["satisfaction"], contact]
        )  # fmt: skip
        row_links.append({**borough_link(r["borough_code"]), **({len(columns) - 1: mail} if mail else {})})
    return Table(columns, out, row_links)


def system_sentence(r: dict, n_boroughs: int) -> str:
    """One chosen system in a sentence: how many boroughs, contracts and suppliers, when they end."""
    text = (
        f"{r['system']}: used by {r['boroughs']} of the {fmt.plural(n_boroughs, 'borough')} in the data, "
        f"under {fmt.plural(r['contracts'], 'contract')} with {fmt.plural(r['suppliers'], 'supplier')}"
    )
    if r["earliest_end"]:
        text += f"; contracts end between {fmt.long_date(r['earliest_end'])} and {fmt.long_date(r['latest_end'])}"
    return text + "."


def not_found(missing: list[str]) -> str:
    return (
        f"No borough contract for {and_list(missing)} matches these filters. "
        "System names must match exactly as listed on the Systems page."
    )


def timeline_title(systems: list[str]) -> str:
    if len(systems) == 1:
        return f"When each borough's {systems[0]} contract ends"
    return "When each borough's contract ends"


def timeline_items(rows: list[dict], several: bool) -> list[dict]:
    """The contract-end timeline's items (see ``figures.systems.end_timeline``): one per contract."""
    names = reference.borough_names()
    items = []
    for r in rows:
        borough = names.get(r["borough_code"], r["borough_code"])
        detail = f"{borough}: {r['system']} from {r['supplier'] or 'an unrecorded supplier'}, "
        detail += f"ends {fmt.long_date(r['end_date'])}"
        if r["max_end_date"] and r["end_date"] and r["max_end_date"] > r["end_date"]:
            detail += f", {fmt.long_date(r['max_end_date'])} with every extension"
        items.append(
            {"label": borough, "group": r["system"] if several else "Contract", "end": r["end_date"],
             "max_end": r["max_end_date"], "detail": detail}
        )  # fmt: skip
    return items


def timeline_table(items: list[dict], several: bool) -> Table:
    """The timeline's numbers, for its table alternative."""
    return Table(
        [Column("Borough"), *([Column("System")] if several else []), Column("Contract ends", "date"),
         Column("Latest end with extensions", "date")],
        [[it["label"], *([it["group"]] if several else []), it["end"], it["max_end"]] for it in items],
    )  # fmt: skip


def score_table(summary: list[dict], several: bool) -> Table:
    """The survey scores' numbers (``queries.systems.summarise_scores``), for the chart's table alternative."""
    return Table(
        [*([Column("System")] if several else []), Column("Score"), Column("Mean (1-5)", "score"),
         Column("Answers", "int"), Column("Not answered", "int"), *(Column(f"Scored {k}", "int") for k in q.SCALE)],
        [[*([s["system"]] if several else []), s["label"], s["mean"], s["n"], s["missing"],
          *(s["distribution"].get(k, 0) for k in q.SCALE)] for s in summary],
    )  # fmt: skip


def score_line(s: dict, several: bool) -> str:
    """One score of one system in words: 'Confidence: mean 3.5 from 4 answers (1 not answered)'."""
    text = f"{s['system'] + ': ' if several else ''}{s['label']}: mean {show(s['mean'], 'score')} "
    text += f"from {fmt.plural(s['n'], 'answer')}"
    return text + (f" ({s['missing']} not answered)" if s["missing"] else "")


# --------------------------------------------------------------------------- main table and export


EXPORT_ROWS = 100_000  # an export holds the whole list the page shows a page of, up to this many rows


def exporter(main: Callable[..., tuple[Table, dict]], whole: Mapping[str, object] | None = None) -> state.TableFunction:
    """The export function of a page whose main table ``main(cur, st, size)`` gives a page of: the whole
    list (every page, ``whole`` set in the state: e.g. every supplier, not the ten largest), raw values."""

    def export_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], list[list]]:
        """The rows of the page's main table for the state ``st``, all pages, raw values (dates, pounds)."""
        return main(cur, {**st, **(whole or {}), "page": None}, size=EXPORT_ROWS)[0].export()

    return export_table


def _paged(fetch: Callable[[int], dict], page: int, size: int) -> dict:
    """``fetch(offset)`` of the page asked for; past the last page, the last page. With the page
    shown and its size, for the pager."""
    result = fetch((page - 1) * size)
    if not result["rows"] and page > 1:
        result = fetch(0)
        page = pages(result["total"], size)
        result = fetch((page - 1) * size) if page > 1 else result
    return {**result, "page": page, "size": size}


def main_table(cur: duckdb.DuckDBPyConnection, filters: dict, size: int | None = None) -> tuple[Table, dict]:
    """The table the page shows for these filters (a page of the ranking, or of the chosen systems'
    contracts, ``size`` rows; ended contracts left out unless ``ended=show``) and its result."""
    systems, page, st = q.chosen_systems(filters), page_of(filters), query_filters(filters)
    if not systems:
        size = size or q.RANKING_LIMIT
        result = _paged(lambda offset: q.ranking(cur, st, limit=size, offset=offset), page, size)
        return ranking_table(result["rows"]), result
    size = size or q.DETAIL_LIMIT  # one statement: the page, the systems, the boroughs, the ended, the scores
    result = _paged(lambda offset: q.detail(cur, st, limit=size, offset=offset), page, size)
    contacts = contacts_q.contacts(cur, [r["contract_id"] for r in result["rows"]])
    return detail_table(result["rows"], len(systems) > 1, contacts), result


export_table = exporter(main_table)

VIEW = state.View("systems", "/systems", (ENDED, PAGE), exports={"systems": export_table})
