"""The admin pages in Spanish in a real browser (headless Chromium) at 1366 and 390 px: each
reads in Spanish for a Spanish browser, axe-core finds nothing serious, and nothing scrolls
sideways. The browser fixtures are the e2e suite's (Debian's Chromium, never a download)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.surveys.services import create_survey, import_participants
from app.surveys.services import open_survey as open_survey_service
from tests.conftest import BUNDLED_INSTRUMENT, PARTICIPANTS_CSV, TEST_PASSWORD, live_server
from tests.e2e.conftest import (  # noqa: F401 - the browser fixtures, for this module
    base_url,
    browser_type_launch_args,
    chromium_executable,
    serious_violations,
)
from tests.e2e.test_survey_page_browser import (
    LOCALES,
    WIDTHS,
    ContextFactory,
    assert_no_horizontal_scroll,
)

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000
ADMIN = "admin@example.org"


@dataclass(frozen=True)
class Seeded:
    base_url: str
    draft: int
    open: int
    admin: int


def _seed(url: str) -> Seeded:
    admin = create_staff_user(ADMIN, TEST_PASSWORD, Role.ADMIN)
    sync_instruments([BUNDLED_INSTRUMENT])
    draft = create_survey(instrument_key="relational-climate", title="Borrador de otoño")
    wave = create_survey(instrument_key="relational-climate", title="Ola de primavera")
    import_participants(wave.id, PARTICIPANTS_CSV)
    open_survey_service(wave.id)
    Session.commit()
    return Seeded(url, draft.id, wave.id, admin.id)


# Each page and a heading it shows in Spanish.
PAGES = [
    ("/admin/surveys/", "Encuestas"),
    ("/admin/surveys/new", "Crear una encuesta"),
    ("/admin/surveys/{draft}", "Borrador de otoño"),
    ("/admin/surveys/{draft}/edit", "Configuración de «Borrador de otoño»"),
    ("/admin/surveys/{draft}/schedule", "Calendario de «Borrador de otoño»"),
    ("/admin/surveys/{draft}/delete", "Eliminar «Borrador de otoño»"),
    ("/admin/surveys/{open}", "Ola de primavera"),
    ("/admin/surveys/{open}/participants", "Participantes de «Ola de primavera»"),
    ("/admin/surveys/{open}/email/preview?language=es", "Vista previa del correo"),
    ("/admin/surveys/{open}/email/invitations/confirm", "¿Enviar las invitaciones?"),
    ("/admin/users/", "Usuarios del personal"),
    ("/admin/users/new", "Agregar un usuario del personal"),
    ("/admin/users/{admin}", ADMIN),
    ("/admin/settings/", "Configuración"),
    ("/admin/worker/", "Proceso de fondo y bandeja de salida"),
    ("/admin/audit/", "Registro de auditoría"),
    ("/admin/instruments/", "Instrumentos"),
]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_admin_page_in_spanish_is_axe_clean_and_fits(
    app: Flask, scratch_engine: Engine, new_context: ContextFactory, width: int
) -> None:
    with live_server(app, scratch_engine, _seed) as seeded:
        context: Any = new_context(**WIDTHS[width], locale=LOCALES["es"])
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{seeded.base_url}/login")
        page.get_by_label("Correo electrónico").fill(ADMIN)
        page.get_by_label("Contraseña").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
        problems = []
        for path, heading in PAGES:
            url = path.format(draft=seeded.draft, open=seeded.open, admin=seeded.admin)
            page.goto(seeded.base_url + url)
            expect(page.locator("html")).to_have_attribute("lang", "es")
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            problems += [f"{url}: {found}" for found in serious_violations(page)]
            assert_no_horizontal_scroll(page)
        assert not problems, "axe:\n" + "\n".join(problems)
