"""Charts with one mark per team: the quadrant map, family bars and response rates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import BLUE, INK, LINE, MUTED, ORANGE, SUPPRESSED
from app.reports.figures.text import (
    COUNT_FIELD,
    EN_DASH,
    HOVER_TEMPLATE,
    check_k,
    count_text,
    direction,
    hidden_label,
    hover,
    interval,
    number,
    plain,
    plural,
    with_interval,
    wrap_label,
)
from app.reports.figures.values import Desirable, Estimate, GroupBar, TeamPoint, finite

ORGANISATION: Final = "Whole organisation"

# --------------------------------------------------------------------------------------------
# The quadrant map


@dataclass(frozen=True, slots=True)
class _Bubble:
    label: str
    x: Estimate
    y: Estimate
    n: int


# (x, y, anchor x, anchor y, text, fill) of each corner of the map
_QUADRANTS: Final = (
    (5, 1, "right", "bottom", "More mutuality, less power-over", "rgba(33,102,172,0.08)"),
    (5, 5, "right", "top", "More mutuality, more power-over", None),
    (1, 5, "left", "top", "Less mutuality, more power-over", "rgba(179,88,6,0.08)"),
    (1, 1, "left", "bottom", "Less mutuality, less power-over", None),
)
LABELLED_TEAMS: Final = 40  # above this many bubbles, names get smaller


def _side(value: float, midpoint: float, more: str = "More", less: str = "Less") -> str:
    if value > midpoint:
        return more
    if value < midpoint:
        return less
    return "As much"


def _quadrant(x: float, y: float, centre: tuple[float, float]) -> str:
    return (
        f"{_side(x, centre[0])} mutuality, {_side(y, centre[1]).lower()} power-over than "
        "the organisation"
    )


def quadrant_map(
    points: Sequence[TeamPoint],
    *,
    x_title: str,
    y_title: str,
    k: int,
    centre: tuple[float, float],
    error_bars: bool = True,
    x_name: str = "Mutuality",
    y_name: str = "Power-over",
    title: str = "Mutuality and power-over by team",
) -> ChartSpec:
    """One bubble per team, named: across the mutuality index (1-5, higher is better), up
    the power-over index (1-5, higher is worse); bubble area by n; optional 95% intervals.
    The lines cross at ``centre``, the organisation's two means, so the four quadrants say
    where each team stands against its own organisation (a split at the scale's midpoint
    put nearly every team in one corner). A note says how many teams are hidden."""
    check_k(k)
    centre = (finite("centre x", centre[0]), finite("centre y", centre[1]))
    if not all(1.0 <= c <= 5.0 for c in centre):
        raise ValueError("the centre must lie on the 1-5 scale")
    bubbles = [
        _Bubble(p.label, p.mutuality, p.power_over, p.n)
        for p in points
        if p.mutuality is not None and p.power_over is not None and p.n is not None
    ]
    hidden = [p.label for p in points if p.hidden]
    hidden_labels = {p.label: hidden_label(k, p.reason) for p in points if p.hidden}
    trace = _bubble_trace(bubbles, (x_name, y_name), intervals=error_bars)
    layout = chart.layout(
        title,
        height=560 if len(bubbles) <= LABELLED_TEAMS else 760,
        notes=[f"{plural(len(hidden), 'team', 'teams')} not shown: {_counted(hidden_labels)}"]
        if hidden
        else [],
        xaxis={"title": {"text": plain(x_title)}, "range": [1, 5], "dtick": 1},
        yaxis={"title": {"text": plain(y_title)}, "range": [1, 5], "dtick": 1},
        **_quadrant_marks(centre),
    )
    figure = chart.figure([trace], layout, empty=not points)
    quadrants = Counter(_quadrant(b.x.value, b.y.value, centre) for b in bubbles)
    where = "; ".join(
        f"{plural(count, 'team', 'teams')}: {name.lower()}" for name, count in quadrants.items()
    )
    description = (
        f"Each bubble is a team, named: across, {x_title}; up, {y_title}. Bubble area shows "
        "the number of responses"
        + (", lines the 95% confidence intervals" if error_bars else "")
        + f". The lines cross at the organisation's means ({x_name} {number(centre[0])}, "
        f"{y_name} {number(centre[1])}); the shaded lower right is more mutuality with less "
        f"power-over than the organisation. {plural(len(bubbles), 'team', 'teams')} shown"
        + (f". {where}." if where else ".")
        + _hidden_teams(hidden_labels)
    )
    table = _quadrant_table(bubbles, hidden_labels, (x_name, y_name), centre)
    return ChartSpec(figure, title, description, table)


def _bubble_trace(
    bubbles: Sequence[_Bubble], names: tuple[str, str], *, intervals: bool
) -> dict[str, Any]:
    """The bubbles: area by n, each team's name beside it."""
    x_name, y_name = names
    max_n = max((b.n for b in bubbles), default=1)
    max_diameter = 44
    trace: dict[str, Any] = {
        "type": "scatter",
        "x": [b.x.value for b in bubbles],
        "y": [b.y.value for b in bubbles],
        "mode": "markers+text",
        "text": [wrap_label(b.label, 22) for b in bubbles],
        "textposition": "top center",
        "textfont": {"size": 11 if len(bubbles) <= LABELLED_TEAMS else 9, "color": INK},
        "marker": {
            "size": [b.n for b in bubbles],
            "sizemode": "area",
            "sizeref": 2.0 * max_n / (max_diameter**2),
            "sizemin": 6,
            "color": BLUE,
            "opacity": 0.65,
            "line": {"color": "#ffffff", "width": 1},
        },
        "hovertext": [
            hover(
                b.label,
                {x_name: with_interval(b.x), y_name: with_interval(b.y), COUNT_FIELD: b.n},
            )
            for b in bubbles
        ],
        "hovertemplate": HOVER_TEMPLATE,
        "cliponaxis": False,
        "name": "Teams",
    }
    if intervals:
        trace["error_x"] = chart.error_bars([b.x for b in bubbles], clip=(1.0, 5.0))
        trace["error_y"] = chart.error_bars([b.y for b in bubbles], clip=(1.0, 5.0))
        trace["error_x"]["color"] = trace["error_y"]["color"] = MUTED
    return trace


def _quadrant_marks(centre: tuple[float, float]) -> dict[str, list[dict[str, Any]]]:
    """The shaded good and bad quadrants, their names and the lines through ``centre``."""
    cx, cy = centre
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for qx, qy, ax, ay, text, fill in _QUADRANTS:
        if fill is not None:
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": cx,
                    "x1": qx,
                    "y0": cy,
                    "y1": qy,
                    "fillcolor": fill,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        annotations.append(
            {
                "text": text,
                "x": qx,
                "y": qy,
                "xref": "x",
                "yref": "y",
                "xanchor": ax,
                "yanchor": ay,
                "showarrow": False,
                "font": {"size": 12, "color": MUTED},
            }
        )
    midline = {"color": LINE, "width": 1.5, "dash": "dot"}
    shapes.append({"type": "line", "x0": cx, "x1": cx, "y0": 1, "y1": 5, "line": midline})
    shapes.append({"type": "line", "x0": 1, "x1": 5, "y0": cy, "y1": cy, "line": midline})
    return {"shapes": shapes, "annotations": annotations}


def _hidden_teams(labels: Mapping[str, str]) -> str:
    """The description's sentence on hidden teams, by label ("" when none is hidden)."""
    if not labels:
        return ""
    return f" {plural(len(labels), 'team', 'teams')} hidden ({_counted(labels)})."


def _counted(labels: Mapping[str, str]) -> str:
    """Hidden teams' labels, counted when they differ ("2 fewer than 5, 1 withheld")."""
    counts = Counter(labels.values())
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{n} {label}" for label, n in counts.items())


def _quadrant_table(
    bubbles: Sequence[_Bubble],
    hidden: Mapping[str, str],
    names: tuple[str, str],
    centre: tuple[float, float],
) -> DataTable:
    x_name, y_name = names
    rows: list[tuple[str, ...]] = [
        (
            b.label,
            number(b.x.value),
            interval(b.x),
            number(b.y.value),
            interval(b.y),
            str(b.n),
            _quadrant(b.x.value, b.y.value, centre),
        )
        for b in bubbles
    ]
    rows.extend((name, label, "", "", "", "", "") for name, label in hidden.items())
    columns = ("Team", x_name, f"{x_name} 95% CI", y_name, f"{y_name} 95% CI")
    return DataTable((*columns, "Responses", "Quadrant"), tuple(rows))


# --------------------------------------------------------------------------------------------
# Bars per team: family index and response rate


VERDICT_COLOURS: Final = {"better": BLUE, "worse": ORANGE, "same": SUPPRESSED, None: SUPPRESSED}
VERDICT_WORDS: Final = {
    "better": "better than the rest",
    "worse": "worse than the rest",
    "same": "no clear difference",
    None: "not compared",
}
# Two short lines: a chart's notes do not wrap, and a phone's plot is about 350 px wide.
VERDICT_NOTES: Final = (
    "Blue: better than the rest; orange: worse;",
    "grey: no clear difference (BH over the release, q = .05).",
)


def family_bars(
    rows: Sequence[GroupBar],
    *,
    family_label: str,
    k: int,
    organisation: Estimate | None = None,
    desirable: Desirable = "high",
    scale: tuple[float, float] = (1.0, 5.0),
    title: str | None = None,
) -> ChartSpec:
    """Horizontal bars of a family index per team with 95% intervals, best first, each
    coloured by its verdict against the rest of the organisation; the organisation as a
    dashed reference line; hidden teams as labelled gaps at the end."""
    check_k(k)
    low, high = scale
    title = title or f"{family_label} index by team"
    rows = _best_first(rows, desirable)
    shown = [(i, row, row.estimate) for i, row in enumerate(rows) if row.estimate is not None]
    figure = chart.row_bars(
        title,
        [row.label for row in rows],
        _verdict_bars(shown, family_label, scale),
        gaps=[
            (i, hidden_label(k, row.reason)) for i, row in enumerate(rows) if row.estimate is None
        ],
        gap_x=low,
        reference=None
        if organisation is None
        else (organisation.value, f"Organisation {number(organisation.value)}"),
        xaxis={
            "title": {
                "text": f"{plain(family_label)} index ({number(low, 0)}{EN_DASH}"
                f"{number(high, 0)}, {direction(desirable)})"
            },
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        notes=list(VERDICT_NOTES) if shown else [],
    )
    table_rows = [
        (*_estimate_row(row.label, row.estimate, hidden_label(k, row.reason)), _verdict_cell(row))
        for row in rows
    ]
    if organisation is not None:
        table_rows.append((*_estimate_row(ORGANISATION, organisation, hidden_label(k)), ""))
    description = _bars_description(rows, shown, family_label, k, organisation, desirable)
    columns = ("Team", family_label, "95% CI", "Responses", "Compared with the rest")
    return ChartSpec(figure, title, description, DataTable(columns, tuple(table_rows)))


_ShownBar = tuple[int, GroupBar, Estimate]


def _verdict_bars(
    shown: Sequence[_ShownBar], family_label: str, scale: tuple[float, float]
) -> dict[str, Any]:
    """The bar trace's own part: one bar per shown team, coloured by its verdict."""
    return {
        "x": [e.value for _, _, e in shown],
        "y": [i for i, _, _ in shown],
        "marker": {"color": [VERDICT_COLOURS[row.verdict] for _, row, _ in shown]},
        "error_x": chart.error_bars([e for _, _, e in shown], clip=scale),
        "hovertext": [
            hover(
                row.label,
                {
                    family_label: with_interval(e),
                    COUNT_FIELD: e.n,
                    "Compared with the rest": VERDICT_WORDS[row.verdict],
                },
            )
            for _, row, e in shown
        ],
        "hovertemplate": HOVER_TEMPLATE,
        "name": plain(family_label),
    }


def _bars_description(
    rows: Sequence[GroupBar],
    shown: Sequence[_ShownBar],
    family_label: str,
    k: int,
    organisation: Estimate | None,
    desirable: Desirable,
) -> str:
    verdicts = Counter(row.verdict for _, row, _ in shown)
    return (
        f"{family_label} index per team ({direction(desirable)}), best first, with 95% "
        "confidence intervals"
        + _organisation_clause(None if organisation is None else number(organisation.value))
        + f". {plural(len(shown), 'team', 'teams')} shown: "
        + f"{verdicts['better']} better than the rest of the organisation, "
        + f"{verdicts['worse']} worse, the others without a clear difference."
        + _hidden_teams(
            {row.label: hidden_label(k, row.reason) for row in rows if row.estimate is None}
        )
        + _most_favourable([(row.label, e) for _, row, e in shown], desirable)
    )


def _best_first(rows: Sequence[GroupBar], desirable: Desirable) -> list[GroupBar]:
    """Shown teams from the most to the least favourable index, hidden ones after them in
    their given order."""
    sign = -1.0 if desirable == "high" else 1.0
    shown = [row for row in rows if row.estimate is not None]
    shown.sort(key=lambda row: sign * row.estimate.value if row.estimate else 0.0)
    return shown + [row for row in rows if row.estimate is None]


def _verdict_cell(row: GroupBar) -> str:
    return "" if row.estimate is None else VERDICT_WORDS[row.verdict]


def _most_favourable(shown: Sequence[tuple[str, Estimate]], desirable: Desirable) -> str:
    """The description's last sentence: the team with the best index ("" without one)."""
    if not shown:
        return ""
    best = max if desirable == "high" else min
    top, e = best(shown, key=lambda bar: bar[1].value)
    return f" Most favourable: {top} ({number(e.value)})."


def _organisation_clause(value: str | None) -> str:
    """The description's mention of the reference line ("" without one)."""
    return "" if value is None else f"; the dashed line is the whole organisation ({value})"


def _estimate_row(name: str, e: Estimate | None, hidden: str) -> tuple[str, ...]:
    if e is None:
        return (name, hidden, "", "")
    return (name, number(e.value), interval(e), count_text(e.n))
