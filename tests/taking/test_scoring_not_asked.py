"""Scoring with items not asked of a respondent: they are neither answers nor missing
answers, and a dimension's minimum counts only what was asked: min(min_answered, asked)."""

from __future__ import annotations

import pytest

from app.instruments.document import (
    Band,
    Dimension,
    InstrumentDocument,
    Item,
    LocalizedText,
    Scale,
    ScalePoint,
)
from app.instruments.scoring import (
    dimension_score,
    not_asked_keys,
    required_answers,
    score_response,
)
from app.instruments.validation import validate_instrument_data
from tests.taking.v2 import LED_ITEMS, led_instrument_data

TEXT = LocalizedText.from_dict({"en": "x"})
SCALE = Scale(
    key="agree",
    min=1,
    max=5,
    points=tuple(ScalePoint(v, TEXT) for v in range(1, 6)),
    prefer_not_label=TEXT,
    low=Band(1, 2),
    high=Band(4, 5),
)
DIMENSION = Dimension("d", "f", TEXT, TEXT, min_answered=3)
ITEMS = tuple(
    Item(key=f"i{n}", type="likert", text=TEXT, dimension="d", scale=SCALE, reverse=n == 4)
    for n in range(1, 5)
)


def _document() -> InstrumentDocument:
    result = validate_instrument_data(led_instrument_data())
    assert result.document is not None
    return result.document


@pytest.mark.parametrize(
    ("min_answered", "asked", "required"), [(3, 4, 3), (3, 3, 3), (3, 2, 2), (3, 1, 1), (2, 0, 0)]
)
def test_required_answers_is_the_smaller_of_the_minimum_and_the_items_asked(
    min_answered: int, asked: int, required: int
) -> None:
    dimension = Dimension("d", "f", TEXT, TEXT, min_answered)
    assert required_answers(dimension, asked) == required


def test_items_not_asked_lower_the_minimum_to_what_was_asked() -> None:
    values = {"i1": 4, "i2": 2}
    # Asked all four: two answers are below the minimum of three.
    assert dimension_score(values, DIMENSION, ITEMS) is None
    # Not asked i3 and i4: both asked items answered, min(3, 2) = 2.
    assert dimension_score(values, DIMENSION, ITEMS, not_asked={"i3", "i4"}) == 3.0


def test_an_item_not_asked_is_ignored_even_with_a_value() -> None:
    values = {"i1": 4, "i2": 4, "i3": 4, "i4": 1}  # i4 is reverse keyed: 1 counts as 5
    assert dimension_score(values, DIMENSION, ITEMS) == 4.25
    assert dimension_score(values, DIMENSION, ITEMS, not_asked={"i4"}) == 4.0


def test_prefer_not_to_answer_still_counts_as_missing_among_the_items_asked() -> None:
    values: dict[str, int | None] = {"i1": 4, "i2": None}
    assert dimension_score(values, DIMENSION, ITEMS, not_asked={"i3", "i4"}) is None


def test_a_dimension_with_nothing_asked_has_no_score() -> None:
    keys = {item.key for item in ITEMS}
    assert dimension_score({}, DIMENSION, ITEMS, not_asked=keys) is None


def test_not_asked_keys_are_the_leader_items_for_a_leader_only() -> None:
    document = _document()
    assert not_asked_keys(document, leads_work_group=False) == frozenset()
    assert not_asked_keys(document, leads_work_group=True) == frozenset(LED_ITEMS)


def test_score_response_refuses_an_answer_to_an_item_not_asked() -> None:
    document = _document()
    answers: dict[str, int | None] = {item.key: 3 for item in document.items}
    with pytest.raises(ValueError, match="'ea_2' was not asked of this respondent"):
        score_response(document, answers, not_asked=not_asked_keys(document, leads_work_group=True))


def test_score_response_of_a_leader() -> None:
    document = _document()
    not_asked = not_asked_keys(document, leads_work_group=True)
    answers: dict[str, int | None] = {
        item.key: 4 for item in document.items if item.key not in not_asked
    }
    answers["ea_1"] = 2
    scores = score_response(document, answers, not_asked=not_asked)
    assert scores.dimensions["empathic_attunement"] == 2.0  # ea_1 alone: min(3, 1)
    # Without saying what was not asked, the same answers miss the minimum.
    assert score_response(document, answers).dimensions["empathic_attunement"] is None
