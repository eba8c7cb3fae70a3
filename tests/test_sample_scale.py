"""``python -m etl sample --scale N`` (etl/scale.py): about N records in every real format, loaded
by the real build with every record accounted for, the same bytes for a seed, and plain
``etl sample`` untouched."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from etl import scale
from etl.build import build
from etl.cli import main
from etl.extract.detect import detect_kind
from etl.sample import SAMPLE_FILES

N = 2000
SEED = 5


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def scaled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scaled")
    assert main(["sample", "--scale", str(N), "--seed", str(SEED), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def built(scaled, tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "scaled.duckdb"
    result = build(db, [scaled / "surveys"], [scaled / "contracts"])
    return result, duckdb.connect(str(db), read_only=True)


def test_every_format_is_written_and_detected_by_content(scaled):
    kinds = Counter(detect_kind(p) for p in (scaled / "contracts").rglob("*") if p.is_file())
    assert set(kinds) == {"ocds_jsonl", "cf_csv", "register_csv"}
    assert kinds["register_csv"] >= 33  # every borough has a register
    returns = list((scaled / "surveys").glob("*.xlsx"))
    assert len(returns) >= 33
    first_lines = [json.loads(p.open().readline()) for p in (scaled / "contracts").rglob("*.jsonl")]
    assert any("releases" in obj for obj in first_lines)  # Contracts Finder: a release package per line
    assert any("ocid" in obj for obj in first_lines)  # Find a Tender: a release per line


def test_the_build_accounts_for_every_record_of_every_file(built):
    result, _ = built
    assert result.files
    for report in result.files:
        assert report.status != "rejected", (report.file, report.reason)
        assert report.records_read == report.loaded + report.merged + report.rejected + report.skipped, report.file
    read = sum(r.records_read for r in result.files)
    assert abs(read - N) <= 0.1 * N
    by_kind = Counter()
    for r in result.files:
        by_kind[r.source] += r.records_read
    assert abs(by_kind["survey"] - N * scale.SHARES["survey"]) <= 0.2 * N * scale.SHARES["survey"]
    assert result.rejects == 0


def test_the_mix_is_the_real_worlds(built, scaled):
    _, db = built
    types = {t for (t,) in db.execute("select distinct notice_type from contract_records").fetchall() if t}
    assert {"UK1", "UK4", "UK7", "UK10"} <= types
    raw_types = set()
    for path in (scaled / "contracts" / "find-a-tender").glob("*.jsonl"):
        raw_types |= {f"UK{n}" for n in range(1, 18) if f'"noticeType":"UK{n}"' in path.read_text()}
    assert len(raw_types) >= 14  # nearly every notice type, UK17 (skipped by the build) included
    sources = {s for (s,) in db.execute("select distinct source from contract_records").fetchall()}
    assert {"survey", "contracts_finder", "find_a_tender", "register"} <= sources
    shares = db.execute(
        "select avg((borough_code is null)::int), avg((not is_it)::int) from contract_records where source <> 'survey'"
    ).fetchone()
    assert 0.3 < shares[0] < 0.8  # buyers that are not boroughs
    assert 0.3 < shares[1] < 0.8  # notices that are not technology
    widest = db.execute("select max(n) from (select count(*) n from contract_suppliers group by contract_id)")
    assert widest.fetchone()[0] >= 5  # frameworks keep every supplier


def test_the_mess_is_the_samples(built, scaled):
    _, db = built
    spellings = db.execute(
        "select max(n) from (select count(distinct buyer_name) n from contract_records"
        " where borough_code is not null and source <> 'survey' group by borough_code)"
    ).fetchone()[0]
    assert spellings >= 5
    suppliers = [s for (s,) in db.execute("select distinct supplier_raw from contract_records").fetchall() if s]
    assert any(s.endswith(" Ltd") for s in suppliers) and any(s.endswith(" Limited") for s in suppliers)
    text = "".join(p.read_text(encoding="cp1252", errors="replace") for p in (scaled / "contracts").rglob("*.csv"))
    assert "TBC" in text and "approx £" in text
    warnings = db.execute("select count(*) from contract_records where source = 'survey' and len(warnings) > 0")
    assert warnings.fetchone()[0] > 0


def test_the_same_seed_writes_the_same_bytes(scaled, tmp_path):
    again = tmp_path / "again"
    assert main(["sample", "--scale", str(N), "--seed", str(SEED), "--out", str(again)]) == 0
    assert _digests(again) == _digests(scaled)
    other = tmp_path / "other"
    assert main(["sample", "--scale", str(N), "--seed", str(SEED + 1), "--out", str(other)]) == 0
    assert _digests(other) != _digests(scaled)


def test_a_smaller_scale_replaces_a_larger_ones_files(tmp_path):
    scale.write_scaled(tmp_path, 30_000, SEED)  # two Find a Tender files
    small = scale.write_scaled(tmp_path, 500, SEED)
    written = {p for paths in small.values() for p in paths}
    assert {p for p in tmp_path.rglob("*") if p.is_file()} == written


def test_plain_sample_is_unchanged(tmp_path):
    """Without --scale, exactly the embedded sample: its 22 returns and 6 contract files, nothing scaled."""
    from etl.sample import write_sample
    from etl.sample_contracts import write_sample_contracts

    assert main(["sample", "--out", str(tmp_path / "cli")]) == 0
    write_sample(tmp_path / "direct" / "surveys")
    write_sample_contracts(tmp_path / "direct" / "contracts")
    assert _digests(tmp_path / "cli") == _digests(tmp_path / "direct")
    assert sorted(p.name for p in (tmp_path / "cli" / "surveys").iterdir()) == sorted(SAMPLE_FILES)
    assert not any(scale.PREFIX in p.name for p in (tmp_path / "cli").rglob("*"))


@pytest.mark.parametrize("bad", ["0", "-5", "many"])
def test_scale_must_be_a_positive_number(bad, capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--scale", bad])
    assert "positive number of records" in capsys.readouterr().err
