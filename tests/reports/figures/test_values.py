"""The inputs of the figures (app/reports/figures/values.py): hidden groups carry no numbers."""

from __future__ import annotations

import math

import pytest

from app.reports.figures import (
    DifferenceCell,
    Estimate,
    GroupBar,
    ItemDistribution,
    Series,
    TeamPoint,
)


def test_hidden_groups_refuse_numbers() -> None:
    with pytest.raises(ValueError, match="carries no numbers"):
        TeamPoint("T", n=3, hidden=True)
    with pytest.raises(ValueError, match="carries no numbers"):
        GroupBar("T", Estimate(3.0), hidden=True)
    with pytest.raises(ValueError, match="carries no numbers"):
        DifferenceCell(0.3, hidden=True)
    with pytest.raises(ValueError, match="cannot be flagged"):
        DifferenceCell(hidden=True, flagged=True)
    with pytest.raises(ValueError, match="carries no numbers"):
        ItemDistribution("I", (1, 1, 1, 1, 1), hidden=True)


def test_shown_groups_need_their_numbers() -> None:
    with pytest.raises(ValueError, match="needs"):
        TeamPoint("T", Estimate(3.0), None, n=10)
    with pytest.raises(ValueError, match="needs"):
        GroupBar("T")
    with pytest.raises(ValueError, match="needs its difference"):
        DifferenceCell()
    with pytest.raises(ValueError, match="needs its adjusted p"):
        DifferenceCell(0.2, flagged=True)
    with pytest.raises(ValueError, match="at least one answer"):
        ItemDistribution("I", (0, 0, 0, 0, 0))
    with pytest.raises(TypeError):
        Series("S", (3.0,))  # type: ignore[arg-type]


def test_estimate_validates_its_interval() -> None:
    with pytest.raises(ValueError, match="both interval bounds"):
        Estimate(3.0, 2.0, None)
    with pytest.raises(ValueError, match="does not contain"):
        Estimate(3.0, 3.2, 3.5)
    with pytest.raises(ValueError, match="finite"):
        Estimate(math.nan)
    with pytest.raises(ValueError, match="n must be"):
        Estimate(3.0, n=0)


def test_estimate_adapters_read_the_stats_results() -> None:
    from app.reports.stats import Summary, hedges_g

    a = Summary.from_values([4, 5, 4, 3, 5, 4])
    b = Summary.from_values([2, 3, 3, 2, 4, 3, 2])
    mean = Estimate.from_mean_ci(a.mean_ci())
    assert (mean.value, mean.n) == (pytest.approx(25 / 6), 6)
    assert mean.lower is not None and mean.lower < mean.value
    g = hedges_g(a, b)
    assert g is not None
    assert Estimate.from_hedges_g(g).value == g.g
