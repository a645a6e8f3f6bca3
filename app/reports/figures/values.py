"""The inputs of the figures: plain values that have already passed disclosure control
(privacy/) and statistics (stats/). This module imports neither: the adapters
``Estimate.from_mean_ci`` and friends read attributes only.

A hidden group is passed *as hidden* (``hidden=True``, or :data:`HIDDEN` in a series) and
carries no numbers: the classes refuse a hidden group with a number, so a figure cannot show
one by mistake.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypeAlias

from app.reports.privacy.model import Reason

Desirable: TypeAlias = Literal["high", "low"]
"""Which end of a scale is good: ``"high"`` for mutuality and outcomes, ``"low"`` for
power-over."""


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


def finite(name: str, value: float) -> float:
    """``value`` as a float; a ValueError naming ``name`` unless it is a finite number."""
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
        value = finite("value", self.value)
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both interval bounds or neither")
        if self.lower is not None and self.upper is not None:
            lower, upper = finite("lower", self.lower), finite("upper", self.upper)
            slack = 1e-9 * max(1.0, abs(value))
            if not lower - slack <= value <= upper + slack:
                raise ValueError(f"interval [{lower}, {upper}] does not contain {value}")
        _count("n", self.n, minimum=1)

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


def _check_desirable(desirable: str) -> None:
    if desirable not in ("high", "low"):
        raise ValueError(f"desirable must be 'high' or 'low', got {desirable!r}")


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
    reason: Reason | None = None  # why hidden, where the release tells it

    def __post_init__(self) -> None:
        _shown_or_hidden(
            "team",
            self.hidden,
            {"mutuality": self.mutuality, "power_over": self.power_over, "n": self.n},
        )
        _count("n", self.n, minimum=1)


Verdict = Literal["better", "worse", "same"]
VERDICTS: tuple[Verdict, ...] = ("better", "worse", "same")


@dataclass(frozen=True, slots=True)
class GroupBar:
    """One bar (a team's index, with its interval and n), or a hidden group. `verdict` is
    the release's Benjamini-Hochberg verdict on the team against the rest of the
    organisation, oriented: "better", "worse", "same" (no clear difference), or None where
    the team was not compared."""

    label: str
    estimate: Estimate | None = None
    hidden: bool = False
    verdict: Verdict | None = None
    reason: Reason | None = None  # why hidden, where the release tells it

    def __post_init__(self) -> None:
        _shown_or_hidden("group", self.hidden, {"estimate": self.estimate})
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")
        if self.hidden and self.verdict is not None:
            raise ValueError("a hidden group carries no verdict")


@dataclass(frozen=True, slots=True)
class Dimension:
    """A column of the difference heatmap."""

    label: str
    desirable: Desirable = "high"

    def __post_init__(self) -> None:
        _check_desirable(self.desirable)


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
    reason: Reason | None = None  # why hidden, where the release tells it

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
        finite("difference", self.difference)
        if self.p_adjusted is not None and not 0.0 <= finite("p", self.p_adjusted) <= 1.0:
            raise ValueError(f"adjusted p must lie in [0, 1], got {self.p_adjusted!r}")
        if self.flagged and self.p_adjusted is None:
            raise ValueError("a flagged cell needs its adjusted p")


@dataclass(frozen=True, slots=True)
class ItemDistribution:
    """One item's answers per scale point as answered (raw, not reverse-keyed), lowest point
    first ("prefer not to answer" is not a scale point and is left out), or a hidden item.
    `desirable` is the favourable end of the scale as answered: "low" (disagree) for a
    power-over statement, or for a reverse-worded mutuality or outcome statement."""

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
        _check_desirable(self.desirable)

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
    """Cronbach's alpha of one dimension with its Feldt interval and n, and its items'
    item-rest correlations (label, r; r None where an item or the rest does not vary);
    ``alpha`` None when it was not computed, ``reason`` then says why."""

    label: str
    alpha: Estimate | None = None
    flagged: bool = False
    reason: str | None = None
    item_rest: tuple[tuple[str, float | None], ...] = ()

    def __post_init__(self) -> None:
        if self.flagged and self.alpha is None:
            raise ValueError("only a computed alpha can be flagged")
        if self.alpha is None and self.item_rest:
            raise ValueError("item-rest correlations come with a computed alpha")


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """Do teams share a climate on one dimension: ICC(1), ICC(2), the median rwg(J) of the
    teams with the share of them that agree, the minimum detectable difference per team
    size (size, difference), and the plain reading. None: not available."""

    label: str
    icc1: float | None
    icc2: float | None
    median_rwg: float | None
    agreeing: float | None
    teams: int
    detectable: tuple[tuple[int, float], ...]
    reading: str
