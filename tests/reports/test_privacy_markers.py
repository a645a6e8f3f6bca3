"""Why a hidden cell is hidden: "fewer than k" (under k), "withheld" (at least k, protecting a
smaller group), or the generic "fewer than k*" (app/reports/privacy/markers.py).

The attacker here is a linear program written independently of the module: the reader knows
every shown count (equalities), every told reason (``n <= k - 1`` or ``n >= k``), that counts
are nonnegative, and (as in the span check) which atoms hold nobody. For every small set of
atoms S whose true count is 1 .. k-1 it minimises and maximises n(S) with
scipy.optimize.linprog; S is *pinned* when the minimum is at least 1 and the maximum at most
k - 1: the reader then knows that between 1 and k - 1 people of S answered. The reasons told
must pin nobody, and they add nothing to the linear span (no new difference of shown cells).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Hashable, Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from app.reports.figures import text
from app.reports.privacy import (
    PROTECTS,
    UNDER_K,
    Disclosed,
    find_leaks,
    footnote,
    hidden_label,
    legend,
    report_cells,
    suppress,
    tell_reasons,
)
from tests.reports.test_privacy import trees

Cells = Mapping[Hashable, Collection[Hashable]]


def pinned(
    cells: Cells,
    counts: Mapping[Hashable, int],
    k: int,
    shown: Collection[Hashable],
    reasons: Mapping[Hashable, str],
) -> list[frozenset[Hashable]]:
    """Every set of at most k - 1 responding atoms with true count 1 .. k-1 whose count the
    reader can confine to 1 .. k-1 from the shown counts and the told reasons."""
    atoms = sorted((a for a, n in counts.items() if n > 0), key=repr)
    index = {a: i for i, a in enumerate(atoms)}
    if not atoms:
        return []

    def row(key: Hashable) -> np.ndarray:
        r = np.zeros(len(atoms))
        for a in cells[key]:
            if a in index:
                r[index[a]] = 1.0
        return r

    eq = [row(key) for key in shown]
    eq_rhs = [float(sum(counts.get(a, 0) for a in cells[key])) for key in shown]
    ub: list[np.ndarray] = []
    ub_rhs: list[float] = []
    for key, reason in reasons.items():
        if reason == UNDER_K:
            ub.append(row(key))
            ub_rhs.append(k - 1.0)
        else:
            ub.append(-row(key))
            ub_rhs.append(-float(k))
    total = float(sum(counts.values()))
    bounds = [(0.0, total + k)] * len(atoms)  # an atom in no shown cell is unbounded: cap it

    def extreme(target: np.ndarray, sign: float) -> float:
        result = linprog(
            sign * target,
            A_eq=np.array(eq) if eq else None,
            b_eq=eq_rhs or None,
            A_ub=np.array(ub) if ub else None,
            b_ub=ub_rhs or None,
            bounds=bounds,
            method="highs",
        )
        assert result.status == 0, result.message  # the truth is always feasible
        return float(sign * result.fun)

    small = [a for a in atoms if counts[a] < k]
    found = []
    for size in range(1, k):
        for subset in itertools.combinations(small, size):
            if sum(counts[a] for a in subset) >= k:
                continue
            target = np.zeros(len(atoms))
            target[[index[a] for a in subset]] = 1.0
            if extreme(target, 1.0) >= 1 - 1e-7 and extreme(target, -1.0) <= k - 1 + 1e-7:
                found.append(frozenset(subset))
    return found


def decide(cells: Cells, counts: Mapping[Hashable, int], k: int) -> tuple[list, dict]:
    disclosure = suppress(cells, counts, k, explain=cells)
    return sorted(disclosure.shown, key=repr), dict(disclosure.reasons)


# --------------------------------------------------------------------------------------------
# The labels
# --------------------------------------------------------------------------------------------


def test_three_labels_and_their_legend() -> None:
    assert Disclosed.hidden(5, UNDER_K).label == "fewer than 5"
    assert Disclosed.hidden(5, PROTECTS).label == "withheld"
    assert Disclosed.hidden(5).label == "fewer than 5*"  # either; also every older release
    assert [hidden_label(5, r) for r in (UNDER_K, PROTECTS, None)] == list(legend(5))
    assert "5 or more responses, withheld" in legend(5)["withheld"]
    assert all(label in footnote(5) for label in legend(5))


def test_a_reason_is_for_hidden_cells_only() -> None:
    with pytest.raises(ValueError, match="hidden cells only"):
        Disclosed(shown=True, n=6, k=5, reason=PROTECTS)
    with pytest.raises(ValueError, match="hidden cells only"):
        Disclosed(shown=False, n=None, k=5, reason="why")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The cases and the two ways a reason can pin a group
# --------------------------------------------------------------------------------------------


def test_a_team_of_ten_hidden_for_its_sibling_reads_withheld() -> None:
    """The issue: a team with 10 responses read "fewer than 5*". Its parent shows 12; its
    sibling (2) is under k; 10 is withheld so that 12 - 10 does not give the sibling."""
    cells = {"P": {"a", "b"}, "A": {"a"}, "B": {"b"}}
    counts = {"a": 10, "b": 2}
    shown, reasons = decide(cells, counts, 5)
    assert shown == ["P"]
    assert reasons == {"A": PROTECTS, "B": UNDER_K}
    assert pinned(cells, counts, 5, shown, reasons) == []


def test_under_k_markers_that_would_force_a_sum_keep_the_generic_label() -> None:
    """A parent of 10 with three children of 4, 4 and 2: three "fewer than 5" would tell that
    each child has at least 2 (10 - 4 - 4). One of them keeps the generic label."""
    cells = {"P": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}, "C": {"c"}}
    counts = {"a": 4, "b": 4, "c": 2}
    everything = {"A": UNDER_K, "B": UNDER_K, "C": UNDER_K}
    assert pinned(cells, counts, 5, ["P"], everything)  # the attack works
    shown, reasons = decide(cells, counts, 5)
    assert shown == ["P"]
    assert len(reasons) == 2
    assert pinned(cells, counts, 5, shown, reasons) == []


def test_withheld_markers_that_would_bound_a_small_group_are_not_told() -> None:
    """A + B = 8 and A + D = 11 shown, A (6) and D (5) at least k: telling both "withheld"
    gives A <= 6, so 2 <= B <= 3."""
    cells = {"P": {"a", "b"}, "Q": {"a", "d"}, "A": {"a"}, "B": {"b"}, "D": {"d"}}
    counts = {"a": 6, "b": 2, "d": 5}
    attack = {"A": PROTECTS, "D": PROTECTS}
    assert pinned(cells, counts, 5, ["P", "Q"], attack) == [frozenset({"b"})]
    told = tell_reasons(cells, counts, 5, ["P", "Q"], {**attack, "B": UNDER_K})
    assert told and told != {**attack, "B": UNDER_K}
    assert pinned(cells, counts, 5, ["P", "Q"], told) == []


def test_earlier_reasons_count_as_told() -> None:
    """A reason an earlier release told is public: it bounds this release's choice."""
    cells = {"P": {"a", "b"}, "Q": {"a", "d"}, "A": {"a"}, "B": {"b"}, "D": {"d"}}
    counts = {"a": 6, "b": 2, "d": 5}
    told = tell_reasons(cells, counts, 5, ["P", "Q"], {"A": PROTECTS}, {"D": PROTECTS})
    assert told == {}


# --------------------------------------------------------------------------------------------
# Property: random organisations, team x level, every reason the module tells
# --------------------------------------------------------------------------------------------


@st.composite
def small_reports(draw: st.DrawFn) -> tuple:
    tree = draw(trees(max_teams=5, max_depth=3))
    levels = ["ic", "manager"][: draw(st.integers(1, 2))]
    counts = {(t, lv, 1): draw(st.integers(0, 9)) for t in tree for lv in levels}
    return tree, counts, draw(st.integers(3, 5))


@settings(max_examples=60, deadline=None)
@given(report=small_reports())
def test_property_told_reasons_pin_nobody_and_add_no_difference(report: tuple) -> None:
    tree, counts, k = report
    cells = report_cells(tree, counts)
    shown, reasons = decide(cells, counts, k)
    n = {key: sum(counts.get(a, 0) for a in atoms) for key, atoms in cells.items()}
    for key, reason in reasons.items():  # every told reason is true
        assert key not in shown
        assert (n[key] < k) == (reason == UNDER_K)
    assert find_leaks(cells, counts, shown, k) == []  # the span is the shown cells' alone
    assert pinned(cells, counts, k, shown, reasons) == []
    # the same decision, whatever order the cells come in
    assert decide(dict(reversed(list(cells.items()))), counts, k)[1] == reasons


@settings(max_examples=60, deadline=None)
@given(report=small_reports())
def test_property_without_the_check_the_reasons_would_pin(report: tuple) -> None:
    """The check is not vacuous: where telling every true reason would pin a group, the
    module tells fewer."""
    tree, counts, k = report
    cells = report_cells(tree, counts)
    disclosure = suppress(cells, counts, k, explain=cells)
    shown = sorted(disclosure.shown, key=repr)
    n = {key: sum(counts.get(a, 0) for a in atoms) for key, atoms in cells.items()}
    every = {key: UNDER_K if n[key] < k else PROTECTS for key in cells if key not in shown}
    if pinned(cells, counts, k, shown, every):
        assert dict(disclosure.reasons) != every


def test_the_figures_print_the_same_labels_and_legend() -> None:
    """Charts (app.reports.figures, which import no privacy code) say what pages say."""
    for k in (3, 5, 10):
        assert text.hidden_legend(k) == legend(k)
        for reason in (UNDER_K, PROTECTS, None):
            assert text.hidden_label(k, reason) == hidden_label(k, reason)
