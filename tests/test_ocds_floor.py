"""bench.ocds_floor counts what it times: releases, ocids, and only the ocids ocdsmerge must merge."""

import json

from bench.ocds_floor import floor


def _release(ocid: str, date: str, title: str) -> dict:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{date}",
        "date": date,
        "tag": ["tender"],
        "tender": {"id": "t", "title": title},
    }


def test_floor_counts_releases_in_lines_and_packages_and_merges_only_repeated_ocids(tmp_path):
    path = tmp_path / "notices.jsonl"
    lines = [
        _release("ocds-a", "2025-01-01T00:00:00Z", "first"),
        {
            "releases": [
                _release("ocds-a", "2025-03-01T00:00:00Z", "later"),
                _release("ocds-b", "2025-02-01T00:00:00Z", "b"),
            ]
        },
        _release("ocds-c", "2025-04-01T00:00:00Z", "c"),
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")  # a blank line is not a release
    got = floor(path)
    assert (got["file"], got["releases"], got["ocids"], got["ocids_merged"]) == ("notices.jsonl", 4, 3, 1)
    assert got["budget_s"] == 4 / 20_000
