"""One group's statistics: its sufficient sums and the intervals of a mean and a proportion.

The report queries aggregate in SQL, so a group is known by its *summary statistics*: the
count ``n``, the sum ``T = sum(x)`` and the sum of squares ``Q = sum(x**2)`` (:class:`Summary`).
Raw-array constructors exist for convenience and for the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import SupportsFloat, SupportsIndex

import numpy as np
import numpy.typing as npt

from app.reports.stats._numeric import (
    check_count,
    check_finite,
    check_level,
    t_quantile,
    z_quantile,
)

# A sum of squared deviations computed from (n, T, Q) below this fraction of Q is rounding
# noise of the sums themselves and is taken as exactly zero; one more negative than
# -_INCONSISTENT_REL * Q means the sums cannot come from real data (e.g. swapped arguments).
_NOISE_REL = 1e-10
_FAST_REL = 1e-6  # above this share of Q, SS is computed in floats (see Summary)
_INCONSISTENT_REL = 1e-8


@dataclass(frozen=True, slots=True)
class Summary:
    """Sufficient statistics of one group: ``n``, ``T = sum(x)``, ``Q = sum(x**2)``.

    Derived on construction::

        mean = T / n
        SS   = Q - T**2 / n          (sum of squared deviations; in floats when SS is above
                                      1e-6 * Q, else exactly with fractions, rounded once)
        var  = SS / (n - 1)          (None when n < 2)

    ``SS`` smaller than 1e-10 * Q is rounding noise of the sums and is set to 0 (so a group
    whose answers are all equal has variance exactly 0); an ``SS`` below -1e-8 * Q raises
    ``ValueError`` (the sums are inconsistent).  The formula loses relative precision of
    order ``eps * mean**2 / var``: harmless for rating scales, not meant for data whose
    coefficient of variation is below about 1e-5.
    """

    n: int
    total: float
    total_sq: float
    mean: float = field(init=False)
    ss: float = field(init=False)

    def __post_init__(self) -> None:
        n = check_count("n", self.n, minimum=1)
        total = check_finite("total", self.total)
        total_sq = check_finite("total_sq", self.total_sq)
        if total_sq < 0:
            raise ValueError(f"sum of squares must be >= 0, got {total_sq!r}")
        ss_float = total_sq - total * total / n
        if ss_float > _FAST_REL * total_sq:
            # Far from both thresholds: the float's rounding error (about eps * Q) is below
            # 1e-10 of SS, so the exact evaluation would change nothing a report shows.
            object.__setattr__(self, "n", n)
            object.__setattr__(self, "total", total)
            object.__setattr__(self, "total_sq", total_sq)
            object.__setattr__(self, "mean", total / n)
            object.__setattr__(self, "ss", ss_float)
            return
        ss_exact = Fraction(total_sq) - Fraction(total) ** 2 / n
        if ss_exact < -_INCONSISTENT_REL * Fraction(total_sq):
            raise ValueError(
                f"inconsistent sums: sum of squares {total_sq!r} < sum**2 / n "
                f"for n={n}, sum={total!r}"
            )
        ss = 0.0 if ss_exact <= _NOISE_REL * Fraction(total_sq) else float(ss_exact)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "total_sq", total_sq)
        object.__setattr__(self, "mean", total / n)
        object.__setattr__(self, "ss", ss)

    @classmethod
    def from_sums(cls, n: SupportsIndex, total: SupportsFloat, total_sq: SupportsFloat) -> Summary:
        """From SQL aggregates ``COUNT(x)``, ``SUM(x)``, ``SUM(x * x)`` (int/float/Decimal)."""
        return cls(check_count("n", n, minimum=1), float(total), float(total_sq))

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> Summary:
        """From raw observations (1-D; all finite; at least one). Sums via ``math.fsum``."""
        x = np.asarray(values, dtype=np.float64).ravel()
        if x.size == 0:
            raise ValueError("no observations")
        if not np.isfinite(x).all():
            raise ValueError("observations must be finite (drop missing answers first)")
        return cls(int(x.size), math.fsum(x.tolist()), math.fsum((x * x).tolist()))

    @property
    def variance(self) -> float | None:
        """Sample variance ``SS / (n - 1)``; None when ``n < 2``."""
        return self.ss / (self.n - 1) if self.n >= 2 else None

    @property
    def sd(self) -> float | None:
        """Sample standard deviation; None when ``n < 2``."""
        v = self.variance
        return math.sqrt(v) if v is not None else None

    @property
    def se(self) -> float | None:
        """Standard error of the mean ``sd / sqrt(n)``; None when ``n < 2``."""
        s = self.sd
        return s / math.sqrt(self.n) if s is not None else None

    def without(self, part: Summary) -> Summary:
        """Remove a sub-group: ``(n - n_p, T - T_p, Q - Q_p)``.

        Raises ``ValueError`` when nothing would remain or the part cannot be a subset.
        """
        n = self.n - part.n
        if n < 1:
            raise ValueError(f"cannot remove {part.n} observations from {self.n}")
        try:
            return Summary(n, self.total - part.total, self.total_sq - part.total_sq)
        except ValueError as exc:
            raise ValueError(f"inconsistent sums: the part is not a sub-group ({exc})") from exc

    def mean_ci(self, level: float = 0.95) -> MeanCI:
        """The t interval of :func:`mean_ci` for this group."""
        return mean_ci(self.n, self.mean, self.sd, level)


@dataclass(frozen=True, slots=True)
class MeanCI:
    """A mean with its t interval; ``sd``, ``se``, ``df``, bounds are None when ``n < 2``."""

    n: int
    mean: float
    sd: float | None
    se: float | None
    df: int | None
    lower: float | None
    upper: float | None
    level: float


def mean_ci(n: SupportsIndex, mean: SupportsFloat, sd: float | None, level: float = 0.95) -> MeanCI:
    """Student t confidence interval for a mean::

        mean +/- t_{1 - (1-level)/2, n-1} * sd / sqrt(n)

    For ``n == 1`` there is no interval: ``sd``, ``se``, ``df``, ``lower`` and ``upper`` are
    None (``sd`` may then be passed as None).  ``n == 0`` raises ``ValueError``; so does a
    missing, negative or non-finite ``sd`` when ``n >= 2``.  ``sd == 0`` gives the
    degenerate interval ``[mean, mean]``.
    """
    n_ = check_count("n", n, minimum=1)
    m = check_finite("mean", mean)
    level = check_level(level)
    if n_ < 2:
        return MeanCI(n_, m, None, None, None, None, None, level)
    if sd is None:
        raise ValueError("sd is required when n >= 2")
    s = check_finite("sd", sd)
    if s < 0:
        raise ValueError(f"sd must be >= 0, got {s!r}")
    se = s / math.sqrt(n_)
    half = t_quantile(level, n_ - 1) * se
    return MeanCI(n_, m, s, se, n_ - 1, m - half, m + half, level)


# --------------------------------------------------------------------------------------------
# proportions


@dataclass(frozen=True, slots=True)
class Proportion:
    """A proportion (e.g. % favorable) with its Wilson score interval."""

    successes: int
    n: int
    estimate: float
    lower: float
    upper: float
    level: float


def wilson_interval(successes: SupportsIndex, n: SupportsIndex, level: float = 0.95) -> Proportion:
    """Wilson (1927) score interval for a binomial proportion ``p = x / n``::

        centre = (p + z**2 / (2n)) / (1 + z**2 / n)
        half   = z / (1 + z**2 / n) * sqrt(p (1 - p) / n + z**2 / (4 n**2))
        [centre - half, centre + half]

    with ``z = z_{1 - (1-level)/2}``: the set of ``pi`` with ``|p - pi| <= z sqrt(pi(1-pi)/n)``
    (Newcombe 1998, method 3, no continuity correction).  The bounds lie in [0, 1]; they are
    exactly 0 when ``x == 0`` and exactly 1 when ``x == n``.  ``n == 0`` raises ``ValueError``.
    """
    x = check_count("successes", successes)
    n_ = check_count("n", n, minimum=1)
    if x > n_:
        raise ValueError(f"successes ({x}) cannot exceed n ({n_})")
    level = check_level(level)
    z = z_quantile(level)
    p = x / n_
    z2n = z * z / n_
    denom = 1.0 + z2n
    centre = (p + z2n / 2.0) / denom
    half = z * math.sqrt(p * (1.0 - p) / n_ + z2n / (4.0 * n_)) / denom
    lower = 0.0 if x == 0 else max(0.0, centre - half)
    upper = 1.0 if x == n_ else min(1.0, centre + half)
    return Proportion(x, n_, p, lower, upper, level)
