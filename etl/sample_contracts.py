"""Sample open contract data to go with the sample survey returns (``citytools-sample-*`` files).

The survey sample alone cannot show what the ETL is for: linking a borough's own return to the
public notice of the same contract, merging a notice published in two formats, and keeping
buyers that are not boroughs out of the borough views. These files plant each case on purpose:

- award notices of sample survey rows (``LINKS``), spelled the way real notices spell councils
  and suppliers, in a Contracts Finder CSV export, an OCDS release package and four borough
  registers; three of them give an end date more than a quarter away from the survey's;
- notices for sample boroughs with no survey counterpart: new contracts, open tenders and
  pipeline notices (some for services whose contracts end within 18 months of the survey);
- notices from London bodies that are not borough councils and from councils outside London;
- notices published in both the CSV and the OCDS file.

Everything comes from ``random.Random`` seeded by the caller and the survey sample's plan, never
from the clock, so a seed always writes the same bytes. Suppliers of notices that must not link
are fictional; companies' real names appear only where a notice is the award of a survey row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from etl import sample
from etl.normalise.cpv import code_service_area
from etl.normalise.values import parse_extension
from etl.reference import add_months, borough_code, borough_names, boroughs, norm_key, read_table

PREFIX = f"{sample.SAMPLE_KEYWORD}-"
CF_FILE = f"{PREFIX}contracts-finder.csv"
OCDS_FILE = f"{PREFIX}ocds.json"
REGISTER_FILE = PREFIX + "register-{slug}.csv"
CF_OCID_PREFIX = "ocds-b5fd17-"
LONDON = ZoneInfo("Europe/London")
D = dt.date

# The 43 columns of a Contracts Finder "Search > Download CSV" export, in order.
CF_COLUMNS: tuple[str, ...] = (
    "Notice Identifier", "Notice Type", "Organisation Name", "Status", "Published Date", "Title", "Description",
    "Nationwide", "Postcode", "Region", "Cpv Codes", "Contact Name", "Contact Email", "Contact Address 1",
    "Contact Address 2", "Contact Town", "Contact Postcode", "Contact Country", "Contact Telephone",
    "Contact Website", "Attachments", "Links", "Additional Text", "Start Date", "End Date", "Closing Date",
    "Is sub-contract", "Parent Reference", "Suitable for SME", "Suitable for VCO", "Supply Chain",
    "OJEU Contract Type", "Value Low", "Value High", "Awarded Date", "Awarded Value",
    "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]", "Supplier's contact name",
    "Contract start date", "Contract end date", "OJEU Procedure Type", "Accelerated Justification", "Closing Time",
)  # fmt: skip
CPV_NAMES = {
    "48000000": "Software package and information systems", "72000000": "IT services",
    "48160000": "Library software package", "48190000": "Educational software package",
    "48445000": "Customer relationship management software package", "48450000": "Human resources software package",
    "48451000": "Enterprise resource planning software package", "48440000": "Financial analysis software package",
    "48326000": "Mapping software package", "48222000": "Web-server software package",
    "85310000": "Social work services", "85311300": "Welfare services for children and young people",
    "75310000": "Benefit services", "71410000": "Urban planning services", "70333000": "Housing services",
    "98351000": "Car park management services", "72212730": "Security software development services",
    "30213100": "Portable computers", "64212000": "Mobile-telephone services", "72700000": "Computer network services",
    "72316000": "Data analysis services", "72413000": "World wide web (www) site design services",
    "48512000": "Interactive voice response software package", "72910000": "Computer back-up services",
    "30120000": "Photocopying and offset printing equipment",
    "77310000": "Planting and maintenance services of green areas",
    "79620000": "Supply services of personnel including temporary staff", "90511000": "Refuse collection services",
    "85312000": "Social work services without accommodation", "50232100": "Street-lighting maintenance services",
    "79510000": "Telephone-answering services", "80340000": "Special education services",
    "45233000": "Construction work for highways and roads", "72253000": "Helpdesk and support services",
    "34970000": "Traffic-monitoring equipment", "85323000": "Community health services",
}  # fmt: skip

# --------------------------------------------------------------------------- who buys and who supplies


@dataclass(frozen=True)
class Company:
    """A supplier as a notice spells it; ``number`` is its Companies House number, if the notice gives it."""

    name: str
    number: str = ""
    sme: bool = False
    vcse: bool = False
    address: str = "London"


# Fictional companies: notices that must not link to a survey row name only these.
FICTIONAL = {c.name: c for c in (
    Company("Brightwater Digital Ltd", "11482736", True, address="12 Canal Side\nLondon\nN1 9AA"),
    Company("Kestrel Data Services Limited", "10937465", True, address="Unit 4, Kestrel Court\nReading\nRG1 2AB"),
    Company("Larkspur Consulting Ltd", "", True),
    Company("Meridian Cloud Solutions Limited", "09812374", address="1 Meridian Way\nLeeds\nLS1 4AB"),
    Company("Oakhurst Networks Ltd", "08761234", True),
    Company("Pennine Print Management Limited", "07345612", address="Mill Lane\nHalifax\nHX1 1AA"),
    Company("Quayside Software Ltd", "10456789", True, address="3 The Quay\nBristol\nBS1 4DJ"),
    Company("Redcliffe Telecom Limited", "06234987"),
    Company("Saltmarsh Security Ltd", "12098345", True),
    Company("Thornbury Devices Limited", "05987123"),
    Company("Upland Analytics Ltd", "", True),
    Company("Wexcombe Facilities Services Limited", "04876512"),
    Company("Hartwell Grounds Maintenance Ltd", "03987654", True),
    Company("Fenwick Care Partnership", "", True, True),
    Company("Ashdown Recruitment Ltd", "08123987"),
    Company("Millbrook Street Lighting Ltd", "09345126", True),
    Company("Greyfriars Contact Centre Services Limited", "07761234"),
    Company("Halden Civil Engineering Ltd", "05512398"),
)}  # fmt: skip
NON_BOROUGH_REGIONS = {"London": "London", "North West": "Manchester", "South East": "Maidstone",
                       "West Midlands": "Birmingham"}  # fmt: skip

# --------------------------------------------------------------------------- the planted links


@dataclass(frozen=True)
class Link:
    """The award notice of one planted survey row (etl.sample.PLANTS), as one source publishes it.

    ``where``: csv, ocds, both (CSV and OCDS) or register; ``end_shift``: months the notice's end
    date differs from the survey's (0: the same dates).
    """

    code: str
    system: str
    where: str
    buyer: str
    supplier: Company
    title: str
    end_shift: int = 0


# A disagreeing end date is planted only where the borough runs no other product from the same
# supplier ending nearer the notice's date: etl.link scores a notice naming the manufacturer as
# highly as one naming the system, so such a product would take the link.
LINKS: tuple[Link, ...] = (
    Link("E09000009", "Northgate iWorld", "csv", "London Borough of Ealing",
         Company("NORTHGATE PUBLIC SERVICES (UK) LTD", "00968498", address="Hemel Hempstead\nHP2 4NW"),
         "Revenues and benefits system (Northgate iWorld): licences, support and hosting"),
    Link("E09000014", "Mosaic", "both", "Haringey Council", Company("SERVELEC HSC LTD"),
         "Provision of Mosaic case management system"),
    Link("E09000019", "Mosaic", "csv", "ISLINGTON COUNCIL", Company("Servelec Group plc"),
         "Mosaic adults' social care case management - support and maintenance"),
    Link("E09000007", "iTrent", "csv", "London Borough Of Camden Council", Company("MHR INTERNATIONAL UK LIMITED"),
         "iTrent HR and payroll system - managed service"),
    Link("E09000022", "Idox Uniform", "csv", "London Borough of Lambeth", Company("IDOX SOFTWARE LTD", "02933889"),
         "Uniform planning and building control system", end_shift=12),
    Link("E09000012", "NEC Housing", "csv", "Hackney Council", Company("NEC Software Solutions UK Ltd", "00968498"),
         "NEC Housing management system - licences and support"),
    Link("E09000028", "Oracle E-Business Suite", "csv", "London Borough of Southwark",
         Company("ORACLE CORPORATION UK LTD", "01782505"), "Oracle E-Business Suite licences and support"),
    Link("E09000011", "Mosaic", "ocds", "Royal Borough of Greenwich", Company("Servelec HSC Limited"),
         "Adults and children's case management system (Mosaic)", end_shift=-6),
    Link("E09000033", "Mosaic", "ocds", "Westminster City Council", Company("SERVELEC HSC LIMITED"),
         "Mosaic social care case management system"),
    Link("E09000018", "iTrent", "ocds", "London Borough of Hounslow", Company("MHR International UK Ltd"),
         "HR and payroll system (MHR iTrent)"),
    Link("E09000025", "LiquidLogic LAS", "ocds", "London Borough of Newham", Company("System C Healthcare Ltd"),
         "LiquidLogic LAS adult social care case management system"),
    Link("E09000008", "LiquidLogic LCS", "ocds", "Croydon Council", Company("System C Healthcare Limited"),
         "Liquidlogic Children's System (LCS) - licences and support"),
    Link("E09000030", "NEC Housing", "register", "London Borough of Tower Hamlets",
         Company("Northgate Public Services (UK) Limited", "968498"), "Housing management system (NEC Housing)"),
    Link("E09000030", "Idox Uniform", "register", "London Borough of Tower Hamlets", Company("Idox Software Ltd"),
         "Idox Uniform planning system"),
    Link("E09000021", "Idox Uniform", "register", "", Company("IDOX plc", "2933889"),
         "Idox Uniform planning and building control"),
    Link("E09000012", "Academy Revenues and Benefits", "register", "",
         Company("Capita Business Services Ltd", "02299747"), "Capita Academy revenues and benefits system"),
    Link("E09000003", "Academy Revenues and Benefits", "register", "London Borough of Barnet",
         Company("CAPITA BUSINESS SERVICES LIMITED"), "Academy revenues and benefits software and support",
         end_shift=12),
)  # fmt: skip
LINK_DESCRIPTIONS = (
    "Award of contract for {system}.\nThe contract covers software licences, support, maintenance and upgrades.",
    "Call-off from framework for the council's {system} system.\nIncludes hosting, support and annual upgrades.",
    "Continued provision of {system}.\n\nLicences, first and second line support and system administration.",
)

# --------------------------------------------------------------------------- notices with no survey row

# (title, description, CPV codes, supplier, total value range in £k, term in years)
NEW_CONTRACTS: tuple[tuple[str, str, tuple[str, ...], str, tuple[int, int], int], ...] = (
    ("Cyber security operations centre service", "24/7 security monitoring.\nIncludes incident response.",
     ("72212730",), "Saltmarsh Security Ltd", (150, 600), 3),
    ("Laptop and end-user device refresh", "Supply of laptops, docks and monitors.\nThree-year warranty.",
     ("30213100",), "Thornbury Devices Limited", (400, 1500), 3),
    ("Mobile voice and data services", "Corporate mobile phones and data.\nCall-off from a national framework.",
     ("64212000",), "Redcliffe Telecom Limited", (200, 700), 4),
    ("Wide area network managed service", "Design, transition and operation of the WAN.",
     ("72700000",), "Oakhurst Networks Ltd", (800, 2500), 5),
    ("Low-code digital forms platform", "Platform for online forms and case handling.\nLicences and support.",
     ("48000000", "72413000"), "Brightwater Digital Ltd", (100, 400), 3),
    ("Data warehouse and business intelligence support", "Data platform build and reporting support.",
     ("72316000",), "Upland Analytics Ltd", (80, 300), 2),
    ("Multi-functional print devices and print management", "Print devices, consumables and print software.",
     ("30120000", "48000000"), "Pennine Print Management Limited", (150, 500), 5),
    ("Contact centre telephony (CCaaS)", "Cloud contact centre with IVR.\nMigration from the on-premises system.",
     ("48512000",), "Greyfriars Contact Centre Services Limited", (200, 800), 4),
    ("Website redesign and content migration", "User research, design and build of the council website.",
     ("72413000",), "Brightwater Digital Ltd", (100, 350), 2),
    ("Backup as a service", "Offsite backup and recovery of council systems.",
     ("72910000",), "Meridian Cloud Solutions Limited", (60, 250), 3),
    ("Cloud hosting and migration partner", "Migration of on-premises applications to public cloud.",
     ("72000000", "72253000"), "Meridian Cloud Solutions Limited", (300, 1200), 3),
    ("Street lighting maintenance", "Maintenance of street lights and illuminated signs.",
     ("50232100",), "Millbrook Street Lighting Ltd", (500, 2000), 5),
)  # fmt: skip
# (title, description, CPV codes, estimated value range in £k, term in years)
TENDERS: tuple[tuple[str, str, tuple[str, ...], tuple[int, int], int], ...] = (
    ("Replacement parking permits and PCN processing system", "Cloud system for permits and penalty charge notices.",
     ("98351000", "48000000"), (300, 900), 5),
    ("Library management system", "Replacement LMS for the borough's libraries.\nIncludes self-service kiosks.",
     ("48160000",), (150, 450), 5),
    ("Customer relationship management platform", "CRM for the contact centre and online services.",
     ("48445000",), (400, 1200), 5),
    ("Social care financial management system", "Payments to care providers and client contributions.",
     ("48000000", "85310000"), (300, 900), 5),
    ("Geographic information system licences", "Enterprise GIS licences and support.",
     ("48326000",), (100, 300), 3),
    ("SEND case management and EHC plan portal", "Case management and a portal for education, health and care plans.",
     ("48000000", "80340000"), (200, 600), 5),
    ("Traffic signals and monitoring equipment", "Supply and maintenance of traffic monitoring equipment.",
     ("34970000",), (500, 1500), 4),
)  # fmt: skip
# generic pipeline notices, beside those for contracts ending within 18 months
PIPELINE: tuple[tuple[str, str, tuple[str, ...], tuple[int, int], int], ...] = (
    ("Enterprise resource planning replacement - early market engagement",
     "The council intends to replace its finance and HR systems.\nSuppliers are invited to a market day.",
     ("48451000",), (2000, 6000), 7),
    ("Community health and wellbeing app", "Pipeline notice: procurement expected next financial year.",
     ("48000000", "85323000"), (50, 200), 3),
)  # fmt: skip
DUE_WITHIN_MONTHS = 18  # pipeline notices are planted for contracts ending within this many months of the survey
DUE_NOTICES = 4

# (buyer, region, title, CPV codes, supplier or None for a tender, value in £, start, end, where)
NON_BOROUGH: tuple[tuple[str, str, str, tuple[str, ...], str | None, float, dt.date, dt.date, str], ...] = (
    ("TRANSPORT FOR LONDON", "London", "Customer contact centre telephony platform", ("48512000",),
     "Greyfriars Contact Centre Services Limited", 2_450_000, D(2024, 4, 1), D(2028, 3, 31), "both"),
    ("Transport for London", "London", "Traffic signal maintenance - central London", ("34970000",),
     "Halden Civil Engineering Ltd", 8_600_000, D(2023, 10, 1), D(2027, 9, 30), "csv"),
    ("Lewisham Homes", "London", "Housing management system - support", ("48000000", "70333000"),
     "Quayside Software Ltd", 420_000, D(2022, 4, 1), D(2026, 3, 31), "csv"),
    ("City of Westminster College", "London", "Student records system", ("48190000",),
     "Kestrel Data Services Limited", 180_000, D(2023, 8, 1), D(2026, 7, 31), "ocds"),
    ("Guy's and St Thomas' NHS Foundation Trust", "London", "End-user device refresh", ("30213100",),
     "Thornbury Devices Limited", 3_200_000, D(2024, 1, 1), D(2026, 12, 31), "ocds"),
    ("London Fire Brigade", "London", "Mobilising system support and maintenance", ("48000000", "72253000"),
     "Meridian Cloud Solutions Limited", 1_150_000, D(2023, 4, 1), D(2028, 3, 31), "csv"),
    ("Greater London Authority", "London", "Data platform and analytics service", ("72316000",),
     "Upland Analytics Ltd", 640_000, D(2024, 6, 1), D(2027, 5, 31), "ocds"),
    ("Barnet Homes Ltd", "London", "Repairs scheduling software", ("48000000",), None, 250_000, D(2025, 10, 1),
     D(2028, 9, 30), "csv"),
    ("Manchester City Council", "North West", "Revenues and benefits system", ("48000000", "75310000"),
     "Larkspur Consulting Ltd", 1_900_000, D(2023, 4, 1), D(2028, 3, 31), "csv"),
    ("Kent County Council", "South East", "Adult social care case management system", ("48000000", "85310000"),
     "Brightwater Digital Ltd", 3_500_000, D(2024, 4, 1), D(2030, 3, 31), "ocds"),
    ("Birmingham City Council", "West Midlands", "Wide area network managed service", ("72700000",), None,
     4_000_000, D(2026, 4, 1), D(2031, 3, 31), "ocds"),
)  # fmt: skip

# --------------------------------------------------------------------------- registers


@dataclass(frozen=True)
class Register:
    """One borough's register: its layout (``total`` or ``annual``), reference form and fillers."""

    code: str
    layout: str
    reference: str  # format with n (a running number) and year
    fillers: int = 4


REGISTERS: tuple[Register, ...] = (
    Register("E09000030", "annual", "LBTH-{year}-{n:03d}"),
    Register("E09000021", "total", "RBK/ICT/{n:04d}"),
    Register("E09000012", "total", "HC{year}{n:04d}"),
    Register("E09000003", "annual", "BAR-{n:04d}"),
)
# register header -> field of a register row; the reader maps both through refdata/register_columns.csv
REGISTER_LAYOUTS = {
    "total": (("Contract Reference", "reference"), ("Contract Title", "title"), ("Supplier Name", "supplier"),
              ("Companies House Number", "company_number"), ("Start Date", "start"), ("End Date", "end"),
              ("Review Date", "review"), ("Total Contract Value", "total"), ("Department", "department"),
              ("CPV Code", "cpv"), ("SME", "sme"), ("VCSE", "vcse")),
    "annual": (("Organisation", "organisation"), ("Reference Number", "reference"), ("Contract Name", "title"),
               ("Description", "description"), ("Contractor", "supplier"), ("Company Reg No", "company_number"),
               ("Contract Start", "start"), ("Contract Expiry", "end"), ("Extension Options", "extension"),
               ("Maximum End Date", "max_end"), ("Annual Value", "annual"), ("Directorate", "department"),
               ("SME Supplier", "sme"), ("VCSE Supplier", "vcse")),
}  # fmt: skip
# (title, CPV codes, supplier, annual value range in £k, term in years, department)
REGISTER_FILLERS: tuple[tuple[str, tuple[str, ...], str, tuple[int, int], int, str], ...] = (
    ("Grounds maintenance", ("77310000",), "Hartwell Grounds Maintenance Ltd", (300, 600), 5, "Environment"),
    ("Agency staff - neutral vendor", ("79620000",), "Ashdown Recruitment Ltd", (2000, 6000), 4, "Resources"),
    ("Home care framework - lot 2", ("85312000",), "Fenwick Care Partnership", (800, 2000), 4, "Adults and Health"),
    ("Multi-functional print devices", ("30120000",), "Pennine Print Management Limited", (60, 150), 5,
     "Resources"),
    ("Mobile voice and data", ("64212000",), "Redcliffe Telecom Limited", (80, 200), 3, "Digital and ICT"),
    ("Cyber security incident response retainer", ("72212730",), "Saltmarsh Security Ltd", (20, 60), 2,
     "Digital and ICT"),
    ("Street lighting maintenance", ("50232100",), "Millbrook Street Lighting Ltd", (200, 500), 5, "Highways"),
    ("Facilities management - civic buildings", ("79993000",), "Wexcombe Facilities Services Limited", (500, 1200),
     5, "Property"),
)  # fmt: skip
DEPARTMENTS = {"Adult Social Care": "Adults and Health", "Children's Social Care": "Children and Families",
               "Housing": "Housing", "Revenues and Benefits": "Finance", "Planning and Building Control": "Place",
               "HR and Payroll": "Resources"}  # fmt: skip

# --------------------------------------------------------------------------- the generated notices


@dataclass
class Notice:
    """One notice or register row, before it is written in its file's format."""

    where: str  # csv | ocds | both | register
    buyer: str
    title: str
    description: str
    cpv: tuple[str, ...]
    stage: str  # contract | tender | planning
    published: dt.datetime
    start: dt.date | None
    end: dt.date | None
    value: float | None
    supplier: Company | None = None
    max_end: dt.date | None = None
    region: str = "London"
    notice_id: str = ""  # CSV Notice Identifier
    ocid: str = ""
    code: str | None = None  # the buyer's borough, None for other buyers
    survey_ref: str = ""  # the survey row this is the award of
    disagrees: bool = False
    history: bool = False  # OCDS: a tender release precedes the award release
    register: dict = field(default_factory=dict)  # register-only cells: reference, extension, annual...

    @property
    def source_ref(self) -> str:
        if self.where == "register":
            return self.register["reference"]
        return self.notice_id if self.where in {"csv", "both"} else self.ocid


@dataclass
class SampleContracts:
    notices: list[Notice]
    registers: dict[Register, list[Notice]]

    def files(self) -> dict[str, list[Notice]]:
        """File name -> its notices (a notice published in both formats is in both files)."""
        out = {CF_FILE: [n for n in self.notices if n.where in {"csv", "both"}],
               OCDS_FILE: [n for n in self.notices if n.where in {"ocds", "both"}]}  # fmt: skip
        for reg, rows in self.registers.items():
            out[REGISTER_FILE.format(slug=slug(reg.code))] = rows
        return out


def slug(code: str) -> str:
    """File-name form of a borough's name: 'Kingston upon Thames' -> 'kingston-upon-thames'."""
    return norm_key(borough_names()[code]).replace(" ", "-")


def buyer_spellings(code: str) -> tuple[str, ...]:
    """How notices spell a council, keeping only the spellings etl.reference resolves to ``code``.

    ("London Borough of Brent" does not resolve: reference.py gives no prefixed forms to names of
    five letters or fewer.)
    """
    b = next(b for b in boroughs() if b.code == code)
    if code == "E09000033":
        forms = ("Westminster City Council", "City of Westminster")
    elif b.royal:
        forms = (f"Royal Borough of {b.name}", f"The Royal Borough of {b.name}", f"{b.name.upper()} COUNCIL")
    else:
        forms = (f"London Borough of {b.name}", f"{b.name.upper()} COUNCIL", f"{b.name} Council",
                 f"London Borough Of {b.name} Council")  # fmt: skip
    known = tuple(form for form in forms if borough_code(form) == code)
    if not known:
        raise ValueError(f"no sample buyer spelling resolves to {code}")
    return known


def _check_buyer(name: str, code: str | None) -> None:
    if borough_code(name) != code:
        raise ValueError(f"sample buyer {name!r} resolves to {borough_code(name)}, not {code}")


def area_cpv(area: str) -> tuple[str, ...]:
    """CPV codes a notice for ``area`` would carry: a software code for the area if there is one,
    else the general software code followed by the area's own code."""
    codes = [r["prefix"].ljust(8, "0") for r in read_table("cpv_service_areas.csv") if r["service_area"] == area]
    codes = [c for c in codes if code_service_area(c) == area]
    software = [c for c in codes if c.startswith("48")]
    if software:
        return (software[0],)
    return ("48000000", codes[0]) if codes else ("48000000",)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _published(rng: random.Random, before: dt.date, lo: int, hi: int) -> dt.datetime:
    day = before - dt.timedelta(days=rng.randint(lo, hi))
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))


def _ids(rng: random.Random, notice: Notice) -> None:
    """A CF notice id (a GUID, or sometimes the buyer's own timestamp reference) and an ocid."""
    guid = _uuid(rng)
    notice.ocid = CF_OCID_PREFIX + guid
    stamp = f"{notice.published:%Y%m%d%H%M%S}-{rng.randint(10000, 99999)}"
    notice.notice_id = guid if notice.where == "both" or rng.random() < 0.75 else stamp


def _survey_rows(seed: int) -> dict[tuple[str, str], tuple[str, sample.Line]]:
    """(borough, system) of every planted survey row -> (its survey source_ref, its clean values)."""
    plan, books = sample.plan_returns(seed)
    rows = {}
    for book in books:
        for plant, (sheet, row) in book.planted.items():
            line = next(x for x in plan[plant.code] if x.plant == plant)
            rows[(plant.code, plant.system)] = (f"{book.ret.file}#{sheet}!{row}", line)
    return rows


def _link_notice(rng: random.Random, link: Link, ref: str, line: sample.Line) -> Notice:
    """The award notice of a survey row: same term and value, unless the link plants a disagreement."""
    months = 12 * line.term + link.end_shift
    end = add_months(line.end, link.end_shift)
    value = line.total if line.total and not link.end_shift else line.annual * months / 12
    notice = Notice(
        where=link.where, buyer=link.buyer or buyer_spellings(link.code)[0], title=link.title,
        description=rng.choice(LINK_DESCRIPTIONS).format(system=line.system), cpv=area_cpv(line.service_area),
        stage="contract", published=_published(rng, line.start, 20, 75), start=line.start, end=end, value=value,
        supplier=link.supplier, max_end=add_months(line.max_end, link.end_shift) if line.max_end else None,
        code=link.code, survey_ref=ref, disagrees=bool(link.end_shift),
        history=link.where == "ocds" and rng.random() < 0.5,
    )  # fmt: skip
    notice.register = {"extension": _extension_text(line), "annual": line.annual, "area": line.service_area}
    _check_buyer(notice.buyer, link.code)
    _ids(rng, notice)
    return notice


def _extension_text(line: sample.Line) -> str:
    """The survey row's extension options as a register writes them ("+1+1", "6 months", "None")."""
    months = parse_extension(line.extension, line.start, line.end)[0]
    if months is None:
        return ""
    if months and months % 12 == 0:
        return "+1" * (months // 12)
    return f"{months} months" if months else "None"


def _borough_notice(rng: random.Random, code: str, stage: str, spec: tuple, where: str, start: dt.date) -> Notice:
    """A notice of a sample borough with no survey row: a new contract, open tender or pipeline notice."""
    if stage == "contract":
        title, description, cpv, supplier, (lo, hi), term = spec
        company = FICTIONAL[supplier]
    else:
        title, description, cpv, (lo, hi), term = spec
        company = None
    published = _published(rng, start, 30, 120) if stage == "contract" else _published(rng, sample.SURVEY_DATE, 0, 150)
    notice = Notice(
        where=where, buyer=rng.choice(buyer_spellings(code)), title=title, description=description, cpv=cpv,
        stage=stage, published=published, start=start, end=add_months(start, 12 * term) - dt.timedelta(days=1),
        value=float(rng.randint(lo, hi) * 1000), supplier=company, code=code,
    )  # fmt: skip
    _ids(rng, notice)
    return notice


def _quarter_start(rng: random.Random, first: dt.date, quarters: int) -> dt.date:
    return add_months(first, 3 * rng.randrange(quarters))


def _new_contracts(rng: random.Random) -> list[Notice]:
    notices = []
    for i, spec in enumerate(NEW_CONTRACTS):
        code = rng.choice(sample.SAMPLE_BOROUGHS)
        where = ("csv", "ocds", "csv", "both")[i % 4] if i < 4 else ("csv", "ocds")[i % 2]
        notices.append(_borough_notice(rng, code, "contract", spec, where, _quarter_start(rng, D(2022, 4, 1), 13)))
    return notices


def _tenders(rng: random.Random) -> list[Notice]:
    return [_borough_notice(rng, rng.choice(sample.SAMPLE_BOROUGHS), "tender", spec, ("csv", "ocds")[i % 2],
                            _quarter_start(rng, D(2025, 10, 1), 4)) for i, spec in enumerate(TENDERS)]  # fmt: skip


def _pipeline(rng: random.Random, plan: dict[str, list[sample.Line]], linked: set[tuple[str, str]]) -> list[Notice]:
    """Pipeline notices: generic ones, and re-procurements of contracts ending within DUE_WITHIN_MONTHS."""
    notices = [_borough_notice(rng, rng.choice(sample.SAMPLE_BOROUGHS), "planning", spec, ("csv", "ocds")[i % 2],
                               _quarter_start(rng, D(2026, 4, 1), 4)) for i, spec in enumerate(PIPELINE)]  # fmt: skip
    horizon = add_months(sample.SURVEY_DATE, DUE_WITHIN_MONTHS)
    due = sorted(
        (line.code, line.system, line)
        for lines in plan.values()
        for line in lines
        if line.end and sample.SURVEY_DATE < line.end <= horizon and (line.code, line.system) not in linked
    )
    for i, (code, _, line) in enumerate(rng.sample(due, DUE_NOTICES)):
        title = f"Replacement {line.service_area.lower()} system - early market engagement"
        description = (f"The council's contract for its {line.service_area.lower()} system ends on "
                       f"{line.end:%d/%m/%Y}.\nSuppliers are invited to a market engagement event.")  # fmt: skip
        spec = (title, description, area_cpv(line.service_area), (int(line.annual * 4e-3), int(line.annual * 6e-3)), 5)
        notices.append(_borough_notice(rng, code, "planning", spec, ("ocds", "csv")[i % 2], line.end + dt.timedelta(1)))
    return notices


def _non_borough(rng: random.Random) -> list[Notice]:
    notices = []
    for buyer, region, title, cpv, supplier, value, start, end, where in NON_BOROUGH:
        _check_buyer(buyer, None)
        stage = "contract" if supplier else "tender"
        published = _published(rng, start, 30, 90) if supplier else _published(rng, sample.SURVEY_DATE, 0, 120)
        notice = Notice(where, buyer, title, f"{title}.\nLot 1 of 1.", cpv, stage, published, start, end, float(value),
                        FICTIONAL[supplier] if supplier else None, region=region)  # fmt: skip
        _ids(rng, notice)
        notices.append(notice)
    return notices


def _register_rows(rng: random.Random, reg: Register, links: list[Notice]) -> list[Notice]:
    """The register: its planted links and some contracts of its own, in reference order."""
    rows = list(links)
    for title, cpv, supplier, (lo, hi), term, department in rng.sample(REGISTER_FILLERS, reg.fillers):
        start = _quarter_start(rng, D(2021, 4, 1), 16)
        annual = float(rng.randint(lo, hi) * 1000)
        notice = Notice("register", "", title, "", cpv, "contract", dt.datetime(start.year, start.month, 1), start,
                        add_months(start, 12 * term) - dt.timedelta(days=1), annual * term, FICTIONAL[supplier],
                        code=reg.code)  # fmt: skip
        extension = rng.choice(("", "None", "+1", "+1+1"))
        notice.register = {"extension": extension, "annual": annual, "department": department}
        rows.append(notice)
    rows.sort(key=lambda n: (n.start, n.title))
    for n, row in enumerate(rows, 1):
        row.register["reference"] = reg.reference.format(n=n * 7 + 100, year=row.start.year)
        row.register.setdefault("department", DEPARTMENTS.get(row.register.get("area"), "Digital and ICT"))
        row.register["organisation"] = row.buyer or buyer_spellings(reg.code)[0]
        row.register["review"] = add_months(row.end, -6) if row.end else None
    return rows


def plan_contracts(seed: int = sample.DEFAULT_SEED) -> SampleContracts:
    """Every sample notice and register row, from the seed and the survey sample's plan."""
    rng = random.Random(f"{seed}:contracts")
    survey = _survey_rows(seed)
    linked = [_link_notice(rng, link, *survey[(link.code, link.system)]) for link in LINKS]
    notices = [n for n in linked if n.where != "register"]
    notices += _new_contracts(rng) + _tenders(rng)
    notices += _pipeline(rng, sample.sample_plan(seed), {(link.code, link.system) for link in LINKS})
    notices += _non_borough(rng)
    registers = {}
    for reg in REGISTERS:
        links = [n for n in linked if n.where == "register" and n.code == reg.code]
        registers[reg] = _register_rows(rng, reg, links)
    return SampleContracts(notices, registers)


# --------------------------------------------------------------------------- Contracts Finder CSV


def _ddmmyyyy(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _amount(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _packed(company: Company | None) -> str:
    """The export's supplier column: [name|address|ref type|number|SME|VCSE]."""
    if company is None:
        return ""
    ref_type = "COMPANIES_HOUSE" if company.number else "NONE"
    yes = {True: "Yes", False: "No"}
    return f"[{company.name}|{company.address}|{ref_type}|{company.number}|{yes[company.sme]}|{yes[company.vcse]}]"


def cf_row(n: Notice) -> list[str]:
    """One notice as the 43 cells of a CF export row."""
    awarded = n.stage == "contract"
    notice_type = {"contract": "Contract", "tender": "Contract", "planning": "Pipeline"}[n.stage]
    cells = {
        "Notice Identifier": n.notice_id, "Notice Type": notice_type, "Organisation Name": n.buyer,
        "Status": "Awarded" if awarded else "Open", "Published Date": f"{n.published:%Y-%m-%dT%H:%M:%SZ}",
        "Title": n.title, "Description": n.description, "Region": n.region, "Cpv Codes": " ".join(n.cpv) + " ",
        "Contact Name": "Procurement Team", "Contact Email": "procurement@example.org",
        "Contact Town": NON_BOROUGH_REGIONS.get(n.region, "London"), "Contact Country": "ENG",
        "Start Date": _ddmmyyyy(n.start), "End Date": _ddmmyyyy(n.end), "Is sub-contract": "NO",
        "Closing Date": _ddmmyyyy((n.published - dt.timedelta(days=45 if awarded else -42)).date()),
        "Suitable for SME": "Yes", "Suitable for VCO": "No", "Supply Chain": "No",
        "OJEU Contract Type": "Products" if n.cpv[0].startswith("30") else "Services",
        "Value Low": _amount(round(n.value * 0.8) if n.value else None), "Value High": _amount(n.value),
        "OJEU Procedure Type": "CallOffFromFrameworkAgreement " if awarded else "Open ", "Closing Time": "12:00",
    }  # fmt: skip
    if awarded:
        cells.update({
            "Awarded Date": _ddmmyyyy((n.published - dt.timedelta(days=10)).date()), "Awarded Value": _amount(n.value),
            "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]": _packed(n.supplier),
            "Contract start date": _ddmmyyyy(n.start), "Contract end date": _ddmmyyyy(n.end),
        })  # fmt: skip
    return [cells.get(column, "") for column in CF_COLUMNS]


def _quoted(cell: str) -> str:
    """Quote the way the export does: any cell with a space, comma, quote or newline."""
    if any(c in cell for c in ' ,"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def cf_csv_text(notices: list[Notice]) -> str:
    lines = [CF_COLUMNS, *(cf_row(n) for n in notices)]
    return "".join(",".join(_quoted(c) for c in line) + "\n" for line in lines)


# --------------------------------------------------------------------------- OCDS


def _stamp(day: dt.date) -> str:
    """London midnight in UTC, as Contracts Finder writes dates (1 July is 2023-06-30T23:00:00Z)."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=LONDON)
    return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _party_id(name: str) -> str:
    return hashlib.sha1(norm_key(name).encode()).hexdigest()[:32]


def _parties(n: Notice) -> list[dict]:
    buyer = {"id": _party_id(n.buyer), "name": n.buyer, "roles": ["buyer"],
             "address": {"locality": NON_BOROUGH_REGIONS.get(n.region, "London"), "countryName": "United Kingdom"},
             "contactPoint": {"name": "Procurement Team", "email": "procurement@example.org"}}  # fmt: skip
    if not n.supplier:
        return [buyer]
    supplier = {"id": _party_id(n.supplier.name), "name": n.supplier.name, "roles": ["supplier"],
                "address": {"streetAddress": n.supplier.address.replace("\n", ", ")}}  # fmt: skip
    if n.supplier.number:
        supplier["identifier"] = {"scheme": "GB-COH", "id": n.supplier.number, "legalName": n.supplier.name}
    return [buyer, supplier]


def _tender(n: Notice, status: str, date: dt.datetime) -> dict:
    period = {"startDate": _stamp(n.start), "endDate": _stamp(n.end)} if n.start and n.end else {}
    tender = {
        "id": f"{n.ocid}-tender", "title": n.title, "description": n.description, "status": status,
        "items": [{"id": str(i), "classification": {"scheme": "CPV", "id": c, "description": CPV_NAMES.get(c, "")}}
                  for i, c in enumerate(n.cpv, 1)],
        "value": {"amount": n.value, "currency": "GBP"}, "contractPeriod": period,
    }  # fmt: skip
    if status == "active":
        closing = (date + dt.timedelta(days=42)).date()
        tender["tenderPeriod"] = {"startDate": f"{date:%Y-%m-%dT%H:%M:%SZ}", "endDate": _stamp(closing)}
    return tender


def _release(n: Notice, tag: str, date: dt.datetime, tender_status: str, award: bool) -> dict:
    release = {
        "ocid": n.ocid, "id": f"{n.ocid}-{tag}", "date": f"{date:%Y-%m-%dT%H:%M:%SZ}", "tag": [tag],
        "initiationType": "tender", "language": "en", "parties": _parties(n) if award else _parties(n)[:1],
        "buyer": {"id": _party_id(n.buyer), "name": n.buyer}, "tender": _tender(n, tender_status, date),
    }  # fmt: skip
    if award:
        period = {"startDate": _stamp(n.start), "endDate": _stamp(n.end)}
        if n.max_end and n.max_end > n.end:
            period["maxExtentDate"] = _stamp(n.max_end)
        release["awards"] = [{
            "id": f"{n.ocid}-award-1", "status": "active", "date": _stamp((n.published - dt.timedelta(days=10)).date()),
            "value": {"amount": n.value, "currency": "GBP"}, "contractPeriod": period,
            "suppliers": [{"id": _party_id(n.supplier.name), "name": n.supplier.name}],
        }]  # fmt: skip
    return release


def ocds_releases(n: Notice) -> list[dict]:
    """The releases of one notice: planning, tender, or (an earlier tender release and) the award."""
    if n.stage == "planning":
        return [_release(n, "planning", n.published, "planning", False)]
    if n.stage == "tender":
        return [_release(n, "tender", n.published, "active", False)]
    award = _release(n, "award", n.published, "complete", True)
    if not n.history:
        return [award]
    return [_release(n, "tender", n.published - dt.timedelta(days=120), "active", False), award]


def ocds_package(notices: list[Notice]) -> dict:
    published = max(n.published for n in notices)
    return {
        "uri": f"https://citytools.example/sample/{OCDS_FILE}", "version": "1.1",
        "publishedDate": f"{published:%Y-%m-%dT%H:%M:%SZ}",
        "publisher": {"name": "City Tools sample generator (synthetic data)"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "releases": [r for n in notices for r in ocds_releases(n)],
    }  # fmt: skip


# --------------------------------------------------------------------------- registers


def _money(value: float | None) -> str:
    return f"£{value:,.0f}" if value else ""


def register_cells(n: Notice) -> dict[str, str]:
    """A register row's cells by field, as councils fill them in."""
    reg, company = n.register, n.supplier
    max_end = n.max_end if n.max_end and n.end and n.max_end > n.end else None
    return {
        "organisation": reg["organisation"], "reference": reg["reference"], "title": n.title,
        "description": n.description.split("\n")[0] if n.description else "", "supplier": company.name,
        "company_number": company.number, "start": _ddmmyyyy(n.start), "end": _ddmmyyyy(n.end),
        "review": _ddmmyyyy(reg.get("review")), "total": _amount(n.value), "annual": _money(reg.get("annual")),
        "department": reg["department"], "cpv": " ".join(n.cpv), "sme": "Yes" if company.sme else "No",
        "vcse": "Yes" if company.vcse else "No", "extension": reg.get("extension") or "",
        "max_end": _ddmmyyyy(max_end),
    }  # fmt: skip


def register_text(reg: Register, rows: list[Notice]) -> str:
    """The register as CSV text; the annual layout ends with a totals line, as many do."""
    layout = REGISTER_LAYOUTS[reg.layout]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _ in layout])
    for row in rows:
        cells = register_cells(row)
        writer.writerow([cells[f] for _, f in layout])
    if reg.layout == "annual":
        total = [""] * len(layout)
        total[0] = "Total"
        total[[f for _, f in layout].index("annual")] = _money(sum(r.register.get("annual") or 0 for r in rows))
        writer.writerow(total)
    return buffer.getvalue()


# --------------------------------------------------------------------------- writing


def write_sample_contracts(out_dir: Path, seed: int = sample.DEFAULT_SEED) -> list[Path]:
    """Write the CSV export, the OCDS package and the registers into ``out_dir``; return their paths.

    Earlier ``citytools-sample-*`` contract files there are replaced; other files are kept.
    """
    data = plan_contracts(seed)  # before touching the folder: a failure leaves it as it was
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob(f"{PREFIX}*")):
        if old.is_file() and old.suffix in {".csv", ".json"}:
            old.unlink()
    files = data.files()
    paths = [out_dir / CF_FILE, out_dir / OCDS_FILE]
    paths[0].write_bytes(cf_csv_text(files[CF_FILE]).encode("utf-8"))
    paths[1].write_text(json.dumps(ocds_package(files[OCDS_FILE]), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")  # fmt: skip
    for reg, rows in data.registers.items():
        path = out_dir / REGISTER_FILE.format(slug=slug(reg.code))
        # Excel's two CSV flavours: "CSV UTF-8" (with a BOM) and plain "CSV" (Windows-1252)
        path.write_bytes(register_text(reg, rows).encode("utf-8-sig" if reg.layout == "total" else "cp1252"))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- what tests rely on (default seed)

_DEFAULT = plan_contracts(sample.DEFAULT_SEED)
_LINKED = [n for n in [*_DEFAULT.notices, *(r for rows in _DEFAULT.registers.values() for r in rows)] if n.survey_ref]
SAMPLE_NOTICE_LINKS: list[tuple[str, str]] = [(n.survey_ref, n.source_ref) for n in _LINKED]
SAMPLE_DISAGREEMENTS: list[tuple[str, str]] = [(n.survey_ref, n.source_ref) for n in _LINKED if n.disagrees]
SAMPLE_CROSS_FORMAT: list[tuple[str, str]] = [(n.notice_id, n.ocid) for n in _DEFAULT.notices if n.where == "both"]
SAMPLE_NON_BOROUGH_BUYERS: list[str] = sorted({n.buyer for n in _DEFAULT.notices if borough_code(n.buyer) is None})
SAMPLE_NOTICE_COUNTS: dict[str, int] = {name: len(rows) for name, rows in _DEFAULT.files().items()}
