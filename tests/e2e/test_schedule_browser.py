"""The schedule form in a real browser (headless Chromium): an admin without a shell sets
a survey to open on its own with the invitations, close at a time and remind on a
cadence; the form answers bad input with its reason (nothing stored), and the worker,
with its clock set to the opening time, opens the survey. axe-core finds no serious
problem on the page, with or without errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.surveys.models import Survey
from app.surveys.services import create_survey, import_participants
from app.worker.rounds import STEPS, Round, run_round
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000
ADMIN = "admin@example.org"


@dataclass
class LiveDraft:
    base_url: str
    survey_id: int


@pytest.fixture
def live_draft(app: Flask, scratch_engine: Engine) -> Iterator[LiveDraft]:
    def seed(base_url: str) -> LiveDraft:
        sync_instruments([BUNDLED_INSTRUMENT])
        create_staff_user(ADMIN, TEST_PASSWORD, Role.ADMIN)
        survey = create_survey(instrument_key="relational-climate", title="Spring wave")
        import_participants(survey.id, "email,team,level\nana@example.org,Ops,manager\n")
        Session.commit()
        return LiveDraft(base_url, survey.id)

    with live_server(app, scratch_engine, seed) as live:
        yield live


def _fill(page: Page, **values: str) -> None:
    labels = {
        "opens_at": "Opens at (UTC)",
        "closes_at": "Closes at (UTC)",
        "remind_after_days": "Remind after (days)",
        "max_reminders": "At most this many reminders per person",
    }
    for name, value in values.items():
        page.get_by_label(labels[name]).fill(value)


def test_an_admin_schedules_a_survey_in_the_browser_and_the_worker_opens_it(
    page: Page, app: Flask, live_draft: LiveDraft
) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    base = live_draft.base_url
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{base}/login")

    page.goto(f"{base}/admin/surveys/{live_draft.survey_id}")
    page.get_by_role("link", name="Set the schedule, reminders and interim releases").click()
    expect(page.get_by_role("heading", name="Schedule of “Spring wave”")).to_be_visible()

    # Closes before it opens.
    _fill(page, opens_at="2099-03-01T09:00", closes_at="2099-02-20T09:00")
    page.get_by_label("Open the survey at this time and email the invitations").check()
    page.get_by_role("button", name="Save the schedule").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("The survey closes (2099-02-20 09:00 UTC) before it opens")
    assert serious_violations(page) == []
    # What was typed stays in the form.
    expect(page.get_by_label("Opens at (UTC)")).to_have_value("2099-03-01T09:00")

    # A negative cadence, then one longer than the survey.
    _fill(page, closes_at="2099-03-08T09:00", remind_after_days="-2")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator("#remind_after_days-error")).to_have_text(
        "Give a whole number of days from 1 to 365."
    )
    _fill(page, remind_after_days="10")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "A first reminder 10 day(s) after the invitation would come after the close"
    )
    with app.app_context():
        stored = Session.get_one(Survey, live_draft.survey_id, populate_existing=True)
        assert (stored.opens_at, stored.remind_after_days) == (None, None)
        Session.commit()

    _fill(page, remind_after_days="3", max_reminders="1")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".flashes")).to_contain_text("The schedule is saved")
    assert serious_violations(page) == []

    page.get_by_label("Publish an interim release at (UTC)").fill("2099-03-04T12:00")
    page.get_by_role("button", name="Schedule the release").click()
    expect(page.get_by_role("cell", name="2099-03-04 12:00 UTC")).to_be_visible()

    # The worker, its clock at the opening time, opens the survey (its schedule steps).
    opening = dt.datetime(2099, 3, 1, 9, 0, tzinfo=dt.UTC)
    with app.app_context():
        run_round(
            Round(now=opening, clock=lambda: opening, worker_id="e2e", echo=lambda _: None),
            steps=STEPS[:1],
        )
    page.goto(f"{base}/admin/surveys/{live_draft.survey_id}")
    expect(page.get_by_role("cell", name="open", exact=True)).to_be_visible()
    expect(page.locator("#worker-status")).to_contain_text("Worker last seen")
    expect(page.locator("#link-base")).to_contain_text("http://survey.test")
    expect(page.locator("#link-base-warning")).to_be_visible()  # the browser is elsewhere
