"""Comparisons of groups: Welch's t, Hedges' g, a team against the rest of the organisation,
the standpoint gap between hierarchy levels, and Benjamini-Hochberg across many comparisons.

Every comparison works from two :class:`~app.reports.stats.summaries.Summary` objects, i.e.
from the SQL sums ``(n, T, Q)`` of each group.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special  # type: ignore[import-untyped, unused-ignore]

from app.reports.stats._numeric import check_level, t_quantile, z_quantile
from app.reports.stats.summaries import Summary

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
    level = check_level(level)
    va_s, vb_s = a.variance, b.variance
    if va_s is None or vb_s is None:
        return None
    return _welch(a, b, va_s, vb_s, level)


def floored_welch_t(a: Summary, b: Summary, level: float = 0.95) -> WelchT | None:
    """Welch's t test in which the smaller group's variance is never taken below the
    pooled variance of both groups.

    Welch's test takes each group's variance from its own answers. A small group whose
    answers happen to agree (six identical answers: ``s**2 = 0``) then contributes nothing
    to the standard error, which falls to the larger group's ``s / sqrt(n)``: the test
    compares a near-constant with the larger group alone and flags differences of a tenth
    of a point. A handful of answers cannot show that a group agrees more than everyone
    else, so for the smaller group (both, at equal sizes)::

        s_p**2     = (SS_a + SS_b) / (n_a + n_b - 2)
        s_small**2 := max(s_small**2, s_p**2)

    and the rest is :func:`welch_t` (Welch-Satterthwaite df, each group with ``n - 1``).
    The floor is continuous in the data; a smaller group that varies at least as much as
    the pool keeps Welch's test exactly, and where the floor holds the standard error is
    above both Student's pooled one and Welch's. Returns None when a group has fewer than
    2 observations or both have no variance (the pooled variance is 0).
    """
    level = check_level(level)
    va, vb = a.variance, b.variance
    if va is None or vb is None:
        return None
    pooled = (a.ss + b.ss) / (a.n + b.n - 2)
    if a.n <= b.n:
        va = max(va, pooled)
    if b.n <= a.n:
        vb = max(vb, pooled)
    return _welch(a, b, va, vb, level)


def _welch(a: Summary, b: Summary, var_a: float, var_b: float, level: float) -> WelchT | None:
    """Welch's statistic from each group's variance (``n - 1`` degrees of freedom each)."""
    va, vb = var_a / a.n, var_b / b.n
    se2 = va + vb
    if se2 <= 0.0:
        return None
    se = math.sqrt(se2)
    diff = a.mean - b.mean
    t = diff / se
    wa, wb = va / se2, vb / se2  # shares in [0, 1]: no overflow/underflow in the df formula
    df = 1.0 / (wa * wa / (a.n - 1) + wb * wb / (b.n - 1))
    p = min(1.0, 2.0 * float(special.stdtr(df, -abs(t))))
    half = t_quantile(level, df) * se
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
    level = check_level(level)
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
    half = z_quantile(level) * se
    return HedgesG(g, d, j, se, g - half, g + half, df, level)


@dataclass(frozen=True, slots=True)
class TeamVsRest:
    """A team compared with the rest of the organisation (team minus rest); ``welch`` is
    the test of :func:`floored_welch_t`."""

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
    ``difference = mean_team - mean_rest``, Welch's t with the pooled-variance floor
    (:func:`floored_welch_t`: a small team whose answers agree is not judged on the rest's
    variance alone) and Hedges' g (:func:`hedges_g`) compare team with rest.
    ``welch``/``g`` are None where undefined.

    Returns None when the team is the whole organisation (no rest).  Raises ``ValueError``
    when the team has more observations than the organisation or its sums cannot be part of
    the organisation's.  Only call it on groups cleared by disclosure control: with a small
    rest, the rest's statistics reveal that small group.
    """
    level = check_level(level)
    if team.n > org.n:
        raise ValueError(f"team n ({team.n}) exceeds organisation n ({org.n})")
    if team.n == org.n:
        return None
    rest = org.without(team)
    return TeamVsRest(
        team,
        rest,
        team.mean - rest.mean,
        floored_welch_t(team, rest, level),
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
    level = check_level(level)
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
