"""Contracts Finder (CSV exports and OCDS), registers and survey returns for the scaled sample.

Each reuses the sample's own writers (``etl.sample_contracts.cf_row``, ``ocds_releases``,
``register_cells``; ``etl.sample``'s layouts and workbook writer), so a scaled file is spelled
and laid out exactly like a sample file, only longer. A share of Contracts Finder notices is
published in both the CSV and the OCDS (the build keeps one), and each export repeats the last
rows of the one before, as consecutive real downloads do.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import datetime as dt
import random
from pathlib import Path

from etl import sample, scale
from etl import sample_contracts as sc
from etl.reference import add_months, borough_names, boroughs, service_areas

BOTH_SHARE = 0.08  # Contracts Finder notices published as CSV and OCDS alike
SUPPLIER_COLUMN = sc.CF_COLUMNS.index("Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]")
OTHER_REGIONS = ("North West", "South East", "West Midlands")

# --------------------------------------------------------------------------- Contracts Finder


def cf_notice(rng: random.Random, market: list[scale.Supplier], where: str) -> tuple[sc.Notice, list[sc.Company]]:
    """A Contracts Finder notice (award 70%, open tender 20%, pipeline 10%) and all its suppliers."""
    d = scale.deal(rng, market)
    roll = rng.random()
    stage = "contract" if roll < 0.7 else "tender" if roll < 0.9 else "planning"
    awarded = stage == "contract"
    london = d.code is not None or d.buyer in scale.LONDON_BODIES
    notice = sc.Notice(
        where, d.buyer, d.title, f"{d.title}.\nLot 1 of 1.", d.cpv, stage, d.published, d.start, d.end, d.value,
        supplier=d.suppliers[0] if awarded else None, max_end=d.max_end if awarded else None,
        region="London" if london else rng.choice(OTHER_REGIONS), code=d.code,
        history=awarded and rng.random() < 0.3,
    )  # fmt: skip
    sc._ids(rng, notice)
    return notice, d.suppliers if awarded else []


def cf_line(notice: sc.Notice, companies: list[sc.Company]) -> str:
    """The notice as one export row; a framework packs every supplier into the supplier column."""
    cells = sc.cf_row(notice)
    if len(companies) > 1:
        cells[SUPPLIER_COLUMN] = "".join(sc._packed(c) for c in companies)
    return ",".join(sc._quoted(c) for c in cells) + "\n"


def cf_package(notice: sc.Notice, companies: list[sc.Company]) -> tuple[str, int]:
    """The notice as one JSON Lines release package (as the Contracts Finder API serves one), and its releases."""
    releases = sc.ocds_releases(notice)
    for rel in releases:
        if rel.get("awards") and len(companies) > 1:
            rel["awards"][0]["suppliers"] = [{"id": sc._party_id(c.name), "name": c.name} for c in companies]
            rel["parties"] = rel["parties"][:1] + [
                {"id": sc._party_id(c.name), "name": c.name, "roles": ["supplier"]} for c in companies
            ]
    package = {"uri": f"https://www.contractsfinder.service.gov.uk/Published/Notice/releases/{notice.ocid[12:]}.json",
               "version": "1.1", "publishedDate": releases[-1]["date"],
               "publisher": {"name": "City Tools scaled sample (synthetic data)"}, "releases": releases}  # fmt: skip
    return scale._jsonl(package), len(releases)


def write_cf(
    csv_folder: Path, ocds_folder: Path, rows: int, releases: int, seed: int, market: list[scale.Supplier]
) -> dict[str, list[Path]]:
    """About ``rows`` CSV export rows and ``releases`` OCDS releases of Contracts Finder notices."""
    rng = random.Random(f"{seed}:cf")
    header = ",".join(sc._quoted(c) for c in sc.CF_COLUMNS) + "\n"
    exports = scale.Rolling(csv_folder, scale.PREFIX + "contracts-finder-{n:04d}.csv", scale.CF_EXPORT_ROWS, header)
    ocds = scale.Rolling(ocds_folder, scale.PREFIX + "contracts-finder-ocds-{n:04d}.jsonl", scale.OCDS_FILE_RELEASES)
    recent: collections.deque[str] = collections.deque(maxlen=scale.CF_OVERLAP)
    done_rows = done_releases = 0
    while done_rows < rows or done_releases < releases:
        rows_left, releases_left = rows - done_rows, releases - done_releases
        if rows_left > 0 and releases_left > 0 and rng.random() < BOTH_SHARE:
            where = "both"
        else:
            where = rng.choices(("csv", "ocds"), (max(rows_left, 0), max(releases_left, 0)))[0]
        notice, companies = cf_notice(rng, market, where)
        if where in {"csv", "both"}:
            if exports.handle is not None and exports.count >= scale.CF_EXPORT_ROWS:
                for line in list(recent):  # the next download starts where the last one ended
                    exports.write(line)
                    done_rows += 1
            line = cf_line(notice, companies)
            exports.write(line)
            recent.append(line)
            done_rows += 1
        if where in {"ocds", "both"}:
            text, count = cf_package(notice, companies)
            ocds.write(text, count)
            done_releases += count
    exports.close()
    ocds.close()
    return {"cf_csv": exports.files, "cf_ocds": ocds.files}


# --------------------------------------------------------------------------- registers

REFERENCES = ("REG-{year}-{n:05d}", "C{n:06d}", "{year}/ICT/{n:05d}", "CR{year}{n:05d}")
DEPARTMENTS = ("Digital and ICT", "Resources", "Adults and Health", "Children and Families", "Place", "Housing",
               "Environment", "Finance")  # fmt: skip


def register_row(rng: random.Random, code: str, market: list[scale.Supplier], ref: str) -> dict[str, str]:
    """One register row's cells by field: the sample's spelling, with a share of 'TBC' and 'approx' cells."""
    d = scale.deal(rng, market)
    annual = round(d.value / max(1, (d.end - d.start).days / 365.25), -2)
    notice = sc.Notice("register", "", d.title, f"{d.title}. Contract for the council.", d.cpv, "contract",
                       d.published, d.start, d.end, d.value, d.suppliers[0], d.max_end, code=code)  # fmt: skip
    notice.register = {"organisation": rng.choice(scale.borough_spellings(code)), "reference": ref,
                       "department": rng.choice(DEPARTMENTS), "annual": annual, "review": add_months(d.end, -6),
                       "extension": _extension(rng, d)}  # fmt: skip
    cells = sc.register_cells(notice)
    roll = rng.random()
    if roll < 0.03:
        cells["end"], cells["max_end"], cells["review"] = "TBC", "", ""
    elif roll < 0.04:
        cells["end"], cells["max_end"], cells["review"] = "Rolling", "", ""
    elif roll < 0.06:
        cells["annual"] = cells["total"] = f"approx £{max(1, round(annual / 1000))}k"
    return cells


def _extension(rng: random.Random, d: scale.Deal) -> str:
    """The deal's extension options as a register writes them (agreeing with its maximum end date)."""
    months = 0 if not d.max_end else (d.max_end.year - d.end.year) * 12 + d.max_end.month - d.end.month
    return rng.choice({0: ("", "None"), 12: ("+1", "12 months"), 24: ("+1+1", "2 x 12 months")}[months])


def write_registers(folder: Path, rows: int, seed: int, market: list[scale.Supplier]) -> list[Path]:
    """About ``rows`` register rows: every borough, alternating the sample's two layouts and encodings."""
    rng = random.Random(f"{seed}:registers")
    folder.mkdir(parents=True, exist_ok=True)
    codes = [b.code for b in boroughs()]
    paths, left = [], rows
    for i, code in enumerate(codes):
        mine = -(-left // (len(codes) - i))
        left -= mine
        parts = -(-mine // scale.REGISTER_ROWS)
        for part in range(parts):
            count = mine // parts + (1 if part < mine % parts else 0)
            path = folder / f"{scale.PREFIX}register-{sc.slug(code)}-{part + 1}.csv"
            _write_register(path, "annual" if i % 2 else "total", rng, code, market, count, REFERENCES[i % 4])
            paths.append(path)
    return paths


def _write_register(path: Path, layout: str, rng, code: str, market, count: int, reference: str) -> None:
    """``count`` rows (the annual layout's last is its totals line), written as they are made."""
    columns = sc.REGISTER_LAYOUTS[layout]
    encoding = "utf-8-sig" if layout == "total" else "cp1252"
    total = 0.0
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([header for header, _ in columns])
        for n in range(count - (layout == "annual")):
            ref = reference.format(n=n + 1, year=2016 + n % 10)
            cells = register_row(rng, code, market, ref)
            writer.writerow([cells[field] for _, field in columns])
            if cells["annual"].startswith("£"):  # not the 'approx' ones: a totals line adds what it can read
                total += float(cells["annual"][1:].replace(",", ""))
        if layout == "annual":
            line = [""] * len(columns)
            line[0], line[[fld for _, fld in columns].index("annual")] = "Total", sc._money(total)
            writer.writerow(line)


# --------------------------------------------------------------------------- survey returns

PRODUCT_WORDS = ("Case", "Connect", "Portal", "Manager", "Hub", "Suite", "Online", "Cloud", "Pro", "Works",
                 "Track", "Bookings", "Payments", "Forms", "Records", "Mobile", "Insight", "Scheduler", "Assets",
                 "Gateway")  # fmt: skip


def long_tail_line(rng: random.Random, code: str, market: list[scale.Supplier]) -> sample.Line:
    """A smaller system a borough runs (not in the catalogue), from a company of the generated market;
    a few have an end date of 'TBC' or 'Rolling', or a cost of 'approx £Nk'."""
    area = rng.choice(service_areas()).name
    company = scale.pick_supplier(rng, market)
    system = f"{company.name.split()[0]} {rng.choice(PRODUCT_WORDS)} {rng.choice(PRODUCT_WORDS)}"
    roll, plant = rng.random(), None
    if roll < 0.03:
        text = "TBC" if roll < 0.02 else "Rolling"
        plant = sample.Plant(code, area, system, None, start=sample.D(2018 + rng.randrange(6), 4, 1),
                             cells=(("contract_end", text),))  # fmt: skip
    elif roll < 0.05:
        end = add_months(sample.D(rng.randint(2025, 2031), 3, 1), 1) - dt.timedelta(days=1)
        annual = rng.randint(5, 90)
        cells = (("annual_cost", f"approx £{annual}k"),)
        plant = sample.Plant(code, area, system, end, annual=annual * 1000.0, cells=cells)
    return sample.Line(code, area, system, company.name.split()[0], company.spelling(rng), plant)


def survey_lines(rng: random.Random, code: str, count: int, market: list[scale.Supplier]) -> list[sample.Line]:
    """A return's rows: the sample's catalogue draw (its planted rows too), then the long tail."""
    lines = sample._choose_lines(rng, code)[:count]
    lines += [long_tail_line(rng, code, market) for _ in range(count - len(lines))]
    order = {sa.name: i for i, sa in enumerate(service_areas())}
    lines.sort(key=lambda x: (order[x.service_area], x.system))
    sample._assign_dates(rng, lines)
    cost = {(area, system): c for area, _, options, c in sample.CATALOGUE for system, _ in options}
    for line in lines:
        sample._fill_values(rng, line, cost.get((line.service_area, line.system), (5, 60)))
    return lines


def survey_return(code: str, year: int, index: int) -> sample.Return:
    """The return's layout and mess: the borough's own sample return, else one of them in turn, named for the year."""
    own = next((r for r in sample.RETURNS if r.code == code), None)
    base = own or sample.RETURNS[index % len(sample.RETURNS)]
    name = borough_names()[code]
    if own:
        stem = base.file[: -len(".xlsx")]
        file = f"{stem.replace('2019', str(year))}.xlsx" if "2019" in stem else f"{stem} {year}.xlsx"
        text, title = base.borough_text, base.title.replace("2019", str(year))
    else:
        file = f"{sc.slug(code)}_survey_return_{year}.xlsx"
        spellings = scale.borough_spellings(code)
        text, title = spellings[index % len(spellings)], f"{name} - ICT systems return {year}" if base.title else ""
    prepared = base.prepared.replace("2019", str(year))
    return dataclasses.replace(base, code=code, file=file, borough_text=text, title=title, prepared=prepared)


def write_surveys(folder: Path, rows: int, seed: int, market: list[scale.Supplier]) -> list[Path]:
    """About ``rows`` survey rows in returns of the 33 boroughs (several years' returns at larger scales)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (code, year, count) in enumerate(scale.survey_returns(rows)):
        ret = survey_return(code, year, i)
        rng = random.Random(f"{seed}:survey:{ret.file}")
        extra = ("blank_rows" in ret.mess) * 2 + ("totals" in ret.mess) * (2 if ret.layout == "split" else 1)
        book = sample._layout(seed, ret, survey_lines(rng, code, max(5, count - extra), market))
        for sheet in book.sheets:
            if sheet.name == "Cover":
                sheet.rows[4] = ["Date returned:", sample.D(year, 6, 28)]
        wb = sample._workbook(book)
        wb.properties.created = dt.datetime(year, 6, 28, 9)
        path = folder / ret.file
        sample._save_stable(wb, path)
        paths.append(path)
    return paths
