"""Scoring of one response: pure functions, no I/O.

Notation: a likert item i has a raw answer x_i on a scale [m, M] or is missing (None:
"prefer not to answer" or skipped). Missing answers are excluded, never imputed: in
particular they are never replaced by the midpoint, which would pull every score
toward neutral and hide disagreement.

Not every item is asked of everyone: an item whose audience is "led" (about the leader of
the respondent's work group) is not asked of someone who leads that group
(`InstrumentDocument.items_asked_of`). An item not asked is neither an answer nor a missing
answer: it is absent, and a dimension's minimum of answered items counts only the items
that were asked (see `dimension_score`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
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


def not_asked_keys(document: InstrumentDocument, *, leads_work_group: bool) -> frozenset[str]:
    """The keys of the items not asked of such a respondent: those
    `InstrumentDocument.items_asked_of` leaves out (the items about the group's leader, for
    someone who leads the work group, who would be rating themself)."""
    if not leads_work_group:
        return frozenset()
    return frozenset(
        item.key for item in document.items if not item.asked_of(leads_work_group=True)
    )


def required_answers(dimension: Dimension, asked: int) -> int:
    """How many answered items a dimension's score needs when `asked` of its items were
    asked of the respondent: min(min_answered, asked).

    A respondent not asked some of a dimension's items (audience "led") can still reach a
    score, on what was asked; the rule is unchanged for everyone asked every item. With
    nothing asked, the dimension has no score (see `dimension_score`).
    """
    return min(dimension.min_answered, asked)


def dimension_score(
    values_by_item: Mapping[str, int | None],
    dimension: Dimension,
    items: Iterable[Item],
    *,
    not_asked: Collection[str] = (),
) -> float | None:
    """Mean of the keyed answers to the dimension's items, if enough were answered.

    With Q = {i in dimension : i was asked} (every item but those in `not_asked`) and
    A = {i in Q : x_i is not None}:
        score = (1 / |A|) * sum_{i in A} keyed(x_i)    if |A| >= min(min_answered, |Q|)
                                                      and |A| >= 1
        score = None                                  otherwise.

    `items` may be any items; those of other dimensions (and unscored items) are
    ignored. An asked item absent from `values_by_item` counts as missing; an item in
    `not_asked` is ignored even if a value is given for it.
    """
    asked = [
        item
        for item in items
        if item.is_scored and item.dimension == dimension.key and item.key not in not_asked
    ]
    answered = [
        keyed_value(item, value)
        for item in asked
        if (value := values_by_item.get(item.key)) is not None
    ]
    if not answered or len(answered) < required_answers(dimension, len(asked)):
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
    document: InstrumentDocument,
    answers: Mapping[str, int | None],
    *,
    not_asked: Collection[str] = (),
) -> ResponseScores:
    """Dimension scores and family indices of one response.

    `answers` maps item keys to raw answers (None = prefer not to answer). Items not
    in `answers` count as missing, unless they are in `not_asked` (the items not asked of
    this respondent, see `not_asked_keys`), which count as neither answered nor missing.
    Raises ValueError for an unknown item key, an answer to an item not asked, an answer
    outside its item's scale, or a single-choice answer that is not an option number
    (1-based); single-choice answers are checked but not scored.
    """
    for key, value in answers.items():
        if key in not_asked:
            raise ValueError(f"item {key!r} was not asked of this respondent")
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
        d.key: dimension_score(answers, d, by_dimension[d.key], not_asked=not_asked)
        for d in document.dimensions
    }
    families = {
        family: family_index(dimensions[d.key] for d in members)
        for family, members in document.dimensions_by_family().items()
    }
    return ResponseScores(MappingProxyType(dimensions), MappingProxyType(families))
