"""The overview's language cut, from what the release stored (app.reports.languages).

Pure (no Flask, no session): it reads only the cut's decisions, so a hidden cell carries no
number, only its label. Languages are codes here; templates show them by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.instruments.document import InstrumentDocument
from app.reports.languages import LanguageCut
from app.reports.privacy import Disclosed
from app.reports.publication import Measure


@dataclass(frozen=True)
class LanguageIndex:
    """One family index in one language cell."""

    label: str
    desirable: str
    measure: Measure


@dataclass(frozen=True)
class LanguageRow:
    """One language in the filtered cell (team subtree, level): its response count and
    family indices, each shown or carrying its hidden label."""

    language: str
    responses: Disclosed
    indices: Sequence[LanguageIndex]


def offered_languages(cut: LanguageCut | None) -> tuple[str, ...]:
    """The languages the filter offers: those with a shown cell, when there are two or more
    (one language alone is no cut: its cells would be the totals again)."""
    if cut is None:
        return ()
    shown = cut.shown_languages
    return shown if len(shown) >= 2 else ()


def language_rows(
    cut: LanguageCut,
    team: int | None,
    level: int | None,
    document: InstrumentDocument,
    language: str,
    only: str | None = None,
) -> list[LanguageRow]:
    """The filtered cell by language: one row per offered language (or the one chosen,
    `only`), the family indices labelled in the instrument's `language`."""
    rows = []
    for code in offered_languages(cut):
        if only is not None and code != only:
            continue
        indices = [
            LanguageIndex(
                document.text(family.label, language),
                family.desirable,
                cut.measure(team, level, code, family.key),
            )
            for family in document.families
        ]
        rows.append(LanguageRow(code, cut.responded(team, level, code), indices))
    return rows
