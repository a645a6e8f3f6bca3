"""The standpoint gap and trend lines (app/reports/figures/series.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import HIDDEN, Estimate, Series
from tests.reports.figures.samples import (
    HIDDEN_LABEL,
    K,
    annotation_texts,
    data,
    layout,
    standpoint,
    subtitle,
    trends,
)


def test_standpoint_gap_plots_each_family_by_level_and_states_the_gap() -> None:
    spec = standpoint()
    mutuality, power = data(spec)
    assert mutuality["y"] == [2.9, 3.2, 3.9]
    assert power["y"] == [3.3, None, 2.2]  # the hidden level is a gap, not a zero
    assert power["connectgaps"] is False
    assert mutuality["error_y"]["array"] == pytest.approx([0.2, 0.2, 0.0])
    assert layout(spec)["xaxis"]["ticktext"] == [
        "Individual<br>contributor",
        "Manager",
        "Senior leader",
    ]
    assert "<i>Power-over: fewer than 5*</i>" in annotation_texts(spec)
    # without intervals given, the gap is top minus bottom
    assert "Mutuality: +1.00" in subtitle(spec)
    assert "Power-over: −1.10" in subtitle(spec)
    assert "the top level scores 1.00 higher than the bottom level" in spec.description
    assert spec.table.rows[1] == (
        "Power-over",
        "3.30 [3.10, 3.50]",
        HIDDEN_LABEL,
        "2.20 [1.90, 2.50]",
        "−1.10",
    )


def test_standpoint_gap_uses_given_intervals_and_handles_a_hidden_end() -> None:
    spec = f.standpoint_gap(
        ["Bottom", "Top"],
        [
            Series("Mutuality", (Estimate(2.9), Estimate(3.9))),
            Series("Outcomes", (HIDDEN, Estimate(3.0))),
        ],
        k=K,
        gaps=[Estimate(1.0, 0.6, 1.4), None],
    )
    assert "Mutuality: +1.00 [+0.60, +1.40]" in subtitle(spec)
    assert "Outcomes: no gap" in spec.description
    assert spec.table.rows[1][-1] == ""


def test_series_must_match_their_axis() -> None:
    with pytest.raises(ValueError, match="2 values for 3 levels"):
        f.standpoint_gap(["a", "b", "c"], [Series("S", (Estimate(1.0), Estimate(2.0)))], k=K)
    with pytest.raises(ValueError, match="needs its bottom and top levels shown"):
        f.standpoint_gap(
            ["a", "b"], [Series("S", (HIDDEN, Estimate(2.0)))], k=K, gaps=[Estimate(0.5)]
        )
    with pytest.raises(ValueError, match="one gap per family"):
        f.standpoint_gap(["a"], [Series("S", (Estimate(1.0),))], k=K, gaps=[])


def test_trend_lines_tell_hidden_from_not_available() -> None:
    spec = trends()
    mutuality, power = data(spec)
    assert mutuality["y"] == [3.0, 3.1, 3.3]
    assert power["y"] == [None, None, 2.5]
    texts = " ".join(annotation_texts(spec))
    assert "Power-over: not available" in texts
    assert "Power-over: fewer than 5*" in texts
    assert spec.table.rows[1] == ("Power-over", "not available", HIDDEN_LABEL, "2.50 [2.40, 2.60]")
    assert "Mutuality (higher is better): 3.00 in Spring, 3.30 in Winter (+0.30)." in (
        spec.description
    )
