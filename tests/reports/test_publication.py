"""The publication: cells roll up, every number passes disclosure, statistics are right."""

from __future__ import annotations

import math

import pytest

from app.reports.privacy import find_leaks, report_cells
from app.reports.publication import WAVE, Publication, ScoreSums, comment_groups
from app.reports.stats import benjamini_hochberg

# Department 10 with teams 1, 2, 3; department 20 with team 4. Levels 1 (bottom), 2.
TREE: dict[int, int | None] = {10: None, 1: 10, 2: 10, 3: 10, 20: None, 4: 20}
RESPONSES = {(1, 1): 6, (1, 2): 2, (2, 1): 5, (3, 1): 3, (4, 1): 9, (4, 2): 6}


def sums_from(values: list[float], favorable_at: float = 4.0) -> ScoreSums:
    return ScoreSums(
        len(values), sum(values), sum(v * v for v in values), sum(v >= favorable_at for v in values)
    )


# Every respondent has score 3.0 + 0.5 * (their index mod 3) on family "m"; dimension "d"
# is missing for four respondents of team 1 at level 1.
def scores(n: int) -> list[float]:
    return [3.0 + 0.5 * (i % 3) for i in range(n)]


FAMILY = {atom: {"m": sums_from(scores(n))} for atom, n in RESPONSES.items()}
DIMENSION = {
    atom: {"d": sums_from(scores(n - 4 if atom == (1, 1) else n))} for atom, n in RESPONSES.items()
}


@pytest.fixture
def publication() -> Publication:
    return Publication(
        TREE, RESPONSES, FAMILY, DIMENSION, k=5, family_keys=["m"], dimension_keys=["d"]
    )


def test_teams_roll_up_their_subtrees(publication: Publication) -> None:
    org = publication.view()
    assert org.responses.shown and org.responses.n == 31
    assert publication.view(4).responses.n == 15
    assert publication.view(10).responses.n == 16
    assert publication.view(1).responses.n == 8
    assert publication.view(3).responses.shown is False  # 3 < k
    assert publication.view(3).families["m"].summary is None  # no numbers behind a hidden cell
    # team 2 has 5, but department 10 minus team 1 minus team 2 would give team 3 away
    assert publication.view(2).responses.shown is False
    assert publication.view(2).responses.label == "fewer than 5*"


def test_nothing_shown_can_be_combined_into_a_small_group(publication: Publication) -> None:
    atoms = {(team, level, WAVE) for team, level in RESPONSES}
    cells = report_cells(TREE, atoms)
    counts = {(t, lv, WAVE): n for (t, lv), n in RESPONSES.items()}
    shown = {cell: cells[cell] for cell, d in publication.responses.items() if d.shown}
    assert len(shown) >= 6
    assert find_leaks(cells, counts, shown, 5) == []
    for key in ("m", "d"):
        measured = [c for c in cells if publication.view(c.team, c.level).measure(key).shown]
        statistic_counts = {
            (t, lv, WAVE): (FAMILY if key == "m" else DIMENSION)[(t, lv)][key].n
            for (t, lv) in RESPONSES
        }
        assert find_leaks(cells, statistic_counts, measured, 5) == []


def test_a_statistic_is_hidden_when_its_own_count_is_below_k(publication: Publication) -> None:
    team1 = publication.view(1)
    assert team1.responses.shown and team1.responses.n == 8
    assert team1.families["m"].shown
    assert team1.dimensions["d"].shown is False  # only 4 people have a score on "d"
    assert team1.dimensions["d"].disclosed.label == "fewer than 5*"


def test_means_and_intervals(publication: Publication) -> None:
    measure = publication.view(4).families["m"]
    values = scores(9) + scores(6)
    assert measure.summary is not None and measure.mean is not None
    assert measure.mean.mean == pytest.approx(sum(values) / len(values))
    sd = math.sqrt(sum((v - measure.mean.mean) ** 2 for v in values) / (len(values) - 1))
    assert measure.mean.sd == pytest.approx(sd)
    assert measure.mean.lower is not None and measure.mean.lower < measure.mean.mean
    # Percent favourable is a share of answers (tests/reports/test_favourable.py): a
    # publication without the items' answers has none.
    assert measure.favorable is None


def test_level_cells(publication: Publication) -> None:
    assert publication.view(None, 1).responses.n == 23
    assert publication.view(1, 2).responses.shown is False
    missing = publication.view(2, 2)  # nobody at level 2 in team 2
    assert missing.responses.shown is False
    assert missing.families["m"].summary is None


def test_team_against_the_rest_with_bh(publication: Publication) -> None:
    comparisons = publication.comparisons()
    teams = [t for t in TREE if publication.view(t).responses.shown]  # departments too
    assert {t for t, key in comparisons if key == "m"} == set(teams)
    for (team, key), comparison in comparisons.items():
        org = publication.view().measure(key).summary
        mine = publication.view(team).measure(key).summary
        assert mine is not None and org is not None
        rest = org.without(mine)
        assert comparison.difference == pytest.approx(mine.mean - rest.mean)
        assert comparison.q is not None and comparison.q >= (comparison.p or 0)


def test_one_test_family_per_level_filter(publication: Publication) -> None:
    """Every shown team x statistic cell of a level filter is one Benjamini-Hochberg family:
    the adjusted p-values are those of BH over all of them, whatever page reads them."""
    for level in (None, *publication.levels):
        family = publication.comparisons(level)
        shown = [
            (team, key)
            for team in TREE
            for key in ("m", "d")
            if publication.view(team, level).measure(key).shown
            and publication.view(None, level).measure(key).shown
        ]
        assert set(family) <= set(shown)
        pvalues = [c.p for c in family.values()]
        expected = benjamini_hochberg(pvalues, q=0.05)
        assert [c.q for c in family.values()] == list(expected.adjusted)
        assert [c.flagged for c in family.values()] == [bool(r) for r in expected.reject]
    assert publication.comparisons() is publication.comparisons()  # computed once


# Comments on one prompt per team (direct members), k_comments = 5.
COMMENT_TREE: dict[int, int | None] = {10: None, 1: 10, 2: 10, 20: None, 4: 20}


def test_comment_groups_list_only_groups_at_k_that_no_subtraction_reveals() -> None:
    groups = comment_groups(COMMENT_TREE, {1: 6, 2: 2, 4: 12}, 5)
    assert set(groups) == {None, 10, 1, 2, 20, 4}
    assert groups[None].teams == frozenset(COMMENT_TREE)
    assert groups[10].teams == frozenset({10, 1, 2})
    assert not groups[2].listed and groups[2].disclosed.n is None  # 2 comments
    # Team 1 has 6, but department 10's list minus team 1's would be team 2's two comments.
    assert not groups[1].listed
    assert groups[10].listed and groups[10].disclosed.n == 8
    assert groups[None].listed and groups[20].listed and groups[4].listed
    for group in groups.values():
        assert group.listed == group.disclosed.shown
        assert not group.listed or (group.disclosed.n or 0) >= 5


def test_comment_groups_list_everything_when_every_team_has_enough() -> None:
    groups = comment_groups(COMMENT_TREE, {1: 6, 2: 7, 4: 12}, 5)
    assert all(group.listed for group in groups.values())
    assert groups[None].disclosed.n == 25
    assert not any(g.listed for g in comment_groups(COMMENT_TREE, {1: 6, 2: 7, 4: 12}, 30).values())
