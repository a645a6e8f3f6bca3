"""Disclosure control: the one gate every reported number passes through.

Pages, exports and the API show a count, a score or a comment only if this module says so.
It is pure (standard library only) so that it can be tested exhaustively and reused anywhere.

The model
=========

Respondents are grouped into disjoint **atoms** with a count each, e.g. ``(team_id, level,
wave)`` -> number of responses whose respondent sits *directly* in that team, at that level,
in that wave. A reported **cell** is a set of atoms: a team's rollup is every atom of its
subtree; "team X, managers only" is the subtree's atoms at that level; "all waves" is the union
over waves; the organisation total is every atom. A cell's ``n`` is the sum of its atoms'
counts: the number of RESPONSES behind the number. Everything a report shows about a cell
(count, sum, mean, share favourable, ...) is an *additive* statistic of its responses, so what
protects counts protects those statistics too: whoever can subtract counts can subtract sums.

The rules
=========

1. **Threshold** (primary suppression). A cell with ``n < k`` shows no number at all, not
   even its ``n``; its label is "fewer than k" (see :func:`footnote`). ``k`` is
   ``Threshold.k_scores`` (default 5) for counts, scores and response rates and
   ``Threshold.k_comments`` (default 10) for comments; never below :data:`MIN_K` (3).

2. **Zero.** A cell with ``n == 0`` is *hidden* like any other small cell ("fewer than k" is
   true of 0). Showing zeros would tell the reader that every hidden cell holds at least one
   response, and lower bounds like that turn "these five hidden teams add up to 5" into "each
   has exactly one respondent". A *derived* zero, on the other hand, is allowed (rule 3): it
   tells that nobody in some group answered, which reveals nobody's answers, and forbidding
   it would suppress almost every complete breakdown.

3. **Residual** (complementary suppression). From everything shown, no set of respondents
   whose count is strictly between 0 and k may be isolated. An HR reader can add and subtract
   any shown cells, so the sets they can isolate are exactly the 0/1 vectors in the linear
   span of the shown cells (over the atoms). This covers, as special cases:

   a. *parent minus visible children*: a rollup minus its shown children (and the shown
      rollups below them) leaves the hidden children plus the parent's direct members;
   b. *overlapping filters*: "team X" minus "team X, level L" leaves "X, not L"; level
      margins across teams minus the shown teams leave the hidden ones; and chains of such
      steps ("Y at L2" = "Y" - ("org at L1" - "X at L1")), which a rule that only subtracts
      shown sub-cells of one cell would miss;
   c. *wave minus wave*: "all waves" minus the shown single waves.

   Whenever such a set has ``0 < n < k``, one more cell is hidden and the check is repeated.

4. **Comments** are records, not sums: a reader can *intersect* two shown comment lists
   (texts are distinct), so for comments every Venn region of the shown cells must hold 0 or
   at least ``k_comments`` comments (``records=True``). They are listed in a keyed random
   order without dates (:func:`shuffle_comments`).

5. **One publication per survey.** Suppression is decided once over every cell any staff user
   can see for a survey (all teams, levels, waves combined into the view) and each page then
   shows a subset of those decisions. A subset of a safe publication is safe (its span is a
   subspace); separately decided pages are not, because their hidden cells differ.

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
  inferences from the suppression pattern itself. Every hidden cell therefore carries the same
  label, so that primary and complementary suppression cannot be told apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final, Generic, NamedTuple, TypeAlias, TypeVar

__all__ = [
    "DEFAULT_K_COMMENTS",
    "DEFAULT_K_SCORES",
    "MIN_K",
    "Disclosed",
    "Disclosure",
    "Leak",
    "ReportCell",
    "ResponseRate",
    "Threshold",
    "check_k",
    "comments_visible",
    "disclose_cells",
    "disclose_response_rates",
    "disclose_team_tree",
    "find_leaks",
    "footnote",
    "report_cells",
    "shuffle_comments",
    "suppress",
    "team_subtrees",
]

MIN_K: Final = 3
"""No survey may set a threshold below this (CONSTRUCTS.md, "Thresholds")."""
DEFAULT_K_SCORES: Final = 5
DEFAULT_K_COMMENTS: Final = 10

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)
T = TypeVar("T", bound=Hashable)
V = TypeVar("V")

_Num: TypeAlias = int | Fraction


# --------------------------------------------------------------------------------------------
# Thresholds and the value type every caller renders
# --------------------------------------------------------------------------------------------


def check_k(k: int, name: str = "k") -> int:
    """Return ``k`` if it is an int >= MIN_K, else raise (TypeError / ValueError)."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{name} must be an int, not {type(k).__name__}")
    if k < MIN_K:
        raise ValueError(f"{name} must be at least {MIN_K}, got {k}")
    return k


@dataclass(frozen=True, slots=True)
class Threshold:
    """A survey's thresholds: responses needed behind a score/count and behind comments."""

    k_scores: int = DEFAULT_K_SCORES
    k_comments: int = DEFAULT_K_COMMENTS

    def __post_init__(self) -> None:
        check_k(self.k_scores, "k_scores")
        check_k(self.k_comments, "k_comments")


def footnote(k: int) -> str:
    """The footnote that goes with the label of hidden cells."""
    return (
        f"* fewer than {k} responses, or withheld so that a group of fewer than {k} "
        "cannot be worked out by subtraction."
    )


@dataclass(frozen=True, slots=True)
class Disclosed:
    """The disclosure decision for one cell: render ``label``; use numbers only if ``shown``.

    A hidden cell has ``n = None``: the true count is not carried, so a template or an export
    cannot print it by mistake. Primary and complementary suppression share one label
    ("fewer than k*", explained by :func:`footnote`): telling them apart would tell the reader
    that some hidden cells hold at least k responses, which can pin down the others.
    """

    shown: bool
    n: int | None
    k: int

    def __post_init__(self) -> None:
        check_k(self.k)
        if self.shown and (self.n is None or self.n < self.k):
            raise ValueError("a shown cell needs n >= k")
        if not self.shown and self.n is not None:
            raise ValueError("a hidden cell must not carry its n")

    @classmethod
    def visible(cls, n: int, k: int) -> Disclosed:
        return cls(shown=True, n=n, k=k)

    @classmethod
    def hidden(cls, k: int) -> Disclosed:
        return cls(shown=False, n=None, k=k)

    @property
    def label(self) -> str:
        """What to print instead of (or as) the count."""
        return str(self.n) if self.shown else f"fewer than {self.k}*"


# --------------------------------------------------------------------------------------------
# Results of the general mechanism
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leak(Generic[K, A]):
    """A set of respondents an attacker can isolate from the shown cells, with ``0 < n < k``.

    ``combination`` says how: for sums, the shown cells and the coefficients whose weighted
    sum is exactly ``atoms``; for records, +1 marks the cells to intersect and -1 the cells
    to remove.
    """

    atoms: frozenset[A]
    n: int
    combination: Mapping[K, Fraction]


@dataclass(frozen=True, slots=True)
class Disclosure(Generic[K]):
    """The decisions for every cell of one publication.

    ``complementary`` (cells hidden only to protect others) is for audits and tests; never
    render it, since it tells which hidden cells hold at least k responses.
    """

    k: int
    cells: Mapping[K, Disclosed]
    complementary: frozenset[K] = field(default_factory=frozenset)

    def __getitem__(self, key: K) -> Disclosed:
        return self.cells[key]

    @property
    def shown(self) -> frozenset[K]:
        return frozenset(key for key, d in self.cells.items() if d.shown)

    @property
    def hidden(self) -> frozenset[K]:
        return frozenset(key for key, d in self.cells.items() if not d.shown)


# --------------------------------------------------------------------------------------------
# General mechanism
# --------------------------------------------------------------------------------------------


def disclose_cells(
    cells: Mapping[K, Collection[A]],
    atom_counts: Mapping[A, int],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[K] = (),
    fixed: Collection[K] = (),
) -> dict[K, Disclosed]:
    """Decide every cell (rules 1-4 of the module docstring); see :func:`suppress`."""
    return dict(
        suppress(cells, atom_counts, k, records=records, withheld=withheld, fixed=fixed).cells
    )


def suppress(
    cells: Mapping[K, Collection[A]],
    atom_counts: Mapping[A, int],
    k: int,
    *,
    records: bool = False,
    withheld: Collection[K] = (),
    fixed: Collection[K] = (),
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

    visible = set(shown)
    decisions = {
        key: Disclosed.visible(n_of[key], k)
        if key in visible and n_of[key] >= k
        else Disclosed.hidden(k)
        for key in cells
    }
    return Disclosure(k=k, cells=decisions, complementary=frozenset(complementary))


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


# --------------------------------------------------------------------------------------------
# Internals of the mechanism
# --------------------------------------------------------------------------------------------


def _canon(obj: object) -> str:
    """A canonical string for ordering keys: independent of hash seeds and insertion order."""
    if isinstance(obj, frozenset | set):
        return "{" + ",".join(sorted(_canon(o) for o in obj)) + "}"
    if isinstance(obj, tuple):
        return "(" + ",".join(_canon(o) for o in obj) + ")"
    return f"{type(obj).__name__}:{obj!r}"


def _validated_counts(atom_counts: Mapping[A, int]) -> dict[A, int]:
    out: dict[A, int] = {}
    for atom, count in atom_counts.items():
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"count of {atom!r} must be an int")
        if count < 0:
            raise ValueError(f"count of {atom!r} is negative")
        out[atom] = count
    return out


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


@dataclass(frozen=True, slots=True)
class _RawLeak(Generic[A]):
    atoms: frozenset[A]
    n: int
    combination: dict[int, _Num]  # class index -> coefficient
    candidates: tuple[int, ...]  # classes whose hiding may break the leak
    uses: frozenset[int]  # classes the derivation relies on


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


def _record_leaks(
    region_atoms: Mapping[tuple[int, ...], list[A]],
    region_count: Mapping[tuple[int, ...], int],
    k: int,
) -> list[_RawLeak[A]]:
    """Records (comments): every Venn region of the shown cells is isolatable by set algebra,
    so each region with ``0 < count < k`` is a leak. Hiding a cell merges regions whose
    signatures differ only in that cell; candidates are the cells that merge this region with
    an existing neighbour (or make it vanish), falling back to every cell containing it."""
    signatures = {frozenset(sig) for sig in region_atoms}
    leaks: list[_RawLeak[A]] = []
    for sig in sorted(region_atoms):
        if region_count[sig] >= k:
            continue
        inside = frozenset(sig)
        candidates = {c for c in inside if len(inside) == 1 or inside - {c} in signatures}
        removed: set[int] = set()
        for other in signatures:
            if inside < other:
                removed |= other - inside
                if len(other) == len(inside) + 1:
                    candidates |= other - inside
        combination: dict[int, _Num] = dict.fromkeys(inside, 1)
        combination.update(dict.fromkeys(removed, -1))
        leaks.append(
            _RawLeak(
                atoms=frozenset(region_atoms[sig]),
                n=region_count[sig],
                combination=combination,
                candidates=tuple(sorted(candidates or inside)),
                uses=frozenset(combination),
            )
        )
    return leaks


def _linear_leaks(
    n_classes: int,
    region_atoms: Mapping[tuple[int, ...], list[A]],
    region_count: Mapping[tuple[int, ...], int],
    k: int,
) -> list[_RawLeak[A]]:
    """Sums: leaks are 0/1 vectors in the span of the shown classes with count in (0, k)."""
    if all(count >= k for count in region_count.values()):
        return []  # every isolatable set is a union of regions: none can count below k
    # Columns: big regions first, so that pivots fall on them and few small pivots remain.
    sigs = sorted(region_atoms, key=lambda s: (region_count[s] < k, s))
    col_count = [region_count[s] for s in sigs]
    class_cols: list[list[int]] = [[] for _ in range(n_classes)]
    for col, sig in enumerate(sigs):
        for index in sig:
            class_cols[index].append(col)
    space = _RowSpace()
    for index in sorted(range(n_classes), key=lambda i: (len(class_cols[i]), i)):
        space.add(class_cols[index], index)

    small = sorted(p for p in space.rows if col_count[p] < k)
    small_where: dict[int, list[int]] = {}
    for p in small:
        for col in space.rows[p]:
            small_where.setdefault(col, []).append(p)
    leaks: list[_RawLeak[A]] = []
    covered: set[int] = set()
    for start in small:
        if start in covered:
            continue
        found = _search(start, space.rows, small_where, col_count, k)
        if found is None:
            continue
        pivots, vector = found
        covered |= pivots
        combination: dict[int, _Num] = {}
        for p in sorted(pivots):
            _axpy(combination, 1, space.provenance[p])
        leak_atoms = frozenset(a for col in vector for a in region_atoms[sigs[col]])
        leaks.append(
            _RawLeak(
                atoms=leak_atoms,
                n=sum(col_count[col] for col in vector),
                combination=combination,
                candidates=tuple(sorted(combination)),
                uses=frozenset(combination),
            )
        )
    return leaks


def _axpy(target: dict[int, _Num], factor: _Num, source: Mapping[int, _Num]) -> None:
    """``target += factor * source`` on sparse vectors, dropping zeros."""
    for col, value in source.items():
        new = _simplify(target.get(col, 0) + factor * value)
        if new == 0:
            target.pop(col, None)
        else:
            target[col] = new


def _simplify(x: _Num) -> _Num:
    if isinstance(x, Fraction) and x.denominator == 1:
        return x.numerator
    return x


class _RowSpace:
    """Fully reduced row echelon form of sparse rows over the rationals, with provenance.

    Invariant: ``rows[p][p] == 1`` and ``rows[q][p] == 0`` for every other pivot ``q``;
    ``rows[p] == sum(provenance[p][i] * original_row[i])``. The pivot of a new row is its
    lowest column (columns are numbered big regions first).
    """

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, _Num]] = {}
        self.provenance: dict[int, dict[int, _Num]] = {}
        self._where: dict[int, set[int]] = {}  # column -> pivots whose row is non-zero there

    def add(self, cols: Iterable[int], origin: int) -> None:
        row: dict[int, _Num] = dict.fromkeys(cols, 1)
        prov: dict[int, _Num] = {origin: 1}
        for p in [c for c in row if c in self.rows]:
            factor = row[p]  # other pivot rows are zero in column p, so this is unchanged
            _axpy(row, -factor, self.rows[p])
            _axpy(prov, -factor, self.provenance[p])
        if not row:
            return  # dependent: the cell shows nothing the others do not
        pivot = min(row)
        lead = row[pivot]
        if lead != 1:
            inverse: _Num = -1 if lead == -1 else Fraction(1) / lead
            row = {c: _simplify(v * inverse) for c, v in row.items()}
            prov = {c: _simplify(v * inverse) for c, v in prov.items()}
        for q in sorted(self._where.get(pivot, ())):
            factor = self.rows[q][pivot]
            self._update(q, -factor, row)
            _axpy(self.provenance[q], -factor, prov)
        self.rows[pivot] = row
        self.provenance[pivot] = prov
        for col in row:
            self._where.setdefault(col, set()).add(pivot)

    def _update(self, q: int, factor: _Num, source: Mapping[int, _Num]) -> None:
        target = self.rows[q]
        for col, value in source.items():
            new = _simplify(target.get(col, 0) + factor * value)
            if new == 0:
                if col in target:
                    del target[col]
                    self._where[col].discard(q)
            else:
                target[col] = new
                self._where.setdefault(col, set()).add(q)


def _search(
    start: int,
    rows: Mapping[int, Mapping[int, _Num]],
    small_where: Mapping[int, list[int]],
    col_count: list[int],
    k: int,
) -> tuple[frozenset[int], dict[int, _Num]] | None:
    """Find a set of small pivots, the lowest being ``start``, whose rows sum to a 0/1 vector
    with count in (0, k); ``None`` if there is none.

    Completeness: let ``x`` be such a vector with pivot set ``Q`` (min ``start``) and let
    ``Q' < Q`` be the partial set, with sum ``y``. Pivot entries of ``y`` are already right.
    If ``y`` has an entry outside {0, 1} in column j, ``x - y`` is non-zero in j, so some row
    of ``Q \\ Q'`` is non-zero in j: trying every small row non-zero in one such column loses
    nothing. If ``y`` is 0/1 with count >= k, some column with ``y = 1`` has ``x = 0``, so
    trying the rows non-zero in any column where ``y = 1`` loses nothing either. The count of
    the pivot part only grows, which bounds the depth.
    """
    initial = dict(rows[start])
    stack: list[tuple[frozenset[int], dict[int, _Num], int]] = [
        (frozenset({start}), initial, col_count[start])
    ]
    seen: set[frozenset[int]] = {frozenset({start})}
    while stack:
        pivots, vector, budget = stack.pop()
        bad = [col for col, v in vector.items() if v != 1]
        if not bad:
            if sum(col_count[col] for col in vector) < k:
                return pivots, vector
            columns = sorted(vector)
            options = sorted({p for col in columns for p in small_where.get(col, ())})
        else:
            options = min(
                (sorted(set(small_where.get(col, ()))) for col in bad),
                key=len,
            )
        for p in options:
            if p <= start or p in pivots or budget + col_count[p] >= k:
                continue
            grown = pivots | {p}
            if grown in seen:
                continue
            seen.add(grown)
            total = dict(vector)
            _axpy(total, 1, rows[p])
            stack.append((grown, total, budget + col_count[p]))
    return None


# --------------------------------------------------------------------------------------------
# Domain API: the team tree, team x level x wave reports, response rates, comments
# --------------------------------------------------------------------------------------------


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
    cells: dict[ReportCell, frozenset[tuple[T, Hashable, Hashable]]] = {}
    for scope in team_axis:
        members = subtrees[scope] if scope is not None else frozenset(subtrees)
        in_team = [a for a in atom_set if a[0] in members]
        for level in level_axis:
            for wave in waves:
                cells[ReportCell(scope, level, wave)] = frozenset(
                    a
                    for a in in_team
                    if (level is None or a[1] == level) and (wave is None or a[2] == wave)
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


def comments_visible(n_comments: int, k_comments: int) -> bool:
    """Whether one group's comments may be listed: at least ``k_comments`` of them.

    This is only the primary rule. When comment lists for nested or overlapping groups are
    shown (a team and its parent, a team and a level), decide them together with
    ``disclose_cells(..., records=True)``: a reader can compare the lists text by text.
    """
    check_k(k_comments, "k_comments")
    if isinstance(n_comments, bool) or not isinstance(n_comments, int) or n_comments < 0:
        raise ValueError("n_comments must be a non-negative int")
    return n_comments >= k_comments


def shuffle_comments(comments: Iterable[str], seed: str | bytes | int) -> list[str]:
    """The comments in a random order that depends only on ``seed`` and the texts.

    Storage order can follow submission order, and submission time can be linked to a person
    (who was in the office when), so comments are never listed in stored order. The order is
    a keyed hash (BLAKE2b) of each text: stable across page loads (reloading reveals nothing
    new), unpredictable without the seed (use a per-survey secret), and independent of the
    input order. The caller passes texts only: no dates, no ids.
    """
    if isinstance(seed, int) and not isinstance(seed, bool):
        key = str(seed).encode()
    elif isinstance(seed, str):
        key = seed.encode()
    elif isinstance(seed, bytes):
        key = seed
    else:
        raise TypeError("seed must be str, bytes or int")
    key = hashlib.blake2b(key, digest_size=32).digest()
    texts = list(comments)

    def rank(text: str) -> tuple[bytes, str]:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).digest(), text

    return sorted(texts, key=rank)
