"""Action plans in a real browser (headless Chromium): a manager signs in, lands on their
team, creates a plan with two actions from the team view's link; once a later wave is
released the plan shows each focus area's change with its interval; axe-core finds no
serious problem on the plan pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine, select

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.models import InstrumentVersion
from app.instruments.services import sync_instruments
from app.org.models import Team
from app.plans.models import ActionPlan
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations
from tests.plans.conftest import make_first_wave, make_second_wave

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000


@dataclass
class LivePlans:
    base_url: str
    survey_id: int
    team_id: int
    version: InstrumentVersion


@pytest.fixture
def live_plans(app: Flask, scratch_engine: Engine) -> Iterator[LivePlans]:
    def seed(base_url: str) -> LivePlans:
        with app.app_context():
            (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
            Session.commit()
            first = make_first_wave(Session, outcome.version)
            create_staff_user("lead@example.org", TEST_PASSWORD, Role.MANAGER, ["Eng/Alpha"])
            create_staff_user("helper@example.org", TEST_PASSWORD, Role.MANAGER, ["Eng"])
            Session.commit()
            alpha = Session.scalar(select(Team.id).where(Team.path == "Eng/Alpha"))
            assert alpha is not None
            return LivePlans(base_url, first.id, alpha, outcome.version)

    with live_server(app, scratch_engine, seed) as live:
        yield live


def signed_in(context: BrowserContext, live: LivePlans, email: str) -> Page:
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{live.base_url}/login")
    return page


def no_serious_problems(page: Page, where: str) -> None:
    problems = serious_violations(page)
    assert not problems, f"axe ({where}):\n" + "\n".join(problems)


def add_action(page: Page, text: str, owner: str, due: str) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Add the action"))
    form.get_by_label("Action", exact=True).fill(text)
    form.get_by_label("Owner").select_option(label=owner)
    form.get_by_label("Due on").fill(due)
    form.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Added the action.")).to_be_visible()


def test_a_manager_creates_a_plan_with_two_actions_and_sees_whether_it_worked(
    app: Flask, live_plans: LivePlans, context: BrowserContext
) -> None:
    page = signed_in(context, live_plans, "lead@example.org")
    # the manager lands on their team's view, which links to a new plan for it
    page.goto(
        f"{live_plans.base_url}/reports/surveys/{live_plans.survey_id}/teams/{live_plans.team_id}"
    )
    page.get_by_role("link", name="Create an action plan").click()
    expect(page.get_by_role("heading", name="Create a plan for Eng/Alpha")).to_be_visible()
    no_serious_problems(page, "new plan")
    # a focus area that is not a dimension of the version is refused with its message
    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_text("Choose at least one focus area.").first).to_be_visible()
    no_serious_problems(page, "new plan, refused")
    page.get_by_label("Focus areas").select_option(["voice_influence", "silencing"])
    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_role("heading", name="Plan for Eng/Alpha")).to_be_visible()
    expect(page.get_by_text("Not yet: the change in each focus area")).to_be_visible()

    add_action(page, "Rotate who chairs the weekly meeting", "lead@example.org", "2027-04-15")
    add_action(page, "Ask each person before deciding on rotas", "helper@example.org", "2027-05-01")
    actions = page.locator("#actions + p + .table-scroll tbody tr")
    expect(actions).to_have_count(2)
    no_serious_problems(page, "plan")

    # a bad due date: a clear message, nothing added
    form = page.locator("form", has=page.get_by_role("button", name="Add the action"))
    form.get_by_label("Action", exact=True).fill("Third")
    form.get_by_label("Owner").select_option(label="lead@example.org")
    form.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Give the date the action is due").first).to_be_visible()
    no_serious_problems(page, "plan, refused action")

    # status from the plan page
    first = page.locator(".table-scroll tbody tr", has_text="Rotate who chairs")
    first.get_by_label("Status").select_option("in_progress")
    first.get_by_role("button", name="Set").click()
    expect(page.get_by_text("The action is now in progress.")).to_be_visible()

    page.get_by_role("link", name="Rotate who chairs the weekly meeting").click()
    expect(page.get_by_role("heading", name="Edit an action")).to_be_visible()
    no_serious_problems(page, "edit action")
    page.goto(f"{live_plans.base_url}/plans/")
    expect(page.get_by_role("link", name="Eng/Alpha")).to_be_visible()
    no_serious_problems(page, "plans list")
    page.goto(f"{live_plans.base_url}/plans/new")
    no_serious_problems(page, "start a plan")

    # a later wave is released: the plan shows the change with its interval
    with app.app_context():
        make_second_wave(Session, live_plans.version)
        plan_id = Session.scalars(select(ActionPlan.id)).one()
        Session.remove()
    page.goto(f"{live_plans.base_url}/plans/{plan_id}")
    expect(page.get_by_role("heading", name="Did it work?")).to_be_visible()
    voice = page.locator("tr", has=page.get_by_role("rowheader", name="Voice and influence"))
    expect(voice).to_contain_text("95% interval")
    expect(voice.locator("td").nth(2)).to_have_text(
        re.compile(r"^[+-]\d\.\d\d \([+-]\d\.\d\d to [+-]\d\.\d\d\)$")
    )
    no_serious_problems(page, "plan with its change")
