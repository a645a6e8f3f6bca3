"""Several live links per invitation, and what a link says once its survey has closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.ballots.models import Ballot
from app.instruments.queries import document_of
from app.surveys.models import Survey
from app.surveys.services import add_link, close_survey
from app.surveys.tokens import new_token
from tests.conftest import OpenSurvey, csrf_token_from, invitation_for_token, survey_answers


def _second_link(db: Any, open_survey: OpenSurvey, email: str) -> str:
    """A newer link of the same person (as a reminder adds one)."""
    invitation = invitation_for_token(open_survey.token(email))
    assert invitation is not None
    raw, digest = new_token()
    add_link(invitation.id, digest)
    db.commit()
    return raw


def _answer(client: FlaskClient, open_survey: OpenSurvey, token: str) -> Any:
    html = client.get(f"/s/{token}").get_data(as_text=True)
    document = document_of(open_survey.survey.instrument_version)
    data = {"csrf_token": csrf_token_from(html), "lang": "en"} | survey_answers(document)
    return client.post(f"/s/{token}", data=data)


def test_every_link_of_a_person_opens_the_form_and_one_answer_ends_them_all(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    first = open_survey.token("ana@example.org")
    newer = _second_link(db_session, open_survey, "ana@example.org")
    assert invitation_for_token(newer) is invitation_for_token(first)
    for token in (first, newer):
        page = client.get(f"/s/{token}")
        assert page.status_code == 200 and 'id="survey-form"' in page.get_data(as_text=True)

    assert _answer(client, open_survey, newer).status_code == 302
    for token in (first, newer):
        used = client.get(f"/s/{token}")
        assert used.status_code == 410
        assert "already been used" in used.get_data(as_text=True)
    # The older link cannot answer a second time either.
    document = document_of(open_survey.survey.instrument_version)
    again = client.post(f"/s/{first}", data={"lang": "en"} | survey_answers(document))
    assert again.status_code == 410
    assert db_session.scalar(select(func.count()).select_from(Ballot)) == 1


@pytest.mark.parametrize("how", ["closed", "past its closing date"])
def test_after_the_close_used_and_unused_links_answer_the_same(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any, how: str
) -> None:
    used = open_survey.token("ana@example.org")
    unused = open_survey.token("ben@example.org")
    assert _answer(client, open_survey, used).status_code == 302
    if how == "closed":
        close_survey(open_survey.survey.id)
    else:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        db_session.execute(
            update(Survey)
            .where(Survey.id == open_survey.survey.id)
            .values(opens_at=past - dt.timedelta(days=1), closes_at=past)
        )
    db_session.commit()

    answers: dict[str, tuple[int, str]] = {}
    for name, token in (("used", used), ("unused", unused)):
        for method in ("GET", "POST"):
            response = client.open(f"/s/{token}", method=method, data={"lang": "en"})
            answers[f"{name} {method}"] = (response.status_code, response.get_data(as_text=True))
    assert answers["used GET"] == answers["unused GET"]
    assert answers["used POST"] == answers["unused POST"]
    status, body = answers["used GET"]
    assert status == 410
    assert "closed and no longer accepts answers" in body
    assert "already been used" not in body
