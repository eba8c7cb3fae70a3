"""The OCDS reader's fast paths (issue 14) give exactly what the general paths give.

An ocid with one release is compiled in one pass (``compile_one``) instead of by ocdsmerge; a
release without shared ids goes to ocdsmerge uncopied; a JSON Lines file's ocids are counted with
``json`` instead of an ijson pass. Each is checked here against the path it stands in for, on real
and hand-made releases and on generated ones, key order and warnings included.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ocdsmerge import CompiledRelease

from etl.extract import ocds
from tests.test_parsers_never_raise import runs

FIXTURES = Path(__file__).parent / "fixtures" / "contracts"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def ocdsmerge_compiled(release: dict) -> tuple[dict, list[str]]:
    """The general path for one release: ``unique_ids``, then ocdsmerge, warnings kept."""
    notes: list[str] = []
    merged = CompiledRelease(merge_rules=ocds.MERGE_RULES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merged.append(ocds.unique_ids(release, notes))
        compiled = merged.asdict()
    notes += [str(w.message) for w in caught]
    return compiled, sorted(set(notes), key=notes.index)


def same(a: object, b: object) -> bool:
    """Equal, with every object's keys in the same order."""
    return json.dumps(a) == json.dumps(b)


def _parsed(line: str) -> list[dict]:
    try:
        value = json.loads(line)
    except ValueError:  # the fixture's broken lines
        return []
    return value.get("releases", [value])


def _releases(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [r for line in path.read_text().splitlines() if line.strip() for r in _parsed(line)]
    data = json.loads(path.read_text())
    records = [r for rec in data.get("records") or [] for r in rec.get("releases") or [] if "url" not in r]
    return [r for r in [*(data.get("releases") or []), *records] if isinstance(r, dict)]


def _files() -> list[Path]:
    found = sorted(FIXTURES.glob("*.json*"))
    if REALDATA.is_dir():
        found += sorted(REALDATA.glob("*/*.json"))
    return [p for p in found if "broken" not in p.name and p.name != "uk-library-catalogues.json"]


def test_every_release_we_hold_compiles_alone_as_ocdsmerge_compiles_it():
    releases = [r for path in _files() for r in _releases(path) if isinstance(r.get("ocid"), str)]  # others: rejected
    assert len(releases) > 20
    for release in releases:
        before = copy.deepcopy(release)
        notes: list[str] = []
        assert same((ocds.compile_one(release, notes), notes), ocdsmerge_compiled(release)), release.get("ocid")
        assert release == before  # the input is left as it was


HANDMADE = {
    "ocid": "ocds-x-1",
    "id": "r1",
    "date": "2024-01-05T10:00:00Z",
    "tag": ["award"],
    "buyer": {"name": "Camden", "contactPoint": {"email": None}, "address": {}},
    "tender": {"value": {"amount": None}, "items": [], "lots": [{}], "title": None, "documents": [{"url": None}]},
    "parties": [
        {"name": "A", "id": "0", "roles": ["supplier"], "additionalIdentifiers": [{"id": 1}, {"id": 1}]},
        {"id": 0, "name": "B", "address": {"x": [{"id": "a"}, {"id": "a"}]}},
        {"name": "C", "id": "0"},
        {"id": "9"},
    ],
    "awards": [{"id": "1", "suppliers": [{"id": 0, "name": "A"}, {"id": 0, "name": "B", "v": None}], "x": [1, {}]}],
    "contracts": [{"id": 5, "items": [{"unit": {"value": {}}}]}, {"awardID": "1"}],
}


@pytest.mark.parametrize(
    "release",
    [
        HANDMADE,
        {"ocid": "ocds-x-2"},  # no date: "<ocid>-None", no date key
        {"ocid": "ocds-x-3", "date": None, "planning": {"budget": None}},
        {"ocid": "ocds-x-4", "tag": [{"id": 1}, {"id": 1}], "id": {"id": [{"id": 2}, {"id": 2}]}},  # notes only
        {"ocid": "ocds-x-5", "awards": [{"id": "0"}, {"id": "0"}, {"id": "0#2"}]},  # a made id clashes
        {"ocid": "ocds-x-6", "awards": [{"id": None, "a": 1}, {"id": 1.5}]},  # ids ocdsmerge keys oddly
        {"ocid": "ocds-x-7", "date": 20240105, "awards": [{"id": True}]},
    ],
)
def test_hand_made_releases_compile_alone_as_ocdsmerge_compiles_them(release):
    assert same(ocds.compile_releases([release]), ocdsmerge_compiled(release))


def test_the_one_pass_is_taken_for_plain_releases_and_refused_where_ids_clash():
    notes: list[str] = []
    compiled = ocds.compile_one(HANDMADE, notes)
    assert [p["id"] for p in compiled["parties"]] == ["0", "0#2", "0#3", "9"]
    assert "tender" in compiled and "items" not in compiled["tender"] and compiled["tender"]["value"] == {}
    assert any("parties" in n for n in notes)
    with pytest.raises(ocds._NotPlain):
        ocds.compile_one({"ocid": "x", "awards": [{"id": "0"}, {"id": "0"}, {"id": "0#2"}]}, [])


KEYS = st.sampled_from(["id", "ocid", "date", "tag", "awards", "suppliers", "parties", "additionalIdentifiers",
                        "items", "value", "name", "x"])  # fmt: skip
SCALARS = st.one_of(st.none(), st.integers(-2, 3), st.sampled_from(["0", "1", "a", "0#2", ""]), st.booleans())
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)
RELEASES = st.builds(
    lambda body, ocid, date: {**body, "ocid": ocid, **({"date": date} if date != "-" else {})},
    st.dictionaries(KEYS, JSON, max_size=6),
    st.sampled_from(["ocds-x-1", "ocds-b5fd17-1"]),
    st.sampled_from(["-", None, "2024-01-01", 5]),
)


@runs(400)
@given(RELEASES)
def test_any_release_compiles_alone_as_ocdsmerge_compiles_it(release):
    try:
        expected = ocdsmerge_compiled(release)
    except Exception:  # noqa: BLE001 - ocdsmerge refuses this one; the build rejects it either way
        return
    assert same(ocds.compile_releases([release]), expected)


@runs(400)
@given(JSON)
def test_a_value_without_shared_ids_is_what_its_unique_ids_copy_is(value):
    notes: list[str] = []
    copied = ocds.unique_ids(value, notes, ("awards",))
    assert ocds.shares_ids(value, ("awards",)) == (bool(notes) or not same(copied, value))


def test_releases_of_one_ocid_compile_the_same_with_and_without_the_copy():
    first = {"ocid": "o", "date": "2024-01-01", "awards": [{"id": "1", "suppliers": [{"id": 0, "name": "A"}]}]}
    later = {"ocid": "o", "date": "2024-02-01", "awards": [{"id": "1", "status": "active"}], "tag": ["award"]}
    compiled, notes = ocds.compile_releases([later, first])
    assert compiled["awards"] == [{"id": "1", "suppliers": [{"id": 0, "name": "A"}], "status": "active"}]
    assert compiled["id"] == "o-2024-02-01" and notes == []


# --------------------------------------------------------------------------- counting ocids in JSON Lines

LINES = {
    "plain": [b'{"ocid":"a","id":"1"}', b'{"ocid":"b"}', b"", b'{"ocid":"a","id":"2"}'],
    "packages": [b'{"uri":"u","releases":[{"ocid":"a"},{"ocid":"a"},{"ocid":"b"},7]}', b'{"ocid":"c"}'],
    "duplicate key": [b'{"ocid":"a","ocid":"b"}'],
    "dotted key": [b'{"releases.item.ocid":"a"}', b'{"ocid":"a"}'],
    "releases object": [b'{"releases":{"item":{"ocid":"z"}}}'],
    "ocid as text": [b'{"ocid":"a","scheme":"ocid"}'],
    "bom": [b'\xef\xbb\xbf{"ocid":"a"}', b'{"ocid":"a"}'],
    "lone surrogate": [b'{"ocid":"a\\ud800"}', b'{"ocid":"a\\ud800"}'],
    "nan": [b'{"ocid":"a","v":NaN}'],
    "vertical tab": [b'{"ocid":"a"}', b"\x0b"],
    "array line": [b'[{"ocid":"a"}]', b'{"ocid":"a"}'],
    "two values": [b'{"ocid":"a"} {"ocid":"a"}'],
    "cut off": [b'{"ocid":"a"', b"}"],
    "not utf-8": [b'{"ocid":"\xff"}'],
    "number ocid": [b'{"ocid":1}', b'{"ocid":"1"}'],
    "escaped key": [b'{"\\u006fcid":"a"}'],
    "deep": [b"[" * 70 + b"]" * 70, b'{"ocid":"a"}'],
}


@pytest.mark.parametrize("name", sorted(LINES))
def test_ocids_counted_with_json_are_the_ijson_counts(tmp_path, name):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\r\n".join(LINES[name]) + b"\n")
    ijson_counts = ocds._ocid_counts(path, {"ocid", "releases.item.ocid"}, multiple_values=True)
    assert ocds._jsonl_ocid_counts(path) == ijson_counts


def test_a_plain_file_is_counted_by_json_alone(tmp_path, monkeypatch):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(LINES["plain"] + LINES["packages"]))
    monkeypatch.setattr(ocds, "_ocid_counts", lambda *a, **k: pytest.fail("the ijson pass ran"))
    assert ocds._jsonl_ocid_counts(path) == Counter({"a": 4, "b": 2, "c": 1})
