"""`flask worker --once`: one round of the outbox and the mixer."""

from __future__ import annotations

from flask.testing import FlaskCliRunner

from app.db import Session
from app.surveys.models import Survey, SurveyState
from tests.ballots.conftest import K, cast, counts


def test_one_round_mixes_the_open_surveys_and_leaves_closed_ones(
    runner: FlaskCliRunner, small_survey: Survey
) -> None:
    cast(small_survey, 2 * K + 1)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"ballots {K + 1} opened, {K} kept back" in result.output
    assert counts(small_survey) == (K, K + 1)

    Session.get_one(Survey, small_survey.id).state = SurveyState.CLOSED.value
    cast(small_survey, 2 * K)
    Session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert counts(small_survey) == (3 * K, K + 1)  # the close mixes a closed survey's box
