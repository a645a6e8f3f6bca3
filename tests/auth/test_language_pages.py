"""The staff homes, the account pages and the employee summary's staff page read in Spanish
for a Spanish browser or a staff member whose setting is Spanish, and in English otherwise;
the numbers follow the reader's language, the figures stay the same."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role, StaffUser
from app.db import Session, utcnow
from app.reports.queries import latest_release, snapshot_of
from app.surveys.models import Survey
from app.worker.models import WorkerHeartbeat
from tests.auth.test_sso import authorize, provider
from tests.conftest import AuthActions, OpenSurvey, csrf_token_from
from tests.oidc_provider import OidcProvider
from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

report_survey = test_pages.report_survey
__all__ = ["provider", "report_survey"]

SPANISH = {"Accept-Language": "es-AR,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _spanish_setting(email: str) -> None:
    user = Session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    user.language = "es"
    Session.commit()


@pytest.fixture(params=["browser", "setting"])
def reads_spanish(request: pytest.FixtureRequest) -> Any:
    """Sign `email` in reading Spanish, by the browser's preference or by the account's
    setting (with an English browser); return the headers to send."""

    def sign_in(auth: AuthActions, email: str) -> dict[str, str]:
        if request.param == "setting":
            _spanish_setting(email)
            auth.login(email)
            return ENGLISH
        auth.login(email)
        return SPANISH

    return sign_in


def test_hr_home_in_spanish_with_the_figures_in_its_notation(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    report_survey: ReportSurvey,
    reads_spanish: Any,
) -> None:
    make_user("hr@example.org", Role.HR)
    headers = reads_spanish(auth, "hr@example.org")
    html = client.get("/", headers=headers).get_data(as_text=True)
    text = _text(html)
    assert '<html lang="es">' in html
    assert "Últimos resultados" in text and "Todos los informes" in text
    assert "Informes" in text and "Cerrar sesión" in text and "RR. HH." in text
    assert "Latest results" not in text and "Sign out" not in text
    release = latest_release(report_survey.id)
    assert release is not None
    mean = snapshot_of(release).publication().view().families["mutuality"].mean
    assert mean is not None
    # The same figure, with the decimal comma.
    assert f"{mean.mean:.2f}".replace(".", ",") in text
    assert f"{mean.lower:.2f}".replace(".", ",") in text
    assert "intervalo de confianza del 95 %" in text
    assert "publicación 1" in text  # the release's label, in Spanish too


def test_hr_home_in_english_without_a_spanish_word(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    text = _text(client.get("/", headers=ENGLISH).get_data(as_text=True))
    assert "Latest results" in text and "All reports" in text and "Sign out" in text
    assert "Últimos resultados" not in text and "Cerrar sesión" not in text


def test_admin_home_in_spanish_says_what_needs_attention(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    open_survey: OpenSurvey,
    reads_spanish: Any,
) -> None:
    make_user("root@example.org", Role.ADMIN)
    headers = reads_spanish(auth, "root@example.org")
    text = _text(client.get("/", headers=headers).get_data(as_text=True))
    assert "Requiere atención" in text and "Encuestas en curso" in text
    assert "Nunca se ha ejecutado un proceso de fondo" in text
    assert "Spring wave" in text and "abierta" in text  # the state, in Spanish
    assert "Bandeja de salida: 0 en espera, 0 enviados, 0 fallidos." in text
    assert "Needs attention" not in text and "Surveys running" not in text
    survey = Session.get(Survey, open_survey.survey.id)
    assert survey is not None
    survey.closes_at = utcnow() - dt.timedelta(days=1)
    seen = dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC)
    Session.add(
        WorkerHeartbeat(worker_id="w1", started_at=seen, seen_at=seen, rounds=3, last_did="idle")
    )
    Session.commit()
    text = _text(client.get("/", headers=headers).get_data(as_text=True))
    assert "«Spring wave» sigue abierta después de su fecha de cierre." in text
    assert "No se ve ningún proceso de fondo desde el 3 de marzo de 2026 09:30 UTC" in text


def test_a_manager_lands_on_the_team_view_in_spanish(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    report_survey: ReportSurvey,
    reads_spanish: Any,
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Data"])
    headers = reads_spanish(auth, "lead@example.org")
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    page = client.get(response.location, headers=headers, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="es">' in html and "Cerrar sesión" in html
    assert "responsable de equipo" in html


def test_the_sign_in_pages_follow_the_browser(client: FlaskClient) -> None:
    login = _text(client.get("/login", headers=SPANISH).get_data(as_text=True))
    assert "Iniciar sesión" in login and "¿Olvidó su contraseña?" in login
    assert "Correo electrónico" in login and "Contraseña" in login
    forgot = _text(client.get("/login/forgot", headers=SPANISH).get_data(as_text=True))
    assert "Escriba la dirección de su cuenta de personal." in forgot
    english = _text(client.get("/login", headers=ENGLISH).get_data(as_text=True))
    assert "Sign in" in english and "Iniciar sesión" not in english
    # A page that needs a sign-in says so in the browser's language.
    response = client.get("/", headers=SPANISH)
    page = client.get(response.location, headers=SPANISH).get_data(as_text=True)
    assert "Inicie sesión para ver esta página." in page


def test_a_failed_sign_in_and_a_weak_password_say_why_in_spanish(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    failed = client.post(
        "/login",
        data={"email": "hr@example.org", "password": "wrong", "csrf_token": token},
        headers=SPANISH,
    )
    assert failed.status_code == 401
    assert "Correo electrónico o contraseña incorrectos" in failed.get_data(as_text=True)
    _spanish_setting("hr@example.org")
    auth.login("hr@example.org")
    page = client.get("/account/password")
    assert "Al menos 12 caracteres" in page.get_data(as_text=True)
    weak = client.post(
        "/account/password",
        data={
            "current_password": "x",
            "password": "password1234",
            "password_again": "password1234",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert weak.status_code == 400
    assert "La contraseña actual no es correcta." in weak.get_data(as_text=True)


def test_a_control_character_is_refused_in_the_readers_language(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    _spanish_setting("hr@example.org")
    auth.login("hr@example.org")
    page = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "current_password": "a\x00b",
            "password": "x",
            "password_again": "x",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 400
    assert "Contraseña actual contiene un carácter de control, U+0000 (NUL)" in (
        response.get_data(as_text=True)
    )


def test_the_employee_summary_page_is_the_readers_around_the_employees_preview(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("hr@example.org", Role.HR)
    _spanish_setting("hr@example.org")
    auth.login("hr@example.org")
    path = f"/reports/surveys/{report_survey.id}/summary"
    html = client.get(path + "?lang=en", headers=ENGLISH).get_data(as_text=True)
    # The staff page in Spanish ...
    assert '<html lang="es">' in html and "Resumen para el personal" in html
    assert "Publicar para el personal el resumen de la publicación 1" in html
    # ... around the preview in the language asked for, English here.
    preview = html.split('<div class="preview" lang="en">', 1)[1]
    assert "How to read these results" in preview and "Cómo leer" not in preview
    spanish = client.get(path + "?lang=es").get_data(as_text=True)
    preview = spanish.split('<div class="preview" lang="es">', 1)[1]
    assert "Cómo leer estos resultados" in preview
    # An English reader gets the English page around a Spanish preview.
    user = Session.scalar(select(StaffUser).where(StaffUser.email == "hr@example.org"))
    assert user is not None
    user.language = "en"
    Session.commit()
    english = client.get(path + "?lang=es", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="en">' in english and "Employee summary" in english
    assert "Cómo leer estos resultados" in english
    published = client.post(path, data={"csrf_token": csrf_token_from(english)})
    assert published.status_code == 302
    after = client.get(path).get_data(as_text=True)
    assert "Employees can now read the summary of release 1." in after


def test_an_english_read_then_a_spanish_read_of_the_home_gives_each_its_language(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    """Nothing translated is cached across readers: the release's figures are, their words
    are applied at each read."""
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    for headers, expected, absent in (
        (ENGLISH, "Latest results", "Últimos resultados"),
        (SPANISH, "Últimos resultados", "Latest results"),
        (ENGLISH, "Latest results", "Últimos resultados"),
    ):
        html = client.get("/", headers=headers).get_data(as_text=True)
        assert expected in html and absent not in html
        summary = client.get(f"/reports/surveys/{report_survey.id}/summary", headers=headers)
        assert ("Employee summary" in summary.get_data(as_text=True)) == (headers is ENGLISH)


def test_a_refused_single_sign_on_says_why_in_the_browsers_language(
    app: Flask, provider: OidcProvider, make_user: Any
) -> None:
    make_user("ana@example.org", Role.HR)
    client = app.test_client()
    login = client.get("/login", headers=SPANISH).get_data(as_text=True)
    assert "Iniciar sesión con Example ID" in login
    started = client.get("/login/sso", headers=SPANISH)
    callback = authorize(started.headers["Location"])
    other = app.test_client()  # another browser receives the answer
    parts = urllib.parse.urlsplit(callback)
    answer = other.get(f"{parts.path}?{parts.query}", headers=SPANISH)
    assert answer.status_code == 400
    page = _text(answer.get_data(as_text=True))
    assert (
        "Este inicio de sesión no se comenzó desde este navegador, o ya se usó. "
        "Vuelva a empezar desde la página de inicio de sesión."
    ) in page
