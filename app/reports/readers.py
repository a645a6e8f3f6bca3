"""Who reads what of a survey's results: the one statement of the rule that the report
pages enforce and the employee's privacy receipt states (taking/survey.html renders its
sentences from `receipt_readers()`).

Roles are named by the values of `app.auth.models.Role` (this module is pure: it imports no
model). Thresholds are not decided here: every number still passes app.reports.privacy (k),
and every comment list `publication.comment_groups` (k_comments).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal


class Reach(enum.StrEnum):
    """How far a reader's view goes."""

    ORGANISATION = "organisation"  # every team, and the whole organisation
    OWN_TEAMS_AND_TOTAL = "own_teams_and_total"  # their own teams, and the organisation's total
    OWN_TEAMS = "own_teams"  # the subtrees of their own teams only


@dataclass(frozen=True)
class Reader:
    """What one staff role reads of a survey: the scores (report numbers) and the comments."""

    role: str  # app.auth.models.Role's value
    scores: Reach
    comments: Reach


READERS: tuple[Reader, ...] = (
    Reader("hr", scores=Reach.ORGANISATION, comments=Reach.ORGANISATION),
    Reader("admin", scores=Reach.ORGANISATION, comments=Reach.ORGANISATION),
    # A manager reads the comments of the teams they lead, never the organisation's list:
    # a manager knows their own people, and comments are words, not counts.
    Reader("manager", scores=Reach.OWN_TEAMS_AND_TOTAL, comments=Reach.OWN_TEAMS),
)


def _rules(readers: Collection[Reader] | None) -> Collection[Reader]:
    # Read at call time, so a changed rule is the rule everywhere at once.
    return READERS if readers is None else readers


def reader(role: str, readers: Collection[Reader] | None = None) -> Reader:
    """The rule for `role` (ValueError for a role no rule names: nothing is read by default)."""
    for rule in _rules(readers):
        if rule.role == role:
            return rule
    raise ValueError(f"no reading rule for the role {role!r}")


def readable_comment_groups(
    role: str,
    visible: Collection[int],
    subtrees: Mapping[int, frozenset[int]],
    readers: Collection[Reader] | None = None,
) -> frozenset[int | None]:
    """The comment groups `role` may read (None: the organisation's), given the teams the
    user may see and each team's subtree: a team's group only when its whole subtree is
    visible, the organisation's only for a reader of the whole organisation."""
    seen = frozenset(visible)
    teams = frozenset(team for team, subtree in subtrees.items() if subtree <= seen)
    if reader(role, readers).comments is Reach.ORGANISATION:
        return teams | {None}
    return frozenset[int | None](teams)


def groups_of_readers(
    what: Literal["scores", "comments"], readers: Collection[Reader] | None = None
) -> list[tuple[Reach, list[str]]]:
    """The roles reading `what` ("scores" or "comments") with each reach, widest reach
    first, roles in rule order: the receipt's sentences, one per reach."""
    by_reach: dict[Reach, list[str]] = {}
    for rule in _rules(readers):
        reach = rule.scores if what == "scores" else rule.comments
        by_reach.setdefault(reach, []).append(rule.role)
    return [(reach, by_reach[reach]) for reach in Reach if reach in by_reach]


@dataclass(frozen=True)
class ReceiptReaders:
    """The facts the privacy receipt states: who reads scores and comments, how far."""

    scores: list[tuple[Reach, list[str]]]
    comments: list[tuple[Reach, list[str]]]


def receipt_readers(readers: Collection[Reader] | None = None) -> ReceiptReaders:
    """The receipt's facts, from the rules."""
    return ReceiptReaders(
        groups_of_readers("scores", readers), groups_of_readers("comments", readers)
    )
