"""Colours, fonts and the Plotly template and config every chart is drawn with.

Colours: the Okabe-Ito palette and a blue (better) / orange (worse) diverging scale, both
safe for the common colour-vision deficiencies; meaning never rests on colour alone (text,
symbols and the data table carry it too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

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
SERIES_SYMBOLS: Final = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star")

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
SCALE_LOW: Final = ("#b35806", "#f1a340", "#fdd49e")
SCALE_NEUTRAL: Final = "#d9d9d9"
SCALE_HIGH: Final = ("#92c5de", "#4393c3", "#2166ac")

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

FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
AXIS: Final[Mapping[str, Any]] = {
    "gridcolor": GRID,
    "linecolor": LINE,
    "zeroline": False,
    "automargin": True,
    "ticks": "",
}
# A small template of our own: the default "plotly" template adds about 7 kB to every figure.
TEMPLATE: Final[Mapping[str, Any]] = {
    "layout": {
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": list(SERIES_COLOURS),
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": LINE, "font": {"color": INK}},
        "xaxis": dict(AXIS),
        "yaxis": dict(AXIS),
        "legend": {"bgcolor": "rgba(255,255,255,0)"},
    }
}
