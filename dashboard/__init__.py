"""The City Tools dashboard: queries (all SQL) -> figures (pure) -> pages (layout, thin callbacks)."""
