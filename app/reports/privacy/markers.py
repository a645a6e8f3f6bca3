"""Why a hidden cell is hidden, told only where telling it narrows nobody down.

A hidden cell can say one of three things:

* ``UNDER_K`` ("fewer than k"): its count is below k (primary suppression). The reader learns
  ``n <= k - 1``.
* ``PROTECTS`` ("withheld"): its count is at least k, and it is hidden so that a smaller group
  cannot be worked out by subtraction (complementary suppression). The reader learns ``n >= k``.
* no reason (the generic "fewer than k*"): either of the two. The reader learns nothing.

The first two are bounds on hidden counts, and bounds add to what the shown counts tell. With
the shown cells' equalities, nonnegativity and the bounds, the counts a reader cannot rule out
form a polytope; a group whose count is confined to ``1 .. k-1`` over all of it has been
narrowed down to fewer than k people who, for certain, answered (a *pin*). Example: a parent
shows 10, its three hidden children all say "fewer than 5", so each has at least 2; or
``A + B = 8`` and ``A + D = 11`` shown with A and D "withheld" leave ``2 <= B <= 3``.

The rule
========

Reasons are told only where there is a **witness**: a count vector, integer and nonnegative,
that agrees with every shown count and every told reason (this release's and the earlier
releases'), in which every atom holds 0 or at least k responses. A witness rules out every
pin at once: for any group S, either some atom of S holds at least k in the witness (so the
reader cannot rule out ``n(S) >= k``), or every atom of S holds 0 (so they cannot rule out
``n(S) = 0``). Atoms are merged into regions (atoms in exactly the same constrained cells),
which a witness may fill as it likes, so the search is over region totals.

One mixed-integer program (HiGHS, through scipy) finds the witness together with the largest
set of reasons that has one: each proposed reason is a switch, its bound enforced only when
on. Any feasible point certifies the reasons it switches on, so a time limit costs reasons,
never safety; without any feasible point every cell keeps the generic label.

Two consequences worth knowing. A "fewer than k" cell must be consistent with 0 responses
(zero is under k too), so a group of small cells whose sum the shown cells force positive
keeps the generic label. And atoms with count 0 are treated as known to be 0 (as in the
span check): conservative, the witness has fewer atoms to fill.

What this does not cover (as for the suppression itself): a reader who reruns this
algorithm to reason about why a cell carries the generic label, and bounds from outside the
release (invited counts: a hidden group of 4 invited holds at most 4).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import Final, TypeVar

import numpy as np
from scipy import sparse  # type: ignore[import-untyped, unused-ignore]
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped, unused-ignore]

from app.reports.privacy.model import PROTECTS, UNDER_K, Reason, _canon

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)

TIME_LIMIT_S: Final = 20.0
"""The solver's time limit per decision: past it, the best certified set so far is told."""


def proposed_reasons(n_of: Mapping[K, int], hidden: Collection[K], k: int) -> dict[K, Reason]:
    """The true reason of each hidden cell, before the check."""
    return {key: UNDER_K if n_of[key] < k else PROTECTS for key in hidden}


def tell_reasons(
    cells: Mapping[K, Collection[A]],
    counts: Mapping[A, int],
    k: int,
    shown: Collection[K],
    proposed: Mapping[K, Reason],
    told: Mapping[K, Reason] | None = None,
) -> dict[K, Reason]:
    """The proposed reasons that may be told (see the module docstring's rule).

    ``shown`` are every cell the reader sees (of every release), ``proposed`` each hidden
    cell's true reason, ``told`` the reasons earlier releases told (public: always bounds).
    The result is the subset of ``proposed`` with a witness; cells left out keep the generic
    label. Deterministic for the same input (the cells are taken in canonical order).
    """
    told = dict(told or {})
    candidates = sorted(proposed, key=_canon)
    if not candidates:
        return {}
    constrained = sorted({*shown, *told, *candidates}, key=_canon)
    responding = {
        key: frozenset(a for a in cells[key] if counts.get(a, 0) > 0) for key in constrained
    }
    signature: dict[A, list[int]] = {}
    for index, key in enumerate(constrained):
        for atom in responding[key]:
            signature.setdefault(atom, []).append(index)
    regions = sorted({tuple(sig) for sig in signature.values()})
    if not regions:  # nobody responded anywhere: every reason is "fewer than k", with witness 0
        return {key: proposed[key] for key in candidates if proposed[key] == UNDER_K}
    n_of = {key: sum(counts.get(a, 0) for a in responding[key]) for key in shown}
    program = _Program(len(regions), float(max(sum(counts.get(a, 0) for a in signature), k) + k))
    cols_of: list[list[int]] = [[] for _ in constrained]
    for r, sig in enumerate(regions):
        for index in sig:
            cols_of[index].append(r)
    shown_set = set(shown)
    for index, key in enumerate(constrained):
        if key in shown_set:
            program.equal(cols_of[index], n_of[key])
        elif key in told:
            program.bound(cols_of[index], told[key], k, switch=None)
    position = {key: index for index, key in enumerate(constrained)}
    switches = [
        program.bound(cols_of[position[key]], proposed[key], k, switch=True) for key in candidates
    ]
    on = program.solve(k)
    if on is None:
        return {}
    return {key: proposed[key] for key, m in zip(candidates, switches, strict=True) if m in on}


def witness_exists(
    cells: Mapping[K, Collection[A]],
    counts: Mapping[A, int],
    k: int,
    shown: Collection[K],
    told: Mapping[K, Reason],
) -> bool:
    """Whether reasons already told (an earlier release's) still have a witness with these
    shown cells: new shown cells can pin a group together with old bounds. (Asked as: may
    one of them be told again? Its bound is there anyway, so yes exactly when a witness
    exists.)"""
    if not told:
        return True
    probe = min(told, key=_canon)
    return bool(tell_reasons(cells, counts, k, shown, {probe: told[probe]}, told))


class _Program:
    """The mixed-integer program: region totals ``y`` (integer), region switches ``z`` (``y``
    is 0 or at least k), reason switches ``m`` (maximised); sparse rows."""

    def __init__(self, n_regions: int, big: float) -> None:
        self.n_regions = n_regions
        self.big = big
        self.switches = 0
        self.entries: list[tuple[int, int, float]] = []  # (row, variable, coefficient)
        self.lower: list[float] = []
        self.upper: list[float] = []

    def _row(self, terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        at = len(self.lower)
        self.entries.extend((at, var, coef) for var, coef in terms)
        self.lower.append(lower)
        self.upper.append(upper)

    def equal(self, cols: list[int], n: int) -> None:
        self._row([(c, 1.0) for c in cols], n, n)

    def bound(self, cols: list[int], reason: Reason, k: int, switch: bool | None) -> int:
        """A reason's bound on a cell's total; with ``switch`` it holds only when its switch
        (returned) is on."""
        m = -1
        terms = [(c, 1.0) for c in cols]
        if switch:
            m = self.switches
            self.switches += 1
        slack = self.big * max(len(cols), 1)
        if reason == UNDER_K:  # sum <= k - 1 (+ slack when off)
            if m < 0:
                self._row(terms, -np.inf, k - 1)
            else:
                self._row([*terms, (self._m(m), slack)], -np.inf, k - 1 + slack)
        elif m < 0:  # sum >= k
            self._row(terms, k, np.inf)
        else:  # sum >= k m
            self._row([*terms, (self._m(m), -float(k))], 0.0, np.inf)
        return m

    def _m(self, m: int) -> int:
        return 2 * self.n_regions + m

    def solve(self, k: int) -> set[int] | None:
        """The switches a feasible point turns on, or None when there is none."""
        R = self.n_regions
        for r in range(R):  # k z_r <= y_r <= big z_r
            self._row([(r, 1.0), (R + r, -float(k))], 0.0, np.inf)
            self._row([(r, 1.0), (R + r, -self.big)], -np.inf, 0.0)
        n_vars = 2 * R + self.switches
        rows, cols, data = zip(*self.entries, strict=True) if self.entries else ((), (), ())
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(self.lower), n_vars))
        cost = np.zeros(n_vars)
        cost[2 * R :] = -1.0  # maximise the reasons told
        upper = np.concatenate([np.full(R, self.big), np.ones(R + self.switches)])
        result = milp(
            cost,
            constraints=LinearConstraint(matrix, self.lower, self.upper),
            integrality=np.ones(n_vars),
            bounds=Bounds(np.zeros(n_vars), upper),
            options={"time_limit": TIME_LIMIT_S},
        )
        if result.x is None:
            return None
        return {m for m in range(self.switches) if result.x[2 * R + m] > 0.5}
