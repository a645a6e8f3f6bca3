"""A release's key drivers: which groups get them, and the result the release stores.

Pure (no Flask, no session). At publication (app.reports.releases) the respondent-level
scores are read once (app.reports.queries.driver_scores: each complete response's team,
dimension scores and outcomes index, nothing else) and the relative weights of the
mutuality and power-over dimensions for the outcomes index are computed
(app.reports.stats.drivers) for the organisation and for every department, wherever the
release shows the group's response count and each of those scores. A department is a
top-level team with teams under it. Only the weights, their intervals, R^2 and the number
of complete responses are stored (snapshot section ``drivers``); nothing per respondent.

A group with fewer complete responses than the minimum (ten per dimension) stores why,
without its count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.i18n import N_, _
from app.instruments.document import InstrumentDocument
from app.reports.privacy import team_subtrees
from app.reports.stats.drivers import (
    DEFAULT_DRAWS,
    MIN_PER_PREDICTOR,
    KeyDrivers,
    NoDrivers,
    key_drivers,
    minimum_responses,
)

OUTCOME_FAMILY = "outcomes"
PREDICTOR_FAMILIES = ("mutuality", "power_over")
GroupDrivers = KeyDrivers | NoDrivers
Group = int | None  # a department's team id; None: the organisation
Unavailable = Literal["no_outcomes", "no_predictors"]
Shown = Mapping[tuple[int | None, int | None], int]


@dataclass(frozen=True)
class DriverKeys:
    """What the analysis reads from an instrument: the outcome family's key (None when the
    instrument has no outcomes family) and the predictors, the dimensions of the mutuality
    and power-over families in the instrument's order."""

    outcome: str | None
    predictors: tuple[str, ...]

    @property
    def unavailable(self) -> Unavailable | None:
        if self.outcome is None:
            return "no_outcomes"
        if not self.predictors:
            return "no_predictors"
        return None


def driver_keys(document: InstrumentDocument) -> DriverKeys:
    families = {family.key for family in document.families}
    return DriverKeys(
        OUTCOME_FAMILY if OUTCOME_FAMILY in families else None,
        tuple(d.key for d in document.dimensions if d.family in PREDICTOR_FAMILIES),
    )


@dataclass(frozen=True)
class ReleaseDrivers:
    """A release's key drivers: per group (None: the organisation; a department's team id)
    its result, for every group the release shows; `unavailable` says why there are none
    at all (the instrument has no outcomes family, or no mutuality or power-over
    dimension)."""

    outcome: str | None
    predictors: tuple[str, ...]
    groups: Mapping[Group, GroupDrivers]
    min_per_predictor: int = MIN_PER_PREDICTOR
    draws: int = DEFAULT_DRAWS
    seed: tuple[int, ...] = ()
    unavailable: Unavailable | None = None

    @property
    def minimum(self) -> int:
        """The fewest complete responses a group needs."""
        return minimum_responses(max(len(self.predictors), 1), self.min_per_predictor)

    def weights(self, group: Group) -> KeyDrivers | None:
        """The group's weights, or None when it has none (not computed, or not a group)."""
        found = self.groups.get(group)
        return found if isinstance(found, KeyDrivers) else None


def departments(parents: Mapping[int, int | None]) -> list[int]:
    """The top-level teams with teams under them, in id order."""
    with_children = {parent for parent in parents.values() if parent is not None}
    return sorted(t for t, parent in parents.items() if parent is None and t in with_children)


def department_of(parents: Mapping[int, int | None], team: int) -> int | None:
    """The department a team belongs to (itself for a department), or None when its
    top-level team has no teams under it."""
    top = team
    while parents.get(top) is not None:
        top = parents[top]  # type: ignore[assignment]
    return top if top in departments(parents) else None


def shown_groups(
    parents: Mapping[int, int | None],
    responses: Shown,
    scores: Mapping[str, Shown],
    keys: DriverKeys,
) -> dict[Group, frozenset[int]]:
    """The groups that get key drivers, each with its teams: the organisation and every
    department whose response count and every score of the analysis the release shows
    (all levels)."""
    subtrees = team_subtrees(parents)
    wanted = [k for k in (keys.outcome, *keys.predictors) if k is not None]
    groups: dict[Group, frozenset[int]] = {}
    for group in (None, *departments(parents)):
        cell = (group, None)
        if cell in responses and all(cell in scores.get(key, {}) for key in wanted):
            groups[group] = frozenset(parents) if group is None else subtrees[group]
    return groups


def release_drivers(
    parents: Mapping[int, int | None],
    responses: Shown,
    scores: Mapping[str, Shown],
    keys: DriverKeys,
    teams: npt.ArrayLike,
    matrix: npt.ArrayLike,
    *,
    seed: Sequence[int],
    draws: int = DEFAULT_DRAWS,
    min_per_predictor: int = MIN_PER_PREDICTOR,
) -> ReleaseDrivers:
    """Every shown group's key drivers from the complete responses' `teams` (n) and scores
    (`matrix`, n x (p + 1): the predictors in `keys` order, then the outcome). Each group
    draws its resamples from `seed` and its own number, so a release is reproducible."""
    base = ReleaseDrivers(
        keys.outcome,
        keys.predictors,
        {},
        min_per_predictor,
        draws,
        tuple(seed),
        keys.unavailable,
    )
    if keys.unavailable is not None:
        return base
    team_of = np.asarray(teams, dtype=np.int64)
    values = np.asarray(matrix, dtype=np.float64).reshape(len(team_of), len(keys.predictors) + 1)
    groups: dict[Group, GroupDrivers] = {}
    for group, members in shown_groups(parents, responses, scores, keys).items():
        rows = values if group is None else values[np.isin(team_of, list(members))]
        groups[group] = key_drivers(
            rows[:, :-1],
            rows[:, -1],
            keys.predictors,
            seed=[*seed, 0 if group is None else group],
            draws=draws,
            min_per_predictor=min_per_predictor,
        )
    return ReleaseDrivers(
        base.outcome,
        base.predictors,
        groups,
        min_per_predictor,
        draws,
        tuple(seed),
        None,
    )


# --- what a page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class DriverView:
    """The key drivers a report page shows for its team filter: the group (None: the
    organisation; a department), its name, its result (None: nothing stored for it), why
    this group (`scope_note`, e.g. a team below a department reads its department's) and why
    nothing is shown (`note`, "" when the weights are shown)."""

    group: Group
    name: str
    result: KeyDrivers | None
    scope_note: str
    note: str
    minimum: int
    draws: int
    outcome: str | None


ORGANISATION_NAME = N_("the whole organisation")


def driver_view(
    drivers: ReleaseDrivers | None,
    parents: Mapping[int, int | None],
    paths: Mapping[int, str],
    team: int | None,
    visible: frozenset[int],
    labels: Mapping[str, str],
) -> DriverView:
    """Which group's key drivers a reader of the team filter `team` sees, and why: the
    organisation's without a filter; a department's for the department and every team
    below it, when the reader may read the department (a manager of a team below it sees
    the organisation's); the organisation's for a team in no department. `labels` names
    the dimensions and the outcome in the page's language."""
    minimum = drivers.minimum if drivers is not None else minimum_responses(10)
    group, scope_note = _group_for(parents, paths, team, visible)
    name = _(ORGANISATION_NAME) if group is None else paths.get(group, str(group))

    def view(result: KeyDrivers | None, note: str) -> DriverView:
        return DriverView(
            group,
            name,
            result,
            scope_note,
            note,
            minimum,
            drivers.draws if drivers is not None else DEFAULT_DRAWS,
            drivers.outcome if drivers is not None else None,
        )

    if drivers is None:
        return view(
            None,
            _(
                "Key drivers were not computed for this release: it was published before "
                "releases computed them."
            ),
        )
    if drivers.unavailable == "no_outcomes":
        return view(
            None,
            _(
                "This survey's instrument has no outcomes family, so there is nothing for key "
                "drivers to explain."
            ),
        )
    if drivers.unavailable == "no_predictors":
        return view(None, _("This survey's instrument has no mutuality or power-over dimension."))
    found = drivers.groups.get(group)
    if found is None:
        return view(
            None,
            _(
                "This release does not show the scores of %(group)s, so it has no key drivers.",
                group=name,
            ),
        )
    if isinstance(found, KeyDrivers):
        return view(found, "")
    return view(None, not_computed_note(found, name, minimum, labels))


def not_computed_note(result: NoDrivers, name: str, minimum: int, labels: Mapping[str, str]) -> str:
    """Why a group's key drivers were not computed, in words."""
    if result.reason == "too_few":
        return _(
            "Key drivers were not computed for %(group)s: it has fewer than %(minimum)s "
            "complete responses (ten per dimension, every dimension and the outcomes answered).",
            group=name,
            minimum=minimum,
        )
    if result.reason == "constant_predictor":
        label = labels.get(result.key or "", result.key or _("a dimension"))
        return _(
            "Key drivers were not computed for %(group)s: everyone has the same %(dimension)s "
            "score, so its link with the outcomes cannot be estimated.",
            group=name,
            dimension=label,
        )
    if result.reason == "constant_outcome":
        return _(
            "Key drivers were not computed for %(group)s: everyone has the same outcomes "
            "index, so there is no variation to explain.",
            group=name,
        )
    return _(
        "Key drivers were not computed for %(group)s: some dimensions are exact combinations "
        "of others, so their shares cannot be told apart.",
        group=name,
    )


def _group_for(
    parents: Mapping[int, int | None],
    paths: Mapping[int, str],
    team: int | None,
    visible: frozenset[int],
) -> tuple[Group, str]:
    if team is None:
        return None, ""
    name = paths.get(team, _("This team"))
    if team not in parents:
        return None, _(
            "%(team)s is not in this release: this page shows the whole organisation.", team=name
        )
    department = department_of(parents, team)
    if department is None:
        return None, _(
            "Key drivers are computed for the organisation and for departments; %(team)s is "
            "in no department, so this page shows the whole organisation's.",
            team=name,
        )
    if department not in visible:
        return None, _(
            "Key drivers are computed for the organisation and for departments; the "
            "department of %(team)s is outside the teams you may read, so this page shows "
            "the whole organisation's.",
            team=name,
        )
    if department == team:
        return department, ""
    return department, _(
        "Key drivers are computed for departments, not for each team: %(team)s shows the "
        "drivers of its department, %(department)s.",
        team=name,
        department=paths.get(department, str(department)),
    )
