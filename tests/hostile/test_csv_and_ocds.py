"""CSV oddities (a 200 KB field, UTF-16, NUL bytes) and conflicting OCDS releases: never silent."""

from __future__ import annotations

import json

from tests.hostile import corpus
from tests.hostile.corpus import assert_good_files_loaded, build_all, file_row, query, rejects_of


def test_a_field_over_128_kb_rejects_its_row_and_the_rest_of_the_file_loads(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.cf_csv_with_long_field(contracts / "long.csv", kb=200)
    db, _ = build_all(tmp_path)
    rejects = rejects_of(db, "long.csv")
    long = [r for r in rejects if "KB" in r["reason"]]
    last_line = (contracts / "long.csv").read_text(encoding="utf-8").rstrip("\n").count("\n") + 1
    assert [(r["location"], r["reason"]) for r in long] == [
        (f"line {last_line}", "field of 200 KB, over the limit of 128 KB")
    ]
    assert len(long[0]["raw"]) < 20_000 and long[0]["valid"]
    row = file_row(db, "long.csv")
    assert (row["records_read"], row["loaded"] + row["merged"]) == (11, corpus.GOOD_CF_LOADED)  # good rows still read
    assert row["records_read"] == row["loaded"] + row["merged"] + row["rejected"] + row["skipped"]
    assert_good_files_loaded(db)


def test_a_utf16_export_is_read_as_utf16_with_a_note(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.utf16_cf_csv(contracts / "unicode.csv")
    db, _ = build_all(tmp_path)
    row = file_row(db, "unicode.csv")
    assert (row["source"], row["status"], row["records_read"]) == ("cf_csv", "loaded", 10)
    assert row["merged"] == corpus.GOOD_CF_LOADED  # the same notices as the UTF-8 copy
    assert any(note.startswith("file is UTF-16 encoded; read as UTF-16") for note in row["notes"])
    assert_good_files_loaded(db)


def test_an_early_nul_byte_says_binary(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    at = corpus.nul_csv(contracts / "binary.csv").read_bytes().index(0) + 1
    db, _ = build_all(tmp_path)
    assert (
        file_row(db, "binary.csv")["reason"] == f"binary.csv: contains NUL bytes (binary file?), the first at byte {at}"
    )
    assert_good_files_loaded(db)


def test_a_survey_csv_in_utf16_loads_and_one_with_nul_bytes_is_refused(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    corpus.survey_csv(surveys / "hackney.csv", [["Hackney", "Mosaic", "Servelec", "Adult Social Care", "", ""]])
    (surveys / "hackney.csv").write_bytes((surveys / "hackney.csv").read_text().encode("utf-16"))
    (surveys / "ealing.csv").write_bytes(b"Borough,System name,Supplier\nEaling,\x00,x\n")
    at = (surveys / "ealing.csv").read_bytes().index(0) + 1
    db, _ = build_all(tmp_path)
    assert file_row(db, "hackney.csv")["loaded"] == 1
    assert (
        file_row(db, "ealing.csv")["reason"] == f"ealing.csv: contains NUL bytes (binary file?), the first at byte {at}"
    )
    assert_good_files_loaded(db)


def test_two_releases_with_the_same_ocid_and_date_that_differ_are_flagged(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.conflicting_releases(contracts / "conflict.jsonl")
    db, _ = build_all(tmp_path)
    (rec,) = query(
        db,
        "SELECT supplier_raw, total_value, warnings FROM contract_records WHERE source_file = ?",
        ("conflict.jsonl",),
    )
    text = "2 releases dated 2024-01-05T10:00:00Z differ; the later in file order was used"
    assert text in rec["warnings"]
    assert (rec["supplier_raw"], rec["total_value"]) == ("Other Supplier Ltd", 900000)
    kinds = json.loads(file_row(db, "conflict.jsonl")["warning_kinds"])
    assert any(w["text"] == text for kind in kinds for w in kind["warnings"])
    assert_good_files_loaded(db)


def test_the_same_release_twice_is_not_a_conflict(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    same = corpus.GOOD_RELEASE.replace("cccccccc", "13131313")
    (contracts / "twice.jsonl").write_text(same + "\n" + same.replace('"id": "a1"', '"id": "a1-again"') + "\n")
    db, _ = build_all(tmp_path)
    (rec,) = query(db, "SELECT warnings FROM contract_records WHERE source_file = 'twice.jsonl'")
    assert not any("differ" in w for w in rec["warnings"])


def test_two_files_with_one_ocid_the_same_day_saying_different_things_are_flagged(tmp_path):
    """Each file compiles its own releases; across files the same day leaves only file order to choose."""
    _, contracts = corpus.good_inputs(tmp_path)
    first = corpus.GOOD_RELEASE.replace("cccccccc", "14141414")
    other = first.replace('"id": "a1"', '"id": "a2"').replace('"amount": 500000', '"amount": 900000')
    (contracts / "page-1.jsonl").write_text(first + "\n", encoding="utf-8")
    (contracts / "page-2.jsonl").write_text(other + "\n", encoding="utf-8")
    (contracts / "page-3.jsonl").write_text(first.replace('"id": "a1"', '"id": "a3"') + "\n", encoding="utf-8")
    db, _ = build_all(tmp_path)
    (rec,) = query(
        db, "SELECT source_file, total_value, warnings FROM contract_records WHERE source_ref LIKE '%14141414%'"
    )
    assert (rec["source_file"], rec["total_value"]) == ("page-1.jsonl", 500000)
    flagged = [w for w in rec["warnings"] if "holds this ocid too" in w]
    assert flagged == [
        "page-2.jsonl holds this ocid too, published the same day (2024-01-05), but its annual value, total value"
        " differ; page-1.jsonl's were kept (the first file read), the other filling only its blanks"
    ]  # page-3.jsonl says the same as page-1.jsonl (only its release id differs): no conflict
    files = {r["file"]: r for r in query(db, "SELECT file, merged, warnings, warning_kinds FROM load_files")}
    assert files["page-2.jsonl"]["merged"] == files["page-3.jsonl"]["merged"] == 1
    kinds = json.loads(files["page-1.jsonl"]["warning_kinds"])
    assert any(w["text"] == flagged[0] for kind in kinds for w in kind["warnings"])
    assert_good_files_loaded(db)
