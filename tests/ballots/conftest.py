"""A small open survey (k = 3) and a way to cast ballots into it without the web form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import scoped_session

from app.ballots.box import cast_ballot
from app.ballots.contents import BallotContents
from app.ballots.models import Ballot
from app.db import Session
from app.instruments.models import InstrumentVersion
from app.instruments.scoring import ResponseScores
from app.org.models import Team
from app.surveys.models import Survey
from app.surveys.services import create_survey, open_survey
from app.taking.models import Comment, Response

K = 3


def contents(team_id: int, version_id: int, *, comment: str | None = None) -> BallotContents:
    """Plausible contents for a ballot: two answers, one score, perhaps a comment."""
    return BallotContents(
        team_id=team_id,
        level_id=None,
        instrument_version_id=version_id,
        submitted_on=dt.date(2026, 3, 2),
        answers={"ea_1": 4, "ea_2": None},
        comments={"change_together": comment} if comment else {},
        scores=ResponseScores(dimensions={"empathic_attunement": 4.0}, families={"care": 4.0}),
    )


def cast(survey: Survey, count: int, **kwargs: Any) -> None:
    """Cast `count` ballots into `survey` (in the app context of the test)."""
    team = Session.scalars(select(Team)).first()
    assert team is not None
    for _ in range(count):
        cast_ballot(survey.id, contents(team.id, survey.instrument_version_id, **kwargs))


def counts(survey: Survey) -> tuple[int, int]:
    """(ballots waiting, responses) of `survey`."""
    return (
        Session.scalar(select(func.count()).where(Ballot.survey_id == survey.id)) or 0,
        Session.scalar(select(func.count()).where(Response.survey_id == survey.id)) or 0,
    )


def comments_of(survey: Survey) -> int:
    return Session.scalar(select(func.count()).where(Comment.survey_id == survey.id)) or 0


@pytest.fixture
def small_survey(
    app: Flask,
    db_session: scoped_session[Any],
    bundled_version: InstrumentVersion,
    make_team: Any,
) -> Iterator[Survey]:
    """An open survey with k = 3 and one team, inside an app context (BALLOT_KEYS)."""
    make_team("Ops")
    survey = create_survey(instrument_key="relational-climate", title="Box", k_scores=K)
    open_survey(survey.id)
    db_session.commit()
    with app.app_context():
        yield survey
