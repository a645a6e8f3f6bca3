"""The response's language: the language the page was submitted in is sealed in the ballot
and sealed again, on its own, by the mixer into the response (never in clear); only a
language the instrument declares is recorded. Read back as the release reads it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.ballots.keys import BallotKeys
from app.ballots.language import unseal_language
from app.db import Session
from app.taking.models import Response
from tests.conftest import csrf_token_from
from tests.taking.v2 import LedSurvey, answers_for, open_led_survey, waiting_ballots


@pytest.fixture
def led(db_session: Any) -> LedSurvey:
    return open_led_survey()


def recorded_language(app: Flask) -> str | None:
    """The one response's language, unsealed by the function the release build uses."""
    survey_id, sealed = Session.execute(select(Response.survey_id, Response.language_sealed)).one()
    assert sealed is not None and b"lang" not in sealed
    return unseal_language(BallotKeys.from_keys(app.config["BALLOT_KEYS"]), sealed, survey_id)


def _submit(
    client: FlaskClient, led: LedSurvey, lang: str, *, page: str = "", **headers: str
) -> Any:
    html = client.get(led.url("ana") + page, headers=headers).get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), "lang": lang}
    data |= answers_for(led.document, leads=False)
    return client.post(led.url("ana"), data=data, headers=headers)


def test_a_spanish_submission_is_recorded_as_spanish(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    response = _submit(client, led, "es", page="?lang=es")
    assert response.status_code == 302
    assert "lang=es" in response.location
    with app.app_context():
        ((_plaintext, contents),) = waiting_ballots(led.survey)
    assert contents.language == "es"
    mix_all(led.survey)
    assert recorded_language(app) == "es"


def test_an_english_submission_is_recorded_as_english(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    assert _submit(client, led, "en").status_code == 302
    mix_all(led.survey)
    assert recorded_language(app) == "en"


@pytest.mark.parametrize(
    ("forged", "accept", "recorded"),
    [
        ("xx", "", "en"),
        ("fr", "es", "es"),  # not declared: the page's language (the browser's here)
        ("es-MX", "", "en"),  # the form only ever sends a declared code, as declared
        ("", "es", "es"),
        ("<script>", "", "en"),
        ("e" * 200, "", "en"),
    ],
)
def test_a_language_the_instrument_does_not_declare_falls_back_to_the_pages(
    app: Flask,
    client: FlaskClient,
    led: LedSurvey,
    db_session: Any,
    mix_all: Any,
    forged: str,
    accept: str,
    recorded: str,
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = _submit(client, led, forged, **headers)
    assert response.status_code == 302
    assert f"lang={recorded}" in response.location
    mix_all(led.survey)
    assert recorded_language(app) == recorded


def test_a_page_switched_to_spanish_is_recorded_as_spanish(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    html = client.get(led.url("ana")).get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), "lang": "en", "switch_lang": "es"}
    spanish = client.post(led.url("ana"), data=data).get_data(as_text=True)
    assert 'name="lang" type="hidden" value="es"' in spanish
    data = {"csrf_token": csrf_token_from(spanish), "lang": "es"}
    data |= answers_for(led.document, leads=False)
    assert client.post(led.url("ana"), data=data).status_code == 302
    mix_all(led.survey)
    assert recorded_language(app) == "es"
