"""The item report's statistics (app.reports.stats.items), against values computed by hand
and against the reliability module's own alpha and item-rest correlations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.reports.stats import ItemSums, cronbach_alpha, item_rest_correlations
from app.reports.stats.items import (
    alpha_if_deleted_from_cov,
    describe_item,
    item_analysis,
    review_reasons,
)
from app.reports.stats.reliability import NO_VARIANCE, ONE_ITEM, TOO_FEW

FIVE = (1, 2, 3, 4, 5)


def test_an_items_answers_by_hand() -> None:
    # 1, 2, 3, 3, 5 and one "prefer not to answer"
    a = describe_item({1: 1, 2: 1, 3: 2, 5: 1}, 1, FIVE)
    assert a.counts == (1, 1, 2, 0, 1)
    assert (a.answered, a.pna, a.asked) == (5, 1, 6)
    assert a.shares == (0.2, 0.2, 0.4, 0.0, 0.2)
    assert a.pna_share == pytest.approx(1 / 6)
    assert a.midpoint_share == pytest.approx(0.4)
    assert a.mean == pytest.approx(2.8)
    # squared deviations 3.24 + 0.64 + 0.04 + 0.04 + 4.84 = 8.8, over n - 1 = 4
    assert a.sd == pytest.approx(math.sqrt(2.2))


def test_a_reverse_keyed_item_is_scored_as_the_scoring_module_scores_it() -> None:
    a = describe_item({1: 1, 2: 1, 3: 2, 5: 1}, 0, FIVE, reverse=True)
    assert a.mean == pytest.approx(6 - 2.8)  # m + M - x
    assert a.sd == pytest.approx(math.sqrt(2.2))
    assert a.counts == (1, 1, 2, 0, 1)  # the distribution stays as answered


def test_edge_cases_of_answers() -> None:
    constant = describe_item({4: 7}, 0, FIVE)
    assert constant.mean == 4 and constant.sd == 0.0 and constant.midpoint_share == 0.0
    all_missing = describe_item({}, 3, FIVE)
    assert all_missing.answered == 0 and all_missing.pna_share == 1.0
    assert all_missing.mean is None and all_missing.sd is None
    assert all_missing.midpoint_share is None and all_missing.shares == (None,) * 5
    nobody = describe_item({}, 0, FIVE)
    assert nobody.pna_share is None
    one = describe_item({2: 1}, 0, FIVE)
    assert one.mean == 2 and one.sd is None
    even = describe_item({1: 2, 4: 2}, 0, (1, 2, 3, 4))
    assert even.midpoint_share is None  # a four-point scale has no midpoint


@pytest.mark.parametrize(
    ("counts", "pna", "points", "error"),
    [
        ({6: 1}, 0, FIVE, ValueError),  # off the scale
        ({2: -1}, 0, FIVE, ValueError),
        ({2: 1}, -1, FIVE, ValueError),
        ({2: 1}, 0, (), ValueError),
        ({2: 1}, 0, (3, 2, 1), ValueError),
        ({2: True}, 0, FIVE, TypeError),
    ],
)
def test_bad_answers_are_refused(
    counts: dict[int, int], pna: int, points: tuple[int, ...], error: type[Exception]
) -> None:
    with pytest.raises(error):
        describe_item(counts, pna, points)


def test_alpha_if_deleted_by_hand() -> None:
    # equal variances 1 and covariances .5: alpha = 3/2 (1 - 3/6) = .75 with three items;
    # without any one: 2 (1 - 2/3) = 2/3
    c = np.array([[1, 0.5, 0.5], [0.5, 1, 0.5], [0.5, 0.5, 1]])
    assert alpha_if_deleted_from_cov(c) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # a constant first item: without it 2/3; without item 2 the rest (items 1 and 3) has
    # variance 1 and trace 1, so alpha = 2 (1 - 1) = 0
    constant = np.array([[0, 0, 0], [0, 1, 0.5], [0, 0.5, 1]])
    assert alpha_if_deleted_from_cov(constant) == pytest.approx((2 / 3, 0.0, 0.0))
    # two items: deleting one leaves one, which has no alpha
    assert alpha_if_deleted_from_cov([[1, 0.3], [0.3, 1]]) == (None, None)
    # a rest without variance
    assert alpha_if_deleted_from_cov(np.zeros((3, 3))) == (None, None, None)
    with pytest.raises(ValueError, match="square"):
        alpha_if_deleted_from_cov(np.array([[1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match="finite"):
        alpha_if_deleted_from_cov(np.array([[float("nan"), 0.0], [0.0, 1.0]]))


def answers(seed: int = 3, n: int = 60, items: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    person = rng.normal(3, 0.8, size=(n, 1))
    return np.clip(np.rint(person + rng.normal(0, 0.7, size=(n, items))), 1, 5)


def test_item_analysis_agrees_with_alpha_computed_without_the_item() -> None:
    x = answers()
    found = item_analysis(ItemSums.from_answers(x))
    whole = cronbach_alpha(x)
    assert whole is not None and found.alpha == pytest.approx(whole.alpha)
    assert found.n == 60 and found.items == 4 and found.reason is None
    assert found.item_rest == pytest.approx(item_rest_correlations(x))
    assert found.alpha_if_deleted is not None
    for i, value in enumerate(found.alpha_if_deleted):
        without = cronbach_alpha(np.delete(x, i, axis=1))
        assert without is not None and value == pytest.approx(without.alpha)


def test_two_items_in_a_dimension() -> None:
    x = answers(items=2)
    found = item_analysis(ItemSums.from_answers(x))
    r = float(np.corrcoef(x, rowvar=False)[0, 1])
    assert found.item_rest == pytest.approx((r, r))
    assert found.alpha_if_deleted == (None, None)
    assert found.alpha is not None


def test_item_analysis_says_why_it_computed_nothing() -> None:
    assert item_analysis(ItemSums.from_answers(answers(items=1))).reason == ONE_ITEM
    few = item_analysis(ItemSums.from_answers(answers(n=29)))
    assert few.reason == TOO_FEW.format(min_n=30) and few.alpha is None
    assert item_analysis(ItemSums.from_answers(answers(n=29)), min_n=10).alpha is not None
    flat = item_analysis(ItemSums.from_answers(np.full((40, 3), 3.0)))
    assert flat.reason == NO_VARIANCE and flat.item_rest is None
    missing = item_analysis(ItemSums.from_answers(np.full((40, 3), np.nan)))
    assert missing.n == 0 and missing.reason == TOO_FEW.format(min_n=30)
    with pytest.raises(ValueError, match="min_n"):
        item_analysis(ItemSums.from_answers(answers()), min_n=1)


def test_a_constant_item_has_no_item_rest_but_the_others_do() -> None:
    x = answers(items=3)
    x[:, 0] = 4
    found = item_analysis(ItemSums.from_answers(x))
    assert found.item_rest is not None and found.item_rest[0] is None
    assert found.item_rest[1] is not None and found.alpha_if_deleted is not None
    without = cronbach_alpha(x[:, 1:])
    assert without is not None and found.alpha_if_deleted[0] == pytest.approx(without.alpha)


def test_review_thresholds() -> None:
    fine = describe_item({1: 2, 2: 3, 3: 3, 4: 6, 5: 6}, 1, FIVE)  # 15% midpoint, PNA 1/21
    assert review_reasons(fine, 0.45, 0.80, 0.78) == ()
    assert review_reasons(fine, 0.29, 0.80, 0.78) == ("item_rest",)
    assert review_reasons(fine, 0.30, 0.80, 0.803) == ()  # a rise within rounding
    assert review_reasons(fine, 0.45, 0.80, 0.82) == ("alpha_rises",)
    vague = describe_item({3: 9, 4: 10}, 3, FIVE)  # 9/19 midpoint, 3/22 PNA
    assert review_reasons(vague, None, None, None) == ("pna", "midpoint")
    exactly = describe_item({3: 4, 4: 6}, 0, FIVE)  # 40% midpoint is not above 40%
    assert review_reasons(exactly, None, None, None) == ()
    assert review_reasons(None, None, None, None) == ()
