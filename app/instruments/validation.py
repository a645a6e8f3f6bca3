"""Validate an instrument file and report every problem at once.

The checks run in layers. A layer that cannot produce a usable value stops the run:

1. size (over MAX_BYTES: one error, nothing is decoded);
2. UTF-8 decoding (a leading byte-order mark is tolerated);
3. JSON syntax, reported with line and column;
4. structure the JSON parser lets through: duplicate keys in one object (reported, the
   run continues), NaN/Infinity, unpaired surrogates and absurd nesting (the run stops);
5. instrument.schema.json (Draft 2020-12), messages rephrased in plain English;
6. semantic checks the schema cannot express: unique keys, cross-references, scale
   shapes, translations, placeholders.

Layers 5 and 6 both run, and layer 6 skips any part layer 5 found malformed, so an author
sees type errors and unknown references in the same report.

Every error carries a JSON Pointer (RFC 6901) to the offending value, or to the missing
member for a missing field, and a sentence meant for the person who edits the file. This
module knows nothing about the CLI or the web editor; both format `InstrumentError`.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import (  # type: ignore[import-untyped,unused-ignore]
    Draft202012Validator,
    ValidationError,
    validators,
)

from app.instruments.document import PLACEHOLDERS, InstrumentDocument, canonical_json

MAX_BYTES = 1_048_576
MAX_DEPTH = 32  # a valid instrument nests 6 levels; deeper input is garbage or an attack
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "instruments" / "instrument.schema.json"

MAX_SCALE_POINTS = 11  # 0..10 is the widest scale in common use

KEY_PATTERN = r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Pointer = Sequence[str | int]


@dataclass(frozen=True)
class InstrumentError:
    """One problem: where (`pointer`, RFC 6901; "" is the whole document) and what."""

    pointer: str
    message: str
    line: int | None = None  # set only for errors found before the JSON was parsed
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.pointer or '(document)'}: {self.message}"


@dataclass(frozen=True)
class ValidationResult:
    errors: list[InstrumentError] = field(default_factory=list)
    data: dict[str, Any] | None = None  # the parsed dict, only when ok
    document: InstrumentDocument | None = None  # only when ok

    @property
    def ok(self) -> bool:
        return not self.errors


def json_pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901: '~' becomes '~0' and '/' becomes '~1' inside each reference token."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_parts(pointer: str) -> list[str]:
    """Inverse of `json_pointer` (array indices come back as strings)."""
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


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
        decoded = _decode(text)
        if isinstance(decoded, InstrumentError):
            return _fail([decoded])
        text = decoded
    text = text.removeprefix("\ufeff")

    parsed = _parse(text)
    if isinstance(parsed, InstrumentError):
        return _fail([parsed])

    structural, fatal = _check_structure(parsed)
    if fatal:
        return _fail(structural)
    return _validate(parsed, structural)


def validate_instrument_data(data: Any) -> ValidationResult:
    """Validate an already parsed value (e.g. from the editor or the database). The size
    limit applies to its canonical JSON form."""
    structural, fatal = _check_structure(data)
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
    errors.extend(_schema_errors(data))
    if isinstance(data, dict):
        errors.extend(_semantic_errors(data))
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
        rest = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts[1:]]
        return tuple(head + rest)

    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=key)


# --- layers 2 and 3: text and JSON ----------------------------------------------------


def _decode(data: bytes) -> str | InstrumentError:
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
class _BadNumber:
    literal: str


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicates: list[str] = []
    for name, value in pairs:
        if name in result and name not in duplicates:
            duplicates.append(name)
        result[name] = value
    return _DuplicateKeys(result, duplicates) if duplicates else result


def _parse_float(literal: str) -> float | _BadNumber:
    value = float(literal)
    # Python turns 1e999 into inf, which is not a JSON value and cannot be stored.
    return value if math.isfinite(value) else _BadNumber(literal)


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


def _parse(text: str) -> Any:
    if not text.strip():
        return InstrumentError("", "The file is empty; an instrument is a JSON object.", 1, 1)
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_constant=_BadNumber,
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


# --- layer 4: what the parser let through ---------------------------------------------


def _check_structure(data: Any) -> tuple[list[InstrumentError], bool]:
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
                walk(member, [*path, name])
        elif isinstance(value, list):
            for index, member in enumerate(value):
                walk(member, [*path, index])
        elif isinstance(value, _BadNumber):
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

    walk(data, [])
    return errors, fatal


_SURROGATE_MESSAGE = "Contains an invalid character (an unpaired UTF-16 surrogate such as \\ud800)."


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- layer 5: JSON Schema -------------------------------------------------------------


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


def _schema_errors(data: Any) -> Iterator[InstrumentError]:
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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _suggest(name: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


def _rephrase(error: ValidationError) -> Iterator[InstrumentError]:
    path = list(error.absolute_path)
    here = json_pointer(path)
    kind = error.validator
    value = error.validator_value
    instance = error.instance

    if "propertyNames" in error.schema_path:
        # The error is about a member name, which has no pointer of its own: point at
        # the member it names.
        yield InstrumentError(
            json_pointer([*path, instance]),
            f"'{instance}' is not a language code; use a code such as 'en', 'es' or "
            "'pt-BR' (BCP 47).",
        )
    elif kind == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield InstrumentError(
                    json_pointer([*path, name]), f"The required field '{name}' is missing."
                )
    elif kind == "additionalProperties" and value is False:
        allowed = list(error.schema.get("properties", {}))
        for name in instance:
            if name not in allowed:
                hint = _suggest(name, allowed) or f" Allowed fields: {', '.join(allowed)}."
                yield InstrumentError(json_pointer([*path, name]), f"Unknown field '{name}'.{hint}")
    elif kind == "type":
        expected = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        yield InstrumentError(here, f"Expected {wanted} but found {_describe(instance)}.")
    elif kind == "const":
        yield InstrumentError(here, f"Must be {json.dumps(value)}; found {_describe(instance)}.")
    elif kind == "enum":
        choices = ", ".join(json.dumps(v) for v in value)
        yield InstrumentError(here, f"Must be one of {choices}; found {_describe(instance)}.")
    elif kind == "pattern":
        message = _PATTERN_MESSAGES.get(value, f"Must match the pattern {value}")
        yield InstrumentError(here, f"{message}; found {_describe(instance)}.")
    elif kind == "minLength":
        yield InstrumentError(
            here,
            "Must not be empty."
            if value == 1
            else (f"Must be at least {_plural(value, 'character')} long."),
        )
    elif kind == "maxLength":
        yield InstrumentError(
            here,
            f"Is too long: at most {_plural(value, 'character')}, found {len(instance):,}.",
        )
    elif kind == "minimum":
        yield InstrumentError(here, f"Must be at least {value}; found {instance}.")
    elif kind == "maximum":
        yield InstrumentError(here, f"Must be at most {value}; found {instance}.")
    elif kind == "minItems":
        if value == 1:
            yield InstrumentError(here, "Must list at least one entry; the list is empty.")
        else:
            yield InstrumentError(
                here, f"Must list at least {value} entries; found {len(instance)}."
            )
    elif kind == "maxItems":
        yield InstrumentError(here, f"Must list at most {value} entries; found {len(instance)}.")
    elif kind == "uniqueItems":
        seen: list[Any] = []
        repeated: list[Any] = []
        for member in instance:
            if member in seen and member not in repeated:
                repeated.append(member)
            seen.append(member)
        shown = ", ".join(json.dumps(v) for v in repeated)
        yield InstrumentError(here, f"Lists {shown} more than once; each entry must be unique.")
    elif kind == "minProperties":
        yield InstrumentError(here, "Must not be empty; give the text in every language.")
    elif kind == "format" and value == "date":
        yield InstrumentError(
            here,
            f"Must be a real date written YYYY-MM-DD (e.g. 2026-01-31); "
            f"found {_describe(instance)}.",
        )
    else:  # keywords our schema does not use today
        message = str(error.message)
        yield InstrumentError(here, message[:1].upper() + message[1:] + ".")


# --- layer 6: semantics ---------------------------------------------------------------


def _entries(data: Mapping[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, object) for each object in the list data[name]; malformed parts skipped
    (the schema layer reports them)."""
    members = data.get(name)
    if not isinstance(members, list):
        return []
    return [(i, m) for i, m in enumerate(members) if isinstance(m, dict)]


def _key(entry: Mapping[str, Any], name: str = "key") -> str | None:
    value = entry.get(name)
    return value if isinstance(value, str) else None


def _int(entry: Mapping[str, Any], name: str) -> int | None:
    value = entry.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_PLURALS = {"family": "families"}


def _unknown(kind: str, name: str, known: Sequence[str]) -> str:
    kinds = _PLURALS.get(kind, kind + "s")
    hint = _suggest(name, known)
    if not hint:
        hint = f" Known {kinds}: {', '.join(known)}." if known else f" No {kinds} are defined."
    return f"Unknown {kind} '{name}'.{hint}"


def _semantic_errors(data: dict[str, Any]) -> list[InstrumentError]:
    errors: list[InstrumentError] = []
    errors.extend(_language_errors(data))
    errors.extend(_unique_key_errors(data))
    errors.extend(_scale_errors(data))
    errors.extend(_reference_errors(data))
    errors.extend(_placeholder_errors(data))
    return errors


def _text_locations(data: dict[str, Any]) -> Iterator[tuple[list[str | int], Any]]:
    """Every place the format puts a {language: text} object."""
    for name in ("title", "intro", "privacy"):
        if name in data:
            yield [name], data[name]
    for i, scale in _entries(data, "scales"):
        points = scale.get("points")
        if isinstance(points, list):
            for j, point in enumerate(points):
                if isinstance(point, dict) and "label" in point:
                    yield ["scales", i, "points", j, "label"], point["label"]
        if "prefer_not_label" in scale:
            yield ["scales", i, "prefer_not_label"], scale["prefer_not_label"]
    for i, family in _entries(data, "families"):
        if "label" in family:
            yield ["families", i, "label"], family["label"]
    for i, dimension in _entries(data, "dimensions"):
        for name in ("label", "description"):
            if name in dimension:
                yield ["dimensions", i, name], dimension[name]
    for i, item in _entries(data, "items"):
        if "text" in item:
            yield ["items", i, "text"], item["text"]
        options = item.get("options")
        if isinstance(options, list):
            for j, option in enumerate(options):
                if isinstance(option, dict) and "label" in option:
                    yield ["items", i, "options", j, "label"], option["label"]
    for i, prompt in _entries(data, "prompts"):
        for name in ("text", "help"):
            if name in prompt:
                yield ["prompts", i, name], prompt[name]


def _language_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    languages = data.get("languages")
    if not (
        isinstance(languages, list)
        and languages
        and all(isinstance(c, str) and _LANGUAGE_RE.match(c) for c in languages)
    ):
        return  # the schema layer explains what is wrong with the list itself
    declared = list(dict.fromkeys(languages))
    listed = ", ".join(declared)

    default = data.get("default_language")
    if isinstance(default, str) and default not in declared:
        yield InstrumentError(
            "/default_language",
            f"'{default}' is not one of the declared languages ({listed}).",
        )

    for path, text in _text_locations(data):
        if not isinstance(text, dict):
            continue
        for code in declared:
            if code not in text:
                yield InstrumentError(
                    json_pointer([*path, code]),
                    f"The '{code}' translation is missing; every text needs all declared "
                    f"languages ({listed}).",
                )
        for code in text:
            if code not in declared and _LANGUAGE_RE.match(code):
                yield InstrumentError(
                    json_pointer([*path, code]),
                    f"'{code}' is not a declared language ({listed}); add it to /languages "
                    "or remove this text.",
                )


def _unique_key_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    # Items and prompts share one namespace: answers and comments are both stored
    # under the question key.
    groups = (
        ("scale", ("scales",)),
        ("family", ("families",)),
        ("dimension", ("dimensions",)),
        ("question", ("items", "prompts")),
    )
    for kind, lists in groups:
        first_seen: dict[str, str] = {}
        for list_name in lists:
            for i, entry in _entries(data, list_name):
                key = _key(entry)
                if key is None:
                    continue
                where = json_pointer([list_name, i])
                if key in first_seen:
                    yield InstrumentError(
                        f"{where}/key",
                        f"The {kind} key '{key}' is already used by {first_seen[key]}; "
                        f"{kind} keys must be unique.",
                    )
                else:
                    first_seen[key] = where

    for i, item in _entries(data, "items"):
        option_seen: dict[str, int] = {}
        for j, option in _entries(item, "options"):
            key = _key(option)
            if key is None:
                continue
            if key in option_seen:
                yield InstrumentError(
                    json_pointer(["items", i, "options", j, "key"]),
                    f"The option key '{key}' is already used by option {option_seen[key]} "
                    "of this item.",
                )
            else:
                option_seen[key] = j


def _band(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    return None


def _scale_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    for i, scale in _entries(data, "scales"):
        base: list[str | int] = ["scales", i]
        low, high = _int(scale, "min"), _int(scale, "max")
        if low is None or high is None:
            continue
        if low >= high:
            yield InstrumentError(
                json_pointer([*base, "max"]),
                f"A scale needs at least two points: max ({high}) must be greater than "
                f"min ({low}).",
            )
            continue
        size = high - low + 1
        if size > MAX_SCALE_POINTS:
            yield InstrumentError(
                json_pointer(base),
                f"A scale can have at most {MAX_SCALE_POINTS} points; {low} to {high} has {size}.",
            )
            continue
        yield from _point_errors(scale, base, low, high)
        yield from _band_errors(scale, base, low, high)


def _point_errors(
    scale: dict[str, Any], base: list[str | int], low: int, high: int
) -> Iterator[InstrumentError]:
    points = scale.get("points")
    if not isinstance(points, list) or not points:
        return  # the schema layer reports a missing or empty list once
    labelled: dict[int, int] = {}
    for j, point in _entries(scale, "points"):
        value = _int(point, "value")
        if value is None:
            continue
        where = json_pointer([*base, "points", j, "value"])
        if not low <= value <= high:
            yield InstrumentError(where, f"Point {value} is outside the scale ({low} to {high}).")
        elif value in labelled:
            yield InstrumentError(
                where,
                f"Point {value} is already labelled by "
                f"{json_pointer([*base, 'points', labelled[value]])}.",
            )
        else:
            labelled[value] = j
    # Missing points are only reported when every entry was readable, so a malformed
    # entry (reported by the schema layer) does not also show up as a missing label.
    readable = all(isinstance(p, dict) and _int(p, "value") is not None for p in points)
    if readable:
        for value in range(low, high + 1):
            if value not in labelled:
                yield InstrumentError(
                    json_pointer([*base, "points"]),
                    f"Point {value} has no label; every point from {low} to {high} needs one.",
                )


def _band_errors(
    scale: dict[str, Any], base: list[str | int], low: int, high: int
) -> Iterator[InstrumentError]:
    bands = scale.get("bands")
    if not isinstance(bands, dict):
        return
    parsed: dict[str, tuple[int, int]] = {}
    for name in ("low", "high"):
        band = _band(bands.get(name))
        if band is None:
            continue
        where = json_pointer([*base, "bands", name])
        first, last = band
        if first > last:
            yield InstrumentError(
                where, f"The band runs backwards: {first} is above {last}; write [first, last]."
            )
        elif first < low or last > high:
            yield InstrumentError(
                where, f"The band [{first}, {last}] reaches outside the scale ({low} to {high})."
            )
        # Favorability counts the extreme answers; a band that skips them is a mistake
        # (often low and high swapped).
        elif name == "low" and first != low:
            yield InstrumentError(where, f"The low band must start at the scale's minimum ({low}).")
        elif name == "high" and last != high:
            yield InstrumentError(where, f"The high band must end at the scale's maximum ({high}).")
        else:
            parsed[name] = band
    if "low" in parsed and "high" in parsed and parsed["low"][1] >= parsed["high"][0]:
        yield InstrumentError(
            json_pointer([*base, "bands"]),
            f"The low band {list(parsed['low'])} and the high band {list(parsed['high'])} "
            "overlap; the low band must end below the start of the high band.",
        )


def _reference_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    scales = [k for _, s in _entries(data, "scales") if (k := _key(s)) is not None]
    families = [k for _, f in _entries(data, "families") if (k := _key(f)) is not None]
    dimensions = {k: d for _, d in _entries(data, "dimensions") if (k := _key(d)) is not None}
    items = _entries(data, "items")

    # Dimension -> family.
    family_of: dict[str, str] = {}
    for i, dimension_entry in _entries(data, "dimensions"):
        family = _key(dimension_entry, "family")
        if family is None:
            continue
        if family in families:
            if (key := _key(dimension_entry)) is not None:
                family_of[key] = family
        else:
            yield InstrumentError(
                json_pointer(["dimensions", i, "family"]), _unknown("family", family, families)
            )

    # Item checks, by type. Only likert items are scored.
    item_count: dict[str, int] = {}
    family_scale: dict[str, tuple[str, str]] = {}
    for i, item in items:
        kind = item.get("type")
        where: list[str | int] = ["items", i]
        if kind == "likert":
            dimension = _key(item, "dimension")
            scale = _key(item, "scale")
            if dimension is not None:
                if dimension in dimensions:
                    item_count[dimension] = item_count.get(dimension, 0) + 1
                else:
                    yield InstrumentError(
                        json_pointer([*where, "dimension"]),
                        _unknown("dimension", dimension, list(dimensions)),
                    )
            if scale is not None and scale not in scales:
                yield InstrumentError(
                    json_pointer([*where, "scale"]), _unknown("scale", scale, scales)
                )
            if "options" in item:
                yield InstrumentError(
                    json_pointer([*where, "options"]),
                    "Only single_choice items have options; a likert item answers on its scale.",
                )
            family = family_of.get(dimension or "")
            if family is not None and scale is not None and scale in scales:
                # Family indices average dimension means: they must share one metric.
                first = family_scale.setdefault(family, (scale, json_pointer(where)))
                if first[0] != scale:
                    yield InstrumentError(
                        json_pointer([*where, "scale"]),
                        f"This item uses scale '{scale}' but {first[1]} in the same family "
                        f"('{family}') uses '{first[0]}'; items of one family must share a "
                        "scale so their scores can be averaged.",
                    )
        elif kind == "single_choice":
            for name, reason in (
                ("dimension", "single_choice items are not scored, so they have no dimension"),
                ("scale", "single_choice items answer with their options, not a scale"),
                ("reverse", "only likert items can be reverse-scored"),
            ):
                if name in item:
                    yield InstrumentError(
                        json_pointer([*where, name]), f"Remove '{name}': {reason}."
                    )

    # Dimension sizes against min_answered.
    for i, dimension_entry in _entries(data, "dimensions"):
        key = _key(dimension_entry)
        if key is None:
            continue
        count = item_count.get(key, 0)
        minimum = _int(dimension_entry, "min_answered")
        if count == 0:
            yield InstrumentError(
                json_pointer(["dimensions", i]),
                f"Dimension '{key}' has no likert items; add items or remove the dimension.",
            )
        elif minimum is not None and minimum > count:
            yield InstrumentError(
                json_pointer(["dimensions", i, "min_answered"]),
                f"min_answered is {minimum} but dimension '{key}' has only "
                f"{_plural(count, 'item')}; it must be between 1 and {count}.",
            )

    # Families without dimensions would never have an index.
    used_families = set(family_of.values())
    for i, family_entry in _entries(data, "families"):
        key = _key(family_entry)
        if key is not None and key not in used_families:
            yield InstrumentError(
                json_pointer(["families", i]),
                f"Family '{key}' has no dimensions; add one or remove the family.",
            )


def _placeholder_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for name in ("intro", "privacy"):
        texts = data.get(name)
        if not isinstance(texts, dict):
            continue
        for code, text in texts.items():
            if not isinstance(text, str):
                continue
            for match in _PLACEHOLDER_RE.finditer(text):
                if match.group(1) not in PLACEHOLDERS:
                    yield InstrumentError(
                        json_pointer([name, code]),
                        f"Unknown placeholder {match.group(0)}; the available ones are {allowed}.",
                    )
