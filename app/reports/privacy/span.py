"""The residual check for sums: every set of respondents isolatable by adding and
subtracting shown cells, found exactly in the linear span of the shown classes.

See "The algorithm" in ``suppression``: the rows are brought into reduced echelon form over
the rationals, then a depth-first search over small pivots finds a leak or proves there is none.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from typing import TypeVar

from app.reports.privacy.model import _Num, _RawLeak

A = TypeVar("A", bound=Hashable)


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
