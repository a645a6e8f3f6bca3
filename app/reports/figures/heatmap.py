"""The difference heatmap: each team against the rest of the organisation, per dimension."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.i18n import _, ngettext, pinned_numbers
from app.reports.figures import chart
from app.reports.figures.chart import ChartSpec, DataTable
from app.reports.figures.style import DIVERGING, INK, SUPPRESSED
from app.reports.figures.text import (
    HOVER_TEMPLATE,
    check_k,
    hidden_label,
    hidden_labels,
    hover_block,
    hover_with,
    p_value,
    plain,
    shortest,
    signed,
    with_interval,
    wrap_label,
)
from app.reports.figures.values import DifferenceCell, Dimension, finite


@dataclass(frozen=True, slots=True)
class _Cell:
    """What one team x dimension cell puts in each trace and in the table."""

    colour: float | None  # the oriented difference (None: suppressed)
    suppressed: float | None  # 0.0 on a suppressed cell, else None
    text: str
    suppressed_text: str
    hover: str
    table: str
    flagged: bool = False

    @property
    def hidden(self) -> bool:
        return self.colour is None


def _short_mark(k: int, reason: str | None, words: dict[str, Any]) -> str:
    """The mark inside a narrow hidden cell: "<k" (under k), "w" (withheld, the initial of
    the word in the reader's language), "<k*"."""
    marks: dict[str, str] = {"under_k": f"<{k}", "protects": words["withheld"]}
    return marks.get(reason or "", f"<{k}*")


def _words(k: int) -> dict[str, Any]:
    """The hover's words in the reader's language, looked up once per chart (a heatmap of
    200 teams has some 2,600 cells)."""
    return {
        "difference": _("Difference from the rest"),
        "significant": _(" • significant"),
        "g": _("Hedges' g [95% CI]"),
        "p": _("Adjusted p (BH)"),
        "undefined": _("not defined"),
        # TRANSLATORS: the initial of "withheld", marking a withheld cell of the heatmap.
        "withheld": _("w"),
        "hidden": {reason or "": label for reason, label in hidden_labels(k).items()},
    }


def _cell(
    block: str, dimension: Dimension, cell: DifferenceCell, k: int, words: dict[str, Any]
) -> _Cell:
    """One cell; `block` is its hover's escaped first lines (the team, then the dimension),
    built once per team and dimension rather than per cell; `words` from `_words`."""
    if cell.hidden or cell.difference is None:
        label = words["hidden"][cell.reason or ""]
        # The cell is narrow: a short mark in it, the full label in the hover, the legend
        # note and the table.
        return _Cell(
            None,
            0.0,
            "",
            plain(_short_mark(k, cell.reason, words)),
            f"{block}<br>{plain(label)}",
            label,
        )
    difference = signed(cell.difference)
    sign = 1.0 if dimension.desirable == "high" else -1.0
    fields = {
        words["difference"]: difference + (words["significant"] if cell.flagged else ""),
        words["g"]: with_interval(cell.g) if cell.g is not None else words["undefined"],
        words["p"]: p_value(cell.p_adjusted) if cell.p_adjusted is not None else words["undefined"],
    }
    return _Cell(
        sign * cell.difference,
        None,
        f"<b>{difference} •</b>" if cell.flagged else difference,
        "",
        hover_with(block, fields),
        difference + (" •" if cell.flagged else ""),
        cell.flagged,
    )


@pinned_numbers()
def difference_heatmap(
    teams: Sequence[str],
    dimensions: Sequence[Dimension],
    cells: Sequence[Sequence[DifferenceCell]],
    *,
    k: int,
    q: float = 0.05,
    limit: float | None = None,
    title: str | None = None,
) -> ChartSpec:
    """Team x dimension heatmap of (team mean - rest of the organisation).

    The colour is *oriented*: blue is better than the rest, orange worse, for both families
    (a negative power-over difference is blue); the cell text and the hover show the raw
    difference. Cells flagged by Benjamini-Hochberg are bold with a "•"; suppressed cells
    are grey with the hidden label. The colour range is symmetric: ``limit`` or the largest
    absolute difference (at least 0.25).
    """
    check_k(k)
    title = title or _("Each team compared with the rest of the organisation")
    words = _words(k)
    if len(cells) != len(teams) or any(len(row) != len(dimensions) for row in cells):
        raise ValueError("cells must have one row per team and one cell per dimension")
    columns = [plain(dimension.label) for dimension in dimensions]
    grid = [
        [
            _cell(f"{heading}<br>{column}", dimension, cell, k, words)
            for dimension, column, cell in zip(dimensions, columns, row, strict=True)
        ]
        for heading, row in zip((hover_block(team) for team in teams), cells, strict=True)
    ]
    extent = max((abs(c.colour) for row in grid for c in row if c.colour is not None), default=0)
    bound = finite("limit", limit) if limit is not None else max(0.25, extent)
    if bound <= 0:
        raise ValueError("limit must be positive")
    hidden = sum(c.hidden for row in grid for c in row)
    # Each hidden label in use, with its short mark: "<5 fewer than 5; w withheld".
    marks = {(c.suppressed_text, c.table) for row in grid for c in row if c.hidden}
    grey = (
        "; ".join(f"{mark} {label}" for mark, label in sorted(marks))
        if len(marks) > 1
        else next((label for _mark, label in marks), "")
    )
    layout = chart.layout(
        title,
        height=chart.rows_height(len(teams), per_row=40, base=170),
        notes=_notes(q, grey if hidden else None),
        xaxis={
            **chart.category_axis([d.label for d in dimensions], width=16),
            "range": [-0.5, len(dimensions) - 0.5],
        },
        yaxis=chart.category_axis(teams),
    )
    figure = chart.figure(
        [_difference_trace(grid, len(dimensions), bound), _suppressed_trace(grid, len(dimensions))],
        layout,
        empty=not teams or not dimensions,
    )
    description = _description(grid, len(teams), len(dimensions), q, k)
    # The table has one row per team (a cell per dimension): 200 teams make 200 rows, not
    # 2,600; Hedges' g and adjusted p are in the hover and on each team's page.
    table = DataTable(
        (_("Team"), *(d.label for d in dimensions)),
        tuple((team, *(c.table for c in row)) for team, row in zip(teams, grid, strict=True)),
    )
    return ChartSpec(figure, title, description, table, wide=True)


def _description(
    grid: Sequence[Sequence[_Cell]], teams: int, dimensions: int, q: float, k: int
) -> str:
    flagged = sum(c.flagged for row in grid for c in row)
    shown = sum(not c.hidden for row in grid for c in row)
    hidden = sum(c.hidden for row in grid for c in row)
    sentences = [
        _(
            "Difference between each team and the rest of the organisation, for %(teams)s "
            "and %(dimensions)s.",
            teams=ngettext("%(num)d team", "%(num)d teams", teams),
            dimensions=ngettext("%(num)d dimension", "%(num)d dimensions", dimensions),
        ),
        _(
            "Blue cells are better than the rest, orange cells worse (for power-over "
            "dimensions a lower score is better); the number is the raw difference."
        ),
        ngettext(
            "%(num)d cell of %(shown)s shown stands out after Benjamini–Hochberg adjustment "
            "(q = %(q)s).",
            "%(num)d cells of %(shown)s shown stand out after Benjamini–Hochberg adjustment "
            "(q = %(q)s).",
            flagged,
            shown=shown,
            q=shortest(q),
        ),
    ]
    if hidden:
        sentences.append(
            ngettext(
                "%(num)d cell hidden (%(label)s).",
                "%(num)d cells hidden (%(label)s).",
                hidden,
                label=hidden_label(k),
            )
        )
    sentences.append(
        _("The table gives each difference from the rest; • marks the significant ones.")
    )
    return " ".join(sentences)


def _notes(q: float, hidden: str | None) -> list[str]:
    notes = [
        _(
            "Blue: better than the rest of the organisation; orange: worse (for power-over, "
            "lower is better)."
        ),
        # The markup is ours (plotly draws it); the words are the translator's.
        _(
            "Numbers: difference from the rest on the 1–5 scale; %(bold)s: significant after "
            "Benjamini–Hochberg adjustment (q = %(q)s).",
            bold="<b>" + _("bold •") + "</b>",
            q=shortest(q),
        ),
    ]
    if hidden is not None:
        notes.append(_("Grey: %(labels)s", labels=hidden))
    return notes


def _positions(grid: Sequence[Sequence[_Cell]], columns: int) -> dict[str, Any]:
    """What both traces share: the positions, the hover (a cell is hovered in the trace
    where it is not a gap) and the cell gaps."""
    return {
        "x": list(range(columns)),
        "y": list(range(len(grid))),
        "hovertext": [[c.hover for c in row] for row in grid],
        "hovertemplate": HOVER_TEMPLATE,
        "hoverongaps": False,
        "xgap": 2,
        "ygap": 2,
    }


def _difference_trace(
    grid: Sequence[Sequence[_Cell]], columns: int, bound: float
) -> dict[str, Any]:
    return {
        "type": "heatmap",
        **_positions(grid, columns),
        "z": [[c.colour for c in row] for row in grid],
        "zmin": -bound,
        "zmax": bound,
        "colorscale": [list(stop) for stop in DIVERGING],
        "text": [[c.text for c in row] for row in grid],
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "colorbar": {
            "title": {"text": wrap_label(_("Compared with the rest"), 14), "side": "top"},
            "tickmode": "array",
            "tickvals": [-bound, 0, bound],
            "ticktext": [_("worse"), _("same"), _("better")],
            "thickness": 14,
            "len": 0.8,
        },
        "name": _("Difference"),
    }


def _suppressed_trace(grid: Sequence[Sequence[_Cell]], columns: int) -> dict[str, Any]:
    return {
        "type": "heatmap",
        **_positions(grid, columns),
        "z": [[c.suppressed for c in row] for row in grid],
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, SUPPRESSED], [1, SUPPRESSED]],
        "showscale": False,
        "text": [[c.suppressed_text for c in row] for row in grid],
        "texttemplate": "%{text}",
        "textfont": {"size": 11, "color": INK},
        "name": _("Suppressed"),
    }
