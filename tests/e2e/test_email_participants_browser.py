"""A survey's emails and participants in a real browser (headless Chromium): the admin sets
the organisation's name and contact, previews the invitation and the reminder in both
languages, sends a test to themself (delivered by the outbox to a real SMTP server on
loopback), confirms the invitations on the page that says how many people get them, and
adds, finds and removes participants. axe-core finds nothing serious on these pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.outbox.mailer import MailSettings
from app.outbox.services import PLACEHOLDER_TOKEN, OutboxSettings, deliver_pending
from app.surveys.services import create_survey, import_participants, open_survey
from tests.conftest import BUNDLED_INSTRUMENT, PARTICIPANTS_CSV, TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations
from tests.outbox.conftest import HOST, SmtpServer
from tests.outbox.conftest import smtp_server as smtp_server  # the fixture, re-exported

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.org"


@dataclass
class LiveSurveys:
    base_url: str
    open_id: int
    draft_id: int


def _seed(base_url: str) -> LiveSurveys:
    sync_instruments([BUNDLED_INSTRUMENT])
    create_staff_user(ADMIN, TEST_PASSWORD, Role.ADMIN)
    opened = create_survey(instrument_key="relational-climate", title="Spring wave")
    import_participants(opened.id, PARTICIPANTS_CSV)
    open_survey(opened.id)
    draft = create_survey(instrument_key="relational-climate", title="Autumn wave")
    import_participants(draft.id, PARTICIPANTS_CSV)
    Session.commit()
    return LiveSurveys(base_url, opened.id, draft.id)


def assert_accessible(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def test_preview_test_send_confirmation_and_participants_in_the_browser(
    app: Flask, scratch_engine: Engine, smtp_server: SmtpServer, page: Page
) -> None:
    with live_server(app, scratch_engine, _seed) as live:
        page.goto(f"{live.base_url}/login")
        page.get_by_label("Email").fill(ADMIN)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # The organisation's name and contact, from the navigation's Settings.
        page.get_by_role("link", name="Settings").click()
        assert_accessible(page)
        page.get_by_label("Organisation name").fill("Acme Cooperative")
        page.get_by_label("Contact for questions").fill("hr-survey@acme.example")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("every email shows them")).to_be_visible()

        preview_and_test_send(app, page, live, smtp_server)
        confirm_the_invitations(page, live)
        add_and_remove_participants(page, live)


def preview_and_test_send(app: Flask, page: Page, live: LiveSurveys, smtp: SmtpServer) -> None:
    """The preview, from the survey's page, in both languages; a test send to the admin."""
    page.goto(f"{live.base_url}/admin/surveys/{live.open_id}")
    page.get_by_role("link", name="Preview the invitation and the reminder").click()
    expect(page.locator(".email-subject")).to_have_text(
        "Your invitation: Relational Climate Survey"
    )
    preview = page.locator(".email-preview")
    expect(preview).to_contain_text("Spring wave")
    expect(preview).to_contain_text("Sent on behalf of Acme Cooperative.")
    expect(preview.get_by_role("link")).to_have_attribute(
        "href", re.compile(f"/s/{PLACEHOLDER_TOKEN}$")
    )
    assert_accessible(page)
    page.get_by_role("link", name="Reminder (es)").click()
    expect(page.locator(".email-subject")).to_have_text(
        "Recordatorio: Encuesta de clima relacional"
    )
    expect(page.locator(".email-text")).to_contain_text("Preguntas: hr-survey@acme.example")
    assert_accessible(page)

    # A test send to the admin, delivered by the outbox.
    page.get_by_role("button", name="Email me this reminder").click()
    expect(page.get_by_text(f"is on its way to {ADMIN}")).to_be_visible()
    settings = OutboxSettings(
        public_base_url=live.base_url,
        mail=MailSettings(host=HOST, port=smtp.port, timeout=5.0),
    )
    with app.app_context():
        assert deliver_pending(settings=settings).sent == 1
    Session.remove()
    (mail,) = smtp.received
    assert mail.rcpt_tos == [ADMIN]
    assert mail.subject == "[Test] Recordatorio: Encuesta de clima relacional"
    assert f"/s/{PLACEHOLDER_TOKEN}" in mail.body


def confirm_the_invitations(page: Page, live: LiveSurveys) -> None:
    """The invitations: the button asks first, with the number of people."""
    page.goto(f"{live.base_url}/admin/surveys/{live.open_id}")
    page.get_by_role("link", name="Email the invitations…").click()
    expect(page.get_by_text("3 people will get the invitation email.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, email 3 people").click()
    expect(page.get_by_text("Invitations are queued for the 3 people")).to_be_visible()


def add_and_remove_participants(page: Page, live: LiveSurveys) -> None:
    """The participants of the draft: a bad address refused, one added, one removed."""
    page.goto(f"{live.base_url}/admin/surveys/{live.draft_id}/participants")
    expect(page.get_by_role("table")).to_contain_text("ana@example.org")
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill("not an address")
    page.get_by_label("Team").fill("Sales")
    page.get_by_label("Level").select_option("manager")
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator(".error-summary")).to_contain_text("is not an email")
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill("dee@example.org")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("dee@example.org is on the survey")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("dee@example.org")
    page.get_by_role("link", name="Show everyone").click()
    expect(page.get_by_role("table")).to_contain_text("4 people; page 1 of 1.")
    page.get_by_role("button", name="Remove ben@example.org").click()
    expect(page.get_by_text("ben@example.org is no longer on the survey.")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("3 people; page 1 of 1.")
    assert_accessible(page)
