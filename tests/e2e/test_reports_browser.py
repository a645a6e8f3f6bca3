"""The report pages in a real browser (headless Chromium): HR signs in, every page draws its
charts with plotly.js from our origin under our Content-Security-Policy, and axe-core finds
no serious problem. The server runs live on demo data of its own (see tests/conftest.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine

from app.db import Session
from app.demo.services import DEMO_HR, DEMO_MANAGER, seed_demo
from tests.conftest import live_server
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000
# Pages and how many charts each draws for the demo's latest wave.
CHART_PAGES = {"/": 4, "/heatmap": 1, "/standpoint": 1, "/trends": 1}
OTHER_PAGES = ("/items", "/reliability", "/comments")


@dataclass
class LiveReports:
    base_url: str
    survey_id: int  # the latest of the demo's waves

    def url(self, page: str) -> str:
        return f"{self.base_url}/reports/surveys/{self.survey_id}{page}"


@pytest.fixture
def live_reports(app: Flask, scratch_engine: Engine) -> Iterator[LiveReports]:
    def seed(base_url: str) -> LiveReports:
        summary = seed_demo(teams=12, people=300, waves=2)
        Session.commit()
        return LiveReports(base_url, max(survey.id for survey in summary.surveys))

    with live_server(app, scratch_engine, seed) as live:
        yield live


def signed_in_hr(context: BrowserContext, live: LiveReports) -> Page:
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live.base_url}/login")
    email, password = DEMO_HR
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{live.base_url}/login")
    return page


def test_report_pages_draw_their_charts_under_the_csp_and_pass_axe(
    live_reports: LiveReports, context: BrowserContext
) -> None:
    page = signed_in_hr(context, live_reports)
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path, charts in CHART_PAGES.items():
        blocked.clear()
        page.goto(live_reports.url(path))
        drawn = page.locator(".js-plotly-plot .main-svg")
        expect(drawn.first).to_be_visible()
        assert page.locator(".js-plotly-plot").count() == charts, path
        # plotly.js styles its SVG through style attributes, allowed on these pages; the
        # one element it may still try is the stylesheet of its map charts (not used).
        assert len(blocked) <= 1, (path, blocked)
        problems = serious_violations(page)
        assert not problems, f"axe ({path}):\n" + "\n".join(problems)
    for path in OTHER_PAGES:
        response = page.goto(live_reports.url(path))
        assert response is not None and response.status == 200, path
        problems = serious_violations(page)
        assert not problems, f"axe ({path}):\n" + "\n".join(problems)


def test_reliability_page_draws_alpha_and_whether_teams_share_a_climate(
    live_reports: LiveReports, context: BrowserContext, tmp_path: Path
) -> None:
    page = signed_in_hr(context, live_reports)
    page.goto(live_reports.url("/reliability"))
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert page.locator(".js-plotly-plot").count() == 2
    expect(page.get_by_text("Do teams share a climate?").first).to_be_visible()
    assert page.locator("table").first.locator("tbody tr").count() == 13
    # SCREENSHOT_DIR keeps the picture for a reviewer; otherwise it goes with tmp_path
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(folder / "reliability.png"), full_page=True)


def test_where_to_start_draws_the_priority_map_and_passes_axe(
    live_reports: LiveReports, context: BrowserContext, tmp_path: Path
) -> None:
    page = signed_in_hr(context, live_reports)
    page.goto(live_reports.url("/drivers"))
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert page.locator(".js-plotly-plot").count() == 1
    expect(page.get_by_text("association in one wave, not cause").first).to_be_visible()
    expect(page.locator(".js-plotly-plot").get_by_text("Start here")).to_be_visible()
    problems = serious_violations(page)
    assert not problems, "axe (/drivers):\n" + "\n".join(problems)
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(folder / "drivers.png"), full_page=True)


def test_a_manager_lands_on_their_team_view_which_passes_axe(
    live_reports: LiveReports, context: BrowserContext, tmp_path: Path
) -> None:
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_reports.base_url}/login")
    email, password = DEMO_MANAGER
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in, the manager lands on their own team's view of the latest release.
    expect(page).to_have_url(re.compile(rf"/reports/surveys/{live_reports.survey_id}/teams/\d+$"))
    expect(page.get_by_role("heading", name="Participation")).to_be_visible()
    expect(page.get_by_role("heading", name="Where this team stands")).to_be_visible()
    expect(page.get_by_text("How strengths and focus areas are chosen")).to_be_visible()
    expect(page.get_by_role("link", name="Create an action plan")).to_be_visible()
    problems = serious_violations(page)
    assert not problems, "axe (team view):\n" + "\n".join(problems)
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(folder / "team-view.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = serious_violations(page)
    assert not problems, "axe (team view, phone):\n" + "\n".join(problems)
