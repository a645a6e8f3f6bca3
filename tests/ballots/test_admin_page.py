"""The survey's admin page says how many ballots cannot be opened and why; how many wait
is said only once the survey takes no more answers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert

from app.ballots.keys import MISSING_KEY
from app.ballots.models import Ballot
from app.db import Session
from app.surveys.models import Survey, SurveyState
from tests.admin.conftest import admin  # noqa: F401  (the signed-in admin fixture)
from tests.ballots.conftest import cast


def _page(client: FlaskClient, survey: Survey) -> str:
    response = client.get(f"/admin/surveys/{survey.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("admin")
def test_unopenable_ballots_are_counted_with_their_reason(
    client: FlaskClient, small_survey: Survey
) -> None:
    cast(small_survey, 4)
    Session.execute(insert(Ballot).values(survey_id=small_survey.id, sealed=b"\x01" + b"0" * 40))
    Session.commit()
    html = _page(client, small_survey)
    assert "1 ballot cannot be opened" in html
    assert f"1: {MISSING_KEY}" in html
    assert "How many wait is not shown" in html
    assert "wait to be mixed" not in html


@pytest.mark.usefixtures("admin")
def test_once_closed_the_waiting_ballots_are_counted(
    client: FlaskClient, small_survey: Survey
) -> None:
    cast(small_survey, 2)
    small_survey.state = SurveyState.CLOSED.value
    Session.commit()
    html = _page(client, small_survey)
    assert "2 ballots wait to be mixed" in html
    assert "Every waiting ballot opens" in html
