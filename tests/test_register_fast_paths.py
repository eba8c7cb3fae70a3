"""The register reader's per-distinct-value parsing (issue 14): rows sharing dates, CPV text and a
department parse them once, and each record still gets its own lists and its own warnings."""

from __future__ import annotations

from etl.extract import register
from etl.extract.register import read_register

HEADER = "Contract Reference,Contract Title,Supplier Name,Start Date,End Date,Review Date,Department,CPV Code\n"


def test_rows_sharing_cells_get_what_their_own_cells_give(tmp_path):
    path = tmp_path / "camden-contract-register.csv"
    rows = ["R-1,Payroll,Acme Ltd,01/04/2024,31/03/2023,01/10/2027,Corporate Services,48450000-7",
            "R-2,Payroll,Acme Ltd,01/04/2024,31/03/2023,01/10/2027,Corporate Services,48450000-7"]  # fmt: skip
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    first, second = read_register(path).records
    for rec in (first, second):
        assert rec["warnings"] == ["end date before start date"]
        assert rec["comments"] == "Review date 01/10/2027" and rec["service_area_raw"] == "Corporate Services"
    first["cpv_codes"].append("72000000")
    assert second["cpv_codes"] == ["48450000"]


def test_cached_dates_and_classes_are_the_uncached():
    for given in (("01/04/2024", "31/03/2028", "+1+1", None, None), ("TBC", "", "2 years", "31/03/2031", "x"),
                  (None, None, None, None, None), ("01/04/2024", "31/03/2028", None, "31/03/2020", None)):  # fmt: skip
        assert register._term_fields(given) == register._term_fields.__wrapped__(given)
    for text, department in (("48450000-7", "ICT"), ("", None), ("no code", "Adult Social Care"), ("72000000", "")):
        assert register._classify_fields(text, department) == register._classify_fields.__wrapped__(text, department)
