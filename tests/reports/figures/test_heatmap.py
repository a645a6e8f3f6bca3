"""The difference heatmap (app/reports/figures/heatmap.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import DifferenceCell, Dimension
from app.reports.figures.style import SUPPRESSED
from tests.reports.figures.samples import HIDDEN_LABEL, K, data, heatmap, subtitle


def test_heatmap_colour_is_oriented_so_blue_means_better_for_both_families() -> None:
    spec = heatmap()
    values, _ = data(spec)
    # Row 0: +0.4 on authenticity (good) and -0.5 on silencing (good, lower is better).
    assert values["z"][0] == [0.4, 0.5]
    # Row 2: -0.3 on authenticity (worse) and +0.2 on silencing (worse).
    assert values["z"][2] == [-0.3, -0.2]
    assert values["zmin"] == -0.5 and values["zmax"] == 0.5
    # the high end of the scale is blue, the low end orange
    assert values["colorscale"][0][1] == "#b35806"
    assert values["colorscale"][-1][1] == "#2166ac"
    # the text and the hover show the raw difference, not the oriented one
    assert values["text"][0][1] == "<b>−0.50 •</b>"
    assert "Difference from the rest: −0.50 •" in values["hovertext"][0][1]
    assert "Difference from the rest: +0.20<br>" in values["hovertext"][2][1]


def test_heatmap_marks_bh_flags_and_shows_g_and_adjusted_p_in_the_hover() -> None:
    spec = heatmap()
    values, _ = data(spec)
    assert values["text"][0][0] == "<b>+0.40 •</b>"
    assert values["text"][2][0] == "−0.30"  # not flagged: plain
    assert values["hovertext"][0][0].split("<br>") == [
        "<b>Platform</b>",
        "Authenticity",
        "Difference from the rest: +0.40 • significant",
        "Hedges' g [95% CI]: 0.50 [0.10, 0.90]",
        "Adjusted p (BH): 0.010",
    ]
    assert values["hovertext"][2][1].split("<br>")[3:5] == [
        "Hedges' g [95% CI]: not defined",
        "Adjusted p (BH): not defined",
    ]
    assert "2 cells of 4 shown stand out" in spec.description
    assert spec.table.columns == ("Team", "Authenticity", "Silencing")
    table = {row[0]: row for row in spec.table.rows}
    assert table["Platform"] == ("Platform", "+0.40 •", "−0.50 •")  # one row per team
    assert table["Sales"][1] == "−0.30"  # not flagged: no mark


def test_heatmap_draws_suppressed_cells_grey_with_the_hidden_label() -> None:
    spec = heatmap()
    values, suppressed = data(spec)
    assert values["z"][1] == [None, None]
    assert values["text"][1] == ["", ""]
    assert suppressed["z"] == [[None, None], [0.0, 0.0], [None, None]]
    assert suppressed["text"][1] == ["&lt;5*", "&lt;5*"]  # short in the cell, escaped for Plotly
    assert {stop[1] for stop in suppressed["colorscale"]} == {SUPPRESSED}
    assert suppressed["showscale"] is False
    assert suppressed["hovertext"][1][0] == f"<b>Legal</b><br>Authenticity<br>{HIDDEN_LABEL}"
    assert ("Legal", HIDDEN_LABEL, HIDDEN_LABEL) in spec.table.rows
    assert "Grey: fewer than 5*" in subtitle(spec)


def test_heatmap_p_below_a_thousandth_is_escaped_in_the_hover() -> None:
    spec = f.difference_heatmap(
        ["A"], [Dimension("D")], [[DifferenceCell(0.9, None, 0.00001, True)]], k=K
    )
    values, _ = data(spec)
    assert values["hovertext"][0][0].endswith("<br>Adjusted p (BH): &lt; 0.001")
    assert spec.table.rows[0] == ("A", "+0.90 •")  # the p value is in the hover only


def test_heatmap_checks_the_shape_of_its_cells() -> None:
    with pytest.raises(ValueError, match="one row per team"):
        f.difference_heatmap(["A", "B"], [Dimension("D")], [[DifferenceCell(0.1)]], k=K)


def test_hidden_cells_say_why_where_the_release_tells_it() -> None:
    cells = [
        [
            DifferenceCell(hidden=True, reason="under_k"),
            DifferenceCell(hidden=True, reason="protects"),
            DifferenceCell(hidden=True),
        ]
    ]
    dims = [Dimension("A"), Dimension("B"), Dimension("C")]
    spec = f.difference_heatmap(["Team"], dims, cells, k=K)
    _values, suppressed = data(spec)
    assert suppressed["text"][0] == ["&lt;5", "w", "&lt;5*"]
    assert suppressed["hovertext"][0][1] == "<b>Team</b><br>B<br>withheld"
    assert spec.table.rows[0] == ("Team", "fewer than 5", "withheld", "fewer than 5*")
    assert "Grey: &lt;5 fewer than 5; &lt;5* fewer than 5*; w withheld" in subtitle(spec)
