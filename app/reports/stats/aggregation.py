"""Aggregation to teams: within-team agreement (rwg, rwg(J)) and between-team variance (ICC(1)).

These say whether individual answers may be read as a team's shared climate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats._numeric import (
    as_item_matrix,
    check_count,
    check_finite,
    check_level,
    z_quantile,
)
from app.reports.stats.summaries import Summary


def uniform_null_variance(scale_points: int) -> float:
    """Variance of the discrete uniform distribution on ``A`` points: ``(A**2 - 1) / 12``."""
    a = check_count("scale_points", scale_points, minimum=2)
    return (a * a - 1) / 12.0


def rwg(variance: float, scale_points: int) -> float:
    """Single-item agreement (James, Demaree & Wolf 1984) against the uniform null::

        rwg = 1 - s**2 / sigma_EU**2,   sigma_EU**2 = (A**2 - 1) / 12

    ``s**2`` is the observed (n - 1) variance of the team's answers.  Rule: when
    ``s**2 >= sigma_EU**2`` (at least as much spread as random answering) the value is set to
    0 (LeBreton & Senter 2008 recommend this truncation); the result is always in [0, 1].
    """
    v = check_finite("variance", variance)
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
    x = as_item_matrix(item_matrix)
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

    @property
    def icc2(self) -> float:
        """ICC(2), the reliability of a team's mean (Bliese 2000): ``(MSB - MSW) / MSB``,
        equivalently ``n0 ICC(1) / (1 + (n0 - 1) ICC(1))`` (Spearman-Brown at the average
        team size). Negative when teams differ less than chance."""
        return (self.ms_between - self.ms_within) / self.ms_between


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


def minimum_detectable_difference(
    sd: float, n: int, n_rest: int, level: float = 0.95, power: float = 0.80
) -> float:
    """The smallest true difference between a team of ``n`` and the rest (``n_rest``) that
    a two-sided test at ``level`` finds with probability ``power``, when answers spread
    with standard deviation ``sd`` in both groups (normal approximation)::

        MDD = (z_{1 - (1-level)/2} + z_{power}) * sd * sqrt(1/n + 1/n_rest)

    (2.80 sd sqrt(1/n + 1/n_rest) at .95 and 80%). The release's Benjamini-Hochberg family
    asks for more, so this is a lower bound on what a flag needs.
    """
    s = check_finite("sd", sd)
    if s < 0:
        raise ValueError(f"sd must be >= 0, got {s!r}")
    n_ = check_count("n", n, minimum=1)
    rest = check_count("n_rest", n_rest, minimum=1)
    level = check_level(level)
    power = check_level(power)
    z = z_quantile(level) + z_quantile(2.0 * power - 1.0)
    return z * s * math.sqrt(1.0 / n_ + 1.0 / rest)
