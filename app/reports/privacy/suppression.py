"""Primary and complementary suppression: the rounds that hide cells until no leak is left.

The algorithm (``suppress``)
============================

* Cells whose ``n < k`` are hidden (rules 1 and 2). Shown cells with identical sets of
  responding atoms are merged into one *class* (they show the same number and are hidden
  together). Atoms with count 0 are dropped: they never change a count, and dropping them is
  conservative (it is as if the reader knew every zero).
* Atoms are grouped into *regions*: atoms that lie in exactly the same shown classes. Every
  isolatable set is a union of regions. A region with ``count >= k`` ("big") can never be
  part of a leak; every other region has ``1 <= count < k`` ("small").
* The shown classes (rows, 0/1 over regions) are brought into fully reduced row echelon
  form over the rationals (exact ``Fraction`` arithmetic), pivoting on big regions first and
  remembering for each row which shown cells it combines ("provenance").
* In reduced echelon form a vector of the span is the sum of the rows of its pivot columns.
  A leak is therefore a non-empty set ``Q`` of *small* pivot rows, with total count below
  ``k``, whose sum is a 0/1 vector of count below ``k``. A depth-first search finds one from
  every small pivot or proves there is none: while the partial sum has an entry outside
  {0, 1} (or too large a count), any completion must add a row that is non-zero in one of the
  offending columns, so only those rows are tried; the count budget bounds the depth by
  ``k - 1``. The search is complete: it misses no leak.
* For each leak, the shown cell with the smallest ``n`` among those its derivation uses is
  hidden (usually the smallest sibling); ties break on a canonical form of the key, never on
  hash or insertion order. Leaks whose derivation used a cell hidden in the same round wait
  for the next round. Rounds repeat until no leak is left; every round hides at least one
  cell, so it terminates, and it ends only when the exact check above finds nothing.
* With ``records=True`` the check is the Venn-region rule of rule 4 and the cell hidden is the
  smallest one that merges the small region with a neighbouring region.

Scope and limits (honestly)
---------------------------

* The check is **exact** for linear attacks on any family of cells, laminar (the team tree)
  or not (team x level x wave cross-cuts): nothing derivable by adding and subtracting shown
  cells escapes it. The greedy choice of *which* cell to hide is not minimal (optimal
  complementary suppression is NP-hard); it may hide more than a specialist's tool would.
* Cost: one exact elimination per round (sparse, roughly cells x fill-in); the search is
  bounded by ``k - 1`` levels over small regions only. Measured: about 1 s for 500 teams x 5
  levels (3,000 cells), 4-7 s for 4,000-5,000 cells (1,000 teams x 3 levels, or 200 teams x
  4 levels x 4 waves plus "all waves"). Decide once per survey and cache the result; this is
  not meant for tens of thousands of cells per call.
* Not covered, by design: bounds reasoning beyond linear algebra (e.g. invited counts known to
  HR cap the hidden responded counts, so a 100% response in two hidden teams can be pinned;
  sums stay protected because only their total is derivable); homogeneity (if all k people in
  a shown cell answered 5, each answered 5); statistics over fewer values than responses
  ("prefer not to answer"): pass the counts actually behind such a statistic; publications
  changing over time (a cell shown last month and hidden now is still known); and
  inferences from the suppression pattern itself. Why a cell is hidden (under k, or withheld
  to protect a smaller group) is told only where ``markers`` proves the bounds it gives narrow
  nobody down; elsewhere the cell carries the generic label.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

from app.reports.privacy.markers import proposed_reasons, tell_reasons, witness_exists
from app.reports.privacy.model import (
    Disclosed,
    Disclosure,
    Leak,
    Reason,
    _canon,
    _RawLeak,
    _validated_counts,
    check_k,
)
from app.reports.privacy.records import _record_leaks
from app.reports.privacy.span import _linear_leaks

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)


def disclose_cells(
    cells: Mapping[K, Collection[A]],
    atom_counts: Mapping[A, int],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[K] = (),
    fixed: Collection[K] = (),
    explain: Collection[K] = (),
    told: Mapping[K, Reason] | None = None,
) -> dict[K, Disclosed]:
    """Decide every cell (rules 1-4 of the package docstring); see :func:`suppress`."""
    return dict(
        suppress(
            cells,
            atom_counts,
            k,
            records=records,
            withheld=withheld,
            fixed=fixed,
            explain=explain,
            told=told,
        ).cells
    )


def suppress(
    cells: Mapping[K, Collection[A]],
    atom_counts: Mapping[A, int],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[K] = (),
    fixed: Collection[K] = (),
    explain: Collection[K] = (),
    told: Mapping[K, Reason] | None = None,
) -> Disclosure[K]:
    """Primary and complementary suppression of ``cells`` (cell key -> its atoms).

    ``atom_counts`` gives each atom's count; an atom it does not list counts 0 (a GROUP BY
    omits empty groups). ``records=True`` is for cells that show the records themselves
    (comments), which a reader can intersect as well as subtract.

    ``withheld`` cells are hidden from the start, whatever their count: a statistic shown
    only where the response counts are shown starts from the cells those counts hide. This
    is always safe (the loop still ends only when the exact check finds no leak, and hiding
    more never opens one) and spares the rounds that would rediscover the same hidden cells.

    The result is deterministic: it depends on the cells, counts and k, not on the order of
    the mappings or on hash seeds (ties break on ``repr`` of the keys, so keys should be made
    of ints, strings, None and tuples of them).

    ``fixed`` cells are already public (an earlier release showed them) and cannot be
    withdrawn: they count as shown whatever their count, and complementary suppression
    hides only other cells (a class that holds a fixed cell shows an already public number).
    A leak whose derivation uses fixed cells only cannot be repaired here and is left alone;
    it cannot arise when the fixed cells were themselves decided by this function with the
    same ``k`` (their atoms' counts never change).

    ``explain`` are the cells whose reason, if hidden, may be told (under k, or withheld to
    protect a smaller group), where app.reports.privacy.markers finds that safe, taking into
    account the reasons ``told`` for other cells before (an earlier release's). Sums only:
    comment groups keep the generic label.
    """
    check_k(k)
    counts = _validated_counts(atom_counts)
    atoms_of = {key: frozenset(atoms) for key, atoms in cells.items()}
    order = sorted(atoms_of, key=_canon)
    n_of = {key: sum(counts.get(a, 0) for a in atoms_of[key]) for key in order}
    canon_of = {key: _canon(key) for key in order}

    withheld_set = set(withheld)
    fixed_set = set(fixed) & set(n_of)
    shown = [
        key for key in order if key in fixed_set or (n_of[key] >= k and key not in withheld_set)
    ]
    complementary: set[K] = {key for key in withheld_set if key in n_of and n_of[key] >= k}
    while True:
        classes = _classes(shown, atoms_of, counts)
        leaks = _leaks([atoms for atoms, _ in classes], counts, k, records=records)
        public = {c for c, (_, keys) in enumerate(classes) if fixed_set.intersection(keys)}
        ranks = [(n_of[keys[0]], canon_of[keys[0]]) for _, keys in classes]
        hidden_now = _victims(leaks, public, ranks)
        if not hidden_now:
            break
        dropped = {key for c in hidden_now for key in classes[c][1]}
        complementary |= dropped
        shown = [key for key in shown if key not in dropped]

    if told and not records:
        shown = _keep_told_safe(shown, atoms_of, counts, k, told, fixed_set, n_of, canon_of)
        complementary |= {key for key in n_of if n_of[key] >= k and key not in set(shown)}
        complementary -= fixed_set
    reasons: dict[K, Reason] = {}
    if explain and not records:
        visible = set(shown)
        hidden = [key for key in explain if key in n_of and key not in visible]
        reasons = tell_reasons(atoms_of, counts, k, shown, proposed_reasons(n_of, hidden, k), told)
    decisions = _decisions(cells, shown, n_of, k, reasons)
    return Disclosure(k=k, cells=decisions, complementary=frozenset(complementary), reasons=reasons)


def _keep_told_safe(
    shown: list[K],
    atoms_of: Mapping[K, frozenset[A]],
    counts: Mapping[A, int],
    k: int,
    told: Mapping[K, Reason],
    fixed: Collection[K],
    n_of: Mapping[K, int],
    canon_of: Mapping[K, str],
) -> list[K]:
    """Shown cells with which the reasons told before keep a witness: while they have none,
    the smallest cell not yet public is withheld too (hiding more never opens a linear leak,
    and with every new cell hidden the earlier release's own witness holds again)."""
    shown = list(shown)
    while not witness_exists(atoms_of, counts, k, shown, told):
        candidates = [key for key in shown if key not in fixed]
        if not candidates:
            break
        victim = min(candidates, key=lambda key: (n_of[key], canon_of[key]))
        shown.remove(victim)
    return shown


def _decisions(
    cells: Iterable[K],
    shown: Iterable[K],
    n_of: Mapping[K, int],
    k: int,
    reasons: Mapping[K, Reason],
) -> dict[K, Disclosed]:
    """The decision for every cell: its count if it is still shown and reaches k, else hidden
    (with its reason where one is told)."""
    visible = set(shown)
    return {
        key: Disclosed.visible(n_of[key], k)
        if key in visible and n_of[key] >= k
        else Disclosed.hidden(k, reasons.get(key))
        for key in cells
    }


def _victims(
    leaks: Iterable[_RawLeak[A]], public: Collection[int], ranks: Sequence[tuple[int, str]]
) -> set[int]:
    """The classes to hide this round: for each leak, the smallest class its derivation
    uses (by count, then canonical key), never a public one."""
    hidden_now: set[int] = set()
    for leak in leaks:
        if hidden_now.intersection(leak.uses):
            continue  # its derivation changed this round; re-examined next round
        candidates = [c for c in leak.candidates if c not in public] or sorted(
            leak.uses.difference(public)
        )
        if candidates:  # else only public cells derive it: nothing left to withhold
            hidden_now.add(min(candidates, key=ranks.__getitem__))
    return hidden_now


def find_leaks(
    cells: Mapping[K, Collection[A]],
    atom_counts: Mapping[A, int],
    shown: Collection[K],
    k: int,
    *,
    records: bool = False,
) -> list[Leak[K, A]]:
    """Audit a given choice of shown cells; an empty list means no leak.

    Reports shown cells with ``0 < n < k`` and, per round of the search in :func:`suppress`,
    sets of respondents isolatable with ``0 < n < k`` (at least one if any exists; not every
    one). For monitoring, and to check decisions made elsewhere.
    """
    check_k(k)
    counts = _validated_counts(atom_counts)
    atoms_of = {key: frozenset(cells[key]) for key in cells}
    keys = sorted(set(shown), key=_canon)
    found: list[Leak[K, A]] = []
    for key in keys:
        n = sum(counts.get(a, 0) for a in atoms_of[key])
        if 0 < n < k:
            nonzero = frozenset(a for a in atoms_of[key] if counts.get(a, 0) > 0)
            found.append(Leak(atoms=nonzero, n=n, combination={key: Fraction(1)}))
    classes = _classes(keys, atoms_of, counts)
    for raw in _leaks([atoms for atoms, _ in classes], counts, k, records=records):
        combination = {classes[c][1][0]: Fraction(v) for c, v in raw.combination.items()}
        found.append(Leak(atoms=raw.atoms, n=raw.n, combination=combination))
    return found


def _classes(
    shown: Iterable[K], atoms_of: Mapping[K, frozenset[A]], counts: Mapping[A, int]
) -> list[tuple[frozenset[A], list[K]]]:
    """Group shown cells by their responding atoms (cells with n > 0 only)."""
    groups: dict[frozenset[A], list[K]] = {}
    for key in shown:  # canonical order in, so each group's first key is canonical
        nonzero = frozenset(a for a in atoms_of[key] if counts.get(a, 0) > 0)
        if nonzero:
            groups.setdefault(nonzero, []).append(key)
    return list(groups.items())


def _leaks(
    classes: list[frozenset[A]], counts: Mapping[A, int], k: int, *, records: bool
) -> list[_RawLeak[A]]:
    """Leaks among shown classes (each a set of atoms with count > 0), in canonical order."""
    atoms = sorted({a for cls in classes for a in cls}, key=_canon)
    signature: dict[A, list[int]] = {a: [] for a in atoms}
    for index, cls in enumerate(classes):
        for atom in cls:
            signature[atom].append(index)
    region_atoms: dict[tuple[int, ...], list[A]] = {}
    for atom in atoms:
        region_atoms.setdefault(tuple(signature[atom]), []).append(atom)
    region_count = {sig: sum(counts[a] for a in members) for sig, members in region_atoms.items()}
    if records:
        return _record_leaks(region_atoms, region_count, k)
    return _linear_leaks(len(classes), region_atoms, region_count, k)
