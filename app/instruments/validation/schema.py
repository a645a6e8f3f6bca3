"""Layer 5: instrument.schema.json (Draft 2020-12), its messages rephrased in plain English
for the person who edits the file."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import (  # type: ignore[import-untyped,unused-ignore]
    Draft202012Validator,
    ValidationError,
    validators,
)

from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.wording import plural, suggest

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "instruments" / "instrument.schema.json"

KEY_PATTERN = r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
URL_PATTERN = r"^https?://[^\s]+$"


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 5.0 as an integer; we do not, so scores stay ints end to end.
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def load_schema() -> dict[str, Any]:
    """The instrument JSON Schema (instruments/instrument.schema.json)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _schema_validator() -> Any:
    strict_types = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    validator_class = validators.extend(Draft202012Validator, type_checker=strict_types)
    return validator_class(load_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(data: Any) -> Iterator[InstrumentError]:
    """Every schema violation of `data`, rephrased."""
    for error in _schema_validator().iter_errors(data):
        yield from _rephrase(error)


_TYPE_NAMES = {
    "object": "an object ({...})",
    "array": "a list ([...])",
    "string": "text in double quotes",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}

_PATTERN_MESSAGES = {
    KEY_PATTERN: (
        "Must be a key: lowercase letters and digits, with words joined by '-' or '_', "
        "starting with a letter (for example 'ea_1' or 'relational-climate')"
    ),
    LANGUAGE_PATTERN: "Must be a language code such as 'en', 'es' or 'pt-BR' (BCP 47)",
    r"\S": "Must not be blank",
    URL_PATTERN: "Must be a web address starting with http:// or https://, without spaces",
}


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the text "{shown}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _rephrase(error: ValidationError) -> Iterator[InstrumentError]:
    path = list(error.absolute_path)
    if "propertyNames" in error.schema_path:
        # The error is about a member name, which has no pointer of its own: point at
        # the member it names.
        if isinstance(error.schema, dict) and error.schema.get("pattern") == KEY_PATTERN:
            message = (
                f"'{error.instance}' is not a key: use lowercase letters and digits, with "
                "words joined by '-' or '_', starting with a letter, at most 64 characters."
            )
        else:
            message = (
                f"'{error.instance}' is not a language code; use a code such as 'en', 'es' "
                "or 'pt-BR' (BCP 47)."
            )
        yield InstrumentError(json_pointer([*path, error.instance]), message)
        return
    if error.validator == "required":
        yield from _missing_fields(error, path)
    elif error.validator == "additionalProperties" and error.validator_value is False:
        yield from _unknown_fields(error, path)
    else:
        yield InstrumentError(json_pointer(path), _message(error))


def _missing_fields(error: ValidationError, path: list[str | int]) -> Iterator[InstrumentError]:
    for name in error.validator_value:
        if isinstance(error.instance, dict) and name not in error.instance:
            yield InstrumentError(
                json_pointer([*path, name]), f"The required field '{name}' is missing."
            )


def _unknown_fields(error: ValidationError, path: list[str | int]) -> Iterator[InstrumentError]:
    allowed = list(error.schema.get("properties", {}))
    for name in error.instance:
        if name not in allowed:
            hint = suggest(name, allowed) or f" Allowed fields: {', '.join(allowed)}."
            yield InstrumentError(json_pointer([*path, name]), f"Unknown field '{name}'.{hint}")


def _message(error: ValidationError) -> str:
    """The sentence for an error at the value itself, by the keyword it breaks."""
    phrase = _PHRASES.get(error.validator)
    if phrase is not None:
        message = phrase(error.validator_value, error.instance)
        if message is not None:
            return message
    # Keywords our schema does not use today.
    message = str(error.message)
    return message[:1].upper() + message[1:] + "."


def _type(value: Any, instance: Any) -> str:
    expected = [value] if isinstance(value, str) else list(value)
    wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
    return f"Expected {wanted} but found {_describe(instance)}."


def _pattern(value: Any, instance: Any) -> str:
    message = _PATTERN_MESSAGES.get(value, f"Must match the pattern {value}")
    return f"{message}; found {_describe(instance)}."


def _min_length(value: Any, _instance: Any) -> str:
    if value == 1:
        return "Must not be empty."
    return f"Must be at least {plural(value, 'character')} long."


def _min_items(value: Any, instance: Any) -> str:
    if value == 1:
        return "Must list at least one entry; the list is empty."
    return f"Must list at least {value} entries; found {len(instance)}."


def _unique_items(_value: Any, instance: Any) -> str:
    seen: list[Any] = []
    repeated: list[Any] = []
    for member in instance:
        if member in seen and member not in repeated:
            repeated.append(member)
        seen.append(member)
    shown = ", ".join(json.dumps(v) for v in repeated)
    return f"Lists {shown} more than once; each entry must be unique."


def _format(value: Any, instance: Any) -> str | None:
    if value != "date":
        return None
    return f"Must be a real date written YYYY-MM-DD (e.g. 2026-01-31); found {_describe(instance)}."


_PHRASES: dict[str, Callable[[Any, Any], str | None]] = {
    "type": _type,
    "const": lambda value, instance: f"Must be {json.dumps(value)}; found {_describe(instance)}.",
    "enum": lambda value, instance: (
        f"Must be one of {', '.join(json.dumps(v) for v in value)}; found {_describe(instance)}."
    ),
    "pattern": _pattern,
    "minLength": _min_length,
    "maxLength": lambda value, instance: (
        f"Is too long: at most {plural(value, 'character')}, found {len(instance):,}."
    ),
    "minimum": lambda value, instance: f"Must be at least {value}; found {instance}.",
    "maximum": lambda value, instance: f"Must be at most {value}; found {instance}.",
    "minItems": _min_items,
    "maxItems": lambda value, instance: (
        f"Must list at most {value} entries; found {len(instance)}."
    ),
    "uniqueItems": _unique_items,
    "minProperties": lambda _value, _instance: (
        "Must not be empty; give the text in every language."
    ),
    "format": _format,
}
