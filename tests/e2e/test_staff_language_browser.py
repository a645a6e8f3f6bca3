"""The staff interface's language in a real browser (headless Chromium) at 1366 and 390 px:
a Spanish browser gets the sign-in page and the home in Spanish; the header's switch moves
the account to English and back to the same page; Your account returns it to the browser's
language. axe-core finds nothing serious, and nothing scrolls sideways, in either language."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select

from app.auth.models import Role, StaffUser
from app.auth.services import create_staff_user
from app.db import Session
from tests.conftest import TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations
from tests.e2e.test_survey_page_browser import (
    LOCALES,
    WIDTHS,
    ContextFactory,
    assert_no_horizontal_scroll,
)

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000


def _seed(base_url: str) -> str:
    create_staff_user("admin@example.org", TEST_PASSWORD, Role.ADMIN)
    Session.commit()
    return base_url


def _checked(page: Page, what: str) -> None:
    problems = serious_violations(page)
    assert not problems, f"axe ({what}):\n" + "\n".join(problems)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_spanish_browser_then_the_switch_then_the_browser_again(
    app: Flask, scratch_engine: Engine, new_context: ContextFactory, width: int
) -> None:
    with live_server(app, scratch_engine, _seed) as base_url:
        context: Any = new_context(**WIDTHS[width], locale=LOCALES["es"])
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{base_url}/login")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
        _checked(page, "sign-in, es")
        page.get_by_label("Correo electrónico").fill("admin@example.org")
        page.get_by_label("Contraseña").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()

        expect(page.get_by_role("heading", name="Inicio", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Requiere atención")).to_be_visible()
        _checked(page, "admin home, es")

        page.get_by_role("link", name="Informes").first.click()
        reports = page.url
        page.get_by_role("button", name="English").click()
        assert page.url == reports  # back on the same page
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page.get_by_text("Your interface language is saved.")).to_be_visible()
        _checked(page, "reports, en by the setting")
        with scratch_engine.connect() as connection:
            language = connection.scalar(
                select(StaffUser.language).where(StaffUser.email == "admin@example.org")
            )
        assert language == "en"

        page.get_by_role("link", name="admin@example.org").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        _checked(page, "account, en")
        page.get_by_label("Interface language").select_option("")
        page.get_by_role("button", name="Save the language").click()
        expect(page.get_by_role("heading", name="Su cuenta")).to_be_visible()
        expect(page.get_by_label("Idioma de la interfaz")).to_have_value("")
        _checked(page, "account, es by the browser")
