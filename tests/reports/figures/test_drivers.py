"""The priority map of the key drivers: the medians' lines, the "Start here" corner, the
table and description that carry the same reading, bad input."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from app.reports import figures as f
from app.reports.figures import Estimate
from tests.reports.figures.samples import data, layout


def point(label: str, share: float, score: float, desirable: str = "high") -> f.DriverPoint:
    mean = score if desirable == "high" else 6 - score
    return f.DriverPoint(
        label,
        Estimate(share, share - 3, share + 3),
        score,
        mean,
        "high" if desirable == "high" else "low",
        "Mutuality" if desirable == "high" else "Power-over",
    )


POINTS = [
    point("Voice", 30.0, 2.5),  # important, low: start here
    point("Silencing", 20.0, 2.8, "low"),  # important, low: start here
    point("Authenticity", 10.0, 3.9),  # less important, high
    point("Accountability", 5.0, 3.0),  # less important, lower
    point("Empathy", 15.0, 4.2),  # in between
]


def test_the_start_here_corner_holds_the_important_low_scored_dimensions() -> None:
    spec = f.priority_map(
        POINTS, group="Engineering", outcome="Outcomes", r_squared=Estimate(0.4, 0.3, 0.5, 150)
    )
    go.Figure(spec.figure)
    shapes = layout(spec)["shapes"]
    # the medians: 15% across, 3.0 up
    lines = [s for s in shapes if s["type"] == "line"]
    assert {s["x0"] for s in lines if s["x0"] == s["x1"]} == {15.0}
    assert {s["y0"] for s in lines if s["y0"] == s["y1"]} == {3.0}
    corner = next(s for s in shapes if s["type"] == "rect")
    assert (corner["x0"], corner["y1"]) == (15.0, 3.0)
    assert "Start here, more important and lower scored than the median: Voice, Silencing." in (
        spec.description
    )
    where = {row[0]: row[-1] for row in spec.table.rows}
    assert where["Voice"] == where["Silencing"] == "Start here"
    assert where["Authenticity"] != "Start here" and where["Accountability"] != "Start here"
    assert [row[0] for row in spec.table.rows][:2] == ["Voice", "Silencing"]  # most important first
    assert "40% (95% interval 30\u201350%)" in spec.description
    assert "150 complete responses" in spec.description
    (trace,) = data(spec)
    assert trace["marker"]["symbol"] == ["circle", "diamond", "circle", "circle", "circle"]
    assert trace["error_x"]["array"] == [3.0] * 5


def test_power_over_shows_its_mean_as_asked_beside_the_turned_score() -> None:
    spec = f.priority_map(
        POINTS, group="Engineering", outcome="Outcomes", r_squared=Estimate(0.4, 0.3, 0.5, 150)
    )
    silencing = next(row for row in spec.table.rows if row[0] == "Silencing")
    assert silencing[3] == "2.80" and silencing[4] == "3.20 (lower is better)"


def test_no_point_gives_an_empty_chart_with_a_note() -> None:
    spec = f.priority_map([], group="Sales", outcome="Outcomes", r_squared=Estimate(0.0))
    go.Figure(spec.figure)
    assert any(a["text"] == "Nothing to show." for a in layout(spec)["annotations"])
    assert spec.table.rows == ()


def test_a_point_needs_its_interval_and_finite_numbers() -> None:
    with pytest.raises(ValueError, match="interval"):
        f.DriverPoint("Voice", Estimate(20.0), 3.0, 3.0, "high", "Mutuality")
    with pytest.raises(ValueError, match="score"):
        f.DriverPoint("Voice", Estimate(20.0, 1, 30), float("nan"), 3.0, "high", "Mutuality")
