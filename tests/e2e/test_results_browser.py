"""Results shared back, in a real browser (headless Chromium): HR previews and publishes the
employee summary and creates a results link; an employee opens the shared results from their
used survey link and from the results link, in English and Spanish, with no cookie stored;
axe-core finds no serious problem on these pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.reports.releases import publish_release
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations
from tests.results.test_summary import SharedSurvey, _org_survey

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000


@dataclass
class LiveResults:
    base_url: str
    shared: SharedSurvey


@pytest.fixture
def live_results(app: Flask, scratch_engine: Engine) -> Iterator[LiveResults]:
    def seed(base_url: str) -> LiveResults:
        with app.app_context():
            (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
            Session.commit()
            shared = _org_survey(Session, outcome.version, answer=True)
            publish_release(shared.survey, actor=None, final=False, notify=False)
            create_staff_user("hr@example.org", TEST_PASSWORD, Role.HR)
            Session.commit()
            return LiveResults(base_url, shared)

    with live_server(app, scratch_engine, seed) as live:
        yield live


def no_serious_problems(page: Page, where: str) -> None:
    problems = serious_violations(page)
    assert not problems, f"axe ({where}):\n" + "\n".join(problems)


def test_an_employee_opens_the_shared_results_from_their_used_link(
    live_results: LiveResults, context: BrowserContext, new_context: Any
) -> None:
    base, shared = live_results.base_url, live_results.shared
    # HR previews, publishes and creates a results link.
    context.set_default_timeout(TIMEOUT_MS)
    hr = context.new_page()
    hr.goto(f"{base}/login")
    hr.get_by_label("Email").fill("hr@example.org")
    hr.get_by_label("Password").fill(TEST_PASSWORD)
    hr.get_by_role("button", name="Sign in").click()
    expect(hr).not_to_have_url(f"{base}/login")
    hr.goto(f"{base}/reports/surveys/{shared.id}/releases")
    hr.get_by_role("link", name="Employee summary").click()
    expect(hr.get_by_role("heading", name="Employee summary")).to_be_visible()
    expect(hr.get_by_role("heading", name="Engineering/Platform")).to_be_visible()
    no_serious_problems(hr, "HR's preview")
    hr.get_by_role("button", name="Publish the summary of release 1 for employees").click()
    expect(hr.get_by_text("Employees can now read the summary of release 1.")).to_be_visible()
    hr.get_by_role("button", name="Create a new results link").click()
    results_link = hr.get_by_label("Results link").input_value()
    assert "/s/results/" in results_link
    no_serious_problems(hr, "HR's page with the new link")

    # An employee who has answered opens their own link again.
    employee_context = new_context()
    employee_context.set_default_timeout(TIMEOUT_MS)
    employee = employee_context.new_page()
    used = shared.tokens[shared.answered[1]]
    employee.goto(f"{base}/s/{used}?lang=en")
    expect(employee.get_by_role("heading", name="You have already answered")).to_be_visible()
    employee.get_by_role("link", name="See the results").click()
    expect(employee).to_have_url(f"{base}/s/{used}/results?lang=en")
    expect(employee.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(employee.get_by_role("heading", name="Engineering/Platform")).to_be_visible()
    expect(employee.get_by_role("heading", name="Sales/Field")).to_have_count(0)
    no_serious_problems(employee, "the employee's results")
    employee.get_by_role("link", name="Español").click()
    expect(employee.get_by_role("heading", name="Resultados", exact=True)).to_be_visible()
    expect(employee.get_by_text("Mutualidad").first).to_be_visible()
    no_serious_problems(employee, "the employee's results in Spanish")
    # The results link, too; nothing of this is kept in the browser.
    employee.goto(results_link)
    expect(employee.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    no_serious_problems(employee, "the results link")
    assert employee_context.cookies() == []
