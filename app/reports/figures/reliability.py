"""The reliability charts: Cronbach's alpha of each dimension against a threshold, with its
items' item-rest correlations; and whether teams share a climate (ICC, rwg(J))."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app.i18n import _, ngettext, pinned_numbers
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
    with_interval,
)
from app.reports.figures.values import AgreementRow, ReliabilityRow, finite


@pinned_numbers()
def reliability_chart(
    rows: Sequence[ReliabilityRow],
    *,
    threshold: float = 0.70,
    min_n: int = 30,
    title: str | None = None,
) -> ChartSpec:
    """Cronbach's alpha per dimension with its Feldt 95% interval, a reference line at
    ``threshold``; flagged dimensions are orange diamonds marked "below"; dimensions whose
    alpha was not computed are labelled with the reason (default: fewer than ``min_n``
    complete answers). The data table lists each item's item-rest correlation."""
    threshold = finite("threshold", threshold)
    title = title or _("Reliability of each dimension (Cronbach's alpha)")
    line = number(threshold)
    computed = [(i, row) for i, row in enumerate(rows) if row.alpha is not None]
    lows = [
        row.alpha.lower
        for _other, row in computed
        if row.alpha is not None and row.alpha.lower is not None
    ]
    left = min(0.0, math.floor(min([0.0, *lows]) * 10) / 10)
    ok = [(i, row) for i, row in computed if not row.flagged]
    low = [(i, row) for i, row in computed if row.flagged]
    traces = [
        _alpha_trace(ok, left, _("alpha at or above %(line)s", line=line), BLUE, "circle"),
        _alpha_trace(low, left, _("alpha below %(line)s (flagged)", line=line), ORANGE, "diamond"),
    ]
    annotations = [
        chart.gap_label(_("not computed (%(why)s)", why=_reason(row, min_n)), left, i)
        for i, row in enumerate(rows)
        if row.alpha is None
    ]
    annotations.extend(_below_label(row.alpha.value, i) for i, row in low if row.alpha is not None)
    annotations.append(chart.top_label(number(threshold), threshold))
    layout = chart.layout(
        title,
        height=chart.rows_height(len(rows), per_row=30, base=170),
        notes=[
            _(
                'Dashed line: %(line)s. Orange diamonds marked "below": alpha below %(line)s '
                "(flagged). Bars: 95%% interval (Feldt).",
                line=line,
            )
        ],
        xaxis={
            "title": {"text": _("Cronbach's alpha with %(level)s interval (Feldt)", level="95%")},
            "range": [left, 1.0],
            "fixedrange": True,
        },
        yaxis=chart.category_axis([row.label for row in rows]),
        shapes=[chart.reference_line(threshold, color=MUTED)],
        annotations=annotations,
    )
    figure = chart.figure(traces, layout, empty=not rows)
    description = _description(rows, [row for _other, row in low], threshold, min_n)
    table = DataTable(
        (
            _("Dimension"),
            _("Alpha"),
            _("95% CI (Feldt)"),
            _("Complete answers"),
            _("Below %(line)s", line=line),
            _("Item-rest correlations"),
        ),
        tuple(_table_row(row, min_n) for row in rows),
    )
    return ChartSpec(figure, title, description, table)


def _description(
    rows: Sequence[ReliabilityRow], low: Sequence[ReliabilityRow], threshold: float, min_n: int
) -> str:
    not_computed = sum(1 for row in rows if row.alpha is None)
    line = number(threshold)
    sentences = [
        ngettext(
            "Cronbach's alpha for %(num)d dimension with Feldt 95%% intervals; the line marks "
            "%(line)s.",
            "Cronbach's alpha for %(num)d dimensions with Feldt 95%% intervals; the line marks "
            "%(line)s.",
            len(rows),
            line=line,
        ),
        ngettext(
            "%(num)d dimension is flagged below %(line)s: %(names)s.",
            "%(num)d dimensions are flagged below %(line)s: %(names)s.",
            len(low),
            line=line,
            names=", ".join(row.label for row in low),
        )
        if low
        else _("0 dimensions are flagged below %(line)s.", line=line),
    ]
    if not_computed:
        sentences.append(
            ngettext(
                "%(num)d dimension not computed: %(reasons)s.",
                "%(num)d dimensions not computed: %(reasons)s.",
                not_computed,
                reasons="; ".join(
                    f"{row.label}, {_reason(row, min_n)}" for row in rows if row.alpha is None
                ),
            )
        )
    return " ".join(sentences)


def _alpha_trace(
    group: Sequence[tuple[int, ReliabilityRow]], left: float, name: str, colour: str, symbol: str
) -> dict[str, Any]:
    """The alphas of ``group`` (row position, row) as markers with their intervals."""
    marks = [(i, row, row.alpha) for i, row in group if row.alpha is not None]
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [e.value for _other, _more, e in marks],
        "y": [i for i, _other, _more in marks],
        "name": name,
        "marker": {"color": colour, "symbol": symbol, "size": 11},
        "error_x": {
            **chart.error_bars([e for _other, _more, e in marks], clip=(left, 1.0)),
            "color": colour,
        },
        "hovertext": [
            hover(row.label, {_("alpha"): with_interval(e), COUNT_FIELD: e.n, **_item_rest(row)})
            for _other, row, e in marks
        ],
        "hovertemplate": HOVER_TEMPLATE,
    }


def _below_label(alpha: float, position: int) -> dict[str, Any]:
    """The word "below" over a flagged alpha (the flag is not in the colour alone)."""
    return {
        "text": _("below"),
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
    return row.reason or _("fewer than %(n)s complete answers", n=min_n)


def _item_rest(row: ReliabilityRow) -> dict[str, str]:
    """Each item's item-rest correlation, for the hover and the table."""
    missing = _("not computed")
    return {label: missing if r is None else number(r) for label, r in row.item_rest}


def _table_row(row: ReliabilityRow, min_n: int) -> tuple[str, ...]:
    if row.alpha is None:
        return (row.label, _("not computed: %(why)s", why=_reason(row, min_n)), "", "", "", "")
    e = row.alpha
    return (
        row.label,
        number(e.value),
        interval(e),
        count_text(e.n),
        _("below") if row.flagged else "",
        "; ".join(f"{label} {r}" for label, r in _item_rest(row).items()),
    )


@pinned_numbers()
def agreement_chart(
    rows: Sequence[AgreementRow],
    *,
    threshold: float = 0.70,
    title: str | None = None,
) -> ChartSpec:
    """Per dimension: ICC(2), how reliably a team's mean tells it apart, and the median
    rwg(J), how much a team's members agree, against ``threshold``; the data table adds
    ICC(1), the share of teams that agree, the minimum detectable difference per team size
    and the plain reading."""
    threshold = finite("threshold", threshold)
    title = title or _("Do teams share a climate?")
    lows = [r.icc2 for r in rows if r.icc2 is not None]
    left = min(0.0, math.floor(min([0.0, *lows]) * 10) / 10)
    traces = [
        _agreement_trace(
            rows, "icc2", "ICC(2)", _("ICC(2): a team's mean tells it apart"), BLUE, "circle"
        ),
        _agreement_trace(
            rows,
            "median_rwg",
            "rwg(J)",
            _("rwg(J): members agree (median of teams)"),
            ORANGE,
            "diamond",
        ),
    ]
    layout = chart.layout(
        title,
        height=chart.rows_height(len(rows), per_row=30, base=190),
        notes=[
            _(
                "Blue dots: ICC(2), how reliably a team's mean tells it apart; orange diamonds: "
                "rwg(J), how much a team's members agree (median of teams)."
            ),
            _("Dashed line: %(line)s, the usual threshold for both.", line=number(threshold)),
        ],
        xaxis={"title": {"text": "ICC(2) and rwg(J)"}, "range": [left, 1.0], "fixedrange": True},
        yaxis=chart.category_axis([row.label for row in rows]),
        shapes=[chart.reference_line(threshold, color=MUTED)],
        annotations=[chart.top_label(number(threshold), threshold)],
    )
    sizes = sorted({size for row in rows for size, _ in row.detectable})
    table = DataTable(
        (
            _("Dimension"),
            "ICC(1)",
            "ICC(2)",
            _("Median rwg(J)"),
            _("Teams that agree"),
            *(_("Detectable difference, team of %(size)s", size=size) for size in sizes),
            _("Reading"),
        ),
        tuple(_agreement_row(row, sizes) for row in rows),
    )
    description = " ".join(
        [
            ngettext(
                "Between-team differences (ICC) and within-team agreement (rwg(J)) for %(num)d "
                "dimension, over teams of at least k people.",
                "Between-team differences (ICC) and within-team agreement (rwg(J)) for %(num)d "
                "dimensions, over teams of at least k people.",
                len(rows),
            ),
            _(
                "ICC(1) is the share of the differences between people that lies between teams; "
                "ICC(2) how reliably a team's mean tells it apart from the others; rwg(J) how "
                "much a team's members agree (1: all alike, 0: as spread as random answers). The "
                "detectable difference is the smallest difference from the rest that a team of "
                "that size is found to have %(power)s of the time at p < .05.",
                power="80%",
            ),
        ]
    )
    return ChartSpec(chart.figure(traces, layout, empty=not rows), title, description, table)


def _agreement_trace(
    rows: Sequence[AgreementRow], field: str, short: str, name: str, colour: str, symbol: str
) -> dict[str, Any]:
    marks = [(i, row, getattr(row, field)) for i, row in enumerate(rows)]
    marks = [(i, row, v) for i, row, v in marks if v is not None]
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [v for _other, _more, v in marks],
        "y": [i for i, _other, _more in marks],
        "name": name,
        "marker": {"color": colour, "symbol": symbol, "size": 11},
        "hovertext": [hover(row.label, {short: number(v)}) for _other, row, v in marks],
        "hovertemplate": HOVER_TEMPLATE,
    }


def _agreement_row(row: AgreementRow, sizes: Sequence[int]) -> tuple[str, ...]:
    missing = _("not available")

    def shown(x: float | None) -> str:
        return missing if x is None else number(x)

    detectable = dict(row.detectable)
    return (
        row.label,
        shown(row.icc1),
        shown(row.icc2),
        shown(row.median_rwg),
        missing
        if row.agreeing is None
        else ngettext(
            "%(share)s of %(num)d team",
            "%(share)s of %(num)d teams",
            row.teams,
            share=percent(row.agreeing * 100),
        ),
        *(missing if size not in detectable else number(detectable[size]) for size in sizes),
        row.reading,
    )
