"""The entry points: run the layers in order, stop where a layer has nothing usable to pass
on, and report every error found, in document order."""

from __future__ import annotations

from typing import Any

from app.instruments.document import InstrumentDocument, canonical_json
from app.instruments.validation.errors import InstrumentError, ValidationResult, pointer_parts
from app.instruments.validation.schema import schema_errors
from app.instruments.validation.semantic import semantic_errors
from app.instruments.validation.structure import check_structure
from app.instruments.validation.text import decode_utf8, parse_json

MAX_BYTES = 1_048_576


def validate_instrument_text(text: str | bytes) -> ValidationResult:
    """Validate the text of an instrument file (bytes as read from disk or an upload)."""
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else len(text)
    if size > MAX_BYTES:
        return _fail(
            [
                InstrumentError(
                    "",
                    f"The file is {size:,} bytes; an instrument may be at most "
                    f"{MAX_BYTES:,} bytes (1 MB).",
                )
            ]
        )
    if isinstance(text, bytes):
        decoded = decode_utf8(text)
        if isinstance(decoded, InstrumentError):
            return _fail([decoded])
        text = decoded
    text = text.removeprefix("\ufeff")

    parsed = parse_json(text)
    if isinstance(parsed, InstrumentError):
        return _fail([parsed])

    structural, fatal = check_structure(parsed)
    if fatal:
        return _fail(structural)
    return _validate(parsed, structural)


def validate_instrument_data(data: Any) -> ValidationResult:
    """Validate an already parsed value (e.g. from the editor or the database). The size
    limit applies to its canonical JSON form."""
    structural, fatal = check_structure(data)
    if fatal:
        return _fail(structural)
    try:
        size = len(canonical_json(data))
    except (TypeError, ValueError):
        size = 0  # not JSON-shaped: the schema layer says where
    if size > MAX_BYTES:
        return _fail(
            [
                InstrumentError(
                    "",
                    f"The instrument is {size:,} bytes as JSON; it may be at most "
                    f"{MAX_BYTES:,} bytes (1 MB).",
                )
            ]
        )
    return _validate(data, structural)


def _validate(data: Any, earlier: list[InstrumentError]) -> ValidationResult:
    errors = list(earlier)
    errors.extend(schema_errors(data))
    if isinstance(data, dict):
        errors.extend(semantic_errors(data))
    errors = _ordered(errors)
    if errors:
        return _fail(errors)
    return ValidationResult(errors=[], data=data, document=InstrumentDocument.from_dict(data))


# Top-level fields in the order an author writes them, so errors read top to bottom.
_FIELD_ORDER = {
    name: position
    for position, name in enumerate(
        (
            "$schema",
            "schema_version",
            "key",
            "title",
            "metadata",
            "languages",
            "default_language",
            "intro",
            "privacy",
            "scales",
            "families",
            "dimensions",
            "items",
            "prompts",
        )
    )
}


def _fail(errors: list[InstrumentError]) -> ValidationResult:
    return ValidationResult(errors=errors)


def _ordered(errors: list[InstrumentError]) -> list[InstrumentError]:
    """Drop repeats; sort by position in the document (array indices numerically)."""

    def key(error: InstrumentError) -> tuple[tuple[int, int, str], ...]:
        parts = pointer_parts(error.pointer)
        head = [(_FIELD_ORDER.get(parts[0], len(_FIELD_ORDER)), 0, parts[0])] if parts else []
        # An array index is ASCII digits: "²" is a digit to str.isdigit, not to int().
        rest = [(0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in parts[1:]]
        return tuple(head + rest)

    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=key)
