"""Tests for app/reports/stats/aggregation.py: rwg, rwg(J) and ICC(1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats import (
    Summary,
    icc1,
    rwg,
    rwg_j,
    rwg_j_from_items,
    uniform_null_variance,
)

# --------------------------------------------------------------------------------------------
# agreement


def test_rwg_hand_values() -> None:
    assert uniform_null_variance(5) == 2.0  # (25 - 1) / 12
    assert uniform_null_variance(7) == 4.0  # (49 - 1) / 12
    assert rwg(0.5, 5) == pytest.approx(0.75)  # 1 - 0.5 / 2
    assert rwg(0.0, 5) == 1.0
    # J = 4, mean variance .5: 4 * .75 / (4 * .75 + .25) = 3 / 3.25 = 12/13
    assert rwg_j([0.5, 0.5, 0.25, 0.75], 5) == pytest.approx(12 / 13)
    assert rwg_j([0.8], 5) == pytest.approx(rwg(0.8, 5))


def test_rwg_truncation_rule() -> None:
    assert rwg(2.0, 5) == 0.0
    assert rwg(3.0, 5) == 0.0  # the raw formula would give -0.5
    # r = 1.5, J = 4: the raw formula 4(1 - r) / (4(1 - r) + r) = -2 / -0.5 = 4 -> set to 0
    assert rwg_j([3.0] * 4, 5) == 0.0
    # r = 4/3, J = 4: the raw formula's denominator is 0 -> set to 0
    assert rwg_j([8 / 3] * 4, 5) == 0.0


def test_rwg_from_items() -> None:
    # item 1: 4, 4, 5, 5 -> var 1/3; item 2: 3, 4, 4, 5 -> var 2/3; mean 0.5 on 5 points
    # r = .25, J = 2: 2 * .75 / (2 * .75 + .25) = 1.5 / 1.75 = 6/7
    assert rwg_j_from_items([[4, 3], [4, 4], [5, 4], [5, 5]], 5) == pytest.approx(6 / 7)
    assert rwg_j_from_items(np.array([[4, 3], [np.nan, 4]]), 5) is None
    with pytest.raises(ValueError, match="scale_points must be >= 2"):
        rwg(0.1, 1)
    with pytest.raises(ValueError, match="variance must be >= 0"):
        rwg(-0.1, 5)
    with pytest.raises(ValueError, match="finite"):
        rwg_j([0.1, np.nan], 5)


@given(
    st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), min_size=1, max_size=8),
    st.integers(min_value=2, max_value=11),
)
def test_rwg_bounded_and_decreasing(variances: list[float], points: int) -> None:
    value = rwg_j(variances, points)
    assert 0.0 <= value <= 1.0
    more = rwg_j([v + 0.5 for v in variances], points)
    assert more <= value
    if float(np.mean(variances)) >= uniform_null_variance(points):
        assert value == 0.0
    else:
        assert value > 0.0


# --------------------------------------------------------------------------------------------
# ICC(1)


def test_icc1_balanced_hand_example() -> None:
    # groups (1,2,3), (4,5,6), (7,8,9): grand mean 5
    # SSB = 3 * (9 + 0 + 9) = 54 -> MSB = 27; SSW = 2 + 2 + 2 = 6 -> MSW = 1
    # ICC(1) = (27 - 1) / (27 + 2 * 1) = 26/29
    groups = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    res = icc1([Summary.from_values(g) for g in groups])
    assert res is not None
    assert res.icc1 == pytest.approx(26 / 29)
    assert (res.ms_between, res.ms_within, res.n0) == (27.0, 1.0, 3.0)
    ref = sps.f_oneway(*groups)
    assert res.f == pytest.approx(ref.statistic)
    assert res.p == pytest.approx(ref.pvalue)


def test_icc1_unbalanced_matches_anova() -> None:
    # sizes 2, 3, 5: N = 10, n0 = (10 - (4 + 9 + 25)/10) / 2 = (10 - 3.8) / 2 = 3.1
    groups = [[1.0, 3.0], [2.0, 2.0, 5.0], [4.0, 5.0, 3.0, 5.0, 4.0]]
    res = icc1([Summary.from_values(g) for g in groups])
    assert res is not None
    assert res.n0 == pytest.approx(3.1)
    ref = sps.f_oneway(*groups)
    assert res.f == pytest.approx(ref.statistic)
    assert res.p == pytest.approx(ref.pvalue)
    assert (res.df_between, res.df_within) == (2, 7)
    expected = (res.ms_between - res.ms_within) / (res.ms_between + 2.1 * res.ms_within)
    assert res.icc1 == pytest.approx(expected)


def test_icc1_can_be_negative_and_undefined_cases() -> None:
    same_means = [
        Summary.from_values([1, 5]),
        Summary.from_values([2, 4]),
        Summary.from_values([3, 3]),
    ]
    res = icc1(same_means)
    assert res is not None
    assert res.icc1 < 0  # MSB = 0: (0 - MSW) / ((n0 - 1) MSW) = -1 / (n0 - 1) = -1
    assert res.icc1 == pytest.approx(-1.0)
    assert icc1([Summary.from_values([1, 2])]) is None
    assert icc1([Summary.from_values([1]), Summary.from_values([2])]) is None
    assert icc1([Summary.from_values([1, 1]), Summary.from_values([2, 2])]) is None
