"""Limits that keep one hostile input file from taking the build down.

A file is refused, before it is read, when it is bigger than the build's limit; JSON is refused
(the file, or one line of a JSON Lines file) when it nests deeper than any contract data needs,
checked on the bytes or in the ijson event stream before anything is built from it, so a
236 KB file of brackets costs milliseconds, not gigabytes; text that is not JSON, or JSON that
cannot be written back (NaN, lone surrogates), is still stored in ``rejects.raw`` validly.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import ijson

MAX_FILE_MB_ENV = "CITYTOOLS_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 512.0
MAX_JSON_DEPTH = 64  # OCDS needs about 10 levels; a flattened spreadsheet row fewer
EVENT_BUFFER = 2048  # bytes ijson reads at a time in ``events``
MAX_FIELD_KB = 128  # a CSV field longer than this is not a value anyone typed (Excel holds 32,767 characters)

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, escapes and all
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}  # ijson event -> nesting


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_JSON_DEPTH``: refused before it is built."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(f"nested deeper than {limit} levels")


def max_file_mb(given: float | None = None) -> float:
    """The largest input file read, in MB: ``--max-file-mb``, else ``$CITYTOOLS_MAX_FILE_MB``, else 512."""
    if given is not None:
        return float(given)
    try:
        from_env = float(os.environ.get(MAX_FILE_MB_ENV, ""))
    except ValueError:
        return DEFAULT_MAX_FILE_MB
    return from_env if math.isfinite(from_env) and from_env > 0 else DEFAULT_MAX_FILE_MB


def too_big(path: Path, limit_mb: float) -> str | None:
    """Why ``path`` is refused unread ("x.json: 600.0 MB, over the 512 MB limit ..."), or None."""
    size = path.stat().st_size
    if size <= limit_mb * 1024 * 1024:
        return None
    return (
        f"{path.name}: {size / 1024 / 1024:,.1f} MB ({size:,} bytes), over the {limit_mb:g} MB limit for one input"
        f" file (raise it with --max-file-mb or {MAX_FILE_MB_ENV})"
    )


def check_depth(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise TooDeep when the JSON text nests deeper than ``limit``: strings are cut out, then only
    brackets are counted, so the cost is one regex pass and a loop over the brackets."""
    text = isinstance(data, str)
    if data.count("[" if text else b"[") + data.count("{" if text else b"{") <= limit:
        return  # no deeper than its opening brackets (strings' too): most lines, without the regex pass
    raw = data.encode("utf-8", "surrogatepass") if text else data
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return
    depth = 0
    for b in brackets:
        depth += 1 if b in b"[{" else -1
        if depth > limit:
            raise TooDeep(limit)


def loads(text: str | bytes, limit: int = MAX_JSON_DEPTH, constants: bool = False) -> object:
    """``json.loads`` with the depth checked first; any failure is a ValueError (JSONDecodeError,
    TooDeep, NaN or Infinity unless ``constants``, an integer of more digits than Python converts)."""
    check_depth(text, limit)
    try:
        return json.loads(text, parse_constant=None if constants else _not_json)
    except RecursionError:  # pragma: no cover - check_depth refuses this first
        raise TooDeep(limit) from None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def events(f, multiple_values: bool = False, limit: int = MAX_JSON_DEPTH):
    """``ijson.parse`` events, refused with TooDeep as soon as the nesting passes ``limit``.

    ijson's C backend makes the events of a whole read buffer at once, each with a prefix as long
    as its nesting: 64 KB of brackets costs gigabytes. Small buffers (``EVENT_BUFFER``) let the
    depth be seen after a few kilobytes, and parse no slower."""
    depth, step = 0, _DEPTH_STEP.get  # one lookup per event, the tuple passed on as made: ~30% faster
    for item in ijson.parse(f, multiple_values=multiple_values, buf_size=EVENT_BUFFER):
        if change := step(item[1]):
            depth += change
            if depth > limit:
                raise TooDeep(limit)
        yield item


def json_safe(value: object) -> object:
    """``value`` as something ``json.dumps`` writes as valid JSON: NaN and infinities become their
    text, lone surrogates U+FFFD, anything else ``str``; nesting past the depth limit, its text."""
    return _safe(value, 0)


def _safe(value: object, depth: int) -> object:
    if depth > MAX_JSON_DEPTH:
        return "(nested too deep to store)"
    if isinstance(value, str):
        return clean_text_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {clean_text_value(str(k)): _safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v, depth + 1) for v in value]
    return clean_text_value(str(value))


def clean_text_value(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (JSON's "\\ud800") becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def to_json(value: object) -> str:
    """``value`` as JSON text that DuckDB accepts, whatever it holds (see ``json_safe``)."""
    try:
        text = json.dumps(value, default=str, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
        return text
    except (ValueError, TypeError, RecursionError, UnicodeEncodeError):
        return json.dumps(json_safe(value), default=str, ensure_ascii=False, allow_nan=False)
