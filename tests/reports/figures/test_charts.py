"""What every chart promises: escaped labels, strict JSON, our config, hover texts from named
fields, a note when empty."""

from __future__ import annotations

import json
import re
from typing import Any

import plotly.graph_objects as go
import pytest

from app.reports import figures as f
from app.reports.figures import (
    Estimate,
    Series,
)
from app.reports.figures.text import HOVER_TEMPLATE
from tests.reports.figures.samples import (
    BUILDERS,
    EVIL,
    K,
    annotation_texts,
    data,
    layout,
)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_hostile_labels_are_escaped_in_the_figure_json(name: str) -> None:
    spec = BUILDERS[name](EVIL)
    # Neither raw markup of the label may be in the figure, only its escaped text.
    decoded = json.dumps(spec.payload(), ensure_ascii=False)
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
def test_every_figure_is_one_plotly_accepts(name: str) -> None:
    """Figures are built as plain JSON values (fast); Plotly's own validation of every
    property name and value is run here instead, on each kind of figure."""
    spec = BUILDERS[name]("Label")
    validated = go.Figure(spec.figure)  # raises on an unknown property or a bad value
    assert len(validated.data) == len(spec.figure["data"])
    assert validated.layout.title.text == spec.figure["layout"]["title"]["text"]


def test_a_non_finite_number_becomes_null_in_the_payload() -> None:
    spec = BUILDERS[sorted(BUILDERS)[0]]("Label")
    spec.figure["layout"]["nan_probe"] = [float("nan"), float("inf"), 1.5]
    assert spec.payload()["layout"]["nan_probe"] == [None, None, 1.5]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_user_labels_never_enter_a_hovertemplate(name: str) -> None:
    # Text inside a hovertemplate is itself a template: "%{x}" in a label would be replaced.
    spec = BUILDERS[name]("%{x} %{customdata[0]} team")
    for trace in data(spec):
        assert "team" not in trace.get("hovertemplate", "")


def hover_texts(trace: dict[str, Any]) -> list[str]:
    """The trace's hover texts, a heatmap's grid flattened; "" for a gap in a line."""
    texts = trace.get("hovertext", [])
    return [t for row in texts for t in row] if texts and isinstance(texts[0], list) else texts


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_hover_texts_name_their_fields_instead_of_customdata_positions(name: str) -> None:
    for trace in data(BUILDERS[name]("Label")):
        # No template picks values by position: each point carries its own composed text.
        assert "customdata" not in trace
        assert trace["hovertemplate"] == HOVER_TEMPLATE == "%{hovertext}<extra></extra>"
        shown = [text for text in hover_texts(trace) if text]
        assert shown
        for text in shown:
            heading, *lines = text.split("<br>")
            assert re.fullmatch(r"<b>[^<>]+</b>", heading), text
            assert lines and all("<" not in line for line in lines), text
            # a field is "name: value" or the count "n = 24"; a context line names the mark
            assert all(line and not line.endswith((": ", " = ")) for line in lines), text


FIRST_HOVERS = {
    "quadrant": "<b>Label</b><br>Mutuality: 3.80 [3.50, 4.10]<br>Power-over: 2.10 [1.80, 2.40]"
    "<br>n = 24",
    "bars": (
        "<b>Label</b><br>Mutuality: 3.80 [3.50, 4.10]<br>n = 24"
        "<br>Compared with the rest: better than the rest"
    ),
    "heatmap": "<b>Label</b><br>Authenticity<br>Difference from the rest: +0.40 • significant"
    "<br>Hedges' g [95% CI]: 0.50 [0.10, 0.90]<br>Adjusted p (BH): 0.010",
    "items": "<b>Label</b><br>Neither agree nor disagree: 19%",
    "standpoint": "<b>Label</b><br>Individual contributor: 2.90 [2.70, 3.10]",
    "trends": "<b>Mutuality</b><br>Label: 3.00 [2.90, 3.10]",
    "reliability": "<b>Label</b><br>alpha: 0.82 [0.76, 0.87]<br>n = 120",
    "drivers": "<b>Label</b><br>Family: Mutuality<br>Share of what the dimensions explain of "
    "Outcomes: 24.0% [18.0, 30.0]<br>Score, higher is better: 2.60<br>Mean as asked (higher "
    "is better): 2.60",
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_hover_shows_the_label_and_its_numbers(name: str) -> None:
    (first, *_) = (text for trace in data(BUILDERS[name]("Label")) for text in hover_texts(trace))
    assert first == FIRST_HOVERS[name]


def test_user_labels_reach_the_hover_as_literal_text() -> None:
    (trace,) = data(BUILDERS["bars"]("%{x} <b>R&D</b>"))
    assert trace["hovertext"][0].startswith("<b>%{x} &lt;b&gt;R&amp;D&lt;/b&gt;</b><br>")


def test_user_titles_are_escaped_too() -> None:
    spec = f.trend_lines(["A"], [Series("S", (Estimate(3.0),))], k=K, title=EVIL)
    assert layout(spec)["title"]["text"] == f.plain(EVIL)
    assert spec.title == EVIL  # raw for the template, which escapes it


def test_empty_inputs_give_an_empty_chart_with_a_note() -> None:
    for spec in (
        f.family_bars([], family_label="Mutuality", k=K),
        f.difference_heatmap([], [], [], k=K),
        f.diverging_items([], k=K),
        f.reliability_chart([]),
    ):
        assert "Nothing to show." in annotation_texts(spec)
        assert spec.table.rows == ()
