"""A draft of an instrument: the text in the editor, checked as the CLI checks a file, plus
the editor's rule on keys, with every error placed at its line and column.

Drafts are never stored: the text is all there is until a valid one is published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.input_rules import text_problem
from app.instruments.document import InstrumentDocument
from app.instruments.positions import JsonPositions
from app.instruments.queries import instrument_by_key
from app.instruments.validation import InstrumentError, ValidationResult, validate_instrument_text

# The text a new instrument starts from: the smallest valid instrument.
STARTER_DOCUMENT: dict[str, Any] = {
    "schema_version": 1,
    "key": "new-instrument",
    "title": {"en": "New instrument"},
    "metadata": {"status": "draft", "authors": [], "changelog": []},
    "languages": ["en"],
    "default_language": "en",
    "intro": {"en": "Think about the past 3 months."},
    "privacy": {"en": "Scores appear when at least {k_scores} people answer."},
    "scales": [
        {
            "key": "agreement_5",
            "min": 1,
            "max": 5,
            "points": [
                {"value": 1, "label": {"en": "Strongly disagree"}},
                {"value": 2, "label": {"en": "Disagree"}},
                {"value": 3, "label": {"en": "Neither agree nor disagree"}},
                {"value": 4, "label": {"en": "Agree"}},
                {"value": 5, "label": {"en": "Strongly agree"}},
            ],
            "prefer_not_label": {"en": "Prefer not to answer"},
            "bands": {"low": [1, 2], "high": [4, 5]},
        }
    ],
    "families": [{"key": "climate", "label": {"en": "Climate"}, "desirable": "high"}],
    "dimensions": [
        {
            "key": "voice",
            "family": "climate",
            "label": {"en": "Voice"},
            "description": {"en": "People can speak up."},
            "min_answered": 1,
        }
    ],
    "items": [
        {
            "key": "vo_1",
            "type": "likert",
            "dimension": "voice",
            "scale": "agreement_5",
            "text": {"en": "In my work group, I can speak up."},
        }
    ],
}


def pretty_json(data: Any) -> str:
    """The editor's and the export's layout: 2-space indentation, UTF-8 kept as is."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Problem:
    """One error of a draft, where the editor can show it."""

    pointer: str
    message: str
    line: int | None
    column: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "pointer": self.pointer,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


def locate_errors(text: str, errors: Sequence[InstrumentError]) -> list[Problem]:
    """Give every error a line and column in `text` (syntax errors already have one)."""
    positions: JsonPositions | None = None
    problems = []
    for error in errors:
        line, column = error.line, error.column
        if line is None:
            positions = positions or JsonPositions(text)
            found = positions.locate(error.pointer)
            if found is not None:
                line, column = found
        problems.append(Problem(error.pointer, error.message, line, column))
    return problems


def _key_errors(data: Any, editing: str | None) -> list[InstrumentError]:
    """The key decides which instrument a document is a version of; refuse a key that
    would publish into another instrument than the one being edited."""
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or text_problem(key, "The key") is not None:
        return []  # no key to look up (a refused character is the validation's error)
    if editing is not None and key != editing:
        other = " (another existing instrument)" if instrument_by_key(key) is not None else ""
        return [
            InstrumentError(
                "/key",
                f"The key is '{key}'{other}, but this editor publishes versions of "
                f"'{editing}'. Put back \"{editing}\"; to start another instrument, use "
                "New instrument.",
            )
        ]
    if editing is None and instrument_by_key(key) is not None:
        return [
            InstrumentError(
                "/key",
                f"An instrument with the key '{key}' already exists. Publish its next "
                "version from its own editor, or choose another key for a new instrument.",
            )
        ]
    return []


def loose_parse(text: str) -> Any:
    """The parsed JSON of `text`, or None: for reading what can be read of a draft."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def check_draft(text: str, editing: str | None) -> tuple[ValidationResult, list[Problem]]:
    """Validate the editor's text as the CLI does, plus the key rule of the editor.
    `editing` is the key of the instrument being edited, None for a new instrument."""
    result = validate_instrument_text(text)
    data = result.data if result.ok else loose_parse(text)
    errors = _key_errors(data, editing) + list(result.errors)
    return result, locate_errors(text, errors)


def normalize_newlines(text: str) -> str:
    """LF line breaks only: browsers send a textarea's line breaks as CRLF."""
    return text.replace("\r\n", "\n")


def draft_languages(text: str, fallback: InstrumentDocument | None) -> list[str]:
    """The languages a draft declares, for its preview; else those of `fallback` (the
    latest version), else English."""
    data = loose_parse(text)
    languages = data.get("languages") if isinstance(data, dict) else None
    if isinstance(languages, list) and languages and all(isinstance(c, str) for c in languages):
        return languages
    return list(fallback.languages) if fallback is not None else ["en"]
