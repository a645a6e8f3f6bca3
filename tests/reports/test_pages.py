"""The report pages, through the real views, on a small organisation with real submissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.reports.registry import REPORT_PAGES
from app.security import CHART_PAGE_POLICY, CONTENT_SECURITY_POLICY
from app.surveys.models import Invitation
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release

HOSTILE_TEAM = "<script>alert(1)</script>"
HOSTILE_COMMENT = "<b>bold</b> & <img src=x onerror=alert(2)>"
# team path -> (people, answer value for every item)
ORG = {
    "Engineering/Platform": (9, 4),
    "Engineering/Data": (6, 2),
    f"Sales/{HOSTILE_TEAM}": (3, 3),
}


@dataclass
class ReportSurvey:
    id: int
    teams: dict[str, int]


@pytest.fixture
def report_survey(db_session: Any, bundled_version: InstrumentVersion) -> ReportSurvey:
    survey = create_survey(
        instrument_key="relational-climate", title="Report wave", k_scores=5, k_comments=3
    )
    lines = ["email,team,level"]
    people: list[tuple[str, str, int]] = []
    for team, (count, value) in ORG.items():
        for i in range(count):
            email = f"{abs(hash(team)) % 10_000}-{i}@example.org"
            level = "manager" if i % 3 == 0 else "individual_contributor"
            lines.append(f'{email},"{team}",{level}')
            people.append((email, team, value))
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    document = document_of(bundled_version)
    invitations = dict(
        db_session.execute(
            select(Invitation.email, Invitation.id).where(Invitation.survey_id == survey.id)
        ).all()
    )
    submissions = []
    for n, (email, team, value) in enumerate(people):
        answers: dict[str, int | None] = {
            item.key: (value if (n + j) % 7 else max(1, value - 1))
            for j, item in enumerate(document.items)
        }
        comments = (
            {"change_together": HOSTILE_COMMENT} if team.startswith("Engineering/Platform") else {}
        )
        submissions.append(
            BatchSubmission(invitations[email], answers, comments, dt.date(2027, 3, 3))
        )
    store_responses(survey.id, bundled_version.id, document, submissions)
    db_session.commit()
    release(survey)
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    return ReportSurvey(survey.id, teams)


def _json_blocks(html: str) -> list[dict[str, Any]]:
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    ]


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


def test_overview_shows_disclosed_indices_and_charts(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey, db_session: Any
) -> None:
    page = client.get(f"/reports/surveys/{report_survey.id}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Responses in this view: <strong>18</strong>" in html
    assert "Mutuality" in html and "Power-over" in html
    charts = _json_blocks(html)
    assert len(charts) == 4  # quadrant map and one bar chart per family
    assert "/assets/plotly-" in html  # plotly.js from our own origin
    assert "cdn" not in html.lower()
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.actor_id, event.action, event.detail["page"]) == (
        hr.id,
        "report.view",
        "overview",
    )


def test_small_teams_show_no_numbers_anywhere(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    small = report_survey.teams[f"Sales/{HOSTILE_TEAM}"]
    page = client.get(f"/reports/surveys/{report_survey.id}/teams/{small}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Responses: <strong>fewer than 5*</strong>" in html
    assert "3.00" not in html  # the team's mean (all 3s) is nowhere
    export = client.get(f"/reports/surveys/{report_survey.id}/export.csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    sales_rows = [r for r in rows if r["group"].startswith("Sales")]
    assert sales_rows
    assert all(r["note"] == "fewer than 5*" and r["mean"] == r["n"] == "" for r in sales_rows)


def test_hostile_text_is_rendered_as_text(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    for url in ("/", "/heatmap", "/comments", "/items"):
        html = client.get(f"/reports/surveys/{report_survey.id}{url}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    overview = client.get(f"/reports/surveys/{report_survey.id}/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in overview
    comments = client.get(f"/reports/surveys/{report_survey.id}/comments").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in comments
    for block in _json_blocks(overview):
        assert "<script>" not in json.dumps(block)


def test_every_page_renders_for_hr(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}"
    for url in ("/heatmap", "/items", "/standpoint", "/trends", "/reliability", "/comments"):
        response = client.get(base + url)
        assert response.status_code == 200, url
    heat = _json_blocks(client.get(base + "/heatmap").get_data(as_text=True))
    assert len(heat) == 1
    reliability = client.get(base + "/reliability").get_data(as_text=True)
    assert "alpha" in reliability.lower()


def test_every_registered_page_has_a_title_and_a_tab() -> None:
    keys = [page.key for page in REPORT_PAGES]
    assert len(set(keys)) == len(keys)
    for page in REPORT_PAGES:
        assert page.title.strip(), f"{page.key} has no title"
        assert page.tab.strip(), f"{page.key} has no tab label"
        assert page.roles, f"{page.key} is open to no role"


def test_every_registered_page_renders_with_its_title_for_hr(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    base = f"/reports/surveys/{report_survey.id}/"
    for page in REPORT_PAGES:
        response = client.get(base + page.path)
        assert response.status_code == 200, page.key
        html = response.get_data(as_text=True)
        title = escape(page.title)
        assert f"<h1>{title}</h1>" in html, page.key
        assert f"<title>{title} · Report wave" in html, page.key
        assert re.search(rf'aria-current="page">{re.escape(escape(page.tab))}</a>', html), page.key


def test_tabs_keep_their_order_and_urls(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    html = client.get(f"/reports/surveys/{report_survey.id}/").get_data(as_text=True)
    start = html.index('<nav class="tabs"')
    nav = html[start : html.index("</nav>", start)]
    tabs = re.findall(r'<a href="/reports/surveys/\d+/([^"]*)"[^>]*>([^<]+)</a>', nav)
    assert tabs == [
        ("", "Overview"),
        ("heatmap", "Heatmap"),
        ("drivers", "Where to start"),
        ("items", "Items"),
        ("standpoint", "Standpoint"),
        ("trends", "Trends"),
        ("reliability", "Reliability"),
        ("item-report", "Item report"),
        ("comments", "Comments"),
        ("response-rates", "Response rates"),
    ]


def test_chart_pages_let_plotly_style_its_svg_and_nothing_more(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    """plotly.js sets style attributes on the SVG it draws; report pages allow those (and
    only those), every other page keeps the strict policy."""
    base = f"/reports/surveys/{report_survey.id}"
    for url in ("/", "/heatmap"):
        policy = client.get(base + url).headers["Content-Security-Policy"]
        assert policy == CHART_PAGE_POLICY
        assert "style-src-attr 'unsafe-inline'" in policy
        assert "style-src 'self';" in policy  # <style> elements: still our files only
        assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    export = client.get(base + "/export.csv")
    assert export.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/login").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_filters_by_team_and_level(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey
) -> None:
    platform = report_survey.teams["Engineering/Platform"]
    page = client.get(f"/reports/surveys/{report_survey.id}/?team={platform}")
    assert "Responses in this view: <strong>9</strong>" in page.get_data(as_text=True)
    tiny = client.get(f"/reports/surveys/{report_survey.id}/?team={platform}&level=999")
    assert tiny.status_code == 200  # an empty filter is the suppressed view, not an error
    assert "Responses in this view: <strong>fewer than 5*</strong>" in tiny.get_data(as_text=True)


def test_manager_sees_only_their_subtree(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Engineering/Data"])
    auth.login("lead@example.org")
    base = f"/reports/surveys/{report_survey.id}"
    page = client.get(base + "/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Engineering/Data" in html
    assert "Engineering/Platform" not in html
    assert "Responses in this view: <strong>18</strong>" in html  # organisation-wide figures
    platform = report_survey.teams["Engineering/Platform"]
    assert client.get(f"{base}/?team={platform}").status_code == 403
    assert client.get(f"{base}/teams/{platform}").status_code == 403
    assert client.get(f"{base}/response-rates").status_code == 403


def test_exports_stream_the_disclosed_aggregates(
    client: FlaskClient, hr: Any, report_survey: ReportSurvey, db_session: Any
) -> None:
    response = client.get(f"/reports/surveys/{report_survey.id}/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["group", "family", "responses", "n"]
    org = [r for r in rows if r[:2] == ["(whole organisation)", "Mutuality"]]
    assert org[0][2] == "18"
    assert float(org[0][4]) > 1.0
    assert "fewer than 5" in [r[0] for r in rows if r]  # the legend follows the rows

    xlsx = client.get(f"/reports/surveys/{report_survey.id}/export.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.get_data())) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
    actions = [e.action for e in db_session.scalars(select(AuditEvent))]
    assert actions.count("report.export") == 2
    assert client.get(f"/reports/surveys/{report_survey.id}/export.pdf").status_code == 404


def test_unknown_survey_and_team(client: FlaskClient, hr: Any, report_survey: ReportSurvey) -> None:
    assert client.get("/reports/surveys/9999/").status_code == 404
    assert client.get(f"/reports/surveys/{report_survey.id}/teams/9999").status_code == 404
