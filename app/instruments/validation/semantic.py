"""Layer 6: what the schema cannot express. Translations, unique keys, scales, references
between parts (each item's own rule comes from its question type), placeholders, and the
audience and metadata rules (metadata.py).

Every check skips the parts the schema layer found malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.instruments.document import PLACEHOLDERS
from app.instruments.question_types import get_question_type, registered_types
from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.metadata import audience_errors, metadata_errors
from app.instruments.validation.rules import References, entries, int_of, key_of
from app.instruments.validation.scales import scale_errors
from app.instruments.validation.schema import LANGUAGE_PATTERN
from app.instruments.validation.wording import plural, unknown

_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def semantic_errors(data: dict[str, Any]) -> list[InstrumentError]:
    """Every semantic problem of a document, layer by layer."""
    errors: list[InstrumentError] = []
    errors.extend(_language_errors(data))
    errors.extend(_unique_key_errors(data))
    errors.extend(scale_errors(data))
    errors.extend(_reference_errors(data))
    errors.extend(_placeholder_errors(data))
    errors.extend(audience_errors(data))
    errors.extend(metadata_errors(data))
    return errors


# Where texts sit inside each list: (list, fields that are texts, the member list whose
# entries have a "label" text).
_TEXT_FIELDS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("scales", ("prefer_not_label",), "points"),
    ("families", ("label",), None),
    ("dimensions", ("label", "description"), None),
    ("items", ("text",), "options"),
    ("prompts", ("text", "help"), None),
)


def _text_locations(data: dict[str, Any]) -> Iterator[tuple[list[str | int], Any]]:
    """Every place the format puts a {language: text} object."""
    for name in ("title", "intro", "privacy"):
        if name in data:
            yield [name], data[name]
    for list_name, fields, labelled in _TEXT_FIELDS:
        for i, entry in entries(data, list_name):
            for name in fields:
                if name in entry:
                    yield [list_name, i, name], entry[name]
            if labelled is not None:
                for j, member in entries(entry, labelled):
                    if "label" in member:
                        yield [list_name, i, labelled, j, "label"], member["label"]


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
    # under the question key. Families and dimensions share one too: the reports key a
    # score (its comparisons, its change between waves) by family or dimension key alone.
    groups = (
        ("scale", ("scales",)),
        ("score", ("families", "dimensions")),
        ("question", ("items", "prompts")),
    )
    for kind, lists in groups:
        first_seen: dict[str, str] = {}
        for list_name in lists:
            for i, entry in entries(data, list_name):
                key = key_of(entry)
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

    for i, item in entries(data, "items"):
        option_seen: dict[str, int] = {}
        for j, option in entries(item, "options"):
            key = key_of(option)
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


def _reference_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    families = [k for _, f in entries(data, "families") if (k := key_of(f)) is not None]
    family_of: dict[str, str] = {}
    yield from _family_references(data, families, family_of)
    references = References(
        scales=[k for _, s in entries(data, "scales") if (k := key_of(s)) is not None],
        dimensions=list(
            {k: d for _, d in entries(data, "dimensions") if (k := key_of(d)) is not None}
        ),
        family_of=family_of,
    )
    for i, item in entries(data, "items"):
        kind = item.get("type")
        # Any other type is the schema layer's to report.
        if isinstance(kind, str) and kind in registered_types():
            yield from get_question_type(kind).item_errors(item, ["items", i], references)
    yield from _dimension_size_errors(data, references.items_per_dimension)
    yield from _unused_family_errors(data, set(family_of.values()))


def _family_references(
    data: dict[str, Any], families: list[str], family_of: dict[str, str]
) -> Iterator[InstrumentError]:
    """Dimension -> family; fills `family_of` with the dimensions whose family exists."""
    for i, dimension_entry in entries(data, "dimensions"):
        family = key_of(dimension_entry, "family")
        if family is None:
            continue
        if family in families:
            if (key := key_of(dimension_entry)) is not None:
                family_of[key] = family
        else:
            yield InstrumentError(
                json_pointer(["dimensions", i, "family"]), unknown("family", family, families)
            )


def _dimension_size_errors(
    data: dict[str, Any], items_per_dimension: dict[str, int]
) -> Iterator[InstrumentError]:
    """Dimension sizes against min_answered."""
    for i, dimension_entry in entries(data, "dimensions"):
        key = key_of(dimension_entry)
        if key is None:
            continue
        count = items_per_dimension.get(key, 0)
        minimum = int_of(dimension_entry, "min_answered")
        if count == 0:
            yield InstrumentError(
                json_pointer(["dimensions", i]),
                f"Dimension '{key}' has no likert items; add items or remove the dimension.",
            )
        elif minimum is not None and minimum > count:
            yield InstrumentError(
                json_pointer(["dimensions", i, "min_answered"]),
                f"min_answered is {minimum} but dimension '{key}' has only "
                f"{plural(count, 'item')}; it must be between 1 and {count}.",
            )


def _unused_family_errors(data: dict[str, Any], used: set[str]) -> Iterator[InstrumentError]:
    """Families without dimensions would never have an index."""
    for i, family_entry in entries(data, "families"):
        key = key_of(family_entry)
        if key is not None and key not in used:
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
