"""Tests for app/reports/stats/summaries.py: Summary, the t interval of a mean, Wilson."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special  # type: ignore[import-untyped, unused-ignore]
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats import (
    Summary,
    mean_ci,
    wilson_interval,
)
from tests.reports.stats.strategies import eighths, levels, likert_lists

# --------------------------------------------------------------------------------------------
# Summary


def test_summary_from_sums_worked_example() -> None:
    # x = 1, 2, 2, 3, 5: n = 5, T = 13, Q = 1 + 4 + 4 + 9 + 25 = 43
    # mean = 13/5 = 2.6; SS = 43 - 169/5 = 9.2; var = 9.2 / 4 = 2.3
    s = Summary.from_sums(5, 13, 43)
    assert s.mean == pytest.approx(2.6, abs=1e-15)
    assert s.ss == pytest.approx(9.2, abs=1e-12)
    assert s.variance == pytest.approx(2.3, abs=1e-12)
    assert s.sd == pytest.approx(math.sqrt(2.3), abs=1e-12)
    assert s.se == pytest.approx(math.sqrt(2.3 / 5), abs=1e-12)


def test_summary_accepts_sql_types() -> None:
    # PostgreSQL returns Decimal for SUM over numerics, numpy may hand back np.int64
    s = Summary.from_sums(np.int64(5), Decimal("13"), Decimal("43.0"))
    assert (s.n, s.total, s.total_sq) == (5, 13.0, 43.0)
    assert type(s.n) is int
    assert isinstance(s.total, float)


def test_summary_single_observation_has_no_variance() -> None:
    s = Summary.from_sums(1, 4, 16)
    assert s.mean == 4.0
    assert s.variance is None
    assert s.sd is None
    assert s.se is None


@pytest.mark.parametrize("value", [3.0, 11 / 3, 0.1, 4.25])
def test_constant_answers_have_exactly_zero_variance(value: float) -> None:
    s = Summary.from_values([value] * 17)
    assert s.ss == 0.0
    assert s.variance == 0.0


@pytest.mark.parametrize(
    ("n", "total", "total_sq"),
    [(5, 13, 10), (3, 0, -1), (2, float("nan"), 4), (2, 1, float("inf"))],
)
def test_summary_rejects_impossible_sums(n: int, total: float, total_sq: float) -> None:
    with pytest.raises(ValueError, match=r"inconsistent|must be"):
        Summary.from_sums(n, total, total_sq)


def test_summary_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="n must be >= 1"):
        Summary.from_sums(0, 0, 0)
    with pytest.raises(TypeError):
        Summary.from_sums(True, 1, 1)
    with pytest.raises(TypeError):
        Summary.from_sums(2.0, 1, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no observations"):
        Summary.from_values([])
    with pytest.raises(ValueError, match="finite"):
        Summary.from_values([1.0, float("nan")])


def test_without_removes_a_sub_group() -> None:
    a = Summary.from_values([1, 2, 3, 4])
    b = Summary.from_values([5, 5, 2])
    both = Summary.from_values([1, 2, 3, 4, 5, 5, 2])
    assert both.without(a) == b
    with pytest.raises(ValueError, match="cannot remove"):
        a.without(both)


@given(st.lists(eighths, min_size=1, max_size=60))
def test_summary_matches_numpy(values: list[float]) -> None:
    x = np.array(values)
    s = Summary.from_values(values)
    assert s.n == x.size
    assert s.mean == pytest.approx(float(x.mean()), rel=1e-12, abs=1e-12)
    if x.size >= 2:
        assert s.variance == pytest.approx(float(x.var(ddof=1)), rel=1e-9, abs=1e-9)
    via_sums = Summary.from_sums(len(values), sum(values), sum(v * v for v in values))
    assert via_sums == s


# --------------------------------------------------------------------------------------------
# mean_ci


def test_mean_ci_matches_scipy_t_interval() -> None:
    ci = mean_ci(12, 3.4, 0.9)
    lo, hi = sps.t.interval(0.95, 11, loc=3.4, scale=0.9 / math.sqrt(12))
    assert ci.lower == pytest.approx(lo, rel=1e-12)
    assert ci.upper == pytest.approx(hi, rel=1e-12)
    assert ci.df == 11
    assert ci.se == pytest.approx(0.9 / math.sqrt(12))
    # t_{.975, 11} = 2.2010 (printed tables): half width 2.2010 * 0.9 / sqrt(12) = 0.5718
    assert ci.upper is not None
    assert ci.upper - 3.4 == pytest.approx(0.5718, abs=1e-4)


def test_mean_ci_from_summary() -> None:
    values = [4, 5, 3, 4, 4, 2, 5]
    ci = Summary.from_sums(7, sum(values), sum(v * v for v in values)).mean_ci(0.9)
    x = np.array(values, dtype=float)
    lo, hi = sps.t.interval(0.9, 6, loc=x.mean(), scale=sps.sem(x))
    assert ci.lower == pytest.approx(lo)
    assert ci.upper == pytest.approx(hi)
    assert ci.level == 0.9


def test_mean_ci_without_interval_below_two() -> None:
    ci = mean_ci(1, 4.0, None)
    assert (ci.sd, ci.se, ci.df, ci.lower, ci.upper) == (None, None, None, None, None)
    assert ci.mean == 4.0
    assert Summary.from_sums(1, 4, 16).mean_ci().lower is None


def test_mean_ci_degenerate_and_invalid() -> None:
    ci = mean_ci(5, 2.0, 0.0)
    assert (ci.lower, ci.upper) == (2.0, 2.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        mean_ci(0, 0.0, None)
    with pytest.raises(ValueError, match="sd is required"):
        mean_ci(3, 1.0, None)
    with pytest.raises(ValueError, match="finite"):
        mean_ci(3, float("nan"), 1.0)
    with pytest.raises(ValueError, match="finite"):
        mean_ci(3, 1.0, float("nan"))
    for bad in (0.0, 1.0, 95.0):
        with pytest.raises(ValueError, match="confidence level"):
            mean_ci(3, 1.0, 1.0, bad)


# --------------------------------------------------------------------------------------------
# the interval of a mean within the scale

SCALE = (1.0, 5.0)


def logit_reference(
    x: np.ndarray, level: float, lo: float = 1.0, hi: float = 5.0
) -> tuple[float, float]:
    """The logit interval from raw answers on an independent path: scipy's t interval
    around logit(p) with the delta-method scale, mapped back with scipy's expit."""
    p = (x.mean() - lo) / (hi - lo)
    scale = sps.sem(x) / (hi - lo) / (p * (1 - p))
    a, b = sps.t.interval(level, x.size - 1, loc=special.logit(p), scale=scale)
    return lo + (hi - lo) * float(special.expit(a)), lo + (hi - lo) * float(special.expit(b))


def test_issue_13_interval_stays_on_the_scale() -> None:
    # n = 5, 4.35 with sd 0.99: the t interval was [3.12, 5.58]
    t = mean_ci(5, 4.35, 0.99)
    assert t.upper == pytest.approx(5.58, abs=0.005)
    ci = mean_ci(5, 4.35, 0.99, bounds=SCALE)
    assert ci.bounded
    assert ci.lower is not None
    assert ci.upper is not None
    assert 1.0 < ci.lower < 4.35 < ci.upper < 5.0
    assert (ci.lower, ci.upper) == pytest.approx((2.4006, 4.9205), abs=1e-4)
    assert ci.df == 4
    assert ci.se == pytest.approx(0.99 / math.sqrt(5))


def test_bounded_interval_matches_the_logit_reference() -> None:
    x = np.array([5, 4, 5, 5, 3, 4, 5, 4], dtype=float)
    ci = Summary.from_values(x).mean_ci(0.9, bounds=SCALE)
    assert (ci.lower, ci.upper) == pytest.approx(logit_reference(x, 0.9), rel=1e-12)
    # another scale: 0-10
    y = np.array([0, 1, 0, 2, 0, 0, 3], dtype=float)
    ci = Summary.from_values(y).mean_ci(bounds=(0.0, 10.0))
    assert (ci.lower, ci.upper) == pytest.approx(logit_reference(y, 0.95, 0, 10), rel=1e-12)


@pytest.mark.parametrize(("n", "value"), [(6, 5.0), (6, 1.0), (30, 5.0), (6, 4.0), (2, 3.0)])
def test_identical_answers_get_the_exact_worst_case_interval(n: int, value: float) -> None:
    ci = Summary.from_values([value] * n).mean_ci(bounds=SCALE)
    # the Clopper-Pearson upper bound for 0 of n is the share that might answer otherwise
    reach = sps.binomtest(0, n).proportion_ci(0.95, method="exact").high
    assert ci.lower == pytest.approx(value - reach * (value - 1.0), rel=1e-12)
    assert ci.upper == pytest.approx(value + reach * (5.0 - value), rel=1e-12)
    assert ci.lower is not None
    assert ci.upper is not None
    assert 1.0 <= ci.lower <= value <= ci.upper <= 5.0
    assert ci.upper - ci.lower > 0  # never a zero-width interval from a handful of people


def test_six_answers_of_five_and_thirty() -> None:
    assert Summary.from_values([5] * 6).mean_ci(bounds=SCALE).lower == pytest.approx(
        3.163, abs=1e-3
    )
    assert Summary.from_values([5] * 30).mean_ci(bounds=SCALE).lower == pytest.approx(
        4.537, abs=1e-3
    )


def test_bounded_interval_invalid_input() -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        mean_ci(5, 5.5, 0.5, bounds=SCALE)
    with pytest.raises(ValueError, match="outside the scale"):
        mean_ci(1, 0.0, None, bounds=SCALE)
    with pytest.raises(ValueError, match="increasing"):
        mean_ci(5, 3.0, 0.5, bounds=(5.0, 1.0))
    with pytest.raises(ValueError, match="finite"):
        mean_ci(5, 3.0, 0.5, bounds=(1.0, float("inf")))
    one = mean_ci(1, 5.0, None, bounds=SCALE)
    assert (one.lower, one.upper, one.bounded) == (None, None, True)


@settings(deadline=None, max_examples=300)
@given(likert_lists(min_size=2, max_size=60), levels)
def test_every_bounded_interval_stays_within_the_scale(values: list[int], level: float) -> None:
    x = np.array(values, dtype=float)
    ci = Summary.from_values(x).mean_ci(level, bounds=SCALE)
    assert ci.lower is not None
    assert ci.upper is not None
    assert 1.0 <= ci.lower <= x.mean() <= ci.upper <= 5.0
    if x.var() > 0 and 1 < x.mean() < 5:
        assert (ci.lower, ci.upper) == pytest.approx(logit_reference(x, level), rel=1e-9)


@settings(deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=4).flatmap(
        lambda row: st.lists(
            st.lists(st.integers(1, 5), min_size=len(row), max_size=len(row)),
            min_size=2,
            max_size=30,
        )
    ),
    levels,
)
def test_every_bounded_interval_of_scores_stays_within_the_scale(
    rows: list[list[int]], level: float
) -> None:
    # dimension scores are means of items: real values on the scale
    scores = np.array(rows, dtype=float).mean(axis=1)
    ci = Summary.from_values(scores).mean_ci(level, bounds=SCALE)
    assert ci.lower is not None
    assert ci.upper is not None
    assert 1.0 <= ci.lower <= ci.upper <= 5.0


@settings(deadline=None)
@given(likert_lists(), levels)
def test_mean_ci_contains_mean_and_matches_scipy(values: list[int], level: float) -> None:
    x = np.array(values, dtype=float)
    s = Summary.from_values(x)
    ci = s.mean_ci(level)
    assert ci.lower is not None
    assert ci.upper is not None
    assert ci.lower <= s.mean <= ci.upper
    if x.var() > 0:
        lo, hi = sps.t.interval(level, x.size - 1, loc=x.mean(), scale=sps.sem(x))
        assert ci.lower == pytest.approx(lo, rel=1e-9)
        assert ci.upper == pytest.approx(hi, rel=1e-9)
        wider = s.mean_ci(0.999)
        assert wider.lower is not None
        assert wider.lower < ci.lower


# --------------------------------------------------------------------------------------------
# Wilson


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_published_examples(x: int, n: int, lower: float, upper: float) -> None:
    w = wilson_interval(x, n)
    assert w.estimate == pytest.approx(x / n)
    assert w.lower == pytest.approx(lower, abs=5e-5)
    assert w.upper == pytest.approx(upper, abs=5e-5)


def _score_statistic(p_hat: float, pi: float, n: int) -> float:
    return abs(p_hat - pi) / math.sqrt(pi * (1 - pi) / n)


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    levels,
)
def test_wilson_bounds_solve_the_score_equation(xn: tuple[int, int], level: float) -> None:
    x, n = xn
    w = wilson_interval(x, n, level)
    assert 0.0 <= w.lower <= w.estimate <= w.upper <= 1.0
    z = sps.norm.ppf(0.5 + level / 2)
    # Wilson's interval is the set of pi whose score test is not rejected: the score
    # statistic equals z at every bound strictly inside (0, 1)
    for bound in (w.lower, w.upper):
        if 0.0 < bound < 1.0:
            assert _score_statistic(x / n, bound, n) == pytest.approx(z, rel=1e-6)
    assert (w.lower == 0.0) == (x == 0)
    assert (w.upper == 1.0) == (x == n)


def test_wilson_invalid() -> None:
    with pytest.raises(ValueError, match="cannot exceed"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="n must be >= 1"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="successes must be >= 0"):
        wilson_interval(-1, 4)
