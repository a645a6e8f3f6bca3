"""A team's own view of a release: where it stands, what changed, where to start.

Pure: it reads a `Publication` (every number already through the disclosure decisions of
the release), the release's one test family (`Comparison`), the baselines of the last
comparable wave and, where the release has them, the key drivers' importance; it imports
neither Flask nor the session. The route (app.reports.routes.team) gathers the inputs.

Strengths and focus areas follow one stated rule (`RULE`): a dimension is a strength where
the team differs from the rest of the organisation in the favourable direction and the
difference holds after the release's Benjamini-Hochberg correction; a focus area likewise
in the unfavourable direction. Each list is ordered by the dimension's key-driver
importance (its share of the explained variance of relational outcomes) where the release
computed it for the team's department or the organisation, else by the size of the
difference (|g|); at most three each. Nothing else is called a strength or a weakness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.i18n import N_, _, format_number, format_signed
from app.instruments.document import InstrumentDocument
from app.reports.pages import Baseline, Change, change_since
from app.reports.privacy import Disclosed
from app.reports.privacy.teams import ResponseRate
from app.reports.publication import CellView, Comparison, Comparisons, Measure, Publication

MOST_LISTED = 3

RULE = N_(
    "A strength is a dimension where this team differs from the rest of the organisation "
    "in the favourable direction, and the difference holds after the release's "
    "Benjamini-Hochberg correction across every team and score (marked •). A focus area is "
    "the same in the unfavourable direction. Each list is ordered by how strongly the "
    "dimension goes with relational outcomes (the key drivers of %(drivers)s), or by the size "
    "of the difference where the release has no key drivers; at most three of each."
)


@dataclass(frozen=True)
class ScoreRow:
    """One family index or dimension of the team: its measure, its comparison with the rest
    of the organisation (None where the release has none: hidden, or no variance), its
    change since the last comparable wave and, for a dimension, its key-driver importance."""

    key: str
    label: str
    family: str  # the family key (a family's own key for a family row)
    desirable: str  # "high" or "low"
    measure: Measure
    comparison: Comparison | None
    change: Change | None
    importance: float | None = None

    @property
    def favourable(self) -> bool | None:
        """Whether the team's difference from the rest is in the favourable direction."""
        if self.comparison is None:
            return None
        better = self.comparison.difference > 0
        return better if self.desirable == "high" else not better

    @property
    def reliable(self) -> bool:
        return self.comparison is not None and self.comparison.flagged

    @property
    def difference_words(self) -> str:
        return describe_difference(self)

    @property
    def change_words(self) -> str:
        return describe_change(self.change)

    @property
    def improved(self) -> bool | None:
        """Whether a change whose interval excludes 0 went the favourable way (None when
        there is no such change)."""
        change = self.change
        if change is None or not change.clear or change.difference is None:
            return None
        return (change.difference > 0) == (self.desirable == "high")


@dataclass(frozen=True)
class TeamView:
    """What the team view shows. `responses` decides everything: when it is hidden,
    `reason_hidden` says why and `instead` names what the reader can open instead."""

    team: int
    name: str
    responses: Disclosed
    participation: ResponseRate | None
    families: tuple[ScoreRow, ...]
    dimensions: tuple[ScoreRow, ...]
    strengths: tuple[ScoreRow, ...]
    focus_areas: tuple[ScoreRow, ...]
    drivers_of: str | None  # whose key drivers order the lists ("Engineering"), if any
    instead: tuple[tuple[int | None, str], ...] = ()  # (team id or None = organisation, name)

    @property
    def shown(self) -> bool:
        return self.responses.shown

    @property
    def rule(self) -> str:
        """The rule of the lists in the reader's language."""
        return _(RULE, drivers=self.drivers_of or _("this release"))

    @property
    def clear_changes(self) -> tuple[ScoreRow, ...]:
        """The indices and dimensions whose change since the last comparable wave has an
        interval that excludes 0, indices first."""
        return tuple(row for row in (*self.families, *self.dimensions) if row.improved is not None)


def build_team_view(
    publication: Publication,
    *,
    team: int,
    name: str,
    level: int | None,
    comparisons: Comparisons,
    baselines: Mapping[str, Baseline],
    document: InstrumentDocument,
    language: str,
    participation: ResponseRate | None = None,
    importance: Mapping[str, float] | None = None,
    drivers_of: str | None = None,
    instead: Sequence[tuple[int | None, str]] = (),
) -> TeamView:
    """The team view of `team` at a level filter. `importance` maps dimension keys to their
    key-driver share (of the team's department, else the organisation: `drivers_of` names
    it); `instead` lists the groups a reader may open when the team is hidden, nearest first
    (the route decides which the reader may see)."""
    view = publication.view(team, level)
    families = tuple(_family_rows(view, team, comparisons, baselines, document, language))
    dimensions = tuple(
        _dimension_rows(view, team, comparisons, baselines, document, language, importance)
    )
    strengths, focus = strengths_and_focus(dimensions, by_importance=importance is not None)
    return TeamView(
        team=team,
        name=name,
        responses=view.responses,
        participation=participation,
        families=families,
        dimensions=dimensions,
        strengths=strengths,
        focus_areas=focus,
        drivers_of=drivers_of if importance is not None else None,
        instead=tuple(instead) if not view.responses.shown else (),
    )


def strengths_and_focus(
    rows: Sequence[ScoreRow], *, by_importance: bool
) -> tuple[tuple[ScoreRow, ...], tuple[ScoreRow, ...]]:
    """The rule of `RULE`: reliable differences only, favourable ones as strengths and
    unfavourable ones as focus areas, the most important (or largest) first."""

    def order(row: ScoreRow) -> tuple[float, float, str]:
        comparison = row.comparison
        assert comparison is not None  # reliable rows have one
        size = abs(comparison.g) if comparison.g is not None else abs(comparison.difference)
        weight = row.importance if by_importance and row.importance is not None else 0.0
        return (-weight, -size, row.key)

    reliable = [row for row in rows if row.reliable and row.measure.shown]
    strengths = sorted((r for r in reliable if r.favourable), key=order)
    focus = sorted((r for r in reliable if not r.favourable), key=order)
    return tuple(strengths[:MOST_LISTED]), tuple(focus[:MOST_LISTED])


def _change(measure: Measure, baseline: Baseline | None) -> Change | None:
    return change_since(measure, baseline) if baseline is not None else None


def _family_rows(
    view: CellView,
    team: int,
    comparisons: Comparisons,
    baselines: Mapping[str, Baseline],
    document: InstrumentDocument,
    language: str,
) -> list[ScoreRow]:
    rows = []
    for family in document.families:
        measure = view.families[family.key]
        rows.append(
            ScoreRow(
                family.key,
                document.text(family.label, language),
                family.key,
                family.desirable,
                measure,
                comparisons.get((team, family.key)) if measure.shown else None,
                _change(measure, baselines.get(family.key)),
            )
        )
    return rows


def _dimension_rows(
    view: CellView,
    team: int,
    comparisons: Comparisons,
    baselines: Mapping[str, Baseline],
    document: InstrumentDocument,
    language: str,
    importance: Mapping[str, float] | None,
) -> list[ScoreRow]:
    desirable = {family.key: family.desirable for family in document.families}
    rows = []
    for dimension in document.dimensions:
        measure = view.dimensions[dimension.key]
        rows.append(
            ScoreRow(
                dimension.key,
                document.text(dimension.label, language),
                dimension.family,
                desirable.get(dimension.family, "high"),
                measure,
                comparisons.get((team, dimension.key)) if measure.shown else None,
                _change(measure, baselines.get(dimension.key)),
                (importance or {}).get(dimension.key),
            )
        )
    return rows


def describe_difference(row: ScoreRow) -> str:
    """The team against the rest in plain words, e.g. "0.32 above the rest of the
    organisation (0.10 to 0.54); this holds after correction: more favourable"."""
    comparison = row.comparison
    if comparison is None:
        return _("No comparison with the rest of the organisation (not shown, or no variation).")
    size = format_number(abs(comparison.difference))
    above = comparison.difference > 0
    if comparison.lower is not None and comparison.upper is not None:
        interval = {
            "lower": format_signed(comparison.lower),
            "upper": format_signed(comparison.upper),
        }
        words = (
            _(
                "%(size)s above the rest of the organisation (95%% interval %(lower)s to "
                "%(upper)s)",
                size=size,
                **interval,
            )
            if above
            else _(
                "%(size)s below the rest of the organisation (95%% interval %(lower)s to "
                "%(upper)s)",
                size=size,
                **interval,
            )
        )
    else:
        words = (
            _("%(size)s above the rest of the organisation", size=size)
            if above
            else _("%(size)s below the rest of the organisation", size=size)
        )
    if not comparison.flagged:
        return _(
            "%(difference)s: a difference chance could give, after correction.", difference=words
        )
    if row.favourable:
        return _(
            "%(difference)s: it holds after correction, more favourable than the rest.",
            difference=words,
        )
    return _(
        "%(difference)s: it holds after correction, less favourable than the rest.",
        difference=words,
    )


def describe_change(change: Change | None) -> str:
    """The change since the last comparable wave in plain words, or why there is none."""
    if change is None:
        return ""
    if change.difference is None or change.lower is None or change.upper is None:
        return _("No change shown: %(why)s.", why=change.note) if change.note else ""
    values = {
        "size": format_number(abs(change.difference)),
        "wave": change.since,
        "lower": format_signed(change.lower),
        "upper": format_signed(change.upper),
    }
    words = (
        _("Up %(size)s since %(wave)s (95%% interval %(lower)s to %(upper)s)", **values)
        if change.difference > 0
        else _("Down %(size)s since %(wave)s (95%% interval %(lower)s to %(upper)s)", **values)
    )
    if change.clear:
        return words + "."
    return _("%(change)s: not distinguishable from no change.", change=words)
