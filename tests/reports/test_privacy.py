"""Tests for app/reports/privacy/: unit tests of each rule, then property-based attacks.

The attacker here is written independently of the module:

* ``span_leaks``: every set of responding atoms with ``0 < n < k`` whose indicator lies in the
  real span of the shown cells (numpy SVD null space, not the module's exact elimination).
  Any sequence of additions and subtractions of shown cells an HR user can do yields such a
  vector, so this is the strongest linear attacker. Atoms with count 0 are treated as known
  (the attacker is told every zero), which only makes the attacker stronger.
* ``subtraction_leaks``: the concrete subtractions, spelled out: every shown cell minus every
  disjoint union of shown cells it contains (parent minus visible children and direct
  members, team minus team-at-level, all waves minus a wave, ...), found by exact cover of
  the cell minus each candidate small residual; plus every difference of two nested cells.
* ``venn_leaks``: for records (comments), every Venn region of the shown cells.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import subprocess
import sys
from collections.abc import Collection, Hashable, Mapping
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.privacy import (
    DEFAULT_K_COMMENTS,
    DEFAULT_K_SCORES,
    MIN_K,
    Disclosed,
    Disclosure,
    ReportCell,
    ResponseRate,
    Threshold,
    check_k,
    comments_visible,
    disclose_cells,
    disclose_response_rates,
    disclose_team_tree,
    find_leaks,
    footnote,
    report_cells,
    shuffle_comments,
    suppress,
    team_subtrees,
)

Cells = Mapping[Hashable, Collection[Hashable]]
Counts = Mapping[Hashable, int]


def disclose_report(
    tree: Mapping[Hashable, Hashable | None],
    atom_counts: Mapping[tuple[Hashable, Hashable, Hashable], int],
    k: int,
    *,
    by_level: bool = True,
    all_waves: bool = False,
    records: bool = False,
) -> dict[ReportCell, Disclosed]:
    """The whole team x level x wave publication of a survey decided at once (rule 5)."""
    cells = report_cells(tree, atom_counts, by_level=by_level, all_waves=all_waves)
    return disclose_cells(cells, atom_counts, k, records=records)


# --------------------------------------------------------------------------------------------
# The independent attacker
# --------------------------------------------------------------------------------------------


def _responding(cells: Cells, counts: Counts, key: Hashable) -> frozenset[Hashable]:
    return frozenset(a for a in cells[key] if counts.get(a, 0) > 0)


def _n(atoms: Collection[Hashable], counts: Counts) -> int:
    return sum(counts.get(a, 0) for a in atoms)


def _small_subsets(atoms: Collection[Hashable], counts: Counts, k: int, size: int) -> list:
    """Every set of at most ``size`` responding atoms with total count below k (with the
    empty set), as sorted tuples."""
    small = sorted((a for a in atoms if 0 < counts.get(a, 0) < k), key=repr)
    return [
        combo
        for r in range(size + 1)
        for combo in itertools.combinations(small, r)
        if _n(combo, counts) < k
    ]


def _null_space(cells: Cells, counts: Counts, shown: Collection[Hashable]) -> tuple:
    """Responding atoms of the shown cells, and a basis of the null space of the shown rows
    (row i: atom i's coordinates), by float SVD."""
    rows = [_responding(cells, counts, key) for key in shown]
    atoms = sorted({a for row in rows for a in row}, key=repr)
    index = {a: i for i, a in enumerate(atoms)}
    matrix = np.zeros((max(len(rows), 1), max(len(atoms), 1)))
    for r, row in enumerate(rows):
        for a in row:
            matrix[r, index[a]] = 1.0
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape)).sum())
    return atoms, index, vt[rank:].T[: len(atoms)]


def in_span(cells: Cells, counts: Counts, shown: Collection[Hashable], subset: Collection) -> bool:
    """Whether the responding atoms ``subset`` are a linear combination of shown cells."""
    _, index, null = _null_space(cells, counts, shown)
    if any(a not in index for a in subset):
        return False
    return bool(np.abs(null[[index[a] for a in subset]].sum(axis=0)).max(initial=0) < 1e-7)


def span_leaks(
    cells: Cells, counts: Counts, shown: Collection[Hashable], k: int, *, first: bool = False
) -> list:
    """Sets S with 0 < n(S) < k whose indicator is a linear combination of shown cells.

    S is in the span iff the rows of a null-space basis over S sum to zero. Each such S has
    at most k - 1 atoms, so it splits into two halves of at most ceil((k-1)/2) atoms whose
    sums cancel: meet in the middle on a random projection, then check the full vector.
    Returns the atoms isolatable on their own, plus every S made of the other atoms (if S
    contains an atom isolatable on its own, S minus that atom is isolatable too, so this is
    empty exactly when no leak exists). ``first``: stop at the first leak.
    """
    atoms, index, null = _null_space(cells, counts, shown)
    alone = [a for a in atoms if counts[a] < k and np.abs(null[index[a]]).max(initial=0) < 1e-9]
    rest = [a for a in atoms if a not in set(alone)]
    projection = null @ np.random.default_rng(0).standard_normal(null.shape[1])
    halves = sorted(
        (
            (float(sum(projection[index[a]] for a in h)), h)
            for h in _small_subsets(rest, counts, k, k // 2)
        ),
        key=lambda item: item[0],
    )
    keys = [value for value, _ in halves]
    found = {frozenset([a]) for a in alone}
    for value, half in halves:
        if first and found:
            break
        lo = bisect.bisect_left(keys, -value - 1e-6)
        hi = bisect.bisect_right(keys, -value + 1e-6)
        for _, second in halves[lo:hi]:
            union = frozenset(half) | frozenset(second)
            if (
                union
                and not set(half) & set(second)
                and _n(union, counts) < k
                and np.abs(null[[index[a] for a in union]].sum(axis=0)).max(initial=0) < 1e-7
            ):
                found.add(union)
    return sorted(found, key=lambda leak: sorted(map(repr, leak)))


def subtraction_leaks(cells: Cells, counts: Counts, shown: Collection[Hashable], k: int) -> list:
    """Residuals 0 < r < k of a shown cell minus any disjoint union of shown cells inside it,
    and of a shown cell minus a shown cell nested in it.

    ``reach(rest, budget)`` is every set R of at most ``budget`` responses such that
    ``rest - R`` is a disjoint union of shown cells: its smallest atom is either left in R or
    covered by a shown cell inside ``rest`` (exact cover, every choice tried, memoised).
    """
    distinct = {_responding(cells, counts, key) for key in shown}
    order = {a: repr(a) for cell in distinct for a in cell}
    containing: dict[Hashable, list[frozenset]] = {}
    for cell in distinct:
        for a in cell:
            containing.setdefault(a, []).append(cell)

    @functools.cache
    def reach(rest: frozenset, budget: int) -> frozenset[frozenset]:
        if not rest:
            return frozenset({frozenset()})
        first = min(rest, key=order.__getitem__)
        out: set[frozenset] = set()
        if counts[first] <= budget:
            out.update(r | {first} for r in reach(rest - {first}, budget - counts[first]))
        for piece in containing[first]:
            if piece <= rest:
                out.update(reach(rest - piece, budget))
        return frozenset(out)

    leaks = []
    for big, small in itertools.permutations(distinct, 2):
        if small < big and 0 < _n(big - small, counts) < k:
            leaks.append(("nested difference", big, small))
    for cell in distinct:
        leaks.extend(("cell minus disjoint union", cell, r) for r in reach(cell, k - 1) if r)
    return leaks


def venn_leaks(cells: Cells, counts: Counts, shown: Collection[Hashable], k: int) -> list:
    """Regions (atoms in exactly the same shown cells) with 0 < n < k: what intersecting and
    subtracting shown comment lists isolates."""
    signature: dict[Hashable, frozenset] = {}
    for key in shown:
        for a in _responding(cells, counts, key):
            signature[a] = signature.get(a, frozenset()) | {key}
    regions: dict[frozenset, set] = {}
    for a, sig in signature.items():
        regions.setdefault(sig, set()).add(a)
    return [atoms for atoms in regions.values() if 0 < _n(atoms, counts) < k]


def assert_safe(cells: Cells, counts: Counts, result: Mapping[Hashable, Disclosed], k: int):
    shown = [key for key, d in result.items() if d.shown]
    for key in shown:
        assert result[key].n == _n(cells[key], counts) >= k
    for d in result.values():
        if not d.shown:
            assert d.n is None
            assert d.label == f"fewer than {k}*"
    assert span_leaks(cells, counts, shown, k) == []
    assert subtraction_leaks(cells, counts, shown, k) == []


def weights(cells: Cells, combination: Mapping[Hashable, Fraction]) -> dict[Hashable, Fraction]:
    """Per atom, the coefficient it gets in a linear combination of cells."""
    atoms = {a for key in combination for a in cells[key]}
    return {
        a: sum((c for key, c in combination.items() if a in cells[key]), Fraction(0)) for a in atoms
    }


def shuffled(mapping: Mapping, seed: int) -> dict:
    items = list(mapping.items())
    random.Random(seed).shuffle(items)
    return dict(items)


def labels(result: Mapping[Hashable, Disclosed]) -> dict[Hashable, str]:
    return {key: d.label for key, d in result.items()}


def test_the_attacker_finds_what_it_should() -> None:
    """The oracles are not vacuous: on an unprotected view each one finds the leak."""
    cells = {"P": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}}
    counts = {"a": 7, "b": 5, "c": 1}
    assert span_leaks(cells, counts, ["P", "A", "B"], 5) == [{"c"}]
    assert ("cell minus disjoint union", {"a", "b", "c"}, {"c"}) in subtraction_leaks(
        cells, counts, ["P", "A", "B"], 5
    )
    assert subtraction_leaks(cells, counts, ["P", "A"], 5) == []
    assert venn_leaks(cells, counts, ["P", "A", "B"], 5) == [{"c"}]
    # Nested difference: "all waves" minus "wave 1".
    assert subtraction_leaks(
        {"all": {"w1", "w2"}, "w1": {"w1"}}, {"w1": 6, "w2": 2}, ["all", "w1"], 5
    )


# --------------------------------------------------------------------------------------------
# Thresholds and the value type
# --------------------------------------------------------------------------------------------


def test_threshold_defaults_and_minimum() -> None:
    assert Threshold() == Threshold(k_scores=5, k_comments=10)
    assert (DEFAULT_K_SCORES, DEFAULT_K_COMMENTS, MIN_K) == (5, 10, 3)
    assert Threshold(3, 3).k_comments == 3
    with pytest.raises(ValueError, match="k_scores"):
        Threshold(k_scores=2)
    with pytest.raises(ValueError, match="k_comments"):
        Threshold(k_comments=1)
    with pytest.raises(TypeError):
        Threshold(k_scores=True)
    with pytest.raises(TypeError):
        check_k(5.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 3"):
        disclose_cells({"a": {"x"}}, {"x": 10}, 2)


def test_disclosed_never_carries_a_hidden_n() -> None:
    shown = Disclosed.visible(7, 5)
    hidden = Disclosed.hidden(5)
    assert (shown.shown, shown.n, shown.label) == (True, 7, "7")
    assert (hidden.shown, hidden.n, hidden.label) == (False, None, "fewer than 5*")
    assert "fewer than 5 responses" in footnote(5)
    with pytest.raises(ValueError, match="n >= k"):
        Disclosed(shown=True, n=4, k=5)
    with pytest.raises(ValueError, match="must not carry"):
        Disclosed(shown=False, n=4, k=5)
    with pytest.raises(ValueError, match="at least 3"):
        Disclosed(shown=False, n=None, k=2)


# --------------------------------------------------------------------------------------------
# Rule (a): the team tree, parent minus visible children
# --------------------------------------------------------------------------------------------

STAR = {"P": None, "A": "P", "B": "P", "C": "P"}


def test_classic_12_is_7_plus_5_plus_0_shows_everything_with_n() -> None:
    result = disclose_team_tree(STAR, {"A": 7, "B": 5, "C": 0}, 5)
    assert labels(result) == {None: "12", "P": "12", "A": "7", "B": "5", "C": "fewer than 5*"}
    # The zero is hidden like any small cell, though 12 - 7 - 5 = 0 can be derived: a derived
    # zero reveals nobody's answers, so it is allowed.


def test_classic_12_is_6_plus_4_plus_2_hides_only_the_small_children() -> None:
    counts = {"A": 6, "B": 4, "C": 2}
    disclosure = suppress(team_subtrees(STAR), counts, 5)
    assert disclosure.shown == {"P", "A"}
    assert disclosure.complementary == frozenset()  # 12 - 6 = 6 = B + C is not below 5
    assert_safe(team_subtrees(STAR), counts, disclosure.cells, 5)


def test_hidden_child_recoverable_by_subtraction_forces_smallest_sibling() -> None:
    counts = {"A": 7, "B": 5, "C": 1}
    result = disclose_team_tree(STAR, counts, 5)
    assert labels(result) == {
        None: "13",
        "P": "13",
        "A": "7",
        "B": "fewer than 5*",  # 13 - 7 - 5 = 1 would expose C; B is the smallest sibling
        "C": "fewer than 5*",
    }


def test_parent_direct_members_are_a_hidden_part_too() -> None:
    tree = {"P": None, "A": "P", "B": "P"}
    counts = {"P": 2, "A": 6, "B": 7}  # P's own two members: 15 - 6 - 7 = 2
    result = disclose_team_tree(tree, counts, 5)
    assert labels(result) == {None: "15", "P": "15", "A": "fewer than 5*", "B": "7"}
    cells: dict[Hashable, frozenset] = {None: frozenset(tree), **team_subtrees(tree)}
    assert_safe(cells, counts, result, 5)


def test_organisation_total_minus_shown_roots() -> None:
    tree = {"X": None, "Y": None}
    result = disclose_team_tree(tree, {"X": 8, "Y": 3}, 5)
    assert labels(result) == {None: "11", "X": "fewer than 5*", "Y": "fewer than 5*"}


def test_suppression_propagates_up_the_tree() -> None:
    # R = P + Q + S (S small). Fixing P's children keeps P shown, R - P - Q = S = 3 then
    # needs one of P or Q hidden, and that hiding must not reopen P's own subtraction.
    tree = {"R": None, "P": "R", "Q": "R", "S": "R", "A": "P", "B": "P", "C": "P"}
    counts = {"A": 7, "B": 5, "C": 1, "Q": 6, "S": 3}
    result = disclose_team_tree(tree, counts, 5)
    cells: dict[Hashable, frozenset] = {None: frozenset(tree), **team_subtrees(tree)}
    assert_safe(cells, counts, result, 5)
    assert result["R"].shown
    assert result["R"].n == 22
    assert not result["S"].shown
    assert not result["Q"].shown  # 6 < 13: the smaller of the two siblings


def test_tree_validation() -> None:
    with pytest.raises(ValueError, match="unknown parent"):
        team_subtrees({"A": "Z"})
    with pytest.raises(ValueError, match="cycle"):
        team_subtrees({"R": None, "A": "B", "B": "A"})
    with pytest.raises(ValueError, match="unknown team"):
        disclose_team_tree({"A": None}, {"B": 3}, 5)
    with pytest.raises(ValueError, match="negative"):
        disclose_team_tree({"A": None}, {"A": -1}, 5)
    with pytest.raises(TypeError):
        disclose_team_tree({"A": None}, {"A": 2.0}, 5)  # type: ignore[dict-item]
    assert team_subtrees({"R": None, "A": "R", "B": "A"}) == {
        "R": {"R", "A", "B"},
        "A": {"A", "B"},
        "B": {"B"},
    }


# --------------------------------------------------------------------------------------------
# Rule (b): overlapping filters (team x level)
# --------------------------------------------------------------------------------------------


def test_team_minus_team_at_other_levels() -> None:
    counts = {("X", "ic", 1): 3, ("X", "manager", 1): 6, ("X", "senior", 1): 7}
    result = disclose_report({"X": None}, counts, 5)
    assert not result[ReportCell("X", "ic", 1)].shown  # primary
    assert not result[ReportCell("X", "manager", 1)].shown  # X - senior - manager = 3
    assert result[ReportCell("X", "senior", 1)].label == "7"
    assert result[ReportCell("X", None, 1)].label == "16"
    assert result[ReportCell(None, None, 1)].label == "16"
    assert_safe(report_cells({"X": None}, counts), counts, result, 5)


def test_two_by_two_keeps_margins_and_hides_a_rectangle() -> None:
    tree = {"O": None, "X": "O", "Y": "O"}
    counts = {("X", "L1", 1): 2, ("X", "L2", 1): 9, ("Y", "L1", 1): 8, ("Y", "L2", 1): 7}
    result = disclose_report(tree, counts, 5)
    for team, level in itertools.product(["X", "Y"], ["L1", "L2"]):
        assert not result[ReportCell(team, level, 1)].shown
    for cell in [("O", None), ("X", None), ("Y", None), ("O", "L1"), ("O", "L2")]:
        assert result[ReportCell(cell[0], cell[1], 1)].shown
    assert_safe(report_cells(tree, counts), counts, result, 5)


def test_chained_subtraction_is_caught_though_no_cell_minus_subcells_shows_it() -> None:
    # Y at L2 = Y - (org at L1 - X at L1) = 9 - (12 - 5) = 2. No shown cell minus a disjoint
    # union of shown cells inside it gives 2, so a rule checking only that would let it pass.
    tree = {"O": None, "X": "O", "Y": "O"}
    counts = {("X", "L1", 1): 5, ("X", "L2", 1): 6, ("Y", "L1", 1): 7, ("Y", "L2", 1): 2}
    cells = report_cells(tree, counts)
    shown = [ReportCell(*c, 1) for c in [("O", None), ("X", None), ("Y", None), ("O", "L1")]]
    shown.append(ReportCell("X", "L1", 1))
    assert subtraction_leaks(cells, counts, shown, 5) == []
    leaks = find_leaks(cells, counts, shown, 5)
    assert [(leak.atoms, leak.n) for leak in leaks] == [(frozenset({("Y", "L2", 1)}), 2)]
    derived = weights(cells, leaks[0].combination)
    assert {a: derived.get(a, 0) for a in counts} == {a: int(a == ("Y", "L2", 1)) for a in counts}
    assert span_leaks(cells, counts, shown, 5) == [frozenset({("Y", "L2", 1)})]
    result = disclose_report(tree, counts, 5)
    assert_safe(cells, counts, result, 5)


def test_report_cells_shape_and_validation() -> None:
    tree = {"R": None, "A": "R"}
    counts = {("R", "ic", "w1"): 1, ("A", "ic", "w1"): 2, ("A", "mgr", "w2"): 3}
    cells = report_cells(tree, counts, all_waves=True)
    assert len(cells) == 3 * 3 * 3  # teams R, A, org x levels ic, mgr, all x waves w1, w2, all
    assert cells[ReportCell("R", None, None)] == set(counts)
    assert cells[ReportCell("A", "ic", None)] == {("A", "ic", "w1")}
    assert cells[ReportCell(None, "mgr", "w1")] == frozenset()
    assert len(report_cells(tree, counts, by_level=False)) == 3 * 2
    with pytest.raises(ValueError, match="None"):
        report_cells(tree, {("A", None, "w1"): 3})
    with pytest.raises(ValueError, match="unknown team"):
        report_cells(tree, {("Z", "ic", "w1"): 3})


# --------------------------------------------------------------------------------------------
# Rule (c): wave minus wave
# --------------------------------------------------------------------------------------------


def test_all_waves_minus_one_wave() -> None:
    counts = {("X", "all", 1): 6, ("X", "all", 2): 3}
    result = disclose_report({"X": None}, counts, 5, by_level=False, all_waves=True)
    assert not result[ReportCell("X", None, 2)].shown  # primary
    assert not result[ReportCell("X", None, 1)].shown  # 9 - 6 = 3
    assert result[ReportCell("X", None, None)].label == "9"
    assert_safe(
        report_cells({"X": None}, counts, by_level=False, all_waves=True), counts, result, 5
    )


# --------------------------------------------------------------------------------------------
# General mechanism: determinism, duplicates, audit
# --------------------------------------------------------------------------------------------


def test_identical_cells_are_decided_together() -> None:
    # "org" and "root" are the same respondents; hiding one and showing the other is useless.
    cells = {"org": {"a", "b"}, "root": {"a", "b"}, "a": {"a"}, "zero": {"a", "z"}}
    counts = {"a": 9, "b": 3, "z": 0}
    result = disclose_cells(cells, counts, 5)
    assert result["org"].shown == result["root"].shown
    assert result["a"].shown == result["zero"].shown
    assert_safe(cells, counts, result, 5)


def test_deterministic_regardless_of_input_order() -> None:
    tree = {"O": None, "X": "O", "Y": "O", "Z": "O"}
    counts = {
        (t, lv, 1): c
        for (t, lv), c in zip(
            itertools.product("XYZ", ["a", "b", "c"]), [1, 6, 7, 5, 2, 9, 8, 8, 3], strict=True
        )
    }
    cells = report_cells(tree, counts)
    first = suppress(cells, counts, 5)
    for seed in range(5):
        again = suppress(shuffled(cells, seed), shuffled(counts, seed + 100), 5)
        assert again.cells == first.cells
        assert again.complementary == first.complementary


def test_deterministic_across_hash_seeds() -> None:
    script = (
        "from app.reports.privacy import disclose_cells, report_cells\n"
        "tree = {'O': None, 'x': 'O', 'y': 'O', 'z': 'O'}\n"
        "levels = ['ic', 'mgr', 'lead']\n"
        "counts = {(t, lv, 'w'): (i * 7 + j * 3) % 9 for i, t in enumerate('xyz')"
        " for j, lv in enumerate(levels)}\n"
        "r = disclose_cells(report_cells(tree, counts), counts, 5)\n"
        "print(sorted((repr(key), d.label) for key, d in r.items()))\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={"PYTHONHASHSEED": str(seed), "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1


def test_find_leaks_reports_small_shown_cells_and_nothing_when_safe() -> None:
    cells = {"P": {"a", "b"}, "A": {"a"}}
    small_shown = find_leaks(cells, {"a": 3, "b": 7}, ["P", "A"], 5)
    assert small_shown
    assert {(leak.atoms, leak.n) for leak in small_shown} == {(frozenset({"a"}), 3)}
    assert [leak.atoms for leak in find_leaks(cells, {"a": 7, "b": 3}, ["P", "A"], 5)] == [{"b"}]
    assert find_leaks(cells, {"a": 7, "b": 5}, ["P", "A"], 5) == []
    assert find_leaks(cells, {"a": 7, "b": 0}, ["P", "A"], 5) == []  # derived zero is allowed


def test_missing_atoms_count_zero_and_empty_cells_are_hidden() -> None:
    result = disclose_cells({"none": set(), "unknown": {"q"}, "big": {"a"}}, {"a": 5}, 5)
    assert labels(result) == {"none": "fewer than 5*", "unknown": "fewer than 5*", "big": "5"}


def test_disclosure_object() -> None:
    disclosure = suppress(
        {"P": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}}, {"a": 7, "b": 5, "c": 1}, 5
    )
    assert isinstance(disclosure, Disclosure)
    assert disclosure.shown == {"P", "A"}
    assert disclosure.hidden == {"B"}
    assert disclosure.complementary == {"B"}
    assert disclosure["P"].n == 13


# --------------------------------------------------------------------------------------------
# Comments (records)
# --------------------------------------------------------------------------------------------


def test_comment_lists_parent_minus_children_uses_k_comments() -> None:
    cells = {"P": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}, "C": {"c"}}
    counts = {"a": 12, "b": 11, "c": 2}
    result = disclose_cells(cells, counts, 10, records=True)
    assert labels(result) == {
        "P": "25",
        "A": "12",
        "B": "fewer than 10*",
        "C": "fewer than 10*",
    }


def test_comment_lists_can_be_intersected_so_cross_cuts_need_more() -> None:
    # Team X's comments and the organisation's manager comments: their intersection is X's
    # managers (3 comments). Counts cannot isolate them, text comparison can.
    cells = {
        "X": {("X", "mgr"), ("X", "ic")},
        "org mgr": {("X", "mgr"), ("Y", "mgr")},
        "org": {("X", "mgr"), ("X", "ic"), ("Y", "mgr"), ("Y", "ic")},
    }
    counts = {("X", "mgr"): 3, ("X", "ic"): 12, ("Y", "mgr"): 12, ("Y", "ic"): 12}
    assert all(d.shown for d in disclose_cells(cells, counts, 10).values())
    as_records = disclose_cells(cells, counts, 10, records=True)
    shown = [key for key, d in as_records.items() if d.shown]
    assert venn_leaks(cells, counts, shown, 10) == []
    assert as_records["org"].shown


def test_comments_visible() -> None:
    assert comments_visible(10, 10)
    assert not comments_visible(9, 10)
    assert not comments_visible(0, 3)
    with pytest.raises(ValueError, match="at least 3"):
        comments_visible(12, 2)
    with pytest.raises(ValueError, match="non-negative"):
        comments_visible(-1, 10)


def test_shuffle_comments() -> None:
    texts = [f"comment {i}" for i in range(30)]
    once = shuffle_comments(texts, "survey-secret")
    assert sorted(once) == sorted(texts)
    assert once != texts  # fixed seed: this particular order is not the input order
    assert shuffle_comments(list(reversed(texts)), "survey-secret") == once  # input order lost
    assert shuffle_comments(iter(texts), "survey-secret") == once
    assert shuffle_comments(texts, "other-secret") != once
    assert shuffle_comments(texts, b"survey-secret") == once
    assert shuffle_comments(texts, 42) == shuffle_comments(texts, 42)
    assert texts == [f"comment {i}" for i in range(30)]  # input untouched
    assert shuffle_comments(["same", "same"], 1) == ["same", "same"]
    with pytest.raises(TypeError):
        shuffle_comments(texts, 1.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Response rates
# --------------------------------------------------------------------------------------------


def test_response_rates() -> None:
    tree = {"P": None, "A": "P", "B": "P"}
    invited = {"P": 2, "A": 10, "B": 8}
    responded = {"P": 0, "A": 6, "B": 3}
    rates = disclose_response_rates(tree, invited, responded, 5)
    assert rates["P"] == ResponseRate(20, Disclosed.visible(9, 5))
    assert rates["P"].rate == pytest.approx(0.45)
    assert rates["B"].invited == 8  # invitations are known to HR anyway
    assert rates["B"].rate is None
    assert not rates["B"].responded.shown
    assert not rates["A"].responded.shown  # 9 - 6 = 3 would expose B
    assert rates[None].invited == 20
    assert ResponseRate(0, Disclosed.visible(5, 5)).rate is None
    with pytest.raises(ValueError, match="more responses"):
        disclose_response_rates(tree, {"A": 3}, {"A": 4}, 5)
    with pytest.raises(ValueError, match="unknown team"):
        disclose_response_rates(tree, {"Z": 3}, {}, 5)


# --------------------------------------------------------------------------------------------
# Property-based: random organisations, then every attack we can think of
# --------------------------------------------------------------------------------------------

COUNT = st.one_of(st.integers(0, 4), st.integers(0, 20))


@st.composite
def trees(draw: st.DrawFn, max_teams: int = 15, max_depth: int = 4) -> dict[int, int | None]:
    """Random forests of up to max_teams teams, at most max_depth levels deep."""
    tree: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    for team in range(draw(st.integers(1, max_teams))):
        options: list[int | None] = [None, *(t for t in tree if depth[t] < max_depth - 1)]
        parent = None if team == 0 else draw(st.sampled_from(options))
        tree[team] = parent
        depth[team] = 0 if parent is None else depth[parent] + 1
    return tree


@st.composite
def reports(draw: st.DrawFn, max_levels: int = 3, max_waves: int = 1) -> tuple:
    tree = draw(trees())
    levels = ["ic", "manager", "senior"][: draw(st.integers(1, max_levels))]
    waves = list(range(1, draw(st.integers(1, max_waves)) + 1))
    counts = {(t, lv, w): draw(COUNT) for t in tree for lv in levels for w in waves}
    return tree, counts, draw(st.integers(3, 5))


# Fast enough for CI (a few seconds in all); offline runs with thousands of examples and larger
# organisations (20 teams, 4 levels, 3 waves) found nothing more.
PROPERTY = settings(max_examples=80, deadline=None)


@PROPERTY
@given(tree=trees(), data=st.data())
def test_property_team_tree_rollups(tree: dict[int, int | None], data: st.DataObject) -> None:
    counts = {t: data.draw(COUNT) for t in tree}
    k = data.draw(st.integers(3, 5))
    result = disclose_team_tree(tree, counts, k)
    cells: dict[Hashable, frozenset] = {None: frozenset(tree), **team_subtrees(tree)}
    assert set(result) == set(cells)
    assert_safe(cells, counts, result, k)
    assert disclose_team_tree(shuffled(tree, 1), shuffled(counts, 2), k) == result


@PROPERTY
@given(report=reports())
def test_property_team_by_level(report: tuple) -> None:
    tree, counts, k = report
    cells = report_cells(tree, counts)
    result = disclose_report(tree, counts, k)
    assert_safe(cells, counts, result, k)
    assert disclose_report(shuffled(tree, 3), shuffled(counts, 4), k) == result


@settings(max_examples=50, deadline=None)
@given(report=reports(max_levels=2, max_waves=2))
def test_property_waves_and_all_waves(report: tuple) -> None:
    tree, counts, k = report
    cells = report_cells(tree, counts, all_waves=True)
    result = disclose_report(tree, counts, k, all_waves=True)
    assert_safe(cells, counts, result, k)
    assert disclose_report(shuffled(tree, 5), shuffled(counts, 6), k, all_waves=True) == result


@PROPERTY
@given(report=reports(max_waves=2), data=st.data())
def test_property_audit_is_exact(report: tuple, data: st.DataObject) -> None:
    """find_leaks finds a leak exactly when the independent attacker does, for any choice of
    shown cells, and each leak it reports is real."""
    tree, counts, k = report
    cells = report_cells(tree, counts, all_waves=True)
    keys = sorted(cells, key=repr)
    shown = data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
    ours = find_leaks(cells, counts, shown, k)
    theirs = span_leaks(cells, counts, shown, k)
    assert bool(ours) == bool(theirs)
    for leak in ours:
        assert 0 < leak.n < k
        assert leak.n == _n(leak.atoms, counts)
        assert in_span(cells, counts, shown, leak.atoms)
        assert set(leak.combination) <= set(shown)
        for atom, weight in weights(cells, leak.combination).items():
            if counts[atom] > 0:
                assert weight == (atom in leak.atoms)


@PROPERTY
@given(report=reports(max_waves=2))
def test_property_comments_survive_intersection(report: tuple) -> None:
    tree, counts, _ = report
    k = DEFAULT_K_COMMENTS
    cells = report_cells(tree, counts, all_waves=True)
    result = disclose_report(tree, counts, k, all_waves=True, records=True)
    shown = [key for key, d in result.items() if d.shown]
    for key in shown:
        assert result[key].n == _n(cells[key], counts) >= k
    assert venn_leaks(cells, counts, shown, k) == []  # implies span_leaks(...) == []


@settings(max_examples=50, deadline=None)
@given(report=reports(max_waves=2))
def test_property_no_extra_suppression_when_threshold_alone_is_safe(report: tuple) -> None:
    tree, counts, k = report
    cells = report_cells(tree, counts, all_waves=True)
    primary_only = [key for key, atoms in cells.items() if _n(atoms, counts) >= k]
    disclosure = suppress(cells, counts, k)
    if not span_leaks(cells, counts, primary_only, k, first=True):
        assert disclosure.complementary == frozenset()
        assert disclosure.shown == set(primary_only)
    else:
        assert disclosure.complementary


def test_withheld_cells_start_hidden_and_the_result_stays_safe() -> None:
    # parent P = A + B + C with 6 + 6 + 3: C is below k, so one more cell must go
    cells = {"P": {"a", "b", "c"}, "A": {"a"}, "B": {"b"}, "C": {"c"}}
    counts = {"a": 6, "b": 6, "c": 3}
    plain = suppress(cells, counts, 5)
    assert plain.hidden == frozenset({"A", "C"})  # the tie between A and B breaks on the key
    assert find_leaks(cells, counts, plain.shown, 5) == []
    # starting with B withheld (as a statistic does where the response counts hide B),
    # nothing more is needed: P - A = B + C = 9
    decided = suppress(cells, counts, 5, withheld={"B"})
    assert decided.hidden == frozenset({"B", "C"})
    assert "B" in decided.complementary
    assert find_leaks(cells, counts, decided.shown, 5) == []
