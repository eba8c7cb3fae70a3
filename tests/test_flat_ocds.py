"""Flattened OCDS CSV (the flatten-tool layout) read into the same records as the JSON it came from.

Fixtures (hand-written, synthetic): ``tests/fixtures/contracts/ocds_flat_source.json`` is a
release package of four releases (a Contracts Finder tender and its award to three suppliers that
all have ``"id": 0``; a Find a Tender UK4 tender with a gross value and its dates only on a lot; a
release without an ocid). ``ocds_flat_releases.csv`` is it flattened one release per row
(``ocid``, ``tender/title``...) with a blank row; ``ocds_flat_packages.csv`` one package per row
(``uri``, ``releases/0/ocid``...), the first row holding both Contracts Finder releases, then a
blank row, and a last row with a package but no release. Both were written by ``flatten`` below,
each with its own ocids and notice ids (``RELEASES_RENAMES``, ``PACKAGES_RENAMES``) so that the
three files are three sets of notices when a folder of fixtures is loaded.

With ../shared/realdata present, every real OCDS file there is flattened the same way and must
give the records its JSON gives.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from etl.extract import read_contract_file
from etl.extract.detect import detect_kind
from etl.extract.flat_ocds import flat_layout, read_flat_ocds, typed
from etl.extract.ocds import read_ocds

FIXTURES = Path(__file__).parent / "fixtures" / "contracts"
SOURCE = FIXTURES / "ocds_flat_source.json"
RELEASES_CSV = FIXTURES / "ocds_flat_releases.csv"
PACKAGES_CSV = FIXTURES / "ocds_flat_packages.csv"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
CF_OCID = "ocds-b5fd17-6d1c9a44-0b0f-4c57-8a0b-1f3c2d4e5f60"
FTS_OCID = "ocds-h6vhtk-04a1b2"
RELEASES_RENAMES = {CF_OCID: f"{CF_OCID[:-2]}61", FTS_OCID: "ocds-h6vhtk-04a1b3", "012345-2025": "012346-2025"}
PACKAGES_RENAMES = {CF_OCID: f"{CF_OCID[:-2]}62", FTS_OCID: "ocds-h6vhtk-04a1b4", "012345-2025": "012347-2025"}
RENAMES = {RELEASES_CSV: RELEASES_RENAMES, PACKAGES_CSV: PACKAGES_RENAMES}
U2_NOTICE = "https://www.contractsfinder.service.gov.uk/Notice/0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"


def flatten(value: object, prefix: str = "") -> dict[str, str]:
    """JSON -> {path: cell} as flatten-tool writes it: lists of strings joined by ";", every other
    list by position (``awards/0/suppliers/1/name``), true/false as text."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}/").items()}
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return {prefix[:-1]: ";".join(value)}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}{i}/").items()}
    if value is None:
        return {}
    return {prefix[:-1]: ("true" if value else "false") if isinstance(value, bool) else str(value)}


def write_csv(path: str | Path, rows: list[dict[str, str]]) -> None:
    """Rows under the union of their columns, in the order first seen; {} is a blank row."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[row.get(k, "") for k in header] for row in rows])


def renamed(text: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        text = text.replace(old, new)
    return text


def source_as(tmp_path: Path, renames: dict[str, str]) -> Path:
    """The JSON fixture under a CSV fixture's ocids and notice ids."""
    path = tmp_path / SOURCE.name
    path.write_text(renamed(SOURCE.read_text(encoding="utf-8"), renames), encoding="utf-8")
    return path


def comparable(records: list[dict], *drop: str) -> dict[str, dict]:
    """Records by source_ref, without the fields that name the file they came from."""
    return {r["source_ref"]: {k: v for k, v in r.items() if k not in {"source_file", *drop}} for r in records}


# --------------------------------------------------------------------------- the fixtures


@pytest.mark.parametrize("path", [RELEASES_CSV, PACKAGES_CSV], ids=["a release per row", "a package per row"])
def test_both_column_styles_are_detected_and_read(path):
    assert detect_kind(path) == "ocds_flat_csv"
    result = read_contract_file(path)
    assert result.kind == "ocds_flat_csv" and result.error is None
    assert result.balanced
    assert [r["source_ref"] for r in result.records] == [RENAMES[path][CF_OCID], RENAMES[path][FTS_OCID]]
    assert {r["source_file"] for r in result.records} == {path.name}
    camden, islington = result.records
    assert (camden["source"], camden["stage"], camden["borough_code"]) == ("contracts_finder", "contract", "E09000007")
    assert camden["supplier_raw"] == "Northgate Public Services (UK) Limited"
    assert [s["name"] for s in camden["suppliers"]] == [
        "Northgate Public Services (UK) Limited",
        "Civica UK Limited",
        "Capita Business Services Ltd",
    ]  # three suppliers with "id": 0, none merged into another
    assert (camden["total_value"], camden["start_date"], camden["end_date"]) == (
        432000.5,
        dt.date(2024, 7, 1),
        dt.date(2027, 6, 30),
    )
    assert (islington["notice_type"], islington["stage"], islington["legal_basis"]) == (
        "UK4",
        "tender",
        "Procurement Act 2023",
    )
    assert (islington["total_value"], islington["value_gross"]) == (1200000.0, True)
    assert (islington["end_date"], islington["max_end_date"], islington["extension_months"]) == (
        dt.date(2030, 9, 30),
        dt.date(2032, 9, 30),
        24,
    )
    notice = RENAMES[path]["012345-2025"]
    assert islington["source_url"] == f"https://www.find-tender.service.gov.uk/Notice/{notice}"


def test_a_release_per_row_counts_rows_and_names_them():
    result = read_flat_ocds(RELEASES_CSV)
    assert (result.records_read, len(result.records), result.rejected) == (5, 2, 1)
    assert dict(result.skipped) == {"earlier release of an ocid, compiled": 1, "blank row": 1}
    [reject] = result.rejects
    assert (reject["file"], reject["location"], reject["reason"]) == (
        "ocds_flat_releases.csv",
        "row 6 (line 6)",
        "release has no ocid",
    )
    assert reject["raw"]["tender"] == {"title": "A release without an ocid"}


def test_a_package_per_row_counts_releases_and_keeps_the_notice_link():
    result = read_flat_ocds(PACKAGES_CSV)
    assert (result.records_read, len(result.records), result.rejected) == (6, 2, 2)
    assert dict(result.skipped) == {"earlier release of an ocid, compiled": 1, "blank row": 1}
    assert sorted((r["location"], r["reason"]) for r in result.rejects) == [
        ("row 5 (line 5)", "release has no ocid"),
        ("row 6 (line 6)", "row holds no release"),
    ]
    # the row's package uri names the Contracts Finder notice, as a package's uri does in JSON
    assert result.records[0]["source_url"] == U2_NOTICE


def test_the_csv_gives_the_records_the_json_gives(tmp_path):
    from_json = read_ocds(source_as(tmp_path, RELEASES_RENAMES)).records
    assert comparable(read_flat_ocds(RELEASES_CSV).records) == comparable(from_json)
    from_json = read_ocds(source_as(tmp_path, PACKAGES_RENAMES)).records
    assert comparable(read_flat_ocds(PACKAGES_CSV).records, "source_url") == comparable(from_json, "source_url")


def test_cells_are_typed_as_the_schema_types_them():
    [row] = _unflattened_rows(RELEASES_CSV, 3)  # the award release
    award = row["awards"][0]
    assert award["value"] == {"amount": 432000.5, "currency": "GBP"}
    assert award["suppliers"] == [
        {"id": "0", "name": "Northgate Public Services (UK) Limited"},
        {"id": "0", "name": "Civica UK Limited"},
        {"id": "0", "name": "Capita Business Services Ltd"},
    ]
    assert row["tag"] == ["award"]
    assert typed({"tender": {"value": {"amount": "450000"}, "hasRenewal": "TRUE", "submissionMethod": "a; b"}}) == {
        "tender": {"value": {"amount": 450000}, "hasRenewal": True, "submissionMethod": ["a", "b"]}
    }
    assert typed({"durationInMonths": "36.0", "amount": "1e3", "title": "12"}) == {
        "durationInMonths": 36,
        "amount": 1000.0,
        "title": "12",
    }


def _unflattened_rows(path: Path, row_number: int) -> list[dict]:
    """The typed release of one row, through the reader's own steps."""
    from etl.extract import flat_ocds
    from etl.extract.result import ReadResult

    result = ReadResult(path, flat_ocds.KIND)
    header, body = flat_ocds._rows(path, result)
    [(_, row)] = [body[row_number - 2]]
    return flat_ocds._unflatten(header, [row], "releases", result)


def test_a_number_that_does_not_parse_stays_text_with_a_note(tmp_path):
    path = tmp_path / "flat.csv"
    write_csv(path, [{"ocid": FTS_OCID, "id": "1", "date": "2025-01-01", "tender/value/amount": "£1,000"}])
    result = read_flat_ocds(path)
    assert result.notes == ["amount '£1,000' is not a number; kept as text"]
    assert result.records[0]["total_value"] is None


def test_a_windows_1252_file_is_read(tmp_path):
    path = tmp_path / "cp1252.csv"
    text = "ocid,id,buyer/name,tender/title,tender/status\r\nocds-b5fd17-x,1,Camden Council,Caf\xe9 system,active\r\n"
    path.write_bytes(text.encode("cp1252"))
    result = read_flat_ocds(path)
    assert result.notes == ["file is not UTF-8; read as Windows-1252"]
    assert result.records[0]["title"] == "Caf\u00e9 system"


# --------------------------------------------------------------------------- what is not read


def test_detection_does_not_take_it_for_a_cf_export_or_a_register(tmp_path):
    # a header a register could match ("title", "supplier", "value") but flattened OCDS
    header = ["ocid", "id", "tender/title", "awards/0/suppliers/0/name", "supplier", "tender/value/amount"]
    path = tmp_path / "flat.csv"
    write_csv(path, [dict(zip(header, [CF_OCID, "1", "T", "S", "S", "10"], strict=True))])
    assert detect_kind(path) == "ocds_flat_csv"
    assert flat_layout(["Notice Identifier", "Title", "Supplier", "Value"]) is None
    assert flat_layout(["ocid", "title", "supplier"]) is None  # an ocid column alone is not flattened OCDS
    assert detect_kind(FIXTURES / "cf_export.csv") == "cf_csv"
    assert detect_kind(FIXTURES / "register.csv") == "register_csv"


def test_headers_as_titles_are_refused_with_the_command_to_convert(tmp_path):
    path = tmp_path / "titles.csv"
    write_csv(path, [{"Open Contracting ID": CF_OCID, "Release ID": "1", "Tender:Title": "T"}])
    assert detect_kind(path) == "ocds_flat_csv"
    with pytest.raises(ValueError) as refused:
        read_contract_file(path)
    message = str(refused.value)
    assert message.startswith("titles.csv: flattened OCDS with column titles (such as 'Open Contracting ID')")
    assert "flattentool unflatten -f csv --root-list-path releases" in message and "--convert-titles" in message


def test_the_sheets_of_a_multi_sheet_layout_are_refused(tmp_path):
    write_csv(tmp_path / "main.csv", [{"ocid": CF_OCID, "id": "1", "date": "2024-01-01", "tender/title": "T"}])
    write_csv(tmp_path / "awards.csv", [{"ocid": CF_OCID, "id": "1", "awards/0/id": "1", "awards/0/title": "A"}])
    for name in ("main.csv", "awards.csv"):
        with pytest.raises(ValueError) as refused:
            read_contract_file(tmp_path / name)
        assert str(refused.value).startswith(f"{name}: one sheet of flattened OCDS split over several files")
        assert "flattentool unflatten -f csv" in str(refused.value)


def test_a_refused_file_is_a_clean_whole_file_reject_in_the_build(tmp_path):
    from etl.build import build

    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "titles.csv", [{"Open Contracting ID": CF_OCID, "Tender:Title": "T"}])
    (folder / "ok.csv").write_bytes(RELEASES_CSV.read_bytes())
    result = build(tmp_path / "db.duckdb", contracts=[folder])
    status = {f.file: (f.status, f.loaded) for f in result.files}
    assert status == {"ok.csv": ("loaded", 2), "titles.csv": ("rejected", 0)}


# --------------------------------------------------------------------------- real files


REAL_FOLDERS = ["find-a-tender-2026", "contracts-finder-ocds-2020-shared-ids", "contracts-finder-ocds"]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present (real files are not in the repo)")
@pytest.mark.parametrize("folder", REAL_FOLDERS)
def test_real_files_flattened_give_the_records_their_json_gives(tmp_path, folder):
    """Each real package flattened to one CSV row per package: the same records, field for field."""
    for path in sorted((REALDATA / folder).glob("*.json")):
        package = json.loads(path.read_text(encoding="utf-8"))
        write_csv(tmp_path / f"{path.stem}.csv", [flatten(package)])
        flat = read_flat_ocds(tmp_path / f"{path.stem}.csv")
        from_json = read_ocds(path)
        assert comparable(flat.records) == comparable(from_json.records), path.name
        assert (flat.records_read, flat.rejected, dict(flat.skipped)) == (
            from_json.records_read,
            from_json.rejected,
            dict(from_json.skipped),
        ), path.name
