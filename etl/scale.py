"""Scaled sample inputs (``python -m etl sample --scale N``): about N records in the real formats.

The bench must time the real ETL path, so this writes what users feed it, at London (50k) or
UK (1M) scale: Find a Tender OCDS JSON Lines (one release per line, Procurement Act notices
UK1..UK17 and a share under the 2015 regulations), Contracts Finder OCDS JSON Lines (one release
package per line), Contracts Finder CSV exports (1,000 rows each, the export limit, consecutive
exports overlapping a little), contract registers (one or more per borough) and survey workbooks
(33 boroughs; more rows per return and, beyond ``RETURN_ROWS``, one return per borough per year).

What counts as a record is what the build counts as read: an OCDS release, a CSV row, a register
row (its totals line too), a survey row (blank and totals rows too). ``SHARES`` splits N:
90% open data, 10% survey rows. The mess is the sample's (``etl.sample``, ``etl.sample_contracts``):
a borough spelled many ways, "Ltd"/"Limited"/shouted suppliers, "TBC" and "Rolling" dates,
"approx £45k" values; frameworks name up to 30 suppliers; about half the buyers are not boroughs
and most notices are not technology.

Deterministic for a seed (``random.Random`` per stream, never the clock), and streamed: notices
are written as they are made, so memory holds one chunk (``CHUNK`` procurements) and one survey
return at a time, never the whole set.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from etl import sample
from etl import sample_contracts as sc
from etl.reference import add_months, borough_code, boroughs, known_system, service_areas

PREFIX = f"{sample.SAMPLE_KEYWORD}-scale-"  # the build marks these as sample (synthetic) data
SHARES = {"fts": 0.35, "cf_ocds": 0.20, "cf_csv": 0.25, "register": 0.10, "survey": 0.10}
CF_EXPORT_ROWS = 1000  # rows per Contracts Finder CSV export (the site's limit)
CF_OVERLAP = 10  # rows of the previous export repeated at the start of the next (merged by the build)
OCDS_FILE_RELEASES = 20_000  # releases per OCDS JSON Lines file
RETURN_ROWS = 500  # a survey return holds at most this many rows; more rows, more years of returns
REGISTER_ROWS = 5000  # a register file holds at most this many rows
CHUNK = 64  # procurements whose releases are written together, in date order
BOROUGH_SHARE, LONDON_OTHER_SHARE = 0.45, 0.15  # the rest: buyers elsewhere in the UK
IT_SHARE = 0.45  # notices for technology; the rest are works, care, facilities...
FRAMEWORK_SHARE = 0.06  # awards that name several suppliers (5-30)
D = dt.date


def plan_counts(n: int) -> dict[str, int]:
    """Records per input kind for a scale of ``n`` (each at least a handful, so every format is written)."""
    counts = {kind: max(40, round(n * share)) for kind, share in SHARES.items()}
    counts["survey"] = max(33 * 3, counts["survey"])
    return counts


# --------------------------------------------------------------------------- companies and buyers

FIRST = ("Abbey", "Acorn", "Albion", "Alder", "Apex", "Arden", "Ash", "Aspen", "Avon", "Beacon", "Beech", "Birch",
         "Blue", "Bramble", "Bridge", "Bright", "Brook", "Cairn", "Castle", "Cedar", "Chalk", "Chiltern", "Clear",
         "Clover", "Coast", "Copper", "Crown", "Crystal", "Delta", "Dove", "Eagle", "Elm", "Ember", "Falcon", "Fern",
         "Field", "Flint", "Forest", "Fox", "Granite", "Green", "Harbour", "Hawk", "Hazel", "Heath", "Heron",
         "Highland", "Holly", "Horizon", "Iron", "Ivy", "Juniper", "Kestrel", "Lake", "Lark", "Laurel", "Lime",
         "Linden", "Maple", "Marsh", "Meadow", "Mill", "Moor", "North", "Oak", "Orchard", "Osprey", "Otter", "Peak",
         "Pine", "Plover", "Quarry", "Raven", "Red", "Ridge", "River", "Robin", "Rowan", "Sage", "Salt", "Severn",
         "Silver", "Slate", "Solent", "South", "Spring", "Stone", "Summit", "Swift", "Thames", "Thistle", "Tor",
         "Trent", "Vale", "Wessex", "West", "Willow", "Wren", "Yew", "Zephyr")  # fmt: skip
SECOND = ("Data", "Digital", "Software", "Systems", "Networks", "Cloud", "Consulting", "Care", "Facilities",
          "Construction", "Civil Engineering", "Grounds", "Cleaning", "Security", "Transport", "Print", "Telecom",
          "Analytics", "Solutions", "Services", "Technology", "Energy", "Waste", "Highways", "Legal", "Training",
          "Recruitment", "Catering", "Property", "Health", "Education", "Design", "Infrastructure", "Maintenance",
          "Support", "Logistics", "Environmental", "Housing", "Community", "Media")  # fmt: skip
KIND = ("Limited", "Limited", "Limited", "Ltd", "UK Limited", "Group plc", "Partnership", "LLP", "(UK) Ltd", "CIC")


@dataclass(frozen=True)
class Supplier:
    """A company in the generated market: its own name, number and how often notices name it."""

    name: str
    number: str
    sme: bool

    def spelling(self, rng: random.Random) -> str:
        """How one notice spells it: as registered, mostly; else Ltd for Limited, shouted, or bare."""
        roll = rng.random()
        if roll < 0.7:
            return self.name
        if roll < 0.82:
            return self.name.replace("Limited", "Ltd").replace("(UK) Ltd", "(UK) Limited")
        if roll < 0.94:
            return self.name.upper()
        return self.name.replace(" Limited", "").replace(" Ltd", "")

    def company(self, rng: random.Random) -> sc.Company:
        return sc.Company(self.spelling(rng), self.number if rng.random() < 0.6 else "", self.sme)


def suppliers(seed: int, n: int) -> list[Supplier]:
    """The market: about one company per 25 records (1M records: 40,000 companies), all distinct."""
    rng = random.Random(f"{seed}:suppliers")
    size, seen, out = max(300, n // 25), set(), []
    while len(out) < size:
        words = rng.choice(FIRST), rng.choice(FIRST + ("",)), rng.choice(SECOND)
        name = " ".join(w for w in (*words, rng.choice(KIND)) if w)
        if name in seen:
            name = f"{name.rsplit(' ', 1)[0]} {len(out)} {name.rsplit(' ', 1)[1]}"
        seen.add(name)
        out.append(Supplier(name, f"{rng.randrange(10**6, 14 * 10**6):08d}", rng.random() < 0.5))
    return out


def pick_supplier(rng: random.Random, market: list[Supplier]) -> Supplier:
    """A few companies win much of the work: the index is skewed towards the front."""
    return market[int(len(market) * rng.random() ** 2.2)]


BOROUGH_FORMS = ("London Borough of {n}", "LONDON BOROUGH OF {N}", "London Borough Of {n} Council", "{n} Council",
                 "{N} COUNCIL", "{n} London Borough Council", "LB {n}", "The London Borough of {n}", "{n}",
                 "Council of the London Borough of {n}", "Royal Borough of {n}", "The Royal Borough of {n}",
                 "{n} City Council", "City of {n}", "{short}")  # fmt: skip


@cache
def borough_spellings(code: str) -> tuple[str, ...]:
    """Up to ten spellings of a council that ``etl.reference.borough_code`` reads as ``code``."""
    b = next(b for b in boroughs() if b.code == code)
    forms = [f.format(n=b.name, N=b.name.upper(), short=b.short_name) for f in BOROUGH_FORMS]
    forms += list(b.aliases)
    known = tuple(dict.fromkeys(f for f in forms if borough_code(f) == code))
    return known[:10]


LONDON_BODIES = ("Transport for London", "TRANSPORT FOR LONDON", "Greater London Authority", "London Fire Brigade",
                 "Metropolitan Police Service", "Lewisham Homes", "Barnet Homes Ltd", "Homes for Haringey Limited",
                 "Guy's and St Thomas' NHS Foundation Trust", "Barts Health NHS Trust", "City of Westminster College",
                 "Museum of London", "London Councils", "NHS North West London ICB", "Imperial College London",
                 "King's College Hospital NHS Foundation Trust", "London Legacy Development Corporation")  # fmt: skip
PLACES = ("Manchester", "Birmingham", "Leeds", "Sheffield", "Bristol", "Liverpool", "Newcastle", "Nottingham",
          "Leicester", "Coventry", "Bradford", "Plymouth", "Derby", "Southampton", "Portsmouth", "Norwich",
          "Exeter", "York", "Oxford", "Cambridge", "Reading", "Luton", "Milton Keynes", "Peterborough", "Swindon",
          "Stoke-on-Trent", "Wolverhampton", "Sunderland", "Hull", "Cardiff", "Swansea", "Glasgow", "Edinburgh",
          "Aberdeen", "Belfast", "Preston", "Blackpool", "Bolton", "Wigan", "Stockport")  # fmt: skip
COUNTIES = ("Kent", "Surrey", "Essex", "Hampshire", "Devon", "Norfolk", "Suffolk", "Lancashire", "Cumbria",
            "Somerset", "Dorset", "Wiltshire", "Oxfordshire", "Hertfordshire", "Derbyshire", "Nottinghamshire",
            "Lincolnshire", "Warwickshire", "Staffordshire", "Leicestershire")  # fmt: skip
UK_FORMS = ("{p} City Council", "{p} Council", "{P} CITY COUNCIL", "{p} Borough Council", "{c} County Council",
            "{C} COUNTY COUNCIL", "{p} Teaching Hospitals NHS Foundation Trust", "University of {p}",
            "{p} College", "{c} Police", "{c} Fire and Rescue Service", "{p} Homes Limited",
            "{p} Academies Trust", "NHS {c} Integrated Care Board", "Ministry of Defence", "Department for Education",
            "HM Revenue and Customs", "Crown Commercial Service", "Environment Agency", "Network Rail")  # fmt: skip


@cache
def other_buyers() -> tuple[str, ...]:
    """Buyers that are not London borough councils (each checked: none reads as a borough)."""
    names = [
        f.format(p=p, P=p.upper(), c=c, C=c.upper())
        for f in UK_FORMS
        for p, c in zip(PLACES, COUNTIES * 2, strict=True)
    ]
    return tuple(n for n in dict.fromkeys(names) if borough_code(n) is None)


def pick_buyer(rng: random.Random) -> tuple[str, str | None]:
    """(buyer as spelled, its borough code or None)."""
    roll = rng.random()
    if roll < BOROUGH_SHARE:
        code = rng.choice(boroughs()).code
        return rng.choice(borough_spellings(code)), code
    if roll < BOROUGH_SHARE + LONDON_OTHER_SHARE:
        return rng.choice(LONDON_BODIES), None
    return rng.choice(other_buyers()), None


# --------------------------------------------------------------------------- what is bought

IT_WORK = (
    ("{system} licences, support and maintenance", ("48000000",)), ("Provision of {system}", ("48000000",)),
    ("{area} case management system", ("48000000",)), ("Replacement {area_lower} system", ("48000000",)),
    ("Cloud hosting and managed service - {system}", ("72000000", "72253000")),
    ("Laptops and end-user devices - lot {lot}", ("30213100",)), ("Wide area network managed service", ("72700000",)),
    ("Cyber security operations centre", ("72212730",)), ("Mobile voice and data services", ("64212000",)),
    ("Data platform and business intelligence", ("72316000",)), ("Website redesign and hosting", ("72413000",)),
    ("Microsoft licences via reseller", ("48000000",)), ("Contact centre telephony", ("48512000",)),
    ("Digital transformation partner - lot {lot}", ("72000000",)), ("Backup as a service", ("72910000",)),
)  # fmt: skip
OTHER_WORK = (
    ("Grounds maintenance - {place}", ("77310000",)), ("Home care framework - lot {lot}", ("85312000",)),
    ("Highways resurfacing programme {year}", ("45233000",)), ("Agency staff - neutral vendor", ("79620000",)),
    ("Street lighting maintenance", ("50232100",)), ("Refuse and recycling collection", ("90511000",)),
    ("Facilities management - civic buildings", ("79993000",)), ("School transport routes {year}", ("60000000",)),
    ("Supported living services - lot {lot}", ("85311000",)), ("Legal services framework", ("79100000",)),
    ("Repairs and maintenance of council homes", ("50700000",)), ("Catering for schools", ("55523100",)),
    ("Security guarding services", ("79713000",)), ("Consultancy - capital programme", ("71000000",)),
    ("Printing and mailing services", ("79800000",)), ("Cleaning of corporate buildings", ("90910000",)),
)  # fmt: skip
SYSTEMS = tuple(system for _, _, options, _ in sample.CATALOGUE for system, _ in options)


def work(rng: random.Random) -> tuple[str, tuple[str, ...], str | None]:
    """(title, CPV codes, the product's usual supplier if the title names one) of one thing bought."""
    it = rng.random() < IT_SHARE
    title, cpv = rng.choice(IT_WORK if it else OTHER_WORK)
    area, system = rng.choice(service_areas()).name, rng.choice(SYSTEMS)
    fill = {"system": system, "area": area, "area_lower": area.lower(), "lot": rng.randint(1, 9),
            "place": rng.choice(PLACES), "year": rng.randint(2017, 2027)}  # fmt: skip
    return title.format(**fill), cpv, system_supplier(system) if "{system}" in title else None


@cache
def system_supplier(system: str) -> str | None:
    """Who sells a catalogue product (as the sample's survey rows name it), None for in-house ones."""
    known = known_system(system)
    return (known.supplier if known else sample.OTHER_SYSTEMS[system][1]) or None


def product_supplier(rng: random.Random, name: str) -> sc.Company:
    """A product's supplier as a notice spells it (the sample's spellings, 'Ltd' for 'Limited')."""
    spellings = (name, name.replace("Limited", "Ltd"), *sample.SUPPLIER_SPELLINGS.get(name, ()))
    return sc.Company(rng.choice(spellings))


@dataclass
class Deal:
    """One procurement, as any publisher would describe it."""

    buyer: str
    code: str | None
    title: str
    cpv: tuple[str, ...]
    published: dt.datetime
    start: dt.date
    end: dt.date
    max_end: dt.date | None
    value: float
    suppliers: list[sc.Company]


def deal(rng: random.Random, market: list[Supplier]) -> Deal:
    buyer, code = pick_buyer(rng)
    title, cpv, vendor = work(rng)
    day = D(2016, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365))
    published = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    start = add_months(D(day.year, day.month, 1), rng.randint(1, 6))
    term = rng.choice((12, 24, 36, 36, 48, 60, 60, 84))
    end = add_months(start, term) - dt.timedelta(days=1)
    extension = rng.choice((0, 0, 12, 24))
    value = float(round(10 ** rng.uniform(3.7, 7.2), -2))
    framework = rng.random() < FRAMEWORK_SHARE
    count = rng.randint(5, 30) if framework else 1
    chosen = [s.company(rng) for s in dict.fromkeys(pick_supplier(rng, market) for _ in range(count))]
    if vendor and rng.random() < 0.8:  # most notices naming a product are won by the company selling it
        chosen[0] = product_supplier(rng, vendor)
    return Deal(buyer, code, title, cpv, published, start, end, add_months(end, extension) if extension else None,
                value, chosen)  # fmt: skip


# --------------------------------------------------------------------------- files


class Rolling:
    """Lines written to numbered files of at most ``per_file`` records each (``header`` opens each file)."""

    def __init__(self, folder: Path, pattern: str, per_file: int, header: str = "", encoding: str = "utf-8"):
        self.folder, self.pattern, self.per_file, self.header = folder, pattern, per_file, header
        self.encoding, self.count, self.files, self.handle = encoding, 0, [], None
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, text: str, records: int = 1) -> bool:
        """Write ``text`` (holding ``records`` records); True when it opened a new file."""
        opened = self.handle is None or self.count >= self.per_file
        if opened:
            self.close()
            path = self.folder / self.pattern.format(n=len(self.files) + 1)
            self.handle = open(path, "w", encoding=self.encoding, newline="")  # noqa: SIM115 - closed in close()
            self.handle.write(self.header)
            self.files.append(path)
            self.count = 0
        self.handle.write(text)
        self.count += records
        return opened

    def close(self) -> None:
        if self.handle:
            self.handle.close()
            self.handle = None


def _jsonl(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_scaled(out_dir: Path, n: int, seed: int = sample.DEFAULT_SEED) -> dict[str, list[Path]]:
    """Write about ``n`` records under ``out_dir`` (surveys/ and contracts/); return the files per kind."""
    from etl.scale_fts import write_fts
    from etl.scale_tables import write_cf, write_registers, write_surveys

    out_dir = Path(out_dir)
    counts = plan_counts(n)
    market = suppliers(seed, n)
    contracts = out_dir / "contracts"
    for folder in (*(contracts / f for f in FOLDERS.values()), out_dir / "surveys"):
        clear(folder)
    files = {"fts": write_fts(contracts / FOLDERS["fts"], counts["fts"], seed, market)}
    files.update(write_cf(contracts / FOLDERS["cf_csv"], contracts / FOLDERS["cf_ocds"], counts["cf_csv"],
                          counts["cf_ocds"], seed, market))  # fmt: skip
    files["register"] = write_registers(contracts / FOLDERS["register"], counts["register"], seed, market)
    files["survey"] = write_surveys(out_dir / "surveys", counts["survey"], seed, market)
    return files


# under contracts/, one kind of input each (surveys/ beside it)
FOLDERS = {"fts": "find-a-tender", "cf_ocds": "contracts-finder-ocds", "cf_csv": "contracts-finder-csv",
           "register": "registers"}  # fmt: skip


def clear(folder: Path) -> None:
    """Remove earlier scaled files (a smaller scale must not keep a larger one's extra files); others stay."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        scaled = path.name.startswith(PREFIX) or (path.suffix == ".xlsx" and sample._is_sample_file(path))
        if path.is_file() and scaled:
            path.unlink()


def chunks(total: int, make) -> Iterator[list]:
    """Procurements in chunks of CHUNK, until ``make`` has produced ``total`` records (it returns
    (item, records in it))."""
    done, chunk = 0, []
    while done < total:
        item, records = make(min(total - done, 4))
        done += records
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def survey_returns(rows: int) -> list[tuple[str, int, int]]:
    """(borough code, year, rows) per survey return: every borough, one return per year as needed."""
    codes = [b.code for b in boroughs()]
    per_borough = -(-rows // len(codes))
    years = max(1, -(-per_borough // RETURN_ROWS))
    plan = []
    left = rows
    for i, code in enumerate(codes):
        mine = min(left, -(-left // (len(codes) - i)))
        left -= mine
        for y in range(years):
            share = mine // years + (1 if y < mine % years else 0)
            plan.append((code, 2025 - years + 1 + y, share))
    return plan


def sample_return(code: str, index: int) -> sample.Return:
    """A sample return's layout and mess for a borough (cycling through the 22 sample returns)."""
    own = next((r for r in sample.RETURNS if r.code == code), None)
    return replace(own or sample.RETURNS[index % len(sample.RETURNS)], code=code)
