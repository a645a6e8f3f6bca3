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
from scipy import special  # type: ignore[import-untyped, unused-ignore]

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

#: The lowest and highest value a score can take (its scale's ends), e.g. ``(1, 5)``.
Bounds = tuple[float, float]


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

    def mean_ci(self, level: float = 0.95, bounds: Bounds | None = None) -> MeanCI:
        """The interval of :func:`mean_ci` for this group (within ``bounds`` when given)."""
        return mean_ci(self.n, self.mean, self.sd, level, bounds=bounds)


@dataclass(frozen=True, slots=True)
class MeanCI:
    """A mean with its interval; ``sd``, ``se``, ``df``, bounds are None when ``n < 2``.

    ``bounded`` says the interval was computed within the scale's ends (see :func:`mean_ci`).
    """

    n: int
    mean: float
    sd: float | None
    se: float | None
    df: int | None
    lower: float | None
    upper: float | None
    level: float
    bounded: bool = False


def mean_ci(
    n: SupportsIndex,
    mean: SupportsFloat,
    sd: float | None,
    level: float = 0.95,
    *,
    bounds: Bounds | None = None,
) -> MeanCI:
    """Confidence interval for a mean: Student's t, or within the scale when ``bounds``.

    Unbounded (``bounds`` None)::

        mean +/- t_{1 - (1-level)/2, n-1} * sd / sqrt(n)

    Bounded (``bounds = (lo, hi)``, the ends of a rating scale): the t interval is built on
    the logit of the mean rescaled to (0, 1) and transformed back, so it never leaves the
    scale and is asymmetric near its ends (:func:`bounded_interval`).

    For ``n == 1`` there is no interval: ``sd``, ``se``, ``df``, ``lower`` and ``upper`` are
    None (``sd`` may then be passed as None).  ``n == 0`` raises ``ValueError``; so does a
    missing, negative or non-finite ``sd`` when ``n >= 2``, and a mean outside ``bounds``.
    Unbounded, ``sd == 0`` gives the degenerate interval ``[mean, mean]``; bounded, it gives
    the interval of :func:`bounded_interval` for identical answers.
    """
    n_ = check_count("n", n, minimum=1)
    m = check_finite("mean", mean)
    level = check_level(level)
    if bounds is not None:
        _check_within(m, bounds)
    if n_ < 2:
        return MeanCI(n_, m, None, None, None, None, None, level, bounds is not None)
    if sd is None:
        raise ValueError("sd is required when n >= 2")
    s = check_finite("sd", sd)
    if s < 0:
        raise ValueError(f"sd must be >= 0, got {s!r}")
    se = s / math.sqrt(n_)
    if bounds is not None:
        lower, upper = bounded_interval(n_, m, s, level, bounds)
        return MeanCI(n_, m, s, se, n_ - 1, lower, upper, level, True)
    half = t_quantile(level, n_ - 1) * se
    return MeanCI(n_, m, s, se, n_ - 1, m - half, m + half, level)


def _check_within(mean: float, bounds: Bounds) -> None:
    lo, hi = check_finite("lower bound", bounds[0]), check_finite("upper bound", bounds[1])
    if not lo < hi:
        raise ValueError(f"bounds must be increasing, got {bounds!r}")
    # a mean of answers on the scale can only leave it by rounding of its sums
    slack = 1e-9 * (hi - lo)
    if not lo - slack <= mean <= hi + slack:
        raise ValueError(f"mean {mean!r} lies outside the scale {bounds!r}")


def bounded_interval(
    n: int, mean: float, sd: float, level: float, bounds: Bounds
) -> tuple[float, float]:
    """The interval of a mean of ``n >= 2`` answers on a scale from ``lo`` to ``hi``.

    Rescale ``p = (mean - lo) / (hi - lo)`` and ``s_p = sd / (hi - lo)``; on the logit
    scale, by the delta method::

        L = log(p / (1 - p)),   se_L = s_p / (sqrt(n) p (1 - p))
        [lo + (hi - lo) expit(L - t se_L),  lo + (hi - lo) expit(L + t se_L)]

    with ``t = t_{1 - (1-level)/2, n-1}``. The interval lies inside the scale (it touches
    an end only where expit rounds to 0 or 1, e.g. n = 2 at 99%), contains the mean, and
    widens towards the end the mean is near, where the t interval crossed it (n = 5,
    4.35 +/- 1.23 gave [3.12, 5.58]; here [2.40, 4.92]).

    Identical answers (``sd == 0``; a mean at an end of the scale has them) say nothing
    about the spread, and a zero-width interval would claim certainty from a handful of
    people. The interval is then the worst case allowed by how many people agreed: with
    ``n`` of ``n`` alike, the share of the population who would answer otherwise is at most
    ``pi = 1 - ((1 - level) / 2) ** (1 / n)`` (the exact Clopper-Pearson bound for 0 of n),
    and those people could sit at either end of the scale::

        [mean - pi (mean - lo),  mean + pi (hi - mean)]

    (n = 6 answers of 5 on 1-5: [3.16, 5]; n = 30: [4.54, 5]). It touches the end the
    mean sits on, never crosses it.
    """
    lo, hi = float(bounds[0]), float(bounds[1])
    width = hi - lo
    p = (mean - lo) / width
    if sd == 0.0 or not 0.0 < p < 1.0:
        reach = 1.0 - ((1.0 - level) / 2.0) ** (1.0 / n)
        mean = min(hi, max(lo, mean))
        return mean - reach * (mean - lo), mean + reach * (hi - mean)
    se_logit = sd / width / math.sqrt(n) / (p * (1.0 - p))
    centre = math.log(p / (1.0 - p))
    half = t_quantile(level, n - 1) * se_logit
    lower = lo + width * float(special.expit(centre - half))
    upper = lo + width * float(special.expit(centre + half))
    return max(lo, min(lower, mean)), min(hi, max(upper, mean))


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
