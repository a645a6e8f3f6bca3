"""The charts with one mark per team (app/reports/figures/teams.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import (
    Estimate,
    TeamPoint,
)
from tests.reports.figures.samples import (
    HIDDEN_LABEL,
    K,
    annotation_texts,
    bars,
    data,
    layout,
    quadrant,
    subtitle,
)


def test_quadrant_map_has_one_bubble_per_shown_team_sized_by_n() -> None:
    spec = quadrant()
    (trace,) = data(spec)
    assert trace["x"] == [3.8, 2.6]
    assert trace["y"] == [2.1, 3.4]
    assert trace["marker"]["size"] == [24, 12]
    assert trace["marker"]["sizemode"] == "area"
    assert trace["error_x"]["array"] == pytest.approx([0.3, 0.4])
    assert trace["error_y"]["arrayminus"] == pytest.approx([0.3, 0.4])
    lay = layout(spec)
    assert lay["xaxis"]["range"] == [1, 5]
    assert lay["yaxis"]["range"] == [1, 5]


def test_quadrant_map_names_the_quadrants_and_counts_hidden_teams() -> None:
    spec = quadrant()
    texts = annotation_texts(spec)
    for name in (
        "High mutuality, low power-over",
        "High mutuality, high power-over",
        "Low mutuality, high power-over",
        "Low mutuality, low power-over",
    ):
        assert name in texts
    assert subtitle(spec) == "2 teams not shown: fewer than 5*"
    # Hidden teams are in the table with the label only, never in the plotted data.
    (trace,) = data(spec)
    assert all("Legal" not in text for text in trace["hovertext"])
    assert ("Legal", HIDDEN_LABEL, "", "", "", "", "") in spec.table.rows
    assert spec.table.rows[0][-1] == "High mutuality, low power-over"
    assert "2 teams hidden (fewer than 5*)" in spec.description


def test_quadrant_map_without_error_bars_or_hidden_teams() -> None:
    spec = f.quadrant_map(
        [TeamPoint("A", Estimate(3.0), Estimate(3.0), n=5)],
        x_title="x",
        y_title="y",
        k=K,
        error_bars=False,
    )
    (trace,) = data(spec)
    assert "error_x" not in trace
    assert subtitle(spec) == ""
    assert spec.table.rows[0][-1] == "Mid mutuality, mid power-over"


def test_family_bars_leave_a_labelled_gap_for_hidden_teams() -> None:
    spec = bars()
    (trace,) = data(spec)
    assert trace["orientation"] == "h"
    assert trace["x"] == [3.8, 2.6]
    assert trace["y"] == [0, 2]  # position 1 (Legal) has no bar, not a zero bar
    gap = [a for a in layout(spec)["annotations"] if HIDDEN_LABEL in a["text"]]
    assert len(gap) == 1 and gap[0]["y"] == 1
    assert layout(spec)["yaxis"]["ticktext"] == ["Platform", "Legal", "Sales"]
    assert ("Legal", HIDDEN_LABEL, "", "") in spec.table.rows


def test_family_bars_draw_the_organisation_as_a_reference_line() -> None:
    spec = bars()
    (line,) = layout(spec)["shapes"]
    assert line["x0"] == line["x1"] == 3.3
    assert "Organisation 3.30" in annotation_texts(spec)
    assert spec.table.rows[-1] == ("Whole organisation", "3.30", "3.20–3.40", "90")
    assert "Most favourable: Platform (3.80)" in spec.description
