"""The charts with one mark per team (app/reports/figures/teams.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import (
    Estimate,
    GroupBar,
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
        "More mutuality, less power-over",
        "More mutuality, more power-over",
        "Less mutuality, more power-over",
        "Less mutuality, less power-over",
    ):
        assert name in texts
    assert subtitle(spec) == "2 teams not shown: fewer than 5*"
    # Hidden teams are in the table with the label only, never in the plotted data.
    (trace,) = data(spec)
    assert all("Legal" not in text for text in trace["hovertext"])
    assert ("Legal", HIDDEN_LABEL, "", "", "", "", "") in spec.table.rows
    assert spec.table.rows[0][-1] == "More mutuality, less power-over than the organisation"
    assert "2 teams hidden (fewer than 5*)" in spec.description


def test_quadrant_lines_cross_at_the_organisations_means_and_every_team_is_named() -> None:
    spec = quadrant()
    lines = [s for s in layout(spec)["shapes"] if s["type"] == "line"]
    assert {(s["x0"], s["x1"]) for s in lines} == {(3.3, 3.3), (1, 5)}
    assert {(s["y0"], s["y1"]) for s in lines} == {(1, 5), (2.6, 2.6)}
    (trace,) = data(spec)
    assert trace["mode"] == "markers+text" and trace["text"] == ["Platform", "Sales"]
    assert "cross at the organisation's means (Mutuality 3.30, Power-over 2.60)" in (
        spec.description
    )
    # Sales is below the organisation on mutuality and above it on power-over.
    assert spec.table.rows[1][-1] == "Less mutuality, more power-over than the organisation"


@pytest.mark.parametrize("centre", [(0.5, 3.0), (3.0, 5.5), (float("nan"), 3.0)])
def test_quadrant_centre_must_lie_on_the_scale(centre: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="centre"):
        f.quadrant_map([], x_title="x", y_title="y", k=K, centre=centre)


def test_quadrant_map_without_error_bars_or_hidden_teams() -> None:
    spec = f.quadrant_map(
        [TeamPoint("A", Estimate(3.0), Estimate(3.0), n=5)],
        x_title="x",
        y_title="y",
        k=K,
        error_bars=False,
        centre=(3.0, 3.0),
    )
    (trace,) = data(spec)
    assert "error_x" not in trace
    assert subtitle(spec) == ""
    assert spec.table.rows[0][-1] == ("As much mutuality, as much power-over than the organisation")


def test_family_bars_best_first_with_a_labelled_gap_for_hidden_teams() -> None:
    spec = bars()
    (trace,) = data(spec)
    assert trace["orientation"] == "h"
    assert trace["x"] == [3.8, 2.6]  # best first, whatever order the teams came in
    assert trace["y"] == [0, 1]
    gap = [a for a in layout(spec)["annotations"] if HIDDEN_LABEL in a["text"]]
    assert len(gap) == 1 and gap[0]["y"] == 2  # hidden teams come last
    assert layout(spec)["yaxis"]["ticktext"] == ["Platform", "Sales", "Legal"]
    assert ("Legal", HIDDEN_LABEL, "", "", "") in spec.table.rows


def test_family_bars_are_coloured_by_their_verdict_with_its_legend() -> None:
    spec = bars()
    (trace,) = data(spec)
    assert trace["marker"]["color"] == [f.VERDICT_COLOURS["better"], f.VERDICT_COLOURS["worse"]]
    assert "Blue: better than the rest" in subtitle(spec)
    assert spec.table.rows[0][-1] == "better than the rest"
    assert spec.table.rows[1][-1] == "worse than the rest"
    assert "1 better than the rest of the organisation, 1 worse" in spec.description
    low = f.family_bars(
        [GroupBar("A", Estimate(2.0), verdict="same"), GroupBar("B", Estimate(1.5))],
        family_label="Power-over",
        k=K,
        desirable="low",
    )
    (trace,) = data(low)
    assert trace["x"] == [1.5, 2.0]  # lower is better: the lowest first
    assert low.table.rows[1][-1] == "no clear difference"
    assert low.table.rows[0][-1] == "not compared"


def test_a_hidden_bar_carries_no_verdict_and_verdicts_are_known() -> None:
    with pytest.raises(ValueError, match="no verdict"):
        GroupBar("A", hidden=True, verdict="better")
    with pytest.raises(ValueError, match="verdict must be one of"):
        GroupBar("A", Estimate(3.0), verdict="fine")  # type: ignore[arg-type]


def test_family_bars_draw_the_organisation_as_a_reference_line() -> None:
    spec = bars()
    (line,) = layout(spec)["shapes"]
    assert line["x0"] == line["x1"] == 3.3
    assert "Organisation 3.30" in annotation_texts(spec)
    assert spec.table.rows[-1] == ("Whole organisation", "3.30", "3.20–3.40", "90", "")
    assert "Most favourable: Platform (3.80)" in spec.description


def test_hidden_teams_say_why_where_the_release_tells_it() -> None:
    spec = f.family_bars(
        [
            GroupBar("A", Estimate(3.0, 2.8, 3.2, 9)),
            GroupBar("Small", hidden=True, reason="under_k"),
            GroupBar("Guarded", hidden=True, reason="protects"),
            GroupBar("Either", hidden=True),
        ],
        family_label="Mutuality",
        k=K,
    )
    gaps = [a["text"] for a in layout(spec)["annotations"] if a["text"].startswith("<i>")]
    assert gaps == ["<i>fewer than 5</i>", "<i>withheld</i>", "<i>fewer than 5*</i>"]
    assert ("Guarded", "withheld", "", "", "") in spec.table.rows
    points = [
        TeamPoint("A", Estimate(3.0), Estimate(2.0), n=9),
        TeamPoint("B", hidden=True, reason="under_k"),
        TeamPoint("C", hidden=True, reason="under_k"),
        TeamPoint("D", hidden=True, reason="protects"),
    ]
    quadrants = f.quadrant_map(points, x_title="x", y_title="y", k=K, centre=(3.0, 3.0))
    assert subtitle(quadrants) == "3 teams not shown: 2 fewer than 5, 1 withheld"
    assert "3 teams hidden (2 fewer than 5, 1 withheld)." in quadrants.description
    assert "3 teams hidden (fewer than 5, withheld, fewer than 5*)" not in spec.description
    assert "3 teams hidden (1 fewer than 5, 1 withheld, 1 fewer than 5*)." in spec.description
    assert ("D", "withheld", "", "", "", "", "") in quadrants.table.rows
