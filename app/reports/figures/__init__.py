"""Plotly figures of the HR reports (pure: plotly and the standard library only).

Inputs are the plain values of :mod:`.values`: numbers, labels and flags that have already
passed disclosure control (privacy/) and statistics (stats/).

* A hidden group is passed *as hidden* and carries no numbers. Hidden groups are drawn as a
  labelled gap ("fewer than k*"), never as zero, and every hidden group has the same label
  (see privacy.footnote).
* Every chart function returns a :class:`ChartSpec`: the figure plus a title, a description
  (the text alternative) and a data table for the page. Those three are *raw* text: the
  template escapes them (charts.html). Inside the figure every text that can come from users
  goes through :func:`plain` (see :mod:`.text`); hover texts are composed from named fields
  by :func:`.text.hover` and travel as each point's ``hovertext``.
* Colours (:mod:`.style`) are safe for the common colour-vision deficiencies; meaning never
  rests on colour alone.

The modules: ``style`` (colours, template, config), ``text`` (escaping, numbers, hover),
``values`` (inputs), ``chart`` (ChartSpec, DataTable and shared layout parts), and one module
per chart family: ``teams``, ``heatmap``, ``items``, ``series``, ``reliability``,
``drivers``.
"""

from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.drivers import DriverPoint, priority_map
from app.reports.figures.heatmap import difference_heatmap
from app.reports.figures.items import diverging_items
from app.reports.figures.reliability import agreement_chart, reliability_chart
from app.reports.figures.series import standpoint_gap, trend_lines
from app.reports.figures.style import DEFAULT_SCALE_LABELS, PLOTLY_CONFIG
from app.reports.figures.teams import VERDICT_COLOURS, family_bars, quadrant_map
from app.reports.figures.text import hidden_label, plain, wrap_label
from app.reports.figures.values import (
    HIDDEN,
    AgreementRow,
    Desirable,
    DifferenceCell,
    Dimension,
    Estimate,
    GroupBar,
    Hidden,
    ItemDistribution,
    ReliabilityRow,
    Series,
    SeriesValue,
    TeamPoint,
    Verdict,
)

__all__ = [
    "DEFAULT_SCALE_LABELS",
    "HIDDEN",
    "PLOTLY_CONFIG",
    "VERDICT_COLOURS",
    "AgreementRow",
    "ChartSpec",
    "DataTable",
    "Desirable",
    "DifferenceCell",
    "Dimension",
    "DriverPoint",
    "Estimate",
    "GroupBar",
    "Hidden",
    "ItemDistribution",
    "ReliabilityRow",
    "Series",
    "SeriesValue",
    "TeamPoint",
    "Verdict",
    "agreement_chart",
    "difference_heatmap",
    "diverging_items",
    "family_bars",
    "hidden_label",
    "plain",
    "priority_map",
    "quadrant_map",
    "reliability_chart",
    "standpoint_gap",
    "trend_lines",
    "wrap_label",
]
