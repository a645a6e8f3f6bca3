from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient

from app.surveys.services import close_survey
from app.taking.queries import invitation_for_token
from tests.conftest import OpenSurvey


def test_the_page_has_a_privacy_receipt_then_one_radio_group_per_item(
    client: FlaskClient, open_survey: OpenSurvey
) -> None:
    page = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    receipt = html.index("Before you start: your privacy")
    first_question = html.index("<fieldset")
    assert receipt < first_question
    assert "at least 5 people" in html
    assert "at least 10 people" in html
    assert len(re.findall(r"<fieldset class=\"field question", html)) == 52
    assert len(re.findall(r"<legend>", html)) == 52
    # six choices per item: five scale points and "prefer not to answer"
    assert len(re.findall(r'name="item_ea_1"', html)) == 6
    assert 'value="na"' in html
    assert "Part 1 of 13" in html
    assert "Part 13 of 13" in html
    assert 'method="post"' in html  # a plain form: works without JavaScript
    assert 'maxlength="2000"' in html
    assert 'lang="en"' in html


def test_language_switcher_and_spanish_page(client: FlaskClient, open_survey: OpenSurvey) -> None:
    token = open_survey.token("ana@example.org")
    english = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'href="?lang=es"' in english
    spanish = client.get(f"/s/{token}?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Antes de empezar: su privacidad" in spanish
    assert "Parte 1 de 13" in spanish
    assert "Prefiero no responder" in spanish
    assert 'name="lang" type="hidden" value="es"' in spanish


def test_the_participants_language_is_the_default(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    token = open_survey.token("ben@example.org")
    invitation = invitation_for_token(token)
    assert invitation is not None
    invitation.language = "es"
    db_session.commit()
    assert '<html lang="es">' in client.get(f"/s/{token}").get_data(as_text=True)


def test_unknown_token_is_a_404_page(client: FlaskClient, open_survey: OpenSurvey) -> None:
    response = client.get("/s/not-a-real-token")
    assert response.status_code == 404
    assert "This survey link is not valid" in response.get_data(as_text=True)


def test_closed_survey_is_a_410_page(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    close_survey(open_survey.survey.id)
    db_session.commit()
    response = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert response.status_code == 410
    assert "closed" in response.get_data(as_text=True)


def test_survey_not_yet_open_is_a_410_page(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    survey.opens_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    db_session.commit()
    response = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert response.status_code == 410
    assert "not open yet" in response.get_data(as_text=True)


def test_past_closing_date_is_a_410_page(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    survey.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db_session.commit()
    response = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert response.status_code == 410
    assert "closed" in response.get_data(as_text=True)
