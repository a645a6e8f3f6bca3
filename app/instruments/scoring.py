"""Scoring of one response: pure functions, no I/O.

Notation: a likert item i has a raw answer x_i on a scale [m, M] or is missing (None:
"prefer not to answer" or skipped). Missing answers are excluded, never imputed: in
particular they are never replaced by the midpoint, which would pull every score
toward neutral and hide disagreement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.instruments.document import Dimension, InstrumentDocument, Item, Scale


@dataclass(frozen=True)
class ResponseScores:
    """Scores of one response: {dimension key: score or None}, {family key: index or
    None}, in document order."""

    dimensions: Mapping[str, float | None]
    families: Mapping[str, float | None]


def _check_value(value: int, scale: Scale, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: expected a whole number, got {value!r}")
    if not scale.contains(value):
        raise ValueError(
            f"{what}: {value} is outside scale {scale.key!r} ({scale.min} to {scale.max})"
        )


def reverse_score(value: int, scale: Scale) -> int:
    """Mirror `value` on the scale: m + M - x.

    On 1..5 this maps 1<->5, 2<->4 and keeps 3. It is an involution
    (reverse(reverse(x)) = x), so it must be applied exactly once: `keyed_value` is the
    only caller that decides whether to apply it.
    """
    _check_value(value, scale, f"scale {scale.key!r}")
    return scale.min + scale.max - value


def keyed_value(item: Item, value: int) -> int:
    """The answer oriented so that a higher value means more of the item's dimension:
    x for normally keyed items, m + M - x for reverse-keyed ones."""
    if item.scale is None:
        raise ValueError(f"item {item.key!r} is not a scored (likert) item")
    _check_value(value, item.scale, f"item {item.key!r}")
    return reverse_score(value, item.scale) if item.reverse else value


def _mean(values: Iterable[float]) -> float:
    collected = list(values)
    mean = math.fsum(collected) / len(collected)
    # A mean lies between the smallest and largest value; rounding in the division can
    # step one ulp outside (five equal non-integer scores), so put it back.
    return min(max(mean, min(collected)), max(collected))


def dimension_score(
    values_by_item: Mapping[str, int | None], dimension: Dimension, items: Iterable[Item]
) -> float | None:
    """Mean of the keyed answers to the dimension's items, if enough were answered.

    With A = {i in dimension : x_i is not None}:
        score = (1 / |A|) * sum_{i in A} keyed(x_i)    if |A| >= dimension.min_answered
        score = None                                  otherwise.

    `items` may be any items; those of other dimensions (and unscored items) are
    ignored. An item absent from `values_by_item` counts as missing.
    """
    answered = [
        keyed_value(item, value)
        for item in items
        if item.is_scored and item.dimension == dimension.key
        if (value := values_by_item.get(item.key)) is not None
    ]
    if len(answered) < dimension.min_answered:
        return None
    return _mean(answered)


def family_index(dimension_scores: Iterable[float | None]) -> float | None:
    """Unweighted mean of the available dimension scores of a family; None if none.

    Each dimension counts once, whatever its number of items, so the index does not
    lean toward longer dimensions.
    """
    available = [score for score in dimension_scores if score is not None]
    return _mean(available) if available else None


def score_response(
    document: InstrumentDocument, answers: Mapping[str, int | None]
) -> ResponseScores:
    """Dimension scores and family indices of one response.

    `answers` maps item keys to raw answers (None = prefer not to answer). Items not
    in `answers` count as missing. Raises ValueError for an unknown item key, an answer
    outside its item's scale, or a single-choice answer that is not an option number
    (1-based); single-choice answers are checked but not scored.
    """
    for key, value in answers.items():
        try:
            item = document.item(key)
        except KeyError:
            raise ValueError(f"unknown item key {key!r}") from None
        if value is None:
            continue
        if item.scale is not None:
            _check_value(value, item.scale, f"item {key!r}")
        elif type(value) is not int or not 1 <= value <= len(item.options):
            raise ValueError(
                f"item {key!r}: {value!r} is not an option number (1 to {len(item.options)})"
            )

    by_dimension = document.items_by_dimension()
    dimensions = {
        d.key: dimension_score(answers, d, by_dimension[d.key]) for d in document.dimensions
    }
    families = {
        family: family_index(dimensions[d.key] for d in members)
        for family, members in document.dimensions_by_family().items()
    }
    return ResponseScores(MappingProxyType(dimensions), MappingProxyType(families))
