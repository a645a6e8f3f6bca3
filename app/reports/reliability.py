"""A release's reliability: how consistently each dimension's items measure it, in every
cell a page can show, and whether the members of a team share a climate.

Pure (no Flask, no session). At publication, app.reports.queries gives each atom's
`ItemSums` per dimension (item sums and cross-products of the complete cases, keyed); they
add up over a cell's atoms, so alpha and the item-rest correlations of any shown cell follow
without reading the answers again. They are computed once, for the cells whose response
count and dimension score are shown and that hold at least `RELIABILITY_MIN_N` complete
answers, and stored with the release (`ReleaseReliability`); so is each dimension's
within-team agreement rwg(J) per level filter. A dimension holding an item not asked of
everybody (an item about the leader) has no complete case among the people not asked, so
its complete cases are counted only in the cells where the release may show how many were
asked (app.reports.item_report.complete_cells); elsewhere its cells say so. ICC(1), ICC(2)
and the minimum detectable difference come from the score sums every release stores, so
they are computed when read.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.i18n import N_, _, ngettext
from app.instruments.document import InstrumentDocument
from app.reports.publication import Atom, CellKey, LevelFilter, Publication
from app.reports.stats import (
    RELIABILITY_MIN_N,
    ItemSums,
    ScaleReliability,
    Summary,
    icc1,
    minimum_detectable_difference,
    rwg_j,
    scale_reliability,
)
from app.reports.stats.reliability import NO_VARIANCE, ONE_ITEM, TOO_FEW

#: A team's members agree when rwg(J) reaches this (LeBreton & Senter 2008).
AGREEMENT_AT = 0.70
#: The team sizes the minimum detectable difference is given for.
MDD_TEAM_SIZES = (5, 10, 20, 50)
NOT_SHOWN = "not shown: fewer than {k} answers in this group"
NOT_STORED = "not stored in this release (published before reliability per group)"
WITHHELD = (
    "fewer than {k}*: not shown, as its complete answers would tell how many people were "
    "not asked its items about the leader"
)

# The reasons above as the reader reads them. A release stores its reasons in English (they
# are computed when it is published), so they are translated when shown: the fixed ones by
# their text, the counted ones by their number.
_FIXED_REASONS = {
    ONE_ITEM: N_("one item: internal consistency needs at least two items"),
    NO_VARIANCE: N_("the total score does not vary"),
    NOT_STORED: N_("not stored in this release (published before reliability per group)"),
}
_COUNTED_REASONS = (
    (re.compile(r"fewer than (\d+) complete answers"), N_("fewer than %(n)s complete answers")),
    (
        re.compile(r"not shown: fewer than (\d+) answers in this group"),
        N_("not shown: fewer than %(n)s answers in this group"),
    ),
    (
        re.compile(
            r"fewer than (\d+)\*: not shown, as its complete answers would tell how many "
            r"people were not asked its items about the leader"
        ),
        N_(
            "fewer than %(n)s*: not shown, as its complete answers would tell how many people "
            "were not asked its items about the leader"
        ),
    ),
)


def reason_text(reason: str) -> str:
    """A stored reason in the reader's language (unchanged when it is none of ours)."""
    if reason in _FIXED_REASONS:
        return _(_FIXED_REASONS[reason])
    for pattern, message in _COUNTED_REASONS:
        if (found := pattern.fullmatch(reason)) is not None:
            return _(message, n=int(found.group(1)))
    return reason


@dataclass(frozen=True, slots=True)
class TeamAgreement:
    """Within-team agreement on one dimension at one level filter: rwg(J) over the teams
    (direct members) of at least k respondents, as their median and the share that agree."""

    teams: int
    median_rwg: float
    agreeing: float  # share of those teams with rwg(J) >= AGREEMENT_AT


@dataclass(frozen=True)
class ReleaseReliability:
    """What a release stores: each dimension's reliability per shown cell with enough
    complete answers, and each dimension's agreement per level filter (None: all levels).
    `items` counts each dimension's scored items (a one-item dimension has no alpha).
    `complete_shown` holds, for each dimension with an item not asked of everybody, the
    cells where its complete answers may be counted (empty in releases stored before)."""

    min_n: int
    items: Mapping[str, int]
    cells: Mapping[tuple[CellKey, str], ScaleReliability]
    agreement: Mapping[tuple[LevelFilter, str], TeamAgreement]
    complete: bool = True  # False: an older release, the organisation's alpha only
    complete_shown: Mapping[str, frozenset[CellKey]] = field(default_factory=dict)

    def of(self, cell: CellKey, key: str, *, shown: bool, k: int) -> ScaleReliability:
        """A dimension's reliability in a cell, or the reason it has none."""
        items = self.items.get(key, 0)
        if items < 2:
            return ScaleReliability(0, items, None, None, ONE_ITEM)
        if not shown:
            return ScaleReliability(0, items, None, None, NOT_SHOWN.format(k=k))
        if key in self.complete_shown and cell not in self.complete_shown[key]:
            # Whatever the count (even under min_n): a different reason would tell it apart.
            return ScaleReliability(0, items, None, None, WITHHELD.format(k=k))
        found = self.cells.get((cell, key))
        if found is None and not self.complete:
            return ScaleReliability(0, items, None, None, NOT_STORED)
        if found is None:
            return ScaleReliability(0, items, None, None, TOO_FEW.format(min_n=self.min_n))
        return found


def dimension_columns(document: InstrumentDocument) -> dict[str, list[tuple[str, bool, int]]]:
    """Each dimension's scored items as (key, reversed, min + max of its scale), in order."""
    by_dimension = document.items_by_dimension()
    columns: dict[str, list[tuple[str, bool, int]]] = {}
    for dimension in document.dimensions:
        columns[dimension.key] = [
            (item.key, item.reverse, item.scale.min + item.scale.max)
            for item in by_dimension[dimension.key]
            if item.scale is not None
        ]
    return columns


def atom_item_sums(
    rows: Iterable[tuple[int, int, Sequence[int | None]]],
    item_keys: Sequence[str],
    document: InstrumentDocument,
) -> dict[Atom, dict[str, ItemSums]]:
    """Each atom's `ItemSums` per dimension from response rows (team, level, answers to
    `item_keys`, None = missing): complete cases of the dimension's items, reverse-keyed
    items keyed, so that the sums are those of the scores' own direction."""
    column = {key: i for i, key in enumerate(item_keys)}
    by_atom: dict[Atom, list[Sequence[int | None]]] = {}
    for team, level, answered in rows:
        by_atom.setdefault((team, level), []).append(answered)
    result: dict[Atom, dict[str, ItemSums]] = {}
    for dimension, items in dimension_columns(document).items():
        if not items:
            continue
        at = [column[key] for key, _other, _more in items]
        flip = np.array([reverse for _other, reverse, _more in items])
        ends = np.array([total for _other, _more, total in items], dtype=np.float64)
        for atom, answers in by_atom.items():
            complete = [
                [row[c] for c in at] for row in answers if all(row[c] is not None for c in at)
            ]
            if not complete:
                continue
            x = np.array(complete, dtype=np.float64)
            x[:, flip] = ends[flip] - x[:, flip]
            result.setdefault(atom, {})[dimension] = ItemSums.from_answers(x)
    return result


def release_reliability(
    publication: Publication,
    sums: Mapping[Atom, Mapping[str, ItemSums]],
    document: InstrumentDocument,
    *,
    complete_shown: Mapping[str, frozenset[CellKey]] | None = None,
    min_n: int = RELIABILITY_MIN_N,
) -> ReleaseReliability:
    """Every dimension's reliability in every cell where its score is shown and at least
    `min_n` complete answers lie behind it, and its agreement per level filter (that of the
    organisation's cell at the filter). A dimension in `complete_shown` (one with an item
    not asked of everybody: app.reports.item_report.complete_cells) is computed only in the
    cells listed for it: its complete answers, counted or behind alpha, item-rest or rwg(J),
    would elsewhere bound how many people were not asked."""
    columns = dimension_columns(document)
    items = {key: len(columns.get(key, ())) for key in publication.dimension_keys}
    guarded = dict(complete_shown or {})

    def allowed(where: CellKey, key: str) -> bool:
        return key not in guarded or where in guarded[key]

    cells: dict[tuple[CellKey, str], ScaleReliability] = {}
    for cell, members in publication.cells.items():
        where: CellKey = (cell.team, cell.level)  # type: ignore[assignment]
        view = publication.view(*where)
        for key in publication.dimension_keys:
            if items[key] < 2 or not view.dimensions[key].shown or not allowed(where, key):
                continue
            found = [
                sums[(t, lv)][key] for t, lv, _other in members if key in sums.get((t, lv), {})
            ]
            if not found:
                continue
            total = _add(found)
            if total.n >= min_n:
                result = scale_reliability(total, min_n=min_n)
                if result.alpha is not None:
                    cells[(where, key)] = result
    agreement: dict[tuple[LevelFilter, str], TeamAgreement] = {}
    scales = _scale_points(document)
    for level in (None, *publication.levels):
        for key in publication.dimension_keys:
            if not allowed((None, level), key):
                continue
            found_agreement = _agreement(publication, sums, key, level, scales.get(key))
            if found_agreement is not None:
                agreement[(level, key)] = found_agreement
    return ReleaseReliability(min_n, items, cells, agreement, complete_shown=guarded)


def _add(found: Sequence[ItemSums]) -> ItemSums:
    total = found[0]
    for more in found[1:]:
        total = total + more
    return total


def _scale_points(document: InstrumentDocument) -> dict[str, int]:
    points: dict[str, int] = {}
    by_dimension = document.items_by_dimension()
    for dimension in document.dimensions:
        for item in by_dimension[dimension.key]:
            if item.scale is not None:
                points[dimension.key] = item.scale.max - item.scale.min + 1
                break
    return points


def _team_groups(publication: Publication, level: LevelFilter) -> dict[int, list[Atom]]:
    """The atoms of each team's direct members at a level filter: the organisation's cell
    at that filter holds them all."""
    groups: dict[int, list[Atom]] = {}
    for cell, members in publication.cells.items():
        if cell.team is None and cell.level == level:
            for team, atom_level, _other in members:
                groups.setdefault(team, []).append((team, atom_level))
    return groups


def _agreement(
    publication: Publication,
    sums: Mapping[Atom, Mapping[str, ItemSums]],
    key: str,
    level: LevelFilter,
    scale_points: int | None,
) -> TeamAgreement | None:
    """rwg(J) of every team (direct members) with at least k complete answers, where the
    organisation's score is shown at this level filter."""
    if scale_points is None or not publication.view(None, level).dimensions[key].shown:
        return None
    values: list[float] = []
    for atoms in _team_groups(publication, level).values():
        found = [sums[atom][key] for atom in atoms if key in sums.get(atom, {})]
        if not found:
            continue
        total = _add(found)
        cov = total.covariance()
        if total.n < publication.k or cov is None:
            continue
        values.append(rwg_j(np.diag(cov), scale_points))
    if not values:
        return None
    agreeing = sum(1 for v in values if v >= AGREEMENT_AT) / len(values)
    return TeamAgreement(len(values), statistics.median(values), agreeing)


@dataclass(frozen=True, slots=True)
class SharedClimate:
    """Do teams share a climate on one dimension (at a level filter)? ICC(1): the share of
    the answers' variance that lies between teams; ICC(2): how reliably a team's mean tells
    it apart; rwg(J) (stored) how much a team's members agree; and the smallest difference
    from the rest a team of each size in `MDD_TEAM_SIZES` can be flagged for."""

    key: str
    teams: int
    icc1: float | None
    icc2: float | None
    p: float | None
    agreement: TeamAgreement | None
    detectable: tuple[tuple[int, float], ...]

    def reading(self) -> str:
        """The plain-language reading of these figures."""
        parts: list[str] = []
        if self.icc1 is None or self.icc2 is None:
            parts.append(_("Too few teams of at least k people to compare teams."))
        else:
            share = f"{max(0.0, self.icc1) * 100:.0f}%"
            differ = self.p is not None and self.p < 0.05
            reliable = self.icc2 >= AGREEMENT_AT
            # One whole sentence per case: a translation may order its parts differently.
            if differ and reliable:
                text = _(
                    "%(share)s of the differences between people lie between teams; teams do "
                    "differ, and a team's mean tells it apart reliably (ICC(2) at least .70).",
                    share=share,
                )
            elif differ:
                text = _(
                    "%(share)s of the differences between people lie between teams; teams do "
                    "differ, but a team's mean alone does not tell it apart reliably (ICC(2) "
                    "below .70): read team differences with care.",
                    share=share,
                )
            elif reliable:
                text = _(
                    "%(share)s of the differences between people lie between teams; no more "
                    "than chance would give, and a team's mean tells it apart reliably (ICC(2) "
                    "at least .70).",
                    share=share,
                )
            else:
                text = _(
                    "%(share)s of the differences between people lie between teams; no more "
                    "than chance would give, but a team's mean alone does not tell it apart "
                    "reliably (ICC(2) below .70): read team differences with care.",
                    share=share,
                )
            parts.append(text)
        if self.agreement is not None:
            a = self.agreement
            parts.append(
                ngettext(
                    "Members agree (rwg(J) at least .70) in %(share)s of %(num)d team.",
                    "Members agree (rwg(J) at least .70) in %(share)s of %(num)d teams.",
                    a.teams,
                    share=f"{a.agreeing * 100:.0f}%",
                )
            )
        return " ".join(parts)


def shared_climate(
    publication: Publication,
    key: str,
    level: LevelFilter,
    agreement: TeamAgreement | None,
) -> SharedClimate | None:
    """ICC(1), ICC(2) (over teams' direct members with at least k answers), the stored
    agreement, and the minimum detectable difference for teams of each size in
    `MDD_TEAM_SIZES` at this level filter; None where the organisation's score is hidden."""
    org = publication.view(None, level).dimensions[key]
    if org.summary is None:
        return None
    groups: list[Summary] = []
    for atoms in _team_groups(publication, level).values():
        n = total = total_sq = 0.0
        for atom in atoms:
            s = publication.sums(key).get(atom)
            if s is not None:
                n, total, total_sq = n + s.n, total + s.total, total_sq + s.total_sq
        if n >= publication.k:
            groups.append(Summary.from_sums(int(n), total, total_sq))
    icc = icc1(groups)
    sd = org.summary.sd
    detectable = tuple(
        (size, minimum_detectable_difference(sd, size, org.summary.n - size))
        for size in MDD_TEAM_SIZES
        if sd is not None and size < org.summary.n
    )
    return SharedClimate(
        key,
        len(groups),
        icc.icc1 if icc else None,
        icc.icc2 if icc else None,
        icc.p if icc else None,
        agreement,
        detectable,
    )
