"""The survey page's flow around the answers (issue #16): the language switch that keeps
what was answered without storing it, the page's language from the link and the browser,
the pages for links that cannot answer, and the thank-you page's word on the results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.ballots.models import Ballot
from app.instruments.queries import document_of
from app.surveys.models import Invitation, Survey
from app.surveys.services import close_survey
from app.taking import routes as taking_routes
from tests.conftest import OpenSurvey, csrf_token_from, survey_answers

SPANISH_BROWSER = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


@pytest.fixture(autouse=True)
def _no_cached_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # The blank page is cached by survey id, and ids repeat across rolled-back tests.
    monkeypatch.setattr(taking_routes, "_blank_pages", {})


def _ballots(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(Ballot)))


def _responded(db: Any) -> int:
    return int(db.scalar(select(func.count()).where(Invitation.responded.is_(True))))


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# -- switching language without JavaScript -------------------------------------------------


def test_switching_language_keeps_the_answers_and_stores_nothing(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    token = open_survey.token("ana@example.org")
    html = _text(client.get(f"/s/{token}"))
    data = {
        "csrf_token": csrf_token_from(html),
        "lang": "en",
        "item_ea_1": "2",
        "item_dc_4": "na",
        "prompt_change_together": "Weekly check-ins",
        "switch_lang": "es",
    }
    page = client.post(f"/s/{token}", data=data)
    assert page.status_code == 200
    spanish = _text(page)
    assert '<html lang="es">' in spanish
    assert "Antes de empezar: su privacidad" in spanish
    assert '<input checked id="item_ea_1-1"' in spanish
    assert '<input checked id="item_dc_4-5"' in spanish
    assert "Weekly check-ins</textarea>" in spanish
    assert 'name="lang" type="hidden" value="es"' in spanish
    assert 'id="error-summary"' not in spanish  # a switch is not a refused submission
    assert page.headers.getlist("Set-Cookie") == []
    # The new page has a token of its own, and back to English keeps the answers again.
    data |= {"csrf_token": csrf_token_from(spanish), "lang": "es", "switch_lang": "en"}
    english = _text(client.post(f"/s/{token}", data=data))
    assert '<html lang="en">' in english
    assert '<input checked id="item_ea_1-1"' in english
    assert (_ballots(db_session), _responded(db_session)) == (0, 0)


def test_a_complete_form_sent_by_the_language_switch_is_not_recorded(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    token = open_survey.token("ana@example.org")
    document = document_of(open_survey.survey.instrument_version)
    html = _text(client.get(f"/s/{token}"))
    data = {"csrf_token": csrf_token_from(html), "lang": "en", "switch_lang": "es"}
    page = client.post(f"/s/{token}", data=data | survey_answers(document, "3"))
    assert page.status_code == 200
    assert '<input checked id="item_ea_1-2"' in _text(page)
    assert (_ballots(db_session), _responded(db_session)) == (0, 0)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param("switch_lang=xx&item_ea_1=2", 200, 'lang="en"', id="unknown language"),
        pytest.param("switch_lang=es&item_ea_1=9", 200, 'lang="es"', id="a value not offered"),
        pytest.param(
            "switch_lang=es&switch_lang=en", 400, "sent more than once: switch_lang", id="twice"
        ),
        pytest.param("switch_lang=es&item_x=1", 400, "not part of this survey", id="unknown"),
    ],
)
def test_bad_language_switches_store_nothing(
    client: FlaskClient,
    open_survey: OpenSurvey,
    db_session: Any,
    body: str,
    status: int,
    message: str,
) -> None:
    token = open_survey.token("ana@example.org")
    response = client.post(
        f"/s/{token}", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == status
    assert message in _text(response)
    assert (_ballots(db_session), _responded(db_session)) == (0, 0)


def test_a_used_link_cannot_switch_language_into_the_form(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    db_session.execute(update(Invitation).values(responded=True))
    db_session.commit()
    response = client.post(
        f"/s/{open_survey.token('ana@example.org')}",
        data={"switch_lang": "es"},
    )
    assert response.status_code == 410
    assert 'id="survey-form"' not in _text(response)
    assert "Ya ha respondido" in _text(response)


# -- the page's language --------------------------------------------------------------------


def test_without_a_language_on_the_link_the_browser_chooses(
    client: FlaskClient, open_survey: OpenSurvey
) -> None:
    token = open_survey.token("ana@example.org")
    assert '<html lang="es">' in _text(client.get(f"/s/{token}", headers=SPANISH_BROWSER))
    assert '<html lang="en">' in _text(client.get(f"/s/{token}"))
    # The address's choice wins over the browser's.
    chosen = client.get(f"/s/{token}?lang=en", headers=SPANISH_BROWSER)
    assert '<html lang="en">' in _text(chosen)


# -- links that cannot answer ---------------------------------------------------------------


def _heading_and_body(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(
    "path", ["/s/not-a-real-token", "/s/" + "x" * 200], ids=["unknown", "too long"]
)
def test_an_invalid_link_says_what_to_do_in_the_browsers_language(
    client: FlaskClient, open_survey: OpenSurvey, path: str
) -> None:
    english = client.get(path)
    assert english.status_code == 404
    main = _heading_and_body(_text(english))
    assert "<h1>This survey link does not work</h1>" in main
    assert "Check that you copied all of it." in main
    assert "What you can do" in main
    assert "ask the people who sent you the survey for a new link" in main
    assert "Error 404" not in main
    assert english.headers["Cache-Control"] == "no-store"

    spanish = client.get(path, headers=SPANISH_BROWSER)
    assert spanish.status_code == 404
    html = _text(spanish)
    assert '<html lang="es">' in html
    main = _heading_and_body(html)
    assert "<h1>Este enlace de la encuesta no funciona</h1>" in main
    assert "Qué puede hacer" in main
    assert "Check" not in main and "link" not in main  # no English under a Spanish title


def test_an_unknown_address_is_one_language_throughout(client: FlaskClient) -> None:
    spanish = _text(client.get("/s/abc/def", headers=SPANISH_BROWSER))
    main = _heading_and_body(spanish)
    assert "<h1>Página no encontrada</h1>" in main
    assert "No hay ninguna página en esta dirección." in main
    assert "requested URL" not in main
    english = _heading_and_body(_text(client.get("/nowhere")))
    assert "There is no page at this address." in english
    assert "open the link in your invitation email again" in english


def test_a_used_link_says_so_with_what_comes_next_in_the_links_language(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    survey.results_expected_on = dt.date(2027, 7, 15)
    db_session.execute(update(Invitation).values(responded=True, language="es"))
    db_session.commit()
    used = client.get(f"/s/{open_survey.token('ana@example.org')}")
    assert used.status_code == 410
    assert used.headers["Cache-Control"] == "no-store"  # a 410 is cacheable by default
    main = _heading_and_body(_text(used))
    assert "<h1>Ya ha respondido</h1>" in main
    assert "15 de julio de 2027" in main
    assert "Error 410" not in main


def test_closed_and_not_yet_open_pages_say_when(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    survey.opens_at = dt.datetime(2099, 3, 1, 9, tzinfo=dt.UTC)
    db_session.commit()
    token = open_survey.token("ana@example.org")
    not_yet = _heading_and_body(_text(client.get(f"/s/{token}")))
    assert "<h1>This survey is not open yet</h1>" in not_yet
    assert "Come back to this same link from March 1, 2099." in not_yet

    survey = db_session.get(Survey, survey.id)  # the request ended the session
    survey.opens_at = None
    survey.results_expected_on = dt.date(2099, 4, 2)
    db_session.flush()
    close_survey(survey.id)
    db_session.commit()
    closed = client.get(f"/s/{token}")
    assert closed.status_code == 410
    main = _heading_and_body(_text(closed))
    assert "<h1>This survey is closed</h1>" in main
    assert "The results are expected by April 2, 2099." in main
    assert "no group of fewer than 5 people is shown" in main


# -- the thank-you page ---------------------------------------------------------------------


def test_the_thank_you_page_says_when_and_how_results_come_back(
    client: FlaskClient, open_survey: OpenSurvey, db_session: Any
) -> None:
    token = open_survey.token("ben@example.org")
    document = document_of(open_survey.survey.instrument_version)
    html = _text(client.get(f"/s/{token}?lang=es"))
    data = {"csrf_token": csrf_token_from(html), "lang": "es"} | survey_answers(document)
    done = client.post(f"/s/{token}", data=data)
    assert done.status_code == 302
    thanks = _text(client.get(done.location))
    assert '<html lang="es">' in thanks
    assert "Las personas que organizan la encuesta dirán cuándo" in thanks  # no date set

    survey = db_session.get(Survey, open_survey.survey.id)
    survey.results_expected_on = dt.date(2027, 7, 15)
    db_session.commit()
    thanks = _text(client.get(done.location))
    assert "15 de julio de 2027" in thanks
    assert "ningún grupo de menos de 5 personas" in thanks
    english = _text(client.get(f"/s/thanks?lang=en&survey={survey.id}"))
    assert "The results are expected by July 15, 2027." in english


@pytest.mark.parametrize("query", ["", "?survey=999999", "?survey=abc", "?lang=xx&survey=-1"])
def test_the_thank_you_page_without_a_known_survey(app: Flask, query: str) -> None:
    page = app.test_client().get(f"/s/thanks{query}")
    assert page.status_code == 200
    html = _text(page)
    assert "The people who run the survey will say when the results are ready." in html
    assert "small groups are not shown" in html
