"""The action plan pages in Spanish: the list, the first step, a new plan, a plan with its
"did it work?" table and its actions, an action's page, and their refusals (a clear message
in Spanish, nothing stored); for a staff member whose setting is Spanish and for a manager
whose browser prefers it. The instrument's dimension names follow the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from app.auth.models import StaffUser
from app.instruments.models import InstrumentVersion
from app.plans import services
from app.plans.models import ActionPlan
from app.surveys.models import Survey
from tests.conftest import AuthActions, csrf_token_from
from tests.plans.conftest import Staff, counts, make_second_wave

SPANISH = {"Accept-Language": "es"}
ENGLISH = {"Accept-Language": "en"}
DUE = dt.date(2027, 6, 1)


def _spanish_setting(db_session: Any, user: StaffUser) -> None:
    db_session.get(StaffUser, user.id).language = "es"
    db_session.commit()


def _plan(staff: Staff, survey: Survey, team: int, db_session: Any) -> ActionPlan:
    plan = services.create_plan(staff.hr, survey.id, team, ["silencing", "voice_influence"])
    services.add_action(staff.hr, plan, text="Ask first", owner_id=staff.owner.id, due_on=DUE)
    db_session.commit()
    return plan


def test_the_plan_list_and_first_step_read_in_spanish_for_a_spanish_setting(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    _spanish_setting(db_session, staff.hr)
    auth.login("hr@example.org")
    listing = client.get("/plans/", headers=ENGLISH).get_data(as_text=True)
    for spanish in (
        "Planes de acción",
        "Usted ve los planes de todos los equipos.",
        "Crear un plan",
        "Todas las encuestas",
        "Cualquier estado",
        "Exportar estos planes:",
        "Silenciamiento",  # the instrument's dimension in Spanish
    ):
        assert spanish in listing, spanish
    assert "Action plans" not in listing and "Silencing" not in listing
    start = client.get("/plans/new").get_data(as_text=True)
    assert "Un plan responde a los resultados publicados" in start
    assert "Encuesta (una ola con publicación)" in start and "Continuar" in start


def test_a_manager_whose_browser_prefers_spanish_creates_a_plan_in_spanish(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    auth.login("eng@example.org")
    url = f"/plans/new?survey={first_wave.id}&team={teams['Eng/Alpha']}"
    page = client.get(url, headers=SPANISH).get_data(as_text=True)
    assert "Crear un plan para Eng/Alpha" in page
    assert "Voz e influencia" in page and "Voice and influence" not in page
    token = csrf_token_from(page)
    before = counts(db_session)
    for focus, message in [
        ([], "Elija al menos un área de enfoque."),
        (["made_up"], "no es una dimensión de"),
        (["silencing", "authenticity", "accountability", "disconnection"], "como máximo 3"),
    ]:
        refused = client.post(url, data={"csrf_token": token, "focus": focus}, headers=SPANISH)
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True), focus
    assert counts(db_session) == before
    created = client.post(
        url,
        data={"csrf_token": token, "focus": ["silencing"]},
        headers=SPANISH,
        follow_redirects=True,
    )
    html = created.get_data(as_text=True)
    assert "Se creó el plan para Eng/Alpha. Agregue sus acciones más abajo." in html
    assert "Plan de Eng/Alpha" in html and "Todavía no:" in html
    assert "Todavía no hay acciones." in html and "Agregar una acción" in html


def test_a_plan_page_in_spanish_shows_its_actions_and_did_it_work(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    plan = _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    make_second_wave(db_session, bundled_version)
    _spanish_setting(db_session, staff.hr)
    auth.login("hr@example.org")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    for spanish in (
        "¿Funcionó?",
        "Área de enfoque",
        "Cambio (intervalo de confianza del 95%)",
        "Qué indica",
        "Cambió en",  # the reading of each change
        "resultados al",  # the releases' labels, dated in Spanish
        "Prevista",  # the action's status
        "Silenciamiento",
        "Las puntuaciones van de 1 a 5",
    ):
        assert spanish in page, spanish
    for english in ("Did it work?", "Changed by", "Planned", "Focus areas", "results as of"):
        assert english not in page, english
    # An action's page, and a refusal on it: in Spanish, nothing stored.
    action = db_session.get(ActionPlan, plan.id).actions[0]
    edit = f"/plans/{plan.id}/actions/{action.id}"
    form = client.get(edit).get_data(as_text=True)
    assert "Editar una acción" in form and "Guardar la acción" in form
    before = counts(db_session)
    refused = client.post(
        edit,
        data={
            "csrf_token": csrf_token_from(form),
            "text": "",
            "owner": str(staff.owner.id),
            "due_on": "2027-05-01",
            "status": "planned",
            "notes": "",
        },
    )
    assert refused.status_code == 400
    assert "Indique en qué consiste la acción." in refused.get_data(as_text=True)
    assert counts(db_session) == before


def test_the_same_plan_reads_in_english_for_an_english_browser(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
) -> None:
    plan = _plan(staff, first_wave, teams["Eng/Alpha"], db_session)
    auth.login("eng@example.org")
    spanish = client.get(f"/plans/{plan.id}", headers=SPANISH).get_data(as_text=True)
    english = client.get(f"/plans/{plan.id}", headers=ENGLISH).get_data(as_text=True)
    assert "Acciones" in spanish and "Silenciamiento" in spanish
    assert "Actions" in english and "Silencing" in english and "Silenciamiento" not in english
