"""The team tree and the cells built on it: rollups, team x level x wave reports, response
rates. Each becomes a family of cells decided by :func:`disclose_cells`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from app.reports.privacy.model import Disclosed, _canon, _validated_counts
from app.reports.privacy.suppression import disclose_cells

T = TypeVar("T", bound=Hashable)


def team_subtrees(tree: Mapping[T, T | None]) -> dict[T, frozenset[T]]:
    """Each team's subtree (itself and all descendants) from ``team -> parent`` (None: root).

    Raises ValueError for an unknown parent or a cycle.
    """
    children: dict[T, list[T]] = {team: [] for team in tree}
    roots: list[T] = []
    for team, parent in tree.items():
        if parent is None:
            roots.append(team)
        elif parent not in children:
            raise ValueError(f"team {team!r} has unknown parent {parent!r}")
        else:
            children[parent].append(team)
    post_order: list[T] = []
    stack: list[tuple[T, bool]] = [(root, False) for root in roots]
    while stack:
        team, expanded = stack.pop()
        if expanded:
            post_order.append(team)
        else:
            stack.append((team, True))
            stack.extend((child, False) for child in children[team])
    if len(post_order) != len(tree):
        raise ValueError("the team tree has a cycle")
    subtree: dict[T, frozenset[T]] = {}
    for team in post_order:
        members = {team}
        for child in children[team]:
            members |= subtree[child]
        subtree[team] = frozenset(members)
    return subtree


def disclose_team_tree(
    tree: Mapping[T, T | None], counts: Mapping[T, int], k: int
) -> dict[T | None, Disclosed]:
    """The rollup view: each team's figure covers its own members and all descendants.

    ``counts`` are responses per team from direct members only (missing teams count 0). The
    key ``None`` is the whole organisation, which is always part of the view: the org total
    minus the shown root rollups is a subtraction like any other.
    """
    subtrees = team_subtrees(tree)
    for team in counts:
        if team not in subtrees:
            raise ValueError(f"count for unknown team {team!r}")
    cells: dict[T | None, frozenset[T]] = {None: frozenset(tree)}
    for team, members in subtrees.items():
        cells[team] = members
    return disclose_cells(cells, counts, k)


class ReportCell(NamedTuple):
    """A cell of a team x level x wave report; ``None`` means "all" on that axis."""

    team: Hashable | None
    level: Hashable | None
    wave: Hashable | None


def report_cells(
    tree: Mapping[T, T | None],
    atoms: Iterable[tuple[T, Hashable, Hashable]],
    *,
    by_level: bool = True,
    all_waves: bool = False,
) -> dict[ReportCell, frozenset[tuple[T, Hashable, Hashable]]]:
    """Every cell of the team x level x wave publication, as sets of ``(team, level, wave)``.

    Teams roll up (a team cell covers its subtree); ``team=None`` is the organisation. With
    ``by_level`` each team also appears per level; with ``all_waves`` every cell also appears
    aggregated over all the waves present (a trend's "all waves" column).
    """
    subtrees = team_subtrees(tree)
    atom_set = set(atoms)
    for team, level, wave in atom_set:
        if team not in subtrees:
            raise ValueError(f"atom for unknown team {team!r}")
        if level is None or wave is None:
            raise ValueError("an atom's level and wave must not be None (None means 'all')")
    levels = sorted({level for _, level, _ in atom_set}, key=_canon)
    waves: list[Hashable | None] = sorted({wave for _, _, wave in atom_set}, key=_canon)
    if all_waves:
        waves.append(None)
    level_axis: list[Hashable | None] = [*levels, None] if by_level else [None]
    team_axis: list[T | None] = [*sorted(subtrees, key=_canon), None]
    # Atoms grouped by team once: a subtree's atoms are then its teams' lists (a scan of
    # every atom for every team costs teams x atoms, 130,000 tests at 200 teams).
    by_team: dict[T, list[tuple[T, Hashable, Hashable]]] = {}
    for atom in atom_set:
        by_team.setdefault(atom[0], []).append(atom)
    cells: dict[ReportCell, frozenset[tuple[T, Hashable, Hashable]]] = {}
    for scope in team_axis:
        members = subtrees[scope] if scope is not None else frozenset(subtrees)
        in_team = [a for team in members for a in by_team.get(team, ())]
        for level in level_axis:
            at_level = in_team if level is None else [a for a in in_team if a[1] == level]
            for wave in waves:
                cells[ReportCell(scope, level, wave)] = frozenset(
                    a for a in at_level if wave is None or a[2] == wave
                )
    return cells


@dataclass(frozen=True, slots=True)
class ResponseRate:
    """A team's response rate: ``invited`` is always shown (HR knows who was invited);
    ``responded`` follows the threshold; ``rate`` is None whenever ``responded`` is hidden."""

    invited: int
    responded: Disclosed

    @property
    def rate(self) -> float | None:
        if not self.responded.shown or self.responded.n is None or self.invited == 0:
            return None
        return self.responded.n / self.invited


def disclose_response_rates(
    tree: Mapping[T, T | None],
    invited: Mapping[T, int],
    responded: Mapping[T, int],
    k: int,
) -> dict[T | None, ResponseRate]:
    """Response rates per team rollup and for the organisation (key ``None``).

    Responded counts get exactly the rollup rule of :func:`disclose_team_tree` (same counts,
    same cells, hence the same decisions as the scores of that view). Invited counts are not
    masked: HR imported them. Limit: a hidden responded count is at most its invited count,
    so hidden groups that all responded can be pinned down by bounds (their answers cannot).
    """
    subtrees = team_subtrees(tree)
    invited_counts = _validated_counts(invited)
    responded_counts = _validated_counts(responded)
    for team in (*invited_counts, *responded_counts):
        if team not in subtrees:
            raise ValueError(f"count for unknown team {team!r}")
    for team, count in responded_counts.items():
        if count > invited_counts.get(team, 0):
            raise ValueError(f"team {team!r}: more responses than invitations")
    decisions = disclose_team_tree(tree, responded_counts, k)
    totals: dict[T | None, int] = {
        team: sum(invited_counts.get(t, 0) for t in members) for team, members in subtrees.items()
    }
    totals[None] = sum(invited_counts.values())
    return {team: ResponseRate(totals[team], decisions[team]) for team in decisions}
