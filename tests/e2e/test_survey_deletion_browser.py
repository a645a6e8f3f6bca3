"""Deleting a survey in a real browser (headless Chromium): an admin without a shell opens
the survey's page, follows Delete, reads what goes, types a wrong title (refused, nothing
deleted), then the exact title; the survey list says it is deleted and the survey, its
invitations and its links are gone. axe-core finds no serious problem on the page, with
or without the error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, func, select

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, issue_links
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000
ADMIN = "admin@example.org"


@dataclass
class LiveDraft:
    base_url: str
    engine: Engine
    survey_id: int
    token: str


@pytest.fixture
def live_draft(app: Flask, scratch_engine: Engine) -> Iterator[LiveDraft]:
    def seed(base_url: str) -> LiveDraft:
        sync_instruments([BUNDLED_INSTRUMENT])
        create_staff_user(ADMIN, TEST_PASSWORD, Role.ADMIN)
        survey = create_survey(instrument_key="relational-climate", title="Trial wave")
        import_participants(survey.id, "email,team,level\nana@example.org,Ops,manager\n")
        ((_email, token),) = issue_links(survey.id)
        Session.commit()
        return LiveDraft(base_url, scratch_engine, survey.id, token)

    with live_server(app, scratch_engine, seed) as live:
        yield live


def _count(engine: Engine, model: type[Survey] | type[Invitation]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def test_an_admin_deletes_a_survey_by_typing_its_title(page: Page, live_draft: LiveDraft) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    base = live_draft.base_url
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{base}/login")

    page.goto(f"{base}/admin/surveys/{live_draft.survey_id}")
    page.get_by_role("link", name="Delete “Trial wave”…").click()
    expect(page.get_by_role("heading", name="Delete “Trial wave”")).to_be_visible()
    expect(page.get_by_text("1 invitations (with their links and emails)")).to_be_visible()
    assert serious_violations(page) == []

    title = page.get_by_label("The survey's title")
    title.fill("Trial")
    page.get_by_role("button", name="Delete the survey and everything derived from it").click()
    expect(page.get_by_role("alert")).to_contain_text("is not this survey's title")
    expect(page.get_by_label("The survey's title")).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []
    assert _count(live_draft.engine, Survey) == 1
    assert _count(live_draft.engine, Invitation) == 1

    page.get_by_label("The survey's title").fill("Trial wave")
    page.get_by_role("button", name="Delete the survey and everything derived from it").click()
    expect(page).to_have_url(f"{base}/admin/surveys/")
    expect(
        page.get_by_text("The survey “Trial wave” and everything derived from it are deleted.")
    ).to_be_visible()
    assert _count(live_draft.engine, Survey) == 0
    assert _count(live_draft.engine, Invitation) == 0
    # The link handed out before the deletion opens nothing.
    response = page.goto(f"{base}/s/{live_draft.token}")
    assert response is not None and response.status == 404
