"""A whole wave run from the browser with no shell (headless Chromium): an admin creates a
survey, imports people, opens it, sets its close and reminder cadence, and emails the
invitations; the worker (its clock injected, never slept) delivers them to a real SMTP
server on loopback, with links that lead to the server the admin is on; employees answer
from their emailed links; the worker reminds the one who has not, on the cadence, and
closes the survey at its time; the final release appears in the reports."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine, select

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session, utcnow
from app.instruments.services import sync_instruments
from app.reports.models import Release
from app.surveys.models import Survey
from app.worker.rounds import Round, run_round
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, live_server
from tests.outbox.conftest import SmtpServer, mail_server, mail_to, smtp_server

__all__ = ["mail_server", "mail_to", "smtp_server"]  # the outbox's fixtures, used here

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 20_000
ADMIN = "admin@example.org"
PEOPLE = ("ana", "ben", "cai", "dev")


@pytest.fixture
def live_base(app: Flask, scratch_engine: Engine) -> Iterator[str]:
    def seed(base_url: str) -> str:
        sync_instruments([BUNDLED_INSTRUMENT])
        create_staff_user(ADMIN, TEST_PASSWORD, Role.ADMIN)
        Session.commit()
        return base_url

    with live_server(app, scratch_engine, seed) as base:
        yield base


def worker_round(app: Flask, now: dt.datetime) -> list[str]:
    """One round of `flask worker` at `now` (in the test's app, mail to the test server)."""
    with app.app_context():
        return run_round(Round(now=now, clock=lambda: now, worker_id="e2e", echo=lambda _: None))


def answer_everything(page: Page) -> None:
    """Pick the middle of every scale (one radio group per item)."""
    for radio in page.locator('input[type="radio"][value="3"]').all():
        radio.check()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/s/thanks**")


def link_in(body: str, base: str) -> str:
    match = re.search(re.escape(base) + r"/s/[A-Za-z0-9_\-]+", body)
    assert match, body
    return match.group(0)


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{base}/login")


def create_import_and_open(page: Page, base: str, tmp_path: Path) -> str:
    """Create the survey, import four people and open it, as an admin does; its page."""
    page.goto(f"{base}/admin/surveys/new")
    page.get_by_label("Title").fill("Autumn wave")
    page.get_by_label("Smallest group shown with scores (k)").fill("3")
    page.get_by_label("Smallest group shown with comments (k for comments)").fill("3")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn wave")
    survey_url = page.url
    people = tmp_path / "people.csv"
    people.write_text(
        "email,team,level\n"
        + "".join(f"{p}@example.org,Ops,individual_contributor\n" for p in PEOPLE)
    )
    page.get_by_label("Participants file (CSV)").set_input_files(str(people))
    page.get_by_role("button", name="Import the participants").click()
    expect(page.locator(".flashes")).to_contain_text("Invited 4 participants.")
    page.get_by_label("Yes, open the survey").check()
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator(".flashes")).to_contain_text("The survey is open.")
    return survey_url


def test_a_wave_from_the_browser_with_the_worker_sending_reminding_and_closing(
    app: Flask,
    context: BrowserContext,
    live_base: str,
    mail_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The worker's links lead where the app serves (as `make run` arranges).
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_base)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, live_base)
    survey_url = create_import_and_open(page, live_base, tmp_path)
    survey_id = int(survey_url.rstrip("/").rsplit("/", 1)[1])

    # The schedule: close in a week, remind after three days, once.
    start = utcnow().replace(second=0, microsecond=0)
    closes = start + dt.timedelta(days=7)
    page.get_by_role("link", name="Set the schedule, reminders and interim releases").click()
    page.get_by_label("Closes at (UTC)").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Remind after (days)").fill("3")
    page.get_by_label("At most this many reminders per person").fill("1")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".flashes")).to_contain_text("The schedule is saved")

    # Email the invitations (the page asks first, saying how many).
    page.goto(survey_url)
    page.get_by_role("link", name="Email the invitations…").click()
    page.get_by_role("button", name="Yes, email 4 people").click()
    worker_round(app, start + dt.timedelta(minutes=1))
    assert sorted(r.rcpt_tos[0] for r in mail_server.received) == [
        f"{p}@example.org" for p in PEOPLE
    ]

    # Three answer from their emailed links; dev does not.
    employee = context.new_page()
    for person in PEOPLE[:3]:
        (invitation,) = mail_server.handler.to(f"{person}@example.org")
        employee.goto(link_in(invitation.body, live_base))
        answer_everything(employee)

    # Three days after the invitations the cadence reminds dev alone, with a working link.
    worker_round(app, start + dt.timedelta(days=3, minutes=2))
    reminders = [r for r in mail_server.received if len(mail_server.handler.to(r.rcpt_tos[0])) > 1]
    assert [r.rcpt_tos[0] for r in reminders] == ["dev@example.org"] * 2
    reminder = mail_server.handler.to("dev@example.org")[-1]
    response = employee.goto(link_in(reminder.body, live_base))
    assert response is not None and response.status == 200
    worker_round(app, start + dt.timedelta(days=6))  # at most one reminder
    assert len(mail_server.received) == 5

    # At its closing time the worker closes it and publishes the final release.
    worker_round(app, closes)
    with app.app_context():
        survey = Session.get_one(Survey, survey_id, populate_existing=True)
        release = Session.scalars(select(Release).where(Release.survey_id == survey_id)).one()
        summary: dict[str, Any] = {"state": survey.state, "final": release.final}
        Session.commit()
    assert summary == {"state": "closed", "final": True}
    assert release.responded == 3
    page.goto(survey_url)
    expect(page.get_by_role("cell", name="closed", exact=True)).to_be_visible()
    page.goto(f"{live_base}/reports/surveys/{survey_id}/response-rates")
    expect(page.get_by_text("Autumn wave").first).to_be_visible()
