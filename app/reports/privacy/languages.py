"""The response's language as a cut: which languages may be cut and the cells of the cut.

Respondents are grouped into finer atoms, ``(team, level, language)`` of direct members,
where the language is :data:`NOT_RECORDED` for a response stored before the language was
recorded. A **language cell** ``(team, level, language)`` holds the responses in the team's
subtree (``None``: the organisation), at the level (``None``: all levels), answered in the
language. The release's team x level cells are the same sets over these atoms (every
language, recorded or not), so both kinds of cells go into one decision of
:func:`app.reports.privacy.suppress`: a language cell is hidden under k, and hidden again
where it would let a hidden cell be worked out by subtraction (a group's total minus its
shown languages, levels minus languages, one release minus another). A response whose
language was not recorded counts in every total and in no language cell.

Two languages are never cut at all (:func:`cut_languages`): one whose responses all come from
a single team (its cells would describe the speakers of that one team wherever they appear,
and a reader who knows who speaks it there learns about them), and the only language of a
survey (its cell is the total again, nothing to compare).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Final, TypeVar, cast

from app.reports.privacy.model import _canon
from app.reports.privacy.teams import report_cells

T = TypeVar("T", bound=Hashable)

NOT_RECORDED: Final = ""
"""The language of a response stored before the language was recorded: in every total,
never a language cell."""

LanguageAtom = tuple[int, int, str]
"""(team of direct members, level, language code or NOT_RECORDED)."""
LanguageCell = tuple[int | None, int | None, str]
"""(team rollup or None for the organisation, level or None for all, language code)."""
TotalCell = tuple[int | None, int | None]
"""A team x level cell of the release (every language), as the release keys it."""


def cut_languages(counts: Mapping[LanguageAtom, int]) -> tuple[str, ...]:
    """The languages a release may cut its results by, in code order: those answered in at
    least two teams (direct members), and only when at least two languages qualify. An
    empty tuple means no language cut at all."""
    teams: dict[str, set[int]] = {}
    for (team, _level, language), n in counts.items():
        if n > 0 and language != NOT_RECORDED:
            teams.setdefault(language, set()).add(team)
    found = tuple(sorted(language for language, where in teams.items() if len(where) >= 2))
    return found if len(found) >= 2 else ()


def language_cells(
    tree: Mapping[int, int | None],
    atoms: Iterable[LanguageAtom],
    languages: Iterable[str],
) -> dict[TotalCell | LanguageCell, frozenset[LanguageAtom]]:
    """The cells of a release with a language cut, over language atoms: every team x level
    cell (keyed ``(team, level)``, all languages, recorded or not) and every language cell
    ``(team, level, language)`` of the given languages, for every team rollup, the
    organisation, every level and all levels.

    Raises ValueError for an atom of an unknown team (as ``report_cells`` does).
    """
    wanted = set(languages)
    if NOT_RECORDED in wanted:
        raise ValueError("an unrecorded language is never a cell of its own")
    cells: dict[TotalCell | LanguageCell, frozenset[LanguageAtom]] = {}
    # report_cells' third axis is the language here; its "all" (None) is the total cell.
    for cell, members in report_cells(tree, atoms, all_waves=True).items():
        language = cell.wave
        team = cast(int | None, cell.team)
        level = cast(int | None, cell.level)
        found = cast(frozenset[LanguageAtom], members)
        if language is None:
            cells[(team, level)] = found
        elif language in wanted:
            cells[(team, level, str(language))] = found
    return dict(sorted(cells.items(), key=lambda item: _canon(item[0])))
