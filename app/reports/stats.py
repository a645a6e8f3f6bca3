"""Pure statistics for the reports (numpy/scipy only; no Flask, no database session).

The report queries aggregate in SQL, so every function here works from *summary statistics*
where the mathematics allows it: per group the count ``n``, the sum ``T = sum(x)`` and the sum
of squares ``Q = sum(x**2)`` (and, for reliability, the item covariance matrix).  Raw-array
constructors exist for convenience and for the tests.

Conventions (see CONSTRUCTS.md, "Analysis conventions"):

* sample variances use ``n - 1`` in the denominator;
* every interval is two-sided at ``level`` (default .95);
* nothing returns NaN: a quantity that is undefined for the data (fewer than two
  observations, zero variance, ...) is returned as ``None`` and documented as such;
* invalid input (negative counts, non-finite numbers, a level outside (0, 1)) raises
  ``ValueError``.

Disclosure control is *not* done here: callers must only pass groups that privacy.py has
cleared (k-anonymity thresholds).  The functions stay pure.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import SupportsFloat, SupportsIndex

import numpy as np
import numpy.typing as npt
from scipy import special, stats  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "ALPHA_FLAG_BELOW",
    "ICC1",
    "RELIABILITY_MIN_N",
    "BHResult",
    "HedgesG",
    "MeanCI",
    "Proportion",
    "Reliability",
    "StandpointGap",
    "Summary",
    "TeamVsRest",
    "WelchT",
    "benjamini_hochberg",
    "cronbach_alpha",
    "cronbach_alpha_from_cov",
    "feldt_interval",
    "hedges_correction",
    "hedges_g",
    "icc1",
    "item_rest_correlations",
    "item_rest_correlations_from_cov",
    "mean_ci",
    "rwg",
    "rwg_j",
    "rwg_j_from_items",
    "standpoint_gap",
    "team_vs_rest",
    "uniform_null_variance",
    "welch_t",
    "wilson_interval",
]

#: The product reports reliability only for at least this many complete cases.
RELIABILITY_MIN_N = 30
#: Cronbach's alpha below this value is flagged in the reports.
ALPHA_FLAG_BELOW = 0.70

# A sum of squared deviations computed from (n, T, Q) below this fraction of Q is rounding
# noise of the sums themselves and is taken as exactly zero; one more negative than
# -_INCONSISTENT_REL * Q means the sums cannot come from real data (e.g. swapped arguments).
_NOISE_REL = 1e-10
_FAST_REL = 1e-6  # above this share of Q, SS is computed in floats (see Summary)
_INCONSISTENT_REL = 1e-8

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# helpers


def _check_level(level: float) -> float:
    level = float(level)
    if not (math.isfinite(level) and 0.0 < level < 1.0):
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level!r}")
    return level


def _finite(name: str, value: SupportsFloat) -> float:
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def _count(name: str, value: SupportsIndex, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not bool")
    n = operator.index(value)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


@functools.lru_cache(maxsize=64)
def _z(level: float) -> float:
    """Two-sided standard normal quantile ``z_{1 - (1 - level)/2}``."""
    return float(special.ndtri(0.5 + level / 2.0))


@functools.lru_cache(maxsize=4096)
def _t(level: float, df: float) -> float:
    """Two-sided Student t quantile ``t_{1 - (1 - level)/2, df}``. The scipy.special ufuncs
    compute what scipy.stats.t computes, without its ~40 us of argument handling per call (a
    heatmap makes thousands); cached for the repeated (level, df) pairs of equal-sized groups."""
    return float(special.stdtrit(df, 0.5 + level / 2.0))


def _as_matrix(item_matrix: npt.ArrayLike) -> FloatArray:
    """Items as a float matrix (rows respondents, columns items), complete cases only.

    Missing answers are NaN; a row with any NaN is dropped (listwise deletion).  Infinite
    values are an error.
    """
    x = np.asarray(item_matrix, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"item matrix must be 2-D (respondents x items), got {x.ndim}-D")
    if np.isinf(x).any():
        raise ValueError("item matrix contains infinite values")
    complete: FloatArray = x[~np.isnan(x).any(axis=1)]
    return complete


# --------------------------------------------------------------------------------------------
# summaries


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
        n = _count("n", self.n, minimum=1)
        total = _finite("total", self.total)
        total_sq = _finite("total_sq", self.total_sq)
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
        return cls(_count("n", n, minimum=1), float(total), float(total_sq))

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
    n_ = _count("n", n, minimum=1)
    m = _finite("mean", mean)
    level = _check_level(level)
    if n_ < 2:
        return MeanCI(n_, m, None, None, None, None, None, level)
    if sd is None:
        raise ValueError("sd is required when n >= 2")
    s = _finite("sd", sd)
    if s < 0:
        raise ValueError(f"sd must be >= 0, got {s!r}")
    se = s / math.sqrt(n_)
    half = _t(level, n_ - 1) * se
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
    x = _count("successes", successes)
    n_ = _count("n", n, minimum=1)
    if x > n_:
        raise ValueError(f"successes ({x}) cannot exceed n ({n_})")
    level = _check_level(level)
    z = _z(level)
    p = x / n_
    z2n = z * z / n_
    denom = 1.0 + z2n
    centre = (p + z2n / 2.0) / denom
    half = z * math.sqrt(p * (1.0 - p) / n_ + z2n / (4.0 * n_)) / denom
    lower = 0.0 if x == 0 else max(0.0, centre - half)
    upper = 1.0 if x == n_ else min(1.0, centre + half)
    return Proportion(x, n_, p, lower, upper, level)


# --------------------------------------------------------------------------------------------
# two-group comparisons


@dataclass(frozen=True, slots=True)
class WelchT:
    """Welch's unequal-variance t test of ``mean_a - mean_b`` and the matching interval."""

    difference: float
    se: float
    t: float
    df: float
    p: float
    lower: float
    upper: float
    level: float


def welch_t(a: Summary, b: Summary, level: float = 0.95) -> WelchT | None:
    """Welch's t test (two-sided) from two group summaries::

        v_a = s_a**2 / n_a,  v_b = s_b**2 / n_b,  se = sqrt(v_a + v_b)
        t   = (mean_a - mean_b) / se
        df  = (v_a + v_b)**2 / (v_a**2 / (n_a - 1) + v_b**2 / (n_b - 1))   (Welch-Satterthwaite)
        p   = 2 * P(T_df >= |t|)
        CI  = (mean_a - mean_b) +/- t_{1 - (1-level)/2, df} * se

    Returns None when the test is undefined: a group with fewer than 2 observations, or both
    groups without variance (``se == 0``).
    """
    level = _check_level(level)
    va_s, vb_s = a.variance, b.variance
    if va_s is None or vb_s is None:
        return None
    va, vb = va_s / a.n, vb_s / b.n
    se2 = va + vb
    if se2 <= 0.0:
        return None
    se = math.sqrt(se2)
    diff = a.mean - b.mean
    t = diff / se
    wa, wb = va / se2, vb / se2  # shares in [0, 1]: no overflow/underflow in the df formula
    df = 1.0 / (wa * wa / (a.n - 1) + wb * wb / (b.n - 1))
    p = min(1.0, 2.0 * float(special.stdtr(df, -abs(t))))
    half = _t(level, df) * se
    return WelchT(diff, se, t, df, p, diff - half, diff + half, level)


@dataclass(frozen=True, slots=True)
class HedgesG:
    """Standardised mean difference ``a - b`` (Hedges' g) with its interval."""

    g: float
    d: float
    j: float
    se: float
    lower: float
    upper: float
    df: int
    level: float


def hedges_correction(df: int) -> float:
    """Exact small-sample correction (Hedges 1981)::

        J(df) = Gamma(df/2) / (sqrt(df/2) * Gamma((df-1)/2))  ~=  1 - 3 / (4 df - 1)

    ``df >= 2``.  The approximation overstates J by 0.0021 at df = 4, 0.0003 at df = 10,
    2e-5 at df = 40 and 3e-6 at df = 100.
    """
    if df < 2:
        raise ValueError(f"df must be >= 2, got {df}")
    return math.exp(math.lgamma(df / 2.0) - 0.5 * math.log(df / 2.0) - math.lgamma((df - 1) / 2.0))


def hedges_g(a: Summary, b: Summary, level: float = 0.95) -> HedgesG | None:
    """Hedges' g for ``mean_a - mean_b`` with a normal-theory interval::

        df  = n_a + n_b - 2
        s_p = sqrt((SS_a + SS_b) / df)                      (pooled SD)
        d   = (mean_a - mean_b) / s_p                       (Cohen's d)
        g   = J(df) * d                                     (J exact, see hedges_correction)
        V_d = (n_a + n_b) / (n_a n_b) + d**2 / (2 (n_a + n_b))
        V_g = J**2 * V_d
        CI  = g +/- z_{1 - (1-level)/2} * sqrt(V_g)

    ``V_d`` is the standard large-sample approximation of Hedges & Olkin (1985), in the form
    of Borenstein, Hedges, Higgins & Rothstein (2009, eqs. 4.20 and 4.24).  Returns None when
    a group has fewer than 2 observations or the pooled SD is 0.
    """
    level = _check_level(level)
    if a.n < 2 or b.n < 2:
        return None
    df = a.n + b.n - 2
    sp2 = (a.ss + b.ss) / df
    if sp2 <= 0.0:
        return None
    d = (a.mean - b.mean) / math.sqrt(sp2)
    j = hedges_correction(df)
    n_sum = a.n + b.n
    var_d = n_sum / (a.n * b.n) + d * d / (2.0 * n_sum)
    g = j * d
    se = j * math.sqrt(var_d)
    half = _z(level) * se
    return HedgesG(g, d, j, se, g - half, g + half, df, level)


@dataclass(frozen=True, slots=True)
class TeamVsRest:
    """A team compared with the rest of the organisation (team minus rest)."""

    team: Summary
    rest: Summary
    difference: float
    welch: WelchT | None
    g: HedgesG | None

    @property
    def p(self) -> float | None:
        """Welch p-value (None when the test is undefined), ready for Benjamini-Hochberg."""
        return self.welch.p if self.welch is not None else None


def team_vs_rest(team: Summary, org: Summary, level: float = 0.95) -> TeamVsRest | None:
    """Compare a team with the rest of the organisation, not with a total that contains it.

    The rest is derived from the sums: ``rest = (n_o - n_t, T_o - T_t, Q_o - Q_t)``, then
    ``difference = mean_team - mean_rest``, Welch's t (:func:`welch_t`) and Hedges' g
    (:func:`hedges_g`) compare team with rest.  ``welch``/``g`` are None where undefined.

    Returns None when the team is the whole organisation (no rest).  Raises ``ValueError``
    when the team has more observations than the organisation or its sums cannot be part of
    the organisation's.  Only call it on groups cleared by disclosure control: with a small
    rest, the rest's statistics reveal that small group.
    """
    level = _check_level(level)
    if team.n > org.n:
        raise ValueError(f"team n ({team.n}) exceeds organisation n ({org.n})")
    if team.n == org.n:
        return None
    rest = org.without(team)
    return TeamVsRest(
        team,
        rest,
        team.mean - rest.mean,
        welch_t(team, rest, level),
        hedges_g(team, rest, level),
    )


@dataclass(frozen=True, slots=True)
class StandpointGap:
    """Highest level's mean minus lowest level's mean, with a Welch interval."""

    bottom: str
    top: str
    bottom_summary: Summary
    top_summary: Summary
    gap: float
    lower: float | None
    upper: float | None
    p: float | None
    level: float


def standpoint_gap(level_means: Mapping[str, Summary], level: float = 0.95) -> StandpointGap | None:
    """The standpoint gap: does the top of the hierarchy see a different climate?

    ``level_means`` maps hierarchy level -> Summary, **ordered from the bottom (first entry)
    to the top (last entry)**; a dict keeps insertion order.  Returns::

        gap = mean_top - mean_bottom        (positive: the top scores higher)
        CI  = Welch interval of that difference (welch_t(top, bottom)), and its p

    ``lower``/``upper``/``p`` are None when Welch's test is undefined.  Returns None when
    fewer than two levels are given.  Intermediate levels are not used.
    """
    level = _check_level(level)
    if len(level_means) < 2:
        return None
    keys = list(level_means)
    bottom, top = keys[0], keys[-1]
    lo, hi = level_means[bottom], level_means[top]
    w = welch_t(hi, lo, level)
    return StandpointGap(
        bottom,
        top,
        lo,
        hi,
        hi.mean - lo.mean,
        w.lower if w is not None else None,
        w.upper if w is not None else None,
        w.p if w is not None else None,
        level,
    )


# --------------------------------------------------------------------------------------------
# multiplicity


@dataclass(frozen=True, slots=True)
class BHResult:
    """Benjamini-Hochberg adjusted p-values and decisions, in the input's positions.

    ``adjusted[i]`` and ``reject[i]`` are None where the input was None (suppressed cell).
    ``m`` is the number of p-values that took part.
    """

    adjusted: tuple[float | None, ...]
    reject: tuple[bool | None, ...]
    q: float
    m: int


def benjamini_hochberg(pvalues: Sequence[float | None], q: float = 0.05) -> BHResult:
    """Benjamini & Hochberg (1995) false-discovery-rate control at level ``q``.

    With the ``m`` non-None p-values sorted ``p_(1) <= ... <= p_(m)``:

    * step-up rule: let ``k = max{i : p_(i) <= i q / m}``; reject ``H_(1) .. H_(k)``;
    * adjusted p-values: ``p~_(i) = min(1, min_{j >= i} m p_(j) / j)``, monotone in rank and
      ``>= p_(i)``; ``p~_(i) <= q`` exactly when ``H_(i)`` is rejected (up to rounding at the
      boundary, where ``reject`` follows the step-up rule).

    None entries (suppressed cells) are ignored, do not count in ``m`` and keep their
    positions.  p-values must lie in [0, 1].
    """
    q = float(q)
    if not (math.isfinite(q) and 0.0 < q < 1.0):
        raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}")
    positions = [i for i, p in enumerate(pvalues) if p is not None]
    raw = np.array([float(p) for p in pvalues if p is not None], dtype=np.float64)
    if not (np.isfinite(raw).all() and (raw >= 0).all() and (raw <= 1).all()):
        raise ValueError("p-values must lie in [0, 1]")
    m = raw.size
    adjusted: list[float | None] = [None] * len(pvalues)
    reject: list[bool | None] = [None] * len(pvalues)
    if m == 0:
        return BHResult(tuple(adjusted), tuple(reject), q, 0)
    order = np.argsort(raw, kind="stable")
    ranks = np.arange(1, m + 1, dtype=np.float64)
    sorted_p = raw[order]
    stepped = np.minimum.accumulate((sorted_p * (m / ranks))[::-1])[::-1]
    # mathematically p_(i) <= p~_(i) <= 1; the clips only undo rounding (e.g. .95 * 3 / 3)
    adj_sorted = np.clip(stepped, sorted_p, 1.0)
    passing = np.nonzero(sorted_p <= ranks * q / m)[0]
    k = int(passing[-1]) + 1 if passing.size else 0
    for rank, idx in enumerate(order.tolist()):
        pos = positions[idx]
        adjusted[pos] = float(adj_sorted[rank])
        reject[pos] = rank < k
    return BHResult(tuple(adjusted), tuple(reject), q, m)


# --------------------------------------------------------------------------------------------
# reliability


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
    a = _finite("alpha", alpha)
    n_ = _count("n", n, minimum=2)
    k_ = _count("k", k, minimum=2)
    level = _check_level(level)
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
    n_ = _count("n", n)
    level = _check_level(level)
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
    x = _as_matrix(item_matrix)
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
    n_ = _count("n", n)
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
# within-team agreement and between-team variance


def uniform_null_variance(scale_points: int) -> float:
    """Variance of the discrete uniform distribution on ``A`` points: ``(A**2 - 1) / 12``."""
    a = _count("scale_points", scale_points, minimum=2)
    return (a * a - 1) / 12.0


def rwg(variance: float, scale_points: int) -> float:
    """Single-item agreement (James, Demaree & Wolf 1984) against the uniform null::

        rwg = 1 - s**2 / sigma_EU**2,   sigma_EU**2 = (A**2 - 1) / 12

    ``s**2`` is the observed (n - 1) variance of the team's answers.  Rule: when
    ``s**2 >= sigma_EU**2`` (at least as much spread as random answering) the value is set to
    0 (LeBreton & Senter 2008 recommend this truncation); the result is always in [0, 1].
    """
    v = _finite("variance", variance)
    if v < 0:
        raise ValueError(f"variance must be >= 0, got {v!r}")
    ratio = v / uniform_null_variance(scale_points)
    if ratio >= 1.0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - ratio))


def rwg_j(item_variances: npt.ArrayLike, scale_points: int) -> float:
    """Multi-item agreement rwg(J) (James, Demaree & Wolf 1984)::

        r      = mean_j(s_j**2) / sigma_EU**2
        rwg(J) = J (1 - r) / (J (1 - r) + r)

    with ``J`` items and ``s_j**2`` the team's (n - 1) variance on item ``j``.  Rule: when
    ``r >= 1`` the formula leaves [0, 1] (it is negative, undefined at ``J (1 - r) + r = 0``
    and then greater than 1), so the value is set to 0, as for :func:`rwg`; the result is
    always in [0, 1].
    """
    v = np.asarray(item_variances, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("at least one item variance is needed")
    if not (np.isfinite(v).all() and (v >= 0).all()):
        raise ValueError("item variances must be finite and >= 0")
    j = v.size
    ratio = float(v.mean()) / uniform_null_variance(scale_points)
    if ratio >= 1.0:
        return 0.0
    value = j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)
    return min(1.0, max(0.0, value))


def rwg_j_from_items(item_matrix: npt.ArrayLike, scale_points: int) -> float | None:
    """rwg(J) of one team from raw answers (rows members, columns items; complete cases).

    Returns None when fewer than 2 complete cases remain.  A single column gives rwg.
    """
    x = _as_matrix(item_matrix)
    if x.shape[1] < 1:
        raise ValueError("at least one item is needed")
    if x.shape[0] < 2:
        return None
    return rwg_j(x.var(axis=0, ddof=1), scale_points)


@dataclass(frozen=True, slots=True)
class ICC1:
    """ICC(1) from a one-way random-effects ANOVA of teams, with the ANOVA F test."""

    icc1: float
    f: float
    p: float
    df_between: int
    df_within: int
    ms_between: float
    ms_within: float
    n0: float


def icc1(groups: Sequence[Summary]) -> ICC1 | None:
    """ICC(1) (Bliese 2000) from per-team summaries (one-way ANOVA, unequal team sizes)::

        N = sum n_g,  G = number of teams,  grand = sum T_g / N
        MSB = sum n_g (mean_g - grand)**2 / (G - 1)
        MSW = sum SS_g / (N - G)
        n0  = (N - sum n_g**2 / N) / (G - 1)        (n0 = n for equal team sizes)
        ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW),  F = MSB / MSW on (G - 1, N - G) df

    ICC(1) is not truncated (it is negative when teams differ less than chance).  Returns
    None with fewer than 2 teams, no within-team degrees of freedom (``N == G``) or no
    within-team variance (``MSW == 0``, F undefined).
    """
    g = len(groups)
    if g < 2:
        return None
    n_total = sum(s.n for s in groups)
    df_w = n_total - g
    if df_w < 1:
        return None
    ms_w = math.fsum(s.ss for s in groups) / df_w
    if ms_w <= 0.0:
        return None
    grand = math.fsum(s.total for s in groups) / n_total
    ms_b = math.fsum(s.n * (s.mean - grand) ** 2 for s in groups) / (g - 1)
    n0 = (n_total - sum(s.n * s.n for s in groups) / n_total) / (g - 1)
    value = (ms_b - ms_w) / (ms_b + (n0 - 1.0) * ms_w)
    f = ms_b / ms_w
    p = float(stats.f.sf(f, g - 1, df_w))
    return ICC1(value, f, p, g - 1, df_w, ms_b, ms_w, n0)
