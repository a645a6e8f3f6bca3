"""What every chart function returns (:class:`ChartSpec` with its :class:`DataTable`) and
the building blocks the charts share: layout, axes, error bars and annotations."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from app.i18n import _
from app.reports.figures.style import BLUE, INK, MUTED, PLOTLY_CONFIG, TEMPLATE
from app.reports.figures.text import plain, wrap_label
from app.reports.figures.values import Estimate


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


# A Plotly figure as the JSON plotly.js reads: {"data": [traces], "layout": {...}}. Built as
# plain values, not plotly.graph_objects: their validation cost about 0.1 s per figure, paid
# on every view a release is first read with; tests/reports/figures validate every figure
# kind through plotly.graph_objects instead, once.
Figure = dict[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class ChartSpec:
    """A figure ready for ``macros/charts.html``: the Plotly figure, its title and text
    description (the text alternative) and its data table. ``title``, ``description`` and
    the table are raw text; only the figure holds escaped text."""

    figure: Figure
    title: str
    description: str
    table: DataTable
    config: Mapping[str, Any] = field(default_factory=lambda: dict(PLOTLY_CONFIG))
    # A figure too dense to shrink to a phone's width (the heatmap): it keeps a minimum
    # width and scrolls sideways within the page instead.
    wide: bool = False
    _script: list[Markup] = field(default_factory=list, repr=False)

    def payload(self) -> dict[str, Any]:
        """``{"data", "layout", "config"}`` as strict JSON values (a non-finite number
        becomes null, as JSON.parse needs)."""
        payload = {"data": self.figure["data"], "layout": self.figure["layout"]}
        try:
            json.dumps(payload, allow_nan=False)
        except ValueError:
            payload = _strict(payload)
        return {**payload, "config": dict(self.config)}

    def script_json(self) -> Markup:
        """The payload as JSON safe inside a ``<script>`` block (``<``, ``>``, ``&`` and
        ``'`` escaped, as Jinja's ``tojson`` does), made once: a cached page renders it
        again for every reader."""
        if not self._script:
            self._script.append(htmlsafe_json_dumps(self.payload()))
        return self._script[0]


def _strict(value: Any) -> Any:
    """Plain JSON values: mappings and sequences copied, NaN and infinities as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(item) for item in value]
    return value


def layout(title: str, *, height: int, notes: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
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
    spec: dict[str, Any] = {
        "template": TEMPLATE,
        "title": title_spec,
        "height": height + 17 * len(notes),
        "margin": {"l": 16, "r": 24, "t": 56 + 17 * len(notes), "b": 16},
        "showlegend": False,
    }
    spec.update(extra)
    return spec


def category_axis(labels: Sequence[str], *, width: int = 28) -> dict[str, Any]:
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


def error_bars(
    estimates: Sequence[Estimate], *, clip: tuple[float, float] | None = None
) -> dict[str, Any]:
    """Plotly error bars from the estimates' intervals (none for an estimate without one),
    ``clip``ped to the axis range."""
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


def gap_label(text: str, x: float, y: float, *, xanchor: str = "left") -> dict[str, Any]:
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


def reference_line(x: float, *, dash: str = "dash", color: str = INK) -> dict[str, Any]:
    """A vertical line across the plot at ``x`` (a reference value)."""
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


def top_label(text: str, x: float) -> dict[str, Any]:
    """A label above the plot at ``x`` (naming a reference line)."""
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


def figure(
    traces: Sequence[Mapping[str, Any]], layout: Mapping[str, Any], *, empty: bool
) -> Figure:
    """The Plotly figure; an ``empty`` one says "Nothing to show." in its middle."""
    spec = dict(layout)
    if empty:
        _empty_note(spec)
    return {"data": [dict(trace) for trace in traces], "layout": spec}


def _empty_note(layout: dict[str, Any]) -> None:
    layout.setdefault("annotations", []).append(
        {
            "text": _("Nothing to show."),
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"color": MUTED},
        }
    )


def rows_height(rows: int, *, per_row: int = 30, base: int = 150) -> int:
    """The plot height for ``rows`` rows of bars or cells."""
    return base + per_row * max(rows, 1)


def row_bars(
    title: str,
    labels: Sequence[str],
    bars: dict[str, Any],
    *,
    gaps: Sequence[tuple[int, str]],
    gap_x: float,
    reference: tuple[float, str] | None,
    xaxis: dict[str, Any],
    notes: Sequence[str] = (),
) -> Figure:
    """Horizontal bars, one row per label in ``labels`` order (first at the top): ``bars``
    is the bar trace's own part (x, y as row positions, hover); ``gaps`` name the rows that
    have no bar (labelled at ``gap_x``, e.g. a hidden team); ``reference`` is a dashed line
    and its label (e.g. the whole organisation); ``notes`` go under the title (our own
    text)."""
    annotations = [gap_label(text, gap_x, position) for position, text in gaps]
    shapes = []
    if reference is not None:
        x, text = reference
        shapes.append(reference_line(x))
        annotations.append(top_label(text, x))
    trace = {"type": "bar", "orientation": "h", "marker": {"color": BLUE}, **bars}
    spec = layout(
        title,
        notes=notes,
        height=rows_height(len(labels)),
        xaxis=xaxis,
        yaxis=category_axis(labels),
        shapes=shapes,
        annotations=annotations,
        bargap=0.35,
    )
    return figure([trace], spec, empty=not labels)
