"""The diverging item bars (app/reports/figures/items.py)."""

from __future__ import annotations

import pytest

from app.reports import figures as f
from app.reports.figures import (
    ItemDistribution,
)
from tests.reports.figures.samples import (
    HIDDEN_LABEL,
    K,
    annotation_texts,
    data,
    items,
    layout,
)


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
    assert spec.table.rows[1][-2:] == ("65%", "disagree")
    assert spec.table.rows[2] == ("Hidden item", HIDDEN_LABEL, "", "", "", "", "", "", "agree")


def test_items_mark_the_favourable_end_under_each_statement() -> None:
    ticks = layout(items())["yaxis"]["ticktext"]
    assert ticks[0].endswith("<br><i>favourable: agree \u25b8</i>")
    assert ticks[1].endswith("<br><i>\u25c2 favourable: disagree</i>")
    assert ticks[2].endswith("<br><i>favourable: agree \u25b8</i>")  # hidden items too


def test_items_wrap_long_texts() -> None:
    long_text = "In my work group, people try to grasp how a decision affects the others."
    spec = f.diverging_items([ItemDistribution(long_text, (1, 1, 1, 1, 1))], k=K, wrap=30)
    (tick,) = layout(spec)["yaxis"]["ticktext"]
    statement, favourable = tick.rsplit("<br>", 1)
    assert statement.count("<br>") == 2
    assert statement.replace("<br>", " ") == long_text
    assert favourable == "<i>favourable: agree \u25b8</i>"


def test_items_reject_counts_that_do_not_match_the_scale() -> None:
    with pytest.raises(ValueError, match="3 counts for 5 points"):
        f.diverging_items([ItemDistribution("I", (1, 2, 3))], k=K)
