"""Sample survey returns (``python -m etl sample``): 22 boroughs, messy the way real returns are.

The dashboard needs data before real returns arrive, and the ETL needs inputs that drift from the
template the way boroughs' files do. Everything comes from ``random.Random`` seeded by the caller,
never from the clock or hash order, so one seed always writes the same cells (and bytes). A few
expiry clusters (``SAMPLE_WINDOWS``) and a dozen messy rows (``PLANTED_ROWS``, with the values the
ETL should make of them) are planted on purpose, so tests can check both ends of the pipeline.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring

from etl.extract.result import SAMPLE_KEYWORD
from etl.extract.survey_fields import FIELDS
from etl.normalise.values import parse_extension, parse_money
from etl.reference import add_months, known_system, service_areas, service_group
from etl.template import BOROUGH_CELL, INSTRUCTIONS_SHEET, SYSTEMS_SHEET, build_template

DEFAULT_SEED = 2019
FIXED_TIME = dt.datetime(2019, 6, 28, 9, 0, 0)  # workbook and zip timestamps, so files are byte-stable
D = dt.date

# --------------------------------------------------------------------------- the market

# (service area, chance a borough lists it, ((system, weight), ...), annual cost range in £k)
CATALOGUE: tuple[tuple[str, float, tuple[tuple[str, int], ...], tuple[int, int]], ...] = (
    ("Adult Social Care", 1.0, (("Mosaic", 2), ("LiquidLogic LAS", 3), ("CareFirst", 1)), (150, 600)),
    ("Children's Social Care", 1.0, (("LiquidLogic LCS", 4), ("Eclipse", 1)), (150, 600)),
    ("Education and Schools", 1.0, (("Capita One", 4), ("Synergy", 2)), (60, 250)),
    ("Early Help and Youth", 0.7, (("Early Help Module", 3), ("ChildView", 2)), (20, 80)),
    ("Special Educational Needs", 0.25, (("EHC Hub", 1),), (15, 60)),
    ("Housing", 0.9, (("NEC Housing", 3), ("Civica CX", 2), ("Open Housing", 2)), (100, 400)),
    ("Housing", 0.3, (("Housing Jigsaw", 1),), (5, 30)),
    ("Housing Repairs and Assets", 0.5, (("Orchard Housing", 2), ("TotalMobile", 1)), (40, 150)),
    ("Revenues and Benefits", 1.0, (("Academy Revenues and Benefits", 3), ("Northgate iWorld", 3),
                                    ("Civica OpenRevenues", 2)), (150, 500)),
    ("Planning and Building Control", 1.0, (("Idox Uniform", 2), ("Northgate M3", 2)), (60, 200)),
    ("Regulatory Services", 0.9, (("Northgate M3", 3), ("Civica APP", 2)), (30, 120)),
    ("Waste and Street Services", 0.7, (("Whitespace", 2), ("Bartec Collective", 2)), (20, 90)),
    ("Highways and Transport", 0.7, (("Confirm", 1),), (20, 80)),
    ("Highways and Transport", 0.3, (("Tranman", 1),), (10, 40)),
    ("Parking", 0.8, (("Taranto", 3), ("MiPermit", 2)), (40, 180)),
    ("Libraries", 0.9, (("Spydus", 3), ("SirsiDynix Symphony", 2)), (25, 90)),
    ("Leisure and Culture", 0.4, (("Legend", 1),), (10, 50)),
    ("Leisure and Culture", 0.3, (("BACAS", 1),), (5, 25)),
    ("Public Health", 0.3, (("SystmOne", 1),), (10, 60)),
    ("Registrars and Elections", 0.8, (("Xpress Electoral", 1), ("Democracy Counts", 3)), (10, 45)),
    ("Registrars and Elections", 0.3, (("Registrars booking system", 1),), (5, 15)),
    ("Customer Services", 1.0, (("Salesforce Service Cloud", 2), ("Microsoft Dynamics 365", 3),
                                ("Verint Lagan", 1)), (80, 350)),
    ("Customer Services", 0.3, (("Aptean Respond", 1),), (10, 40)),
    ("Finance", 1.0, (("Oracle E-Business Suite", 2), ("Oracle Fusion Cloud ERP", 2), ("SAP S/4HANA", 1),
                      ("Unit4 ERP", 2), ("Civica Financials", 1), ("Integra", 1)), (200, 900)),
    ("HR and Payroll", 1.0, (("iTrent", 3), ("ResourceLink", 2), ("Oracle HCM Cloud", 1)), (100, 400)),
    ("Procurement", 0.7, (("In-Tend", 2), ("ProContract", 2)), (10, 50)),
    ("Income and Payments", 0.9, (("Civica Pay", 3), ("Pay360", 2)), (30, 120)),
    ("Document and Records Management", 0.6, (("Information@Work", 2), ("SharePoint Online", 1)), (30, 150)),
    ("Legal and Democratic Services", 0.9, (("Modern.gov", 1),), (10, 60)),
    ("Legal and Democratic Services", 0.6, (("Iken", 1),), (10, 60)),
    ("Property and Facilities", 0.6, (("Technology Forge", 2), ("Concerto", 1), ("Planon", 1)), (20, 90)),
    ("GIS and Mapping", 0.8, (("ArcGIS", 1),), (20, 80)),
    ("Data and Analytics", 0.6, (("Power BI", 1),), (15, 90)),
    ("Websites and Digital", 0.9, (("Granicus Firmstep", 2), ("Jadu", 2)), (30, 150)),
    ("Productivity and Collaboration", 1.0, (("Microsoft 365", 1),), (300, 1100)),
    ("Infrastructure and Hosting", 0.8, (("ServiceNow", 1),), (40, 300)),
    ("Infrastructure and Hosting", 0.4, (("Mimecast", 1), ("Veeam Backup", 1)), (10, 60)),
)  # fmt: skip
MIN_AREAS = 20
# products not in refdata/systems.csv: (manufacturer, supplier); an in-house system has no supplier
OTHER_SYSTEMS = {
    "CareFirst": ("OLM", "OLM Systems Limited"),
    "Housing Jigsaw": ("Housing Partners", "Housing Partners Limited"),
    "TotalMobile": ("TotalMobile", "TotalMobile Limited"),
    "Tranman": ("Civica", "Civica UK Limited"),
    "MiPermit": ("Chipside", "Chipside Limited"),
    "BACAS": ("Gower", "Gower Consultants Limited"),
    "Democracy Counts": ("Democracy Counts", "Democracy Counts Limited"),
    "Registrars booking system": ("In-house", ""),
    "Aptean Respond": ("Aptean", "Aptean Limited"),
    "Oracle HCM Cloud": ("Oracle", "Oracle Corporation UK Limited"),
    "SharePoint Online": ("Microsoft", "Microsoft Limited"),
    "Planon": ("Planon", "Planon Limited"),
    "Mimecast": ("Mimecast", "Mimecast Services Limited"),
    "Veeam Backup": ("Veeam", "Veeam Software Limited"),
}
MICROSOFT_RESELLERS = ("Bytes Software Services Limited", "Softcat PLC", "Computacenter (UK) Limited",
                       "Insight Direct (UK) Limited")  # fmt: skip
RESOLD = {"Microsoft 365", "Power BI", "SharePoint Online"}
CLOUD_ONLY = {"Salesforce Service Cloud", "Microsoft Dynamics 365", "Microsoft 365", "Oracle Fusion Cloud ERP",
              "ServiceNow", "Power BI", "Granicus Firmstep", "EHC Hub", "SharePoint Online", "Oracle HCM Cloud",
              "Mimecast", "MiPermit", "Democracy Counts"}  # fmt: skip
HOSTING_WEIGHTS = (("On premises", 4), ("Hosted", 3), ("Cloud SaaS", 2))
EXTENSIONS = (("", 3), ("None", 3), ("+1", 3), ("+1+1", 4), ("+2", 1))
END_YEARS = ((2023, 1), (2024, 1), (2025, 2), (2026, 10), (2027, 12), (2028, 12), (2029, 10), (2030, 8),
             (2031, 6), (2032, 2), (2033, 1))  # fmt: skip
END_MONTHS = ((3, 55), (9, 20), (12, 15), (6, 5), (1, 2), (8, 3))  # financial year-ends dominate
SURVEY_DATE = D(2025, 4, 1)  # the sample's "now": starts kept before it where a 3-7 year term allows
COMMENTS = (
    "Reviewing options for re-procurement {year}", "Market engagement planned for {year}",
    "Moving to the supplier's cloud version in {year}", "Considering joint procurement with neighbouring boroughs",
    "Satisfied; likely to take the extension", "Replacement project under way", "Upgrade to latest version due {year}",
    "Shared service with a neighbouring borough", "Contract novated from previous supplier",
    "Poor support response times; escalated to account manager", "Licence numbers under review",
)  # fmt: skip
PAST_COMMENTS = ("Extension option taken", "Expired; rolling on annually while we re-procure")
CONTRACT_MANAGERS = ("A. Patel", "J. Okafor", "S. Murphy", "R. Chen", "K. Williams", "M. Novak")
NOTES = ("Notes", "All costs exclude VAT.", "Contract end dates are before any extension options.",
         "Questions about this return to the ICT contracts team.")  # fmt: skip
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")  # fmt: skip

# --------------------------------------------------------------------------- how returns drift

SUPPLIER_SPELLINGS = {
    "NEC Software Solutions UK Limited": ("NEC SOFTWARE SOLUTIONS UK LTD", "Northgate Public Services (UK) Ltd"),
    "Civica UK Limited": ("Civica UK Ltd", "CIVICA UK LIMITED"),
    "Capita Business Services Limited": ("Capita Business Services Ltd", "Capita plc"),
    "Idox Software Limited": ("IDOX plc", "Idox Software Ltd"),
    "System C Healthcare Limited": ("Liquid Logic Ltd", "System C Healthcare Ltd"),
    "Servelec HSC Limited": ("Servelec",),
    "Microsoft Limited": ("Microsoft UK",),
    "Oracle Corporation UK Limited": ("Oracle UK",),
    "MHR International UK Limited": ("MHR",),
    "Computacenter (UK) Limited": ("Computacenter (UK) Ltd",),
}
SYSTEM_SPELLINGS = {
    "Mosaic": ("Servelec Mosaic", "MOSAIC"), "LiquidLogic LCS": ("Liquid Logic LCS",),
    "LiquidLogic LAS": ("Liquidlogic Adults",), "Academy Revenues and Benefits": ("Capita Academy", "Academy"),
    "Northgate iWorld": ("iWorld",), "iTrent": ("MHR iTrent",), "Idox Uniform": ("Uniform",),
    "Microsoft 365": ("Office 365",), "Microsoft Dynamics 365": ("Dynamics 365",), "Unit4 ERP": ("Agresso",),
    "Oracle E-Business Suite": ("Oracle EBS",), "Civica Pay": ("Civica Paris",), "NEC Housing": ("Northgate OHMS",),
    "Power BI": ("PowerBI",), "Capita One": ("Capita ONE",),
}  # fmt: skip
AREA_SPELLINGS = {"Revenues and Benefits": "Revs & Bens", "Adult Social Care": "ASC", "HR and Payroll": "HR/Payroll",
                  "Children's Social Care": "Childrens Services", "Customer Services": "CRM",
                  "Planning and Building Control": "Planning"}  # fmt: skip
HOSTING_SPELLINGS = {"On premises": "On prem", "Hosted": "Supplier hosted", "Cloud SaaS": "SaaS"}
EXTENSION_SPELLINGS = {"+1": ("12 months", "1 year"), "+1+1": ("2 x 12 months", "+1 +1"), "None": ("No extension",),
                       "+2": ("24 months", "2 years")}  # fmt: skip
SCORE_WORDS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}

BOROUGH, EXTRA, PAD = "borough", "extra", "pad"  # column markers beside the survey fields
# header sets for returns that renamed and reordered the template's columns (index 1 and 2; 0 = template)
HEADER_SETS = {
    1: (("system_name", "Product"), ("manufacturer", "Vendor"), ("supplier", "Supplier"), ("service_area", "Service"),
        ("contract_start", "Start date"), ("contract_end", "Expiry date"), ("extension_options", "Extensions"),
        ("annual_cost", "Annual value"), ("total_value", "Contract value"), ("hosting", "Hosting model"),
        ("value_for_money", "VfM"), ("satisfaction", "Satisfaction"), ("confidence", "Confidence"),
        ("comments", "Comments"), (EXTRA, "Internal ref")),
    2: (("service_area", "Business area"), ("system_name", "System name"), ("supplier", "Contractor"),
        ("manufacturer", "Developer"), ("annual_cost", "Cost pa"), ("total_value", "Whole life value"),
        ("contract_start", "Commenced"), ("contract_end", "Contract expiry"), ("extension_options", "Option to extend"),
        ("hosting", "Deployment"), ("confidence", "Support confidence"), ("satisfaction", "User satisfaction"),
        ("value_for_money", "Value for money score"), (EXTRA, "Contract manager"), ("comments", "Future plans")),
}  # fmt: skip
# a two-row header: group cells merged over their sub-headers; a lone column is merged down instead
TWO_ROW_GROUPS = (
    ("System", (("service_area", "Service area"), ("system_name", "System"), ("manufacturer", "Manufacturer"),
                ("supplier", "Supplier"))),
    ("Contract", (("contract_start", "Start"), ("contract_end", "End"), ("extension_options", "Extensions"),
                  ("annual_cost", "Annual cost"), ("total_value", "Total value"))),
    (None, (("hosting", "Hosting"),)),
    ("Scores (1-5)", (("confidence", "Confidence"), ("satisfaction", "Satisfaction"), ("value_for_money", "VfM"))),
    (None, (("comments", "Comments"),)),
)  # fmt: skip


@dataclass(frozen=True)
class Return:
    """One borough's file: its layout, where it names the borough, and which kinds of mess it has."""

    code: str
    file: str
    layout: str  # template | plain | split (Frontline/Corporate/Notes sheets) | two_row
    borough_at: str  # b4 | column | cover | title | filename
    borough_text: str = ""  # spelling used in B4, the Borough column or the cover
    mess: tuple[str, ...] = ()
    headers: int = 0  # key of HEADER_SETS, 0 for the template's labels
    title: str = ""  # title row above the header, if any
    prepared: str = "Prepared by the ICT contracts team, June 2019"
    sheet: str = "Systems"
    borough_header: str = "Borough"


RETURNS: tuple[Return, ...] = (
    Return("E09000002", "barking_and_dagenham_survey_return.xlsx", "two_row", "cover", "LBBD",
           ("text_money", "system_spellings"), sheet="ICT Systems"),
    Return("E09000003", "barnet tech survey 2019.xlsx", "two_row", "filename", mess=("ext_variants", "totals")),
    Return("E09000005", "Brent Tech Survey FINAL v2.xlsx", "plain", "column", "Brent Council",
           ("merged_cell", "blank_rows")),
    Return("E09000007", "camden_survey_return.xlsx", "template", "b4", "Camden"),
    Return("E09000008", "croydon_survey_return.xlsx", "split", "cover", "Croydon Council",
           ("supplier_spellings", "system_spellings")),
    Return("E09000009", "ealing_survey_return.xlsx", "plain", "column", "London Borough of Ealing Council",
           ("text_dates", "text_money", "ext_variants")),
    Return("E09000011", "Copy of LOTI systems survey (2).xlsx", "plain", "column", "Royal Borough of Greenwich",
           ("system_spellings", "text_money")),
    Return("E09000012", "hackney_survey_return.xlsx", "template", "b4", "Hackney",
           ("text_dates", "text_money", "blank_rows")),
    Return("E09000013", "LBHF Tech Survey FINAL v2.xlsx", "plain", "filename", mess=("synonyms", "merged_cell"),
           headers=1, sheet="Sheet1"),
    Return("E09000014", "haringey_survey_return.xlsx", "plain", "column", "LB Haringey", ("synonyms", "text_dates"),
           headers=2),
    Return("E09000015", "harrow_survey_return.xlsx", "plain", "column", "Harrow Council",
           ("word_scores", "synonyms", "blank_rows"), headers=1, borough_header="Council"),
    Return("E09000018", "hounslow_survey_return.xlsx", "plain", "title", mess=("totals", "blank_rows",
           "supplier_spellings"), title="London Borough of Hounslow - ICT systems return 2019"),
    Return("E09000019", "islington_survey_return.xlsx", "template", "b4", "Islington"),
    Return("E09000020", "ICT systems return 2019 FINAL.xlsx", "plain", "title", mess=("merged_cell", "word_scores"),
           title="Royal Borough of Kensington and Chelsea - ICT systems return 2019",
           prepared="Prepared by RBKC Digital Services, June 2019"),
    Return("E09000021", "kingston_ict_return_2019.xlsx", "plain", "title", mess=("text_money", "system_spellings"),
           title="Royal Borough of Kingston upon Thames - ICT systems return 2019", sheet="Applications"),
    Return("E09000022", "lambeth_survey_return.xlsx", "plain", "column", "LB Lambeth", ("synonyms", "totals"),
           headers=2, title="London Borough of Lambeth - ICT systems return 2019", sheet="ICT Systems"),
    Return("E09000023", "Lewisham LOTI systems survey.xlsx", "template", "b4", "Lewisham"),
    Return("E09000025", "LOTI technology survey 2019 return.xlsx", "two_row", "title",
           mess=("word_scores", "ext_variants"),
           title="London Borough of Newham - technology and contracts survey 2019"),
    Return("E09000028", "southwark_survey_return.xlsx", "split", "cover", "London Borough of Southwark",
           ("text_dates",)),
    Return("E09000030", "tower_hamlets_systems_2019.xlsx", "plain", "filename", mess=("supplier_spellings", "totals"),
           sheet="Sheet1"),
    Return("E09000031", "LBWF Tech Survey FINAL v2.xlsx", "split", "filename",
           mess=("supplier_spellings", "totals", "word_scores")),
    Return("E09000033", "Tech survey - systems list v3.xlsx", "plain", "cover", "Westminster City Council",
           ("ext_variants", "blank_rows")),
)  # fmt: skip
SAMPLE_BOROUGHS: tuple[str, ...] = tuple(r.code for r in RETURNS)
SAMPLE_FILES: tuple[str, ...] = tuple(r.file for r in RETURNS)

# --------------------------------------------------------------------------- what is planted


@dataclass(frozen=True)
class Plant:
    """A row fixed in advance: a member of an expiry window, and/or a messy row listed in PLANTED_ROWS."""

    code: str
    service_area: str
    system: str
    end: dt.date | None
    window: str = ""  # key of WINDOW_GROUPS
    listed: bool = False
    term: int | None = None  # years; None: drawn
    start: dt.date | None = None  # only for rows with no end date
    extension: str | None = None  # None: drawn
    annual: float | None = None  # None: drawn
    total: float | None = None  # None: drawn (sometimes blank)
    cells: tuple[tuple[str, object], ...] = ()  # raw cell values written instead of the clean ones
    warning: bool = False


WINDOW_GROUPS = {
    "revs": ("service_area", "Revenues and Benefits"),
    "mosaic": ("system", "Mosaic"),
    "itrent": ("system", "iTrent"),
    "idox": ("supplier", "Idox Software Limited"),
}
PLANTS: tuple[Plant, ...] = (
    # Revenues and Benefits: five boroughs' contracts end between March and September 2027
    Plant("E09000009", "Revenues and Benefits", "Northgate iWorld", D(2027, 9, 30), "revs", True, 5,
          extension="+1+1", annual=250_000, total=1_250_000,
          cells=(("contract_start", "01/10/2022"), ("contract_end", "Sep-2027"), ("total_value", "£1,250,000"))),
    Plant("E09000012", "Revenues and Benefits", "Academy Revenues and Benefits", D(2027, 3, 31), "revs"),
    Plant("E09000022", "Revenues and Benefits", "Civica OpenRevenues", D(2027, 3, 31), "revs"),
    Plant("E09000003", "Revenues and Benefits", "Academy Revenues and Benefits", D(2027, 6, 30), "revs", True, 3,
          extension="3+1+1", annual=210_000, total=630_000, cells=(("extension_options", "3+1+1"),)),
    Plant("E09000028", "Revenues and Benefits", "Northgate iWorld", D(2027, 3, 31), "revs"),
    # Mosaic: four boroughs ending within six months of 31 March 2028
    Plant("E09000014", "Adult Social Care", "Mosaic", D(2028, 3, 31), "mosaic", True, 5, extension="+1",
          annual=385_000, total=1_925_000,
          cells=(("system_name", "Servelec Mosaic"), ("supplier", "Servelec"), ("contract_end", "31 March 2028"))),
    Plant("E09000019", "Adult Social Care", "Mosaic", D(2028, 3, 31), "mosaic"),
    Plant("E09000033", "Adult Social Care", "Mosaic", D(2027, 12, 31), "mosaic"),
    Plant("E09000011", "Adult Social Care", "Mosaic", D(2028, 6, 30), "mosaic"),
    # iTrent (HR and Payroll): three boroughs ending March to August 2028
    Plant("E09000007", "HR and Payroll", "iTrent", D(2028, 3, 31), "itrent"),
    Plant("E09000023", "HR and Payroll", "iTrent", D(2028, 6, 30), "itrent"),
    Plant("E09000018", "HR and Payroll", "iTrent", D(2028, 8, 31), "itrent"),
    # Idox (supplier), planning: four boroughs ending December 2027 to May 2028
    Plant("E09000022", "Planning and Building Control", "Idox Uniform", D(2027, 12, 31), "idox"),
    Plant("E09000021", "Planning and Building Control", "Idox Uniform", D(2028, 3, 31), "idox"),
    Plant("E09000005", "Planning and Building Control", "Idox Uniform", D(2028, 3, 31), "idox"),
    Plant("E09000030", "Planning and Building Control", "Idox Uniform", D(2028, 5, 31), "idox"),
    # messy rows and what the ETL should make of them
    Plant("E09000009", "Libraries", "Spydus", D(2029, 3, 31), listed=True, term=5, extension="", annual=45_000,
          total=None, cells=(("annual_cost", "approx £45k"),), warning=True),
    Plant("E09000012", "Housing", "NEC Housing", D(2026, 9, 30), listed=True, term=5, extension="12 months",
          annual=240_000, total=1_200_000,
          cells=(("contract_start", "01/10/2021"), ("contract_end", "30/09/2026"), ("total_value", "£1.2m"))),
    Plant("E09000012", "Legal and Democratic Services", "Iken", None, listed=True, start=D(2020, 4, 1), extension="",
          annual=18_500, total=None, cells=(("contract_end", "TBC"),), warning=True),
    Plant("E09000028", "Finance", "Oracle E-Business Suite", D(2029, 12, 31), listed=True, term=7, extension="None",
          annual=640_000, total=4_480_000, cells=(("contract_end", "2029"),)),
    Plant("E09000028", "Websites and Digital", "Jadu", None, listed=True, start=D(2019, 4, 1), extension="",
          annual=42_000, total=None, cells=(("contract_end", "Rolling"),), warning=True),
    Plant("E09000014", "Property and Facilities", "Technology Forge", None, listed=True, start=D(2022, 3, 1),
          extension="+1", annual=36_000, total=None, cells=(("contract_end", "30/02/2027"),), warning=True),
    Plant("E09000030", "Housing", "NEC Housing", D(2030, 3, 31), listed=True, term=7, extension="+1+1",
          annual=310_000, total=2_170_000, cells=(("supplier", "NEC SOFTWARE SOLUTIONS UK LTD"),)),
    Plant("E09000008", "Children's Social Care", "LiquidLogic LCS", D(2029, 9, 30), listed=True, term=6,
          extension="None", annual=420_000, total=2_520_000,
          cells=(("system_name", "Liquid Logic LCS"), ("supplier", "Liquid Logic Ltd"))),
    Plant("E09000025", "Adult Social Care", "LiquidLogic LAS", D(2030, 3, 31), listed=True, term=6,
          extension="2 x 12 months", annual=395_000, total=2_370_000,
          cells=(("confidence", "High"), ("extension_options", "2 x 12 months")), warning=True),
    Plant("E09000031", "Education and Schools", "Capita One", D(2026, 3, 31), listed=True, term=4, extension="+1",
          annual=128_000, total=512_000, cells=(("supplier", "Capita Business Services Ltd"),)),
)  # fmt: skip

# --------------------------------------------------------------------------- the plan


@dataclass
class Line:
    """One system a borough runs, with its clean values (what the ETL should load)."""

    code: str
    service_area: str
    system: str
    manufacturer: str
    supplier: str
    plant: Plant | None = None
    end: dt.date | None = None
    start: dt.date | None = None
    term: int | None = None
    extension: str = ""
    annual: float | None = None
    total: float | None = None
    hosting: str | None = None
    scores: tuple[int | None, int | None, int | None] = (None, None, None)
    comment: str | None = None

    @property
    def max_end(self) -> dt.date | None:
        months = parse_extension(self.extension, self.start, self.end)[0]
        return add_months(self.end, months) if self.end and months else self.end

    def groups(self) -> list[tuple[str, str]]:
        return [("service_area", self.service_area), ("system", self.system), ("supplier", self.supplier)]


def _pick(rng: random.Random, options) -> object:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]


def _new_line(rng: random.Random, code: str, area: str, system: str, plant: Plant | None = None) -> Line:
    known = known_system(system)
    manufacturer, supplier = (known.manufacturer, known.supplier) if known else OTHER_SYSTEMS[system]
    if system in RESOLD:
        supplier = rng.choice(MICROSOFT_RESELLERS)
    return Line(code, area, system, manufacturer, supplier, plant)


def _choose_lines(rng: random.Random, code: str) -> list[Line]:
    """The borough's systems: at most one main system per core area, plants in place of a draw."""
    plants = {p.service_area: p for p in PLANTS if p.code == code}
    lines: list[Line] = []
    for area, chance, options, _ in CATALOGUE:
        present, system = rng.random() < chance, _pick(rng, options)  # always draw: a stable stream
        plant = plants.pop(area, None)
        if plant:
            lines.append(_new_line(rng, code, area, plant.system, plant))
        elif present and all(x.system != system for x in lines):
            lines.append(_new_line(rng, code, area, system))
    for area, _, options, _ in CATALOGUE:  # top up to MIN_AREAS areas, in catalogue order
        if len({x.service_area for x in lines}) >= MIN_AREAS:
            break
        system = _pick(rng, options)
        if all(x.service_area != area and x.system != system for x in lines):
            lines.append(_new_line(rng, code, area, system))
    order = {sa.name: i for i, sa in enumerate(service_areas())}
    return sorted(lines, key=lambda x: (order[x.service_area], x.system))


def _window_bounds() -> dict[str, tuple[dt.date, dt.date]]:
    ends: dict[str, list[dt.date]] = {}
    for p in PLANTS:
        if p.window:
            ends.setdefault(p.window, []).append(p.end)
    return {k: (min(v), max(v)) for k, v in ends.items()}


def _crowding(line: Line, end: dt.date, placed: dict, bounds: dict) -> int | None:
    """None if ``end`` (or the latest end) falls in a planted window's margin; else how many other
    boroughs in the same guarded groups end within six months of it."""
    line.end = end
    crowd = 0
    for key, (lo, hi) in bounds.items():
        group = WINDOW_GROUPS[key]
        if group in line.groups():
            if any(add_months(lo, -6) <= day <= add_months(hi, 6) for day in (end, line.max_end)):
                return None
            near = {code for code, day in placed.get(group, []) if abs((day - end).days) <= 183}
            crowd = max(crowd, len(near - {line.code}))
    return crowd


def _assign_dates(rng: random.Random, lines: list[Line]) -> None:
    """End dates: planted ones first; rows in a planted window's group keep out of its margin and,
    where the seed allows, out of any cluster of three boroughs (so the planted windows stand out)."""
    bounds = _window_bounds()
    guarded = set(WINDOW_GROUPS.values())
    placed: dict[tuple[str, str], list[tuple[str, dt.date]]] = {}
    quarter_ends = [add_months(D(2022, 12, 31), 3 * i) for i in range(46)]
    for line in sorted(lines, key=lambda x: x.plant is None):  # stable: plants first, then plan order
        p = line.plant
        line.extension = p.extension if p and p.extension is not None else _pick(rng, EXTENSIONS)
        if p:
            line.end = p.end
        elif guarded & set(line.groups()):
            scored = [(c, d) for d in rng.sample(quarter_ends, len(quarter_ends))
                      if (c := _crowding(line, d, placed, bounds)) is not None]  # fmt: skip
            line.end = min(scored, key=lambda cd: cd[0])[1]  # the first of the least crowded
        else:
            year, month = _pick(rng, END_YEARS), _pick(rng, END_MONTHS)
            line.end = add_months(D(year, month, 1), 1) - dt.timedelta(days=1)
        for group in line.groups():
            if line.end:
                placed.setdefault(group, []).append((line.code, line.end))


def _fill_values(rng: random.Random, line: Line, cost: tuple[int, int]) -> None:
    p = line.plant
    if line.end:
        shortest = min(7, max(3, line.end.year - SURVEY_DATE.year + 1))
        line.term = p.term if p and p.term else rng.randint(shortest, 7)
        line.start = add_months(line.end, -12 * line.term) + dt.timedelta(days=1)
    else:
        line.start = p.start
    annual = round(rng.uniform(*cost) * 2) * 500.0
    line.annual = float(p.annual) if p and p.annual is not None else annual
    total = None if rng.random() < 0.2 or not line.term else line.annual * line.term
    line.total = (float(p.total) if p.total is not None else None) if p and p.listed else total
    line.hosting = "Cloud SaaS" if line.system in CLOUD_ONLY else _pick(rng, HOSTING_WEIGHTS)
    line.scores = tuple(None if rng.random() < 0.05 else _pick(rng, ((1, 1), (2, 3), (3, 5), (4, 6), (5, 3)))
                        for _ in range(3))  # fmt: skip
    if line.end and line.end < SURVEY_DATE:  # ended already: extended, or rolling on
        line.comment = PAST_COMMENTS[0] if line.max_end > line.end else PAST_COMMENTS[1]
    elif rng.random() < 0.55:
        choices = [c for c in COMMENTS if not (line.hosting == "Cloud SaaS" and "cloud" in c)]
        line.comment = rng.choice(choices).format(year=(line.end.year - 1) if line.end else 2026)


def sample_plan(seed: int = DEFAULT_SEED) -> dict[str, list[Line]]:
    """Every borough's systems with their clean values, in sheet order."""
    rng = random.Random(seed)
    plan = {r.code: _choose_lines(rng, r.code) for r in RETURNS}
    _assign_dates(rng, [line for lines in plan.values() for line in lines])
    cost = {(area, system): c for area, _, options, c in CATALOGUE for system, _ in options}
    for lines in plan.values():
        for line in lines:
            _fill_values(rng, line, cost.get((line.service_area, line.system), (5, 60)))
    return plan


# --------------------------------------------------------------------------- layout (cells, no openpyxl)


@dataclass
class Sheet:
    name: str
    rows: list[list[object]] = field(default_factory=list)  # row 1 first; [] is a blank row
    merges: list[str] = field(default_factory=list)
    bold: set[int] = field(default_factory=set)


@dataclass
class Book:
    ret: Return
    sheets: list[Sheet]
    cells: dict[tuple[str, str], object] = field(default_factory=dict)  # (sheet, "B4") -> value
    planted: dict[Plant, tuple[str, int]] = field(default_factory=dict)  # plant -> (sheet, Excel row)


def _date_text(rng: random.Random, day: dt.date | None, end: bool) -> str | None:
    """A date the way people type it; every form reads back to the same day (ends are month ends)."""
    if day is None:
        return None
    forms = [f"{day:%d/%m/%Y}", f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"]
    if end:
        forms.append(f"{MONTH_NAMES[day.month - 1][:3]}-{day.year}")
        if (day.month, day.day) == (12, 31):
            forms.append(str(day.year))
    return rng.choice(forms)


def _money_text(rng: random.Random, value: float | None) -> str | None:
    if value is None:
        return None
    short = f"£{value / 1e6:g}m"
    if value >= 1e6 and rng.random() < 0.5 and parse_money(short)[0] == value:  # only where it reads back exactly
        return short
    return f"£{value:,.0f}"


def _number(value: float | None) -> int | float | None:
    return int(value) if value is not None and value == int(value) else value


def _cells(rng: random.Random, line: Line, ret: Return, word_score: bool) -> dict[str, object]:
    """The cells of one row as this return writes them."""
    mess = ret.mess
    cells = {
        "service_area": line.service_area, "system_name": line.system, "manufacturer": line.manufacturer,
        "supplier": line.supplier or None, "contract_start": line.start, "contract_end": line.end,
        "extension_options": line.extension or None, "annual_cost": _number(line.annual),
        "total_value": _number(line.total), "hosting": line.hosting, "confidence": line.scores[0],
        "satisfaction": line.scores[1], "value_for_money": line.scores[2], "comments": line.comment,
        BOROUGH: ret.borough_text, EXTRA: None,
    }  # fmt: skip
    if "synonyms" in mess:
        cells["service_area"] = AREA_SPELLINGS.get(line.service_area, line.service_area)
        cells["hosting"] = HOSTING_SPELLINGS.get(line.hosting, line.hosting)
        cells[EXTRA] = rng.choice(CONTRACT_MANAGERS) if ret.headers == 2 else f"ICT-{rng.randint(100, 999)}"
    if "system_spellings" in mess and line.system in SYSTEM_SPELLINGS:
        cells["system_name"] = rng.choice(SYSTEM_SPELLINGS[line.system])
    if "supplier_spellings" in mess and line.supplier in SUPPLIER_SPELLINGS:
        cells["supplier"] = rng.choice(SUPPLIER_SPELLINGS[line.supplier])
    if "text_dates" in mess:
        cells["contract_start"] = _date_text(rng, line.start, end=False)
        cells["contract_end"] = _date_text(rng, line.end, end=True)
    if "text_money" in mess:
        cells["annual_cost"], cells["total_value"] = _money_text(rng, line.annual), _money_text(rng, line.total)
    if "ext_variants" in mess and line.extension in EXTENSION_SPELLINGS:
        cells["extension_options"] = rng.choice(EXTENSION_SPELLINGS[line.extension])
        if line.extension == "+1+1" and line.term == 3:
            cells["extension_options"] = "3+1+1"  # the 3 is the base term
    if word_score and line.scores[0]:
        cells["confidence"] = SCORE_WORDS[line.scores[0]]
    if line.plant:
        cells.update(line.plant.cells)
    return cells


def _columns(ret: Return) -> list[tuple[str, str]]:
    """(field or marker, header) per column, for a one-row header."""
    cols = list(HEADER_SETS[ret.headers]) if ret.headers else [(f.name, f.label) for f in FIELDS]
    if ret.borough_at == "column":
        cols.insert(0, (BOROUGH, ret.borough_header))
    if "merged_cell" in ret.mess:  # the comments header spans two columns; text sits in the first
        cols.insert(next(i for i, (f, _) in enumerate(cols) if f == "comments") + 1, (PAD, None))
    return cols


def _header(ret: Return, sheet: Sheet) -> list[str]:
    """Append the header row(s) to ``sheet``; return the field of each column."""
    top = len(sheet.rows) + 1
    if ret.layout != "two_row":
        cols = _columns(ret)
        sheet.rows.append([label for _, label in cols])
        if "merged_cell" in ret.mess:
            c = next(i for i, (f, _) in enumerate(cols) if f == PAD)
            sheet.merges.append(f"{get_column_letter(c)}{top}:{get_column_letter(c + 1)}{top}")
        sheet.bold.add(top)
        return [f for f, _ in cols]
    fields, upper, lower = [], [], []
    for group, subs in TWO_ROW_GROUPS:
        first = get_column_letter(len(fields) + 1)
        for i, (name, label) in enumerate(subs):
            fields.append(name)
            upper.append(label if not group else (group if i == 0 else None))
            lower.append(label if group else None)
        last = get_column_letter(len(fields))
        sheet.merges.append(f"{first}{top}:{last}{top}" if group else f"{first}{top}:{first}{top + 1}")
    sheet.rows += [upper, lower]
    sheet.bold |= {top, top + 1}
    return fields


def _table(rng: random.Random, ret: Return, sheet: Sheet, lines: list[Line], book: Book) -> None:
    """Title rows, header, one row per line (with any blank rows), and a totals row."""
    if ret.title:
        sheet.rows += [[ret.title], [], [ret.prepared]]
        sheet.bold.add(1)
    fields = _header(ret, sheet)
    gaps = {len(lines) // 3, 2 * len(lines) // 3} if "blank_rows" in ret.mess else set()
    unlisted = [i for i, x in enumerate(lines) if not (x.plant and x.plant.listed)]
    words = set(rng.sample(unlisted, min(2, len(unlisted)))) if "word_scores" in ret.mess else set()
    for i, line in enumerate(lines):
        if i in gaps and i:
            sheet.rows.append([])
        cells = _cells(rng, line, ret, i in words)
        sheet.rows.append([cells.get(f) for f in fields])
        if line.plant:
            book.planted[line.plant] = (sheet.name, len(sheet.rows))
    if "totals" in ret.mess:
        total = [None] * len(fields)
        total[0] = "Total"
        total[fields.index("annual_cost")] = _number(sum(x.annual or 0 for x in lines))
        sheet.rows.append(total)


def _layout(seed: int, ret: Return, lines: list[Line]) -> Book:
    rng = random.Random(f"{seed}:{ret.file}")
    book = Book(ret, [])
    if ret.borough_at == "cover":
        book.sheets.append(Sheet("Cover", [["Technology and contracts survey 2019"], [], ["Borough:", ret.borough_text],
                                           ["Completed by:", "ICT Strategy and Architecture"],
                                           ["Date returned:", D(2019, 6, 28)]], bold={1}))  # fmt: skip
    if ret.layout == "split":
        for group in ("Frontline", "Corporate"):
            sheet = Sheet(group)
            _table(rng, ret, sheet, [x for x in lines if service_group(x.service_area) == group], book)
            book.sheets.append(sheet)
        book.sheets.append(Sheet("Notes", [[line] for line in NOTES], bold={1}))
    else:
        sheet = Sheet(SYSTEMS_SHEET if ret.layout == "template" else ret.sheet)
        _table(rng, ret, sheet, lines, book)
        book.sheets.append(sheet)
    if ret.layout == "template":
        book.cells[(INSTRUCTIONS_SHEET, BOROUGH_CELL)] = ret.borough_text
    return book


def plan_returns(seed: int = DEFAULT_SEED) -> tuple[dict[str, list[Line]], list[Book]]:
    """The plan (each borough's lines) and every return's layout for a seed, before any file is written.

    ``etl.sample_contracts`` reads it to know the sheet and row each planted survey row lands on.
    """
    plan = sample_plan(seed)
    return plan, [_layout(seed, r, plan[r.code]) for r in RETURNS]


# --------------------------------------------------------------------------- writing


def _workbook(book: Book) -> Workbook:
    template = book.ret.layout == "template"
    wb = build_template() if template else Workbook()
    if not template:
        wb.remove(wb.active)
    for spec in book.sheets:
        ws = wb[spec.name] if spec.name in wb.sheetnames else wb.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or ws.cell(r, c).value == value:
                    continue  # the template's own header stays as it is, styled
                cell = ws.cell(r, c, value)
                if isinstance(value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
                if r in spec.bold and not template:
                    cell.font = Font(bold=True)
        for ref in spec.merges:
            ws.merge_cells(ref)
        if not template:
            for c in range(1, max(map(len, spec.rows), default=0) + 1):
                ws.column_dimensions[get_column_letter(c)].width = 20
    for (sheet, ref), value in book.cells.items():
        wb[sheet][ref] = value
    wb.properties.creator = "City Tools sample generator"
    wb.properties.keywords = SAMPLE_KEYWORD
    wb.properties.created = FIXED_TIME
    return wb


def _save_stable(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps: openpyxl stamps 'modified' and zip entries with the clock."""
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = FIXED_TIME
    core = tostring(wb.properties.to_tree())
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = core if info.filename == ARC_CORE else src.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            out.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)


def _is_sample_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return SAMPLE_KEYWORD.encode() in z.read(ARC_CORE)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def write_sample(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the 22 sample returns into ``out_dir``; earlier sample files there are replaced, others kept."""
    books = plan_returns(seed)[1]  # before touching the folder: a failure leaves it as it was
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.xlsx")):
        if old.name in SAMPLE_FILES or _is_sample_file(old):
            old.unlink()
    paths = []
    for book in books:
        path = out_dir / book.ret.file
        _save_stable(_workbook(book), path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- what tests rely on (default seed)


def _planted_rows(plan: dict[str, list[Line]], books: list[Book]) -> list[dict]:
    rows = []
    for book in books:
        for line in plan[book.ret.code]:
            if line.plant and line.plant.listed:
                sheet, row = book.planted[line.plant]
                rows.append({
                    "borough": line.code, "file": book.ret.file, "sheet": sheet, "row": row,
                    "system_name": line.system, "supplier_name": line.supplier, "service_area": line.service_area,
                    "start_date": line.start, "end_date": line.end, "max_end_date": line.max_end,
                    "annual_value": line.annual, "total_value": line.total, "warning": line.plant.warning,
                    "input": dict(line.plant.cells),
                })  # fmt: skip
    return rows


def _system_boroughs(plan: dict[str, list[Line]]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for lines in plan.values():
        for line in lines:
            found.setdefault(line.system, set()).add(line.code)
    return {system: sorted(found[system]) for system in sorted(found)}


_PLAN, _BOOKS = plan_returns(DEFAULT_SEED)
SAMPLE_WINDOWS: list[dict] = [
    {"group_by": WINDOW_GROUPS[key][0], "value": WINDOW_GROUPS[key][1],
     "boroughs": sorted(p.code for p in PLANTS if p.window == key), "end_from": lo, "end_to": hi}
    for key, (lo, hi) in _window_bounds().items()
]  # fmt: skip
PLANTED_ROWS: list[dict] = _planted_rows(_PLAN, _BOOKS)
SAMPLE_SYSTEM_BOROUGHS: dict[str, list[str]] = _system_boroughs(_PLAN)
