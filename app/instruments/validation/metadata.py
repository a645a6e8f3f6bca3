"""Semantic checks of the version-2 additions: whom an item asks about and who answers it,
and the metadata that documents an instrument (varieties, definitions, validation report).

A leader is never asked to rate themself: an item about the person who leads the work
group (`"referent": "leader"`) must be asked only of the people that person leads
(`"audience": "led"`). Otherwise the standpoint gap by level would mix self-ratings with
ratings of others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.rules import entries, key_of
from app.instruments.validation.schema import KEY_PATTERN, LANGUAGE_PATTERN
from app.instruments.validation.wording import unknown

_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
_KEY_RE = re.compile(KEY_PATTERN)

AUDIENCE_RULE = (
    'An item about the group\'s leader ("referent": "leader") must set "audience": "led", '
    "so that it is asked only of the people the leader leads and a leader never rates "
    "themself."
)


def audience_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    """Every leader item is asked only of those the leader leads."""
    for i, item in entries(data, "items"):
        if item.get("referent") == "leader" and item.get("audience") != "led":
            yield InstrumentError(json_pointer(["items", i]), AUDIENCE_RULE)


def metadata_errors(data: dict[str, Any]) -> Iterator[InstrumentError]:
    """Varieties name exactly the declared languages; definitions name declared
    dimensions or families; a validated instrument carries its validation report."""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return
    yield from _variety_errors(data, metadata.get("varieties"))
    yield from _definition_errors(data, metadata.get("definitions"))
    if metadata.get("status") == "validated" and "validation_report" not in metadata:
        yield InstrumentError(
            "/metadata/status",
            'An instrument marked "validated" needs metadata.validation_report (date, '
            "sample, factor structure, invariance across levels and across languages); "
            'attach it, or set the status to "pilot" until the validation study is done.',
        )


def _variety_errors(data: dict[str, Any], varieties: Any) -> Iterator[InstrumentError]:
    languages = data.get("languages")
    if not isinstance(varieties, dict) or not (
        isinstance(languages, list)
        and languages
        and all(isinstance(c, str) and _LANGUAGE_RE.match(c) for c in languages)
    ):
        return  # the schema layer reports a malformed object or list
    declared = list(dict.fromkeys(languages))
    listed = ", ".join(declared)
    for code in declared:
        if code not in varieties:
            yield InstrumentError(
                json_pointer(["metadata", "varieties", code]),
                f"The target variety of '{code}' is missing; varieties must name every "
                f"declared language ({listed}), and only those.",
            )
    for code in varieties:
        if code not in declared and _LANGUAGE_RE.match(code):
            yield InstrumentError(
                json_pointer(["metadata", "varieties", code]),
                f"'{code}' is not a declared language ({listed}); varieties must name every "
                "declared language, and only those.",
            )


def _definition_errors(data: dict[str, Any], definitions: Any) -> Iterator[InstrumentError]:
    if not isinstance(definitions, dict):
        return
    known = [
        k
        for list_name in ("dimensions", "families")
        for _, entry in entries(data, list_name)
        if (k := key_of(entry)) is not None
    ]
    for key in definitions:
        # A name that is not a key at all is the schema layer's to report.
        if isinstance(key, str) and _KEY_RE.match(key) and key not in known:
            yield InstrumentError(
                json_pointer(["metadata", "definitions", key]),
                unknown("dimension or family", key, known)
                + " A definition belongs to a dimension or family of this instrument.",
            )
