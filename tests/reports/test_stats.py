"""Tests for app/reports/stats.py against scipy, published worked examples and hand sums.

Expected values are either literals worked by hand (the working is in the comments), values
published in the literature, or scipy computed from the *raw* data on an independent path.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats import (
    ALPHA_FLAG_BELOW,
    RELIABILITY_MIN_N,
    Summary,
    benjamini_hochberg,
    cronbach_alpha,
    cronbach_alpha_from_cov,
    feldt_interval,
    hedges_correction,
    hedges_g,
    icc1,
    item_rest_correlations,
    item_rest_correlations_from_cov,
    mean_ci,
    rwg,
    rwg_j,
    rwg_j_from_items,
    standpoint_gap,
    team_vs_rest,
    uniform_null_variance,
    welch_t,
    wilson_interval,
)

# Rating-scale answers (1..5) and "nice" reals (multiples of 1/8) keep the sums exact, so
# the comparison with raw-data computations tests the formulas, not float cancellation.
likert = st.integers(min_value=1, max_value=5)
eighths = st.integers(min_value=-800, max_value=800).map(lambda i: i / 8)
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def likert_lists(min_size: int = 2, max_size: int = 40) -> st.SearchStrategy[list[int]]:
    return st.lists(likert, min_size=min_size, max_size=max_size)


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


# --------------------------------------------------------------------------------------------
# Welch


def test_welch_matches_scipy_and_hand_df() -> None:
    a = [1.0, 2.0, 3.0, 4.0]
    b = [2.0, 5.0, 6.0, 9.0, 1.0]
    res = welch_t(Summary.from_values(a), Summary.from_values(b))
    assert res is not None
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert res.t == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p == pytest.approx(ref.pvalue, rel=1e-10)
    # by hand: var_a = 5/3, var_b = 11.5; v_a = 5/12, v_b = 2.3
    # df = (5/12 + 2.3)**2 / ((5/12)**2 / 3 + 2.3**2 / 4) = 7.38028 / 1.34610 = 5.48270
    assert res.df == pytest.approx(5.48270, abs=1e-5)
    ci = ref.confidence_interval(0.95)
    assert res.lower == pytest.approx(ci.low)
    assert res.upper == pytest.approx(ci.high)
    assert res.difference == pytest.approx(2.5 - 4.6)


def test_welch_undefined_cases_return_none() -> None:
    one = Summary.from_values([3])
    const_a = Summary.from_values([2, 2, 2])
    const_b = Summary.from_values([4, 4, 4, 4])
    spread = Summary.from_values([1, 3, 5])
    assert welch_t(one, spread) is None
    assert welch_t(spread, one) is None
    assert welch_t(const_a, const_b) is None
    # one constant group is fine: df = n_other - 1
    res = welch_t(const_a, spread)
    assert res is not None
    assert res.df == pytest.approx(2.0)


@settings(deadline=None)
@given(likert_lists(), likert_lists(), levels)
def test_welch_property_matches_scipy(a: list[int], b: list[int], level: float) -> None:
    res = welch_t(Summary.from_values(a), Summary.from_values(b), level)
    if np.var(a) == 0 and np.var(b) == 0:
        assert res is None
        return
    assert res is not None
    if np.var(a) == 0 or np.var(b) == 0:
        # scipy warns on a constant sample; then Welch reduces to a one-sample t on the other
        other = b if np.var(a) == 0 else a
        assert res.df == pytest.approx(len(other) - 1, rel=1e-12)
        assert res.se == pytest.approx(float(sps.sem(np.array(other, float))), rel=1e-9)
        return
    ref = sps.ttest_ind(np.array(a, float), np.array(b, float), equal_var=False)
    assert res.t == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
    assert res.p == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-14)
    assert res.df == pytest.approx(ref.df, rel=1e-9)
    ci = ref.confidence_interval(level)
    assert res.lower == pytest.approx(ci.low, rel=1e-7, abs=1e-12)
    assert res.upper == pytest.approx(ci.high, rel=1e-7, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Hedges' g


def test_hedges_g_borenstein_worked_example() -> None:
    # Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4:
    # means 103 and 100, SDs 5.5 and 4.5, n = 50 each:
    # S_within = 5.0249, d = 0.5970, V_d = 0.0418, J = 0.9923, g = 0.5924, V_g = 0.0411,
    # SE_g = 0.2028
    a = Summary.from_sums(50, 50 * 103, 49 * 5.5**2 + 50 * 103**2)
    b = Summary.from_sums(50, 50 * 100, 49 * 4.5**2 + 50 * 100**2)
    res = hedges_g(a, b)
    assert res is not None
    assert res.d == pytest.approx(0.5970, abs=5e-5)
    assert res.j == pytest.approx(0.9923, abs=5e-5)
    assert res.g == pytest.approx(0.5924, abs=5e-5)
    assert res.se**2 == pytest.approx(0.0411, abs=5e-5)
    assert res.se == pytest.approx(0.2028, abs=5e-5)
    # 95% CI: g +/- 1.959964 * SE_g
    assert res.lower == pytest.approx(0.5924 - 1.959964 * 0.2028, abs=2e-4)
    assert res.upper == pytest.approx(0.5924 + 1.959964 * 0.2028, abs=2e-4)


def test_hedges_g_hand_computation_small_sample() -> None:
    # a = 2, 4, 6 (mean 4, SS 8); b = 1, 2, 3, 2 (mean 2, SS 2); df = 5
    # s_p = sqrt(10 / 5) = sqrt(2); d = 2 / sqrt(2) = sqrt(2)
    # J(5) = Gamma(2.5) / (sqrt(2.5) Gamma(2)) = 1.329340 / 1.581139 = 0.840749
    a = Summary.from_values([2, 4, 6])
    b = Summary.from_values([1, 2, 3, 2])
    res = hedges_g(a, b, 0.9)
    assert res is not None
    d = math.sqrt(2)
    j = math.gamma(2.5) / (math.sqrt(2.5) * math.gamma(2.0))
    assert j == pytest.approx(0.840749, abs=1e-6)
    assert res.df == 5
    assert res.d == pytest.approx(d, rel=1e-12)
    assert res.j == pytest.approx(j, rel=1e-12)
    assert res.g == pytest.approx(j * d, rel=1e-12)
    se = j * math.sqrt(7 / 12 + d * d / 14)
    assert res.se == pytest.approx(se, rel=1e-12)
    assert res.lower == pytest.approx(j * d - 1.644854 * se, abs=1e-5)
    # the approximate J = 1 - 3 / (4 df - 1) = 0.842105 is close but not equal
    assert res.j == pytest.approx(1 - 3 / 19, abs=2e-3)
    assert res.j != pytest.approx(1 - 3 / 19, abs=1e-4)


def test_hedges_correction_approaches_one() -> None:
    assert hedges_correction(4) == pytest.approx(1 / (math.sqrt(2) * math.gamma(1.5)))
    # by hand: J(10) = Gamma(5) / (sqrt(5) Gamma(4.5)) = 24 / (2.236068 * 11.631728) = .922746
    assert hedges_correction(10) == pytest.approx(0.922746, abs=1e-6)
    assert hedges_correction(40) == pytest.approx(1 - 3 / 159, abs=3e-5)
    assert hedges_correction(10_000) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError, match="df must be >= 2"):
        hedges_correction(1)


def test_hedges_g_undefined_and_antisymmetric() -> None:
    assert hedges_g(Summary.from_values([3]), Summary.from_values([1, 2])) is None
    assert hedges_g(Summary.from_values([3, 3]), Summary.from_values([2, 2, 2])) is None
    a = Summary.from_values([1, 2, 4, 5])
    b = Summary.from_values([2, 3, 3])
    ab, ba = hedges_g(a, b), hedges_g(b, a)
    assert ab is not None
    assert ba is not None
    assert ab.g == pytest.approx(-ba.g)
    assert ab.lower == pytest.approx(-ba.upper)


# --------------------------------------------------------------------------------------------
# team vs rest


def test_team_vs_rest_worked_example() -> None:
    team = [1, 2, 3, 4]
    rest = [5, 5, 6]
    org = Summary.from_values(team + rest)
    res = team_vs_rest(Summary.from_values(team), org)
    assert res is not None
    assert res.rest == Summary.from_sums(3, 16, 86)
    assert res.difference == pytest.approx(2.5 - 16 / 3)
    ref = sps.ttest_ind(team, rest, equal_var=False)
    assert res.welch is not None
    assert res.p == pytest.approx(ref.pvalue)
    assert res.g is not None
    assert res.g.g < 0


def test_team_vs_rest_edge_cases() -> None:
    org = Summary.from_values([1, 2, 3])
    assert team_vs_rest(org, org) is None
    with pytest.raises(ValueError, match="exceeds"):
        team_vs_rest(Summary.from_values([1, 2, 3, 4]), org)
    # sum of squares of the "team" is larger than the organisation's: not a subset
    with pytest.raises(ValueError, match="inconsistent"):
        team_vs_rest(Summary.from_values([5, 5]), Summary.from_values([1, 2, 3, 4]))
    # rest of one person: difference known, tests undefined
    res = team_vs_rest(Summary.from_values([1, 2, 3]), Summary.from_values([1, 2, 3, 5]))
    assert res is not None
    assert res.difference == pytest.approx(-3.0)
    assert (res.welch, res.g, res.p) == (None, None, None)


@settings(deadline=None)
@given(likert_lists(), likert_lists())
def test_team_vs_rest_from_sums_equals_raw(team: list[int], rest: list[int]) -> None:
    both = team + rest
    org = Summary.from_sums(len(both), sum(both), sum(v * v for v in both))
    team_s = Summary.from_sums(len(team), sum(team), sum(v * v for v in team))
    res = team_vs_rest(team_s, org)
    assert res is not None
    x, y = np.array(team, float), np.array(rest, float)
    assert res.rest.n == y.size
    assert res.rest.mean == pytest.approx(float(y.mean()), rel=1e-12)
    assert res.rest.variance == pytest.approx(float(y.var(ddof=1)), rel=1e-9, abs=1e-12)
    assert res.difference == pytest.approx(float(x.mean() - y.mean()), rel=1e-9, abs=1e-12)
    if x.var() == 0 and y.var() == 0:
        assert res.welch is None
        assert res.g is None
        return
    assert res.welch is not None
    se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    assert res.welch.se == pytest.approx(se, rel=1e-9)
    if x.var() == 0 or y.var() == 0:
        return  # scipy warns on a constant sample; the se check above covers this case
    ref = sps.ttest_ind(x, y, equal_var=False)
    assert res.welch.t == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
    assert res.welch.p == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-14)
    sp = math.sqrt(
        ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    )
    assert res.g is not None
    assert res.g.d == pytest.approx((x.mean() - y.mean()) / sp, rel=1e-9, abs=1e-12)


@given(st.lists(eighths, min_size=2, max_size=30), st.lists(eighths, min_size=2, max_size=30))
def test_team_vs_rest_real_valued_scores(team: list[float], rest: list[float]) -> None:
    org = Summary.from_values(team + rest)
    res = team_vs_rest(Summary.from_values(team), org)
    assert res is not None
    direct_w = welch_t(Summary.from_values(team), Summary.from_values(rest))
    direct_g = hedges_g(Summary.from_values(team), Summary.from_values(rest))
    assert (res.welch is None) == (direct_w is None)
    if res.welch is not None and direct_w is not None:
        assert res.welch.t == pytest.approx(direct_w.t, rel=1e-9, abs=1e-12)
        assert res.welch.df == pytest.approx(direct_w.df, rel=1e-9)
    assert (res.g is None) == (direct_g is None)
    if res.g is not None and direct_g is not None:
        assert res.g.g == pytest.approx(direct_g.g, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Benjamini-Hochberg

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4.2: 15 p-values from a trial.
BH95 = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
]  # fmt: skip


def test_bh_published_example() -> None:
    res = benjamini_hochberg(BH95, q=0.05)
    # the paper: the procedure rejects the four smallest (0.0095 <= 4/15 * .05 = .01333,
    # while no p_(i) from i = 5 on is below i/15 * .05); Bonferroni would reject three.
    assert res.reject == (True,) * 4 + (False,) * 11
    assert res.m == 15
    # by hand, m p_(i) / i then running minimum from the top:
    # 15*.0001/1 = .0015, 15*.0004/2 = .003, 15*.0019/3 = .0095, 15*.0095/4 = .035625,
    # 15*.0201/5 = .0603, 15*.0278/6 = .0695 -> min(.0695, 15*.0298/7 = .063857) = .063857,
    # .063857, 15*.0344/8 = .0645, 15*.0459/9 = .0765, 15*.324/10 = .486,
    # 15*.4262/11 = .581182, 15*.5719/12 = .714875, 15*.6528/13 = .753231,
    # 15*.759/14 = .813214, 1.0
    expected = [
        0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645,
        0.0765, 0.486, 0.581182, 0.714875, 0.753231, 0.813214, 1.0,
    ]  # fmt: skip
    assert res.adjusted == pytest.approx(expected, abs=1e-6)


def test_bh_keeps_positions_of_suppressed_cells() -> None:
    # non-None: .01, .04, .03, .2 (m = 4); sorted .01 .03 .04 .2
    # m p / i: .04, .06, .05333, .2 -> running minimum from the top: .04, .05333, .05333, .2
    # step-up at q = .05: .01 <= .0125 yes, .03 <= .025 no, .04 <= .0375 no, .2 <= .05 no
    res = benjamini_hochberg([0.01, None, 0.04, 0.03, None, 0.2])
    assert res.m == 4
    assert res.adjusted[1] is None
    assert res.adjusted[4] is None
    kept = [res.adjusted[i] for i in (0, 2, 3, 5)]
    assert kept == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert res.reject == (True, None, False, False, None, False)


def test_bh_caps_at_one_and_handles_empty() -> None:
    assert benjamini_hochberg([0.9, 0.8]).adjusted == (0.9, 0.9)
    # sorted .6 .7 1: 3*.6/1 = 1.8, 3*.7/2 = 1.05, 1 -> running minimum from the top: 1, 1, 1
    assert benjamini_hochberg([0.7, 1.0, 0.6]).adjusted == (1.0, 1.0, 1.0)
    # sorted .02 .6 .9: .06, .9, .9 (the largest adjusted value is the largest p itself)
    assert benjamini_hochberg([0.9, 0.02, 0.6]).adjusted == pytest.approx((0.9, 0.06, 0.9))
    # rounding: 0.95 * 3 / 3 is 0.9499999999999998 in floating point; never below the raw p
    assert benjamini_hochberg([0.0, 0.0, 0.95]).adjusted[2] == 0.95
    empty = benjamini_hochberg([None, None])
    assert (empty.adjusted, empty.reject, empty.m) == ((None, None), (None, None), 0)
    assert benjamini_hochberg([]).m == 0


def test_bh_invalid() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.5, 1.2])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([float("nan")])
    with pytest.raises(ValueError, match="q must"):
        benjamini_hochberg([0.5], q=0)


def _step_up(p: list[float], q: float) -> list[bool]:
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    k = 0
    for rank, i in enumerate(order, start=1):
        if p[i] <= rank * q / m:
            k = rank
    rejected = set(order[:k])
    return [i in rejected for i in range(m)]


pvalue = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(st.lists(st.one_of(st.none(), pvalue), max_size=40), st.sampled_from([0.01, 0.05, 0.1]))
def test_bh_properties(pvalues: list[float | None], q: float) -> None:
    res = benjamini_hochberg(pvalues, q)
    present = [i for i, p in enumerate(pvalues) if p is not None]
    assert res.m == len(present)
    for i, p in enumerate(pvalues):
        assert (res.adjusted[i] is None) == (p is None)
        assert (res.reject[i] is None) == (p is None)
    raw = [p for p in pvalues if p is not None]
    adj = [a for a in res.adjusted if a is not None]
    rej = [r for r in res.reject if r is not None]
    assert len(raw) == len(adj) == len(rej) == res.m
    for p_i, a_i in zip(raw, adj, strict=True):
        assert p_i <= a_i <= 1.0
    by_rank = [a for _, a in sorted(zip(raw, adj, strict=True))]
    assert by_rank == sorted(by_rank)  # monotone in rank
    assert rej == _step_up(raw, q)
    # suppressed cells do not change the answer for the others
    compact = benjamini_hochberg([p for p in pvalues if p is not None], q)
    assert list(compact.adjusted) == adj
    assert list(compact.reject) == rej


# --------------------------------------------------------------------------------------------
# reliability

# 5 respondents x 3 items, worked by hand below
SMALL = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 5]]


def test_alpha_hand_example() -> None:
    # item variances: 1..5 -> 2.5; (2,2,4,4,5) mean 3.4, SS 7.2 -> 1.8; (2,3,3,5,5) -> 1.8
    # totals 5, 7, 10, 13, 15: mean 10, SS 25+9+0+9+25 = 68 -> 17
    # alpha = 3/2 * (1 - 6.1/17) = 16.35/17 = 327/340
    rel = cronbach_alpha(SMALL, min_n=0)
    assert rel is not None
    assert rel.alpha == pytest.approx(327 / 340, rel=1e-12)
    assert (rel.n, rel.k) == (5, 3)
    assert rel.flagged is False
    assert (rel.lower, rel.upper) == pytest.approx(feldt_interval(327 / 340, 5, 3))


def test_alpha_needs_thirty_complete_cases() -> None:
    assert RELIABILITY_MIN_N == 30
    assert cronbach_alpha(SMALL) is None
    assert item_rest_correlations(SMALL) is None
    rows = np.array(SMALL * 6, dtype=float)  # 30 rows
    assert cronbach_alpha(rows) is not None
    with_missing = rows.copy()
    with_missing[-1, 1] = np.nan
    assert cronbach_alpha(with_missing) is None  # 29 complete cases
    cov = np.cov(np.array(rows, float), rowvar=False)
    assert cronbach_alpha_from_cov(cov, 29) is None
    assert cronbach_alpha_from_cov(cov, 30) is not None
    assert item_rest_correlations_from_cov(cov, 29) is None


def test_alpha_listwise_deletion() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, size=(60, 4)).astype(float)
    x[3, 1] = np.nan
    x[10, 0] = np.nan
    got = cronbach_alpha(x)
    want = cronbach_alpha(np.delete(x, [3, 10], axis=0))
    assert got is not None
    assert want is not None
    assert got.n == 58
    assert got.alpha == want.alpha


def test_alpha_flag_and_degenerate() -> None:
    assert ALPHA_FLAG_BELOW == 0.70
    rng = np.random.default_rng(3)
    noise = rng.integers(1, 6, size=(200, 4))  # independent items: alpha near 0
    rel = cronbach_alpha(noise)
    assert rel is not None
    assert rel.alpha < 0.3
    assert rel.flagged is True
    assert cronbach_alpha(np.full((40, 3), 4.0)) is None
    with pytest.raises(ValueError, match="two items"):
        cronbach_alpha([[1], [2]])
    with pytest.raises(ValueError, match="infinite"):
        cronbach_alpha(np.array([[1, np.inf], [2, 3]]))
    with pytest.raises(ValueError, match="2-D"):
        cronbach_alpha([1, 2, 3])


@pytest.mark.parametrize(
    ("alpha", "n", "k", "lower", "upper"),
    [
        # Chris Evans' feldt1.return(0.913, 873, 20) (MRC CBU statistics FAQ "cafun")
        (0.913, 873, 20, 0.9044024, 0.9211588),
        # real-statistics.com "Cronbach's alpha continued": n = 15, k = 10, alpha = .591719
        (0.591719, 15, 10, 0.19492169, 0.83982087),
    ],
)
def test_feldt_published_examples(alpha: float, n: int, k: int, lower: float, upper: float) -> None:
    lo, hi = feldt_interval(alpha, n, k)
    assert lo == pytest.approx(lower, abs=1e-7)
    assert hi == pytest.approx(upper, abs=1e-7)


def test_feldt_worked_formula() -> None:
    # 90% interval, n = 40, k = 4: df = (39, 117)
    lo, hi = feldt_interval(0.8, 40, 4, level=0.9)
    assert lo == pytest.approx(1 - 0.2 * sps.f.ppf(0.95, 39, 117), rel=1e-12)
    assert hi == pytest.approx(1 - 0.2 * sps.f.ppf(0.05, 39, 117), rel=1e-12)
    assert lo < 0.8 < hi
    with pytest.raises(ValueError, match="k must be >= 2"):
        feldt_interval(0.8, 40, 1)


items_matrix = st.integers(min_value=30, max_value=60).flatmap(
    lambda n: st.integers(min_value=2, max_value=6).flatmap(
        lambda k: arrays(np.int64, (n, k), elements=likert)
    )
)


@settings(deadline=None, max_examples=60)
@given(items_matrix)
def test_alpha_from_summary_equals_raw_and_item_variance_formula(
    x: npt.NDArray[np.int64],
) -> None:
    total = x.sum(axis=1)
    assume(np.ptp(total) > 0)
    n, k = x.shape
    raw = cronbach_alpha(x)
    assert raw is not None
    item_var = x.astype(float).var(axis=0, ddof=1).sum()
    by_formula = k / (k - 1) * (1 - item_var / total.astype(float).var(ddof=1))
    assert raw.alpha == pytest.approx(by_formula, rel=1e-9, abs=1e-12)
    cov = np.cov(x, rowvar=False, ddof=1)
    summ = cronbach_alpha_from_cov(cov, n)
    assert summ is not None
    assert summ.alpha == pytest.approx(raw.alpha, rel=1e-9, abs=1e-12)
    assert summ.lower == pytest.approx(raw.lower, rel=1e-9, abs=1e-12)
    assert summ.lower < summ.alpha < summ.upper
    assert summ.flagged == (summ.alpha < 0.70)
    assert item_rest_correlations_from_cov(cov, n) == pytest.approx(item_rest_correlations(x))


def test_item_rest_correlations_match_corrcoef() -> None:
    rng = np.random.default_rng(11)
    common = rng.normal(size=(80, 1))
    x = np.round(3 + common + rng.normal(scale=0.8, size=(80, 4)))
    got = item_rest_correlations(x)
    assert got is not None
    for i in range(4):
        rest = np.delete(x, i, axis=1).sum(axis=1)
        assert got[i] == pytest.approx(np.corrcoef(x[:, i], rest)[0, 1], rel=1e-10)


def test_item_rest_correlation_undefined_for_constant_item() -> None:
    x = np.column_stack([np.full(30, 3.0), np.arange(30) % 5, (np.arange(30) * 7) % 5])
    got = item_rest_correlations(x)
    assert got is not None
    assert got[0] is None
    assert got[1] is not None


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


# --------------------------------------------------------------------------------------------
# standpoint gap


def test_standpoint_gap_top_minus_bottom_with_welch_ci() -> None:
    bottom = [2, 3, 2, 1, 3, 2]
    middle = [3, 3, 4]
    top = [4, 5, 4, 4, 5]
    res = standpoint_gap(
        {
            "individual contributor": Summary.from_values(bottom),
            "manager": Summary.from_values(middle),
            "senior leader": Summary.from_values(top),
        }
    )
    assert res is not None
    assert (res.bottom, res.top) == ("individual contributor", "senior leader")
    assert res.gap == pytest.approx(4.4 - 13 / 6)
    ref = sps.ttest_ind(top, bottom, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert res.lower == pytest.approx(ci.low)
    assert res.upper == pytest.approx(ci.high)
    assert res.p == pytest.approx(ref.pvalue)


def test_standpoint_gap_order_matters_and_edge_cases() -> None:
    a, b = Summary.from_values([1, 2, 3]), Summary.from_values([4, 5, 5])
    up = standpoint_gap({"low": a, "high": b})
    down = standpoint_gap({"high": b, "low": a})
    assert up is not None
    assert down is not None
    assert up.gap == pytest.approx(-down.gap)
    assert up.gap > 0
    assert standpoint_gap({"only": a}) is None
    one = standpoint_gap({"low": Summary.from_values([3]), "high": b})
    assert one is not None
    assert one.gap == pytest.approx(14 / 3 - 3)
    assert (one.lower, one.upper, one.p) == (None, None, None)
