"""Canonical names and identifiers: cleaned text, supplier keys, company numbers, systems.

Suppliers are matched on a key that ignores case, punctuation, HTML entities, mojibake and legal
suffixes (Ltd/Limited/PLC/LLP, via cleanco), so "NEC SOFTWARE SOLUTIONS UK LTD" and
"NEC Software Solutions UK Limited" are one supplier. Known suppliers and their former names
come from ``refdata/suppliers.csv``; unknown ones keep a tidied form of their own spelling.
"""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache

from cleanco.clean import prepare_default_terms

from etl.reference import known_system, norm_key, suppliers

# non-ASCII, control characters, HTML entities; not "£" (money cells): ftfy leaves it, alone or among ASCII
_NEEDS_FIXING = re.compile(r"[^\t\n\r\x20-\x7e\u00a3]|&")
_LEGAL_TAIL = re.compile(r"\b(ltd|limited|plc|llp|inc|incorporated|llc|co|company|corporation|gmbh|bv|sa|ag)\.?$", re.I)


def clean_text(value: object) -> str:
    """Unescape HTML entities, repair mojibake and collapse whitespace.

    Plain printable ASCII (most text in survey returns and open data) has nothing for either to
    fix, so it skips them: ftfy costs about 50 microseconds a cell, most of a survey row's time."""
    if value is None:
        return ""
    s = str(value)
    return _clean_short(s) if len(s) <= CACHED_TEXT else _clean(s)


CACHED_TEXT = 200  # characters: names, statuses and titles recur on many rows; descriptions are not cached


@lru_cache(maxsize=1 << 16)
def _clean_short(s: str) -> str:
    """Cached ``_clean``: a build cleans the same buyer, status and supplier text on every row."""
    return _clean(s)


def _clean(s: str) -> str:
    if _NEEDS_FIXING.search(s):
        import ftfy  # its start-up (~55 ms of an empty build's 0.38 s): only once some text needs it

        s = ftfy.fix_text(html.unescape(s))
    return " ".join(s.split())


clean = clean_text  # the same function (the extractors name it ``clean``), without a call in between


def company_number(value: object) -> str | None:
    """A Companies House number in its 8-character form ("2688108" -> "02688108"), else None."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if re.fullmatch(r"\d{1,8}", text) and int(text):
        return text.zfill(8)
    if re.fullmatch(r"[A-Z]{2}\d{6}", text):
        return text
    return None


def supplier_key(name: object) -> str:
    """Matching key for a company name: 'Bytes Software Services Ltd.' -> 'bytes software services'."""
    return _supplier_key("" if name is None else str(name))


@lru_cache(maxsize=1 << 16)
def _supplier_key(name: str) -> str:
    """Cached: a build asks for the key of the same few thousand names once per record (cleanco is slow)."""
    s = norm_key(clean_text(name))
    if not s:
        return ""
    previous = None
    while previous != s:  # strip stacked suffixes such as "UK Ltd" or "(UK) Limited"
        previous = s
        s = norm_key(strip_legal_terms(s)) or s
        s = _LEGAL_TAIL.sub("", s).strip() or s
    if s.startswith("the "):
        s = s[4:]
    return s


def _terms() -> tuple[list[int], dict[tuple[str, ...], list[int]], list[int]]:
    """cleanco's legal terms in its order (longest first), those a key's words can equal: their sizes,
    the positions of each term's words, and the sizes there are."""
    terms = [tuple(parts) for _, parts in prepare_default_terms() if all(_KEY_WORD.fullmatch(p) for p in parts)]
    positions: dict[tuple[str, ...], list[int]] = {}
    for i, parts in enumerate(terms):
        positions.setdefault(parts, []).append(i)
    return [len(t) for t in terms], positions, sorted({len(t) for t in terms})


_KEY_WORD = re.compile(r"[0-9a-z]+")  # what norm_key leaves of a word
_TERM_SIZES, _TERM_AT, _SIZES = _terms()


def strip_legal_terms(key: str) -> str:
    """cleanco's ``basename`` of a key (``norm_key``'s words): each of its terms, in its order, cut
    from the end where the words end with it; the next term to cut is looked up by the words
    instead of comparing all 300 terms, which was 5-10% of a build."""
    words, after = key.split(), 0
    while True:
        found = [
            i for size in _SIZES if size <= len(words) for i in _TERM_AT.get(tuple(words[-size:]), ()) if i >= after
        ]
        if not found:
            return " ".join(words)
        after = min(found)
        del words[-_TERM_SIZES[after] :]
        after += 1


@cache
def known_supplier_keys() -> dict[str, str]:
    """Matching key of every known supplier's name and former name -> its canonical name."""
    index: dict[str, str] = {}
    for sup in suppliers():
        for form in (sup.name, *sup.aliases):
            index.setdefault(supplier_key(form), sup.name)
    return index


def known_supplier(name: object) -> str | None:
    """Canonical name of a supplier in the reference list, else None."""
    return known_supplier_keys().get(supplier_key(name))


def tidy_company_name(name: object) -> str:
    """A presentable spelling of an unknown company: title case if shouted, 'Ltd' -> 'Limited'."""
    s = clean_text(name)
    if s.isupper() and len(s) > 4:
        s = " ".join(w if len(w) <= 3 and w not in {"LTD", "THE", "AND"} else w.title() for w in s.split())
        s = re.sub(r"\bAnd\b", "and", s)
    s = re.sub(r"\bLtd\.?$", "Limited", s, flags=re.I)
    s = re.sub(r"\bplc\.?$", "PLC", s, flags=re.I)
    return s


def canonical_system(name: object) -> tuple[str | None, str | None, str | None]:
    """(system, manufacturer, usual service area) for a product name.

    Known products get their reference name ("Liquid Logic LCS" -> "LiquidLogic LCS"); unknown
    ones keep their own spelling, tidied, with no manufacturer.
    """
    text = clean_text(name)
    if not text:
        return None, None, None
    system = known_system(text)
    if system:
        return system.name, system.manufacturer, system.service_area
    return text, None, None
