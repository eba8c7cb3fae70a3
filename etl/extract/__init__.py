"""Extract: one module per kind of input, each turning one file into a ``ReadResult``.

``survey`` reads borough survey workbooks; ``cf_csv``, ``ocds``, ``flat_ocds`` (flattened OCDS
CSV) and ``register`` read open contract data and ``listing`` public system listings (a CSV, the
UK library catalogue list), whose kind ``detect`` tells from the content, never the name. A
contract file that cannot be read at all raises ``ValueError`` naming the file and the reason.
"""

from __future__ import annotations

from pathlib import Path

from etl.extract.cf_csv import read_cf_csv
from etl.extract.detect import binary_reason, detect_kind
from etl.extract.flat_ocds import KIND as FLAT_OCDS
from etl.extract.flat_ocds import read_flat_ocds
from etl.extract.listing import CSV_KIND as LISTING_CSV
from etl.extract.listing import LIBRARY_KIND, read_library_catalogues, read_listing_csv
from etl.extract.ocds import read_ocds
from etl.extract.register import read_register
from etl.extract.result import SAMPLE_KEYWORD, ReadResult

__all__ = ["ReadResult", "read_contract_file"]


def read_contract_file(path: str | Path) -> ReadResult:
    """Read an open-data contract file of any kind this package knows, detected by content."""
    path = Path(path)
    result = _read_by_kind(path, detect_kind(path))
    result.is_sample = path.name.startswith(SAMPLE_KEYWORD)
    return result


def _read_by_kind(path: Path, kind: str | None) -> ReadResult:
    if kind == "cf_csv":
        return read_cf_csv(path)
    if kind == FLAT_OCDS:
        return read_flat_ocds(path)
    if kind and kind.startswith("ocds_"):
        return read_ocds(path, kind)
    if kind == "register_csv":
        return read_register(path)
    if kind == LISTING_CSV:
        return read_listing_csv(path)
    if kind == LIBRARY_KIND:
        return read_library_catalogues(path)
    if kind is None and (binary := binary_reason(path)):
        raise ValueError(binary)
    if kind is None:
        raise ValueError(
            f"{path.name}: not a Contracts Finder CSV export, OCDS package (or flattened OCDS CSV), contract register"
            " or public system listing"
        )
    raise ValueError(f"{path.name}: no reader in etl.extract for {kind}")
