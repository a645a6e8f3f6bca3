"""The report figures (app/reports/figures.py) and the chart macro that renders them."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, render_template_string

from app.reports import figures as f
from app.reports.figures import (
    HIDDEN,
    ChartSpec,
    DifferenceCell,
    Dimension,
    Estimate,
    GroupBar,
    ItemDistribution,
    RateRow,
    ReliabilityRow,
    Series,
    TeamPoint,
)
from tests.conftest import ROOT

EVIL = "<script>alert(1)</script><b>x</b>"
K = 5
HIDDEN_LABEL = "fewer than 5*"


def data(spec: ChartSpec) -> list[dict[str, Any]]:
    traces: list[dict[str, Any]] = spec.payload()["data"]
    return traces


def layout(spec: ChartSpec) -> dict[str, Any]:
    result: dict[str, Any] = spec.payload()["layout"]
    return result


def annotation_texts(spec: ChartSpec) -> list[str]:
    return [a["text"] for a in layout(spec).get("annotations", [])]


def subtitle(spec: ChartSpec) -> str:
    text: str = layout(spec)["title"].get("subtitle", {}).get("text", "")
    return text


# --------------------------------------------------------------------------------------------
# builders used by several tests (one per figure, each with a hostile label somewhere)


def quadrant(label: str = "Platform") -> ChartSpec:
    return f.quadrant_map(
        [
            TeamPoint(label, Estimate(3.8, 3.5, 4.1), Estimate(2.1, 1.8, 2.4), n=24),
            TeamPoint("Sales", Estimate(2.6, 2.2, 3.0), Estimate(3.4, 3.0, 3.8), n=12),
            TeamPoint("Legal", hidden=True),
            TeamPoint("Finance", hidden=True),
        ],
        x_title="Mutuality index",
        y_title="Power-over index",
        k=K,
    )


def bars(label: str = "Platform") -> ChartSpec:
    return f.family_bars(
        [
            GroupBar(label, Estimate(3.8, 3.5, 4.1, 24)),
            GroupBar("Legal", hidden=True),
            GroupBar("Sales", Estimate(2.6, 2.2, 3.0, 12)),
        ],
        family_label="Mutuality",
        k=K,
        organisation=Estimate(3.3, 3.2, 3.4, 90),
    )


def heatmap(label: str = "Platform") -> ChartSpec:
    dims = [Dimension("Authenticity"), Dimension("Silencing", "low")]
    cells = [
        [
            DifferenceCell(0.4, Estimate(0.5, 0.1, 0.9), 0.01, flagged=True),
            DifferenceCell(-0.5, Estimate(-0.6, -1.0, -0.2), 0.004, flagged=True),
        ],
        [DifferenceCell(hidden=True), DifferenceCell(hidden=True)],
        [
            DifferenceCell(-0.3, Estimate(-0.3, -0.7, 0.1), 0.15),
            DifferenceCell(0.2, None, None),
        ],
    ]
    return f.difference_heatmap([label, "Legal", "Sales"], dims, cells, k=K)


def items(label: str = "People listen to me.") -> ChartSpec:
    return f.diverging_items(
        [
            ItemDistribution(label, (2, 3, 5, 10, 6)),
            ItemDistribution("Getting ahead means outshining others.", (8, 9, 4, 3, 2), "low"),
            ItemDistribution("Hidden item", hidden=True),
        ],
        k=K,
    )


def standpoint(label: str = "Mutuality") -> ChartSpec:
    return f.standpoint_gap(
        ["Individual contributor", "Manager", "Senior leader"],
        [
            Series(label, (Estimate(2.9, 2.7, 3.1), Estimate(3.2, 3.0, 3.4), Estimate(3.9))),
            Series("Power-over", (Estimate(3.3, 3.1, 3.5), HIDDEN, Estimate(2.2, 1.9, 2.5)), "low"),
        ],
        k=K,
    )


def trends(label: str = "Spring") -> ChartSpec:
    return f.trend_lines(
        [label, "Autumn", "Winter"],
        [
            Series("Mutuality", (Estimate(3.0, 2.9, 3.1), Estimate(3.1), Estimate(3.3))),
            Series("Power-over", (None, HIDDEN, Estimate(2.5, 2.4, 2.6)), "low"),
        ],
        k=K,
    )


def reliability(label: str = "Authenticity") -> ChartSpec:
    return f.reliability_chart(
        [
            ReliabilityRow(label, Estimate(0.82, 0.76, 0.87, 120)),
            ReliabilityRow("Silencing", Estimate(0.61, 0.50, 0.70, 120), flagged=True),
            ReliabilityRow("Voice"),
        ]
    )


def rates(label: str = "Platform") -> ChartSpec:
    return f.response_rate_bars(
        [RateRow(label, 30, 24), RateRow("Legal", 4, hidden=True), RateRow("New", 0, 0)],
        k=K,
        organisation=RateRow("Organisation", 34, 28),
    )


BUILDERS: dict[str, Callable[[str], ChartSpec]] = {
    "quadrant": quadrant,
    "bars": bars,
    "heatmap": heatmap,
    "items": items,
    "standpoint": standpoint,
    "trends": trends,
    "reliability": reliability,
    "rates": rates,
}


# --------------------------------------------------------------------------------------------
# escaping and helpers


def test_plain_escapes_markup_but_not_quotes() -> None:
    assert f.plain(EVIL) == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
    assert f.plain("R&D") == "R&amp;D"
    assert f.plain("&lt;") == "&amp;lt;"  # an entity typed by a user stays literal
    # Plotly decodes only &amp; &lt; &gt; (and numeric entities): &quot; would show as is.
    assert f.plain('say "hi" it\'s') == 'say "hi" it\'s'
    assert f.plain("two\nlines") == "two lines"


def test_wrap_label_escapes_each_line_and_joins_with_br() -> None:
    wrapped = f.wrap_label("Sales & Marketing <EMEA> and friends", 12)
    assert wrapped.split("<br>") == ["Sales &amp;", "Marketing", "&lt;EMEA&gt; and", "friends"]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_hostile_labels_are_escaped_in_the_figure_json(name: str) -> None:
    spec = BUILDERS[name](EVIL)
    text = spec.figure.to_json()
    # Plotly's encoder writes < as \u003c and / as \u002f; neither raw nor encoded markup of
    # the label may be there, only its escaped text.
    decoded = json.dumps(json.loads(text), ensure_ascii=False)
    assert "<script" not in decoded
    assert "<b>x" not in decoded
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded.replace("<br>", "")
    # The page text (rendered by Jinja, which escapes it) keeps the raw label.
    cells = {cell for row in spec.table.rows for cell in row}
    assert EVIL in cells or EVIL in spec.table.columns


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_serialises_to_strict_json_with_our_config(name: str) -> None:
    spec = BUILDERS[name]("Label")
    payload = spec.payload()
    json.dumps(payload, allow_nan=False)  # no NaN or Infinity: JSON.parse would reject them
    assert payload["config"]["displaylogo"] is False
    assert payload["config"]["responsive"] is True
    # no "Share chart..." button uploading HR data to Plotly's cloud
    assert payload["config"]["showSendToCloud"] is False
    assert payload["config"]["plotlyServerURL"] == ""
    assert "sendChartToCloud" in payload["config"]["modeBarButtonsToRemove"]
    assert payload["layout"]["title"]["text"] == f.plain(spec.title)
    assert spec.title and spec.description
    assert all(len(row) == len(spec.table.columns) for row in spec.table.rows)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_user_labels_never_enter_a_hovertemplate(name: str) -> None:
    # Text inside a hovertemplate is itself a template: "%{x}" in a label would be replaced.
    spec = BUILDERS[name]("%{x} %{customdata[0]} team")
    for trace in data(spec):
        assert "team" not in trace.get("hovertemplate", "")


def test_user_titles_are_escaped_too() -> None:
    spec = f.trend_lines(["A"], [Series("S", (Estimate(3.0),))], k=K, title=EVIL)
    assert layout(spec)["title"]["text"] == f.plain(EVIL)
    assert spec.title == EVIL  # raw for the template, which escapes it


# --------------------------------------------------------------------------------------------
# input dataclasses: hidden groups carry no numbers


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
    with pytest.raises(ValueError, match="carries no numbers"):
        RateRow("T", 10, responded=2, hidden=True)


def test_shown_groups_need_their_numbers() -> None:
    with pytest.raises(ValueError, match="needs"):
        TeamPoint("T", Estimate(3.0), None, n=10)
    with pytest.raises(ValueError, match="needs"):
        GroupBar("T")
    with pytest.raises(ValueError, match="needs its difference"):
        DifferenceCell()
    with pytest.raises(ValueError, match="needs its adjusted p"):
        DifferenceCell(0.2, flagged=True)
    with pytest.raises(ValueError, match="needs"):
        RateRow("T", 10)
    with pytest.raises(ValueError, match="more responses"):
        RateRow("T", 10, 11)
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


def test_k_must_be_a_positive_int() -> None:
    with pytest.raises(ValueError, match="k must be"):
        f.hidden_label(0)
    assert f.hidden_label(7) == "fewer than 7*"


# --------------------------------------------------------------------------------------------
# the quadrant map


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
    assert all("Legal" not in row[0] for row in trace["customdata"])
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


# --------------------------------------------------------------------------------------------
# family bars


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


# --------------------------------------------------------------------------------------------
# the difference heatmap


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
    assert values["customdata"][0][1][2] == "−0.50"
    assert values["customdata"][2][1][2] == "+0.20"


def test_heatmap_marks_bh_flags_and_shows_g_and_adjusted_p_in_the_hover() -> None:
    spec = heatmap()
    values, _ = data(spec)
    assert values["text"][0][0] == "<b>+0.40 •</b>"
    assert values["text"][2][0] == "−0.30"  # not flagged: plain
    team, dimension, difference, g, p, mark = values["customdata"][0][0]
    assert (team, dimension, difference) == ("Platform", "Authenticity", "+0.40")
    assert g == "0.50 [0.10, 0.90]"
    assert p == "0.010"
    assert mark == " • significant"
    assert values["customdata"][2][1][3:5] == ["not defined", "not defined"]
    assert "Hedges' g" in values["hovertemplate"] and "Adjusted p" in values["hovertemplate"]
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
    assert {stop[1] for stop in suppressed["colorscale"]} == {f.SUPPRESSED}
    assert suppressed["showscale"] is False
    assert suppressed["customdata"][1][0][2] == HIDDEN_LABEL
    assert ("Legal", HIDDEN_LABEL, HIDDEN_LABEL) in spec.table.rows
    assert "Grey: fewer than 5*" in subtitle(spec)


def test_heatmap_p_below_a_thousandth_is_escaped_in_the_hover() -> None:
    spec = f.difference_heatmap(
        ["A"], [Dimension("D")], [[DifferenceCell(0.9, None, 0.00001, True)]], k=K
    )
    values, _ = data(spec)
    assert values["customdata"][0][0][4] == "&lt; 0.001"
    assert spec.table.rows[0] == ("A", "+0.90 •")  # the p value is in the hover only


def test_heatmap_checks_the_shape_of_its_cells() -> None:
    with pytest.raises(ValueError, match="one row per team"):
        f.difference_heatmap(["A", "B"], [Dimension("D")], [[DifferenceCell(0.1)]], k=K)


# --------------------------------------------------------------------------------------------
# diverging item bars


def test_items_diverge_around_zero_with_the_neutral_answer_split() -> None:
    spec = items()
    traces = data(spec)
    assert len(traces) == 6  # two neutral halves and four other points
    bars_by_item: dict[int, list[float]] = {}
    for trace in traces:
        for y, x in zip(trace["y"], trace["x"], strict=True):
            bars_by_item.setdefault(y, []).append(x)
    # item 0: counts (2, 3, 5, 10, 6) of 26
    left = sum(x for x in bars_by_item[0] if x < 0)
    right = sum(x for x in bars_by_item[0] if x > 0)
    assert left == pytest.approx(-100 * (2 + 3 + 2.5) / 26)
    assert right == pytest.approx(100 * (10 + 6 + 2.5) / 26)
    assert 2 not in bars_by_item  # the hidden item has no bar at all
    # the neutral point is one legend entry; the legend reads from 1 to 5
    legend = sorted((t["legendrank"], t["name"]) for t in traces if t["showlegend"])
    assert [name for _, name in legend] == list(f.DEFAULT_SCALE_LABELS)
    # bars of one sign stack outwards from 0: the neutral half comes first on each side
    negatives = [t["name"] for t in traces if t["x"] and t["x"][0] < 0]
    assert negatives[0] == "Neither agree nor disagree"
    assert negatives[-1] == "Strongly disagree"


def test_items_annotate_percent_favourable_in_the_desirable_direction() -> None:
    spec = items()
    texts = annotation_texts(spec)
    assert "62%" in texts  # (10 + 6) / 26 agree
    assert "65%" in texts  # (8 + 9) / 26 disagree on a power-over item
    assert "<i>fewer than 5*</i>" in texts
    assert spec.table.rows[1][-1] == "65%"
    assert spec.table.rows[2] == ("Hidden item", HIDDEN_LABEL, "", "", "", "", "", "")


def test_items_wrap_long_texts() -> None:
    long_text = "In my work group, people try to grasp how a decision affects the others."
    spec = f.diverging_items([ItemDistribution(long_text, (1, 1, 1, 1, 1))], k=K, wrap=30)
    (tick,) = layout(spec)["yaxis"]["ticktext"]
    assert tick.count("<br>") == 2
    assert tick.replace("<br>", " ") == long_text


def test_items_reject_counts_that_do_not_match_the_scale() -> None:
    with pytest.raises(ValueError, match="3 counts for 5 points"):
        f.diverging_items([ItemDistribution("I", (1, 2, 3))], k=K)


# --------------------------------------------------------------------------------------------
# standpoint gap and trends


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


# --------------------------------------------------------------------------------------------
# reliability and response rates


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


def test_response_rates_show_rates_and_label_hidden_teams() -> None:
    spec = rates()
    (trace,) = data(spec)
    assert trace["x"] == [80.0]
    assert trace["y"] == [0]
    assert trace["text"] == ["80%"]
    texts = annotation_texts(spec)
    assert "<i>fewer than 5*</i>" in texts
    assert "<i>no invitations</i>" in texts
    assert "Organisation 82%" in texts
    assert spec.table.rows == (
        ("Platform", "30", "24", "80%"),
        ("Legal", "4", HIDDEN_LABEL, ""),
        ("New", "0", "0", ""),
        ("Whole organisation", "34", "28", "82%"),
    )


def test_empty_inputs_give_an_empty_chart_with_a_note() -> None:
    for spec in (
        f.family_bars([], family_label="Mutuality", k=K),
        f.response_rate_bars([], k=K),
        f.difference_heatmap([], [], [], k=K),
        f.diverging_items([], k=K),
        f.reliability_chart([]),
    ):
        assert "Nothing to show." in annotation_texts(spec)
        assert spec.table.rows == ()


# --------------------------------------------------------------------------------------------
# the chart macro


@pytest.fixture(scope="module")
def macro_app() -> Flask:
    return Flask(
        __name__,
        template_folder=str(ROOT / "app" / "templates"),
        static_folder=str(ROOT / "app" / "static"),
    )


def render_chart(app: Flask, spec: ChartSpec, chart_id: str = "c1") -> str:
    with app.test_request_context("/"):
        return render_template_string(
            '{% from "macros/charts.html" import chart %}{{ chart(spec, id) }}',
            spec=spec,
            id=chart_id,
        )


def test_macro_renders_caption_plot_data_and_table(macro_app: Flask) -> None:
    spec = bars(EVIL)
    html = render_chart(macro_app, spec)
    assert re.search(r'<figure class="chart" id="c1-figure"', html)
    assert "<figcaption>" in html and f"{spec.title}</strong>" in html
    assert (
        '<div class="chart-plot" id="c1" data-chart-plot role="group" aria-labelledby="c1-title"'
        " hidden></div>"
    ) in html
    block = re.search(
        r'<script type="application/json" id="c1-data" data-chart-for="c1">(.*?)</script>',
        html,
        re.S,
    )
    assert block, html
    assert json.loads(block.group(1)) == json.loads(json.dumps(spec.payload()))
    assert '<details class="chart-table" id="c1-table" open>' in html
    assert html.count('<th scope="col">') == len(spec.table.columns)
    assert html.count('<th scope="row">') == len(spec.table.rows)


def test_macro_cannot_be_broken_out_of_by_the_data(macro_app: Flask) -> None:
    html = render_chart(macro_app, bars(EVIL))
    # one closing tag: the JSON block's own; the label is escaped in the data and the table
    assert html.count("</script>") == 1
    assert "<script>alert" not in html
    assert "<b>x</b>" not in html
    assert '<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</th>' in html
    assert "<script" not in html.replace('<script type="application/json"', "")
    assert not re.search(r"\son\w+\s*=", html)  # no inline event handlers
