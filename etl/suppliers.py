"""Moved to ``etl.normalise.suppliers``; this name stays while tests/test_suppliers.py imports it."""

from etl.normalise.suppliers import AliasFile, SupplierMatch, apply_suppliers, read_aliases, resolve_suppliers

__all__ = ["AliasFile", "SupplierMatch", "apply_suppliers", "read_aliases", "resolve_suppliers"]
