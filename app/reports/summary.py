"""The employee summary of a release: what employees read when results are shared back.

Pure (no Flask, no session). It reads only what a release's `Publication` shows, at the
level filter "all levels": the organisation's family indices and dimension scores, and each
team's where the release shows the team's responses; within a shown cell only the
statistics the release shows. A team the release hides is left out altogether (not even
named), and nothing is computed that the release does not hold: no difference, no count
beyond the disclosed ones. A team's commitments (focus areas and actions) come with it only
when its results are shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.instruments.document import InstrumentDocument
from app.reports.publication import Measure, Publication


@dataclass(frozen=True)
class Figure:
    """One shown statistic in plain words: its label, which end is better, the mean with
    the release's 95% interval, and the percent of favourable answers where the release
    holds it."""

    key: str
    label: str
    higher_is_better: bool
    mean: float
    lower: float | None
    upper: float | None
    favourable: float | None


@dataclass(frozen=True)
class FamilyFigures:
    """A family's index and the dimension scores under it that are shown in one group."""

    index: Figure | None
    label: str
    higher_is_better: bool
    dimensions: tuple[Figure, ...]


@dataclass(frozen=True)
class CommittedAction:
    """One action a team committed to (no owner: the summary shows no staff data)."""

    text: str
    status: str
    due_on: dt.date | None


@dataclass(frozen=True)
class Commitment:
    """A team's plan as employees read it: the focus areas' labels and the actions."""

    focus_areas: tuple[str, ...]
    actions: tuple[CommittedAction, ...]


@dataclass(frozen=True)
class GroupSummary:
    """The organisation (team None) or one team, as the release shows it."""

    team: int | None
    name: str
    responses: int
    families: tuple[FamilyFigures, ...]
    commitments: tuple[Commitment, ...] = ()


@dataclass(frozen=True)
class EmployeeSummaryValues:
    """Every group of the summary: the organisation (None when the release hides even its
    count) and the shown teams in tree order."""

    k: int
    scale: tuple[int, int] | None
    organisation: GroupSummary | None
    teams: tuple[GroupSummary, ...]


@dataclass(frozen=True)
class PlannedCommitment:
    """A plan as the caller reads it (app.plans): its focus dimensions' keys and its
    actions; turned into a `Commitment` in the summary's language."""

    focus_keys: tuple[str, ...]
    actions: tuple[CommittedAction, ...]


def _no_plans(_team: int) -> Sequence[PlannedCommitment]:
    return ()


def employee_summary(
    publication: Publication,
    paths: Mapping[int, str],
    document: InstrumentDocument,
    language: str,
    plans_of: Callable[[int], Sequence[PlannedCommitment]] = _no_plans,
) -> EmployeeSummaryValues:
    """The summary of a release in `language`: the organisation and every team whose
    response count the release shows (in the order of `paths`, the tree's display paths),
    each with the family indices and dimension scores the release shows there, and the
    team's commitments (`plans_of(team)`, asked only for a team whose results show)."""
    organisation = _group(publication, None, "", document, language, _no_plans)
    teams = []
    for team in sorted(paths, key=paths.__getitem__):
        group = _group(publication, team, paths[team], document, language, plans_of)
        if group is not None:
            teams.append(group)
    return EmployeeSummaryValues(
        k=publication.k,
        scale=_scale(document),
        organisation=organisation,
        teams=tuple(teams),
    )


def _group(
    publication: Publication,
    team: int | None,
    name: str,
    document: InstrumentDocument,
    language: str,
    plans_of: Callable[[int], Sequence[PlannedCommitment]],
) -> GroupSummary | None:
    responses = publication.responded(team, None)
    if not responses.shown or responses.n is None:
        return None
    view = publication.view(team, None)
    families = []
    for family in document.families:
        better = family.desirable != "low"
        dimensions = tuple(
            figure
            for dimension in document.dimensions
            if dimension.family == family.key
            for figure in [
                _figure(
                    view.dimensions[dimension.key], document.text(dimension.label, language), better
                )
            ]
            if figure is not None
        )
        label = document.text(family.label, language)
        index = _figure(view.families[family.key], label, better)
        if index is not None or dimensions:
            families.append(FamilyFigures(index, label, better, dimensions))
    commitments = tuple(
        Commitment(
            tuple(
                document.text(document.dimension(key).label, language) for key in plan.focus_keys
            ),
            plan.actions,
        )
        for plan in (plans_of(team) if team is not None else ())
    )
    return GroupSummary(team, name, responses.n, tuple(families), commitments)


def _figure(measure: Measure, label: str, higher_is_better: bool) -> Figure | None:
    if measure.mean is None:  # hidden: the statistic carries no number at all
        return None
    share = measure.favorable
    return Figure(
        measure.key,
        label,
        higher_is_better,
        measure.mean.mean,
        measure.mean.lower,
        measure.mean.upper,
        share.estimate if share is not None else None,
    )


def _scale(document: InstrumentDocument) -> tuple[int, int] | None:
    """The ends of the scored items' scale, when they share one (the bundled instrument's
    1 to 5)."""
    ends = {
        (item.scale.min, item.scale.max) for item in document.scored_items if item.scale is not None
    }
    return ends.pop() if len(ends) == 1 else None
