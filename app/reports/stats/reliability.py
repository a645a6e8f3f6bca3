"""Reliability of a scale: Cronbach's alpha with its Feldt interval, item-rest correlations.

Each statistic comes from the item covariance matrix of the complete cases (the form the
SQL aggregates can feed) or, for convenience and the tests, from the raw answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats._numeric import (
    FloatArray,
    as_item_matrix,
    check_count,
    check_finite,
    check_level,
)

#: The product reports reliability only for at least this many complete cases.
RELIABILITY_MIN_N = 30
#: Cronbach's alpha below this value is flagged in the reports.
ALPHA_FLAG_BELOW = 0.70


@dataclass(frozen=True, slots=True)
class Reliability:
    """Cronbach's alpha with its Feldt interval; ``flagged`` when alpha < the threshold."""

    alpha: float
    lower: float
    upper: float
    level: float
    n: int
    k: int
    flagged: bool


def _as_cov(cov: npt.ArrayLike) -> FloatArray:
    c = np.asarray(cov, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"covariance matrix must be square, got shape {c.shape}")
    if c.shape[0] < 2:
        raise ValueError("at least two items are needed")
    if not np.isfinite(c).all():
        raise ValueError("covariance matrix must be finite")
    return c


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) interval for coefficient alpha (Feldt, Woodruff & Salih 1987, eqs. 6-7).

    ``(1 - alpha) / (1 - alpha_hat)`` follows ``F(n - 1, (n - 1)(k - 1))``, hence::

        lower = 1 - (1 - alpha_hat) * F_{1 - (1-level)/2; n-1, (n-1)(k-1)}
        upper = 1 - (1 - alpha_hat) * F_{(1-level)/2;     n-1, (n-1)(k-1)}

    ``n >= 2`` respondents, ``k >= 2`` items.  The bounds are not truncated (alpha can be
    negative).
    """
    a = check_finite("alpha", alpha)
    n_ = check_count("n", n, minimum=2)
    k_ = check_count("k", k, minimum=2)
    level = check_level(level)
    gamma = 1.0 - level
    df1, df2 = n_ - 1, (n_ - 1) * (k_ - 1)
    f_hi = float(stats.f.ppf(1.0 - gamma / 2.0, df1, df2))
    f_lo = float(stats.f.ppf(gamma / 2.0, df1, df2))
    return 1.0 - (1.0 - a) * f_hi, 1.0 - (1.0 - a) * f_lo


def cronbach_alpha_from_cov(
    cov: npt.ArrayLike,
    n: int,
    level: float = 0.95,
    *,
    min_n: int = RELIABILITY_MIN_N,
    flag_below: float = ALPHA_FLAG_BELOW,
) -> Reliability | None:
    """Cronbach's alpha from the item covariance matrix ``C`` (k x k) of ``n`` complete cases::

        alpha = k / (k - 1) * (1 - trace(C) / sum(C))

    (``sum(C)`` is the variance of the total score), with the :func:`feldt_interval`.
    Returns None when ``n < min_n`` (the product reports reliability only from 30 complete
    cases) or the total score has no variance.  ``flagged`` is ``alpha < flag_below``.
    """
    c = _as_cov(cov)
    n_ = check_count("n", n)
    level = check_level(level)
    if n_ < max(min_n, 2):
        return None
    k = c.shape[0]
    total_var = float(c.sum())
    if not total_var > 0.0:
        return None
    alpha = k / (k - 1) * (1.0 - float(np.trace(c)) / total_var)
    lower, upper = feldt_interval(alpha, n_, k, level)
    return Reliability(alpha, lower, upper, level, n_, k, alpha < flag_below)


def cronbach_alpha(
    item_matrix: npt.ArrayLike,
    level: float = 0.95,
    *,
    min_n: int = RELIABILITY_MIN_N,
    flag_below: float = ALPHA_FLAG_BELOW,
) -> Reliability | None:
    """Cronbach's alpha from raw answers (rows respondents, columns items; NaN = missing).

    Listwise deletion keeps complete cases only; then, equivalently to
    :func:`cronbach_alpha_from_cov`::

        alpha = k / (k - 1) * (1 - sum_i s_i**2 / s_X**2),   X = row total

    Returns None when fewer than ``min_n`` complete cases remain or the total score is
    constant.
    """
    x = _complete_cases(item_matrix, min_n)
    if x is None or np.ptp(x.sum(axis=1)) == 0:
        return None
    return cronbach_alpha_from_cov(
        np.cov(x, rowvar=False, ddof=1), x.shape[0], level, min_n=min_n, flag_below=flag_below
    )


def _complete_cases(item_matrix: npt.ArrayLike, min_n: int) -> FloatArray | None:
    """The complete cases of an item matrix of at least two items; None when fewer than
    ``min_n`` (and 2) remain."""
    x = as_item_matrix(item_matrix)
    if x.shape[1] < 2:
        raise ValueError("at least two items are needed")
    return x if x.shape[0] >= max(min_n, 2) else None


def item_rest_correlations_from_cov(
    cov: npt.ArrayLike, n: int, *, min_n: int = RELIABILITY_MIN_N
) -> tuple[float | None, ...] | None:
    """Corrected item-total (item-rest) correlations from the item covariance matrix::

        r_i = (sum_j C_ij - C_ii) / sqrt(C_ii * (sum(C) - 2 sum_j C_ij + C_ii))

    i.e. the Pearson correlation of item ``i`` with the sum of the other items.  An entry is
    None when the item or the rest score has no variance.  Returns None when ``n < min_n``.
    """
    c = _as_cov(cov)
    n_ = check_count("n", n)
    if n_ < max(min_n, 2):
        return None
    total = float(c.sum())
    out: list[float | None] = []
    for i in range(c.shape[0]):
        row = float(c[i].sum())
        var_i = float(c[i, i])
        var_rest = total - 2.0 * row + var_i
        if var_i <= 0.0 or var_rest <= 0.0:
            out.append(None)
            continue
        r = (row - var_i) / math.sqrt(var_i * var_rest)
        out.append(min(1.0, max(-1.0, r)))
    return tuple(out)


def item_rest_correlations(
    item_matrix: npt.ArrayLike, *, min_n: int = RELIABILITY_MIN_N
) -> tuple[float | None, ...] | None:
    """Item-rest correlations from raw answers (complete cases; see the ``_from_cov`` form)."""
    x = _complete_cases(item_matrix, min_n)
    if x is None:
        return None
    return item_rest_correlations_from_cov(np.cov(x, rowvar=False, ddof=1), x.shape[0], min_n=min_n)
