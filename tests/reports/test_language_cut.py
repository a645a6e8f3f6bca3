"""The language cut (app.reports.languages): k holds in every language cell, and nothing a
reader can add or subtract, across teams, levels, languages and releases, recovers a hidden
one. Pure: the release's own team x level decisions are taken as publish_release takes them
(app.reports.snapshot.decide_with_reasons), then the cut."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.reports.languages import (
    LanguageAggregates,
    LanguageCut,
    ReleaseCells,
    decide_languages,
)
from app.reports.privacy import find_leaks
from app.reports.privacy.languages import NOT_RECORDED, cut_languages, language_cells
from app.reports.publication import CellKey, ScoreSums, publication_cells
from app.reports.snapshot import decide_with_reasons
from tests.reports.test_privacy_markers import pinned

K = 5
# 1 -> (2, 3), 4: two roots; levels 1 and 2.
TREE: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: None}
FAMILY = "mutuality"
Fine = dict[tuple[int, int, str], int]


def aggregates(counts: Mapping[tuple[int, int, str], int]) -> LanguageAggregates:
    """Everyone has the family index, scored 3 (the decisions read counts only)."""
    return LanguageAggregates(
        {atom: n for atom, n in counts.items() if n},
        {atom: {FAMILY: ScoreSums(n, 3.0 * n, 9.0 * n)} for atom, n in counts.items() if n},
    )


def coarse(counts: Mapping[tuple[int, int, str], int]) -> dict[tuple[int, int], int]:
    found: dict[tuple[int, int], int] = {}
    for (team, level, _language), n in counts.items():
        found[(team, level)] = found.get((team, level), 0) + n
    return found


def publish(releases: Sequence[Fine], k: int = K) -> list[tuple[ReleaseCells, LanguageCut]]:
    """Each release decided in turn as publish_release decides it: its team x level cells
    with the earlier releases', then its language cut."""
    done: list[tuple[ReleaseCells, LanguageCut]] = []
    for r in range(len(releases)):
        counts = [coarse(c) for c in releases[: r + 1]]
        cells = [publication_cells(TREE, c) for c in counts]
        shown, reasons = decide_with_reasons(
            cells,
            counts,
            [before.shown[None] for before, _ in done],
            k,
            told_before=[before.reasons.get(None, {}) for before, _ in done],
        )
        own = ReleaseCells(TREE, {None: shown, FAMILY: shown}, {None: reasons, FAMILY: {}})
        cut = decide_languages(
            aggregates(releases[r]), own, done, k=k, family_keys=[FAMILY], scales={}
        )
        if cut.total_reasons is not None:  # the release stores these as its own
            own = ReleaseCells(TREE, own.shown, {None: cut.total_reasons, FAMILY: {}})
        done.append((own, cut))
    return done


def told_reasons(
    releases: Sequence[Fine], published: Sequence[tuple[ReleaseCells, LanguageCut]]
) -> dict[object, str]:
    """Every reason any release tells, keyed like `reader_view`'s cells (release, cell)."""
    told: dict[object, str] = {}
    for r, (own, cut) in enumerate(published):
        for cell, why in [*own.reasons.get(None, {}).items(), *cut.reasons.get(None, {}).items()]:
            told[(r, cell)] = why
    return told


def hidden_cells_of(
    releases: Sequence[Fine], published: Sequence[tuple[ReleaseCells, LanguageCut]]
) -> dict[object, frozenset[object]]:
    """Every hidden cell of every release that tells a reason, as sets of atoms."""
    found: dict[object, frozenset[object]] = {}
    for r, (current, (own, cut)) in enumerate(zip(releases, published, strict=True)):
        joint = language_cells(TREE, current, cut.languages)
        for cell in [*own.reasons.get(None, {}), *cut.reasons.get(None, {})]:
            found[(r, cell)] = frozenset((*atom, i) for atom in joint[cell] for i in range(r + 1))
    return found


def reader_view(
    releases: Sequence[Fine], published: Sequence[tuple[ReleaseCells, LanguageCut]]
) -> tuple[dict[object, frozenset[object]], dict[object, int], dict[object, int]]:
    """Every number any release shows (team x level and language cells) as a set of atoms
    (team, level, language, interval of arrival), the atoms' counts, and each shown cell's
    count."""
    counts: dict[object, int] = {}
    for r, current in enumerate(releases):
        for atom, n in current.items():
            arrived = n - (releases[r - 1].get(atom, 0) if r else 0)
            if arrived:
                counts[(*atom, r)] = arrived
    cells: dict[object, frozenset[object]] = {}
    values: dict[object, int] = {}
    for r, (current, (own, cut)) in enumerate(zip(releases, published, strict=True)):
        joint = language_cells(TREE, current, cut.languages)
        for cell, n in [*own.shown[None].items(), *cut.responses.items()]:
            cells[(r, cell)] = frozenset(
                (*atom, i) for atom in joint[cell] for i in range(r + 1) if (*atom, i) in counts
            )
            values[(r, cell)] = n
    return cells, counts, values


def hidden_language_cells(
    current: Fine, cut: LanguageCut, k: int = K
) -> dict[tuple[int | None, int | None, str], int]:
    """The true counts of the cut's hidden language cells with 1 .. k-1 responses."""
    joint = language_cells(TREE, current, cut.languages)
    found = {}
    for cell, atoms in joint.items():
        if len(cell) == 3 and cell not in cut.responses:
            n = sum(current.get(a, 0) for a in atoms)
            if 0 < n < k:
                found[cell] = n  # type: ignore[index]
    return found


def assert_no_subtraction_recovers(
    releases: Sequence[Fine], published: Sequence[tuple[ReleaseCells, LanguageCut]], k: int = K
) -> None:
    """The attack, done by hand: every difference of two shown numbers whose cells are
    nested (a total minus a shown language, a level minus a language at that level, a
    release minus an earlier one), and every total minus all its shown languages, isolates
    0 or at least k responses; so none is a hidden cell's value. Then the exact check:
    nothing in the linear span of the shown cells holds 1 .. k-1 responses."""
    cells, counts, values = reader_view(releases, published)

    def n_of(atoms: frozenset[object]) -> int:
        return sum(counts[a] for a in atoms)

    for a, b in itertools.permutations(cells, 2):
        if cells[b] < cells[a]:
            rest = cells[a] - cells[b]
            assert values[a] - values[b] == n_of(rest)
            assert not 0 < n_of(rest) < k, (a, b, n_of(rest))
    for key, atoms in cells.items():
        inside = [c for c in cells if c != key and cells[c] < atoms]
        for size in range(2, min(len(inside), 4) + 1):
            for parts in itertools.combinations(inside, size):
                if all(not (cells[x] & cells[y]) for x, y in itertools.combinations(parts, 2)):
                    rest = atoms - frozenset().union(*(cells[p] for p in parts))
                    assert not 0 < n_of(rest) < k, (key, parts)
    assert find_leaks(cells, counts, cells, k) == []


# --- which languages are cut ----------------------------------------------------------------


def test_no_cut_for_a_survey_answered_in_one_language() -> None:
    assert cut_languages({(2, 1, "en"): 9, (3, 1, "en"): 8, (4, 2, NOT_RECORDED): 6}) == ()
    releases = [{(2, 1, "en"): 9, (3, 1, "en"): 8, (4, 1, NOT_RECORDED): 6}]
    ((own, cut),) = publish(releases)
    assert cut.languages == () and cut.responses == {} and cut.shown_languages == ()
    assert own.shown[None][(None, None)] == 23  # the totals are untouched


def test_a_language_answered_in_one_team_only_is_not_cut() -> None:
    # Spanish only in team 2, French in 2 and 4, English in 3 and 4: Spanish has no cell.
    counts = {(2, 1, "es"): 9, (2, 1, "fr"): 6, (4, 1, "fr"): 6, (3, 1, "en"): 7, (4, 2, "en"): 7}
    assert cut_languages(counts) == ("en", "fr")
    ((_, cut),) = publish([counts])
    assert all(language != "es" for _, _, language in cut.responses)
    assert set(cut.languages) == {"en", "fr"}
    # and with Spanish the only other language, there is no cut at all
    assert cut_languages({(2, 1, "es"): 9, (3, 1, "en"): 7, (4, 1, "en"): 7}) == ()


def test_unrecorded_languages_count_in_totals_never_as_a_language() -> None:
    counts = {
        (2, 1, "en"): 8,
        (2, 1, NOT_RECORDED): 6,
        (3, 1, "es"): 7,
        (3, 1, "en"): 6,
        (4, 1, "es"): 6,
        (4, 1, NOT_RECORDED): 5,
    }
    ((own, cut),) = publish([counts])
    assert own.shown[None][(None, None)] == 38
    assert all(language in {"en", "es"} for _, _, language in cut.responses)
    with pytest.raises(ValueError, match="unrecorded"):
        language_cells(TREE, counts, [NOT_RECORDED])
    assert_no_subtraction_recovers([counts], publish([counts]))


# --- k per cell and the complement --------------------------------------------------------


def test_k_holds_in_every_language_cell() -> None:
    counts = {(2, 1, "en"): 9, (2, 1, "es"): 4, (3, 1, "en"): 6, (3, 1, "es"): 6, (4, 1, "es"): 7}
    ((_, cut),) = publish([counts])
    assert cut.responses  # something is shown...
    assert all(n >= K for n in cut.responses.values())  # ...and nothing below k
    for (team, level, language), n in cut.responses.items():
        assert cut.responded(team, level, language).n == n
    assert not cut.responded(2, 1, "es").shown
    assert cut.responded(2, 1, "es").label.startswith("fewer than")
    assert cut.responded(2, 1, "es").n is None


def test_a_single_spanish_speaker_is_never_shown_nor_by_complement() -> None:
    """Team 2: seven English speakers and one Spanish speaker. Team 2's total shows (8);
    its Spanish cell (1) is hidden, and so is its English cell, which would leave the one
    Spanish speaker as 8 - 7. Spanish elsewhere (team 3, 4) keeps the cut alive."""
    counts = {(2, 1, "en"): 7, (2, 1, "es"): 1, (3, 1, "es"): 6, (3, 1, "en"): 6, (4, 1, "es"): 8}
    ((own, cut),) = publish([counts])
    assert own.shown[None][(2, None)] == 8
    assert (2, None, "es") not in cut.responses
    assert (2, None, "en") not in cut.responses
    assert (2, 1, "en") not in cut.responses and (2, 1, "es") not in cut.responses
    # the organisation's Spanish minus the shown Spanish of teams 3 and 4 is not 1 either
    spanish = [n for (team, _, lang), n in cut.responses.items() if lang == "es" and team != 2]
    if (None, None, "es") in cut.responses:
        shown_parts = [
            cut.responses[(t, None, "es")] for t in (1, 3, 4) if (t, None, "es") in cut.responses
        ]
        assert cut.responses[(None, None, "es")] - sum(shown_parts) != 1 or not shown_parts
    assert spanish  # the cut still shows something
    assert hidden_language_cells(counts, cut)[(2, None, "es")] == 1
    assert_no_subtraction_recovers([counts], [(own, cut)])


def test_the_cut_hides_nothing_the_release_shows_without_it() -> None:
    counts = {(2, 1, "en"): 7, (2, 1, "es"): 1, (3, 2, "es"): 6, (3, 1, "en"): 6, (4, 1, "es"): 8}
    ((own, _cut),) = publish([counts])
    without = decide_with_reasons(
        [publication_cells(TREE, coarse(counts))], [coarse(counts)], [], K
    )
    assert own.shown[None] == without[0]


def test_levels_by_languages_cannot_recover_a_hidden_cell() -> None:
    """A level margin minus a language margin minus the shown cross cells: the exact check
    covers every such chain."""
    counts = {
        (2, 1, "en"): 6,
        (2, 2, "en"): 2,
        (2, 1, "es"): 5,
        (2, 2, "es"): 6,
        (3, 1, "en"): 9,
        (3, 2, "es"): 3,
        (4, 1, "es"): 7,
        (4, 2, "en"): 5,
    }
    published = publish([counts])
    _, cut = published[0]
    assert hidden_language_cells(counts, cut)  # there are small cells to protect
    assert_no_subtraction_recovers([counts], published)


def test_releases_over_time_cannot_recover_a_newcomer_by_language() -> None:
    """One Spanish speaker arrives between two releases: no difference of the two releases'
    language cells (or of their totals) isolates them."""
    first = {(2, 1, "en"): 6, (2, 1, "es"): 5, (3, 1, "en"): 6, (3, 1, "es"): 6, (4, 1, "es"): 5}
    second = {**first, (3, 1, "es"): 7}
    published = publish([first, second])
    assert published[0][1].responses  # the first release cut by language
    assert_no_subtraction_recovers([first, second], published)


def test_an_earlier_release_without_languages_rules_the_cut_out() -> None:
    counts = {(2, 1, "en"): 9, (2, 1, "es"): 6, (3, 1, "en"): 6, (3, 1, "es"): 6}
    ((own, _),) = publish([counts])
    cut = decide_languages(aggregates(counts), own, [(own, None)], k=K, family_keys=[FAMILY])
    assert cut.languages == () and cut.responses == {}


# --- the statistics and the stored form ---------------------------------------------------


def test_family_index_shows_only_where_the_language_count_shows() -> None:
    counts = {(2, 1, "en"): 9, (2, 1, "es"): 4, (3, 1, "en"): 6, (3, 1, "es"): 6, (4, 1, "es"): 7}
    ((_, cut),) = publish([counts])
    for cell in language_cells(TREE, counts, cut.languages):
        if len(cell) != 3:
            continue
        measure = cut.measure(*cell, FAMILY)  # type: ignore[misc]
        if cell in cut.responses:
            assert measure.mean is not None and measure.mean.mean == pytest.approx(3.0)
            assert measure.disclosed.n == cut.responses[cell]  # type: ignore[index]
        else:
            assert measure.mean is None and measure.summary is None
            assert measure.disclosed.n is None


def test_the_stored_cut_reads_back_the_same() -> None:
    counts = {(2, 1, "en"): 9, (2, 1, "es"): 4, (3, 1, "en"): 6, (3, 1, "es"): 6, (4, 1, "es"): 7}
    ((_, cut),) = publish([counts])
    import json

    block = json.loads(json.dumps(cut.stored()))
    again = LanguageCut.from_stored(block, k=K, parents=TREE, scales={})
    assert again.languages == cut.languages
    assert again.responses == cut.responses
    assert again.scores == cut.scores
    assert again.reasons == cut.reasons
    assert again.aggregates == cut.aggregates
    assert again.shown_languages == cut.shown_languages


# --- the property, on random organisations ------------------------------------------------

ATOMS = [(team, level, lang) for team in TREE for level in (1, 2) for lang in ("en", "es", "")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(ATOMS), st.integers(0, 7), max_size=len(ATOMS)),
        min_size=1,
        max_size=2,
    ),
    st.integers(3, 5),
)
def test_no_combination_of_shown_cells_isolates_fewer_than_k(
    steps: list[dict[tuple[int, int, str], int]], k: int
) -> None:
    releases: list[Fine] = []
    total: Fine = {}
    for step in steps:
        for atom, n in step.items():
            total[atom] = total.get(atom, 0) + n
        releases.append({a: n for a, n in total.items() if n})
    published = publish(releases, k)
    cells, counts, _ = reader_view(releases, published)
    assert find_leaks(cells, counts, cells, k) == []
    for _, cut in published:
        assert all(n >= k for n in cut.responses.values())
        for key, cells_shown in cut.scores.items():
            assert set(cells_shown) <= set(cut.responses), key


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [(t, lv, lang) for t in (2, 3, 4) for lv in (1, 2) for lang in ("en", "es")]
        ),
        st.integers(0, 7),
        max_size=8,
    ),
    st.integers(3, 4),
)
@example(  # bounds alone pin (2, 2, "es"): d = a + 1 from two shown sums
    counts={(2, 1, "en"): 1, (2, 1, "es"): 1, (3, 1, "es"): 2, (2, 2, "es"): 2, (3, 2, "en"): 3},
    k=4,
)
def test_the_reasons_told_pin_nobody_down(counts: dict[tuple[int, int, str], int], k: int) -> None:
    """The release's reasons for its hidden totals and its language cells' reasons, told
    together, confine no group to 1 .. k-1 responses that the shown counts alone do not.
    (The shown counts alone can, through bounds: nobody answers a negative number of
    times. Like the team x level cross-cuts, the cut is held to the linear check, which is
    exact, and to this; see "Scope and limits" in app.reports.privacy.suppression.)"""
    counts = {a: n for a, n in counts.items() if n}
    published = publish([counts], k)
    cells, atom_counts, _ = reader_view([counts], published)
    told = told_reasons([counts], published)
    everything = {**cells, **hidden_cells_of([counts], published)}
    with_reasons = pinned(everything, atom_counts, k, list(cells), told)
    assert set(with_reasons) <= set(pinned(everything, atom_counts, k, list(cells), {}))


def brute_force_leaks(
    cells: Mapping[object, frozenset[object]], counts: Mapping[object, int], k: int
) -> list[frozenset[object]]:
    """Every set of atoms with 0 < n < k in the span of the shown cells (small cases)."""
    atoms = sorted((a for a, n in counts.items() if n), key=repr)
    rows = np.array([[1.0 if a in members else 0.0 for a in atoms] for members in cells.values()])
    rank = np.linalg.matrix_rank(rows) if len(rows) else 0
    found = []
    for size in range(1, len(atoms) + 1):
        for subset in itertools.combinations(range(len(atoms)), size):
            if not 0 < sum(counts[atoms[i]] for i in subset) < k:
                continue
            vector = np.zeros(len(atoms))
            vector[list(subset)] = 1.0
            stacked = np.vstack([rows, vector]) if len(rows) else vector[None, :]
            if np.linalg.matrix_rank(stacked) == rank:
                found.append(frozenset(atoms[i] for i in subset))
    return found


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([(t, 1, lang) for t in (2, 3, 4) for lang in ("en", "es")]),
        st.integers(0, 7),
        max_size=6,
    )
)
def test_brute_force_finds_nothing_either(counts: dict[tuple[int, int, str], int]) -> None:
    counts = {a: n for a, n in counts.items() if n}
    published = publish([counts])
    cells, atom_counts, _ = reader_view([counts], published)
    assert brute_force_leaks(cells, atom_counts, K) == []


def shown_keys(cut: LanguageCut) -> set[CellKey | tuple[int | None, int | None, str]]:
    return set(cut.responses)


def test_an_index_with_fewer_answers_than_responses_is_decided_on_its_own_counts() -> None:
    """Two people in team 3 have no mutuality index (too few items answered): the index is
    decided on its own counts, never shown where the response count is hidden, and no
    combination of its shown counts isolates fewer than k."""
    counts = {(2, 1, "en"): 9, (2, 1, "es"): 6, (3, 1, "en"): 6, (3, 1, "es"): 6, (4, 1, "es"): 7}
    with_index = {**counts, (3, 1, "es"): 4}
    current = LanguageAggregates(
        counts, {atom: {FAMILY: ScoreSums(n, 3.0 * n, 9.0 * n)} for atom, n in with_index.items()}
    )
    coarse_counts = coarse(counts)
    cells = [publication_cells(TREE, coarse_counts)]
    shown, reasons = decide_with_reasons(cells, [coarse_counts], [], K)
    hidden = frozenset(cells[0]) - frozenset(shown)
    family_shown, family_reasons = decide_with_reasons(
        cells, [coarse(with_index)], [], K, withheld=hidden
    )
    own = ReleaseCells(
        TREE, {None: shown, FAMILY: family_shown}, {None: reasons, FAMILY: family_reasons}
    )
    cut = decide_languages(current, own, [], k=K, family_keys=[FAMILY])
    assert cut.scores[FAMILY] != cut.responses  # decided on its own counts
    assert set(cut.scores[FAMILY]) <= set(cut.responses)
    assert (3, None, "es") in cut.responses and (3, None, "es") not in cut.scores[FAMILY]
    joint = language_cells(TREE, counts, cut.languages)
    family_cells = {c: joint[c] for c in [*family_shown, *cut.scores[FAMILY]]}
    assert find_leaks(family_cells, with_index, family_cells, K) == []
    assert not cut.measure(3, None, "es", FAMILY).shown
