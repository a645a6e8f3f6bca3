"""The staff interface's language: the employee's survey language first, then the staff
member's setting, then the browser, then English; the setting's form and header switch."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_babel import gettext, refresh
from sqlalchemy import select

from app import select_locale
from app.audit.models import AuditEvent
from app.auth.models import Role, StaffUser
from app.db import Session
from tests.conftest import AuthActions, csrf_token_from

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def _user(email: str) -> StaffUser:
    user = Session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    return user


def _set_language(user: StaffUser, language: str | None) -> None:
    # Each request ends the session the test's objects came from: read the account anew.
    _user(user.email).language = language
    Session.commit()


# --- select_locale: the order -------------------------------------------------------------


def test_without_setting_the_browser_decides_and_english_is_the_default(app: Flask) -> None:
    with app.test_request_context("/", headers=SPANISH):
        assert select_locale() == "es"
    with app.test_request_context("/", headers={"Accept-Language": "fr,de;q=0.5"}):
        assert select_locale() == "en"
    with app.test_request_context("/"):
        assert select_locale() == "en"


def test_employee_pages_language_beats_everything(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    user = make_user("es@example.org", Role.HR)
    _set_language(user, "es")
    with app.test_request_context("/", headers=SPANISH):
        g.language = "en"  # the survey's chosen language, set by the employee's view
        assert select_locale() == "en"


def test_the_staff_setting_beats_the_browser(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    _set_language(user, "es")
    page = client.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="es">' in page and "Su cuenta" in page and "Cerrar sesión" in page
    _set_language(user, "en")
    page = client.get("/account", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="en">' in page and "Your account" in page and "Su cuenta" not in page
    _set_language(user, None)  # no setting: the browser's
    page = client.get("/account", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page and "Su cuenta" in page


def test_a_stored_language_the_interface_lacks_falls_back_to_the_browser(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    _set_language(user, "fr")  # say, a language dropped from a later release
    page = client.get("/account", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page


def test_outside_a_request_the_locale_is_english(app: Flask) -> None:
    with app.app_context():
        refresh()
        assert gettext("Sign out") == "Sign out"


# --- the setting --------------------------------------------------------------------------


def _post_language(client: FlaskClient, language: str, **extra: str) -> Any:
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    return client.post(
        "/account/language", data={"language": language, "csrf_token": token, **extra}
    )


def test_the_account_page_saves_the_language_and_audits_it(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    response = _post_language(client, "es")
    assert response.status_code == 302 and response.location.endswith("/account")
    assert _user("admin@example.org").language == "es"
    page = client.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert "Se guardó el idioma de su interfaz." in page  # the flash, in the new language
    assert '<option selected value="es">' in page
    event = Session.scalars(select(AuditEvent).where(AuditEvent.action == "user.language")).one()
    assert event.detail == {"email": "admin@example.org", "language": "es"}
    # "As my browser prefers" clears it
    _post_language(client, "")
    assert _user("admin@example.org").language is None


@pytest.mark.parametrize("bad", ["fr", "es-MX", "x" * 300, "<script>"])
def test_a_bad_language_is_refused_with_a_message_and_nothing_stored(
    client: FlaskClient, auth: AuthActions, make_user: Any, bad: str
) -> None:
    user = make_user("hr@example.org", Role.HR)
    _set_language(user, "en")
    auth.login("hr@example.org")
    response = _post_language(client, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is not a language of this interface" in page and "<script>" not in page
    Session.expire_all()
    assert _user("hr@example.org").language == "en"
    assert not Session.scalars(select(AuditEvent).where(AuditEvent.action == "user.language")).all()


def test_a_bad_value_is_refused_in_spanish_for_a_spanish_reader(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post(
        "/account/language", data={"language": "fr", "csrf_token": token}, headers=SPANISH
    )
    assert response.status_code == 400
    assert "no es un idioma de esta interfaz" in response.get_data(as_text=True)


def test_the_language_form_needs_its_csrf_token_and_a_signed_in_user(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/account/language", data={"language": "es", "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.location
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    response = client.post("/account/language", data={"language": "es"})
    assert response.status_code == 400
    assert _user(user.email).language is None


def test_the_header_switch_changes_language_and_returns_to_the_page(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    page = client.get("/reports/", headers=ENGLISH).get_data(as_text=True)
    # The switch offers the other language, named in itself.
    assert 'name="language" value="es" lang="es">Español</button>' in page
    assert 'value="en" lang="en"' not in page
    response = _post_language(client, "es", next="/reports/?x=1")
    assert response.status_code == 302 and response.location.endswith("/reports/?x=1")
    page = client.get("/reports/", headers=ENGLISH).get_data(as_text=True)
    assert 'name="language" value="en" lang="en">English</button>' in page
    assert "Cerrar sesión" in page


def test_the_switch_never_sends_the_reader_off_the_site(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    response = _post_language(client, "es", next="https://evil.example/")
    assert response.status_code == 302 and response.location.endswith("/account")
