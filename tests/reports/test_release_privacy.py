"""Releases over time: no difference a reader can take between the shown cells of any
releases of a survey isolates between 1 and k-1 respondents.

The reader keeps every release. Their view is every shown cell of every release, over the
atoms (team, level, interval of arrival); what they can isolate is the 0/1 vectors in the
linear span of those cells (sums), or the Venn regions (comment records). Checked with
privacy.find_leaks and, on small cases, by brute force over every subset of atoms.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.reports.privacy import Reason, find_leaks
from app.reports.publication import Atom, CellKey, publication_cells
from app.reports.snapshot import decide_in_sequence, decide_with_reasons
from tests.reports.test_privacy_markers import pinned

# 1 -> (2, 3), 4: two roots; levels 1 and 2.
TREE: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: None}
ATOMS: list[Atom] = [(team, level) for team in TREE for level in (1, 2)]

JointAtom = tuple[Atom, int]


def reader_view(
    releases: Sequence[Mapping[Atom, int]], shown: Sequence[Mapping[CellKey, int]]
) -> tuple[dict[tuple[int, CellKey], frozenset[JointAtom]], dict[JointAtom, int]]:
    """Every shown cell of every release over (atom, interval), with the interval counts."""
    counts: dict[JointAtom, int] = {}
    for r, current in enumerate(releases):
        for atom in ATOMS:
            arrived = current.get(atom, 0) - (releases[r - 1].get(atom, 0) if r else 0)
            if arrived:
                counts[(atom, r)] = arrived
    cells: dict[tuple[int, CellKey], frozenset[JointAtom]] = {}
    for r, current in enumerate(releases):
        release_cells = publication_cells(TREE, current)
        for cell in shown[r]:
            cells[(r, cell)] = frozenset(
                (atom, i) for atom in release_cells[cell] for i in range(r + 1)
            )
    return cells, counts


def publish_sequence(
    releases: Sequence[Mapping[Atom, int]], k: int, *, records: bool = False
) -> list[dict[CellKey, int]]:
    """Decide each release in turn, as publish_release does."""
    shown: list[dict[CellKey, int]] = []
    for r in range(len(releases)):
        cells = [publication_cells(TREE, c) for c in releases[: r + 1]]
        shown.append(decide_in_sequence(cells, list(releases[: r + 1]), shown, k, records=records))
    return shown


def brute_force_leaks(
    cells: Mapping[object, frozenset[JointAtom]], counts: Mapping[JointAtom, int], k: int
) -> list[frozenset[JointAtom]]:
    """Every set of atoms with 0 < n < k that lies in the span of the cells (exact enough:
    0/1 matrices of a few dozen entries)."""
    atoms = sorted(a for a, n in counts.items() if n)
    rows = np.array([[1.0 if a in atoms_of else 0.0 for a in atoms] for atoms_of in cells.values()])
    rank = np.linalg.matrix_rank(rows) if len(rows) else 0
    found = []
    for size in range(1, len(atoms) + 1):
        for subset in itertools.combinations(range(len(atoms)), size):
            n = sum(counts[atoms[i]] for i in subset)
            if not 0 < n < k:
                continue
            vector = np.zeros(len(atoms))
            vector[list(subset)] = 1.0
            stacked = np.vstack([rows, vector]) if len(rows) else vector[None, :]
            if np.linalg.matrix_rank(stacked) == rank:
                found.append(frozenset(atoms[i] for i in subset))
    return found


# A survey's life: up to four releases, each adding 0-6 responses to random atoms.
arrivals = st.lists(
    st.dictionaries(st.sampled_from(ATOMS), st.integers(0, 6), max_size=len(ATOMS)),
    min_size=1,
    max_size=4,
)


def cumulative(steps: Sequence[Mapping[Atom, int]]) -> list[dict[Atom, int]]:
    total: dict[Atom, int] = {}
    result = []
    for step in steps:
        for atom, n in step.items():
            total[atom] = total.get(atom, 0) + n
        result.append({a: n for a, n in total.items() if n})
    return result


@settings(max_examples=120, deadline=None)
@given(arrivals, st.integers(3, 5))
def test_no_difference_between_releases_isolates_fewer_than_k(
    steps: list[dict[Atom, int]], k: int
) -> None:
    releases = cumulative(steps)
    shown = publish_sequence(releases, k)
    cells, counts = reader_view(releases, shown)
    assert find_leaks(cells, counts, cells, k) == []
    for r, decided in enumerate(shown):  # earlier releases stay as they were published
        assert decided == publish_sequence(releases[: r + 1], k)[r]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(ATOMS[:4]), st.integers(0, 4), max_size=4),
        min_size=1,
        max_size=3,
    ),
    st.integers(3, 4),
)
def test_brute_force_finds_nothing_either(steps: list[dict[Atom, int]], k: int) -> None:
    releases = cumulative(steps)
    shown = publish_sequence(releases, k)
    cells, counts = reader_view(releases, shown)
    if sum(1 for n in counts.values() if n) <= 10:
        assert brute_force_leaks(cells, counts, k) == []


@settings(max_examples=80, deadline=None)
@given(arrivals, st.integers(3, 6))
def test_comment_lists_compared_across_releases_isolate_nobody(
    steps: list[dict[Atom, int]], k: int
) -> None:
    releases = cumulative(steps)
    shown = publish_sequence(releases, k, records=True)
    cells, counts = reader_view(releases, shown)
    assert find_leaks(cells, counts, cells, k, records=True) == []


def test_one_newcomer_is_never_shown_by_difference() -> None:
    """The issue's attack: read before and after one submission. The second release may
    show nothing that contains the newcomer: every cell holding them is withheld."""
    before = {(2, 1): 6, (3, 1): 6, (4, 1): 7}
    after = {**before, (2, 1): 7}
    first, second = publish_sequence([before, after], 5)
    cells_now = publication_cells(TREE, after)
    assert first[(None, None)] == 19  # the organisation and the big teams show
    for cell, n in second.items():
        assert (2, 1) not in cells_now[cell]
        assert first.get(cell, n) == n
    # With k newcomers the cells holding them may show again.
    grown = {**before, (2, 1): 11}
    _, third = publish_sequence([before, grown], 5)
    assert third.get((None, None)) == 24


def publish_with_reasons(
    releases: Sequence[Mapping[Atom, int]], k: int
) -> tuple[list[dict[CellKey, int]], list[dict[CellKey, Reason]]]:
    """Decide each release in turn with the reasons it tells, as publish_release does."""
    shown: list[dict[CellKey, int]] = []
    told: list[dict[CellKey, Reason]] = []
    for r in range(len(releases)):
        cells = [publication_cells(TREE, c) for c in releases[: r + 1]]
        decided, reasons = decide_with_reasons(
            cells, list(releases[: r + 1]), shown, k, told_before=told
        )
        shown.append(decided)
        told.append(reasons)
    return shown, told


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(ATOMS[:4]), st.integers(0, 7), max_size=4),
        min_size=1,
        max_size=3,
    ),
    st.integers(3, 5),
)
@example([{(1, 1): 2, (1, 2): 2}, {(1, 1): 1, (1, 2): 1}], 3)
def test_reasons_told_across_releases_pin_nobody(steps: list[dict[Atom, int]], k: int) -> None:
    """Every release's "fewer than k" and "withheld", read together with every release's
    shown counts, confine no group to 1 .. k-1 (the LP attacker of test_privacy_markers).
    A later release withholds what would pin a group together with an earlier release's
    reasons (here: 2 + 2 with one level "fewer than 3", then one more in each level), and
    no difference of shown cells isolates anyone either."""
    releases = cumulative(steps)
    shown, told = publish_with_reasons(releases, k)
    assert shown[0] == publish_sequence(releases[:1], k)[0]
    view, counts = reader_view(releases, shown)
    assert find_leaks(view, counts, view, k) == []
    joint = dict(view)
    reasons: dict[object, Reason] = {}
    for r, current in enumerate(releases):
        release_cells = publication_cells(TREE, current)
        for cell, why in told[r].items():
            joint[(r, cell, "hidden")] = frozenset(
                (atom, i) for atom in release_cells[cell] for i in range(r + 1)
            )
            reasons[(r, cell, "hidden")] = why
    assert pinned(joint, counts, k, list(view), reasons) == []
