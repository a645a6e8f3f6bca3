"""Layers 2 and 3: the bytes decode as UTF-8 and the text parses as JSON.

The parser keeps what later layers report: keys repeated in one object, and numbers JSON
does not allow (NaN, Infinity, 1e999).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.instruments.validation.errors import InstrumentError


def decode_utf8(data: bytes) -> str | InstrumentError:
    """The text of `data`, or an error naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return InstrumentError(
            "",
            f"The file is not valid UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, "
            f"column {column} cannot be decoded. Save the file with UTF-8 encoding.",
            line=line,
            column=column,
        )


class _DuplicateKeys(dict[str, Any]):
    """A JSON object in which some keys appeared more than once (the last value wins,
    as in the standard parser); remembered so the walk can report where."""

    def __init__(self, pairs: Mapping[str, Any], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


@dataclass(frozen=True)
class BadNumber:
    """A number literal JSON does not allow, kept for the structure layer to report."""

    literal: str


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicates: list[str] = []
    for name, value in pairs:
        if name in result and name not in duplicates:
            duplicates.append(name)
        result[name] = value
    return _DuplicateKeys(result, duplicates) if duplicates else result


def _parse_float(literal: str) -> float | BadNumber:
    value = float(literal)
    # Python turns 1e999 into inf, which is not a JSON value and cannot be stored.
    return value if math.isfinite(value) else BadNumber(literal)


_JSON_HINTS = {
    "Expecting property name enclosed in double quotes": (
        "expected a field name in double quotes (is there a trailing comma, or single quotes?)"
    ),
    "Expecting ',' delimiter": "expected a comma between two values",
    "Expecting ':' delimiter": "expected a colon after the field name",
    "Expecting value": "expected a value (text in double quotes, a number, true, false, "
    "null, an object or a list)",
    "Extra data": "unexpected text after the end of the document",
    "Unterminated string starting at": "this text in double quotes is never closed",
    "Invalid control character at": "a line break or tab inside text must be written as \\n or \\t",
}


def parse_json(text: str) -> Any:
    """The parsed value, or an error with line and column for text that is not JSON."""
    if not text.strip():
        return InstrumentError("", "The file is empty; an instrument is a JSON object.", 1, 1)
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_constant=BadNumber,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        hint = _JSON_HINTS.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        return InstrumentError(
            "",
            f"The file is not valid JSON: {hint} at line {exc.lineno}, column {exc.colno}.",
            line=exc.lineno,
            column=exc.colno,
        )
    except RecursionError:
        return InstrumentError("", "The file is not a usable instrument: it is nested too deeply.")
    except ValueError as exc:  # e.g. an integer literal with thousands of digits
        return InstrumentError("", f"The file is not valid JSON: {exc}.")
