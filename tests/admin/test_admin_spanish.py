"""The admin pages in Spanish: for an admin whose interface language is Spanish, and for
one whose browser prefers it; in English otherwise. Each page shows its own Spanish
text and keeps no English sentence of the catalog; messages (flashed, refused by a
service, WTForms' own) come in Spanish too, and nothing is stored when they refuse."""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.labels import ACTION_LABELS
from app.auth.models import Role, StaffUser
from app.instruments.models import InstrumentVersion
from app.surveys.models import Survey
from app.surveys.services import create_survey
from app.worker.models import ScheduledRelease
from tests.admin.conftest import ADMIN, page_text, submit
from tests.conftest import ROOT, AuthActions, OpenSurvey
from tests.test_translations import TEMPLATES, untranslated_text

SPANISH = {"Accept-Language": "es"}
CATALOG = ROOT / "app" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def _english_sentences() -> list[str]:
    """The catalog's English sentences (four words or more, no placeholder, no markup)
    whose Spanish differs: none may be left on a page read in Spanish."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        text = message.id
        if "%" in text or "<" in text or len(text.split()) < 4 or message.string == text:
            continue
        found.append(text)
    return found


ENGLISH = _english_sentences()


def _visible(html: str) -> str:
    """The page's text as a reader sees it, without scripts, styles and the instrument's
    JSON (a version's stored text, the editor's draft: it holds every language's texts)."""
    hidden = r"<script.*?</script>|<style.*?</style>|<pre.*?</pre>|<textarea.*?</textarea>"
    html = re.sub(hidden, " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def assert_spanish(response: Any, *expected: str) -> None:
    """The page answered 200 in Spanish: `expected` are on it, and no English sentence of
    the catalog is."""
    assert response.status_code == 200, response.status_code
    html = page_text(response)
    assert '<html lang="es"' in html
    for text in expected:
        assert text in html, text
    shown = _visible(html)
    left = [sentence for sentence in ENGLISH if sentence in shown]
    assert not left, f"English left: {left}"


@pytest.fixture
def admin_es(auth: AuthActions, make_user: Any, db_session: Any) -> StaffUser:
    """A signed-in admin whose interface language is Spanish."""
    user: StaffUser = make_user(ADMIN, Role.ADMIN)
    user.language = "es"
    db_session.commit()
    assert auth.login(ADMIN).status_code == 302
    return user


@pytest.fixture
def draft(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    survey = create_survey(
        instrument_key="relational-climate", title="Borrador de otoño", team_paths=["Sales"]
    )
    db_session.commit()
    return survey


# Each page with a few of its own Spanish texts ({draft} / {open} stand for the survey ids).
PAGES = [
    ("/admin/surveys/", ["Crear una encuesta", "Respondieron", "borrador"]),
    (
        "/admin/surveys/{draft}",
        [
            "Estado de esta encuesta: <strong>borrador</strong>.",
            "Papeletas selladas",
            "Archivo de enlaces personales",
            "Sí, abrir la encuesta",
            "Quien tenga el archivo de enlaces",
        ],
    ),
    (
        "/admin/surveys/{open}",
        ["Enviar las invitaciones…", "Un enlace nuevo para una persona", "Cerrar la encuesta"],
    ),
    ("/admin/surveys/{open}/participants", ["Participantes de «", "Agregar una persona"]),
    ("/admin/surveys/{open}/email/preview?language=es", ["Vista previa del correo", "Asunto:"]),
    ("/admin/surveys/{open}/email/invitations/confirm", ["¿Enviar las invitaciones?"]),
    ("/admin/surveys/{open}/email/reminders/confirm", ["¿Enviar los recordatorios?"]),
    ("/admin/surveys/{draft}/schedule", ["Calendario de «", "Guardar el calendario"]),
    ("/admin/surveys/{draft}/delete", ["Lo que se elimina", "Conservarla y volver"]),
    ("/admin/users/", ["Usuarios del personal", "Agregar un usuario del personal"]),
    ("/admin/users/new", ["Crear la cuenta", "Rol", "Responsable de equipo: lee"]),
    ("/admin/users/{me}", ["Rol y equipos", "Pausas de inicio de sesión"]),
    ("/admin/users/{me}/password", ["Nueva contraseña para", "Definir la contraseña"]),
    ("/admin/settings/", ["La organización en cada correo", "Nombre de la organización"]),
    ("/admin/worker/", ["Proceso de fondo y bandeja de salida", "No se ha visto ningún"]),
    ("/admin/audit/", ["Registro de auditoría", "Todas las acciones", "Filtrar"]),
    ("/admin/surveys/new", ["Crear el borrador", "Versión del instrumento"]),
    ("/admin/surveys/{draft}/edit", ["Configuración de «", "Guardar la configuración"]),
    ("/admin/instruments/", ["Instrumentos y sus versiones más recientes", "Nuevo instrumento"]),
    ("/admin/instruments/new", ["Nuevo instrumento", "Importar un archivo JSON", "Publicar"]),
    ("/admin/instruments/{key}/edit", ["Está redactando la versión 2 de", "Estructura"]),
    ("/admin/instruments/{key}/versions", ["Editar a partir de esta versión", "Exportar JSON"]),
    ("/admin/instruments/{key}/versions/1", ["Dimensiones e ítems", "Exportar JSON"]),
    ("/admin/instruments/{key}/diff", ["Cambios de la versión 1 a la versión 1", "Tendencias"]),
]


def _url(template: str, draft: Survey, open_survey: OpenSurvey, me: StaffUser) -> str:
    return template.format(
        draft=draft.id, open=open_survey.survey.id, me=me.id, key="relational-climate"
    )


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_each_admin_page_follows_the_admins_language_setting(
    client: FlaskClient,
    admin_es: StaffUser,
    draft: Survey,
    open_survey: OpenSurvey,
    url: str,
    expected: list[str],
) -> None:
    assert_spanish(client.get(_url(url, draft, open_survey, admin_es)), *expected)


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_each_admin_page_follows_the_browser_without_a_setting(
    client: FlaskClient,
    admin: StaffUser,
    draft: Survey,
    open_survey: OpenSurvey,
    url: str,
    expected: list[str],
) -> None:
    page = _url(url, draft, open_survey, admin)
    assert_spanish(client.get(page, headers=SPANISH), *expected)
    english = page_text(client.get(page))
    assert '<html lang="en"' in english
    assert not any(text in english for text in expected if len(text) > 10)


def test_the_setting_wins_over_the_browser(
    client: FlaskClient, admin: StaffUser, db_session: Any
) -> None:
    db_session.get(StaffUser, admin.id).language = "en"
    db_session.commit()
    english = page_text(client.get("/admin/surveys/", headers=SPANISH))
    assert "Create a survey" in english and "Crear una encuesta" not in english


def test_the_audit_page_translates_the_words_never_the_stored_keys(
    client: FlaskClient, admin_es: StaffUser, draft: Survey
) -> None:
    submit(
        client, f"/admin/surveys/{draft.id}/pilot", {"kind": "pilot"}, f"/admin/surveys/{draft.id}"
    )
    html = page_text(client.get("/admin/audit/"))
    assert "Marca de piloto cambiada <code>survey.pilot</code>" in html
    assert '<option value="survey.pilot">Marca de piloto cambiada (survey.pilot)</option>' in html
    assert "encuesta " + str(draft.id) in html
    # The filter still matches the stored key.
    filtered = page_text(client.get("/admin/audit/?action=survey.pilot"))
    assert "1 evento coincide con los filtros" in filtered


def test_flash_messages_are_in_spanish(
    client: FlaskClient, admin_es: StaffUser, draft: Survey
) -> None:
    saved = submit(
        client,
        "/admin/settings/",
        {"name": "Ejemplo S.A.", "contact": "rrhh@example.org"},
    )
    assert saved.status_code == 302
    page = page_text(client.get(saved.location))
    assert "Se guardaron el nombre y el contacto de la organización" in page

    page_url = f"/admin/surveys/{draft.id}"
    marked = submit(client, f"{page_url}/pilot", {"kind": "pilot"}, page_url)
    assert "Esta encuesta es un piloto" in page_text(client.get(marked.location))


def test_a_services_refusal_is_in_spanish_and_changes_nothing(
    client: FlaskClient, admin_es: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    refused = client.get(f"/admin/surveys/{survey.id}/edit")
    assert refused.status_code == 409
    assert (
        f"La encuesta {survey.id} está en estado «abierta»; solo se puede cambiar la "
        "configuración de un borrador." in page_text(refused)
    )
    # A schedule the service refuses: its reason in Spanish, the survey as it was.
    schedule = f"/admin/surveys/{survey.id}/schedule"
    closes = survey.closes_at
    refused = submit(client, schedule, {"closes_at": "2001-01-01T10:00"})
    assert refused.status_code == 400
    assert "La hora de cierre 2001-01-01 10:00 UTC ya pasó" in page_text(refused)
    db_session.expire_all()
    assert db_session.get(Survey, survey.id).closes_at == closes


def test_the_survey_forms_errors_are_in_spanish_wtforms_own_included(
    client: FlaskClient, admin_es: StaffUser, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    before = db_session.scalar(select(func.count()).select_from(Survey))
    data = {
        "version_id": str(bundled_version.id),
        "title": "",
        "levels": "ic = Individual contributor",
        "k_scores": "muchos",
        "k_comments": "10",
        "opens_at": "mañana",
    }
    refused = submit(client, "/admin/surveys/new", data)
    assert refused.status_code == 400
    html = page_text(refused)
    assert "Corrija lo siguiente:" in html
    assert "Este campo es obligatorio." in html  # WTForms' own messages, in Spanish
    assert "No es un valor entero válido." in html
    assert "This field is required." not in html
    # A rule of the survey service: its own message, in Spanish.
    data |= {"title": "Otoño", "k_scores": "2", "opens_at": ""}
    refused = submit(client, "/admin/surveys/new", data)
    assert refused.status_code == 400
    assert "nunca puede ser menor que 3" in page_text(refused)
    assert db_session.scalar(select(func.count()).select_from(Survey)) == before


def test_the_participants_report_is_in_spanish(
    client: FlaskClient, admin_es: StaffUser, draft: Survey, db_session: Any
) -> None:
    page_url = f"/admin/surveys/{draft.id}"
    token_page = client.get(page_url)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page.get_data(as_text=True))
    assert token
    csv = b"email,team,level\nnot-an-address,Sales,individual_contributor\n"
    response = client.post(
        f"{page_url}/participants",
        data={"csrf_token": token.group(1), "file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = page_text(response)
    assert "El archivo tiene 1 problema; no se importó nada." in html
    assert "'not-an-address' no es un correo electrónico" in html


def test_no_admin_template_shows_text_outside_the_catalogs(app: Flask) -> None:
    problems = [
        problem
        for path in sorted((TEMPLATES / "admin").rglob("*.html"))
        for problem in untranslated_text(
            app, str(path.relative_to(TEMPLATES)), path.read_text("utf-8")
        )
    ]
    assert not problems, "\n".join(problems)


def test_dates_and_times_keep_their_figures(
    client: FlaskClient, admin_es: StaffUser, draft: Survey, db_session: Any
) -> None:
    draft.opens_at = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    db_session.commit()
    html = page_text(client.get(f"/admin/surveys/{draft.id}"))
    assert '<time datetime="2027-03-01T09:00:00+00:00">2027-03-01 09:00 UTC</time>' in html


def test_instrument_texts_follow_the_readers_language(
    client: FlaskClient, admin: StaffUser, bundled_version: InstrumentVersion
) -> None:
    url = "/admin/instruments/relational-climate/versions/1"
    spanish = _visible(page_text(client.get(url, headers=SPANISH)))
    assert "Sintonía empática" in spanish and "Empathic attunement" not in spanish
    english = _visible(page_text(client.get(url)))
    assert "Empathic attunement" in english and "Sintonía empática" not in english


def test_the_preview_reads_in_the_previewed_language(
    client: FlaskClient, admin_es: StaffUser, bundled_version: InstrumentVersion
) -> None:
    url = "/admin/instruments/relational-climate/versions/1/preview"
    spanish = page_text(client.get(url + "?lang=es"))
    assert '<html lang="es"' in spanish
    assert "Vista previa" in spanish
    english = page_text(client.get(url + "?lang=en"))
    assert '<html lang="en"' in english and "Preview" in english


def _recorded_actions() -> set[str]:
    """Every action key the app records with a literal (record_event's second argument)."""
    found = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record_event"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.add(node.args[1].value)
    return found


def test_every_recorded_action_has_words_on_the_audit_page() -> None:
    recorded = _recorded_actions()
    assert {"survey.create", "user.invite", "report.view"} <= recorded  # the search works
    assert not recorded - set(ACTION_LABELS), "name these actions in app/audit/labels.py"


def test_a_scheduled_releases_outcome_reads_in_spanish(
    client: FlaskClient, admin_es: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    when = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    db_session.add_all(
        [
            ScheduledRelease(
                survey_id=survey.id,
                publish_at=when,
                done_at=when,
                release_number=1,
                outcome="Published as release 1.",
            ),
            ScheduledRelease(
                survey_id=survey.id,
                publish_at=when + dt.timedelta(days=1),
                done_at=when + dt.timedelta(days=1),
                outcome="Not published: it would disclose nothing new.",
            ),
            ScheduledRelease(survey_id=survey.id, publish_at=when + dt.timedelta(days=2)),
        ]
    )
    db_session.commit()
    html = page_text(client.get(f"/admin/surveys/{survey.id}/schedule"))
    assert "Se hizo la publicación 1." in html
    assert "No se publicó: it would disclose nothing new." in html  # the stored reason
    assert "en espera" in html
