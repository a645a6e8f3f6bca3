"""The priority map of the key drivers: how much each dimension goes with the outcomes
(across) against how the group scores on it (up), so the dimensions that matter most and
score lowest stand out in one corner, "Start here"."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.i18n import N_, _, ngettext, pinned_numbers
from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import BLUE, INK, LINE, MUTED, ORANGE
from app.reports.figures.text import (
    EN_DASH,
    HOVER_TEMPLATE,
    direction,
    hover,
    interval,
    number,
    plain,
    wrap_label,
)
from app.reports.figures.values import Desirable, Estimate, finite

START_HERE: Final = N_("Start here")
START_FILL: Final = "rgba(213,94,0,0.08)"


@dataclass(frozen=True, slots=True)
class DriverPoint:
    """One dimension of the map: its importance (its share of the explained variance of the
    outcome, in percent, with its bootstrap interval), the group's score on it oriented so
    higher is better (`score`), the mean as measured (`mean`) and which end of that is
    good (`desirable`), and its family's name."""

    label: str
    importance: Estimate
    score: float
    mean: float
    desirable: Desirable
    family: str
    key: str = ""  # the dimension's key, for tables that join other numbers to the point

    def __post_init__(self) -> None:
        finite("score", self.score)
        finite("mean", self.mean)
        if self.importance.lower is None or self.importance.upper is None:
            raise ValueError("an importance needs its interval")


def _corner(point: DriverPoint, centre: tuple[float, float]) -> str:
    """Where a dimension falls against the medians, in words (the msgid: `_` shows it)."""
    more = point.importance.value > centre[0]
    lower = point.score < centre[1]
    if more and lower:
        return START_HERE
    if more:
        return N_("Strength to keep (important, scored well)")
    if lower:
        return N_("Lower score, weaker link with the outcomes")
    return N_("Scored well, weaker link with the outcomes")


@pinned_numbers()
def priority_map(
    points: Sequence[DriverPoint],
    *,
    group: str,
    outcome: str,
    r_squared: Estimate,
    scale: tuple[float, float] = (1.0, 5.0),
    notes: Sequence[str] = (),
) -> ChartSpec:
    """One point per dimension, named: across, its share of the outcome's explained variance
    (percent, with its 95% bootstrap interval as error bars); up, the group's score on it
    with higher better (a power-over dimension's mean mirrored within the scale). The
    dotted lines cross at the medians of both; the corner of more importance and lower
    score is shaded and labelled "Start here". `r_squared` is the variance explained (0-1)
    with its interval and the number of complete responses as its `n`."""
    low, high = scale
    title = _("Where to start in %(group)s", group=group)
    if not points:
        spec = chart.layout(title, height=420, notes=list(notes))
        empty = chart.figure([], spec, empty=True)
        return ChartSpec(empty, title, _("No dimension to show."), DataTable(_columns(), ()))
    centre = (
        statistics.median(p.importance.value for p in points),
        statistics.median(p.score for p in points),
    )
    right = max(max(p.importance.upper or p.importance.value for p in points) * 1.1, 1.0)
    # Scores of one group's dimensions lie close together: the axis spans them (with room
    # for the labels) within the scale, not the whole scale, so the points do not overlap.
    scores = [p.score for p in points]
    ys = (max(low, min(scores) - 0.3), min(high, max(scores) + 0.3))
    trace = _points(points, outcome)
    marks = _marks(centre, (0.0, right), ys)
    layout = chart.layout(
        title,
        height=560,
        notes=list(notes),
        xaxis={
            "title": {
                "text": _(
                    "Share of what the dimensions explain of %(outcome)s (%%)",
                    outcome=plain(outcome),
                )
            },
            "range": [0.0, right],
            "fixedrange": True,
        },
        yaxis={
            "title": {
                "text": _(
                    "Score (%(scale)s, higher is better)",
                    scale=f"{number(low, 0)}{EN_DASH}{number(high, 0)}",
                )
            },
            "range": list(ys),
            "fixedrange": True,
        },
        **marks,
    )
    figure = chart.figure([trace], layout, empty=False)
    start = [p.label for p in points if _corner(p, centre) == START_HERE]
    description = " ".join(
        [
            _(
                "Each point is a dimension, named: across, its share in percent of the variance "
                "of %(outcome)s that the dimensions explain together for %(group)s, with its "
                "95%% bootstrap interval; up, the score of %(group)s on it, higher is better "
                "(power-over dimensions mirrored).",
                outcome=outcome,
                group=group,
            ),
            ngettext(
                "Together the dimensions explain %(share)s of the variance of %(outcome)s "
                "(%(num)d complete response).",
                "Together the dimensions explain %(share)s of the variance of %(outcome)s "
                "(%(num)d complete responses).",
                r_squared.n or 0,
                share=_percent(r_squared),
                outcome=outcome,
            ),
            _(
                "The dotted lines are the medians (%(importance)s%% and %(score)s).",
                importance=number(centre[0], 1),
                score=number(centre[1]),
            ),
            _(
                "Start here, more important and lower scored than the median: %(names)s.",
                names=", ".join(start),
            )
            if start
            else _("No dimension is both more important and lower scored than the median."),
        ]
    )
    return ChartSpec(figure, title, description, _table(points, centre))


def _percent(e: Estimate) -> str:
    """R^2 as a percentage with its interval: "45% (95% interval 41-49%)"."""
    text = f"{e.value * 100:.0f}%"
    if e.lower is None or e.upper is None:
        return text
    return _(
        "%(share)s (95%% interval %(lower)s–%(upper)s%%)",
        share=text,
        lower=f"{e.lower * 100:.0f}",
        upper=f"{e.upper * 100:.0f}",
    )


def _points(points: Sequence[DriverPoint], outcome: str) -> dict[str, Any]:
    family = _("Family")
    share = _("Share of what the dimensions explain of %(outcome)s", outcome=outcome)
    score = _("Score, higher is better")
    return {
        "type": "scatter",
        "mode": "markers+text",
        "x": [p.importance.value for p in points],
        "y": [p.score for p in points],
        "text": [wrap_label(p.label, 18) for p in points],
        "textposition": "top center",
        "textfont": {"size": 11, "color": INK},
        "marker": {
            "size": 11,
            "color": [BLUE if p.desirable == "high" else ORANGE for p in points],
            # the family is in the symbol too, not in the colour alone
            "symbol": ["circle" if p.desirable == "high" else "diamond" for p in points],
            "line": {"color": "#ffffff", "width": 1},
        },
        "error_x": chart.error_bars([p.importance for p in points], clip=(0.0, 100.0)),
        "hovertext": [
            hover(
                p.label,
                {
                    family: p.family,
                    share: _share(p.importance),
                    score: number(p.score),
                    _("Mean as asked (%(direction)s)", direction=direction(p.desirable)): number(
                        p.mean
                    ),
                },
            )
            for p in points
        ],
        "hovertemplate": HOVER_TEMPLATE,
        "cliponaxis": False,
        "name": _("Dimensions"),
    }


def _share(e: Estimate) -> str:
    """A share with its interval, in percent: "24.0% [18.0, 30.0]"."""
    return f"{number(e.value, 1)}% [{number(e.lower or 0.0, 1)}, {number(e.upper or 0.0, 1)}]"


def _marks(
    centre: tuple[float, float], xs: tuple[float, float], ys: tuple[float, float]
) -> dict[str, list[dict[str, Any]]]:
    """The shaded "Start here" corner, its label, and the median lines."""
    cx, cy = centre
    midline = {"color": LINE, "width": 1.5, "dash": "dot"}
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": cx,
            "x1": xs[1],
            "y0": ys[0],
            "y1": cy,
            "fillcolor": START_FILL,
            "line": {"width": 0},
            "layer": "below",
        },
        {"type": "line", "x0": cx, "x1": cx, "y0": ys[0], "y1": ys[1], "line": midline},
        {"type": "line", "x0": xs[0], "x1": xs[1], "y0": cy, "y1": cy, "line": midline},
    ]
    annotations = [
        {
            "text": f"<b>{plain(_(START_HERE))}</b>",
            "x": xs[1],
            "y": ys[0],
            "xref": "x",
            "yref": "y",
            "xanchor": "right",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 13, "color": ORANGE},
        },
        {
            "text": plain(_("More important, scored well")),
            "x": xs[1],
            "y": ys[1],
            "xref": "x",
            "yref": "y",
            "xanchor": "right",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 12, "color": MUTED},
        },
    ]
    return {"shapes": shapes, "annotations": annotations}


def _columns() -> tuple[str, ...]:
    """The table's headings in the reader's language."""
    return (
        _("Dimension"),
        _("Share of explained variance (%)"),
        _("%(level)s interval (%%)", level="95%"),
        _("Score (higher is better)"),
        _("Mean as asked"),
        _("Where it falls"),
    )


def _table(points: Sequence[DriverPoint], centre: tuple[float, float]) -> DataTable:
    ranked = sorted(points, key=lambda p: -p.importance.value)
    return DataTable(
        _columns(),
        tuple(
            (
                p.label,
                number(p.importance.value, 1),
                interval(p.importance, 1),
                number(p.score),
                f"{number(p.mean)} ({direction(p.desirable)})",
                _(_corner(p, centre)),
            )
            for p in ranked
        ),
    )
