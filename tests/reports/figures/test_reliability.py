"""The reliability chart (app/reports/figures/reliability.py)."""

from __future__ import annotations

from app.reports import figures as f
from app.reports.figures import Estimate, ReliabilityRow
from tests.reports.figures.samples import annotation_texts, data, layout, reliability


def test_reliability_marks_flagged_dimensions_and_the_reference_line() -> None:
    spec = reliability()
    ok, flagged = data(spec)
    assert ok["x"] == [0.82] and ok["y"] == [0]
    assert flagged["x"] == [0.61] and flagged["y"] == [1]
    assert flagged["marker"]["symbol"] == "diamond"
    assert flagged["marker"]["color"] != ok["marker"]["color"]
    (line,) = layout(spec)["shapes"]
    assert line["x0"] == line["x1"] == 0.70
    texts = annotation_texts(spec)
    assert "below" in texts
    assert "<i>not computed (fewer than 30 complete answers)</i>" in texts
    assert spec.table.rows[1] == ("Silencing", "0.61", "0.50–0.70", "120", "below")
    assert spec.table.rows[2][1] == "not computed (n < 30)"
    assert "flagged below 0.70: Silencing" in spec.description


def test_reliability_axis_reaches_negative_alphas() -> None:
    spec = f.reliability_chart([ReliabilityRow("D", Estimate(-0.1, -0.35, 0.2, 40), True)])
    assert layout(spec)["xaxis"]["range"] == [-0.4, 1.0]
