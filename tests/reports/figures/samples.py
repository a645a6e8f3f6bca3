"""Sample charts for the figure tests: one builder per chart, each with a hostile label
somewhere, and readers of their JSON payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.reports import figures as f
from app.reports.figures import (
    HIDDEN,
    ChartSpec,
    DifferenceCell,
    Dimension,
    Estimate,
    GroupBar,
    ItemDistribution,
    ReliabilityRow,
    Series,
    TeamPoint,
)

EVIL = "<script>alert(1)</script><b>x</b>"
K = 5
HIDDEN_LABEL = "fewer than 5*"


def data(spec: ChartSpec) -> list[dict[str, Any]]:
    traces: list[dict[str, Any]] = spec.payload()["data"]
    return traces


def layout(spec: ChartSpec) -> dict[str, Any]:
    result: dict[str, Any] = spec.payload()["layout"]
    return result


def annotation_texts(spec: ChartSpec) -> list[str]:
    return [a["text"] for a in layout(spec).get("annotations", [])]


def subtitle(spec: ChartSpec) -> str:
    text: str = layout(spec)["title"].get("subtitle", {}).get("text", "")
    return text


def quadrant(label: str = "Platform") -> ChartSpec:
    return f.quadrant_map(
        [
            TeamPoint(label, Estimate(3.8, 3.5, 4.1), Estimate(2.1, 1.8, 2.4), n=24),
            TeamPoint("Sales", Estimate(2.6, 2.2, 3.0), Estimate(3.4, 3.0, 3.8), n=12),
            TeamPoint("Legal", hidden=True),
            TeamPoint("Finance", hidden=True),
        ],
        x_title="Mutuality index",
        y_title="Power-over index",
        k=K,
        centre=(3.3, 2.6),
    )


def bars(label: str = "Platform") -> ChartSpec:
    return f.family_bars(
        [
            GroupBar("Sales", Estimate(2.6, 2.2, 3.0, 12), verdict="worse"),
            GroupBar("Legal", hidden=True),
            GroupBar(label, Estimate(3.8, 3.5, 4.1, 24), verdict="better"),
        ],
        family_label="Mutuality",
        k=K,
        organisation=Estimate(3.3, 3.2, 3.4, 90),
    )


def heatmap(label: str = "Platform") -> ChartSpec:
    dims = [Dimension("Authenticity"), Dimension("Silencing", "low")]
    cells = [
        [
            DifferenceCell(0.4, Estimate(0.5, 0.1, 0.9), 0.01, flagged=True),
            DifferenceCell(-0.5, Estimate(-0.6, -1.0, -0.2), 0.004, flagged=True),
        ],
        [DifferenceCell(hidden=True), DifferenceCell(hidden=True)],
        [
            DifferenceCell(-0.3, Estimate(-0.3, -0.7, 0.1), 0.15),
            DifferenceCell(0.2, None, None),
        ],
    ]
    return f.difference_heatmap([label, "Legal", "Sales"], dims, cells, k=K)


def items(label: str = "People listen to me.") -> ChartSpec:
    return f.diverging_items(
        [
            ItemDistribution(label, (2, 3, 5, 10, 6)),
            ItemDistribution("Getting ahead means outshining others.", (8, 9, 4, 3, 2), "low"),
            ItemDistribution("Hidden item", hidden=True),
        ],
        k=K,
    )


def standpoint(label: str = "Mutuality") -> ChartSpec:
    return f.standpoint_gap(
        ["Individual contributor", "Manager", "Senior leader"],
        [
            Series(label, (Estimate(2.9, 2.7, 3.1), Estimate(3.2, 3.0, 3.4), Estimate(3.9))),
            Series("Power-over", (Estimate(3.3, 3.1, 3.5), HIDDEN, Estimate(2.2, 1.9, 2.5)), "low"),
        ],
        k=K,
    )


def trends(label: str = "Spring") -> ChartSpec:
    return f.trend_lines(
        [label, "Autumn", "Winter"],
        [
            Series("Mutuality", (Estimate(3.0, 2.9, 3.1), Estimate(3.1), Estimate(3.3))),
            Series("Power-over", (None, HIDDEN, Estimate(2.5, 2.4, 2.6)), "low"),
        ],
        k=K,
    )


def reliability(label: str = "Authenticity") -> ChartSpec:
    return f.reliability_chart(
        [
            ReliabilityRow(label, Estimate(0.82, 0.76, 0.87, 120)),
            ReliabilityRow("Silencing", Estimate(0.61, 0.50, 0.70, 120), flagged=True),
            ReliabilityRow("Voice"),
        ]
    )


def drivers(label: str = "Voice") -> ChartSpec:
    return f.priority_map(
        [
            f.DriverPoint(label, Estimate(24.0, 18.0, 30.0), 2.6, 2.6, "high", "Mutuality"),
            f.DriverPoint("Silencing", Estimate(12.0, 8.0, 16.0), 3.9, 2.1, "low", "Power-over"),
            f.DriverPoint("Authenticity", Estimate(8.0, 5.0, 11.0), 3.4, 3.4, "high", "Mutuality"),
        ],
        group="Engineering",
        outcome="Outcomes",
        r_squared=Estimate(0.45, 0.41, 0.49, 212),
    )


BUILDERS: dict[str, Callable[[str], ChartSpec]] = {
    "quadrant": quadrant,
    "bars": bars,
    "heatmap": heatmap,
    "items": items,
    "standpoint": standpoint,
    "trends": trends,
    "reliability": reliability,
    "drivers": drivers,
}
