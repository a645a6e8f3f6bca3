"""The reliability chart: Cronbach's alpha of each dimension against a threshold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import BLUE, MUTED, ORANGE
from app.reports.figures.text import (
    COUNT_FIELD,
    HOVER_TEMPLATE,
    count_text,
    hover,
    interval,
    number,
    plural,
    with_interval,
)
from app.reports.figures.values import ReliabilityRow, finite


def reliability_chart(
    rows: Sequence[ReliabilityRow],
    *,
    threshold: float = 0.70,
    min_n: int = 30,
    title: str = "Reliability of each dimension (Cronbach's alpha)",
) -> ChartSpec:
    """Cronbach's alpha per dimension with its Feldt 95% interval, a reference line at
    ``threshold``; flagged dimensions are orange diamonds marked "below"; dimensions whose
    alpha was not computed (fewer than ``min_n`` complete answers) are labelled."""
    threshold = finite("threshold", threshold)
    computed = [(i, row) for i, row in enumerate(rows) if row.alpha is not None]
    lows = [
        row.alpha.lower
        for _, row in computed
        if row.alpha is not None and row.alpha.lower is not None
    ]
    left = min(0.0, math.floor(min([0.0, *lows]) * 10) / 10)
    ok = [(i, row) for i, row in computed if not row.flagged]
    low = [(i, row) for i, row in computed if row.flagged]
    traces = [
        _alpha_trace(ok, left, f"alpha at or above {threshold:.2f}", BLUE, "circle"),
        _alpha_trace(low, left, f"alpha below {threshold:.2f} (flagged)", ORANGE, "diamond"),
    ]
    annotations = [
        chart.gap_label(f"not computed (fewer than {min_n} complete answers)", left, i)
        for i, row in enumerate(rows)
        if row.alpha is None
    ]
    annotations.extend(_below_label(row.alpha.value, i) for i, row in low if row.alpha is not None)
    annotations.append(chart.top_label(f"{threshold:.2f}", threshold))
    layout = chart.layout(
        title,
        height=chart.rows_height(len(rows), per_row=30, base=170),
        notes=[
            f'Dashed line: {threshold:.2f}. Orange diamonds marked "below": alpha below '
            f"{threshold:.2f} (flagged). Bars: 95% interval (Feldt)."
        ],
        xaxis={
            "title": {"text": "Cronbach's alpha with 95% interval (Feldt)"},
            "range": [left, 1.0],
            "fixedrange": True,
        },
        yaxis=chart.category_axis([row.label for row in rows]),
        shapes=[chart.reference_line(threshold, color=MUTED)],
        annotations=annotations,
    )
    figure = chart.figure(traces, layout, empty=not rows)
    description = _description(rows, [row for _, row in low], threshold, min_n)
    table = DataTable(
        ("Dimension", "Alpha", "95% CI (Feldt)", "Complete answers", f"Below {threshold:.2f}"),
        tuple(_table_row(row, min_n) for row in rows),
    )
    return ChartSpec(figure, title, description, table)


def _description(
    rows: Sequence[ReliabilityRow], low: Sequence[ReliabilityRow], threshold: float, min_n: int
) -> str:
    not_computed = sum(1 for row in rows if row.alpha is None)
    return (
        f"Cronbach's alpha for {plural(len(rows), 'dimension', 'dimensions')} with Feldt 95% "
        f"intervals; the line marks {threshold:.2f}. "
        f"{plural(len(low), 'dimension is', 'dimensions are')} flagged below {threshold:.2f}"
        + (": " + ", ".join(row.label for row in low) if low else "")
        + "."
        + (
            f" {plural(not_computed, 'dimension', 'dimensions')} not computed "
            f"(fewer than {min_n} complete answers)."
            if not_computed
            else ""
        )
    )


def _alpha_trace(
    group: Sequence[tuple[int, ReliabilityRow]], left: float, name: str, colour: str, symbol: str
) -> dict[str, Any]:
    """The alphas of ``group`` (row position, row) as markers with their intervals."""
    marks = [(i, row.label, row.alpha) for i, row in group if row.alpha is not None]
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [e.value for _, _, e in marks],
        "y": [i for i, _, _ in marks],
        "name": name,
        "marker": {"color": colour, "symbol": symbol, "size": 11},
        "error_x": {
            **chart.error_bars([e for _, _, e in marks], clip=(left, 1.0)),
            "color": colour,
        },
        "hovertext": [
            hover(label, {"alpha": with_interval(e), COUNT_FIELD: e.n}) for _, label, e in marks
        ],
        "hovertemplate": HOVER_TEMPLATE,
    }


def _below_label(alpha: float, position: int) -> dict[str, Any]:
    """The word "below" over a flagged alpha (the flag is not in the colour alone)."""
    return {
        "text": "below",
        "x": alpha,
        "y": position,
        "xref": "x",
        "yref": "y",
        "yanchor": "bottom",
        "yshift": 6,
        "showarrow": False,
        "font": {"size": 11, "color": ORANGE},
    }


def _table_row(row: ReliabilityRow, min_n: int) -> tuple[str, ...]:
    if row.alpha is None:
        return (row.label, f"not computed (n < {min_n})", "", "", "")
    e = row.alpha
    return (
        row.label,
        number(e.value),
        interval(e),
        count_text(e.n),
        "below" if row.flagged else "",
    )
