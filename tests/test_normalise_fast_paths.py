"""The normalise fast paths (issue 14) give what the general paths they skip give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ftfy
from hypothesis import example, given
from hypothesis import strategies as st

from etl.normalise import names, values
from etl.normalise.scope import _decide, decide
from etl.normalise.suppliers import resolve_suppliers
from etl.records import blank_record
from tests.test_parsers_never_raise import runs

ROOT = Path(__file__).resolve().parents[1]


@given(st.text(alphabet="0123456789", min_size=1, max_size=14) | st.from_regex(r"\d{10,14}", fullmatch=True))
@example("0")
@example("0012")
@example("100000000000")  # MAX_AMOUNT itself
@example("100000000001")  # just over: the general path's warning
@example("\u0661\u0662")  # Arabic-Indic digits: str.isdigit, not ASCII
@example("\u00b2")  # superscript two: isdigit but no number
@runs(300)
def test_amounts_of_plain_digits_are_what_the_regexes_read(text):
    assert values.parse_money(text) == values._uncached_money(text)


def _blank_errors_one_by_one(cells: dict) -> list[str]:
    """blank_errors without its quick test: every cell asked."""
    warnings = []
    for name, value in cells.items():
        if error := values.spreadsheet_error(value):
            cells[name] = "" if isinstance(value, str) else None
            warnings.append(f"{str(name).replace('_', ' ')}: spreadsheet error {error!r}; taken as blank")
    return warnings


CELLS = st.none() | st.floats() | st.sampled_from(["#REF!", " #N/A ", "x#", "Acme"]) | st.text()


@given(st.dictionaries(st.sampled_from(["supplier", "cost", "end"]), CELLS))
@runs(300)
def test_the_quick_no_hash_test_blanks_what_each_cell_would(cells):
    quick, slow = dict(cells), dict(cells)
    assert values.blank_errors(quick) == _blank_errors_one_by_one(slow)
    assert quick == slow or any(v != v for v in cells.values())  # NaN is never equal to itself


@given(st.text(alphabet="\u00a3 ,.0123456789abcXYZ\t\n\r-/()'\"#;<>\\", max_size=40))
@example("\u00a324,800")
@example("\u00a3\u00a3")
@runs(300)
def test_text_with_pound_signs_is_what_ftfy_would_give(text):
    assert names._clean(text) == " ".join(ftfy.fix_text(text).split())


def test_text_needing_ftfy_still_goes_through_it():
    assert names._clean("\u00a3 caf\u00c3\u00a9 &amp; co") == "\u00a3 caf\u00e9 & co"


def test_ftfy_is_imported_only_once_some_text_needs_it():
    """A build whose text is plain ASCII never pays ftfy's start-up."""
    code = (
        "import sys; from etl.build import build; from etl.normalise.names import clean_text;"
        " clean_text('Plain Ltd'); print('ftfy' in sys.modules, end=' ');"
        " clean_text('caf\u00c3\u00a9'); print('ftfy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout == "False True\n"


def _notice(**fields) -> dict:
    rec = blank_record()
    rec.update(source="contracts_finder", **fields)
    return rec


def test_scope_decisions_are_once_per_codes_and_text_and_the_same():
    a = _notice(cpv_codes=["45000000", "48000000"], title="Laptops", description="software")
    b = _notice(cpv_codes=["45000000", "48000000"], title="Laptops", description="something else")
    none = _notice(cpv_codes=None, title="Building works", description="with a payroll system")
    assert decide(a) == decide(b)  # a description is not read when there are codes
    assert decide(none) == _decide.__wrapped__((), "Building works", "with a payroll system")
    assert decide(a) == _decide.__wrapped__(("45000000", "48000000"), "Laptops", None)


def test_the_most_used_spelling_still_names_an_unknown_company():
    spellings = [("ACME WIDGETS LTD", None)] * 3 + [("Acme Widgets Limited", None)] * 2
    match = resolve_suppliers(spellings)["Acme Widgets Limited"]
    assert match.canonical == names.tidy_company_name("ACME WIDGETS LTD")
