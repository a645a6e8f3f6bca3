"""Tests for app/reports/stats/comparisons.py: Welch, Hedges' g, team vs rest, BH, the
standpoint gap.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats import (
    Summary,
    benjamini_hochberg,
    floored_welch_t,
    hedges_correction,
    hedges_g,
    standpoint_gap,
    team_vs_rest,
    welch_t,
)
from tests.reports.stats.strategies import eighths, levels, likert_lists

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
    # the rest (n = 3, s**2 = 1/3) is the smaller group and agrees more than the pool
    # (s_p**2 = (5 + 2/3) / 5 = 17/15): its variance is taken as 17/15
    ref = floored_reference(np.array(team, float), np.array(rest, float))
    assert res.welch is not None
    assert res.welch.se == pytest.approx(math.sqrt(5 / 3 / 4 + 17 / 15 / 3))
    assert res.p == pytest.approx(ref[3])
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


def floored_reference(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(se, t, df, p) of Welch's test with the smaller group's variance floored at the
    pooled one: scipy's Welch test from the raw answers' statistics, the floor applied."""
    sx, sy = float(x.std(ddof=1)), float(y.std(ddof=1))
    pooled = math.sqrt(((x.size - 1) * sx**2 + (y.size - 1) * sy**2) / (x.size + y.size - 2))
    if x.size <= y.size:
        sx = max(sx, pooled)
    if y.size <= x.size:
        sy = max(sy, pooled)
    ref = sps.ttest_ind_from_stats(x.mean(), sx, x.size, y.mean(), sy, y.size, equal_var=False)
    se = math.sqrt(sx**2 / x.size + sy**2 / y.size)
    a, b = sx**2 / x.size, sy**2 / y.size
    df = (a + b) ** 2 / (a * a / (x.size - 1) + b * b / (y.size - 1))
    return se, float(ref.statistic), df, float(ref.pvalue)


def test_six_identical_answers_are_not_flagged_on_the_rest_alone() -> None:
    # Issue 13: a team of six who all answered 4 against a rest of 400 around 3.8.
    rng = np.random.default_rng(13)
    rest = np.clip(np.round(rng.normal(3.8, 0.9, 400)), 1, 5)
    team = np.full(6, 4.0)
    org = Summary.from_values(np.concatenate([team, rest]))
    before = welch_t(Summary.from_values(team), Summary.from_values(rest))
    assert before is not None
    assert before.p < 0.05  # Welch: se = s_rest / sqrt(400), the team's n counts for nothing
    res = team_vs_rest(Summary.from_values(team), org)
    assert res is not None
    assert res.welch is not None
    assert res.p is not None
    assert res.p > 0.4
    se, t, df, p = floored_reference(team, rest)
    assert (res.welch.se, res.welch.t, res.welch.df, res.p) == pytest.approx((se, t, df, p))
    # the team's variance is the pool's: the se is not below Student's pooled one
    student = sps.ttest_ind_from_stats(
        team.mean(), 0.0, 6, rest.mean(), rest.std(ddof=1), rest.size, equal_var=True
    )
    assert res.p >= student.pvalue
    # a truly different constant team still stands out
    far = np.full(6, 1.0)
    res = team_vs_rest(Summary.from_values(far), Summary.from_values(np.concatenate([far, rest])))
    assert res is not None
    assert res.p is not None
    assert res.p < 0.001


def test_floored_welch_keeps_welch_when_the_small_group_varies() -> None:
    team = [1, 5, 1, 5, 3]  # s**2 = 4, more than the pool
    rest = [3, 4, 3, 4, 3, 4, 2, 4, 3, 3]
    res = floored_welch_t(Summary.from_values(team), Summary.from_values(rest))
    ref = sps.ttest_ind(team, rest, equal_var=False)
    assert res is not None
    assert res.p == pytest.approx(ref.pvalue, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx(tuple(ref.confidence_interval(0.95)))


def test_floored_welch_undefined_cases() -> None:
    assert floored_welch_t(Summary.from_values([3]), Summary.from_values([1, 2])) is None
    assert floored_welch_t(Summary.from_values([3, 3]), Summary.from_values([2, 2, 2])) is None
    with pytest.raises(ValueError, match="level"):
        floored_welch_t(Summary.from_values([1, 3]), Summary.from_values([1, 2]), level=1.0)


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
    se, t, df, p = floored_reference(x, y)
    assert res.welch.se == pytest.approx(se, rel=1e-9)
    assert res.welch.t == pytest.approx(t, rel=1e-9, abs=1e-12)
    assert res.welch.df == pytest.approx(df, rel=1e-9)
    assert res.welch.p == pytest.approx(p, rel=1e-7, abs=1e-14)
    sp2 = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    small = x if x.size <= y.size else y
    if small.var(ddof=1) < sp2:  # the floor holds: never surer than Student's pooled test
        assert res.welch.se >= math.sqrt(sp2 * (1 / x.size + 1 / y.size)) * (1 - 1e-12)
    assert res.g is not None
    assert res.g.d == pytest.approx((x.mean() - y.mean()) / math.sqrt(sp2), rel=1e-9, abs=1e-12)


@given(st.lists(eighths, min_size=2, max_size=30), st.lists(eighths, min_size=2, max_size=30))
def test_team_vs_rest_real_valued_scores(team: list[float], rest: list[float]) -> None:
    org = Summary.from_values(team + rest)
    res = team_vs_rest(Summary.from_values(team), org)
    assert res is not None
    direct_w = floored_welch_t(Summary.from_values(team), Summary.from_values(rest))
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
