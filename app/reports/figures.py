"""Plotly figures of the HR reports (pure: plotly and the standard library only).

Inputs are the plain dataclasses of this module: numbers, labels and flags that have already
passed disclosure control (privacy.py) and statistics (stats.py). This module imports
neither: the adapters ``Estimate.from_mean_ci`` and friends read attributes only.

* A hidden group is passed *as hidden* (``hidden=True``, or :data:`HIDDEN` in a series) and
  carries no numbers: the dataclasses refuse a hidden group with a number, so a figure cannot
  show one by mistake. Hidden groups are drawn as a labelled gap ("fewer than k*"), never as
  zero, and every hidden group has the same label (see privacy.footnote).
* Every function returns a :class:`ChartSpec`: the figure plus a title, a description (the
  text alternative) and a data table for the page. Those three are *raw* text: the template
  escapes them (charts.html). Inside the figure every text that can come from users (team,
  level, wave, item and dimension labels, caller-supplied titles) goes through :func:`plain`,
  because Plotly renders a subset of HTML in titles, tick labels, text, hover text, legend
  names and annotations. Our own markup (``<br>``, ``<b>``) is added after escaping.
* Colours: the Okabe-Ito palette and a blue (better) / orange (worse) diverging scale, both
  safe for the common colour-vision deficiencies; meaning never rests on colour alone
  (text, symbols and the data table carry it too).
"""

from __future__ import annotations

import enum
import html
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, TypeAlias

import plotly.graph_objects as go

__all__ = [
    "DEFAULT_SCALE_LABELS",
    "HIDDEN",
    "PLOTLY_CONFIG",
    "ChartSpec",
    "DataTable",
    "Desirable",
    "DifferenceCell",
    "Dimension",
    "Estimate",
    "GroupBar",
    "Hidden",
    "ItemDistribution",
    "RateRow",
    "ReliabilityRow",
    "Series",
    "SeriesValue",
    "TeamPoint",
    "difference_heatmap",
    "diverging_items",
    "family_bars",
    "hidden_label",
    "plain",
    "quadrant_map",
    "reliability_chart",
    "response_rate_bars",
    "standpoint_gap",
    "trend_lines",
    "wrap_label",
]

Desirable: TypeAlias = Literal["high", "low"]
"""Which end of a scale is good: ``"high"`` for mutuality and outcomes, ``"low"`` for
power-over."""

# --------------------------------------------------------------------------------------------
# Colours and shared styling

INK: Final = "#1d2430"
MUTED: Final = "#5a6472"
GRID: Final = "#e5e7eb"
LINE: Final = "#c3c8d0"
SUPPRESSED: Final = "#c8c8c8"  # suppressed heatmap cells: a neutral grey, not a scale colour

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
BLUE: Final = "#0072B2"
ORANGE: Final = "#D55E00"
AMBER: Final = "#E69F00"
GREEN: Final = "#009E73"
SKY: Final = "#56B4E9"
PURPLE: Final = "#CC79A7"
SERIES_COLOURS: Final = (BLUE, AMBER, GREEN, PURPLE, SKY, ORANGE, "#000000")

# Diverging blue (better) / orange (worse), ColorBrewer RdBu blues and PuOr oranges.
DIVERGING: Final = (
    (0.0, "#b35806"),
    (0.2, "#f1a340"),
    (0.4, "#fee0b6"),
    (0.5, "#f7f7f7"),
    (0.6, "#d1e5f0"),
    (0.8, "#67a9cf"),
    (1.0, "#2166ac"),
)
# Answer scale colours for the item bars: disagree orange, neutral grey, agree blue.
_SCALE_LOW: Final = ("#b35806", "#f1a340", "#fdd49e")
_SCALE_NEUTRAL: Final = "#d9d9d9"
_SCALE_HIGH: Final = ("#92c5de", "#4393c3", "#2166ac")

MINUS: Final = "\u2212"
EN_DASH: Final = "\u2013"

DEFAULT_SCALE_LABELS: Final = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)

PLOTLY_CONFIG: Final[Mapping[str, Any]] = {
    "displaylogo": False,
    "responsive": True,
    # plotly.js 4 shows a "Share chart..." button by default that uploads the figure's data
    # to cloud.plotly.com: never, for HR data (and no third-party requests at all).
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "showTips": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
"""The config every chart is drawn with (Plotly.newPlot's fourth argument)."""

_FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
_AXIS: Final[Mapping[str, Any]] = {
    "gridcolor": GRID,
    "linecolor": LINE,
    "zeroline": False,
    "automargin": True,
    "ticks": "",
}
# A small template of our own: the default "plotly" template adds about 7 kB to every figure.
_TEMPLATE: Final[Mapping[str, Any]] = {
    "layout": {
        "font": {"family": _FONT, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": list(SERIES_COLOURS),
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": LINE, "font": {"color": INK}},
        "xaxis": dict(_AXIS),
        "yaxis": dict(_AXIS),
        "legend": {"bgcolor": "rgba(255,255,255,0)"},
    }
}


# --------------------------------------------------------------------------------------------
# Escaping and formatting


def plain(text: object) -> str:
    """``text`` as literal text for any Plotly string: ``&``, ``<`` and ``>`` escaped.

    Plotly parses tags (``<b>``, ``<a href>``, ``<span style>`` ...) in every text it draws
    and decodes ``&amp;``, ``&lt;`` and ``&gt;`` inside text nodes only, so the reader sees
    exactly the original characters. Quotes are left alone: they are harmless once no tag can
    open, and Plotly would show ``&quot;`` literally. Line breaks become spaces.
    """
    return html.escape(str(text), quote=False).replace("\r", " ").replace("\n", " ")


def wrap_label(text: str, width: int = 28) -> str:
    """``text`` escaped with :func:`plain` and wrapped onto lines of about ``width``
    characters joined by ``<br>`` (our own markup, added after escaping)."""
    lines = textwrap.wrap(
        " ".join(str(text).split()), width, break_long_words=True, break_on_hyphens=True
    )
    return "<br>".join(plain(line) for line in lines) if lines else ""


def hidden_label(k: int) -> str:
    """The label of every hidden group (the same as privacy.Disclosed.label)."""
    return f"fewer than {_check_k(k)}*"


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    return k


def _num(x: float, digits: int = 2) -> str:
    text = f"{x:.{digits}f}"
    if float(text) == 0.0:
        text = f"{0.0:.{digits}f}"
    return text.replace("-", MINUS)


def _signed(x: float, digits: int = 2) -> str:
    text = f"{x:+.{digits}f}"
    if float(text) == 0.0:
        return f"{0.0:.{digits}f}"
    return text.replace("-", MINUS)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _percent(x: float) -> str:
    return f"{x:.0f}%"


def _direction(desirable: Desirable) -> str:
    return "higher is better" if desirable == "high" else "lower is better"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --------------------------------------------------------------------------------------------
# Inputs


class _MeanLike(Protocol):
    @property
    def n(self) -> int: ...
    @property
    def mean(self) -> float: ...
    @property
    def lower(self) -> float | None: ...
    @property
    def upper(self) -> float | None: ...


class _GLike(Protocol):
    @property
    def g(self) -> float: ...
    @property
    def lower(self) -> float: ...
    @property
    def upper(self) -> float: ...


class _AlphaLike(Protocol):
    @property
    def alpha(self) -> float: ...
    @property
    def lower(self) -> float: ...
    @property
    def upper(self) -> float: ...
    @property
    def n(self) -> int: ...


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _count(name: str, value: int | None, minimum: int = 0) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A shown number with its optional interval (both bounds or neither) and count."""

    value: float
    lower: float | None = None
    upper: float | None = None
    n: int | None = None

    def __post_init__(self) -> None:
        value = _finite("value", self.value)
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both interval bounds or neither")
        if self.lower is not None and self.upper is not None:
            lower, upper = _finite("lower", self.lower), _finite("upper", self.upper)
            slack = 1e-9 * max(1.0, abs(value))
            if not lower - slack <= value <= upper + slack:
                raise ValueError(f"interval [{lower}, {upper}] does not contain {value}")
        _count("n", self.n, minimum=1)

    @property
    def has_interval(self) -> bool:
        return self.lower is not None and self.upper is not None

    @classmethod
    def from_mean_ci(cls, ci: _MeanLike) -> Estimate:
        """From stats.MeanCI (or anything with ``mean``, ``lower``, ``upper``, ``n``)."""
        return cls(ci.mean, ci.lower, ci.upper, ci.n)

    @classmethod
    def from_hedges_g(cls, g: _GLike) -> Estimate:
        """From stats.HedgesG (``g`` with its interval)."""
        return cls(g.g, g.lower, g.upper)

    @classmethod
    def from_reliability(cls, r: _AlphaLike) -> Estimate:
        """From stats.Reliability (Cronbach's alpha with its Feldt interval)."""
        return cls(r.alpha, r.lower, r.upper, r.n)


class Hidden(enum.Enum):
    """The marker of a suppressed value in a :class:`Series`."""

    HIDDEN = "hidden"


HIDDEN: Final = Hidden.HIDDEN
"""A value withheld by disclosure control ("fewer than k*")."""

SeriesValue: TypeAlias = Estimate | Hidden | None
"""One point of a series: shown, :data:`HIDDEN`, or None (not available, e.g. an item whose
wording changed between waves)."""


def _shown_or_hidden(kind: str, hidden: bool, numbers: Mapping[str, object]) -> None:
    carried = [name for name, value in numbers.items() if value is not None]
    if hidden and carried:
        raise ValueError(f"a hidden {kind} carries no numbers (got {', '.join(carried)})")
    missing = [name for name, value in numbers.items() if value is None]
    if not hidden and missing:
        raise ValueError(f"a shown {kind} needs {', '.join(missing)}")


@dataclass(frozen=True, slots=True)
class TeamPoint:
    """A team on the quadrant map: both family indices and its response count, or hidden."""

    label: str
    mutuality: Estimate | None = None
    power_over: Estimate | None = None
    n: int | None = None
    hidden: bool = False

    def __post_init__(self) -> None:
        _shown_or_hidden(
            "team",
            self.hidden,
            {"mutuality": self.mutuality, "power_over": self.power_over, "n": self.n},
        )
        _count("n", self.n, minimum=1)


@dataclass(frozen=True, slots=True)
class GroupBar:
    """One bar (a team's index, with its interval and n), or a hidden group."""

    label: str
    estimate: Estimate | None = None
    hidden: bool = False

    def __post_init__(self) -> None:
        _shown_or_hidden("group", self.hidden, {"estimate": self.estimate})


@dataclass(frozen=True, slots=True)
class Dimension:
    """A column of the difference heatmap."""

    label: str
    desirable: Desirable = "high"

    def __post_init__(self) -> None:
        if self.desirable not in ("high", "low"):
            raise ValueError(f"desirable must be 'high' or 'low', got {self.desirable!r}")


@dataclass(frozen=True, slots=True)
class DifferenceCell:
    """A team x dimension cell: team mean minus the rest of the organisation (raw, not
    oriented), Hedges' g with its interval, the BH-adjusted p and the BH decision.

    ``g`` and ``p_adjusted`` may be None on a shown cell where the statistic is undefined
    (e.g. no variance); a hidden cell carries nothing.
    """

    difference: float | None = None
    g: Estimate | None = None
    p_adjusted: float | None = None
    flagged: bool = False
    hidden: bool = False

    def __post_init__(self) -> None:
        if self.hidden:
            _shown_or_hidden(
                "cell", True, {"difference": self.difference, "g": self.g, "p": self.p_adjusted}
            )
            if self.flagged:
                raise ValueError("a hidden cell cannot be flagged")
            return
        if self.difference is None:
            raise ValueError("a shown cell needs its difference")
        _finite("difference", self.difference)
        if self.p_adjusted is not None and not 0.0 <= _finite("p", self.p_adjusted) <= 1.0:
            raise ValueError(f"adjusted p must lie in [0, 1], got {self.p_adjusted!r}")
        if self.flagged and self.p_adjusted is None:
            raise ValueError("a flagged cell needs its adjusted p")


@dataclass(frozen=True, slots=True)
class ItemDistribution:
    """One item's answers per scale point, lowest point first ("prefer not to answer" is
    not a scale point and is left out), or a hidden item."""

    label: str
    counts: tuple[int, ...] | None = None
    desirable: Desirable = "high"
    hidden: bool = False

    def __post_init__(self) -> None:
        _shown_or_hidden("item", self.hidden, {"counts": self.counts})
        if self.counts is not None:
            for count in self.counts:
                _count("count", count)
            if sum(self.counts) == 0:
                raise ValueError("a shown item needs at least one answer")
        if self.desirable not in ("high", "low"):
            raise ValueError(f"desirable must be 'high' or 'low', got {self.desirable!r}")

    @property
    def n(self) -> int | None:
        return sum(self.counts) if self.counts is not None else None


@dataclass(frozen=True, slots=True)
class Series:
    """A line: one value per level (standpoint gap) or per wave (trends)."""

    label: str
    values: tuple[SeriesValue, ...]
    desirable: Desirable = "high"

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        for value in self.values:
            if not (value is None or value is HIDDEN or isinstance(value, Estimate)):
                raise TypeError(f"a series value is an Estimate, HIDDEN or None, not {value!r}")


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    """Cronbach's alpha of one dimension with its Feldt interval and n; ``alpha`` None
    when it was not computed (too few complete answers)."""

    label: str
    alpha: Estimate | None = None
    flagged: bool = False

    def __post_init__(self) -> None:
        if self.flagged and self.alpha is None:
            raise ValueError("only a computed alpha can be flagged")


@dataclass(frozen=True, slots=True)
class RateRow:
    """A team's response rate: ``invited`` is always shown; ``responded`` only when the
    group is not hidden."""

    label: str
    invited: int
    responded: int | None = None
    hidden: bool = False

    def __post_init__(self) -> None:
        _count("invited", self.invited)
        _shown_or_hidden("group", self.hidden, {"responded": self.responded})
        _count("responded", self.responded)
        if self.responded is not None and self.responded > self.invited:
            raise ValueError("more responses than invitations")

    @property
    def rate(self) -> float | None:
        if self.responded is None or self.invited == 0:
            return None
        return self.responded / self.invited


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class DataTable:
    """The figure's numbers as a table: the first cell of each row is its row header.
    Raw text (the template escapes it)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} has {len(row)} cells, not {len(self.columns)}")


@dataclass(frozen=True, slots=True, eq=False)
class ChartSpec:
    """A figure ready for ``macros/charts.html``: the Plotly figure, its title and text
    description (the text alternative) and its data table. ``title``, ``description`` and
    the table are raw text; only the figure holds escaped text."""

    figure: go.Figure
    title: str
    description: str
    table: DataTable
    config: Mapping[str, Any] = field(default_factory=lambda: dict(PLOTLY_CONFIG))

    def payload(self) -> dict[str, Any]:
        """``{"data", "layout", "config"}`` as plain JSON values (Plotly's own encoder; no
        NaN), for ``|tojson`` in the template."""
        figure: dict[str, Any] = json.loads(self.figure.to_json())
        return {
            "data": figure.get("data", []),
            "layout": figure.get("layout", {}),
            "config": dict(self.config),
        }


# --------------------------------------------------------------------------------------------
# Shared building blocks


def _layout(title: str, *, height: int, notes: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
    """The common layout: our template, the (escaped) title, ``notes`` as its subtitle (our
    own text: escape user parts before) and a top margin that fits them."""
    title_spec: dict[str, Any] = {
        "text": plain(title),
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 12},
        "font": {"size": 16},
    }
    if notes:
        title_spec["subtitle"] = {"text": "<br>".join(notes), "font": {"size": 12, "color": MUTED}}
    layout: dict[str, Any] = {
        "template": _TEMPLATE,
        "title": title_spec,
        "height": height + 17 * len(notes),
        "margin": {"l": 16, "r": 24, "t": 56 + 17 * len(notes), "b": 16},
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def _category_axis(labels: Sequence[str], *, width: int = 28) -> dict[str, Any]:
    """A numeric axis whose ticks are the (escaped, wrapped) labels, first label at the top.

    Positions instead of category values: two teams may share a name, and a fixed range
    keeps room for hidden rows that have no bar.
    """
    count = len(labels)
    return {
        "tickmode": "array",
        "tickvals": list(range(count)),
        "ticktext": [wrap_label(label, width) for label in labels],
        "range": [count - 0.5, -0.5] if count else [0.5, -0.5],
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
    }


def _error(
    estimates: Sequence[Estimate], *, clip: tuple[float, float] | None = None
) -> dict[str, Any]:
    plus: list[float] = []
    minus: list[float] = []
    for e in estimates:
        if e.lower is None or e.upper is None:
            plus.append(0.0)
            minus.append(0.0)
            continue
        lower, upper = e.lower, e.upper
        if clip is not None:
            lower, upper = max(lower, clip[0]), min(upper, clip[1])
        plus.append(max(0.0, upper - e.value))
        minus.append(max(0.0, e.value - lower))
    return {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": INK,
        "thickness": 1.5,
        "width": 4,
        "visible": True,
    }


def _with_ci(e: Estimate, digits: int = 2) -> str:
    if e.lower is None or e.upper is None:
        return _num(e.value, digits)
    return f"{_num(e.value, digits)} [{_num(e.lower, digits)}, {_num(e.upper, digits)}]"


def _ci_text(e: Estimate, digits: int = 2) -> str:
    if e.lower is None or e.upper is None:
        return ""
    return f"{_num(e.lower, digits)}{EN_DASH}{_num(e.upper, digits)}"


def _gap_label(text: str, x: float, y: float, *, xanchor: str = "left") -> dict[str, Any]:
    """The label drawn where a hidden group's mark would be."""
    return {
        "text": f"<i>{text}</i>",
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "y",
        "xanchor": xanchor,
        "showarrow": False,
        "font": {"size": 12, "color": MUTED},
    }


def _vline(x: float, *, dash: str = "dash", color: str = INK) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": "x",
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "width": 1.5, "dash": dash},
        "layer": "above",
    }


def _top_label(text: str, x: float) -> dict[str, Any]:
    return {
        "text": text,
        "x": x,
        "xref": "x",
        "yref": "paper",
        "y": 1,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 12, "color": INK},
    }


def _empty_note(layout: dict[str, Any]) -> None:
    layout.setdefault("annotations", []).append(
        {
            "text": "Nothing to show.",
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"color": MUTED},
        }
    )


def _rows_height(rows: int, *, per_row: int = 30, base: int = 150) -> int:
    return base + per_row * max(rows, 1)


def _hidden_sentence(count: int, k: int, one: str, many: str) -> str:
    if not count:
        return ""
    return f" {_plural(count, one, many)} hidden ({hidden_label(k)})."


# --------------------------------------------------------------------------------------------
# The quadrant map


def _side(value: float, midpoint: float) -> str:
    if value > midpoint:
        return "High"
    if value < midpoint:
        return "Low"
    return "Mid"


def _quadrant(x: float, y: float, midpoint: float) -> str:
    return f"{_side(x, midpoint)} mutuality, {_side(y, midpoint).lower()} power-over"


def quadrant_map(
    points: Sequence[TeamPoint],
    *,
    x_title: str,
    y_title: str,
    k: int,
    midpoint: float = 3.0,
    error_bars: bool = True,
    show_labels: bool | None = None,
    x_name: str = "Mutuality",
    y_name: str = "Power-over",
    title: str = "Mutuality and power-over by team",
) -> ChartSpec:
    """One bubble per team: across the mutuality index (1-5, higher is better), up the
    power-over index (1-5, higher is worse); bubble area by n; optional 95% intervals; the
    four quadrants named at ``midpoint``; a note says how many teams are hidden.

    Team names are written next to the bubbles when ``show_labels`` (default: 12 teams or
    fewer); they are always in the hover and the table.
    """
    _check_k(k)
    midpoint = _finite("midpoint", midpoint)
    if not 1.0 < midpoint < 5.0:
        raise ValueError("the midpoint must lie inside the 1-5 scale")
    shown = [p for p in points if not p.hidden]
    hidden = [p for p in points if p.hidden]
    if show_labels is None:
        show_labels = len(shown) <= 12
    xs = [p.mutuality for p in shown if p.mutuality is not None]
    ys = [p.power_over for p in shown if p.power_over is not None]
    ns = [p.n for p in shown if p.n is not None]
    max_n = max(ns, default=1)
    max_diameter = 44
    trace: dict[str, Any] = {
        "type": "scatter",
        "x": [e.value for e in xs],
        "y": [e.value for e in ys],
        "mode": "markers+text" if show_labels else "markers",
        "text": [wrap_label(p.label, 22) for p in shown] if show_labels else None,
        "textposition": "top center",
        "textfont": {"size": 11, "color": INK},
        "marker": {
            "size": ns,
            "sizemode": "area",
            "sizeref": 2.0 * max_n / (max_diameter**2),
            "sizemin": 6,
            "color": BLUE,
            "opacity": 0.65,
            "line": {"color": "#ffffff", "width": 1},
        },
        "customdata": [
            [plain(p.label), _with_ci(x), _with_ci(y), str(p.n), plain(x_name), plain(y_name)]
            for p, x, y in zip(shown, xs, ys, strict=True)
        ],
        # Labels travel in customdata: text inside a hovertemplate would be a template.
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[4]}: %{customdata[1]}"
        "<br>%{customdata[5]}: %{customdata[2]}<br>n = %{customdata[3]}<extra></extra>",
        "cliponaxis": False,
        "name": "Teams",
    }
    if error_bars:
        trace["error_x"] = _error(xs, clip=(1.0, 5.0))
        trace["error_y"] = _error(ys, clip=(1.0, 5.0))
        trace["error_x"]["color"] = trace["error_y"]["color"] = MUTED
    quadrants = [
        # (x, y, anchor x, anchor y, text, fill)
        (5, 1, "right", "bottom", "High mutuality, low power-over", "rgba(33,102,172,0.08)"),
        (5, 5, "right", "top", "High mutuality, high power-over", None),
        (1, 5, "left", "top", "Low mutuality, high power-over", "rgba(179,88,6,0.08)"),
        (1, 1, "left", "bottom", "Low mutuality, low power-over", None),
    ]
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for qx, qy, ax, ay, text, fill in quadrants:
        if fill is not None:
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": midpoint,
                    "x1": qx,
                    "y0": midpoint,
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
    shapes.append(
        {"type": "line", "x0": midpoint, "x1": midpoint, "y0": 1, "y1": 5, "line": midline}
    )
    shapes.append(
        {"type": "line", "x0": 1, "x1": 5, "y0": midpoint, "y1": midpoint, "line": midline}
    )
    layout = _layout(
        title,
        height=560,
        notes=[f"{_plural(len(hidden), 'team', 'teams')} not shown: {hidden_label(k)}"]
        if hidden
        else [],
        xaxis={"title": {"text": plain(x_title)}, "range": [1, 5], "dtick": 1},
        yaxis={"title": {"text": plain(y_title)}, "range": [1, 5], "dtick": 1},
        shapes=shapes,
        annotations=annotations,
    )
    if not points:
        _empty_note(layout)
    figure = go.Figure(data=[trace], layout=layout)

    label = hidden_label(k)
    rows: list[tuple[str, ...]] = []
    counts: dict[str, int] = {}
    for p, x, y in zip(shown, xs, ys, strict=True):
        quadrant = _quadrant(x.value, y.value, midpoint)
        counts[quadrant] = counts.get(quadrant, 0) + 1
        rows.append(
            (p.label, _num(x.value), _ci_text(x), _num(y.value), _ci_text(y), str(p.n), quadrant)
        )
    rows.extend((p.label, label, "", "", "", "", "") for p in hidden)
    where = "; ".join(
        f"{_plural(count, 'team', 'teams')} {name.lower()}" for name, count in counts.items()
    )
    description = (
        f"Each bubble is a team: across, {x_title}; up, {y_title}. Bubble area shows the "
        "number of responses"
        + (", lines the 95% confidence intervals" if error_bars else "")
        + f". The lines cross at {_num(midpoint, 1)}; the lower right is high mutuality "
        f"with low power-over. {_plural(len(shown), 'team', 'teams')} shown"
        + (f": {where}." if where else ".")
        + _hidden_sentence(len(hidden), k, "team", "teams")
    )
    table = DataTable(
        (
            "Team",
            x_name,
            f"{x_name} 95% CI",
            y_name,
            f"{y_name} 95% CI",
            "Responses",
            "Quadrant",
        ),
        tuple(rows),
    )
    return ChartSpec(figure, title, description, table)


# --------------------------------------------------------------------------------------------
# Family bars


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
    """Horizontal bars of a family index per team with 95% intervals, the organisation as a
    dashed reference line, hidden teams as a labelled gap."""
    _check_k(k)
    low, high = scale
    title = title or f"{family_label} index by team"
    direction = _direction(desirable)
    positions = {id(row): i for i, row in enumerate(rows)}
    shown = [row for row in rows if row.estimate is not None]
    estimates = [row.estimate for row in shown if row.estimate is not None]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [e.value for e in estimates],
        "y": [positions[id(row)] for row in shown],
        "marker": {"color": BLUE},
        "error_x": _error(estimates, clip=scale),
        "customdata": [
            [plain(row.label), _with_ci(e), "" if e.n is None else str(e.n), plain(family_label)]
            for row, e in zip(shown, estimates, strict=True)
        ],
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[3]}: %{customdata[1]}"
        "<br>n = %{customdata[2]}<extra></extra>",
        "name": plain(family_label),
    }
    label = hidden_label(k)
    annotations = [
        _gap_label(label, low, positions[id(row)]) for row in rows if row.estimate is None
    ]
    shapes = []
    if organisation is not None:
        shapes.append(_vline(organisation.value))
        annotations.append(
            _top_label(f"Organisation {_num(organisation.value)}", organisation.value)
        )
    layout = _layout(
        title,
        height=_rows_height(len(rows)),
        xaxis={
            "title": {
                "text": f"{plain(family_label)} index ({_num(low, 0)}{EN_DASH}"
                f"{_num(high, 0)}, {direction})"
            },
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        yaxis=_category_axis([row.label for row in rows]),
        shapes=shapes,
        annotations=annotations,
        bargap=0.35,
    )
    if not rows:
        _empty_note(layout)
    figure = go.Figure(data=[trace], layout=layout)

    table_rows: list[tuple[str, ...]] = []
    for row in rows:
        e = row.estimate
        if e is None:
            table_rows.append((row.label, label, "", ""))
        else:
            table_rows.append(
                (row.label, _num(e.value), _ci_text(e), "" if e.n is None else str(e.n))
            )
    if organisation is not None:
        o = organisation
        table_rows.append(
            ("Whole organisation", _num(o.value), _ci_text(o), "" if o.n is None else str(o.n))
        )
    hidden_count = sum(1 for row in rows if row.estimate is None)
    description = (
        f"{family_label} index per team ({direction}), with 95% confidence intervals"
        + (
            f"; the dashed line is the whole organisation ({_num(organisation.value)})"
            if organisation is not None
            else ""
        )
        + f". {_plural(len(shown), 'team', 'teams')} shown."
        + _hidden_sentence(hidden_count, k, "team", "teams")
    )
    if estimates:
        best = max if desirable == "high" else min
        top = best(zip(shown, estimates, strict=True), key=lambda pair: pair[1].value)
        description += f" Most favourable: {top[0].label} ({_num(top[1].value)})."
    table = DataTable(("Team", family_label, "95% CI", "Responses"), tuple(table_rows))
    return ChartSpec(figure, title, description, table)


# --------------------------------------------------------------------------------------------
# Difference heatmap


def difference_heatmap(
    teams: Sequence[str],
    dimensions: Sequence[Dimension],
    cells: Sequence[Sequence[DifferenceCell]],
    *,
    k: int,
    q: float = 0.05,
    limit: float | None = None,
    title: str = "Each team compared with the rest of the organisation",
) -> ChartSpec:
    """Team x dimension heatmap of (team mean - rest of the organisation).

    The colour is *oriented*: blue is better than the rest, orange worse, for both families
    (a negative power-over difference is blue); the cell text and the hover show the raw
    difference. Cells flagged by Benjamini-Hochberg are bold with a "•"; suppressed cells
    are grey with the hidden label. The colour range is symmetric: ``limit`` or the largest
    absolute difference (at least 0.25).
    """
    _check_k(k)
    if len(cells) != len(teams) or any(len(row) != len(dimensions) for row in cells):
        raise ValueError("cells must have one row per team and one cell per dimension")
    label = hidden_label(k)
    signs = [1.0 if d.desirable == "high" else -1.0 for d in dimensions]
    z: list[list[float | None]] = []
    z_hidden: list[list[float | None]] = []
    text: list[list[str]] = []
    hidden_text: list[list[str]] = []
    custom: list[list[list[str]]] = []
    rows: list[tuple[str, ...]] = []
    flagged = shown = hidden = 0
    for team, row in zip(teams, cells, strict=True):
        z_row: list[float | None] = []
        hidden_row: list[float | None] = []
        text_row: list[str] = []
        hidden_text_row: list[str] = []
        custom_row: list[list[str]] = []
        # The table has one row per team (a cell per dimension): 200 teams make 200 rows,
        # not 2,600; Hedges' g and adjusted p are in the hover and on each team's page.
        table_row: list[str] = [team]
        for dimension, sign, cell in zip(dimensions, signs, row, strict=True):
            names = [plain(team), plain(dimension.label)]
            if cell.hidden or cell.difference is None:
                hidden += 1
                z_row.append(None)
                hidden_row.append(0.0)
                text_row.append("")
                # The cell is narrow: a short mark in it, the full label in the hover,
                # the legend note and the table.
                hidden_text_row.append(plain(f"<{k}*"))
                custom_row.append([*names, label, "", "", ""])
                table_row.append(label)
                continue
            shown += 1
            difference = cell.difference
            g = _with_ci(cell.g) if cell.g is not None else "not defined"
            p = _p(cell.p_adjusted) if cell.p_adjusted is not None else "not defined"
            z_row.append(sign * difference)
            hidden_row.append(None)
            hidden_text_row.append("")
            if cell.flagged:
                flagged += 1
                text_row.append(f"<b>{_signed(difference)} •</b>")
            else:
                text_row.append(_signed(difference))
            mark = " • significant" if cell.flagged else ""
            custom_row.append([*names, _signed(difference), g, plain(p), mark])
            table_row.append(_signed(difference) + (" •" if cell.flagged else ""))
        rows.append(tuple(table_row))
        z.append(z_row)
        z_hidden.append(hidden_row)
        text.append(text_row)
        hidden_text.append(hidden_text_row)
        custom.append(custom_row)
    extent = max((abs(v) for row in z for v in row if v is not None), default=0.0)
    bound = _finite("limit", limit) if limit is not None else max(0.25, extent)
    if bound <= 0:
        raise ValueError("limit must be positive")
    x = list(range(len(dimensions)))
    y = list(range(len(teams)))
    values = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "z": z,
        "zmin": -bound,
        "zmax": bound,
        "colorscale": [list(stop) for stop in DIVERGING],
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "customdata": custom,
        "hovertemplate": (
            "<b>%{customdata[0]}</b><br>%{customdata[1]}"
            "<br>Difference from the rest: %{customdata[2]}%{customdata[5]}"
            "<br>Hedges' g [95% CI]: %{customdata[3]}"
            "<br>Adjusted p (BH): %{customdata[4]}<extra></extra>"
        ),
        "hoverongaps": False,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {
            "title": {"text": "Compared with<br>the rest", "side": "top"},
            "tickmode": "array",
            "tickvals": [-bound, 0, bound],
            "ticktext": ["worse", "same", "better"],
            "thickness": 14,
            "len": 0.8,
        },
        "name": "Difference",
    }
    suppressed = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "z": z_hidden,
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, SUPPRESSED], [1, SUPPRESSED]],
        "showscale": False,
        "text": hidden_text,
        "texttemplate": "%{text}",
        "textfont": {"size": 11, "color": INK},
        "customdata": custom,
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}"
        "<extra></extra>",
        "hoverongaps": False,
        "xgap": 2,
        "ygap": 2,
        "name": "Suppressed",
    }
    notes = [
        "Blue: better than the rest of the organisation; orange: worse "
        "(for power-over, lower is better).",
        f"Numbers: difference from the rest on the 1{EN_DASH}5 scale; <b>bold •</b>: "
        f"significant after Benjamini{EN_DASH}Hochberg adjustment (q = {q:g}).",
    ]
    if hidden:
        notes.append(f"Grey: {label}")
    layout = _layout(
        title,
        height=_rows_height(len(teams), per_row=40, base=170),
        notes=notes,
        xaxis={
            **_category_axis([d.label for d in dimensions], width=16),
            "range": [-0.5, len(dimensions) - 0.5],
        },
        yaxis=_category_axis(teams),
    )
    if not teams or not dimensions:
        _empty_note(layout)
    figure = go.Figure(data=[values, suppressed], layout=layout)
    description = (
        f"Difference between each team and the rest of the organisation, for "
        f"{_plural(len(teams), 'team', 'teams')} and "
        f"{_plural(len(dimensions), 'dimension', 'dimensions')}. Blue cells are better "
        "than the rest, orange cells worse (for power-over dimensions a lower score is "
        f"better); the number is the raw difference. {_plural(flagged, 'cell', 'cells')} "
        f"of {shown} shown stand out after Benjamini{EN_DASH}Hochberg adjustment "
        f"(q = {q:g})." + _hidden_sentence(hidden, k, "cell", "cells")
    )
    table = DataTable(("Team", *(d.label for d in dimensions)), tuple(rows))
    description += " The table gives each difference from the rest; • marks the significant ones."
    return ChartSpec(figure, title, description, table)


# --------------------------------------------------------------------------------------------
# Diverging stacked item bars


def _favourable(item: ItemDistribution) -> float:
    counts = item.counts or ()
    total = sum(counts)
    half = len(counts) // 2
    good = counts[len(counts) - half :] if item.desirable == "high" else counts[:half]
    return 100.0 * sum(good) / total


def diverging_items(
    items: Sequence[ItemDistribution],
    *,
    k: int,
    scale_labels: Sequence[str] = DEFAULT_SCALE_LABELS,
    wrap: int = 44,
    title: str = "Answers to each item",
) -> ChartSpec:
    """Diverging stacked bars per item: the percent of answers on each scale point, disagree
    to the left of 0, agree to the right, the neutral point split around 0; the percent
    favourable (agree for mutuality and outcomes, disagree for power-over) at the right."""
    _check_k(k)
    points = len(scale_labels)
    if points < 2:
        raise ValueError("a scale has at least two points")
    for item in items:
        if item.counts is not None and len(item.counts) != points:
            raise ValueError(f"item {item.label!r}: {len(item.counts)} counts for {points} points")
    half = points // 2
    neutral = half if points % 2 else None
    shown = [(i, item) for i, item in enumerate(items) if item.counts is not None]
    colours = _scale_colours(points)

    def percents(point: int) -> list[float]:
        return [100.0 * (item.counts or ())[point] / (item.n or 1) for _, item in shown]

    def bar(point: int, sign: float, share: float, legend: bool) -> dict[str, Any]:
        values = percents(point)
        return {
            "type": "bar",
            "orientation": "h",
            "x": [sign * share * v for v in values],
            "y": [i for i, _ in shown],
            "name": plain(scale_labels[point]),
            "legendgroup": f"point{point}",
            "legendrank": point + 1,
            "showlegend": legend,
            "marker": {"color": colours[point], "line": {"color": "#ffffff", "width": 0.5}},
            "customdata": [
                [plain(item.label), plain(scale_labels[point]), _percent(v)]
                for (_, item), v in zip(shown, values, strict=True)
            ],
            "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]}"
            "<extra></extra>",
        }

    traces: list[dict[str, Any]] = []
    # Bars of one sign stack outwards from 0 in trace order: the neutral halves first.
    if neutral is not None:
        traces.append(bar(neutral, -1.0, 0.5, True))
        traces.append(bar(neutral, 1.0, 0.5, False))
    traces.extend(bar(point, -1.0, 1.0, True) for point in reversed(range(half)))
    traces.extend(bar(point, 1.0, 1.0, True) for point in range(points - half, points))

    label = hidden_label(k)
    annotations: list[dict[str, Any]] = [
        {
            "text": "<b>Favourable</b>",
            "xref": "paper",
            "yref": "paper",
            "x": 1.0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 12},
        }
    ]
    table_rows: list[tuple[str, ...]] = []
    for i, item in enumerate(items):
        if item.counts is None:
            annotations.append(_gap_label(label, 0, i, xanchor="center"))
            table_rows.append((item.label, label, *([""] * points), ""))
            continue
        favourable = _favourable(item)
        annotations.append(
            {
                "text": _percent(favourable),
                "xref": "paper",
                "yref": "y",
                "x": 1.0,
                "y": i,
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
        n = item.n or 1
        table_rows.append(
            (
                item.label,
                str(item.n),
                *(_percent(100.0 * c / n) for c in item.counts),
                _percent(favourable),
            )
        )
    layout = _layout(
        title,
        height=_rows_height(len(items), per_row=44, base=190),
        barmode="relative",
        bargap=0.3,
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        xaxis={
            "range": [-100, 100],
            "tickmode": "array",
            "tickvals": [-100, -50, 0, 50, 100],
            "ticktext": ["100%", "50%", "0", "50%", "100%"],
            "title": {"text": f"Percent of answers: disagree {EN_DASH} agree"},
            "zeroline": True,
            "zerolinecolor": INK,
            "fixedrange": True,
        },
        yaxis=_category_axis([item.label for item in items], width=wrap),
        annotations=annotations,
        margin={"l": 16, "r": 96, "t": 96, "b": 16},
    )
    if not items:
        _empty_note(layout)
    figure = go.Figure(data=traces, layout=layout)
    hidden_count = len(items) - len(shown)
    description = (
        "For each item, the share of answers on each point of the scale: disagreement to the "
        "left of the centre line, agreement to the right, the neutral answer split across "
        "it. The number at the right is the percent favourable (agreement for mutuality and "
        "outcome items, disagreement for power-over items). 'Prefer not to answer' is not "
        f"counted. {_plural(len(shown), 'item', 'items')} shown."
        + _hidden_sentence(hidden_count, k, "item", "items")
    )
    table = DataTable(
        ("Item", "Answers", *scale_labels, "Favourable"),
        tuple(table_rows),
    )
    return ChartSpec(figure, title, description, table)


def _scale_colours(points: int) -> list[str]:
    """Lowest point darkest orange ... neutral grey ... highest point darkest blue."""
    half = points // 2
    extra = max(0, half - len(_SCALE_LOW))
    low = list(_SCALE_LOW[:half]) + [_SCALE_LOW[-1]] * extra
    high = [_SCALE_HIGH[0]] * extra + list(_SCALE_HIGH[len(_SCALE_HIGH) - min(half, 3) :])
    return low + ([_SCALE_NEUTRAL] if points % 2 else []) + high


# --------------------------------------------------------------------------------------------
# Lines: standpoint gap and trends


def _series_traces(
    series: Sequence[Series], positions: Sequence[str], axis_name: str, *, dodge: float = 0.06
) -> list[dict[str, Any]]:
    traces = []
    count = len(series)
    for index, line in enumerate(series):
        if len(line.values) != len(positions):
            raise ValueError(
                f"series {line.label!r} has {len(line.values)} values for "
                f"{len(positions)} {axis_name}s"
            )
        offset = (index - (count - 1) / 2) * dodge
        xs: list[float] = []
        ys: list[float | None] = []
        estimates: list[Estimate] = []
        custom: list[list[str]] = []
        for position, value in enumerate(line.values):
            xs.append(position + offset)
            if isinstance(value, Estimate):
                ys.append(value.value)
                estimates.append(value)
                custom.append(
                    [
                        plain(line.label),
                        plain(positions[position]),
                        _with_ci(value),
                        "" if value.n is None else f"<br>n = {value.n}",
                    ]
                )
            else:
                ys.append(None)  # a gap in the line: hidden or not available
                estimates.append(Estimate(0.0))
                custom.append([plain(line.label), plain(positions[position]), "", ""])
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        symbol = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star")[index % 7]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": ys,
                "name": wrap_label(line.label, 24),
                "connectgaps": False,
                "line": {"color": colour, "width": 2.5},
                "marker": {"color": colour, "size": 9, "symbol": symbol},
                "error_y": {**_error(estimates), "color": colour},
                "customdata": custom,
                "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]}"
                "%{customdata[3]}<extra></extra>",
            }
        )
    return traces


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
            lines.append(
                label
                if len(hidden) == len(series)
                else "<br>".join(f"{plain(name)}: {label}" for name in hidden)
            )
        if missing:
            lines.append(
                "not available"
                if len(missing) == len(series)
                else "<br>".join(f"{plain(name)}: not available" for name in missing)
            )
        if lines:
            note = _gap_label("<br>".join(lines), position, y, xanchor="center")
            note["yanchor"] = "bottom"
            notes.append(note)
    return notes


def _cell(value: SeriesValue, k: int) -> str:
    if value is HIDDEN:
        return hidden_label(k)
    if isinstance(value, Estimate):
        return _with_ci(value)
    return "not available"


def standpoint_gap(
    levels: Sequence[str],
    families: Sequence[Series],
    *,
    k: int,
    gaps: Sequence[Estimate | None] | None = None,
    scale: tuple[float, float] = (1.0, 5.0),
    title: str = "The climate seen from each level",
) -> ChartSpec:
    """Each family index by level, from the bottom of the hierarchy (first level) to the top
    (last), with 95% intervals, and the gap top minus bottom per family.

    ``gaps`` (aligned with ``families``) are the gaps with their intervals from
    stats.standpoint_gap; without them the gap is top minus bottom, without an interval,
    when both ends are shown.
    """
    _check_k(k)
    if gaps is not None and len(gaps) != len(families):
        raise ValueError("give one gap per family")
    traces = _series_traces(families, levels, "level")
    low, high = scale
    gap_values: list[Estimate | None] = []
    for index, family in enumerate(families):
        gap = gaps[index] if gaps is not None else None
        ends = (family.values[0], family.values[-1]) if len(family.values) >= 2 else None
        both_shown = ends is not None and all(isinstance(end, Estimate) for end in ends)
        if gap is not None and not both_shown:
            raise ValueError(f"{family.label!r}: a gap needs its bottom and top levels shown")
        if gap is None and ends is not None and both_shown:
            bottom, top = ends
            if isinstance(bottom, Estimate) and isinstance(top, Estimate):
                gap = Estimate(top.value - bottom.value)
        gap_values.append(gap)
    annotations = _series_gap_labels(families, levels, k, low)
    gap_lines = [
        f"{plain(family.label)}: {_signed(gap.value)}"
        + (
            f" [{_signed(gap.lower)}, {_signed(gap.upper)}]"
            if gap.lower is not None and gap.upper is not None
            else ""
        )
        for family, gap in zip(families, gap_values, strict=True)
        if gap is not None
    ]
    notes = ["Gap, top minus bottom level:", *gap_lines] if gap_lines else []
    layout = _layout(
        title,
        height=440,
        notes=notes,
        showlegend=True,
        xaxis={
            **_category_axis(levels, width=18),
            "range": [-0.5, len(levels) - 0.5],
            "title": {"text": "Level, from the bottom of the hierarchy to the top"},
        },
        yaxis={
            "title": {"text": f"Index ({_num(low, 0)}{EN_DASH}{_num(high, 0)})"},
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        annotations=annotations,
    )
    if not levels or not families:
        _empty_note(layout)
    figure = go.Figure(data=traces, layout=layout)

    sentences = []
    for family, gap in zip(families, gap_values, strict=True):
        if gap is None:
            sentences.append(f"{family.label}: no gap (the top or bottom level is not shown).")
            continue
        name = f"{family.label} ({_direction(family.desirable)})"
        if _num(gap.value) == _num(0.0):
            sentences.append(f"{name}: the top and bottom levels score the same.")
            continue
        word = "higher" if gap.value > 0 else "lower"
        sentences.append(
            f"{name}: the top level scores {_num(abs(gap.value))} {word} than the bottom level"
            + (
                f" (95% CI {_signed(gap.lower)} to {_signed(gap.upper)})."
                if gap.lower is not None and gap.upper is not None
                else "."
            )
        )
    description = (
        "Family indices by level, from the bottom of the hierarchy to the top, with 95% "
        "confidence intervals. " + " ".join(sentences)
    )
    rows = []
    for family, gap in zip(families, gap_values, strict=True):
        gap_text = ""
        if gap is not None:
            gap_text = _signed(gap.value) + (
                f" [{_signed(gap.lower)}, {_signed(gap.upper)}]"
                if gap.lower is not None and gap.upper is not None
                else ""
            )
        rows.append((family.label, *(_cell(v, k) for v in family.values), gap_text))
    table = DataTable(("Family", *levels, "Gap (top minus bottom)"), tuple(rows))
    return ChartSpec(figure, title, description, table)


def trend_lines(
    waves: Sequence[str],
    series: Sequence[Series],
    *,
    k: int,
    y_title: str = "Index (1\u20135)",
    scale: tuple[float, float] = (1.0, 5.0),
    title: str = "Trends across waves",
) -> ChartSpec:
    """One line per index across the waves (oldest first) with 95% intervals; a hidden
    value is a labelled gap, a value that is not comparable across waves (None) a gap
    labelled "not available"."""
    _check_k(k)
    traces = _series_traces(series, waves, "wave", dodge=0.04)
    low, high = scale
    layout = _layout(
        title,
        height=420,
        showlegend=True,
        xaxis={
            **_category_axis(waves, width=16),
            "range": [-0.5, len(waves) - 0.5],
            "title": {"text": "Wave"},
        },
        yaxis={
            "title": {"text": plain(y_title)},
            "range": [low, high],
            "dtick": 1,
            "fixedrange": True,
        },
        annotations=_series_gap_labels(series, waves, k, low),
    )
    if not waves or not series:
        _empty_note(layout)
    figure = go.Figure(data=traces, layout=layout)
    sentences = []
    for line in series:
        name = f"{line.label} ({_direction(line.desirable)})"
        shown = [(w, v) for w, v in zip(waves, line.values, strict=True) if isinstance(v, Estimate)]
        if len(shown) >= 2:
            (first_wave, first), (last_wave, last) = shown[0], shown[-1]
            sentences.append(
                f"{name}: {_num(first.value)} in {first_wave}, {_num(last.value)} in "
                f"{last_wave} ({_signed(last.value - first.value)})."
            )
        elif shown:
            sentences.append(f"{name}: {_num(shown[0][1].value)} in {shown[0][0]} only.")
        else:
            sentences.append(f"{name}: no wave shown.")
    description = (
        f"Indices across {_plural(len(waves), 'wave', 'waves')}, oldest first, with 95% "
        "confidence intervals. " + " ".join(sentences)
    )
    rows = [(line.label, *(_cell(v, k) for v in line.values)) for line in series]
    table = DataTable(("Index", *waves), tuple(rows))
    return ChartSpec(figure, title, description, table)


# --------------------------------------------------------------------------------------------
# Reliability and response rates


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
    threshold = _finite("threshold", threshold)
    positions = {id(row): i for i, row in enumerate(rows)}
    computed = [row for row in rows if row.alpha is not None]
    lows = [
        row.alpha.lower for row in computed if row.alpha is not None and row.alpha.lower is not None
    ]
    left = min(0.0, math.floor(min([0.0, *lows]) * 10) / 10)

    def trace(group: list[ReliabilityRow], name: str, colour: str, symbol: str) -> dict[str, Any]:
        estimates = [row.alpha for row in group if row.alpha is not None]
        return {
            "type": "scatter",
            "mode": "markers",
            "x": [e.value for e in estimates],
            "y": [positions[id(row)] for row in group],
            "name": name,
            "marker": {"color": colour, "symbol": symbol, "size": 11},
            "error_x": {**_error(estimates, clip=(left, 1.0)), "color": colour},
            "customdata": [
                [plain(row.label), _with_ci(e), "" if e.n is None else str(e.n)]
                for row, e in zip(group, estimates, strict=True)
            ],
            "hovertemplate": "<b>%{customdata[0]}</b><br>alpha: %{customdata[1]}"
            "<br>n = %{customdata[2]}<extra></extra>",
        }

    ok = [row for row in computed if not row.flagged]
    low = [row for row in computed if row.flagged]
    traces = [
        trace(ok, f"alpha at or above {threshold:.2f}", BLUE, "circle"),
        trace(low, f"alpha below {threshold:.2f} (flagged)", ORANGE, "diamond"),
    ]
    annotations = [
        _gap_label(f"not computed (fewer than {min_n} complete answers)", left, positions[id(r)])
        for r in rows
        if r.alpha is None
    ]
    annotations.extend(
        {
            "text": "below",
            "x": row.alpha.value,
            "y": positions[id(row)],
            "xref": "x",
            "yref": "y",
            "yanchor": "bottom",
            "yshift": 6,
            "showarrow": False,
            "font": {"size": 11, "color": ORANGE},
        }
        for row in low
        if row.alpha is not None
    )
    annotations.append(_top_label(f"{threshold:.2f}", threshold))
    layout = _layout(
        title,
        height=_rows_height(len(rows), per_row=30, base=170),
        notes=[
            f'Dashed line: {threshold:.2f}. Orange diamonds marked "below": alpha below '
            f"{threshold:.2f} (flagged). Bars: 95% interval (Feldt)."
        ],
        xaxis={
            "title": {"text": "Cronbach's alpha with 95% interval (Feldt)"},
            "range": [left, 1.0],
            "fixedrange": True,
        },
        yaxis=_category_axis([row.label for row in rows]),
        shapes=[_vline(threshold, color=MUTED)],
        annotations=annotations,
    )
    if not rows:
        _empty_note(layout)
    figure = go.Figure(data=traces, layout=layout)
    table_rows = []
    for row in rows:
        if row.alpha is None:
            table_rows.append((row.label, f"not computed (n < {min_n})", "", "", ""))
            continue
        e = row.alpha
        table_rows.append(
            (
                row.label,
                _num(e.value),
                _ci_text(e),
                "" if e.n is None else str(e.n),
                "below" if row.flagged else "",
            )
        )
    description = (
        f"Cronbach's alpha for {_plural(len(rows), 'dimension', 'dimensions')} with Feldt 95% "
        f"intervals; the line marks {threshold:.2f}. "
        f"{_plural(len(low), 'dimension is', 'dimensions are')} flagged below {threshold:.2f}"
        + (": " + ", ".join(row.label for row in low) if low else "")
        + "."
        + (
            f" {_plural(len(rows) - len(computed), 'dimension', 'dimensions')} not computed "
            f"(fewer than {min_n} complete answers)."
            if len(rows) > len(computed)
            else ""
        )
    )
    table = DataTable(
        ("Dimension", "Alpha", "95% CI (Feldt)", "Complete answers", f"Below {threshold:.2f}"),
        tuple(table_rows),
    )
    return ChartSpec(figure, title, description, table)


def response_rate_bars(
    rows: Sequence[RateRow],
    *,
    k: int,
    organisation: RateRow | None = None,
    title: str = "Response rate by team",
) -> ChartSpec:
    """Response rate per team (percent of the invited who answered); the organisation's rate
    as a dashed line; hidden teams labelled, their invited count still in the table."""
    _check_k(k)
    label = hidden_label(k)
    positions = {id(row): i for i, row in enumerate(rows)}
    shown = [row for row in rows if row.rate is not None]
    rates = [100.0 * (row.rate or 0.0) for row in shown]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": rates,
        "y": [positions[id(row)] for row in shown],
        "marker": {"color": BLUE},
        "text": [_percent(rate) for rate in rates],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [
            [plain(row.label), _percent(rate), str(row.responded), str(row.invited)]
            for row, rate in zip(shown, rates, strict=True)
        ],
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]} "
        "(%{customdata[2]} of %{customdata[3]} invited)<extra></extra>",
        "name": "Response rate",
    }
    annotations = []
    for row in rows:
        if row.hidden:
            annotations.append(_gap_label(label, 0, positions[id(row)]))
        elif row.rate is None:
            annotations.append(_gap_label("no invitations", 0, positions[id(row)]))
    shapes = []
    if organisation is not None and organisation.rate is not None:
        org_rate = 100.0 * organisation.rate
        shapes.append(_vline(org_rate))
        annotations.append(_top_label(f"Organisation {_percent(org_rate)}", org_rate))
    layout = _layout(
        title,
        height=_rows_height(len(rows)),
        xaxis={
            "title": {"text": "Response rate (percent of invited)"},
            "range": [0, 100],
            "ticksuffix": "%",
            "fixedrange": True,
        },
        yaxis=_category_axis([row.label for row in rows]),
        shapes=shapes,
        annotations=annotations,
        bargap=0.35,
    )
    if not rows:
        _empty_note(layout)
    figure = go.Figure(data=[trace], layout=layout)

    def table_row(name: str, row: RateRow) -> tuple[str, ...]:
        if row.hidden:
            return (name, str(row.invited), label, "")
        rate = row.rate
        return (
            name,
            str(row.invited),
            str(row.responded),
            _percent(100.0 * rate) if rate is not None else "",
        )

    table_rows = [table_row(row.label, row) for row in rows]
    if organisation is not None:
        table_rows.append(table_row("Whole organisation", organisation))
    hidden_count = sum(1 for row in rows if row.hidden)
    description = (
        f"Response rate for {_plural(len(shown), 'team', 'teams')}"
        + (
            f"; the dashed line is the whole organisation ({_percent(100.0 * organisation.rate)})"
            if organisation is not None and organisation.rate is not None
            else ""
        )
        + "."
        + _hidden_sentence(hidden_count, k, "team", "teams")
    )
    table = DataTable(("Team", "Invited", "Responded", "Rate"), tuple(table_rows))
    return ChartSpec(figure, title, description, table)
