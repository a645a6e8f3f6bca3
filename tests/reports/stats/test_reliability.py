"""Tests for app/reports/stats/reliability.py: Cronbach's alpha, Feldt, item-rest correlations."""

from __future__ import annotations

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
    cronbach_alpha,
    cronbach_alpha_from_cov,
    feldt_interval,
    item_rest_correlations,
    item_rest_correlations_from_cov,
)
from tests.reports.stats.strategies import likert

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
