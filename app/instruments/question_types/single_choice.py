"""Single-choice items: one option out of several, not scored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.instruments.document import Item, LocalizedText
from app.instruments.question_types.base import (
    ChoiceQuestionType,
    Question,
    expect_item,
    register,
)
from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.rules import References

# What a single-choice item may not have, and why.
_NOT_HERE = (
    ("dimension", "single_choice items are not scored, so they have no dimension"),
    ("scale", "single_choice items answer with their options, not a scale"),
    ("reverse", "only likert items can be reverse-scored"),
)


@register
class SingleChoiceType(ChoiceQuestionType):
    """One option out of several; stored as the option's 1-based position."""

    name = "single_choice"

    def choices(self, question: Question) -> tuple[Item, list[tuple[str, LocalizedText]]]:
        item = expect_item(question, "single_choice")
        return item, [(option.key, option.label) for option in item.options]

    def convert(self, question: Question, raw_value: object) -> int:
        """An option key -> its position (1-based); anything else: ValueError."""
        item = expect_item(question, "single_choice")
        for position, option in enumerate(item.options, start=1):
            if raw_value == option.key:
                return position
        keys = ", ".join(repr(option.key) for option in item.options)
        raise ValueError(f"item {item.key!r}: {raw_value!r} is not an option; expected {keys}")

    def item_errors(
        self, item: dict[str, Any], where: list[str | int], references: References
    ) -> Iterator[InstrumentError]:
        """No dimension, scale or reverse flag (its options are checked by the schema and
        the unique-key rule)."""
        for name, reason in _NOT_HERE:
            if name in item:
                yield InstrumentError(json_pointer([*where, name]), f"Remove '{name}': {reason}.")
