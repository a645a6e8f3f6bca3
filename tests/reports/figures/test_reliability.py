"""The reliability chart (app/reports/figures/reliability.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import Estimate, ReliabilityRow
from tests.reports.figures.samples import annotation_texts, data, layout, reliability, subtitle


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
    assert spec.table.rows[1] == ("Silencing", "0.61", "0.50–0.70", "120", "below", "")
    assert spec.table.rows[2][1] == "not computed: fewer than 30 complete answers"
    assert "flagged below 0.70: Silencing" in spec.description


def test_reliability_says_why_and_lists_item_rest_correlations() -> None:
    spec = f.reliability_chart(
        [
            ReliabilityRow(
                "Voice",
                Estimate(0.8, 0.7, 0.86, 90),
                item_rest=(("vo_1", 0.62), ("vo_2", None)),
            ),
            ReliabilityRow("Attunement", reason="one item: no internal consistency"),
        ]
    )
    assert spec.table.rows[0][5] == "vo_1 0.62; vo_2 not computed"
    assert spec.table.rows[1][1] == "not computed: one item: no internal consistency"
    assert "<i>not computed (one item: no internal consistency)</i>" in annotation_texts(spec)
    assert "Attunement, one item" in spec.description
    hover_text = data(spec)[0]["hovertext"][0]
    assert "vo_1: 0.62" in hover_text


def test_item_rest_correlations_need_a_computed_alpha() -> None:
    with pytest.raises(ValueError, match="computed alpha"):
        ReliabilityRow("Voice", item_rest=(("vo_1", 0.5),))


def test_agreement_chart_lists_icc_rwg_and_the_detectable_difference() -> None:
    rows = [
        f.AgreementRow("Voice", 0.08, 0.62, 0.81, 0.9, 10, ((5, 0.9), (20, 0.5)), "Reading."),
        f.AgreementRow("Trust", None, None, None, None, 0, (), "Too few teams."),
    ]
    spec = f.agreement_chart(rows)
    icc2, rwg = data(spec)
    assert icc2["x"] == [0.62] and rwg["x"] == [0.81]
    # The legend names each marker: the chart has two kinds and no legend box.
    assert icc2["marker"]["symbol"] == "circle" and rwg["marker"]["symbol"] == "diamond"
    assert "Blue dots: ICC(2)" in subtitle(spec) and "orange diamonds: rwg(J)" in subtitle(spec)
    assert spec.table.columns[5:7] == (
        "Detectable difference, team of 5",
        "Detectable difference, team of 20",
    )
    assert spec.table.rows[0] == (
        "Voice",
        "0.08",
        "0.62",
        "0.81",
        "90% of 10 teams",
        "0.90",
        "0.50",
        "Reading.",
    )
    assert spec.table.rows[1][1:5] == ("not available",) * 4


def test_reliability_axis_reaches_negative_alphas() -> None:
    spec = f.reliability_chart([ReliabilityRow("D", Estimate(-0.1, -0.35, 0.2, 40), True)])
    assert layout(spec)["xaxis"]["range"] == [-0.4, 1.0]
