"""Layer 4: what the JSON parser lets through but no later layer can use.

Duplicate keys and control characters in texts (app.input_rules: a JSON string may hold
"\u0000", which no PostgreSQL column takes) are reported and the run continues on the
surviving values; NaN/Infinity, unpaired surrogates and absurd nesting stop it.
"""

from __future__ import annotations

import math
from typing import Any

from app.input_rules import text_problem
from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.text import BadNumber

MAX_DEPTH = 32  # a valid instrument nests 6 levels; deeper input is garbage or an attack


def check_structure(data: Any) -> tuple[list[InstrumentError], bool]:
    """Return (errors, fatal). Duplicate keys are not fatal: the rest can still be
    checked on the surviving values. The others are, since no later layer could make
    sense of the value."""
    errors: list[InstrumentError] = []
    fatal = False

    def walk(value: Any, path: list[str | int]) -> None:
        nonlocal fatal
        if len(path) > MAX_DEPTH:
            errors.append(
                InstrumentError(
                    json_pointer(path), f"Values are nested more than {MAX_DEPTH} levels deep."
                )
            )
            fatal = True
            return
        if isinstance(value, dict):
            for name in getattr(value, "duplicates", ()):
                errors.append(
                    InstrumentError(
                        json_pointer([*path, name]),
                        f"The field '{name}' appears more than once in this object; keep only one.",
                    )
                )
            for name, member in value.items():
                if not _encodable(name):
                    errors.append(InstrumentError(json_pointer(path), _SURROGATE_MESSAGE))
                    fatal = True
                elif problem := text_problem(name, "The field name"):
                    errors.append(InstrumentError(json_pointer(path), problem))
                walk(member, [*path, name])
        elif isinstance(value, list):
            for index, member in enumerate(value):
                walk(member, [*path, index])
        elif isinstance(value, BadNumber):
            errors.append(
                InstrumentError(
                    json_pointer(path),
                    f"{value.literal} is not a number JSON allows; write a finite number.",
                )
            )
            fatal = True
        elif isinstance(value, float) and not math.isfinite(value):
            errors.append(InstrumentError(json_pointer(path), "Must be a finite number."))
            fatal = True
        elif isinstance(value, str) and not _encodable(value):
            errors.append(InstrumentError(json_pointer(path), _SURROGATE_MESSAGE))
            fatal = True
        elif isinstance(value, str) and (problem := _text_problem(value)):
            errors.append(InstrumentError(json_pointer(path), problem))

    walk(data, [])
    return errors, fatal


_SURROGATE_MESSAGE = "Contains an invalid character (an unpaired UTF-16 surrogate such as \\ud800)."


def _text_problem(text: str) -> str | None:
    # Texts may hold line breaks (an intro of several paragraphs), field names may not.
    return text_problem(text, "The text", multiline=True)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
