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


# --------------------------------------------------------------------------------------------
# from additive sums: a scale's reliability in any group of respondents


@dataclass(frozen=True)
class ItemSums:
    """Additive sufficient statistics of a scale's items over the complete cases of a group:
    the count ``n``, each item's sum ``s_i`` and every cross-product ``P_ij = sum x_i x_j``
    (``P_ii`` the sums of squares). Groups add up, so a release keeps them per atom and any
    cell's covariance matrix follows without the answers::

        C = (P - s s^T / n) / (n - 1)
    """

    n: int
    sums: tuple[float, ...]
    products: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        check_count("n", self.n)
        k = len(self.sums)
        if k < 1 or len(self.products) != k or any(len(row) != k for row in self.products):
            raise ValueError("item sums need one sum per item and a square product matrix")
        for value in (*self.sums, *(v for row in self.products for v in row)):
            check_finite("item sum", value)

    @classmethod
    def from_answers(cls, item_matrix: npt.ArrayLike) -> ItemSums:
        """From the complete rows of an answer matrix (rows respondents, columns items)."""
        x = as_item_matrix(item_matrix)
        return cls(
            int(x.shape[0]),
            tuple(x.sum(axis=0).tolist()),
            tuple(tuple(row) for row in (x.T @ x).tolist()),
        )

    def __add__(self, other: ItemSums) -> ItemSums:
        if len(other.sums) != len(self.sums):
            raise ValueError("cannot add the sums of scales of different lengths")
        return ItemSums(
            self.n + other.n,
            tuple(a + b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(
                tuple(a + b for a, b in zip(ra, rb, strict=True))
                for ra, rb in zip(self.products, other.products, strict=True)
            ),
        )

    @property
    def items(self) -> int:
        return len(self.sums)

    def covariance(self) -> FloatArray | None:
        """The items' covariance matrix (``n - 1``); None when ``n < 2``."""
        if self.n < 2:
            return None
        s = np.asarray(self.sums, dtype=np.float64)
        p = np.asarray(self.products, dtype=np.float64)
        cov: FloatArray = (p - np.outer(s, s) / self.n) / (self.n - 1)
        # rounding of the sums can leave -1e-16 on a constant item's diagonal
        np.fill_diagonal(cov, np.maximum(np.diag(cov), 0.0))
        return cov


@dataclass(frozen=True, slots=True)
class ScaleReliability:
    """A scale's reliability in one group: Cronbach's alpha and the item-rest correlations,
    or the reason they were not computed (``reason`` then says why, in plain words)."""

    n: int
    items: int
    alpha: Reliability | None
    item_rest: tuple[float | None, ...] | None
    reason: str | None = None


#: Why a scale's reliability is not computed, as the report says it.
ONE_ITEM = "one item: internal consistency needs at least two items"
TOO_FEW = "fewer than {min_n} complete answers"
NO_VARIANCE = "the total score does not vary"


def scale_reliability(
    sums: ItemSums,
    level: float = 0.95,
    *,
    min_n: int = RELIABILITY_MIN_N,
    flag_below: float = ALPHA_FLAG_BELOW,
) -> ScaleReliability:
    """Alpha (:func:`cronbach_alpha_from_cov`) and item-rest correlations of a group from
    its :class:`ItemSums`. Not computed, with the reason, for a one-item scale (alpha and
    item-rest correlations need two items: such a dimension is a single item's mean and has
    no internal consistency to estimate), for fewer than ``min_n`` complete answers, and
    when the total score does not vary."""
    if sums.items < 2:
        return ScaleReliability(sums.n, sums.items, None, None, ONE_ITEM)
    if sums.n < max(min_n, 2):
        return ScaleReliability(sums.n, sums.items, None, None, TOO_FEW.format(min_n=min_n))
    cov = sums.covariance()
    alpha = (
        None
        if cov is None
        else cronbach_alpha_from_cov(cov, sums.n, level, min_n=min_n, flag_below=flag_below)
    )
    if cov is None or alpha is None:
        return ScaleReliability(sums.n, sums.items, None, None, NO_VARIANCE)
    rest = item_rest_correlations_from_cov(cov, sums.n, min_n=min_n)
    return ScaleReliability(sums.n, sums.items, alpha, rest)
