"""Header spellings -> fields, kept as data: one ``field,synonym`` CSV in ``etl/refdata`` per input kind.

Survey returns, contract registers and Contracts Finder exports name their columns in their
own ways; a new spelling is a line in the kind's column map, not a code change. Headers are
compared by ``etl.reference.norm_key`` (case, accents and punctuation ignored), and a trailing
unit or format that does not change what a column holds (" (GBP)", " (dd/mm/yyyy)") may be
dropped, per map.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from etl.reference import norm_key, read_table


@dataclass(frozen=True)
class ColumnMap:
    table: str  # the CSV in etl/refdata
    suffixes: tuple[str, ...] = ()  # normalised header endings that may be dropped
    labels: tuple[tuple[str, str], ...] = ()  # (field, spelling) pairs read before the CSV's

    @cached_property
    def index(self) -> dict[str, str]:
        """Normalised spelling -> field; a later line of the map wins over an earlier one."""
        pairs = [*self.labels, *((r["field"], r["synonym"]) for r in read_table(self.table))]
        return {norm_key(spelling): name for name, spelling in pairs}

    def field(self, header: object) -> str | None:
        """The field a header names, or None."""
        key = norm_key(header)
        if key in self.index:
            return self.index[key]
        for suffix in self.suffixes:
            if key.endswith(suffix) and key[: -len(suffix)] in self.index:
                return self.index[key[: -len(suffix)]]
        return None

    def columns(self, names: list[str]) -> tuple[dict[str, int], list[str]]:
        """(field -> column index, the headers it does not map): a repeated field keeps its first column."""
        found: dict[str, int] = {}
        ignored = []
        for i, name in enumerate(names):
            field = self.field(name)
            if field and field not in found:
                found[field] = i
            elif name:
                ignored.append(name)
        return found, ignored

    def spelling(self, name: str) -> str:
        """The first normalised spelling of a field, to name it in messages."""
        return next(key for key, f in self.index.items() if f == name)
