"""Line charts: the standpoint gap (indices by level) and trends (indices by wave)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.i18n import _, ngettext, pinned_numbers
from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import SERIES_COLOURS, SERIES_SYMBOLS
from app.reports.figures.text import (
    COUNT_FIELD,
    EN_DASH,
    HOVER_TEMPLATE,
    check_k,
    direction,
    hidden_label,
    hover,
    number,
    plain,
    signed,
    signed_with_interval,
    with_interval,
    wrap_label,
)
from app.reports.figures.values import HIDDEN, Estimate, Series, SeriesValue


@pinned_numbers()
def standpoint_gap(
    levels: Sequence[str],
    families: Sequence[Series],
    *,
    k: int,
    gaps: Sequence[Estimate | None] | None = None,
    scale: tuple[float, float] = (1.0, 5.0),
    title: str | None = None,
) -> ChartSpec:
    """Each family index by level, from the bottom of the hierarchy (first level) to the top
    (last), with 95% intervals, and the gap top minus bottom per family.

    ``gaps`` (aligned with ``families``) are the gaps with their intervals from
    stats.standpoint_gap; without them the gap is top minus bottom, without an interval,
    when both ends are shown.
    """
    check_k(k)
    title = title or _("The climate seen from each level")
    if gaps is not None and len(gaps) != len(families):
        raise ValueError("give one gap per family")
    traces = _series_traces(families, levels, "level")
    gap_values = [
        _gap(family, gaps[index] if gaps is not None else None)
        for index, family in enumerate(families)
    ]
    gap_lines = [
        f"{plain(family.label)}: {signed_with_interval(gap)}"
        for family, gap in zip(families, gap_values, strict=True)
        if gap is not None
    ]
    figure = _lines_figure(
        title,
        traces,
        _series_gap_labels(families, levels, k, scale[0]),
        height=440,
        notes=[_("Gap, top minus bottom level:"), *gap_lines] if gap_lines else [],
        x_axis=(levels, 18, _("Level, from the bottom of the hierarchy to the top")),
        y_axis=(
            _("Index (%(scale)s)", scale=f"{number(scale[0], 0)}{EN_DASH}{number(scale[1], 0)}"),
            scale,
        ),
        empty=not levels or not families,
    )
    description = (
        _(
            "Family indices by level, from the bottom of the hierarchy to the top, with "
            "%(level)s confidence intervals.",
            level="95%",
        )
        + " "
        + " ".join(
            _gap_sentence(family, gap) for family, gap in zip(families, gap_values, strict=True)
        )
    )
    rows = [
        (
            family.label,
            *(_cell(v, k) for v in family.values),
            signed_with_interval(gap) if gap is not None else "",
        )
        for family, gap in zip(families, gap_values, strict=True)
    ]
    table = DataTable((_("Family"), *levels, _("Gap (top minus bottom)")), tuple(rows))
    return ChartSpec(figure, title, description, table)


def _gap(family: Series, given: Estimate | None) -> Estimate | None:
    """The family's gap, top minus bottom level: ``given``, or computed when both ends
    are shown."""
    bottom, top = (family.values[0], family.values[-1]) if len(family.values) >= 2 else (None, None)
    both_shown = isinstance(bottom, Estimate) and isinstance(top, Estimate)
    if given is not None and not both_shown:
        raise ValueError(f"{family.label!r}: a gap needs its bottom and top levels shown")
    if given is None and isinstance(bottom, Estimate) and isinstance(top, Estimate):
        return Estimate(top.value - bottom.value)
    return given


def _gap_sentence(family: Series, gap: Estimate | None) -> str:
    if gap is None:
        return _("%(index)s: no gap (the top or bottom level is not shown).", index=family.label)
    name = f"{family.label} ({direction(family.desirable)})"
    if number(gap.value) == number(0.0):
        return _("%(index)s: the top and bottom levels score the same.", index=name)
    values = {"index": name, "size": number(abs(gap.value))}
    if gap.lower is not None and gap.upper is not None:
        interval = {"lower": signed(gap.lower), "upper": signed(gap.upper)}
        if gap.value > 0:
            return _(
                "%(index)s: the top level scores %(size)s higher than the bottom level (95%% CI "
                "%(lower)s to %(upper)s).",
                **values,
                **interval,
            )
        return _(
            "%(index)s: the top level scores %(size)s lower than the bottom level (95%% CI "
            "%(lower)s to %(upper)s).",
            **values,
            **interval,
        )
    if gap.value > 0:
        return _("%(index)s: the top level scores %(size)s higher than the bottom level.", **values)
    return _("%(index)s: the top level scores %(size)s lower than the bottom level.", **values)


@pinned_numbers()
def trend_lines(
    waves: Sequence[str],
    series: Sequence[Series],
    *,
    k: int,
    y_title: str | None = None,
    scale: tuple[float, float] = (1.0, 5.0),
    title: str | None = None,
) -> ChartSpec:
    """One line per index across the waves (oldest first) with 95% intervals; a hidden
    value is a labelled gap, a value that is not comparable across waves (None) a gap
    labelled "not available"."""
    check_k(k)
    title = title or _("Trends across waves")
    y_title = y_title or _("Index (%(scale)s)", scale="1–5")
    figure = _lines_figure(
        title,
        _series_traces(series, waves, "wave", dodge=0.04),
        _series_gap_labels(series, waves, k, scale[0]),
        height=420,
        notes=[],
        x_axis=(waves, 16, _("Wave")),
        y_axis=(plain(y_title), scale),
        empty=not waves or not series,
    )
    description = " ".join(
        [
            ngettext(
                "Indices across %(num)d wave, oldest first, with 95%% confidence intervals.",
                "Indices across %(num)d waves, oldest first, with 95%% confidence intervals.",
                len(waves),
            ),
            *(_trend_sentence(line, waves) for line in series),
        ]
    )
    rows = [(line.label, *(_cell(v, k) for v in line.values)) for line in series]
    table = DataTable((_("Index"), *waves), tuple(rows))
    return ChartSpec(figure, title, description, table)


def _trend_sentence(line: Series, waves: Sequence[str]) -> str:
    name = f"{line.label} ({direction(line.desirable)})"
    shown = [(w, v) for w, v in zip(waves, line.values, strict=True) if isinstance(v, Estimate)]
    if len(shown) >= 2:
        (first_wave, first), (last_wave, last) = shown[0], shown[-1]
        return _(
            "%(index)s: %(first)s in %(first_wave)s, %(last)s in %(last_wave)s (%(change)s).",
            index=name,
            first=number(first.value),
            first_wave=first_wave,
            last=number(last.value),
            last_wave=last_wave,
            change=signed(last.value - first.value),
        )
    if shown:
        return _(
            "%(index)s: %(mean)s in %(wave)s only.",
            index=name,
            mean=number(shown[0][1].value),
            wave=shown[0][0],
        )
    return _("%(index)s: no wave shown.", index=name)


# --------------------------------------------------------------------------------------------
# Shared by both charts


def _lines_figure(
    title: str,
    traces: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
    *,
    height: int,
    notes: Sequence[str],
    x_axis: tuple[Sequence[str], int, str],
    y_axis: tuple[str, tuple[float, float]],
    empty: bool,
) -> chart.Figure:
    """Lines over positions (levels or waves): ``x_axis`` is (position labels, their wrap
    width, axis title); ``y_axis`` is (escaped axis title, scale)."""
    positions, width, x_title = x_axis
    y_title, (low, high) = y_axis
    layout = chart.layout(
        title,
        height=height,
        notes=notes,
        showlegend=True,
        xaxis={
            **chart.category_axis(positions, width=width),
            "range": [-0.5, len(positions) - 0.5],
            "title": {"text": x_title},
        },
        yaxis={
            "title": {"text": y_title},
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        annotations=annotations,
    )
    return chart.figure(traces, layout, empty=empty)


def _series_traces(
    series: Sequence[Series], positions: Sequence[str], axis_name: str, *, dodge: float = 0.06
) -> list[dict[str, Any]]:
    """One line per series, dodged sideways so that intervals do not overlap; a hidden or
    missing value is a gap in the line."""
    traces = []
    count = len(series)
    for index, line in enumerate(series):
        if len(line.values) != len(positions):
            raise ValueError(
                f"series {line.label!r} has {len(line.values)} values for "
                f"{len(positions)} {axis_name}s"
            )
        offset = (index - (count - 1) / 2) * dodge
        estimates = [v if isinstance(v, Estimate) else None for v in line.values]
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [position + offset for position in range(len(positions))],
                "y": [None if e is None else e.value for e in estimates],
                "name": wrap_label(line.label, 24),
                "connectgaps": False,
                "line": {"color": colour, "width": 2.5},
                "marker": {
                    "color": colour,
                    "size": 9,
                    "symbol": SERIES_SYMBOLS[index % len(SERIES_SYMBOLS)],
                },
                "error_y": {
                    **chart.error_bars([Estimate(0.0) if e is None else e for e in estimates]),
                    "color": colour,
                },
                "hovertext": [
                    "" if e is None else _point_hover(line.label, name, e)
                    for name, e in zip(positions, estimates, strict=True)
                ],
                "hovertemplate": HOVER_TEMPLATE,
            }
        )
    return traces


def _point_hover(line: str, position: str, e: Estimate) -> str:
    return hover(line, {position: with_interval(e), COUNT_FIELD: e.n})


def _series_gap_labels(
    series: Sequence[Series], positions: Sequence[str], k: int, y: float
) -> list[dict[str, Any]]:
    """One label per position where some series is hidden or not available."""
    label = hidden_label(k)
    notes = []
    for position in range(len(positions)):
        hidden = [s.label for s in series if s.values[position] is HIDDEN]
        missing = [s.label for s in series if s.values[position] is None]
        lines = []
        if hidden:
            lines.append(_gap_line(hidden, len(series), label))
        if missing:
            lines.append(_gap_line(missing, len(series), _("not available")))
        if lines:
            note = chart.gap_label("<br>".join(lines), position, y, xanchor="center")
            note["yanchor"] = "bottom"
            notes.append(note)
    return notes


def _gap_line(names: Sequence[str], of: int, why: str) -> str:
    """``why`` alone when every series has the gap, else one line per series."""
    return why if len(names) == of else "<br>".join(f"{plain(name)}: {why}" for name in names)


def _cell(value: SeriesValue, k: int) -> str:
    if value is HIDDEN:
        return hidden_label(k)
    if isinstance(value, Estimate):
        return with_interval(value)
    return _("not available")
