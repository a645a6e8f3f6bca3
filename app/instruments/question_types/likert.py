"""Likert items: a fully labelled agreement scale plus a separate "prefer not to answer";
the only scored type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.instruments.document import Item, LocalizedText, Scale
from app.instruments.question_types.base import (
    PREFER_NOT_VALUE,
    ChoiceQuestionType,
    Question,
    expect_item,
    register,
)
from app.instruments.validation.errors import InstrumentError, json_pointer
from app.instruments.validation.rules import References, key_of
from app.instruments.validation.wording import unknown


def _likert_scale(question: Question) -> tuple[Item, Scale]:
    item = expect_item(question, "likert")
    if item.scale is None:
        raise TypeError(f"likert item {item.key!r} has no scale")
    return item, item.scale


@register
class LikertType(ChoiceQuestionType):
    """A fully labelled agreement scale plus a separate "prefer not to answer"."""

    name = "likert"

    def choices(self, question: Question) -> tuple[Item, list[tuple[str, LocalizedText]]]:
        item, scale = _likert_scale(question)
        choices = [(str(point.value), point.label) for point in scale.points]
        choices.append((PREFER_NOT_VALUE, scale.prefer_not_label))
        return item, choices

    def convert(self, question: Question, raw_value: object) -> int | None:
        """ "na" -> None; "1".."5" (or the int) -> that int; anything else: ValueError."""
        item, scale = _likert_scale(question)
        if raw_value == PREFER_NOT_VALUE:
            return None
        value: int | None = None
        if type(raw_value) is int:
            value = raw_value
        elif isinstance(raw_value, str) and re.fullmatch(r"-?[0-9]{1,3}", raw_value.strip()):
            value = int(raw_value)
        if value is None or not scale.contains(value):
            raise ValueError(
                f"item {item.key!r}: {raw_value!r} is not an answer; expected a whole number "
                f"from {scale.min} to {scale.max} or {PREFER_NOT_VALUE!r} (prefer not to answer)"
            )
        return value

    def item_errors(
        self, item: dict[str, Any], where: list[str | int], references: References
    ) -> Iterator[InstrumentError]:
        """Its dimension and scale exist; no options; one scale per family."""
        dimension = key_of(item, "dimension")
        scale = key_of(item, "scale")
        if dimension is not None:
            if dimension in references.dimensions:
                counts = references.items_per_dimension
                counts[dimension] = counts.get(dimension, 0) + 1
            else:
                yield InstrumentError(
                    json_pointer([*where, "dimension"]),
                    unknown("dimension", dimension, references.dimensions),
                )
        if scale is not None and scale not in references.scales:
            yield InstrumentError(
                json_pointer([*where, "scale"]), unknown("scale", scale, references.scales)
            )
        if "options" in item:
            yield InstrumentError(
                json_pointer([*where, "options"]),
                "Only single_choice items have options; a likert item answers on its scale.",
            )
        family = references.family_of.get(dimension or "")
        if family is not None and scale is not None and scale in references.scales:
            # Family indices average dimension means: they must share one metric.
            first = references.family_scale.setdefault(family, (scale, json_pointer(where)))
            if first[0] != scale:
                yield InstrumentError(
                    json_pointer([*where, "scale"]),
                    f"This item uses scale '{scale}' but {first[1]} in the same family "
                    f"('{family}') uses '{first[0]}'; items of one family must share a "
                    "scale so their scores can be averaged.",
                )
