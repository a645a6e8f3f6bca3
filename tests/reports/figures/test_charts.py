"""What every chart promises: escaped labels, strict JSON, our config, hover texts from named
fields, a note when empty."""

from __future__ import annotations

import json

import pytest

from app.reports import figures as f
from app.reports.figures import (
    Estimate,
    Series,
)
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
