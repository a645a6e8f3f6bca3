"""Scoring: reverse keying, dimension scores, family indices, favorability."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    family_index,
    keyed_value,
    reverse_score,
    score_response,
)
from app.instruments.validation import validate_instrument_text

DATA = Path(__file__).resolve().parents[1] / "data" / "instruments"
LABEL = LocalizedText.from_dict({"en": "x"})


def small_document() -> InstrumentDocument:
    result = validate_instrument_text((DATA / "valid_small.json").read_bytes())
    assert result.document is not None
    return result.document


def make_scale(low: int, high: int) -> Scale:
    mid = (low + high) // 2
    return Scale(
        key="s",
        min=low,
        max=high,
        points=tuple(ScalePoint(v, LABEL) for v in range(low, high + 1)),
        prefer_not_label=LABEL,
        low=Band(low, mid - 1 if mid > low else low),
        high=Band(mid + 1 if mid < high else high, high),
    )


def make_item(key: str, scale: Scale, reverse: bool = False, dimension: str = "d") -> Item:
    return Item(
        key=key, type="likert", text=LABEL, dimension=dimension, scale=scale, reverse=reverse
    )


def make_dimension(min_answered: int) -> Dimension:
    return Dimension("d", "f", LABEL, LABEL, min_answered)


FIVE = make_scale(1, 5)


# --- examples -------------------------------------------------------------------------


def test_reverse_score_on_a_five_point_scale() -> None:
    assert [reverse_score(v, FIVE) for v in range(1, 6)] == [5, 4, 3, 2, 1]


def test_reverse_score_on_a_scale_starting_at_zero() -> None:
    eleven = make_scale(0, 10)
    assert reverse_score(0, eleven) == 10
    assert reverse_score(3, eleven) == 7


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_reverse_score_rejects_values_outside_the_scale(bad: int) -> None:
    with pytest.raises(ValueError, match="outside scale 's' \\(1 to 5\\)"):
        reverse_score(bad, FIVE)


@pytest.mark.parametrize("bad", [True, 3.0, "3"])
def test_reverse_score_rejects_non_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="expected a whole number"):
        reverse_score(bad, FIVE)  # type: ignore[arg-type]


def test_keyed_value_reverses_only_reverse_keyed_items() -> None:
    assert keyed_value(make_item("a", FIVE), 2) == 2
    assert keyed_value(make_item("b", FIVE, reverse=True), 2) == 4


def test_keyed_value_refuses_unscored_items_and_bad_values() -> None:
    choice = Item(key="c", type="single_choice", text=LABEL)
    with pytest.raises(ValueError, match="not a scored"):
        keyed_value(choice, 1)
    with pytest.raises(ValueError, match="item 'a': 9 is outside"):
        keyed_value(make_item("a", FIVE), 9)


def test_dimension_score_is_the_mean_of_keyed_answers() -> None:
    items = [make_item("a", FIVE), make_item("b", FIVE), make_item("r", FIVE, reverse=True)]
    # keyed: 5, 4, 6 - 1 = 5 -> 14 / 3
    score = dimension_score({"a": 5, "b": 4, "r": 1}, make_dimension(3), items)
    assert score == pytest.approx(14 / 3)


def test_prefer_not_to_answer_is_excluded_not_imputed() -> None:
    items = [make_item(k, FIVE) for k in "abcd"]
    score = dimension_score({"a": 5, "b": 5, "c": 4, "d": None}, make_dimension(3), items)
    assert score == pytest.approx(14 / 3)  # not (5 + 5 + 4 + 3) / 4


def test_dimension_score_below_minimum_is_none() -> None:
    items = [make_item(k, FIVE) for k in "abcd"]
    assert dimension_score({"a": 5, "b": None, "c": 4}, make_dimension(3), items) is None
    assert dimension_score({}, make_dimension(1), items) is None


def test_dimension_score_ignores_items_of_other_dimensions() -> None:
    items = [make_item("a", FIVE), make_item("z", FIVE, dimension="other")]
    assert dimension_score({"a": 2, "z": 5}, make_dimension(1), items) == 2


def test_score_response_on_the_small_instrument() -> None:
    document = small_document()
    # trust: tr_1 = 5, tr_2 = 4, tr_3 reversed 2 -> 4: mean 13 / 3.
    # fear:  fe_1 = 1, fe_2 = prefer not, fe_3 reversed 5 -> 1: mean 1.
    scores = score_response(
        document, {"tr_1": 5, "tr_2": 4, "tr_3": 2, "fe_1": 1, "fe_2": None, "fe_3": 5, "tenure": 2}
    )
    assert list(scores.dimensions) == ["trust", "fear"]
    assert scores.dimensions["trust"] == pytest.approx(13 / 3)
    assert scores.dimensions["fear"] == 1
    assert scores.families == {"good": pytest.approx(13 / 3), "bad": 1}


def test_score_response_missing_dimension_gives_missing_family() -> None:
    scores = score_response(small_document(), {"tr_1": 5, "fe_1": 3, "fe_2": 3})
    assert scores.dimensions == {"trust": None, "fear": 3}
    assert scores.families == {"good": None, "bad": 3}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nope": 3}, "unknown item key 'nope'"),
        ({"ideas": 3}, "unknown item key 'ideas'"),  # a prompt, not an item
        ({"tr_1": 6}, "item 'tr_1': 6 is outside scale 'agree5'"),
        ({"tr_1": 0}, "outside"),
        ({"tenure": 4}, "item 'tenure': 4 is not an option number \\(1 to 3\\)"),
        ({"tenure": True}, "not an option number"),
    ],
)
def test_score_response_rejects_bad_answers(answers: dict[str, int | None], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_response(small_document(), answers)


def test_family_index_is_the_unweighted_mean_of_available_dimensions() -> None:
    assert family_index([4.0, None, 2.0]) == 3.0
    assert family_index([None, None]) is None
    assert family_index([]) is None


# --- properties -----------------------------------------------------------------------


@st.composite
def scales(draw: st.DrawFn) -> Scale:
    low = draw(st.integers(min_value=-5, max_value=5))
    size = draw(st.integers(min_value=2, max_value=11))
    return make_scale(low, low + size - 1)


@st.composite
def scale_and_value(draw: st.DrawFn) -> tuple[Scale, int]:
    scale = draw(scales())
    return scale, draw(st.integers(min_value=scale.min, max_value=scale.max))


@st.composite
def dimension_case(
    draw: st.DrawFn,
) -> tuple[Scale, list[Item], dict[str, int | None], int]:
    scale = draw(scales())
    count = draw(st.integers(min_value=1, max_value=8))
    items = [make_item(f"i{n}", scale, reverse=draw(st.booleans())) for n in range(count)]
    answers = {
        item.key: draw(st.none() | st.integers(min_value=scale.min, max_value=scale.max))
        for item in items
    }
    minimum = draw(st.integers(min_value=1, max_value=count))
    return scale, items, answers, minimum


@given(scale_and_value())
def test_reversing_twice_is_the_identity(case: tuple[Scale, int]) -> None:
    scale, value = case
    assert reverse_score(reverse_score(value, scale), scale) == value


@given(scale_and_value())
def test_reversing_stays_on_the_scale_and_mirrors_the_midpoint(case: tuple[Scale, int]) -> None:
    scale, value = case
    reversed_value = reverse_score(value, scale)
    assert scale.min <= reversed_value <= scale.max
    # x and its reverse are equally far from the midpoint, on opposite sides.
    assert value + reversed_value == scale.min + scale.max


@given(dimension_case())
def test_dimension_scores_stay_within_the_scale(
    case: tuple[Scale, list[Item], dict[str, int | None], int],
) -> None:
    scale, items, answers, minimum = case
    score = dimension_score(answers, make_dimension(minimum), items)
    if score is not None:
        assert scale.min <= score <= scale.max


@given(dimension_case())
def test_prefer_not_to_answer_never_counts_as_the_midpoint(
    case: tuple[Scale, list[Item], dict[str, int | None], int],
) -> None:
    _scale, items, answers, minimum = case
    score = dimension_score(answers, make_dimension(minimum), items)
    answered = {k: v for k, v in answers.items() if v is not None}
    # Answering "prefer not" is the same as not answering at all...
    assert score == dimension_score(answered, make_dimension(minimum), items)
    # ...and the score is the mean of the answered keyed values only.
    keyed = [keyed_value(i, answered[i.key]) for i in items if i.key in answered]
    if len(keyed) >= minimum:
        assert score is not None
        assert math.isclose(score, sum(keyed) / len(keyed))


@given(dimension_case())
def test_below_the_minimum_there_is_no_score(
    case: tuple[Scale, list[Item], dict[str, int | None], int],
) -> None:
    _scale, items, answers, minimum = case
    answered = sum(value is not None for value in answers.values())
    score = dimension_score(answers, make_dimension(minimum), items)
    assert (score is None) == (answered < minimum)


@given(st.lists(st.none() | st.floats(min_value=1, max_value=5), max_size=6))
def test_family_index_stays_within_its_dimension_scores(scores: list[float | None]) -> None:
    index = family_index(scores)
    available = [s for s in scores if s is not None]
    if not available:
        assert index is None
    else:
        assert index is not None
        assert min(available) <= index <= max(available)


@given(
    st.fixed_dictionaries(
        {key: st.none() | st.integers(1, 5) for key in ("tr_1", "tr_2", "tr_3", "fe_1")}
    )
)
def test_score_response_matches_dimension_score(answers: dict[str, int | None]) -> None:
    document = small_document()
    scores = score_response(document, answers)
    by_dimension = document.items_by_dimension()
    for dimension in document.dimensions:
        expected = dimension_score(answers, dimension, by_dimension[dimension.key])
        assert scores.dimensions[dimension.key] == expected
