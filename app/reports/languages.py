"""The language cut of a release: response counts and family indices by the language the
survey was answered in, decided through app.reports.privacy with the release's own cells.

Pure (no Flask, no session). A release first decides its team x level cells
(app.reports.snapshot.decide_release); then :func:`decide_languages` decides the language
cells (app.reports.privacy.languages) in one suppression with those cells, which are public
by then (fixed), and with every earlier release's cells, split by interval of arrival as the
release's own decisions are. So no sum or difference of shown numbers, across teams, levels,
languages or releases, isolates between 1 and k - 1 respondents, and the cut never hides a
number the release would show without it. A family index shows in a language cell only
where the cell's response count shows and its own count (responses with that index) passes
the same decision.

What a release stores (:meth:`LanguageCut.stored`): the counts and family sums per language
atom, always (a later release splits its counts by interval with them), and the decisions
where the release has a cut. A survey with a release stored before languages were recorded
never gets a cut: its earlier counts cannot be split by language.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.reports.privacy import REASONS, Disclosed, Reason
from app.reports.privacy.languages import (
    NOT_RECORDED,
    LanguageAtom,
    LanguageCell,
    TotalCell,
    cut_languages,
    language_cells,
)
from app.reports.publication import Measure, Reasons, ScoreSums, Shown
from app.reports.snapshot import decide_with_reasons
from app.reports.stats import Bounds, Summary

LanguageShown = Mapping[LanguageCell, int]
LanguageReasons = Mapping[LanguageCell, Reason]
AnyCell = TotalCell | LanguageCell


@dataclass(frozen=True)
class LanguageAggregates:
    """Responses and family-index sums per language atom (team, level, language; the
    language NOT_RECORDED for responses stored before it was)."""

    responses: Mapping[LanguageAtom, int]
    family_sums: Mapping[LanguageAtom, Mapping[str, ScoreSums]]

    def score_counts(self, key: str) -> dict[LanguageAtom, int]:
        """How many responses have this family index, per atom."""
        return {atom: sums[key].n for atom, sums in self.family_sums.items() if key in sums}


@dataclass(frozen=True)
class ReleaseCells:
    """What one release decided of its own team x level cells (the response counts under
    the key None, each family index under its key) and why it hides what it hides: the
    part of a release the language decision reads."""

    parents: Mapping[int, int | None]
    shown: Mapping[str | None, Shown]
    reasons: Mapping[str | None, Reasons]


@dataclass(frozen=True)
class LanguageCut:
    """A release's language cut. `languages` are the languages cut (empty: the release has
    no cut, see app.reports.privacy.languages.cut_languages); `responses` and `scores` the
    shown language cells with their counts; `reasons` why hidden cells are hidden where the
    release tells it (response counts under None, each family index under its key)."""

    k: int
    aggregates: LanguageAggregates
    languages: tuple[str, ...] = ()
    responses: LanguageShown = field(default_factory=dict)
    scores: Mapping[str, LanguageShown] = field(default_factory=dict)
    reasons: Mapping[str | None, LanguageReasons] = field(default_factory=dict)
    scales: Mapping[str, Bounds] = field(default_factory=dict)
    parents: Mapping[int, int | None] = field(default_factory=dict)
    # At publication only (the release stores them as its own): why the release's team x
    # level cells are hidden, decided again together with the language cells, so that one
    # witness covers both (app.reports.privacy.markers). None: the release's stand.
    total_reasons: Mapping[TotalCell, Reason] | None = field(default=None, compare=False)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def shown_languages(self) -> tuple[str, ...]:
        """The languages with at least one shown cell: the language filter's choices. A
        page offers the filter only when there are two or more."""
        found = {language for (_team, _level, language) in self.responses}
        return tuple(language for language in self.languages if language in found)

    def responded(self, team: int | None, level: int | None, language: str) -> Disclosed:
        """The decision on a language cell's response count."""
        cell = (team, level, language)
        n = self.responses.get(cell)
        if n is not None:
            return Disclosed.visible(n, self.k)
        return Disclosed.hidden(self.k, self.reasons.get(None, {}).get(cell))

    def measure(self, team: int | None, level: int | None, language: str, key: str) -> Measure:
        """A family index in a language cell: shown where the cell's response count and the
        index's own count are both shown; hidden cells carry no number, only the label."""
        responses = self.responded(team, level, language)
        if not responses.shown:
            return Measure(key, responses)
        cell = (team, level, language)
        n = self.scores.get(key, {}).get(cell)
        if n is None:
            return Measure(key, Disclosed.hidden(self.k, self.reasons.get(key, {}).get(cell)))
        total = ScoreSums()
        for atom in self._cells().get(cell, ()):
            sums = self.aggregates.family_sums.get(atom, {}).get(key)
            if sums is not None:
                total = total + sums
        summary = Summary.from_sums(total.n, total.total, total.total_sq)
        mean = summary.mean_ci(bounds=self.scales.get(key))
        return Measure(key, Disclosed.visible(n, self.k), summary, mean)

    def _cells(self) -> Mapping[AnyCell, frozenset[LanguageAtom]]:
        if "cells" not in self._memo:
            self._memo["cells"] = language_cells(
                self.parents, self.aggregates.responses, self.languages
            )
        cells: Mapping[AnyCell, frozenset[LanguageAtom]] = self._memo["cells"]
        return cells

    # --- storage --------------------------------------------------------------------------

    def stored(self) -> dict[str, Any]:
        """The cut as a release's `languages` section (JSON); read back with `from_stored`."""
        a = self.aggregates
        atoms = sorted({*a.responses, *a.family_sums})
        return {
            "languages": list(self.languages),
            "atoms": [[t, lv, lang, a.responses.get((t, lv, lang), 0)] for t, lv, lang in atoms],
            "families": [
                [t, lv, lang, key, s.n, s.total, s.total_sq]
                for t, lv, lang in atoms
                for key, s in sorted(a.family_sums.get((t, lv, lang), {}).items())
            ],
            "shown": {
                "responses": _cells_json(self.responses),
                "scores": {key: _cells_json(v) for key, v in sorted(self.scores.items())},
            },
            "reasons": {
                "responses": _cells_json(self.reasons.get(None, {})),
                "scores": {
                    key: _cells_json(v) for key, v in sorted(self.reasons.items(), key=repr) if key
                },
            },
        }

    @classmethod
    def from_stored(
        cls,
        block: Mapping[str, Any],
        *,
        k: int,
        parents: Mapping[int, int | None],
        scales: Mapping[str, Bounds],
    ) -> LanguageCut:
        family_sums: dict[LanguageAtom, dict[str, ScoreSums]] = {}
        for team, level, language, key, n, total, total_sq in block["families"]:
            family_sums.setdefault((team, level, language), {})[key] = ScoreSums(
                int(n), float(total), float(total_sq)
            )
        shown = block["shown"]
        stored_reasons = block["reasons"]
        reasons: dict[str | None, LanguageReasons] = {
            None: _reasons_from(stored_reasons["responses"])
        }
        reasons.update({key: _reasons_from(v) for key, v in stored_reasons["scores"].items()})
        return cls(
            k=k,
            aggregates=LanguageAggregates(
                {(t, lv, lang): int(n) for t, lv, lang, n in block["atoms"] if n},
                family_sums,
            ),
            languages=tuple(block["languages"]),
            responses=_shown_from(shown["responses"]),
            scores={key: _shown_from(v) for key, v in shown["scores"].items()},
            reasons=reasons,
            scales=scales,
            parents=parents,
        )


def _cells_json(cells: Mapping[LanguageCell, object]) -> list[list[object]]:
    return [[t, lv, lang, v] for (t, lv, lang), v in sorted(cells.items(), key=repr)]


def _shown_from(rows: list[list[Any]]) -> dict[LanguageCell, int]:
    return {(t, lv, lang): int(n) for t, lv, lang, n in rows}


def _reasons_from(rows: list[list[Any]]) -> dict[LanguageCell, Reason]:
    return {(t, lv, lang): why for t, lv, lang, why in rows if why in REASONS}


# --- deciding ---------------------------------------------------------------------------


def decide_languages(
    current: LanguageAggregates,
    cells_now: ReleaseCells,
    earlier: Sequence[tuple[ReleaseCells, LanguageCut | None]],
    *,
    k: int,
    family_keys: Sequence[str],
    scales: Mapping[str, Bounds] | None = None,
) -> LanguageCut:
    """The language cut of a new release, decided with its own team x level decisions
    (`cells_now`, public once published: nothing here hides them) and with every earlier
    release (its decisions and its cut; None for a release stored before languages were
    recorded, which rules the cut out, see the module docstring).

    Response counts are decided first; each family index then on its own counts, starting
    from the language cells whose response count is hidden. The release's team x level
    cells hidden by their own decision stay hidden here; why they are hidden is decided
    again together with the language cells' reasons (`LanguageCut.total_reasons`, which the
    release stores as its own), since both sets of bounds together must pin nobody down
    (app.reports.privacy.markers). An index's own reasons stay as they were, bounds the
    language cells' must live with.
    """
    scales = scales or {}
    no_cut = LanguageCut(k, current, scales=scales, parents=cells_now.parents)
    languages = cut_languages(current.responses)
    if not languages or any(cut is None for _, cut in earlier):
        return no_cut
    releases = [*earlier, (cells_now, None)]
    cells = [
        language_cells(
            release.parents,
            (cut.aggregates.responses if cut is not None else current.responses),
            cut.languages if cut is not None else languages,
        )
        for release, cut in releases
    ]
    past = [cut for _, cut in earlier if cut is not None]

    def decide(
        key: str | None,
        counts: Sequence[Mapping[LanguageAtom, int]],
        also_withheld: Collection[LanguageCell] = (),
    ) -> tuple[dict[AnyCell, int], dict[AnyCell, Reason]]:
        shown_before: list[set[AnyCell]] = []
        told: list[dict[AnyCell, Reason]] = []
        for r, (release, cut) in enumerate(releases):
            told_r: dict[AnyCell, Reason] = {
                c: why for c, why in release.reasons.get(key, {}).items() if c in cells[r]
            }
            if cut is None:  # the new release: its response counts' reasons are decided
                # again below with the language cells' (one witness for both); an index's
                # own reasons are bounds the language cells must live with.
                told.append(told_r if key is not None else {})
                continue
            shown_r: set[AnyCell] = set(release.shown.get(key, {}))
            shown_r.update(cut.responses if key is None else cut.scores.get(key, {}))
            shown_before.append(shown_r & set(cells[r]))
            told_r.update(cut.reasons.get(key, {}).items())
            told.append(told_r)
        fixed = set(cells_now.shown.get(key, {})) & set(cells[-1])
        totals = {cell for cell in cells[-1] if len(cell) == 2}
        withheld = (totals - fixed) | set(also_withheld)
        return decide_with_reasons(
            cells,
            counts,
            shown_before,
            k,
            withheld=withheld,
            told_before=told,
            fixed=fixed,
            explain_withheld=(totals - fixed) if key is None else (),
        )

    shown, why = decide(None, [*(cut.aggregates.responses for cut in past), current.responses])
    responses = _language_part(shown)
    reasons: dict[str | None, LanguageReasons] = {None: _language_part(why)}
    total_reasons = {cell: r for cell, r in why.items() if len(cell) == 2}
    hidden = {cell for cell in _language_part(cells[-1]) if cell not in responses}
    scores: dict[str, LanguageShown] = {}
    response_counts = [*(cut.aggregates.responses for cut in past), current.responses]
    for key in family_keys:
        counts = [*(cut.aggregates.score_counts(key) for cut in past), current.score_counts(key)]
        if _same_counts(counts, response_counts) and _same_shown(key, releases):
            # Everybody has this index: its decision starts from the response counts' hidden
            # cells with the same counts, so it shows exactly what they show (and a hidden
            # cell reads its response count's label), without another suppression.
            scores[key], reasons[key] = dict(responses), {}
            continue
        shown_key, why_key = decide(key, counts, hidden)
        scores[key] = _language_part(shown_key)
        reasons[key] = _language_part(why_key)
    return LanguageCut(
        k,
        current,
        languages,
        responses,
        scores,
        reasons,
        scales,
        cells_now.parents,
        total_reasons=total_reasons,
    )


def _same_counts(
    a: Sequence[Mapping[LanguageAtom, int]], b: Sequence[Mapping[LanguageAtom, int]]
) -> bool:
    """Whether two sequences of counts are equal (atoms with 0 count left out)."""
    return all(
        {atom: n for atom, n in x.items() if n} == {atom: n for atom, n in y.items() if n}
        for x, y in zip(a, b, strict=True)
    )


def _same_shown(key: str, releases: Sequence[tuple[ReleaseCells, LanguageCut | None]]) -> bool:
    """Whether every release shows for an index what it shows for its response counts
    (team x level cells and, for earlier releases, language cells). Its told reasons are
    then a subset of theirs (its hidden cells are all withheld from the start), so the
    response counts' witness serves it too."""
    for release, cut in releases:
        if release.shown.get(key, {}) != release.shown.get(None, {}):
            return False
        if cut is not None and cut.scores.get(key, {}) != cut.responses:
            return False
    return True


def _language_part(decided: Mapping[AnyCell, Any]) -> dict[LanguageCell, Any]:
    """The language cells of a decision (the team x level cells were decided before)."""
    return {cell: value for cell, value in decided.items() if len(cell) == 3}


__all__ = [
    "NOT_RECORDED",
    "LanguageAggregates",
    "LanguageCut",
    "ReleaseCells",
    "decide_languages",
]
