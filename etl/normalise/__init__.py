"""Normalisers shared by every extractor: cell values (``values``), names and identifiers
(``names``), CPV codes (``cpv``), and one canonical supplier across all inputs (``suppliers``)."""
