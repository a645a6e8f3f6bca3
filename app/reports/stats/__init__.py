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

Disclosure control is *not* done here: callers must only pass groups that privacy/ has
cleared (k-anonymity thresholds).  The functions stay pure.

The modules, by statistical family:

* ``summaries``: a group's sums (:class:`Summary`), the interval of a mean (t, or within
  the scale on the logit of the rescaled mean), the Wilson interval of a proportion;
* ``comparisons``: Welch's t (and with a pooled-variance floor for the smaller group),
  Hedges' g, team against the rest, the standpoint gap, Benjamini-Hochberg;
* ``reliability``: Cronbach's alpha with its Feldt interval, item-rest correlations, from
  answers or from additive item sums (:class:`ItemSums`), with the reason when not computed;
* ``aggregation``: within-team agreement rwg / rwg(J), ICC(1) and ICC(2), the minimum
  detectable difference of a team;
* ``_numeric``: the shared argument checks and normal / t quantiles.
"""

from __future__ import annotations

from app.reports.stats.aggregation import (
    ICC1,
    icc1,
    minimum_detectable_difference,
    rwg,
    rwg_j,
    rwg_j_from_items,
    uniform_null_variance,
)
from app.reports.stats.comparisons import (
    BHResult,
    HedgesG,
    StandpointGap,
    TeamVsRest,
    WelchT,
    benjamini_hochberg,
    floored_welch_t,
    hedges_correction,
    hedges_g,
    standpoint_gap,
    team_vs_rest,
    welch_t,
)
from app.reports.stats.reliability import (
    ALPHA_FLAG_BELOW,
    RELIABILITY_MIN_N,
    ItemSums,
    Reliability,
    ScaleReliability,
    cronbach_alpha,
    cronbach_alpha_from_cov,
    feldt_interval,
    item_rest_correlations,
    item_rest_correlations_from_cov,
    scale_reliability,
)
from app.reports.stats.summaries import (
    Bounds,
    MeanCI,
    Proportion,
    Summary,
    bounded_interval,
    mean_ci,
    wilson_interval,
)

__all__ = [
    "ALPHA_FLAG_BELOW",
    "ICC1",
    "RELIABILITY_MIN_N",
    "BHResult",
    "Bounds",
    "HedgesG",
    "ItemSums",
    "MeanCI",
    "Proportion",
    "Reliability",
    "ScaleReliability",
    "StandpointGap",
    "Summary",
    "TeamVsRest",
    "WelchT",
    "benjamini_hochberg",
    "bounded_interval",
    "cronbach_alpha",
    "cronbach_alpha_from_cov",
    "feldt_interval",
    "floored_welch_t",
    "hedges_correction",
    "hedges_g",
    "icc1",
    "item_rest_correlations",
    "item_rest_correlations_from_cov",
    "mean_ci",
    "minimum_detectable_difference",
    "rwg",
    "rwg_j",
    "rwg_j_from_items",
    "scale_reliability",
    "standpoint_gap",
    "team_vs_rest",
    "uniform_null_variance",
    "welch_t",
    "wilson_interval",
]
