"""Item analysis for a pilot: how each item of a scale behaves.

Pure (numpy only). Two kinds of statistics:

* an item's **answers**: the distribution over its scale points, the share of "prefer not
  to answer" among those asked it, the share of answers at the scale's midpoint, and the
  mean and standard deviation of its keyed value (the value the scoring module scores: a
  reverse-keyed item mirrored, ``m + M - x``). All follow from the answer counts alone;
* an item **within its dimension**: its item-rest correlation and Cronbach's alpha of the
  dimension with the item deleted, from the covariance matrix of the dimension's complete
  cases (the form `ItemSums` gives for any group).

A pilot reads them against the usual thresholds (`REVIEW_*`): an item is marked for review,
never dropped automatically.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.reports.stats._numeric import check_count
from app.reports.stats.reliability import (
    NO_VARIANCE,
    ONE_ITEM,
    RELIABILITY_MIN_N,
    TOO_FEW,
    ItemSums,
    _as_cov,
    item_rest_correlations_from_cov,
)

#: An item-rest correlation below this marks the item for review.
REVIEW_ITEM_REST_BELOW = 0.30
#: More than this share of "prefer not to answer" among those asked marks the item.
REVIEW_PNA_ABOVE = 0.10
#: More than this share of answers at the scale's midpoint marks the item.
REVIEW_MIDPOINT_ABOVE = 0.40
#: The dimension's alpha rising by more than this when the item is deleted marks the item
#: (a rise within rounding says nothing).
REVIEW_ALPHA_RISE_ABOVE = 0.005


@dataclass(frozen=True, slots=True)
class ItemAnswers:
    """One item's answers in one group.

    ``counts`` are the answers on each scale point in scale order (``points``); ``answered``
    their total; ``pna`` the "prefer not to answer" count; ``asked`` = ``answered + pna``
    (people not asked the item count in neither). Shares are None when their denominator
    is 0; ``midpoint_share`` is None on a scale with an even number of points (no midpoint);
    ``mean`` and ``sd`` are of the keyed value (``sd`` with n - 1, None below two answers).
    """

    points: tuple[int, ...]
    counts: tuple[int, ...]
    pna: int
    reverse: bool
    mean: float | None
    sd: float | None
    midpoint_share: float | None

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def asked(self) -> int:
        return self.answered + self.pna

    @property
    def shares(self) -> tuple[float | None, ...]:
        """Each scale point's share of the answers (PNA left out)."""
        n = self.answered
        return tuple(c / n if n else None for c in self.counts)

    @property
    def pna_share(self) -> float | None:
        """ "Prefer not to answer" among those asked the item."""
        return self.pna / self.asked if self.asked else None


def describe_item(
    counts: Mapping[int, int], pna: int, points: Sequence[int], *, reverse: bool = False
) -> ItemAnswers:
    """An item's answer statistics from its counts per raw scale value and its "prefer not
    to answer" count. With ``n_v`` answers at raw value ``v`` and ``N = sum n_v``::

        keyed(v) = m + M - v if reverse else v        (m, M the scale's ends)
        mean     = sum n_v keyed(v) / N
        sd       = sqrt(sum n_v (keyed(v) - mean)^2 / (N - 1))
        midpoint = n_c / N,  c = (m + M) / 2 when the scale has an odd number of points

    ValueError for a value off the scale, a negative count or no points.
    """
    scale = tuple(int(p) for p in points)
    if not scale:
        raise ValueError("a scale has at least one point")
    if list(scale) != sorted(set(scale)):
        raise ValueError(f"scale points must be distinct and ascending, got {scale}")
    check_count("prefer not to answer", pna)
    for value, n in counts.items():
        if value not in scale:
            raise ValueError(f"answer value {value} is not on the scale {scale}")
        check_count(f"answers at {value}", n)
    ordered = tuple(int(counts.get(p, 0)) for p in scale)
    low, high = scale[0], scale[-1]
    keyed = np.array([low + high - p if reverse else p for p in scale], dtype=np.float64)
    weights = np.array(ordered, dtype=np.float64)
    total = int(weights.sum())
    mean = sd = midpoint = None
    if total:
        m = float(weights @ keyed / total)
        mean = min(max(m, float(keyed.min())), float(keyed.max()))
        if total >= 2:
            sd = math.sqrt(max(0.0, float(weights @ (keyed - m) ** 2) / (total - 1)))
        if len(scale) % 2 == 1:
            midpoint = ordered[len(scale) // 2] / total
    return ItemAnswers(scale, ordered, pna, reverse, mean, sd, midpoint)


def alpha_if_deleted_from_cov(cov: npt.ArrayLike) -> tuple[float | None, ...]:
    """Cronbach's alpha of the scale without each item in turn, from the items' covariance
    matrix ``C`` (k x k)::

        alpha_(-i) = (k - 1) / (k - 2) * (1 - (trace(C) - C_ii) / S_(-i)),
        S_(-i)     = sum(C) - 2 sum_j C_ij + C_ii      (the rest score's variance)

    None for an item whose deletion leaves one item (alpha needs two) or a rest score
    without variance.
    """
    c = _as_cov(cov)
    k = int(c.shape[0])
    if k < 3:
        return tuple(None for _ in range(k))
    total = float(c.sum())
    trace = float(np.trace(c))
    out: list[float | None] = []
    for i in range(k):
        rest = total - 2.0 * float(c[i].sum()) + float(c[i, i])
        if not rest > 0.0:
            out.append(None)
            continue
        out.append((k - 1) / (k - 2) * (1.0 - (trace - float(c[i, i])) / rest))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """A dimension's items in one group: ``n`` complete cases, the dimension's alpha, and per
    item (in the dimension's order) its item-rest correlation and the alpha with it deleted;
    or ``reason`` (in plain words) why they were not computed."""

    n: int
    items: int
    alpha: float | None
    item_rest: tuple[float | None, ...] | None
    alpha_if_deleted: tuple[float | None, ...] | None
    reason: str | None = None


def item_analysis(sums: ItemSums, *, min_n: int = RELIABILITY_MIN_N) -> ItemAnalysis:
    """Alpha, item-rest correlations and alpha-if-deleted of a dimension in a group, from its
    complete cases' `ItemSums`. Not computed, with the reason, for one item, fewer than
    ``min_n`` complete cases, or a total score that does not vary. With two items the
    item-rest correlation is the correlation of the pair and alpha-if-deleted is None."""
    check_count("min_n", min_n, minimum=2)
    if sums.items < 2:
        return ItemAnalysis(sums.n, sums.items, None, None, None, ONE_ITEM)
    if sums.n < min_n:
        return ItemAnalysis(sums.n, sums.items, None, None, None, TOO_FEW.format(min_n=min_n))
    cov = sums.covariance()
    total = float(cov.sum()) if cov is not None else 0.0
    if cov is None or not total > 0.0:
        return ItemAnalysis(sums.n, sums.items, None, None, None, NO_VARIANCE)
    k = sums.items
    alpha = k / (k - 1) * (1.0 - float(np.trace(cov)) / total)
    rest = item_rest_correlations_from_cov(cov, sums.n, min_n=min_n)
    return ItemAnalysis(sums.n, k, alpha, rest, alpha_if_deleted_from_cov(cov))


def review_reasons(
    answers: ItemAnswers | None,
    item_rest: float | None,
    alpha: float | None,
    alpha_if_deleted: float | None,
) -> tuple[str, ...]:
    """Which pilot thresholds an item crosses, as keys: ``"item_rest"`` (below
    `REVIEW_ITEM_REST_BELOW`), ``"alpha_rises"`` (the dimension's alpha rises when the item is
    deleted), ``"pna"`` (above `REVIEW_PNA_ABOVE`), ``"midpoint"`` (above
    `REVIEW_MIDPOINT_ABOVE`). A statistic not shown is not judged."""
    found: list[str] = []
    if item_rest is not None and item_rest < REVIEW_ITEM_REST_BELOW:
        found.append("item_rest")
    if (
        alpha is not None
        and alpha_if_deleted is not None
        and alpha_if_deleted - alpha > REVIEW_ALPHA_RISE_ABOVE
    ):
        found.append("alpha_rises")
    if answers is not None:
        pna = answers.pna_share
        if pna is not None and pna > REVIEW_PNA_ABOVE:
            found.append("pna")
        if answers.midpoint_share is not None and answers.midpoint_share > REVIEW_MIDPOINT_ABOVE:
            found.append("midpoint")
    return tuple(found)
