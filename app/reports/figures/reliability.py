"""The reliability charts: Cronbach's alpha of each dimension against a threshold, with its
items' item-rest correlations; and whether teams share a climate (ICC, rwg(J))."""

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
    percent,
    plural,
    with_interval,
)
from app.reports.figures.values import AgreementRow, ReliabilityRow, finite


def reliability_chart(
    rows: Sequence[ReliabilityRow],
    *,
    threshold: float = 0.70,
    min_n: int = 30,
    title: str = "Reliability of each dimension (Cronbach's alpha)",
) -> ChartSpec:
    """Cronbach's alpha per dimension with its Feldt 95% interval, a reference line at
    ``threshold``; flagged dimensions are orange diamonds marked "below"; dimensions whose
    alpha was not computed are labelled with the reason (default: fewer than ``min_n``
    complete answers). The data table lists each item's item-rest correlation."""
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
        chart.gap_label(f"not computed ({_reason(row, min_n)})", left, i)
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
        (
            "Dimension",
            "Alpha",
            "95% CI (Feldt)",
            "Complete answers",
            f"Below {threshold:.2f}",
            "Item-rest correlations",
        ),
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
            f" {plural(not_computed, 'dimension', 'dimensions')} not computed: "
            + "; ".join(f"{row.label}, {_reason(row, min_n)}" for row in rows if row.alpha is None)
            + "."
            if not_computed
            else ""
        )
    )


def _alpha_trace(
    group: Sequence[tuple[int, ReliabilityRow]], left: float, name: str, colour: str, symbol: str
) -> dict[str, Any]:
    """The alphas of ``group`` (row position, row) as markers with their intervals."""
    marks = [(i, row, row.alpha) for i, row in group if row.alpha is not None]
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
            hover(row.label, {"alpha": with_interval(e), COUNT_FIELD: e.n, **_item_rest(row)})
            for _, row, e in marks
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


def _reason(row: ReliabilityRow, min_n: int) -> str:
    return row.reason or f"fewer than {min_n} complete answers"


def _item_rest(row: ReliabilityRow) -> dict[str, str]:
    """Each item's item-rest correlation, for the hover and the table."""
    return {label: "not computed" if r is None else number(r) for label, r in row.item_rest}


def _table_row(row: ReliabilityRow, min_n: int) -> tuple[str, ...]:
    if row.alpha is None:
        return (row.label, f"not computed: {_reason(row, min_n)}", "", "", "", "")
    e = row.alpha
    return (
        row.label,
        number(e.value),
        interval(e),
        count_text(e.n),
        "below" if row.flagged else "",
        "; ".join(f"{label} {r}" for label, r in _item_rest(row).items()),
    )


def agreement_chart(
    rows: Sequence[AgreementRow],
    *,
    threshold: float = 0.70,
    title: str = "Do teams share a climate?",
) -> ChartSpec:
    """Per dimension: ICC(2), how reliably a team's mean tells it apart, and the median
    rwg(J), how much a team's members agree, against ``threshold``; the data table adds
    ICC(1), the share of teams that agree, the minimum detectable difference per team size
    and the plain reading."""
    threshold = finite("threshold", threshold)
    lows = [r.icc2 for r in rows if r.icc2 is not None]
    left = min(0.0, math.floor(min([0.0, *lows]) * 10) / 10)
    traces = [
        _agreement_trace(rows, "icc2", "ICC(2): a team's mean tells it apart", BLUE, "circle"),
        _agreement_trace(
            rows, "median_rwg", "rwg(J): members agree (median of teams)", ORANGE, "diamond"
        ),
    ]
    layout = chart.layout(
        title,
        height=chart.rows_height(len(rows), per_row=30, base=190),
        notes=[
            "Blue dots: ICC(2), how reliably a team's mean tells it apart; orange diamonds: "
            "rwg(J), how much a team's members agree (median of teams).",
            f"Dashed line: {threshold:.2f}, the usual threshold for both.",
        ],
        xaxis={"title": {"text": "ICC(2) and rwg(J)"}, "range": [left, 1.0], "fixedrange": True},
        yaxis=chart.category_axis([row.label for row in rows]),
        shapes=[chart.reference_line(threshold, color=MUTED)],
        annotations=[chart.top_label(f"{threshold:.2f}", threshold)],
    )
    sizes = sorted({size for row in rows for size, _ in row.detectable})
    table = DataTable(
        (
            "Dimension",
            "ICC(1)",
            "ICC(2)",
            "Median rwg(J)",
            "Teams that agree",
            *(f"Detectable difference, team of {size}" for size in sizes),
            "Reading",
        ),
        tuple(_agreement_row(row, sizes) for row in rows),
    )
    description = (
        f"Between-team differences (ICC) and within-team agreement (rwg(J)) for "
        f"{plural(len(rows), 'dimension', 'dimensions')}, over teams of at least k people. "
        "ICC(1) is the share of the differences between people that lies between teams; "
        "ICC(2) how reliably a team's mean tells it apart from the others; rwg(J) how much "
        "a team's members agree (1: all alike, 0: as spread as random answers). The "
        "detectable difference is the smallest difference from the rest that a team of "
        "that size is found to have 80% of the time at p < .05."
    )
    return ChartSpec(chart.figure(traces, layout, empty=not rows), title, description, table)


def _agreement_trace(
    rows: Sequence[AgreementRow], field: str, name: str, colour: str, symbol: str
) -> dict[str, Any]:
    marks = [(i, row, getattr(row, field)) for i, row in enumerate(rows)]
    marks = [(i, row, v) for i, row, v in marks if v is not None]
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [v for _, _, v in marks],
        "y": [i for i, _, _ in marks],
        "name": name,
        "marker": {"color": colour, "symbol": symbol, "size": 11},
        "hovertext": [hover(row.label, {name.split(":")[0]: number(v)}) for _, row, v in marks],
        "hovertemplate": HOVER_TEMPLATE,
    }


def _agreement_row(row: AgreementRow, sizes: Sequence[int]) -> tuple[str, ...]:
    def shown(x: float | None) -> str:
        return "not available" if x is None else number(x)

    detectable = dict(row.detectable)
    return (
        row.label,
        shown(row.icc1),
        shown(row.icc2),
        shown(row.median_rwg),
        "not available"
        if row.agreeing is None
        else f"{percent(row.agreeing * 100)} of {plural(row.teams, 'team', 'teams')}",
        *(
            "not available" if size not in detectable else number(detectable[size])
            for size in sizes
        ),
        row.reading,
    )
