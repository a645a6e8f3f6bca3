"""A release's item report: what a pilot needs to judge each item, decided at publication.

Pure (no Flask, no session). Most of an item's statistics follow from what every release
already stores and discloses, the answer counts per atom (its distribution, its "prefer not
to answer" and midpoint shares, its mean and SD): they are computed when a page reads them
(app.reports.item_report_view). What needs the single answers is stored here, once:

* each dimension's alpha, its items' item-rest correlations and the alpha with each item
  deleted, in every cell where the release shows the dimension's score and at least
  `min_n` complete cases lie behind it (the reliability page's rule);
* which items were not asked of everybody (``partial``: an item about the group's leader is
  not asked of the people who lead it), and for each of them the cells where the count of
  people asked may be shown (``asked_shown``, decided through app.reports.privacy together
  with the release's response counts by app.reports.item_release): a "prefer not to
  answer" share of such an item tells how many were asked, and the response count minus
  that number is how many were not, a group the release may hide.

A dimension holding such an item has no complete case among the people not asked, so its
count of complete cases (and every statistic computed on them) bounds how many were not
asked too: it is computed only in the cells where the count of people asked may be shown
(`complete_cells`), the one decision app.reports.item_release makes, not a second rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from app.reports.publication import Atom, CellKey, Publication
from app.reports.stats import RELIABILITY_MIN_N, ItemSums
from app.reports.stats.items import ItemAnalysis, item_analysis


@dataclass(frozen=True)
class ReleaseItemReport:
    """What a release stores for its item report (see the module docstring). ``dimensions``
    lists each dimension's scored items in order (the order of the stored tuples)."""

    min_n: int
    dimensions: Mapping[str, tuple[str, ...]]
    cells: Mapping[tuple[CellKey, str], ItemAnalysis]
    partial: frozenset[str]
    asked_shown: Mapping[str, frozenset[CellKey]]

    def analysis(self, cell: CellKey, dimension: str) -> ItemAnalysis | None:
        """The stored analysis of a dimension in a cell; None where none was computed."""
        return self.cells.get((cell, dimension))

    def pna_shown(self, item: str, cell: CellKey) -> bool:
        """Whether the number of people asked `item` may be shown in `cell` (given that its
        answers are): always for an item asked of everybody (it is the response count)."""
        if item not in self.partial:
            return True
        return cell in self.asked_shown.get(item, frozenset())

    def complete_shown(self, cell: CellKey, dimension: str) -> bool:
        """Whether a dimension's complete cases may be counted in `cell`: always for a
        dimension whose items are asked of everybody (see `complete_cells`)."""
        guarded = self._guarded
        return dimension not in guarded or cell in guarded[dimension]

    @cached_property
    def _guarded(self) -> dict[str, frozenset[CellKey]]:
        return complete_cells(self.dimensions, self.partial, self.asked_shown)


def complete_cells(
    dimensions: Mapping[str, Sequence[str]],
    partial: frozenset[str],
    asked_shown: Mapping[str, frozenset[CellKey]],
) -> dict[str, frozenset[CellKey]]:
    """For each dimension holding an item not asked of everybody, the cells where its count
    of complete cases may be shown: those where the count of people asked its partial items
    may be (all of them, should they ever differ in who was asked). Someone not asked has
    no complete case, so elsewhere the response count minus the complete cases would bound
    the people not asked, a group the release may hide. Dimensions asked of everybody are
    absent (no limit beyond the release's own)."""
    guarded: dict[str, frozenset[CellKey]] = {}
    for key, items in dimensions.items():
        limited = [asked_shown.get(item, frozenset()) for item in items if item in partial]
        if limited:
            guarded[key] = frozenset.intersection(*limited)
    return guarded


def build_item_report(
    publication: Publication,
    sums: Mapping[Atom, Mapping[str, ItemSums]],
    dimensions: Mapping[str, Sequence[str]],
    *,
    partial: frozenset[str] = frozenset(),
    asked_shown: Mapping[str, frozenset[CellKey]] | None = None,
    min_n: int = RELIABILITY_MIN_N,
) -> ReleaseItemReport:
    """The item analysis of every dimension with at least two items in every cell of the
    publication where its score is shown and at least `min_n` complete cases lie behind it
    (`sums`: each atom's complete-case `ItemSums` per dimension, reverse-keyed items keyed,
    as app.reports.reliability.atom_item_sums gives them), except where a dimension's
    complete cases would tell how many people were not asked its items (`complete_cells`)."""
    stacked = _Stacked(sums, dimensions)
    guarded = complete_cells(dimensions, partial, asked_shown or {})
    cells: dict[tuple[CellKey, str], ItemAnalysis] = {}
    for cell, members in publication.cells.items():
        where: CellKey = (cell.team, cell.level)  # type: ignore[assignment]
        atoms = [(team, level) for team, level, _ in members]
        for key, items in dimensions.items():
            if len(items) < 2 or not publication.measure_shown(*where, key):
                continue
            if key in guarded and where not in guarded[key]:
                continue
            total = stacked.total(key, atoms)
            if total is not None and total.n >= min_n:
                cells[(where, key)] = item_analysis(total, min_n=min_n)
    return ReleaseItemReport(
        min_n,
        {key: tuple(items) for key, items in dimensions.items()},
        cells,
        partial,
        dict(asked_shown or {}),
    )


class _Stacked:
    """Each dimension's atom sums as arrays, so that a cell's total is one sum over rows (an
    organisation's cell adds hundreds of atoms, and a release has thousands of cells)."""

    def __init__(
        self, sums: Mapping[Atom, Mapping[str, ItemSums]], dimensions: Mapping[str, Sequence[str]]
    ) -> None:
        self._rows: dict[str, dict[Atom, int]] = {}
        self._n: dict[str, np.ndarray] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._products: dict[str, np.ndarray] = {}
        for key in dimensions:
            found = [(atom, by_key[key]) for atom, by_key in sums.items() if key in by_key]
            if not found:
                continue
            self._rows[key] = {atom: i for i, (atom, _) in enumerate(found)}
            self._n[key] = np.array([s.n for _, s in found], dtype=np.int64)
            self._sums[key] = np.array([s.sums for _, s in found], dtype=np.float64)
            self._products[key] = np.array([s.products for _, s in found], dtype=np.float64)

    def total(self, key: str, atoms: Sequence[Atom]) -> ItemSums | None:
        rows = self._rows.get(key)
        if rows is None:
            return None
        at = [rows[atom] for atom in atoms if atom in rows]
        if not at:
            return None
        n = int(self._n[key][at].sum())
        s = self._sums[key][at].sum(axis=0)
        p = self._products[key][at].sum(axis=0)
        return ItemSums(n, tuple(s.tolist()), tuple(tuple(row) for row in p.tolist()))


# --- stored form (a section of the release: app.reports.snapshot_format) ------------------


def item_report_json(report: ReleaseItemReport) -> dict[str, Any]:
    """The report as the release's ``item_report`` section."""

    def optional(values: tuple[float | None, ...] | None) -> list[float | None] | None:
        return None if values is None else list(values)

    return {
        "min_n": report.min_n,
        "dimensions": {key: list(items) for key, items in report.dimensions.items()},
        "cells": [
            [
                team,
                level,
                key,
                a.n,
                a.items,
                a.alpha,
                optional(a.item_rest),
                optional(a.alpha_if_deleted),
                a.reason,
            ]
            for ((team, level), key), a in sorted(report.cells.items(), key=repr)
        ],
        "partial": sorted(report.partial),
        "asked_shown": {
            item: [[team, level] for team, level in sorted(cells, key=repr)]
            for item, cells in sorted(report.asked_shown.items())
        },
    }


def item_report_from_json(block: Mapping[str, Any]) -> ReleaseItemReport:
    """The report stored by `item_report_json`."""

    def floats(values: list[Any] | None) -> tuple[float | None, ...] | None:
        return None if values is None else tuple(None if v is None else float(v) for v in values)

    cells: dict[tuple[CellKey, str], ItemAnalysis] = {}
    for team, level, key, n, items, alpha, rest, deleted, reason in block["cells"]:
        cells[((team, level), key)] = ItemAnalysis(
            int(n),
            int(items),
            None if alpha is None else float(alpha),
            floats(rest),
            floats(deleted),
            reason,
        )
    return ReleaseItemReport(
        int(block["min_n"]),
        {key: tuple(items) for key, items in block["dimensions"].items()},
        cells,
        frozenset(block["partial"]),
        {
            item: frozenset((team, level) for team, level in rows)
            for item, rows in block["asked_shown"].items()
        },
    )
