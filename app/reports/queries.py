"""Aggregates for reports, computed in SQL. Nothing here is shown before it passes
app.reports.privacy."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.db import Session
from app.org.models import PATH_SEPARATOR, Team
from app.surveys.models import Invitation, Survey


@dataclass(frozen=True)
class TeamTree:
    """The teams of a survey and their ancestors: parent links and display paths."""

    parents: dict[int, int | None]
    paths: dict[int, str]

    def depth(self, team_id: int) -> int:
        return self.paths[team_id].count(PATH_SEPARATOR)


def survey_team_tree(survey: Survey) -> TeamTree:
    """The teams in the survey's scope plus every ancestor, so that rollups are complete."""
    in_scope = [t.path for t in survey.teams]
    wanted = {
        PATH_SEPARATOR.join(parts[:i])
        for path in in_scope
        for parts in [path.split(PATH_SEPARATOR)]
        for i in range(1, len(parts) + 1)
    }
    rows = Session.execute(
        select(Team.id, Team.parent_id, Team.path).where(Team.path.in_(wanted))
    ).all()
    return TeamTree(
        parents={team_id: parent_id for team_id, parent_id, _ in rows},
        paths={team_id: path for team_id, _, path in rows},
    )


def invitation_counts(survey_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """(invited, responded) per team, direct members only."""
    responded = func.count(Invitation.id).filter(Invitation.responded.is_(True))
    rows = Session.execute(
        select(Invitation.team_id, func.count(Invitation.id), responded)
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.team_id)
    ).all()
    return (
        {team_id: int(n) for team_id, n, _ in rows},
        {team_id: int(r) for team_id, _, r in rows},
    )
