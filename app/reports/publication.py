"""A survey's publication: every cell any staff user may see, decided at once.

Pure (no Flask, no session). It takes the additive aggregates that app.reports.queries
computes per atom (team, level), builds the team x level cells of the publication (teams roll
up their subtrees; `team=None` is the organisation, `level=None` all levels), passes every
count through app.reports.privacy, and only then computes statistics with app.reports.stats.

Each statistic (a family index, a dimension score) is disclosed on its own counts (the
responses that have that score), and only where the cell's response count is disclosed too:
a statistic is shown when both decisions show it. A hidden statistic carries no numbers at
all, so neither a page nor an export can print one by mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy import sparse  # type: ignore[import-untyped, unused-ignore]

from app.reports.privacy import (
    Disclosed,
    Reason,
    ReportCell,
    comments_visible,
    disclose_cells,
    report_cells,
    team_subtrees,
)
from app.reports.stats import (
    Bounds,
    MeanCI,
    Summary,
    TeamVsRest,
    benjamini_hochberg,
    team_vs_rest,
)

# Respondents are grouped into atoms: (team, level) of direct members. Responses without a
# level fall into NO_LEVEL.
NO_LEVEL = 0
Atom = tuple[int, int]


@dataclass(frozen=True)
class ScoreSums:
    """Additive aggregates of one score over a group: count, sum, sum of squares, and how
    many people's scores fall in the family's favourable band (`people_favourable`: a
    person-level count, stored with every release but shown nowhere; "% favourable" is a
    share of answers, `FavourableShare`). Sums of groups add up."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    people_favourable: int = 0

    def __add__(self, other: ScoreSums) -> ScoreSums:
        return ScoreSums(
            self.n + other.n,
            self.total + other.total,
            self.total_sq + other.total_sq,
            self.people_favourable + other.people_favourable,
        )


@dataclass(frozen=True, slots=True)
class FavourableShare:
    """The percent favourable of a family index or dimension score in one cell: of the
    answers to its items ("prefer not to answer" aside), those in the two boxes at the
    favourable end of the keyed value (agree for mutuality and outcomes, disagree for
    power-over; the other way round for a statement worded in reverse). The same definition
    as an item's percent favourable on the items page, summed over the statistic's items."""

    favourable: int
    answers: int

    def __post_init__(self) -> None:
        if not 0 <= self.favourable <= self.answers or self.answers < 1:
            raise ValueError(f"{self.favourable} favourable of {self.answers} answers")

    @property
    def estimate(self) -> float:
        return self.favourable / self.answers


@dataclass(frozen=True, slots=True)
class ItemKeying:
    """How an item's answers count toward percent favourable: the statistics (its dimension
    and its family) and the raw answers at its favourable end."""

    statistics: tuple[str, ...]
    favourable: frozenset[int]


WAVE = 0  # one publication covers one wave; the atom's wave axis is constant
WaveAtom = tuple[int, int, int]


@dataclass(frozen=True)
class Measure:
    """One statistic (family index or dimension score) in one cell."""

    key: str
    disclosed: Disclosed
    summary: Summary | None = None
    mean: MeanCI | None = None
    # Percent favourable answers; None where a hidden item of the statistic would show
    # through its count (see `favourable_shares`) or nobody answered its items.
    favorable: FavourableShare | None = None

    @property
    def shown(self) -> bool:
        return self.summary is not None


@dataclass(frozen=True)
class CellView:
    cell: ReportCell
    responses: Disclosed
    families: Mapping[str, Measure]
    dimensions: Mapping[str, Measure]

    def measure(self, key: str) -> Measure:
        return self.families.get(key) or self.dimensions[key]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A team against the rest of the organisation on one statistic (team minus rest): the
    difference with its Welch interval and p, Hedges' g with its interval, and the verdict
    of the release's one test family (Benjamini-Hochberg over every team x statistic cell
    at that level filter: `q` adjusted, `flagged` when it holds at q = .05). `p`, `q` and
    the intervals are None where the test is undefined (no variance); `g` likewise."""

    team: int
    key: str
    difference: float
    lower: float | None
    upper: float | None
    p: float | None
    g: float | None
    g_lower: float | None
    g_upper: float | None
    q: float | None
    flagged: bool

    def stored(self) -> list[object]:
        """The values a release stores, in `from_stored`'s order."""
        return [
            self.team,
            self.key,
            self.difference,
            self.lower,
            self.upper,
            self.p,
            self.g,
            self.g_lower,
            self.g_upper,
            self.q,
            self.flagged,
        ]

    @classmethod
    def from_stored(cls, row: Sequence[object]) -> Comparison:
        return cls(*row)  # type: ignore[arg-type]


def compare_with_rest(
    team: int, key: str, result: TeamVsRest, q: float | None, flagged: bool
) -> Comparison:
    """A comparison's shown values from the statistics' result and its verdict."""
    welch, g = result.welch, result.g
    return Comparison(
        team,
        key,
        result.difference,
        welch.lower if welch else None,
        welch.upper if welch else None,
        welch.p if welch else None,
        g.g if g else None,
        g.lower if g else None,
        g.upper if g else None,
        q,
        flagged,
    )


# The level filters of a release, each with its own test family: None (all levels) first.
LevelFilter = int | None
Comparisons = Mapping[tuple[int, str], Comparison]
FAMILY_Q = 0.05


# A cell of the publication by its coordinates: (team, level), None meaning all.
CellKey = tuple[int | None, int | None]
# Shown cells with their counts: what a release stores instead of redoing the suppression.
Shown = Mapping[CellKey, int]
# Hidden cells whose reason the release tells (app.reports.privacy.markers); any other hidden
# cell reads the generic label.
Reasons = Mapping[CellKey, Reason]


def publication_cells(
    tree: Mapping[int, int | None], atoms: Iterable[Atom]
) -> dict[CellKey, frozenset[Atom]]:
    """Every team x level cell of a publication over these atoms: teams roll up their
    subtrees, `team=None` is the organisation, `level=None` all levels."""
    cells = report_cells(tree, {(team, level, WAVE) for team, level in atoms})
    return {
        (cell.team, cell.level): frozenset((team, level) for team, level, _ in members)  # type: ignore[misc]
        for cell, members in cells.items()
    }


def shown_cells(decided: Mapping[ReportCell, Disclosed]) -> dict[CellKey, int]:
    """The shown cells of a decision, with their counts (the form a release stores)."""
    return {
        (cell.team, cell.level): d.n  # type: ignore[misc]
        for cell, d in decided.items()
        if d.shown and d.n is not None
    }


class _DecidedCells(Mapping[ReportCell, Disclosed]):
    """Stored decisions (shown cells with their counts) read as one Disclosed per cell, made
    when a cell is read: a release's pages read a few of its thousands of cells."""

    def __init__(
        self, cells: Mapping[ReportCell, object], shown: Shown, k: int, reasons: Reasons
    ) -> None:
        self._cells = cells
        self._shown = shown
        self._k = k
        self._reasons = reasons
        self._hidden = Disclosed.hidden(k)

    def __getitem__(self, cell: ReportCell) -> Disclosed:
        if cell not in self._cells:
            raise KeyError(cell)
        where: CellKey = (cell.team, cell.level)  # type: ignore[assignment]
        n = self._shown.get(where)
        if n is not None:
            return Disclosed.visible(n, self._k)
        reason = self._reasons.get(where)
        return self._hidden if reason is None else Disclosed.hidden(self._k, reason)

    def __iter__(self) -> Iterator[ReportCell]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


class Publication:
    """The disclosed team x level view of one survey.

    `tree` maps team ids to parent ids (None for roots); `responses` counts responses per
    atom; `family_sums` and `dimension_sums` hold ScoreSums per atom and key. Every decision
    is taken here, at construction, unless `shown` brings the decisions stored with a
    release (the response counts' shown cells under the key None, each statistic's under its
    key): then no suppression runs. Likewise `stored_comparisons` brings a release's test
    family per level filter (see `comparisons`), and `favourable` its percent favourable
    per statistic and shown cell (`favourable_shares`; without it no cell has one), and
    `bounds` each statistic's scale ends (its means' intervals then stay within them), and
    `reasons` why the stored decisions hide what they hide, where the release tells it
    (keyed like `shown`). Statistics are computed when a cell is first read.
    """

    def __init__(
        self,
        tree: Mapping[int, int | None],
        responses: Mapping[Atom, int],
        family_sums: Mapping[Atom, Mapping[str, ScoreSums]],
        dimension_sums: Mapping[Atom, Mapping[str, ScoreSums]],
        *,
        k: int,
        family_keys: Sequence[str],
        dimension_keys: Sequence[str],
        shown: Mapping[str | None, Shown] | None = None,
        stored_comparisons: Callable[[LevelFilter], Comparisons | None] | None = None,
        favourable: Mapping[str, Mapping[CellKey, FavourableShare]] | None = None,
        bounds: Mapping[str, Bounds] | None = None,
        reasons: Mapping[str | None, Reasons] | None = None,
    ) -> None:
        self.k = k
        self._bounds = bounds or {}
        self._favourable = favourable or {}
        self._hidden = Disclosed.hidden(k)
        self.family_keys = tuple(family_keys)
        self.dimension_keys = tuple(dimension_keys)
        self._sums = {
            **_by_key(family_sums, self.family_keys),
            **_by_key(dimension_sums, self.dimension_keys),
        }
        atoms = {(team, level, WAVE) for team, level in responses}
        for by_atom in self._sums.values():
            atoms |= {(team, level, WAVE) for team, level in by_atom}
        self.cells = cast(dict[ReportCell, frozenset[WaveAtom]], report_cells(tree, atoms))
        self.responses: Mapping[ReportCell, Disclosed]
        self._decisions: dict[str, Mapping[ReportCell, Disclosed]]
        if shown is not None:
            why = reasons or {}
            self.responses = _DecidedCells(self.cells, shown.get(None, {}), k, why.get(None, {}))
            self._decisions = {
                key: _DecidedCells(self.cells, shown.get(key, {}), k, why.get(key, {}))
                for key in self._sums
            }
        else:
            self._decide(responses)
        self._stored_comparisons = stored_comparisons
        self._totals = _CellTotals(self.cells, self._sums)
        self._views: dict[ReportCell, CellView] = {}
        self._comparisons: dict[LevelFilter, Comparisons] = {}

    def _decide(self, responses: Mapping[Atom, int]) -> None:
        decided: dict[frozenset[tuple[WaveAtom, int]], dict[ReportCell, Disclosed]] = {}

        def disclose(
            counts: Mapping[Atom, int], withheld: frozenset[ReportCell] = frozenset()
        ) -> dict[ReportCell, Disclosed]:
            # A statistic everybody answered has the response counts: decide each distinct
            # set of counts once.
            atom_counts: dict[WaveAtom, int] = {
                (team, level, WAVE): n for (team, level), n in counts.items() if n
            }
            fingerprint = frozenset(atom_counts.items())
            if fingerprint not in decided:
                decided[fingerprint] = disclose_cells(
                    self.cells, atom_counts, self.k, withheld=withheld
                )
            return decided[fingerprint]

        self.responses = disclose(responses)
        # A statistic is shown only where its cell's response count is, so its own decision
        # starts from the cells the response counts hide.
        hidden_responses = frozenset(c for c, d in self.responses.items() if not d.shown)
        self._decisions = {
            key: disclose({atom: s.n for atom, s in by_atom.items()}, hidden_responses)
            for key, by_atom in self._sums.items()
        }

    def shown(self) -> dict[str | None, dict[CellKey, int]]:
        """The decisions in the form a release stores (see `shown` of the constructor)."""
        result: dict[str | None, dict[CellKey, int]] = {None: shown_cells(self.responses)}
        for key, decided in self._decisions.items():
            result[key] = shown_cells(decided)
        return result

    def sums(self, key: str) -> Mapping[Atom, ScoreSums]:
        """One statistic's aggregates per atom."""
        return self._sums[key]

    @property
    def levels(self) -> tuple[int, ...]:
        """The levels that have respondents, in order (the level filters besides None)."""
        return tuple(sorted({cast(int, c.level) for c in self.cells if c.level is not None}))

    def view(self, team: int | None = None, level: int | None = None) -> CellView:
        """The cell of a team's subtree (None: the organisation) at a level (None: all
        levels). A pair with no respondents at all reads as hidden."""
        return self._view_of(ReportCell(team, level, WAVE))

    def _view_of(self, cell: ReportCell) -> CellView:
        found = self._views.get(cell)
        if found is None:
            found = self._views[cell] = self._build_view(cell)
        return found

    def _build_view(self, cell: ReportCell) -> CellView:
        responses = self.responses.get(cell, self._hidden)

        def measure(key: str) -> Measure:
            return self._measure(cell, key, responses)

        return CellView(
            cell,
            responses,
            _Measures(self.family_keys, measure),
            _Measures(self.dimension_keys, measure),
        )

    def responded(self, team: int | None = None, level: int | None = None) -> Disclosed:
        """The decision on a cell's response count (no statistic is computed)."""
        return self.responses.get(ReportCell(team, level, WAVE), self._hidden)

    def _measure(self, cell: ReportCell, key: str, responses: Disclosed) -> Measure:
        disclosed = self._decisions[key].get(cell, self._hidden)
        if not responses.shown:  # the statistic reads the response count's label
            return Measure(key, responses)
        if not disclosed.shown:
            return Measure(key, disclosed)
        total = self._totals.of(cell, key)
        summary = Summary.from_sums(total.n, total.total, total.total_sq)
        favourable = self._favourable.get(key, {}).get((cell.team, cell.level))  # type: ignore[arg-type]
        # within the scale's ends where the release knows them (app.reports.stats.mean_ci)
        mean = summary.mean_ci(bounds=self._bounds.get(key))
        return Measure(key, disclosed, summary, mean, favourable)

    def compute_statistics(self) -> None:
        """Compute every cell's statistics and each level filter's test family now, rather
        than when a page first reads them (app.reports.warm prepares a worker's latest
        releases this way before its first reader)."""
        keys = (*self.family_keys, *self.dimension_keys)
        for cell in self.cells:
            view = self._view_of(cell)
            for key in keys:
                view.measure(key)
        for level in (None, *self.levels):
            self.comparisons(level)

    def measure_shown(self, team: int | None, level: int | None, key: str) -> bool:
        """Whether a statistic shows in a cell (its count and the cell's response count are
        both disclosed), without computing it."""
        cell = ReportCell(team, level, WAVE)
        return (
            self.responses.get(cell, self._hidden).shown
            and self._decisions[key].get(cell, self._hidden).shown
        )

    def comparisons(self, level: LevelFilter = None) -> Comparisons:
        """The release's one test family at a level filter: every team (departments and
        their teams alike) against the rest of the organisation on every family index and
        dimension score, wherever the team and the organisation are shown, with
        Benjamini-Hochberg over all of them. Every page, filter, scope and export reads its
        verdicts here, so a cell is flagged the same wherever it appears. A release stores
        them (`stored_comparisons`); otherwise they are computed once per level."""
        found = self._comparisons.get(level)
        if found is None:
            stored = self._stored_comparisons(level) if self._stored_comparisons else None
            found = stored if stored is not None else self._compare_all(level)
            self._comparisons[level] = found
        return found

    def _compare_all(self, level: LevelFilter) -> dict[tuple[int, str], Comparison]:
        org = self.view(None, level)
        results: list[tuple[int, str, TeamVsRest]] = []
        teams = sorted({cast(int, c.team) for c in self.cells if c.team is not None})
        for team in teams:
            cell = self.view(team, level)
            for key in self._sums:
                mine, whole = cell.measure(key), org.measure(key)
                if mine.summary is None or whole.summary is None:
                    continue
                result = team_vs_rest(mine.summary, whole.summary)
                if result is not None:
                    results.append((team, key, result))
        adjusted = benjamini_hochberg([r.p for _, _, r in results], q=FAMILY_Q)
        return {
            (team, key): compare_with_rest(
                team, key, result, adjusted.adjusted[i], bool(adjusted.reject[i])
            )
            for i, (team, key, result) in enumerate(results)
        }


class _Measures(Mapping[str, Measure]):
    """A cell's statistics by key, each computed when first read: a chart reads one or two
    of a cell's sixteen."""

    def __init__(self, keys: Sequence[str], measure: Callable[[str], Measure]) -> None:
        self._keys = keys
        self._measure = measure
        self._found: dict[str, Measure] = {}

    def __getitem__(self, key: str) -> Measure:
        found = self._found.get(key)
        if found is None:
            if key not in self._keys:
                raise KeyError(key)
            found = self._found[key] = self._measure(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _CellTotals:
    """Every statistic's sums per cell, rolled up from the atoms at once: a sparse
    cells x atoms membership matrix times the atoms' sums (a cell of the organisation sums
    hundreds of atoms, and a page reads thousands of cells)."""

    _FIELDS = 4  # n, total, total_sq, people_favourable

    def __init__(
        self,
        cells: Mapping[ReportCell, frozenset[WaveAtom]],
        sums: Mapping[str, Mapping[Atom, ScoreSums]],
    ) -> None:
        self._cells = cells
        self._sums = sums
        self._rows = {cell: i for i, cell in enumerate(cells)}
        self._columns = {key: i * self._FIELDS for i, key in enumerate(sums)}
        self._table: np.ndarray | None = None

    def of(self, cell: ReportCell, key: str) -> ScoreSums:
        if self._table is None:
            self._table = self._roll_up()
        at = self._columns[key]
        n, total, total_sq, people = self._table[self._rows[cell], at : at + 4].tolist()
        return ScoreSums(int(n), total, total_sq, int(people))

    def _roll_up(self) -> np.ndarray:
        atoms = sorted({atom for by_atom in self._sums.values() for atom in by_atom})
        index = {atom: i for i, atom in enumerate(atoms)}
        values = np.zeros((len(atoms), self._FIELDS * len(self._sums)), dtype=np.float64)
        for key, by_atom in self._sums.items():
            at = self._columns[key]
            for atom, s in by_atom.items():
                values[index[atom], at : at + 4] = (s.n, s.total, s.total_sq, s.people_favourable)
        return np.asarray(_membership(self._cells, index) @ values)


def _membership(
    cells: Mapping[ReportCell, frozenset[WaveAtom]], index: Mapping[Atom, int]
) -> sparse.csr_matrix:
    """The sparse cells x atoms matrix with a 1 where the atom (by `index`) is in the cell,
    rows in the order of `cells`."""
    columns: list[int] = []
    starts = [0]
    for members in cells.values():
        columns.extend(sorted(index[(t, lv)] for t, lv, _ in members if (t, lv) in index))
        starts.append(len(columns))
    return sparse.csr_matrix(
        (np.ones(len(columns)), np.array(columns, dtype=np.int64), np.array(starts)),
        shape=(len(cells), len(index)),
    )


class _ItemTotals:
    """Every item's answers per cell and scale value, rolled up from the atoms at once
    (the items page of the organisation reads 52 items over hundreds of atoms)."""

    def __init__(
        self,
        cells: Mapping[ReportCell, frozenset[WaveAtom]],
        counts: Mapping[Atom, Mapping[str, Mapping[int | None, int]]],
    ) -> None:
        self._cells = cells
        self._counts = counts
        self._rows = {cell: i for i, cell in enumerate(cells)}
        self._columns: dict[str, list[tuple[int, int]]] = {}  # key -> [(value, column)]
        self._table: np.ndarray | None = None

    def table(self) -> np.ndarray:
        if self._table is None:
            self._table = self._roll_up()
        return self._table

    def of(self, cell: ReportCell, key: str) -> dict[int, int]:
        row = self.table()[self._rows[cell]]
        found = ((value, int(row[column])) for value, column in self._columns.get(key, ()))
        return {value: n for value, n in found if n}

    def _roll_up(self) -> np.ndarray:
        atoms = list(self._counts)
        index = {atom: i for i, atom in enumerate(atoms)}
        column_of: dict[tuple[str, int], int] = {}
        entries: list[tuple[int, int, int]] = []  # (atom row, column, answers)
        for atom, by_key in self._counts.items():
            for key, by_value in by_key.items():
                for value, n in by_value.items():
                    if value is not None:
                        column = column_of.setdefault((key, value), len(column_of))
                        entries.append((index[atom], column, n))
        for (key, value), column in sorted(column_of.items()):
            self._columns.setdefault(key, []).append((value, column))
        values = np.zeros((len(atoms), len(column_of)), dtype=np.int64)
        for row, column, n in entries:
            values[row, column] += n
        return np.asarray(_membership(self._cells, index) @ values)


def _by_key(
    sums: Mapping[Atom, Mapping[str, ScoreSums]], keys: Sequence[str]
) -> dict[str, dict[Atom, ScoreSums]]:
    """Turn {atom: {key: sums}} into {key: {atom: sums}} for the keys of the instrument."""
    result: dict[str, dict[Atom, ScoreSums]] = {key: {} for key in keys}
    for atom, by_key in sums.items():
        for key, value in by_key.items():
            if key in result:
                result[key][atom] = value
    return result


class ItemPublication:
    """Answer distributions per item, disclosed on each item's own answer counts within the
    cells of a publication (and only where the cell's response count is shown). `shown`
    brings the decisions stored with a release (shown cells per item key) instead."""

    def __init__(
        self,
        publication: Publication,
        counts: Mapping[Atom, Mapping[str, Mapping[int | None, int]]],
        item_keys: Sequence[str],
        *,
        shown: Mapping[str, Shown] | None = None,
        reasons: Mapping[str, Reasons] | None = None,
    ) -> None:
        self._publication = publication
        self.counts = counts  # answers per atom, item and value (None: prefer not to answer)
        self._totals = _ItemTotals(publication.cells, counts)
        self._decisions: dict[str, Mapping[ReportCell, Disclosed]] = {}
        if shown is not None:
            for key in item_keys:
                self._decisions[key] = _DecidedCells(
                    publication.cells,
                    shown.get(key, {}),
                    publication.k,
                    (reasons or {}).get(key, {}),
                )
            return
        for key in item_keys:
            self._decisions[key] = disclose_cells(
                publication.cells,
                {(t, lv, WAVE): n for (t, lv), n in answered_counts(counts, key).items() if n},
                publication.k,
            )

    def shown(self) -> dict[str, dict[CellKey, int]]:
        """The decisions in the form a release stores."""
        return {key: shown_cells(decided) for key, decided in self._decisions.items()}

    def compute_statistics(self) -> None:
        """Roll every cell's answer counts up now rather than at the first page's read."""
        self._totals.table()

    def shown_in(self, key: str, team: int | None, level: int | None) -> bool:
        """Whether an item's distribution shows in a cell."""
        cell = ReportCell(team, level, WAVE)
        decided = self._decisions[key].get(cell)
        responses = self._publication.responses.get(cell)
        return decided is not None and responses is not None and decided.shown and responses.shown

    def disclosed(self, key: str, team: int | None = None, level: int | None = None) -> Disclosed:
        """The decision on an item's answers in a cell, with its label's reason: the response
        count's where that is hidden."""
        responses = self._publication.responded(team, level)
        if not responses.shown:
            return responses
        cell = ReportCell(team, level, WAVE)
        return self._decisions[key].get(cell) or Disclosed.hidden(self._publication.k)

    def distribution(
        self, key: str, team: int | None = None, level: int | None = None
    ) -> dict[int, int] | None:
        """{scale value: answers} for one item in one cell, or None when hidden."""
        if not self.shown_in(key, team, level):
            return None
        return self._totals.of(ReportCell(team, level, WAVE), key)


def favourable_shares(
    publication: Publication, items: ItemPublication, keying: Mapping[str, ItemKeying]
) -> dict[str, dict[CellKey, FavourableShare]]:
    """Percent favourable per statistic and cell, from the items' answer counts per atom:
    where the statistic shows and so does every one of its items' distributions. Its counts
    are then sums of shown answer counts and disclose nothing the items page does not (a
    hidden item's count would otherwise be the family's answers minus the shown items')."""
    by_statistic: dict[str, list[str]] = {}
    for item, keyed in keying.items():
        for key in keyed.statistics:
            by_statistic.setdefault(key, []).append(item)
    tallies = _atom_tallies(items.counts, keying)
    shares: dict[str, dict[CellKey, FavourableShare]] = {}
    for cell, members in publication.cells.items():
        where: CellKey = (cell.team, cell.level)  # type: ignore[assignment]
        for key, item_keys in by_statistic.items():
            if key not in publication.family_keys + publication.dimension_keys:
                continue
            if not publication.measure_shown(*where, key) or not all(
                items.shown_in(item, *where) for item in item_keys
            ):
                continue
            favourable = answers = 0
            for team, level, _wave in members:
                f, a = tallies.get((team, level), {}).get(key, (0, 0))
                favourable, answers = favourable + f, answers + a
            if answers:
                shares.setdefault(key, {})[where] = FavourableShare(favourable, answers)
    return shares


def _atom_tallies(
    counts: Mapping[Atom, Mapping[str, Mapping[int | None, int]]],
    keying: Mapping[str, ItemKeying],
) -> dict[Atom, dict[str, tuple[int, int]]]:
    """(favourable, answered) per atom and statistic, "prefer not to answer" left out."""
    tallies: dict[Atom, dict[str, tuple[int, int]]] = {}
    for atom, by_item in counts.items():
        mine = tallies.setdefault(atom, {})
        for item, values in by_item.items():
            keyed = keying.get(item)
            if keyed is None:
                continue
            f = sum(n for value, n in values.items() if value in keyed.favourable)
            a = sum(n for value, n in values.items() if value is not None)
            for key in keyed.statistics:
                before_f, before_a = mine.get(key, (0, 0))
                mine[key] = (before_f + f, before_a + a)
    return tallies


def answered_counts(
    counts: Mapping[Atom, Mapping[str, Mapping[int | None, int]]], key: str
) -> dict[Atom, int]:
    """One item's answers per atom, "prefer not to answer" left out."""
    return {
        atom: sum(n for value, n in by_item.get(key, {}).items() if value is not None)
        for atom, by_item in counts.items()
    }


@dataclass(frozen=True)
class CommentGroup:
    """One prompt's comments in one group (a team's subtree, or the organisation): the
    disclosure decision on their count, the teams whose comments the group holds, and whether
    the texts may be listed."""

    disclosed: Disclosed
    teams: frozenset[int]
    listed: bool


def comment_groups(
    parents: Mapping[int, int | None], counts: Mapping[int, int], k_comments: int
) -> dict[int | None, CommentGroup]:
    """Every group's comments on one prompt (key None: the organisation), from the prompt's
    comment count per team (direct members).

    One decision over every team rollup and the organisation, on records: a reader can
    compare the lists of nested groups text by text. A group's texts are listed only where
    its count is disclosed and reaches `k_comments`.
    """
    cells: dict[int | None, frozenset[int]] = {None: frozenset(parents)}
    for team, subtree in team_subtrees(parents).items():
        cells[team] = subtree
    decided = disclose_cells(cells, counts, k_comments, records=True)
    return {
        cell: CommentGroup(
            decided[cell],
            teams,
            decided[cell].shown and comments_visible(decided[cell].n or 0, k_comments),
        )
        for cell, teams in cells.items()
    }
