"""Charts with one mark per team: the quadrant map, family bars and response rates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.i18n import N_, _, ngettext, pinned_numbers
from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import BLUE, INK, LINE, MUTED, ORANGE, SUPPRESSED
from app.reports.figures.text import (
    COUNT_FIELD,
    EN_DASH,
    HOVER_TEMPLATE,
    HiddenReason,
    check_k,
    count_text,
    direction,
    hidden_labels,
    hover,
    interval,
    number,
    plain,
    with_interval,
    wrap_label,
)
from app.reports.figures.values import Desirable, Estimate, GroupBar, TeamPoint, Verdict, finite

ORGANISATION: Final = N_("Whole organisation")

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
    (5, 1, "right", "bottom", N_("More mutuality, less power-over"), "rgba(33,102,172,0.08)"),
    (5, 5, "right", "top", N_("More mutuality, more power-over"), None),
    (1, 5, "left", "top", N_("Less mutuality, more power-over"), "rgba(179,88,6,0.08)"),
    (1, 1, "left", "bottom", N_("Less mutuality, less power-over"), None),
)
LABELLED_TEAMS: Final = 40  # above this many bubbles, names get smaller


def _side(value: float, midpoint: float) -> int:
    """1 above the midpoint, -1 below, 0 on it."""
    return (value > midpoint) - (value < midpoint)


# Where a team lies against the organisation's two means, one whole phrase per case.
_QUADRANT_WORDS: Final = {
    (1, 1): N_("More mutuality, more power-over than the organisation"),
    (1, 0): N_("More mutuality, as much power-over than the organisation"),
    (1, -1): N_("More mutuality, less power-over than the organisation"),
    (0, 1): N_("As much mutuality, more power-over than the organisation"),
    (0, 0): N_("As much mutuality, as much power-over than the organisation"),
    (0, -1): N_("As much mutuality, less power-over than the organisation"),
    (-1, 1): N_("Less mutuality, more power-over than the organisation"),
    (-1, 0): N_("Less mutuality, as much power-over than the organisation"),
    (-1, -1): N_("Less mutuality, less power-over than the organisation"),
}


def _quadrant(
    x: float, y: float, centre: tuple[float, float], words: Mapping[tuple[int, int], str]
) -> str:
    """Where a point lies, in `words` (`_quadrant_words`)."""
    return words[(_side(x, centre[0]), _side(y, centre[1]))]


def _quadrant_words() -> dict[tuple[int, int], str]:
    """The quadrant phrases in the reader's language, looked up once per chart."""
    return {key: _(message) for key, message in _QUADRANT_WORDS.items()}


@pinned_numbers()
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
    title: str | None = None,
) -> ChartSpec:
    """One bubble per team, named: across the mutuality index (1-5, higher is better), up
    the power-over index (1-5, higher is worse); bubble area by n; optional 95% intervals.
    The lines cross at ``centre``, the organisation's two means, so the four quadrants say
    where each team stands against its own organisation (a split at the scale's midpoint
    put nearly every team in one corner). A note says how many teams are hidden."""
    check_k(k)
    title = title or _("Mutuality and power-over by team")
    centre = (finite("centre x", centre[0]), finite("centre y", centre[1]))
    if not all(1.0 <= c <= 5.0 for c in centre):
        raise ValueError("the centre must lie on the 1-5 scale")
    bubbles = [
        _Bubble(p.label, p.mutuality, p.power_over, p.n)
        for p in points
        if p.mutuality is not None and p.power_over is not None and p.n is not None
    ]
    hidden = [p.label for p in points if p.hidden]
    labels = hidden_labels(k)
    hidden_by_team = {p.label: labels[p.reason] for p in points if p.hidden}
    words = _quadrant_words()
    trace = _bubble_trace(bubbles, (x_name, y_name), intervals=error_bars)
    layout = chart.layout(
        title,
        height=560 if len(bubbles) <= LABELLED_TEAMS else 760,
        notes=[
            ngettext(
                "%(num)d team not shown: %(labels)s",
                "%(num)d teams not shown: %(labels)s",
                len(hidden),
                labels=_counted(hidden_by_team),
            )
        ]
        if hidden
        else [],
        xaxis={"title": {"text": plain(x_title)}, "range": [1, 5], "dtick": 1},
        yaxis={"title": {"text": plain(y_title)}, "range": [1, 5], "dtick": 1},
        **_quadrant_marks(centre),
    )
    figure = chart.figure([trace], layout, empty=not points)
    quadrants = Counter(_quadrant(b.x.value, b.y.value, centre, words) for b in bubbles)
    where = "; ".join(
        ngettext("%(num)d team: %(where)s", "%(num)d teams: %(where)s", count, where=name.lower())
        for name, count in quadrants.items()
    )
    sentences = [
        _(
            "Each bubble is a team, named: across, %(x)s; up, %(y)s. Bubble area shows the "
            "number of responses, lines the 95%% confidence intervals.",
            x=x_title,
            y=y_title,
        )
        if error_bars
        else _(
            "Each bubble is a team, named: across, %(x)s; up, %(y)s. Bubble area shows the "
            "number of responses.",
            x=x_title,
            y=y_title,
        ),
        _(
            "The lines cross at the organisation's means (%(x_name)s %(x)s, %(y_name)s %(y)s); "
            "the shaded lower right is more mutuality with less power-over than the "
            "organisation.",
            x_name=x_name,
            x=number(centre[0]),
            y_name=y_name,
            y=number(centre[1]),
        ),
        ngettext("%(num)d team shown.", "%(num)d teams shown.", len(bubbles)),
    ]
    if where:
        sentences.append(where + ".")
    description = " ".join(sentences) + _hidden_teams(hidden_by_team)
    table = _quadrant_table(bubbles, hidden_by_team, (x_name, y_name), centre, words)
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
        "name": _("Teams"),
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
                "text": _(text),
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
    return " " + ngettext(
        "%(num)d team hidden (%(labels)s).",
        "%(num)d teams hidden (%(labels)s).",
        len(labels),
        labels=_counted(labels),
    )


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
    words: Mapping[tuple[int, int], str],
) -> DataTable:
    x_name, y_name = names
    rows: list[tuple[str, ...]] = [
        (
            b.label,
            number(b.x.value),
            interval(b.x),
            number(b.y.value),
            interval(b.y),
            count_text(b.n),
            _quadrant(b.x.value, b.y.value, centre, words),
        )
        for b in bubbles
    ]
    rows.extend((name, label, "", "", "", "", "") for name, label in hidden.items())
    columns = (
        _("Team"),
        x_name,
        _("%(index)s 95%% CI", index=x_name),
        y_name,
        _("%(index)s 95%% CI", index=y_name),
    )
    return DataTable((*columns, _("Responses"), _("Quadrant")), tuple(rows))


# --------------------------------------------------------------------------------------------
# Bars per team: family index and response rate


VERDICT_COLOURS: Final = {"better": BLUE, "worse": ORANGE, "same": SUPPRESSED, None: SUPPRESSED}
VERDICT_WORDS: Final[dict[Verdict | None, str]] = {
    "better": N_("better than the rest"),
    "worse": N_("worse than the rest"),
    "same": N_("no clear difference"),
    None: N_("not compared"),
}
# Two short lines: a chart's notes do not wrap, and a phone's plot is about 350 px wide.
VERDICT_NOTES: Final = (
    N_("Blue: better than the rest; orange: worse;"),
    N_("grey: no clear difference (BH over the release, q = .05)."),
)


@pinned_numbers()
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
    title = title or _("%(index)s index by team", index=family_label)
    labels = hidden_labels(k)
    verdicts = {verdict: _(words) for verdict, words in VERDICT_WORDS.items()}
    rows = _best_first(rows, desirable)
    shown = [(i, row, row.estimate) for i, row in enumerate(rows) if row.estimate is not None]
    figure = chart.row_bars(
        title,
        [row.label for row in rows],
        _verdict_bars(shown, family_label, scale, verdicts),
        gaps=[(i, labels[row.reason]) for i, row in enumerate(rows) if row.estimate is None],
        gap_x=low,
        reference=None
        if organisation is None
        else (organisation.value, _("Organisation %(mean)s", mean=number(organisation.value))),
        xaxis={
            "title": {
                "text": _(
                    "%(index)s index (%(scale)s, %(direction)s)",
                    index=plain(family_label),
                    scale=f"{number(low, 0)}{EN_DASH}{number(high, 0)}",
                    direction=direction(desirable),
                )
            },
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        notes=[_(note) for note in VERDICT_NOTES] if shown else [],
    )
    table_rows = [
        (
            *_estimate_row(row.label, row.estimate, labels[row.reason]),
            "" if row.estimate is None else verdicts[row.verdict],
        )
        for row in rows
    ]
    if organisation is not None:
        table_rows.append((*_estimate_row(_(ORGANISATION), organisation, labels[None]), ""))
    description = _bars_description(rows, shown, family_label, labels, organisation, desirable)
    columns = (_("Team"), family_label, _("95% CI"), _("Responses"), _("Compared with the rest"))
    return ChartSpec(figure, title, description, DataTable(columns, tuple(table_rows)))


_ShownBar = tuple[int, GroupBar, Estimate]


def _verdict_bars(
    shown: Sequence[_ShownBar],
    family_label: str,
    scale: tuple[float, float],
    verdicts: Mapping[Verdict | None, str],
) -> dict[str, Any]:
    """The bar trace's own part: one bar per shown team, coloured by its verdict (`verdicts`:
    each verdict in words, in the reader's language)."""
    compared = _("Compared with the rest")
    return {
        "x": [e.value for _other, _more, e in shown],
        "y": [i for i, _other, _more in shown],
        "marker": {"color": [VERDICT_COLOURS[row.verdict] for _other, row, _more in shown]},
        "error_x": chart.error_bars([e for _other, _more, e in shown], clip=scale),
        "hovertext": [
            hover(
                row.label,
                {
                    family_label: with_interval(e),
                    COUNT_FIELD: e.n,
                    compared: verdicts[row.verdict],
                },
            )
            for _other, row, e in shown
        ],
        "hovertemplate": HOVER_TEMPLATE,
        "name": plain(family_label),
    }


def _bars_description(
    rows: Sequence[GroupBar],
    shown: Sequence[_ShownBar],
    family_label: str,
    labels: Mapping[HiddenReason | None, str],
    organisation: Estimate | None,
    desirable: Desirable,
) -> str:
    verdicts = Counter(row.verdict for _row, row, _e in shown)
    first = (
        _(
            "%(index)s index per team (%(direction)s), best first, with 95%% confidence intervals.",
            index=family_label,
            direction=direction(desirable),
        )
        if organisation is None
        else _(
            "%(index)s index per team (%(direction)s), best first, with 95%% confidence "
            "intervals; the dashed line is the whole organisation (%(mean)s).",
            index=family_label,
            direction=direction(desirable),
            mean=number(organisation.value),
        )
    )
    return (
        first
        + " "
        + ngettext(
            "%(num)d team shown: %(better)s better than the rest of the organisation, "
            "%(worse)s worse, the others without a clear difference.",
            "%(num)d teams shown: %(better)s better than the rest of the organisation, "
            "%(worse)s worse, the others without a clear difference.",
            len(shown),
            better=verdicts["better"],
            worse=verdicts["worse"],
        )
        + _hidden_teams({row.label: labels[row.reason] for row in rows if row.estimate is None})
        + _most_favourable([(row.label, e) for _other, row, e in shown], desirable)
    )


def _best_first(rows: Sequence[GroupBar], desirable: Desirable) -> list[GroupBar]:
    """Shown teams from the most to the least favourable index, hidden ones after them in
    their given order."""
    sign = -1.0 if desirable == "high" else 1.0
    shown = [row for row in rows if row.estimate is not None]
    shown.sort(key=lambda row: sign * row.estimate.value if row.estimate else 0.0)
    return shown + [row for row in rows if row.estimate is None]


def _most_favourable(shown: Sequence[tuple[str, Estimate]], desirable: Desirable) -> str:
    """The description's last sentence: the team with the best index ("" without one)."""
    if not shown:
        return ""
    best = max if desirable == "high" else min
    top, e = best(shown, key=lambda bar: bar[1].value)
    return " " + _("Most favourable: %(team)s (%(mean)s).", team=top, mean=number(e.value))


def _estimate_row(name: str, e: Estimate | None, hidden: str) -> tuple[str, ...]:
    if e is None:
        return (name, hidden, "", "")
    return (name, number(e.value), interval(e), count_text(e.n))
