from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.errors import NotFound
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_by_hash
from app.surveys.services import close_survey
from app.taking import routes as taking_routes
from app.taking.queries import survey_link
from tests.conftest import OpenSurvey, csrf_token_from, invitation_for_token


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
    assert "This survey sets no cookies." in html
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
    # A submit button of the survey form (it keeps the answers without JavaScript).
    assert '<button type="submit" form="survey-form" name="switch_lang" value="es"' in english
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


@pytest.mark.parametrize(
    ("date", "moved_by", "message"),
    [
        pytest.param("opens_at", dt.timedelta(days=2), "not open yet", id="not yet open"),
        pytest.param("closes_at", -dt.timedelta(minutes=1), "closed", id="past its closing date"),
    ],
)
def test_outside_its_dates_the_survey_is_a_410_page(
    client: FlaskClient,
    open_survey: OpenSurvey,
    db_session: Any,
    date: str,
    moved_by: dt.timedelta,
    message: str,
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    setattr(survey, date, dt.datetime.now(dt.UTC) + moved_by)
    db_session.commit()
    response = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert response.status_code == 410
    assert message in response.get_data(as_text=True)


def test_respondents_share_one_page_but_each_gets_a_csrf_token_of_their_own(
    app: Flask, open_survey: OpenSurvey
) -> None:
    pages = []
    for email in ("ana@example.org", "ben@example.org", "cai@example.org"):
        response = app.test_client().get(f"/s/{open_survey.token(email)}")
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    tokens = [csrf_token_from(page) for page in pages]
    assert len(set(tokens)) == 3
    assert all(page.count(token) == 1 for page, token in zip(pages, tokens, strict=True))
    # Apart from the token, the (cached) page is the same for everyone.
    blanked = {page.replace(token, "TOKEN") for page, token in zip(pages, tokens, strict=True)}
    assert len(blanked) == 1


def test_a_staff_users_flashed_message_never_reaches_the_survey_page(
    app: Flask, open_survey: OpenSurvey, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first render of the page (the one that is cached) happens in this session.
    monkeypatch.setattr(taking_routes, "_blank_pages", {})
    staff = app.test_client()
    with staff.session_transaction() as session:
        session["_flashes"] = [("success", "Survey 7 opened for Private Team")]
    for client in (staff, app.test_client()):
        html = client.get(f"/s/{open_survey.token('ana@example.org')}").get_data(as_text=True)
        assert "Private Team" not in html


def test_survey_link_reads_the_link_and_its_survey(open_survey: OpenSurvey) -> None:
    link = survey_link(open_survey.token("ana@example.org"))
    assert link is not None
    assert not link.responded
    assert link.survey.id == open_survey.survey.id
    assert link.survey.state == "open"
    assert (link.survey.k_scores, link.survey.k_comments) == (5, 10)
    assert link.survey.instrument_sha256 == open_survey.survey.instrument_version.sha256
    assert survey_link("not-a-real-token") is None
    assert survey_link("") is None
    assert survey_link("x" * 129) is None


def test_document_by_hash_refuses_a_hash_that_is_not_the_versions(
    bundled_version: InstrumentVersion,
) -> None:
    document = document_by_hash(bundled_version.id, bundled_version.sha256)
    assert document.key == "relational-climate"
    with pytest.raises(NotFound):
        document_by_hash(bundled_version.id, "0" * 64)
    with pytest.raises(NotFound):
        document_by_hash(bundled_version.id + 1000, "1" * 64)
