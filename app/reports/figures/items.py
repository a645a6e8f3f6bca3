"""Diverging stacked bars of the answers to each item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.i18n import N_, _, ngettext, pinned_numbers
from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import (
    DEFAULT_SCALE_LABELS,
    INK,
    SCALE_HIGH,
    SCALE_LOW,
    SCALE_NEUTRAL,
)
from app.reports.figures.text import (
    HOVER_TEMPLATE,
    check_k,
    count_text,
    hidden_label,
    hover,
    percent,
    plain,
)
from app.reports.figures.values import ItemDistribution

_FAVOURABLE_HEADING: Final[Mapping[str, Any]] = {
    "text": "",  # <b>Favourable</b>, in the reader's language
    "xref": "paper",
    "yref": "paper",
    "x": 1.0,
    "y": 1.0,
    "xanchor": "left",
    "yanchor": "bottom",
    "showarrow": False,
    "font": {"size": 12},
}


@pinned_numbers()
def diverging_items(
    items: Sequence[ItemDistribution],
    *,
    k: int,
    scale_labels: Sequence[str] = DEFAULT_SCALE_LABELS,
    wrap: int = 44,
    title: str | None = None,
) -> ChartSpec:
    """Diverging stacked bars per item: the percent of answers on each scale point as
    answered (raw, not reverse-keyed), disagree to the left of 0, agree to the right, the
    neutral point split around 0. Each item's favourable end (`ItemDistribution.desirable`)
    is marked under its statement, and the percent of answers at that end is at the right."""
    check_k(k)
    title = title or _("Answers to each item")
    points = len(scale_labels)
    if points < 2:
        raise ValueError("a scale has at least two points")
    for item in items:
        if item.counts is not None and len(item.counts) != points:
            raise ValueError(f"item {item.label!r}: {len(item.counts)} counts for {points} points")
    shown = [(i, item) for i, item in enumerate(items) if item.counts is not None]
    layout = chart.layout(
        title,
        height=chart.rows_height(len(items), per_row=54, base=190),
        barmode="relative",
        bargap=0.3,
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        xaxis={
            "range": [-100, 100],
            "tickmode": "array",
            "tickvals": [-100, -50, 0, 50, 100],
            "ticktext": ["100%", "50%", "0", "50%", "100%"],
            "title": {"text": _("Percent of answers: disagree – agree")},
            "zeroline": True,
            "zerolinecolor": INK,
            "fixedrange": True,
        },
        yaxis=_statement_axis(items, wrap),
        annotations=[
            {**_FAVOURABLE_HEADING, "text": "<b>" + plain(_("Favourable")) + "</b>"},
            *_item_notes(items, hidden_label(k)),
        ],
        margin={"l": 16, "r": 96, "t": 96, "b": 16},
    )
    figure = chart.figure(_answer_bars(shown, scale_labels), layout, empty=not items)
    hidden = len(items) - len(shown)
    description = " ".join(
        [
            _(
                "For each statement, the share of answers on each point of the scale as people "
                "answered it: disagreement to the left of the centre line, agreement to the "
                "right, the neutral answer split across it. Under each statement, its "
                "favourable end: agreement for mutuality and outcome statements, disagreement "
                "for power-over ones, the other way round for a statement worded in reverse. "
                "The number at the right is the percent favourable: the share of answers in "
                "the two boxes at that end. 'Prefer not to answer' is not counted."
            ),
            ngettext("%(num)d item shown.", "%(num)d items shown.", len(shown)),
            *(
                [
                    ngettext(
                        "%(num)d item hidden (%(label)s).",
                        "%(num)d items hidden (%(label)s).",
                        hidden,
                        label=hidden_label(k),
                    )
                ]
                if hidden
                else []
            ),
        ]
    )
    table = DataTable(
        (_("Item"), _("Answers"), *scale_labels, _("Favourable"), _("Favourable end")),
        tuple(_table_row(item, hidden_label(k), points) for item in items),
    )
    return ChartSpec(figure, title, description, table)


def _answer_bars(
    shown: Sequence[tuple[int, ItemDistribution]], scale_labels: Sequence[str]
) -> list[dict[str, Any]]:
    """One bar trace per scale point (the neutral point as two halves), in stacking order."""
    points = len(scale_labels)
    half = points // 2
    colours = _scale_colours(points)

    def bar(point: int, sign: float, share: float, legend: bool) -> dict[str, Any]:
        values = [100.0 * (item.counts or ())[point] / (item.n or 1) for _other, item in shown]
        return {
            "type": "bar",
            "orientation": "h",
            "x": [sign * share * v for v in values],
            "y": [i for i, _other in shown],
            "name": plain(scale_labels[point]),
            "legendgroup": f"point{point}",
            "legendrank": point + 1,
            "showlegend": legend,
            "marker": {"color": colours[point], "line": {"color": "#ffffff", "width": 0.5}},
            "hovertext": [
                hover(item.label, {scale_labels[point]: percent(v)})
                for (_other, item), v in zip(shown, values, strict=True)
            ],
            "hovertemplate": HOVER_TEMPLATE,
        }

    traces: list[dict[str, Any]] = []
    # Bars of one sign stack outwards from 0 in trace order: the neutral halves first.
    if points % 2:
        traces.append(bar(half, -1.0, 0.5, True))
        traces.append(bar(half, 1.0, 0.5, False))
    traces.extend(bar(point, -1.0, 1.0, True) for point in reversed(range(half)))
    traces.extend(bar(point, 1.0, 1.0, True) for point in range(points - half, points))
    return traces


def _item_notes(items: Sequence[ItemDistribution], hidden: str) -> list[dict[str, Any]]:
    """The percent favourable at the right of each shown item, the label of each hidden one."""
    notes = []
    for i, item in enumerate(items):
        if item.counts is None:
            notes.append(chart.gap_label(hidden, 0, i, xanchor="center"))
            continue
        notes.append(
            {
                "text": percent(_favourable(item)),
                "xref": "paper",
                "yref": "y",
                "x": 1.0,
                "y": i,
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    return notes


def _favourable_end(item: ItemDistribution) -> str:
    return _("agree") if item.desirable == "high" else _("disagree")


def _statement_axis(items: Sequence[ItemDistribution], wrap: int) -> dict[str, Any]:
    """The statements as answered, each with its favourable end under it, pointing to the
    side of the chart where that end lies."""
    axis = chart.category_axis([item.label for item in items], width=wrap)
    axis["ticktext"] = [
        f"{text}<br><i>{plain(_(_FAVOURABLE_ARROWS[item.desirable]))}</i>"
        for text, item in zip(axis["ticktext"], items, strict=True)
    ]
    return axis


_FAVOURABLE_ARROWS: Final[Mapping[str, str]] = {
    "high": N_("favourable: agree ▸"),
    "low": N_("◂ favourable: disagree"),
}


def _table_row(item: ItemDistribution, hidden: str, points: int) -> tuple[str, ...]:
    if item.counts is None:
        return (item.label, hidden, *([""] * points), "", _favourable_end(item))
    n = item.n or 1
    return (
        item.label,
        count_text(item.n),
        *(percent(100.0 * c / n) for c in item.counts),
        percent(_favourable(item)),
        _favourable_end(item),
    )


def _favourable(item: ItemDistribution) -> float:
    counts = item.counts or ()
    total = sum(counts)
    half = len(counts) // 2
    good = counts[len(counts) - half :] if item.desirable == "high" else counts[:half]
    return 100.0 * sum(good) / total


def _scale_colours(points: int) -> list[str]:
    """Lowest point darkest orange ... neutral grey ... highest point darkest blue."""
    half = points // 2
    extra = max(0, half - len(SCALE_LOW))
    low = list(SCALE_LOW[:half]) + [SCALE_LOW[-1]] * extra
    high = [SCALE_HIGH[0]] * extra + list(SCALE_HIGH[len(SCALE_HIGH) - min(half, 3) :])
    return low + ([SCALE_NEUTRAL] if points % 2 else []) + high
